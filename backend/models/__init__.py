"""Tortoise models, one module per domain. They import nothing of ours."""
