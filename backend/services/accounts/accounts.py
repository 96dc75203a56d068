"""Accounts: applicants sign themselves up, admins create staff and set roles, people sign in."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.i18n import N_, SUPPORTED
from backend.models.accounts import STAFF_ROLES, Role, Session, User, UserRole
from backend.models.enterprises import Provider
from backend.services.accounts import passwords
from backend.services.accounts.policies import can_manage_staff
from backend.services.accounts.throttle import LoginThrottle
from backend.services.core import events, idempotency
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import (
    Invalid,
    PermissionDenied,
    Problem,
    Problems,
    ServiceError,
    register_messages,
)
from backend.services.core.states import bump_version
from backend.services.core.transactions import in_transaction
from backend.services.notifications import notifications

register_messages(
    {
        "TOO_MANY_SIGN_UPS": N_(
            "Too many sign-ups from this network. Try again in {minutes} minutes."
        ),
        "PROVIDER_ACCOUNT_UNLINKED": N_("Choose the provider this account works for."),
        "NOT_A_PROVIDER_ACCOUNT": N_("Only a service provider's account works for a provider."),
    }
)

# What an admin may give a staff account, in the schema's order; the applicant's role is taken
# by signing up.
STAFF_ACCOUNT_ROLES: tuple[Role, ...] = tuple(role for role in Role if role in STAFF_ROLES)

MOBILE = re.compile(r"^1[3-9]\d{9}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8
MAX_PASSWORD = 128


@dataclass(frozen=True)
class Contact:
    email: str | None = None
    phone: str | None = None


def parse_contact(value: str) -> Contact | None:
    """A mainland mobile number (spaces, dashes and +86 allowed) or an e-mail address."""
    text = value.strip()
    if "@" in text:
        return Contact(email=text.lower()) if EMAIL.match(text) and len(text) <= 254 else None
    digits = re.sub(r"[\s-]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    return Contact(phone=digits) if MOBILE.match(digits) else None


def _check_name(problems: Problems, name: str, field_name: str = "name") -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        problems.add(field_name, "REQUIRED")
    elif len(cleaned) > 100:
        problems.add(field_name, "TOO_LONG", max=100)
    return cleaned


def _check_password(problems: Problems, password: str, field_name: str = "password") -> None:
    if len(password) < MIN_PASSWORD or password.isdigit():
        problems.add(field_name, "WEAK_PASSWORD", min=MIN_PASSWORD)
    elif len(password) > MAX_PASSWORD:
        problems.add(field_name, "TOO_LONG", max=MAX_PASSWORD)


async def _contact_taken(contact: Contact) -> bool:
    if contact.email:
        return await User.filter(email=contact.email).exists()
    return await User.filter(phone=contact.phone).exists()


async def sign_up(
    name: str,
    contact_text: str,
    password: str,
    language: str,
    address: str,
    throttle: LoginThrottle,
) -> User:
    """Every attempt counts against the address, and whether a contact is registered is only
    answered to an otherwise complete sign-up (which, had the contact been free, would have made
    an account): probing for registered phones and e-mails is slow and leaves accounts behind."""
    await throttle.signing_up(address)
    problems = Problems()
    cleaned = _check_name(problems, name)
    contact = parse_contact(contact_text)
    if not contact_text.strip():
        problems.add("contact", "REQUIRED")
    elif contact is None:
        problems.add("contact", "INVALID_CONTACT")
    _check_password(problems, password)
    problems.raise_if_any()
    assert contact is not None
    if await _contact_taken(contact):
        raise Invalid.at("contact", "CONTACT_TAKEN")

    async def welcome(user: User, conn: BaseDBAsyncClient) -> None:
        await notifications.notify(user.id, "WELCOME", {"name": user.name}, using_db=conn)

    return await _create_user(cleaned, contact, password, [Role.APPLICANT], language, welcome)


async def _create_user(
    name: str,
    contact: Contact,
    password: str,
    roles: Iterable[Role],
    language: str,
    then: Callable[[User, BaseDBAsyncClient], Awaitable[object]] | None = None,
    claim: idempotency.Claim[User] | None = None,
) -> User:
    """Creates the user and their roles, and runs `then` in the same transaction."""
    password_hash = await passwords.hash_password(password)

    async def write(conn: BaseDBAsyncClient) -> User:
        user = await User.create(
            name=name,
            email=contact.email,
            phone=contact.phone,
            password_hash=password_hash,
            language=language,
            using_db=conn,
        )
        await UserRole.bulk_create(
            [UserRole(user=user, role=role) for role in sorted(set(roles))], using_db=conn
        )
        if then is not None:
            await then(user, conn)
        return user

    # Two sign-ups with one contact at the same moment: the unique index decides.
    user, _ = await (claim or idempotency.unkeyed(User, "createUser")).run(
        write, conflict=lambda: Invalid.at("contact", "CONTACT_TAKEN")
    )
    return user


async def create_staff(
    actor: Actor,
    name: str,
    email: str | None,
    phone: str | None,
    password: str,
    roles: list[Role],
    language: str = "zh-CN",
    idempotency_key: str | None = None,
    provider_id: int | None = None,
) -> User:
    """A staff account; a PROVIDER account names the provider it works for (`provider_id`),
    whose orders it then sees and answers, and nothing else."""
    if not can_manage_staff(actor):
        raise PermissionDenied()
    claim = await idempotency.claim(actor, idempotency_key, "createStaffUser", User)
    if claim.first is not None:
        return claim.first
    try:
        problems = Problems()
        cleaned = _check_name(problems, name)
        email_contact = parse_contact(email) if email else None
        phone_contact = parse_contact(phone) if phone else None
        if email and (email_contact is None or email_contact.email is None):
            problems.add("email", "INVALID_EMAIL")
        if phone and (phone_contact is None or phone_contact.phone is None):
            problems.add("phone", "INVALID_PHONE")
        if not email and not phone:
            problems.add("email", "REQUIRED")
        contact = Contact(
            email=email_contact.email if email_contact else None,
            phone=phone_contact.phone if phone_contact else None,
        )
        if contact.email and await User.filter(email=contact.email).exists():
            problems.add("email", "CONTACT_TAKEN")
        if contact.phone and await User.filter(phone=contact.phone).exists():
            problems.add("phone", "CONTACT_TAKEN")
        if not roles:
            problems.add("roles", "REQUIRED")
        elif any(role not in STAFF_ACCOUNT_ROLES for role in roles):
            problems.add("roles", "INVALID")
        _check_password(problems, password)
        if Role.PROVIDER in roles and provider_id is None:
            problems.add("providerId", "PROVIDER_ACCOUNT_UNLINKED")
        elif provider_id is not None and Role.PROVIDER not in roles:
            problems.add("providerId", "NOT_A_PROVIDER_ACCOUNT")
        elif provider_id is not None and not await Provider.filter(id=provider_id).exists():
            problems.add("providerId", "NOT_FOUND")
        problems.raise_if_any()
        names = sorted({role.value for role in roles})
    except ServiceError as exc:
        return await claim.after(exc)

    async def record_and_welcome(user: User, conn: BaseDBAsyncClient) -> None:
        if provider_id is not None:
            user.provider_id = provider_id
            await User.filter(id=user.id).using_db(conn).update(provider_id=provider_id)
        await events.record(
            conn, actor, "user", user.id, "STAFF_CREATED",
            {"roles": names, "provider": provider_id},
        )  # fmt: skip
        await notifications.notify(
            user.id, "STAFF_WELCOME", {"name": user.name, "roles": names}, using_db=conn
        )

    return await _create_user(
        cleaned, contact, password, roles, language, record_and_welcome, claim
    )


async def roles_of(user_id: int, using_db: BaseDBAsyncClient | None = None) -> frozenset[Role]:
    query = UserRole.filter(user_id=user_id)
    if using_db is not None:
        query = query.using_db(using_db)
    rows = await query.values_list("role", flat=True)
    return frozenset(Role(str(r)) for r in rows)


async def set_roles(actor: Actor, user_id: int, roles: list[Role], expected_version: int) -> User:
    if not can_manage_staff(actor):
        raise PermissionDenied()
    if not roles:
        raise Invalid.at("roles", "REQUIRED")
    wanted = frozenset(roles)
    async with in_transaction() as conn:
        user = await User.get_or_none(id=user_id, using_db=conn)
        if user is None:
            raise Invalid.at("userId", "NOT_FOUND")
        current = await roles_of(user_id, conn)
        if Role.ADMIN in current and Role.ADMIN not in wanted:
            admins = await UserRole.filter(role=Role.ADMIN).using_db(conn).count()
            if admins <= 1:
                raise Invalid.at("roles", "LAST_ADMIN")
        await bump_version(conn, User, user_id, expected_version)
        await UserRole.filter(user_id=user_id, role__not_in=list(wanted)).using_db(conn).delete()
        await UserRole.bulk_create(
            [UserRole(user_id=user_id, role=r) for r in sorted(wanted - current)], using_db=conn
        )
        await events.record(
            conn,
            actor,
            "user",
            user_id,
            "ROLES_SET",
            {"from": sorted(current), "to": sorted(wanted)},
        )
        await notifications.notify(
            user_id, "ROLES_CHANGED", {"roles": sorted(wanted)}, using_db=conn
        )
        await user.refresh_from_db(using_db=conn)
    return user


async def link_provider(
    actor: Actor, user_id: int, provider_id: int | None, expected_version: int
) -> User:
    """An admin names the provider an existing PROVIDER account works for (linking one made
    without, or moving it to another provider). It then sees that provider's orders and record,
    and no longer the previous one's: its connections hear so at once."""
    if not can_manage_staff(actor):
        raise PermissionDenied()
    async with in_transaction() as conn:
        user = await User.get_or_none(id=user_id, using_db=conn)
        if user is None:
            raise Invalid.at("userId", "NOT_FOUND")
        problems = Problems()
        if Role.PROVIDER not in await roles_of(user_id, conn):
            problems.add("userId", "NOT_A_PROVIDER_ACCOUNT")
        if provider_id is None:
            problems.add("providerId", "PROVIDER_ACCOUNT_UNLINKED")
        elif not await Provider.filter(id=provider_id).using_db(conn).exists():
            problems.add("providerId", "NOT_FOUND")
        problems.raise_if_any()
        previous = user.provider_id
        await bump_version(conn, User, user_id, expected_version)
        await User.filter(id=user_id).using_db(conn).update(provider_id=provider_id)
        await events.record(
            conn, actor, "user", user_id, "PROVIDER_LINKED",
            {"provider": provider_id, "previous": previous},
        )  # fmt: skip
        await user.refresh_from_db(using_db=conn)
    return user


