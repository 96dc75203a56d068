"""Resident enterprises: registration, review by an admin, resubmission, and membership.

A registration is PENDING until an admin verifies or rejects it. Its credit code is held in
`live_credit_code` while PENDING or VERIFIED, so the unique index refuses a second live
registration of the same code even when two arrive at once; a rejection frees the code.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from backend.i18n import N_
from backend.models.enterprises import (
    Enterprise,
    EnterpriseStatus,
    Invitation,
    Membership,
    MembershipRole,
)
from backend.models.files import StoredFile
from backend.services.core import events, idempotency
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import (
    Invalid,
    NotFound,
    PermissionDenied,
    Problem,
    Problems,
    ServiceError,
    register_messages,
)
from backend.services.core.reach import reach_of
from backend.services.core.states import bump_version
from backend.services.core.transactions import in_transaction
from backend.services.enterprises import credit_codes
from backend.services.enterprises.policies import can_review_enterprises, enterprises_visible_to
from backend.services.enterprises.states import ENTERPRISE
from backend.services.files.uploads import LICENCE_POLICY
from backend.services.notifications import notifications

register_messages(
    {
        "CREDIT_CODE_LENGTH": N_("A unified social credit code has 18 characters."),
        "CREDIT_CODE_CHARACTERS": N_(
            "A unified social credit code uses digits and capital letters other than "
            "I, O, S, V and Z, with digits in places 3 to 8."
        ),
        "CREDIT_CODE_CHECK_DIGIT": N_(
            "The last character does not match the first 17: it should be {expected}. "
            "Check the code against the licence."
        ),
        "DUPLICATE_CREDIT_CODE": N_(
            "An enterprise with this credit code is already registered or awaiting review."
        ),
        "INVALID_CONTACT_PHONE": N_(
            "Enter a mainland mobile number or a landline with its area code, e.g. 0571-88888888."
        ),
        "IN_THE_FUTURE": N_("This date is in the future."),
        "LICENCE_NOT_YOURS": N_("Choose a licence file you uploaded yourself."),
        "NOT_VERIFIED": N_("This can only be done once the enterprise is verified."),
        "INVITATION_INVALID": N_("No invitation has this code. Check it with whoever sent it."),
        "INVITATION_EXPIRED": N_("This invitation has expired. Ask for a new one."),
        "INVITATION_USED": N_("This invitation has already been used. Ask for a new one."),
        "ALREADY_IN_ENTERPRISE": N_("This person already belongs to the enterprise."),
        "LAST_OWNER": N_("An enterprise keeps at least one owner; this is the last one."),
    }
)

INVITATION_DAYS = 7
INVITATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # nothing to misread (0/O, 1/I)
INVITATION_LENGTH = 12
MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area codes: 010 and 02x have three digits, the rest four; local numbers 7 or 8 digits.
LANDLINE = re.compile(r"^(0(?:10|2\d|[3-9]\d{2}))([1-9]\d{6,7})$")


class Decision(StrEnum):
    VERIFY = "VERIFY"
    REJECT = "REJECT"


@dataclass(frozen=True)
class EnterpriseFields:
    name: str
    credit_code: str
    established_on: date | None
    legal_representative: str
    contact_name: str
    contact_phone: str
    address: str
    licence_file_id: int | None


def local_today(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date()


def normalise_phone(value: str) -> str | None:
    """A mainland mobile (digits only) or landline (`0571-88888888`); None when neither."""
    digits = re.sub(r"[\s()\-]", "", value)
    if digits.startswith("+86"):
        digits = digits[3:]
    if MOBILE.match(digits):
        return digits
    match = LANDLINE.match(digits)
    return f"{match.group(1)}-{match.group(2)}" if match else None


def _text(problems: Problems, field_name: str, value: str, limit: int) -> str:
    cleaned = " ".join(value.split())
    if not cleaned:
        problems.add(field_name, "REQUIRED")
    elif len(cleaned) > limit:
        problems.add(field_name, "TOO_LONG", max=limit)
    return cleaned


def _credit_code(problems: Problems, value: str) -> str:
    code = credit_codes.normalise(value)
    if not code:
        problems.add("creditCode", "REQUIRED")
        return code
    problem = credit_codes.problem_with(code)
    if problem is not None:
        params = {"expected": problem.expected_check} if problem.expected_check else {}
        problems.add("creditCode", f"CREDIT_CODE_{problem.code}", **params)
    return code


async def _check(
    actor: Actor,
    fields: EnterpriseFields,
    today: date,
    enterprise: Enterprise | None = None,
) -> EnterpriseFields:
    """Every problem with the fields at once; the cleaned fields when there are none."""
    user_id = require_user(actor)
    problems = Problems()
    name = _text(problems, "name", fields.name, 200)
    code = _credit_code(problems, fields.credit_code)
    if not any(p.field == ("creditCode",) for p in problems.items):
        others = Enterprise.filter(live_credit_code=code)
        if enterprise is not None:
            others = others.exclude(id=enterprise.id)
        if await others.exists():
            problems.add("creditCode", "DUPLICATE_CREDIT_CODE")
    if fields.established_on is None:
        problems.add("establishedOn", "REQUIRED")
    elif fields.established_on > today:
        problems.add("establishedOn", "IN_THE_FUTURE")
    representative = _text(problems, "legalRepresentative", fields.legal_representative, 100)
    contact_name = _text(problems, "contactName", fields.contact_name, 100)
    phone = normalise_phone(fields.contact_phone)
    if not fields.contact_phone.strip():
        problems.add("contactPhone", "REQUIRED")
    elif phone is None:
        problems.add("contactPhone", "INVALID_CONTACT_PHONE")
    address = _text(problems, "address", fields.address, 300)
    await _check_licence(problems, user_id, fields.licence_file_id, enterprise)
    problems.raise_if_any()
    return EnterpriseFields(
        name=name,
        credit_code=code,
        established_on=fields.established_on,
        legal_representative=representative,
        contact_name=contact_name,
        contact_phone=phone or "",
        address=address,
        licence_file_id=fields.licence_file_id,
    )


async def _check_licence(
    problems: Problems, user_id: int, file_id: int | None, enterprise: Enterprise | None
) -> None:
    """The registrant's own upload, of a licence type (a resubmission may keep the current one)."""
    if file_id is None:
        problems.add("licenceFileId", "REQUIRED")
        return
    stored = await StoredFile.get_or_none(id=file_id)
    keeps_current = enterprise is not None and enterprise.licence_id == file_id
    if stored is None or (stored.uploaded_by_id != user_id and not keeps_current):
        problems.add("licenceFileId", "LICENCE_NOT_YOURS")
    elif stored.mime_type not in LICENCE_POLICY.mime_types:
        problems.add(
            "licenceFileId", "FILE_TYPE_NOT_ALLOWED", allowed=LICENCE_POLICY.allowed_names()
        )


