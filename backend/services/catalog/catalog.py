"""The service catalog: categories and service items, edited in immutable versions by admins.

An item's content lives in `ServiceItemVersion` rows; every edit writes a new one. Publishing
points the item at its latest version and copies the names and the lower-cased search text
onto the item (lookup by name and search read those), so a published item keeps serving its
live version while later edits wait for the next publish. Applicants and visitors see
published items only; admins see every item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from backend.i18n import N_
from backend.models.accounts import Team
from backend.models.catalog import (
    Category,
    Fulfilment,
    ItemStatus,
    ItemVersionProvider,
    ReviewMode,
    ServiceItem,
    ServiceItemVersion,
)
from backend.models.enterprises import Provider
from backend.services.applications import audit_rules
from backend.services.catalog import forms
from backend.services.catalog.policies import can_manage_catalog
from backend.services.catalog.states import ITEM, ItemEventKind
from backend.services.core import events, idempotency
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import (
    ForbiddenTransition,
    Invalid,
    NotFound,
    PermissionDenied,
    Problems,
    ServiceError,
    Stale,
    register_messages,
)
from backend.services.core.search import text_holds
from backend.services.core.states import bump_version
from backend.services.core.transactions import in_transaction
from backend.services.service_requests import told as requests_told

register_messages(
    {
        "PROVIDER_REQUIRED": N_("Choose the provider that fulfils this item."),
        "INVALID_AUDIT_RULES": N_("The audit rules must be a list of rule objects."),
    }
)

MAX_NAME = 100
MAX_ITEM_NAME = 200
MAX_SUMMARY = 500
MAX_TEXT = 20000
MAX_TIME_LIMIT_DAYS = 365


def _require_admin(actor: Actor) -> None:
    require_user(actor)
    if not can_manage_catalog(actor):
        raise PermissionDenied()


def _text(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {lang: str(value.get(lang) or "").strip() for lang in ("zh", "en")}
    return {"zh": "", "en": ""}


def _check_length(problems: Problems, path: str, value: str, limit: int) -> None:
    if len(value) > limit:
        problems.add(path, "TOO_LONG", max=limit)


# -- categories -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryFields:
    name_zh: str
    name_en: str = ""
    description_zh: str = ""
    description_en: str = ""
    position: int | None = None
    team_id: int | None = None


async def _check_category(fields: CategoryFields, category_id: int | None) -> dict[str, Any]:
    problems = Problems()
    name_zh, name_en = " ".join(fields.name_zh.split()), " ".join(fields.name_en.split())
    if not name_zh:
        problems.add("nameZh", "REQUIRED")
    _check_length(problems, "nameZh", name_zh, MAX_NAME)
    _check_length(problems, "nameEn", name_en, MAX_NAME)
    _check_length(problems, "descriptionZh", fields.description_zh, MAX_TEXT)
    _check_length(problems, "descriptionEn", fields.description_en, MAX_TEXT)
    others = Category.exclude(id=category_id or -1)
    if name_zh and await others.filter(name_zh=name_zh).exists():
        problems.add("nameZh", "NAME_TAKEN")
    if name_en and await others.filter(name_en=name_en).exists():
        problems.add("nameEn", "NAME_TAKEN")
    if fields.team_id is not None and not await Team.filter(id=fields.team_id).exists():
        problems.add("teamId", "NOT_FOUND")
    problems.raise_if_any()
    values: dict[str, Any] = {
        "name_zh": name_zh,
        "name_en": name_en,
        "description_zh": fields.description_zh.strip(),
        "description_en": fields.description_en.strip(),
        "team_id": fields.team_id,
    }
    if fields.position is not None:
        values["position"] = fields.position
    return values


async def create_category(
    actor: Actor, fields: CategoryFields, idempotency_key: str | None = None
) -> Category:
    _require_admin(actor)
    claim = await idempotency.claim(actor, idempotency_key, "createCategory", Category)
    if claim.first is not None:
        return claim.first
    try:
        values = await _check_category(fields, None)
        if "position" not in values:
            last = await Category.all().order_by("-position").first()
            values["position"] = last.position + 1 if last else 1
    except ServiceError as exc:
        return await claim.after(exc)

    async def write(conn: BaseDBAsyncClient) -> Category:
        category = await Category.create(**values, using_db=conn)
        await events.record(
            conn, actor, "category", category.id, "CATEGORY_CREATED", {"name": values["name_zh"]}
        )
        return category

    category, _ = await claim.run(write, conflict=lambda: Invalid.at("nameZh", "NAME_TAKEN"))
    return category


async def update_category(
    actor: Actor, category_id: int, fields: CategoryFields, expected_version: int
) -> Category:
    _require_admin(actor)
    if not await Category.filter(id=category_id).exists():
        raise NotFound()
    values = await _check_category(fields, category_id)
    try:
        async with in_transaction() as conn:
            await bump_version(conn, Category, category_id, expected_version)
            await Category.filter(id=category_id).using_db(conn).update(**values)
            await events.record(
                conn,
                actor,
                "category",
                category_id,
                "CATEGORY_UPDATED",
                {"name": values["name_zh"]},
            )
    except IntegrityError as exc:
        raise Invalid.at("nameZh", "NAME_TAKEN") from exc
    return await Category.get(id=category_id)


# -- items ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemContent:
    """Everything an edit of an item writes; texts as `{zh, en}` where they are lists."""

    name_zh: str
    name_en: str = ""
    summary_zh: str = ""
    summary_en: str = ""
    description_zh: str = ""
    description_en: str = ""
    location_zh: str = ""
    location_en: str = ""
    process_steps: list[dict[str, Any]] = field(default_factory=list)
    reminders: list[dict[str, Any]] = field(default_factory=list)
    form: dict[str, Any] = field(default_factory=dict)
    audit_rules: Any = field(default_factory=list)
    review_mode: ReviewMode = ReviewMode.MANUAL
    fulfilment: Fulfilment = Fulfilment.IN_HOUSE
    provider_id: int | None = None
    # The item's other providers (the primary, `provider_id`, serves it first): the enterprise
    # may choose among them when it applies.
    provider_ids: list[int] = field(default_factory=list)
    appointment_quota: int | None = None
    time_limit_days: int = 10
    team_id: int | None = None
    position: int | None = None


def search_text(version: ServiceItemVersion | dict[str, Any]) -> str:
    """What search matches: names, summaries and descriptions in both languages, lower-cased."""
    get = version.get if isinstance(version, dict) else lambda k: getattr(version, k)
    parts = [
        get(f"{name}_{lang}")
        for name in ("name", "summary", "description")
        for lang in ["zh", "en"]
    ]
    return "\n".join(p for p in parts if p).lower()


async def _check_content(
    content: ItemContent, category_id: int, item_id: int | None
) -> dict[str, Any]:
    """The version's columns from `content`, or Invalid with every problem in it."""
    problems = Problems()
    names = {k: " ".join(getattr(content, k).split()) for k in ("name_zh", "name_en")}
    if not names["name_zh"]:
        problems.add("nameZh", "REQUIRED")
    texts = {
        "summary_zh": ("summaryZh", MAX_SUMMARY),
        "summary_en": ("summaryEn", MAX_SUMMARY),
        "description_zh": ("descriptionZh", MAX_TEXT),
        "description_en": ("descriptionEn", MAX_TEXT),
        "location_zh": ("handlingLocationZh", MAX_TEXT),
        "location_en": ("handlingLocationEn", MAX_TEXT),
    }
    values: dict[str, Any] = {**names}
    for column, (path, limit) in texts.items():
        values[column] = str(getattr(content, column)).strip()
        _check_length(problems, path, values[column], limit)
    _check_length(problems, "nameZh", names["name_zh"], MAX_ITEM_NAME)
    _check_length(problems, "nameEn", names["name_en"], MAX_ITEM_NAME)
    steps = []
    for i, step in enumerate(content.process_steps):
        title, description = _text(step.get("title")), _text(step.get("description"))
        if not title["zh"]:
            problems.add(("processSteps", str(i), "title", "zh"), "REQUIRED")
        steps.append({"title": title, "description": description})
    reminders = []
    for i, reminder in enumerate(content.reminders):
        text = _text(reminder)
        if not text["zh"]:
            problems.add(("reminders", str(i), "zh"), "REQUIRED")
        reminders.append(text)
    form = forms.check_definition(content.form, problems)
    rules = content.audit_rules
    problems.items.extend(audit_rules.check_rules(rules, form))
    if content.fulfilment is Fulfilment.PROVIDER and content.provider_id is None:
        problems.add("providerId", "PROVIDER_REQUIRED")
    if (
        content.provider_id is not None
        and not await Provider.filter(id=content.provider_id).exists()
    ):
        problems.add("providerId", "NOT_FOUND")
    serving: list[int] = []
    if content.fulfilment is Fulfilment.PROVIDER and content.provider_id is not None:
        serving = list(dict.fromkeys([content.provider_id, *content.provider_ids]))
        rows = await Provider.filter(id__in=serving).values_list("id", flat=True)
        known = {int(str(pk)) for pk in rows}
        for i, pid in enumerate(content.provider_ids):
            if pid not in known:
                problems.add(("providerIds", str(i)), "NOT_FOUND")
    elif content.provider_ids:
        problems.add("providerIds", "PROVIDER_REQUIRED")
    if content.appointment_quota is not None and content.appointment_quota < 1:
        problems.add("appointmentQuota", "BELOW_MINIMUM", min=1)
    if content.time_limit_days < 1:
        problems.add("timeLimitDays", "BELOW_MINIMUM", min=1)
    elif content.time_limit_days > MAX_TIME_LIMIT_DAYS:
        problems.add("timeLimitDays", "ABOVE_MAXIMUM", max=MAX_TIME_LIMIT_DAYS)
    if content.team_id is not None and not await Team.filter(id=content.team_id).exists():
        problems.add("teamId", "NOT_FOUND")
    siblings = ServiceItem.filter(category_id=category_id).exclude(id=item_id or -1)
    for column, path in (("name_zh", "nameZh"), ("name_en", "nameEn")):
        if names[column] and await siblings.filter(**{column: names[column]}).exists():
            problems.add(path, "NAME_TAKEN")
    problems.raise_if_any()
    return {
        **values,
        "process_steps": steps,
        "reminders": reminders,
        "form": form,
        "audit_rules": rules,
        "review_mode": content.review_mode,
        "fulfilment": content.fulfilment,
        "provider_id": content.provider_id,
        SERVING: serving,
        "appointment_quota": content.appointment_quota,
        "time_limit_days": content.time_limit_days,
        "team_id": content.team_id,
    }


