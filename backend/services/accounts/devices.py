"""Device cookies, after OWASP's "Slow Down Online Guessing Attacks with Device Cookies".

A browser that has signed in to an account carries a signed note saying so. When guessing
spread over many addresses trips an account's ceiling, sign-in to it pauses for everyone but
the browsers holding such a note: the owner keeps signing in where they have before, and the
pause cannot be used to lock them out. (The per-address limits still apply to those browsers.)
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer

DEVICE_DAYS = 365
_SALT = "servicehall.device"


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def device_token(secret_key: str, user_id: int) -> str:
    """The cookie value for a browser that has just signed in as `user_id`."""
    return _serializer(secret_key).dumps({"u": user_id})


def device_user(secret_key: str, token: str | None) -> int | None:
    """The user a device cookie vouches for, or None for a missing, forged or old one."""
    if not token or len(token) > 200:
        return None
    try:
        payload = _serializer(secret_key).loads(token, max_age=DEVICE_DAYS * 86400)
    except BadSignature:
        return None
    user_id = payload.get("u") if isinstance(payload, dict) else None
    return user_id if isinstance(user_id, int) else None