def _columns(fields: EnterpriseFields) -> dict[str, object]:
    return {
        "name": fields.name,
        "credit_code": fields.credit_code,
        "live_credit_code": fields.credit_code,
        "established_on": fields.established_on,
        "legal_representative": fields.legal_representative,
        "contact_name": fields.contact_name,
        "contact_phone": fields.contact_phone,
        "address": fields.address,
        "licence_id": fields.licence_file_id,
    }


async def register(
    actor: Actor, fields: EnterpriseFields, *, today: date, idempotency_key: str | None = None
) -> Enterprise:
    """A signed-in person registers an enterprise; they become its owner, and it is PENDING."""
    require_user(actor)
    claim = await idempotency.claim(actor, idempotency_key, "registerEnterprise", Enterprise)
    if claim.first is not None:
        return claim.first
    try:
        cleaned = await _check(actor, fields, today)
    except ServiceError as exc:
        return await claim.after(exc)

    async def write(conn: BaseDBAsyncClient) -> Enterprise:
        enterprise = await Enterprise.create(
            **_columns(cleaned),
            status=EnterpriseStatus.PENDING,
            registered_by_id=actor.user_id,
            using_db=conn,
        )
        await Membership.create(
            user_id=actor.user_id,
            enterprise_id=enterprise.id,
            role=MembershipRole.OWNER,
            using_db=conn,
        )
        await events.record(
            conn,
            actor,
            "enterprise",
            enterprise.id,
            "ENTERPRISE_REGISTERED",
            {"creditCode": cleaned.credit_code},
        )
        return enterprise

    # The same code registered at the same moment: the unique index decides.
    enterprise, _ = await claim.run(
        write, conflict=lambda: Invalid.at("creditCode", "DUPLICATE_CREDIT_CODE")
    )
    return enterprise


async def _bump(conn: BaseDBAsyncClient, enterprise_id: int, expected: int | None) -> Enterprise:
    """Takes the next version (the expected one + 1, or any when `expected` is None)."""
    missing = lambda: Invalid.at("enterpriseId", "NOT_FOUND")  # noqa: E731
    await bump_version(conn, Enterprise, enterprise_id, expected, missing=missing)
    return await Enterprise.get(id=enterprise_id, using_db=conn)


async def _locked(conn: BaseDBAsyncClient, enterprise_id: int) -> Enterprise:
    enterprise = await Enterprise.get_or_none(id=enterprise_id, using_db=conn)
    if enterprise is None:
        raise Invalid.at("enterpriseId", "NOT_FOUND")
    return enterprise


