"""What every domain shares: the actor, the exception tree, event rows, idempotency keys,
numbering.
"""