async def find_by_contact(identifier: str) -> User | None:
    contact = parse_contact(identifier)
    if contact is None:
        return None
    if contact.email:
        return await User.get_or_none(email=contact.email)
    return await User.get_or_none(phone=contact.phone)


async def authenticate(
    identifier: str,
    password: str,
    address: str,
    throttle: LoginThrottle,
    device_user_id: int | None = None,
) -> User:
    """The user behind these credentials, or `Invalid`/`Throttled`.

    Unknown accounts and wrong passwords give the same answer in the same time, and both count
    against the limits (see `throttle`). When the failures trip the account's ceiling, its owner
    is told in their inbox; `device_user_id` (the user the browser's device cookie vouches for)
    lets the owner's own browsers past the ceiling.
    """
    # One account, however its contact is written ("138 0013 8000", "+8613800138000").
    contact = parse_contact(identifier)
    account_key = (contact.email or contact.phone) if contact else identifier.strip().lower()
    assert account_key is not None
    user = await find_by_contact(identifier)
    known_device = user is not None and device_user_id == user.id
    await throttle.check(account_key, address, known_device=known_device)
    if user is None:
        await passwords.burn_time(password)
    if user is None or not await passwords.verify_password(user.password_hash, password):
        ceiling_tripped = await throttle.failed(account_key, address)
        if ceiling_tripped and user is not None:
            await notifications.notify(
                user.id, "SIGN_IN_PAUSED", {"minutes": throttle.ceiling_minutes}
            )
        raise Invalid.at("password", "WRONG_CREDENTIALS")
    if not user.is_active:
        raise Invalid.at("identifier", "ACCOUNT_DISABLED")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = await passwords.hash_password(password)
        await user.save(update_fields=["password_hash"])
    await throttle.succeeded(account_key, address)
    return user


