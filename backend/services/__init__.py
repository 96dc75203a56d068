"""The business rules, as plain async functions on models. One module per capability."""
