"""Evaluations (好差评) in the schema: `Order.evaluation`, the rectifications, appeals, figures."""
