"""Resident enterprises: registration and review, members and invitations, premises, providers."""
