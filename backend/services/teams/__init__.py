"""Staff teams: who handles and who audits for a category, and who is on leave."""
