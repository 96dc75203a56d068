"""Applications: drafts, submission with the audit, the desk's review, withdrawal, supplements."""