# Not a column of the version: the providers serving it, rows of `item_version_providers`.
SERVING = "serving"


async def _write_version(conn: BaseDBAsyncClient, **columns: Any) -> ServiceItemVersion:
    """The version, and the providers serving it in the admin's order (the primary first)."""
    serving = columns.pop(SERVING, [])
    version = await ServiceItemVersion.create(**columns, using_db=conn)
    await ItemVersionProvider.bulk_create(
        [
            ItemVersionProvider(item_version_id=version.id, provider_id=pid, position=i)
            for i, pid in enumerate(serving)
        ],
        using_db=conn,
    )
    return version


def _denormalised(version: dict[str, Any]) -> dict[str, Any]:
    return {
        "name_zh": version["name_zh"],
        "name_en": version["name_en"],
        "search_text": search_text(version),
    }


async def create_item(
    actor: Actor, category_id: int, content: ItemContent, idempotency_key: str | None = None
) -> ServiceItem:
    """A new DRAFT item with its version 1."""
    _require_admin(actor)
    claim = await idempotency.claim(actor, idempotency_key, "createServiceItem", ServiceItem)
    if claim.first is not None:
        return claim.first
    try:
        if not await Category.filter(id=category_id).exists():
            raise Invalid.at("categoryId", "NOT_FOUND")
        version = await _check_content(content, category_id, None)
        position = content.position
        if position is None:
            last = await ServiceItem.filter(category_id=category_id).order_by("-position").first()
            position = last.position + 1 if last else 1
    except ServiceError as exc:
        return await claim.after(exc)

    async def write(conn: BaseDBAsyncClient) -> ServiceItem:
        item = await ServiceItem.create(
            category_id=category_id,
            position=position,
            latest_number=1,
            **_denormalised(version),
            using_db=conn,
        )
        await _write_version(
            conn, item_id=item.id, number=1, created_by_id=actor.user_id, **version
        )
        await events.record(
            conn, actor, "service_item", item.id, ItemEventKind.ITEM_CREATED, {"number": 1}
        )
        return item

    item, _ = await claim.run(write)
    return item


