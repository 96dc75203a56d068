"""Requests for new services in the schema."""
