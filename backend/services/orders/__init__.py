"""Orders: opening an approved application's order, assignment, the queues."""
