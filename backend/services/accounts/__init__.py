"""People and how they prove who they are: sign-up, sign-in and its throttle, passwords, sessions,
API tokens.
"""
