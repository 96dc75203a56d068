"""Staff teams in the schema."""
