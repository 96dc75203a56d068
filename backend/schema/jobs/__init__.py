"""Background jobs in the schema: the failed ones, for admins."""
