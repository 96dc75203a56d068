"""Asking for a new service, and the admins' answers: answer, decline, merge, draft an item.

Every change is one transaction through the action table (`states.REQUEST`). The enterprise is
told of each outcome in its inbox (every member: the request is the enterprise's, not one
person's); a merged request's enterprise follows its target and hears what the target comes to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F

from backend.i18n import N_
from backend.models.catalog import Category
from backend.models.enterprises import Enterprise
from backend.models.service_requests import ServiceRequest, Urgency
from backend.services.catalog import catalog
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
from backend.services.enterprises.states import is_verified
from backend.services.service_requests import told
from backend.services.service_requests.policies import (
    can_settle_requests,
    may_request_for,
    requests_visible_to,
)
from backend.services.service_requests.states import MERGE_TARGETS, REQUEST, RequestEventKind

register_messages(
    {
        "REQUESTER_NOT_VERIFIED": N_(
            "Your enterprise can ask for new services once the park has verified its registration."
        ),
        "MERGE_INTO_ITSELF": N_("Choose another request to merge this one into."),
        "MERGE_TARGET_SETTLED": N_(
            "That request is already settled; merge into one that is open, answered or drafted."
        ),
    }
)

MAX_TITLE = 100
MAX_TEXT = 2000
MAX_SUMMARY = catalog.MAX_SUMMARY


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _required_text(problems: Problems, path: str, value: str, limit: int) -> str:
    if not value:
        problems.add(path, "REQUIRED")
    elif len(value) > limit:
        problems.add(path, "TOO_LONG", max=limit)
    return value


@dataclass(frozen=True)
class NewRequest:
    enterprise_id: int | None
    title: str
    description: str
    reason: str = ""
    urgency: Urgency = Urgency.NORMAL
    category_id: int | None = None


async def _asking_enterprise(actor: Actor, enterprise_id: int | None) -> Enterprise:
    """The enterprise the actor asks for: a member, of a verified one."""
    enterprise = await Enterprise.get_or_none(id=enterprise_id) if enterprise_id else None
    if enterprise is None:
        raise Invalid.at("enterpriseId", "NOT_FOUND")
    reach = await reach_of(actor)
    if enterprise.id in reach.member_of and not is_verified(enterprise):
        raise Invalid.at("enterpriseId", "REQUESTER_NOT_VERIFIED")
    if not may_request_for(actor, enterprise, reach):
        raise PermissionDenied([Problem("FORBIDDEN", ("enterpriseId",))])
    return enterprise


async def _checked(request: NewRequest) -> dict[str, object]:
    problems = Problems()
    title = _required_text(problems, "title", _one_line(request.title), MAX_TITLE)
    description = _required_text(problems, "description", request.description.strip(), MAX_TEXT)
    reason = request.reason.strip()
    if len(reason) > MAX_TEXT:
        problems.add("reason", "TOO_LONG", max=MAX_TEXT)
    if request.category_id is not None and not await Category.exists(id=request.category_id):
        problems.add("categoryId", "NOT_FOUND")
    problems.raise_if_any()
    return {
        "title": title,
        "description": description,
        "reason": reason,
        "urgency": request.urgency,
        "category_id": request.category_id,
    }


async def request_new_service(
    actor: Actor, request: NewRequest, idempotency_key: str | None = None
) -> ServiceRequest:
    """An enterprise tells the park of a service it needs that the catalog lacks."""
    user_id = require_user(actor)
    claim = await idempotency.claim(actor, idempotency_key, "requestNewService", ServiceRequest)
    if claim.first is not None:
        return claim.first
    try:
        enterprise = await _asking_enterprise(actor, request.enterprise_id)
        values = await _checked(request)
    except ServiceError as exc:
        return await claim.after(exc)

    async def write(conn: BaseDBAsyncClient) -> ServiceRequest:
        row = await ServiceRequest.create(
            enterprise_id=enterprise.id, requested_by_id=user_id, **values, using_db=conn
        )
        await events.record(
            conn, actor, "service_request", row.id, RequestEventKind.SERVICE_REQUESTED,
            {"title": values["title"]},
        )  # fmt: skip
        return row

    row, _ = await claim.run(write)
    return row


# -- the admins' actions ----------------------------------------------------------------------


async def _request_in(conn: BaseDBAsyncClient, actor: Actor, request_id: int) -> ServiceRequest:
    """The request, for an admin; NotFound for anyone who cannot see it, FORBIDDEN for a
    member of its enterprise (they see it, but do not settle it)."""
    row = await requests_visible_to(actor).using_db(conn).get_or_none(id=request_id)
    if row is None:
        raise NotFound()
    if not can_settle_requests(actor):
        raise PermissionDenied()
    return row


def _decided(actor: Actor) -> dict[str, object]:
    return {"decided_by_id": actor.user_id, "decided_at": datetime.now(UTC)}


async def answer(actor: Actor, request_id: int, text: str, expected_version: int) -> ServiceRequest:
    """Writes back to the enterprise; the request stays to be settled later."""
    return await _settle_in_words(
        actor, request_id, expected_version, "ANSWER", ("answer", "answer", text),
        "SERVICE_REQUEST_ANSWERED",
    )  # fmt: skip


async def decline(
    actor: Actor, request_id: int, reason: str, expected_version: int
) -> ServiceRequest:
    return await _settle_in_words(
        actor, request_id, expected_version, "DECLINE", ("reason", "decline_reason", reason),
        "SERVICE_REQUEST_DECLINED",
    )  # fmt: skip


async def _settle_in_words(
    actor: Actor,
    request_id: int,
    expected_version: int,
    action: str,
    words: tuple[str, str, str],
    notice: str,
) -> ServiceRequest:
    """An admin's step that needs words: `words` is (the input's field, the column, the
    text); the enterprises that follow the request are told (`notice`)."""
    field, column, text = words
    text = text.strip()
    problems = Problems()
    _required_text(problems, field, text, MAX_TEXT)
    problems.raise_if_any()
    async with in_transaction() as conn:
        row = await _request_in(conn, actor, request_id)
        await REQUEST.apply(
            conn, actor, row, action, expected_version=expected_version,
            changes={column: text, **_decided(actor)},
        )  # fmt: skip
        await told.followers(conn, row, notice)
    return row


async def merge(
    actor: Actor, request_id: int, target_id: int, expected_version: int
) -> ServiceRequest:
    """Merges a duplicate into `target_id`: its enterprise (and those of requests merged into
    it before) then follow the target."""
    if target_id == request_id:
        raise Invalid.at("targetId", "MERGE_INTO_ITSELF")
    async with in_transaction() as conn:
        # Both rows locked, lower id first (PostgreSQL; SQLite has one writer). No cycle can
        # form without it (each merge bumps its target, so of A into B and B into A the later
        # versioned UPDATE of its source finds it moved), but the two would write the same two
        # rows in opposite orders (target, then source) and PostgreSQL would kill one as a
        # deadlock: an internal error. Locked in one order, the second waits here and reads
        # what the first left (its source STALE, or its target settled): a clear refusal.
        # `test_merging_two_requests_into_each_other_at_once_leaves_no_cycle` holds the window.
        await (
            ServiceRequest.filter(id__in=sorted({request_id, target_id}))
            .using_db(conn)
            .select_for_update()
            .order_by("id")
        )
        row = await _request_in(conn, actor, request_id)
        REQUEST.check(actor, row, "MERGE", None, expected_version=expected_version)
        target = await ServiceRequest.get_or_none(id=target_id, using_db=conn)
        if target is None:
            raise Invalid.at("targetId", "NOT_FOUND")
        if target.status not in MERGE_TARGETS:
            raise Invalid.at("targetId", "MERGE_TARGET_SETTLED")
        # The target takes a version: who follows it changed, and a page showing it is stale.
        target.version = await bump_version(conn, ServiceRequest, target.id, None)
        await REQUEST.apply(
            conn, actor, row, "MERGE", expected_version=expected_version,
            changes={"merged_into_id": target.id, **_decided(actor)},
            data={"into": target.id},
        )  # fmt: skip
        # Kept one level deep: whoever followed this request now follows the target.
        await (
            ServiceRequest.filter(merged_into_id=row.id)
            .using_db(conn)
            .update(merged_into_id=target.id, version=F("version") + 1)
        )
        await told.enterprises(
            conn, [row.enterprise_id], "SERVICE_REQUEST_MERGED",
            {"title": row.title, "into": target.title}, key=f"request-merged:{row.id}",
        )  # fmt: skip
    return row


@dataclass(frozen=True)
class Draft:
    """What an admin may change of the item drafted from a request (else the request's)."""

    category_id: int | None = None
    name_zh: str = ""


def _summary(description: str) -> str:
    first = description.strip().splitlines()[0] if description.strip() else ""
    return first if len(first) <= MAX_SUMMARY else first[: MAX_SUMMARY - 1] + "…"


async def draft_item(
    actor: Actor, request_id: int, draft: Draft, expected_version: int
) -> ServiceRequest:
    """A DRAFT service item with the request's text, made by the catalog's own `create_item`
    in the same transaction as the request's step; publishing it fulfils the request."""
    async with in_transaction() as conn:
        row = await _request_in(conn, actor, request_id)
        REQUEST.check(actor, row, "DRAFT_ITEM", None, expected_version=expected_version)
        category_id = draft.category_id or row.category_id
        if category_id is None:
            raise Invalid.at("categoryId", "REQUIRED")
        description = row.description
        if row.reason:
            description = f"{description}\n\n{row.reason}"
        content = catalog.ItemContent(
            name_zh=draft.name_zh.strip() or row.title,
            summary_zh=_summary(row.description),
            description_zh=description,
        )
        item = await catalog.create_item(actor, category_id, content)
        await REQUEST.apply(
            conn, actor, row, "DRAFT_ITEM", expected_version=expected_version,
            changes={"item_id": item.id, **_decided(actor)}, data={"item": item.id},
        )  # fmt: skip
    return row
