"""Stored files: where their bytes live and what an upload may be."""
