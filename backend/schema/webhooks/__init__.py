"""Webhooks in the schema: a provider's endpoint and keys, deliveries and their attempts."""
