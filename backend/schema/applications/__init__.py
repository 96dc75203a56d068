"""Applications in the schema: types, queries, mutations."""
