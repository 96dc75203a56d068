"""The business rules, one package per domain (mirroring `backend/schema/`); `core` is what they
share.
"""