async def review(
    actor: Actor, enterprise_id: int, decision: Decision, reason: str, expected_version: int
) -> Enterprise:
    """An admin verifies or rejects a PENDING registration; the registrant hears of it."""
    require_user(actor)
    if not can_review_enterprises(actor):
        raise PermissionDenied()
    cleaned = reason.strip()
    if decision is Decision.REJECT and not cleaned:
        raise Invalid.at("reason", "REQUIRED")
    if len(cleaned) > 2000:
        raise Invalid.at("reason", "TOO_LONG", max=2000)
    async with in_transaction() as conn:
        enterprise = await _locked(conn, enterprise_id)
        verified = decision is Decision.VERIFY
        changes: dict[str, object] = {
            "review_reason": cleaned,
            "reviewed_by_id": actor.user_id,
            "reviewed_at": datetime.now(UTC),
        }
        if not verified:
            changes["live_credit_code"] = None
        await ENTERPRISE.apply(
            conn, actor, enterprise, "VERIFY" if verified else "REJECT",
            expected_version=expected_version, changes=changes, data={"reason": cleaned},
        )  # fmt: skip
        registrant = enterprise.registered_by_id
        if registrant is not None:
            await notifications.notify(
                registrant,
                "ENTERPRISE_VERIFIED" if verified else "ENTERPRISE_REJECTED",
                {"enterprise": enterprise.name, "reason": cleaned, "enterpriseId": enterprise.id},
                using_db=conn,
            )
    return await Enterprise.get(id=enterprise_id)


async def _require_owner(actor: Actor, enterprise_id: int) -> Enterprise:
    user_id = require_user(actor)
    enterprise = await Enterprise.get_or_none(id=enterprise_id)
    membership = await Membership.get_or_none(enterprise_id=enterprise_id, user_id=user_id)
    if enterprise is None or (membership is None and not can_review_enterprises(actor)):
        raise Invalid.at("enterpriseId", "NOT_FOUND")
    if membership is None or membership.role is not MembershipRole.OWNER:
        raise PermissionDenied()
    return enterprise


async def resubmit(
    actor: Actor,
    enterprise_id: int,
    fields: EnterpriseFields,
    expected_version: int,
    *,
    today: date,
) -> Enterprise:
    """An owner corrects a REJECTED registration and sends it back for review."""
    enterprise = await _require_owner(actor, enterprise_id)
    reach = await reach_of(actor)
    ENTERPRISE.check(actor, enterprise, "RESUBMIT", reach, expected_version=expected_version)
    cleaned = await _check(actor, fields, today, enterprise)
    try:
        async with in_transaction() as conn:
            await ENTERPRISE.apply(
                conn, actor, await _locked(conn, enterprise_id), "RESUBMIT",
                expected_version=expected_version, changes=_columns(cleaned),
                data={"creditCode": cleaned.credit_code}, reach=reach,
            )  # fmt: skip
    except IntegrityError as exc:
        raise Invalid.at("creditCode", "DUPLICATE_CREDIT_CODE") from exc
    return await Enterprise.get(id=enterprise_id)


def _new_code() -> str:
    return "".join(secrets.choice(INVITATION_ALPHABET) for _ in range(INVITATION_LENGTH))


async def invite(
    actor: Actor, enterprise_id: int, idempotency_key: str | None = None
) -> Invitation:
    """An owner of a verified enterprise makes a single-use code, valid for seven days."""
    enterprise = await _require_owner(actor, enterprise_id)
    claim = await idempotency.claim(actor, idempotency_key, "inviteMember", Invitation)
    if claim.first is not None:
        return claim.first
    try:
        if enterprise.status is not EnterpriseStatus.VERIFIED:
            raise Invalid([Problem("NOT_VERIFIED", ("enterpriseId",))])
    except ServiceError as exc:
        return await claim.after(exc)

    async def write(conn: BaseDBAsyncClient) -> Invitation:
        invitation = await Invitation.create(
            enterprise_id=enterprise_id,
            code=_new_code(),
            created_by_id=actor.user_id,
            expires_at=datetime.now(UTC) + timedelta(days=INVITATION_DAYS),
            using_db=conn,
        )
        await events.record(
            conn,
            actor,
            "invitation",
            invitation.id,
            "INVITATION_CREATED",
            {"enterpriseId": enterprise_id},
        )
        return invitation

    invitation, _ = await claim.run(write)
    return invitation