async def update_item(
    actor: Actor, item_id: int, content: ItemContent, expected_version: int
) -> ServiceItem:
    """Writes the item's next version; a published item keeps its live one until republished."""
    _require_admin(actor)
    item = await ServiceItem.get_or_none(id=item_id)
    if item is None:
        raise NotFound()
    version = await _check_content(content, item.category_id, item_id)
    try:
        async with in_transaction() as conn:
            item = await _item_in(conn, item_id)
            number = item.latest_number + 1
            await ITEM.apply(
                conn, actor, item, "EDIT", expected_version=expected_version,
                data={"number": number},
            )  # fmt: skip
            await _write_version(
                conn, item_id=item_id, number=number, created_by_id=actor.user_id, **version
            )
            changes: dict[str, Any] = {"latest_number": number}
            if item.live_version_id is None:
                changes.update(_denormalised(version))  # never published: lookups see the draft
            if content.position is not None:
                changes["position"] = content.position
            await ServiceItem.filter(id=item_id).using_db(conn).update(**changes)
    except IntegrityError as exc:
        # Two edits from the same version: the version number's unique index decides.
        raise Stale(expected=expected_version, actual=expected_version + 1) from exc
    return await ServiceItem.get(id=item_id)


async def publish_item(actor: Actor, item_id: int, expected_version: int) -> ServiceItem:
    """Points the item at its latest version and shows it to applicants."""
    _require_admin(actor)
    item = await ServiceItem.get_or_none(id=item_id)
    if item is None:
        raise NotFound()
    async with in_transaction() as conn:
        item = await _item_in(conn, item_id)
        ITEM.check(actor, item, "PUBLISH", None, expected_version=expected_version)
        latest = await ServiceItemVersion.get(
            item_id=item_id, number=item.latest_number, using_db=conn
        )
        if item.status is ItemStatus.PUBLISHED and item.live_version_id == latest.id:
            # Nothing new to show: publishing again would change nothing.
            raise ForbiddenTransition(status=item.status.value)
        await ITEM.apply(
            conn, actor, item, "PUBLISH", expected_version=expected_version,
            changes={"live_version_id": latest.id, "name_zh": latest.name_zh,
                     "name_en": latest.name_en, "search_text": search_text(latest)},
            data={"number": latest.number},
        )  # fmt: skip
        # The enterprises whose requests led to this item hear of it (once), in this change.
        names = {"zh": latest.name_zh, "en": latest.name_en}
        await requests_told.item_published(conn, actor, item_id, names)
    return await ServiceItem.get(id=item_id)


