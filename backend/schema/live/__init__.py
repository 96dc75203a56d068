"""Live updates over GraphQL: subscriptions, and `/graphql` over WebSocket."""