async def join(actor: Actor, code: str) -> Membership:
    """A signed-in person joins the enterprise of an invitation as a MEMBER."""
    user_id = require_user(actor)
    cleaned = re.sub(r"[\s-]", "", code).upper()
    invitation = await Invitation.get_or_none(code=cleaned) if cleaned else None
    if invitation is None:
        raise Invalid.at("code", "INVITATION_INVALID")
    if invitation.used_at is not None:
        raise Invalid.at("code", "INVITATION_USED")
    now = datetime.now(UTC)
    if invitation.expires_at <= now:
        raise Invalid.at("code", "INVITATION_EXPIRED")
    enterprise_id: int = invitation.enterprise_id
    if await Membership.filter(enterprise_id=enterprise_id, user_id=user_id).exists():
        raise Invalid.at("code", "ALREADY_IN_ENTERPRISE")
    try:
        async with in_transaction() as conn:
            taken = (
                await Invitation.filter(id=invitation.id, used_at__isnull=True)
                .using_db(conn)
                .update(used_at=now, used_by_id=user_id)
            )
            if not taken:
                raise Invalid.at("code", "INVITATION_USED")
            enterprise = await _bump(conn, enterprise_id, None)
            if enterprise.status is not EnterpriseStatus.VERIFIED:
                raise Invalid.at("code", "NOT_VERIFIED")
            membership = await Membership.create(
                user_id=user_id,
                enterprise_id=enterprise_id,
                role=MembershipRole.MEMBER,
                using_db=conn,
            )
            await events.record(
                conn,
                actor,
                "enterprise",
                enterprise_id,
                "MEMBER_JOINED",
                {"userId": user_id, "invitationId": invitation.id},
            )
            await _tell_owners(conn, enterprise, "MEMBER_JOINED", {"name": actor.name})
    except IntegrityError as exc:
        raise Invalid.at("code", "ALREADY_IN_ENTERPRISE") from exc
    return membership


async def _tell_owners(
    conn: BaseDBAsyncClient, enterprise: Enterprise, kind: str, params: dict[str, object]
) -> None:
    owners = (
        await Membership.filter(enterprise_id=enterprise.id, role=MembershipRole.OWNER)
        .using_db(conn)
        .values_list("user_id", flat=True)
    )
    for owner_id in owners:
        await notifications.notify(
            int(str(owner_id)),
            kind,
            {**params, "enterprise": enterprise.name, "enterpriseId": enterprise.id},
            using_db=conn,
        )


async def remove_member(actor: Actor, enterprise_id: int, user_id: int) -> Enterprise:
    """An owner removes someone (themself included), never the last owner."""
    await _require_owner(actor, enterprise_id)
    async with in_transaction() as conn:
        # Taking the version first serialises removals, so two owners cannot remove each other.
        enterprise = await _bump(conn, enterprise_id, None)
        membership = await Membership.get_or_none(
            enterprise_id=enterprise_id, user_id=user_id, using_db=conn
        )
        if membership is None:
            raise Invalid.at("userId", "NOT_FOUND")
        if membership.role is MembershipRole.OWNER:
            owners = (
                await Membership.filter(enterprise_id=enterprise_id, role=MembershipRole.OWNER)
                .using_db(conn)
                .count()
            )
            if owners <= 1:
                raise Invalid.at("userId", "LAST_OWNER")
        await Membership.filter(id=membership.id).using_db(conn).delete()
        await events.record(
            conn, actor, "enterprise", enterprise_id, "MEMBER_REMOVED", {"userId": user_id}
        )
        await notifications.notify(
            user_id, "MEMBER_REMOVED", {"enterprise": enterprise.name}, using_db=conn
        )
    return await Enterprise.get(id=enterprise_id)


async def memberships_of(actor: Actor) -> list[Membership]:
    """The viewer's memberships with their enterprises, oldest first."""
    if actor.user_id is None:
        return []
    return (
        await Membership.filter(user_id=actor.user_id)
        .select_related("enterprise")
        .order_by("created_at", "id")
    )


async def member_of(actor: Actor) -> set[int]:
    """The ids of the enterprises the actor belongs to (for the policy functions)."""
    if actor.user_id is None:
        return set()
    rows = await Membership.filter(user_id=actor.user_id).values_list("enterprise_id", flat=True)
    return {int(str(r)) for r in rows}


def search(query: QuerySet[Enterprise], text: str | None) -> QuerySet[Enterprise]:
    """Name or credit code containing `text`."""
    if not text or not text.strip():
        return query
    cleaned = text.strip()
    return query.filter(
        Q(name__icontains=cleaned) | Q(credit_code__icontains=credit_codes.normalise(cleaned))
    )


async def get_visible(actor: Actor, enterprise_id: int) -> Enterprise:
    enterprise = await enterprises_visible_to(actor).get_or_none(id=enterprise_id)
    if enterprise is None:
        raise NotFound()
    return enterprise
