"""Evaluations (好差评): ratings of completed orders, rectifications, appeals, published figures."""
