"""API tokens for integrators: shown once, stored hashed, limited by scopes, revocable.

A token reads `sh_<prefix>_<secret>`. The prefix finds the row; the secret is compared by its
SHA-256 (the secret is 256 random bits, so a slow hash would add nothing but latency).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.queryset import QuerySet

from backend.models.accounts import ApiToken, Role, User, UserRole
from backend.services.core import events
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import NotFound, PermissionDenied, Problem, Problems
from backend.services.core.transactions import in_transaction

# Each scope lets a token run the operations of one domain; the schema maps root fields to them.
SCOPES: dict[str, str] = {
    "accounts:read": "Read your account and users you may see",
    "accounts:write": "Change accounts, staff and roles",
    "teams:read": "Read staff teams",
    "teams:write": "Change staff teams",
    "notifications:read": "Read the inbox",
    "notifications:write": "Mark inbox entries read",
    "calendar:read": "Read the working calendar",
    "calendar:write": "Enter holidays and make-up working days",
    "files:read": "Read uploaded files you may see",
    "files:write": "Upload files",
    "enterprises:read": "Read enterprises you may see",
    "enterprises:write": "Register, review and manage enterprises and their members",
    "premises:read": "Read the premises register",
    "premises:write": "Change the premises register and bindings",
    "providers:read": "Read third-party providers",
    "providers:write": "Change third-party providers",
    "catalog:read": "Read the service catalog and your pinned services",
    "catalog:write": "Change the catalog (admins) and your pinned services",
    "orders:read": "Read the orders you may see, their assignment and timeline",
    "orders:write": "Assign and reassign orders (supervisors)",
    "applications:read": "Read applications you may see, and check one against its audit",
    "applications:write": "Save, submit and withdraw applications; audit and supplement them",
    "requests:read": "Read your enterprises' requests for new services (admins: all, grouped)",
    "requests:write": "Ask for new services; answer, merge, decline or draft them (admins)",
    "jobs:read": "Read background jobs that failed (admins)",
    "jobs:write": "Run failed background jobs again (admins)",
    "dashboard:read": "Read the supervisor's cockpit figures (supervisors, admins)",
    "evaluations:read": "Read reviews of orders you may see, rectifications and published figures",
    "evaluations:write": "Rate orders, appeal reviews, decide appeals and record rectifications",
    "webhooks:read": "Read providers' webhook endpoints and deliveries (admins)",
    "webhooks:write": "Configure webhook endpoints, rotate keys, redeliver (admins)",
}

LAST_USED_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


@dataclass(frozen=True)
class TokenHolder:
    token: ApiToken
    user: User
    roles: frozenset[Role]


class TokenRejected(Exception):
    """The bearer token is unknown, expired or revoked; `reason` says which."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def tokens_of(actor: Actor) -> QuerySet[ApiToken]:
    return ApiToken.filter(user_id=actor.user_id if actor.user_id is not None else -1)


async def create(
    actor: Actor, name: str, scopes: list[str], expires_at: datetime | None
) -> IssuedToken:
    user_id = require_user(actor)
    if actor.token_id is not None:
        # A token cannot mint tokens: a leaked token must not outlive its revocation.
        raise PermissionDenied([Problem("TOKEN_NOT_ALLOWED")])
    problems = Problems()
    cleaned = " ".join(name.split())
    if not cleaned:
        problems.add("name", "REQUIRED")
    elif len(cleaned) > 100:
        problems.add("name", "TOO_LONG", max=100)
    if not scopes:
        problems.add("scopes", "REQUIRED")
    for index, scope in enumerate(scopes):
        if scope not in SCOPES:
            problems.add(("scopes", str(index)), "UNKNOWN_SCOPE", scope=scope)
    if expires_at is not None and expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)  # the API speaks UTC
    if expires_at is not None and expires_at <= datetime.now(UTC):
        problems.add("expiresAt", "IN_THE_PAST")
    problems.raise_if_any()
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    async with in_transaction() as conn:
        token = await ApiToken.create(
            user_id=user_id,
            name=cleaned,
            prefix=prefix,
            secret_hash=_hash(secret),
            scopes=sorted(set(scopes)),
            expires_at=expires_at,
            using_db=conn,
        )
        await events.record(
            conn, actor, "api_token", token.id, "TOKEN_CREATED", {"scopes": token.scopes}
        )
    return IssuedToken(token, f"sh_{prefix}_{secret}")


async def revoke(actor: Actor, token_id: int) -> ApiToken:
    require_user(actor)
    token = await tokens_of(actor).get_or_none(id=token_id)
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        async with in_transaction() as conn:
            now = datetime.now(UTC)
            revoked = (
                await ApiToken.filter(id=token.id, revoked_at__isnull=True)
                .using_db(conn)
                .update(revoked_at=now)
            )
            if revoked:
                await events.record(conn, actor, "api_token", token.id, "TOKEN_REVOKED")
        await token.refresh_from_db()
    return token


async def authenticate(bearer: str) -> TokenHolder:
    parts = bearer.split("_", 2)
    if len(parts) != 3 or parts[0] != "sh":
        raise TokenRejected("malformed")
    token = await ApiToken.get_or_none(prefix=parts[1]).select_related("user")
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(parts[2])):
        raise TokenRejected("unknown")
    now = datetime.now(UTC)
    if token.revoked_at is not None:
        raise TokenRejected("revoked")
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenRejected("expired")
    if not token.user.is_active:
        raise TokenRejected("disabled")
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        await ApiToken.filter(id=token.id).update(last_used_at=now)
        token.last_used_at = now
    roles = await UserRole.filter(user_id=token.user.id).values_list("role", flat=True)
    return TokenHolder(token, token.user, frozenset(Role(str(r)) for r in roles))
