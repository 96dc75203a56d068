"""The service catalog in the schema: categories, service items, the pinned board."""
