"""The in-app inbox."""
