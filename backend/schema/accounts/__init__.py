"""Accounts in the schema: users, sign-up, sessions, staff and roles, API tokens."""