async def change_password(actor: Actor, current: str, new: str) -> User:
    """Sets a new password and ends every other session of the user."""
    user_id = require_user(actor)
    if actor.token_id is not None:
        raise PermissionDenied([Problem("TOKEN_NOT_ALLOWED")])
    user = await User.get(id=user_id)
    problems = Problems()
    if not await passwords.verify_password(user.password_hash, current):
        problems.add("currentPassword", "WRONG_PASSWORD")
    _check_password(problems, new, "newPassword")
    problems.raise_if_any()
    new_hash = await passwords.hash_password(new)
    async with in_transaction() as conn:
        # From the version the current password was checked against: of two changes at once,
        # the second is STALE instead of replacing the first unseen.
        await bump_version(conn, User, user_id, user.version)
        await (
            User.filter(id=user_id)
            .using_db(conn)
            .update(password_hash=new_hash, password_changed_at=datetime.now(UTC))
        )
        await (
            Session.filter(user_id=user_id)
            .exclude(id=actor.session_id or "")
            .using_db(conn)
            .delete()
        )
        await events.record(conn, actor, "user", user_id, "PASSWORD_CHANGED")
        await notifications.notify(user_id, "PASSWORD_CHANGED", using_db=conn)
    await user.refresh_from_db()
    return user


async def set_language(actor: Actor, language: str) -> None:
    """Remembers the signed-in person's language; a visitor's lives in a cookie only."""
    if language not in SUPPORTED:
        raise Invalid.at("language", "INVALID")
    if actor.user_id is not None:
        await User.filter(id=actor.user_id).update(language=language)


async def create_user_directly(name: str, login: str, password: str, roles: list[Role]) -> User:
    """For the CLI and the seed: no actor (the operator at the console is trusted), same checks."""
    problems = Problems()
    cleaned = _check_name(problems, name)
    contact = parse_contact(login)
    if contact is None:
        problems.add("login", "INVALID_CONTACT")
    _check_password(problems, password)
    problems.raise_if_any()
    assert contact is not None
    return await _create_user(cleaned, contact, password, roles, "zh-CN")