async def retire_item(actor: Actor, item_id: int, expected_version: int) -> ServiceItem:
    """Hides the item from applicants; applications made against it keep their version."""
    _require_admin(actor)
    item = await ServiceItem.get_or_none(id=item_id)
    if item is None:
        raise NotFound()
    async with in_transaction() as conn:
        item = await _item_in(conn, item_id)
        await ITEM.apply(conn, actor, item, "RETIRE", expected_version=expected_version)
    return await ServiceItem.get(id=item_id)


async def _item_in(conn: BaseDBAsyncClient, item_id: int) -> ServiceItem:
    item = await ServiceItem.get_or_none(id=item_id, using_db=conn)
    if item is None:
        raise NotFound()
    return item


# -- reading ----------------------------------------------------------------------------------


def items_visible_to(actor: Actor, include_unpublished: bool = False) -> QuerySet[ServiceItem]:
    """Published items; every item for an admin who asks for drafts and retired ones too."""
    if include_unpublished and can_manage_catalog(actor):
        return ServiceItem.all()
    return ServiceItem.filter(status=ItemStatus.PUBLISHED)


def search(query: QuerySet[ServiceItem], text: str | None) -> QuerySet[ServiceItem]:
    """Items whose names, summaries or descriptions contain every word of `text`, any case."""
    found = text_holds("search_text", text)
    return query if found is None else query.filter(found)


def items_named(actor: Actor, category_name: str, item_name: str) -> QuerySet[ServiceItem] | None:
    """Items named so in a category named so, each in either language, first by key; None
    when a name is blank (nothing can match)."""
    category_name, item_name = category_name.strip(), item_name.strip()
    if not category_name or not item_name:
        return None
    in_category = Q(category__name_zh=category_name) | Q(category__name_en=category_name)
    named = Q(name_zh=item_name) | Q(name_en=item_name)
    return (
        items_visible_to(actor, include_unpublished=True).filter(in_category, named).order_by("id")
    )


async def item_by_name(actor: Actor, category_name: str, item_name: str) -> ServiceItem | None:
    """An item by its category's and its own name, each in either language."""
    query = items_named(actor, category_name, item_name)
    return await query.first() if query is not None else None
