"""The inbox in the schema."""
