"""Enterprises, their members and licences, the premises register, providers, and uploads."""
