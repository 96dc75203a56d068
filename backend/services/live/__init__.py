"""Live updates: news of committed changes, carried by a broker to whoever may hear of them."""
