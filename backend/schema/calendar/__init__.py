"""The working calendar in the schema."""
