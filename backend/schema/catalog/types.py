"""Catalog types, and what each of their fields needs loaded (`ITEM_NEEDS`, `CATEGORY_NEEDS`).

A list reads its selection one level down, loads the columns and follow-ups the selected fields
declare (`loading`), as plain rows in a fixed number of statements, and builds its objects from
those rows; nested fields resolve synchronously from them. The item version's JSON columns
(form, rules, steps, reminders) are read only when a field that shows them is selected.

Texts show in the viewer's language (English falling back to Chinese); the `*Zh`/`*En` fields
give both, for the admin editor. Applicants see an item's live version; admins see its latest
version, the one they edit (`versionNumber` says which one is live).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import partial
from typing import Any, TypeVar, cast

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON
from tortoise.queryset import QuerySet

from backend.models.catalog import Category as CategoryModel
from backend.models.catalog import Fulfilment as FulfilmentModel
from backend.models.catalog import ItemStatus as ItemStatusModel
from backend.models.catalog import ReviewMode as ReviewModeModel
from backend.models.catalog import ServiceItem as ServiceItemModel
from backend.schema.accounts.types import UserType
from backend.schema.catalog import enums  # noqa: F401  (the enums, before their uses)
from backend.schema.catalog.loading import (
    CATEGORY,
    ORDER,
    SHOWN,
    CategoryLoad,
    ItemFollowUps,
    ItemLoad,
    Row,
    RowPage,
    ServiceItemProviderType,
    cursor_of,
    item_follow_ups,
    item_rows,
    keyset_page,
    start_of,
    teams_by_id,
)
from backend.schema.context import context_of, viewer_reach
from backend.schema.loading import FieldNeeds, Needs, Selection, Wanted, in_language
from backend.schema.nodes import Node, global_id, register, register_selecting
from backend.schema.relay import Connection, Edge, PageInfo, count_upto, page_size
from backend.schema.teams.types import TeamType
from backend.services.catalog import catalog, forms
from backend.services.catalog import states as item_states
from backend.services.core.actors import Actor
from backend.services.enterprises.records import EnterpriseRecord

FollowUp = TypeVar("FollowUp", bound=Enum)
NodeT = TypeVar("NodeT")


def _pick(language: str, text: Mapping[str, str] | None) -> str:
    text = text or {}
    return in_language(language, text.get("zh", ""), text.get("en", ""))


@strawberry.type(description="A text in both languages, as stored.")
class LocalizedText:
    zh: str
    en: str

    @classmethod
    def of(cls, text: Mapping[str, str] | None) -> LocalizedText:
        return cls(zh=(text or {}).get("zh", ""), en=(text or {}).get("en", ""))


@strawberry.type
class ProcessStep:
    position: int
    title: str
    description: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str


@strawberry.type
class FormOption:
    value: str
    label: str
    label_zh: str
    label_en: str


@strawberry.type
class FormField:
    key: str
    type: forms.FieldType
    label: str
    label_zh: str
    label_en: str
    required: bool
    options: list[FormOption]
    min: str | None = strawberry.field(
        description="A length, a count, a number, an amount or a date, by the field's type."
    )
    max: str | None
    pattern: str | None
    help: str
    help_zh: str
    help_en: str
    mirrors: EnterpriseRecord | None = strawberry.field(
        description="The part of the chosen enterprise's record this field holds: filled from "
        "the record, shown read-only, and stored as the record has it."
    )


@strawberry.type
class AttachmentKind:
    kind: str
    label: str
    label_zh: str
    label_en: str
    required: bool
    mime_types: list[str]
    max_bytes: int
    asks_expiry: bool
    deferrable: bool = strawberry.field(description="May be owed at submission (容缺受理).")


@strawberry.type
class FormDefinition:
    fields: list[FormField]
    attachments: list[AttachmentKind]


def form_as_type(form: Mapping[str, Any], language: str) -> FormDefinition:
    return FormDefinition(
        fields=[
            FormField(
                key=f["key"],
                type=forms.FieldType(f["type"]),
                label=_pick(language, f["label"]),
                label_zh=f["label"]["zh"],
                label_en=f["label"]["en"],
                required=f["required"],
                options=[
                    FormOption(
                        value=o["value"],
                        label=_pick(language, o["label"]),
                        label_zh=o["label"]["zh"],
                        label_en=o["label"]["en"],
                    )
                    for o in f.get("options") or []
                ],
                min=f.get("min"),
                max=f.get("max"),
                pattern=f.get("pattern"),
                help=_pick(language, f.get("help")),
                help_zh=(f.get("help") or {}).get("zh", ""),
                help_en=(f.get("help") or {}).get("en", ""),
                mirrors=EnterpriseRecord(f["mirrors"]) if f.get("mirrors") else None,
            )
            for f in form.get("fields") or []
        ],
        attachments=[
            AttachmentKind(
                kind=a["kind"],
                label=_pick(language, a["label"]),
                label_zh=a["label"]["zh"],
                label_en=a["label"]["en"],
                required=a["required"],
                mime_types=list(a["mimeTypes"]),
                max_bytes=a["maxBytes"],
                asks_expiry=a["asksExpiry"],
                deferrable=a["deferrable"],
            )
            for a in form.get("attachments") or []
        ],
    )


@strawberry.type
class ServiceItemVersionInfo:
    number: int
    created_at: datetime
    created_by: UserType | None
    live: bool


# Fields resolved by functions rather than methods (`strawberry.field(resolver=...)`) keep
# their place among the type's fields, so the published schema lists them where it always has.


async def _category_items(
    root: CategoryType,
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    include_unpublished: bool = False,
) -> Connection[ServiceItemType]:
    return await _items_of_category(info, root._id, first, after, include_unpublished)


@strawberry.type(name="Category")
class CategoryType(Node):
    name: str
    description: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    position: int
    version: int
    created_at: datetime
    items: Connection[ServiceItemType] = strawberry.field(
        resolver=_category_items,
        description="Its items in order: published ones; admins may include drafts and retired.",
    )
    handling_team: TeamType | None = strawberry.field(
        description="The team that handles its items by default; staff only."
    )
    _id: strawberry.Private[int]


CATEGORY_NEEDS: FieldNeeds[CategoryLoad] = FieldNeeds(
    always=("id",),
    fields={
        "id": Needs(),
        "name": Needs(("name_zh", "name_en")),
        "description": Needs(("description_zh", "description_en")),
        "nameZh": Needs(("name_zh",)),
        "nameEn": Needs(("name_en",)),
        "descriptionZh": Needs(("description_zh",)),
        "descriptionEn": Needs(("description_en",)),
        "position": Needs(("position",)),
        "version": Needs(("version",)),
        "createdAt": Needs(("created_at",)),
        # A connection of its own: every category of a page in one batch (`_items_of_category`).
        "items": Needs(),
        "handlingTeam": Needs(("team_id",), (CategoryLoad.TEAM,)),
    },
)


@strawberry.type(
    name="ServiceItemViewerCan",
    description="What the viewer may do with the service item now, by the item's action table "
    "and its policies.",
)
class ServiceItemViewerCan:
    edit: bool = strawberry.field(description="Write a new version (updateServiceItem).")
    publish: bool = strawberry.field(
        description="Publish it (publishServiceItem): a published item only when a newer "
        "version waits."
    )
    retire: bool = strawberry.field(description="Retire it (retireServiceItem).")
    apply: bool = strawberry.field(description="Apply for it: it is open for applications.")


def _process_steps(root: ServiceItemType) -> list[ProcessStep]:
    language = root._language
    return [
        ProcessStep(
            position=n,
            title=_pick(language, s["title"]),
            description=_pick(language, s.get("description")),
            title_zh=s["title"]["zh"],
            title_en=s["title"]["en"],
            description_zh=(s.get("description") or {}).get("zh", ""),
            description_en=(s.get("description") or {}).get("en", ""),
        )
        for n, s in enumerate(root._row[f"{SHOWN}process_steps"], start=1)
    ]


def _reminders(root: ServiceItemType) -> list[str]:
    return [_pick(root._language, r) for r in root._row[f"{SHOWN}reminders"]]


def _reminder_texts(root: ServiceItemType) -> list[LocalizedText]:
    return [LocalizedText.of(r) for r in root._row[f"{SHOWN}reminders"]]


def _form(root: ServiceItemType) -> FormDefinition:
    return form_as_type(root._row[f"{SHOWN}form"], root._language)


def _form_schema(root: ServiceItemType) -> JSON:
    return cast(JSON, forms.form_schema(root._row[f"{SHOWN}form"], root._language))


def _audit_rules(root: ServiceItemType) -> JSON:
    return cast(JSON, root._row[f"{SHOWN}audit_rules"])


@strawberry.type(name="ServiceItem")
class ServiceItemType(Node):
    category: CategoryType
    name: str
    summary: str
    description: str
    handling_location: str
    name_zh: str
    name_en: str
    summary_zh: str
    summary_en: str
    description_zh: str
    description_en: str
    handling_location_zh: str
    handling_location_en: str
    # The version's JSON columns: read from the row only when one of these is asked for.
    process_steps: list[ProcessStep] = strawberry.field(resolver=_process_steps)
    reminders: list[str] = strawberry.field(resolver=_reminders)
    reminder_texts: list[LocalizedText] = strawberry.field(resolver=_reminder_texts)
    form: FormDefinition = strawberry.field(resolver=_form)
    form_schema: JSON = strawberry.field(
        resolver=_form_schema,
        description="The form's answers as JSON Schema (draft 2020-12): "
        "validate before submitting.",
    )
    audit_rules: JSON = strawberry.field(resolver=_audit_rules)
    review_mode: ReviewModeModel
    fulfilment: FulfilmentModel
    provider_id: strawberry.ID | None = strawberry.field(
        description="The primary provider, for PROVIDER fulfilment."
    )
    providers: list[ServiceItemProviderType] | None = strawberry.field(
        description="Every provider serving the item (the primary first); the enterprise may "
        "choose one when it applies. Empty for an item the park handles itself."
    )
    appointment_quota: int | None
    time_limit_days: int = strawberry.field(description="The committed time limit, working days.")
    status: ItemStatusModel
    position: int
    version: int = strawberry.field(description="The item's concurrency version (expectedVersion).")
    version_number: int | None = strawberry.field(
        description="The number of the live version; null until first published."
    )
    latest_version_number: int
    handling_team: TeamType | None = strawberry.field(
        description="The item's own team, else its category's; staff only."
    )
    versions: list[ServiceItemVersionInfo] | None = strawberry.field(
        description="Every version, newest first; admins only."
    )
    _row: strawberry.Private[Row]
    _language: strawberry.Private[str]

    @strawberry.field(description="What the viewer may do with the item now.")
    async def viewer_can(self, info: strawberry.Info) -> ServiceItemViewerCan:
        row = self._row
        # The action table reads the state; an unsaved model carries it (no query).
        item = ServiceItemModel(
            id=row["id"], status=row["status"], latest_number=row["latest_number"]
        )
        actions = item_states.actions_for(
            context_of(info).actor,
            item,
            await viewer_reach(info),
            live_number=row["live_version__number"],
        )
        return ServiceItemViewerCan(
            edit=actions.edit, publish=actions.publish, retire=actions.retire, apply=actions.apply
        )


def _shown(*columns: str) -> tuple[str, ...]:
    return tuple(f"{SHOWN}{column}" for column in columns)


ITEM_NEEDS: FieldNeeds[ItemLoad] = FieldNeeds(
    # The key, the cursor's (position, id), and the category the row groups under.
    always=("id", "position", "category_id"),
    fields={
        "id": Needs(),
        # The category's own fields add what `CATEGORY_NEEDS` says, joined (`items_wanted`).
        "category": Needs(),
        "name": Needs(_shown("name_zh", "name_en")),
        "summary": Needs(_shown("summary_zh", "summary_en")),
        "description": Needs(_shown("description_zh", "description_en")),
        "handlingLocation": Needs(_shown("location_zh", "location_en")),
        "nameZh": Needs(_shown("name_zh")),
        "nameEn": Needs(_shown("name_en")),
        "summaryZh": Needs(_shown("summary_zh")),
        "summaryEn": Needs(_shown("summary_en")),
        "descriptionZh": Needs(_shown("description_zh")),
        "descriptionEn": Needs(_shown("description_en")),
        "handlingLocationZh": Needs(_shown("location_zh")),
        "handlingLocationEn": Needs(_shown("location_en")),
        "processSteps": Needs(_shown("process_steps")),
        "reminders": Needs(_shown("reminders")),
        "reminderTexts": Needs(_shown("reminders")),
        "form": Needs(_shown("form")),
        "formSchema": Needs(_shown("form")),
        "auditRules": Needs(_shown("audit_rules")),
        "reviewMode": Needs(_shown("review_mode")),
        "fulfilment": Needs(_shown("fulfilment")),
        "providerId": Needs(_shown("provider_id")),
        "providers": Needs(_shown("id"), (ItemLoad.PROVIDERS,)),
        "appointmentQuota": Needs(_shown("appointment_quota")),
        "timeLimitDays": Needs(_shown("time_limit_days")),
        "status": Needs(("status",)),
        "position": Needs(),
        "version": Needs(("version",)),
        "versionNumber": Needs(("live_version__number",)),
        "latestVersionNumber": Needs(("latest_number",)),
        "handlingTeam": Needs((f"{SHOWN}team_id", f"{CATEGORY}team_id"), (ItemLoad.TEAMS,)),
        "versions": Needs(("live_version_id",), (ItemLoad.VERSIONS,)),
        "viewerCan": Needs(("status", "latest_number", "live_version__number")),
    },
)


def _in_item(category_column: str) -> str:
    """A category column as the item's rows name it: its key is the item's own column."""
    return "category_id" if category_column == "id" else f"{CATEGORY}{category_column}"


def _joined(wanted: Wanted[ItemLoad], category: Wanted[CategoryLoad]) -> Wanted[ItemLoad]:
    columns = dict.fromkeys(wanted.columns)
    columns.update(dict.fromkeys(_in_item(c) for c in category.columns))
    follow_ups = set(wanted.follow_ups)
    if CategoryLoad.TEAM in category.follow_ups:
        follow_ups.add(ItemLoad.CATEGORY_TEAMS)
    return Wanted(tuple(columns), frozenset(follow_ups))


def items_wanted(items: Selection) -> Wanted[ItemLoad]:
    """What a selection on items needs, its category's fields included."""
    wanted = ITEM_NEEDS.wanted(items)
    if not items.has("category"):
        return wanted
    return _joined(wanted, CATEGORY_NEEDS.wanted(items.under("category")))


def _everything(table: FieldNeeds[FollowUp]) -> Wanted[FollowUp]:
    columns = dict.fromkeys(table.always)
    follow_ups: set[FollowUp] = set()
    for needs in table.fields.values():
        columns.update(dict.fromkeys(needs.columns))
        follow_ups.update(needs.follow_ups)
    return Wanted(tuple(columns), frozenset(follow_ups))


# What a loader that cannot see the selection loads: every field.
EVERY_CATEGORY_FIELD = _everything(CATEGORY_NEEDS)
EVERY_ITEM_FIELD = _joined(_everything(ITEM_NEEDS), EVERY_CATEGORY_FIELD)


# -- building objects from rows -------------------------------------------------------------


def _category_of(
    row: Row, language: str, teams: Mapping[int, TeamType], *, in_item: bool
) -> CategoryType:
    """A category from its own row, or from an item's row (`in_item`) where it is joined."""
    prefix = CATEGORY if in_item else ""
    get: Callable[[str], Any] = row.get
    pk: int = row["category_id"] if in_item else row["id"]
    name_zh, name_en = get(f"{prefix}name_zh"), get(f"{prefix}name_en")
    description_zh, description_en = get(f"{prefix}description_zh"), get(f"{prefix}description_en")
    team_id = get(f"{prefix}team_id")
    return CategoryType(
        id=global_id("Category", pk),
        name=in_language(language, name_zh, name_en),
        description=in_language(language, description_zh, description_en),
        name_zh=name_zh,
        name_en=name_en,
        description_zh=description_zh,
        description_en=description_en,
        position=get(f"{prefix}position"),
        version=get(f"{prefix}version"),
        created_at=get(f"{prefix}created_at"),
        handling_team=teams.get(team_id) if team_id is not None else None,
        _id=pk,
    )


def _item_of(
    row: Row, language: str, category: CategoryType, follow_ups: ItemFollowUps
) -> ServiceItemType:
    # A column the selection did not ask for reads as None: its field is not resolved.
    get: Callable[[str], Any] = row.get

    def text(column: str) -> Any:
        return get(SHOWN + column)

    team_id = text("team_id") or get(f"{CATEGORY}team_id")
    provider_id = text("provider_id")
    history = follow_ups.histories
    return ServiceItemType(
        id=global_id("ServiceItem", row["id"]),
        category=category,
        name=in_language(language, text("name_zh"), text("name_en")),
        summary=in_language(language, text("summary_zh"), text("summary_en")),
        description=in_language(language, text("description_zh"), text("description_en")),
        handling_location=in_language(language, text("location_zh"), text("location_en")),
        name_zh=text("name_zh"),
        name_en=text("name_en"),
        summary_zh=text("summary_zh"),
        summary_en=text("summary_en"),
        description_zh=text("description_zh"),
        description_en=text("description_en"),
        handling_location_zh=text("location_zh"),
        handling_location_en=text("location_en"),
        review_mode=text("review_mode"),
        fulfilment=text("fulfilment"),
        provider_id=global_id("Provider", provider_id) if provider_id is not None else None,
        providers=(
            follow_ups.providers.get(text("id"), []) if follow_ups.providers is not None else None
        ),
        appointment_quota=text("appointment_quota"),
        time_limit_days=text("time_limit_days"),
        status=get("status"),
        position=row["position"],
        version=get("version"),
        version_number=get("live_version__number"),
        latest_version_number=get("latest_number"),
        handling_team=follow_ups.teams.get(team_id) if team_id is not None else None,
        versions=(
            [
                ServiceItemVersionInfo(
                    number=v.number,
                    created_at=v.created_at,
                    created_by=v.created_by,
                    live=v.id == get("live_version_id"),
                )
                for v in history[row["id"]]
            ]
            if history is not None
            else None
        ),
        _row=row,
        _language=language,
    )


async def items_of_rows(
    actor: Actor, rows: Sequence[Row], wanted: Wanted[ItemLoad]
) -> list[ServiceItemType]:
    """Items from their rows, with the follow-ups `wanted` names loaded once for all."""
    if not rows:
        return []
    follow_ups = await item_follow_ups(actor, rows, wanted.follow_ups)
    language = actor.language
    categories: dict[int, CategoryType] = {}
    items = []
    for row in rows:
        category = categories.get(row["category_id"])
        if category is None:
            category = categories[row["category_id"]] = _category_of(
                row, language, follow_ups.teams, in_item=True
            )
        items.append(_item_of(row, language, category, follow_ups))
    return items


async def categories_of_rows(
    actor: Actor, rows: Sequence[Row], wanted: Wanted[CategoryLoad]
) -> list[CategoryType]:
    teams = (
        await teams_by_id(actor, (r["team_id"] for r in rows))
        if CategoryLoad.TEAM in wanted.follow_ups
        else {}
    )
    return [_category_of(row, actor.language, teams, in_item=False) for row in rows]


def _connection(
    page: RowPage,
    nodes: Sequence[NodeT],
    count: Callable[[], Awaitable[int]],
    query: QuerySet[Any] | None = None,
) -> Connection[NodeT]:
    """`query`: what `boundedCount` counts up to its limit; None, the exact count, capped."""
    return Connection(
        edges=[Edge(cursor=c, node=n) for c, n in zip(page.cursors, nodes, strict=True)],
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        _count=count,
        _count_upto=None if query is None else partial(count_upto, query),
    )


# -- lists ----------------------------------------------------------------------------------


async def item_connection(
    info: strawberry.Info,
    query: QuerySet[ServiceItemModel],
    first: int | None,
    after: str | None,
) -> Connection[ServiceItemType]:
    """A page of `query`'s items in (position, id) order: the page and, if asked, its count."""
    actor = context_of(info).actor
    wanted = items_wanted(Selection.of(info).nodes())

    async def fetch(page: QuerySet[ServiceItemModel]) -> list[Row]:
        return await item_rows(actor, page, wanted.columns)

    page = await keyset_page(query, fetch, first=first, after=after)
    nodes = await items_of_rows(actor, page.rows, wanted)
    return _connection(page, nodes, query.count, query)


async def items_by_ids(
    actor: Actor,
    ids: Iterable[int],
    wanted: Wanted[ItemLoad],
    query: QuerySet[ServiceItemModel] | None = None,
) -> dict[int, ServiceItemType]:
    """Items by key, among `query` (by default what the viewer may see, drafts for admins)."""
    keys = list(dict.fromkeys(ids))
    if not keys:
        return {}
    if query is None:
        query = catalog.items_visible_to(actor, include_unpublished=True)
    rows = await item_rows(actor, query.filter(id__in=keys), wanted.columns)
    items = await items_of_rows(actor, rows, wanted)
    return {row["id"]: item for row, item in zip(rows, items, strict=True)}


async def first_item(
    actor: Actor, query: QuerySet[ServiceItemModel], wanted: Wanted[ItemLoad]
) -> ServiceItemType | None:
    rows = await item_rows(actor, query.limit(1), wanted.columns)
    items = await items_of_rows(actor, rows, wanted)
    return items[0] if items else None


async def category_connection(
    info: strawberry.Info, first: int | None, after: str | None
) -> Connection[CategoryType]:
    actor = context_of(info).actor
    wanted = CATEGORY_NEEDS.wanted(Selection.of(info).nodes())
    columns = tuple(dict.fromkeys((*wanted.columns, "position")))
    query = CategoryModel.all()

    async def fetch(page: QuerySet[CategoryModel]) -> list[Row]:
        return list(await page.values(*columns))

    page = await keyset_page(query, fetch, first=first, after=after)
    nodes = await categories_of_rows(actor, page.rows, wanted)
    return _connection(page, nodes, query.count, query)


async def categories_by_ids(
    actor: Actor, ids: Iterable[int], wanted: Wanted[CategoryLoad]
) -> dict[int, CategoryType]:
    keys = list(dict.fromkeys(ids))
    if not keys:
        return {}
    rows = list(await CategoryModel.filter(id__in=keys).values(*wanted.columns))
    categories = await categories_of_rows(actor, rows, wanted)
    return {row["id"]: category for row, category in zip(rows, categories, strict=True)}


async def category_of_model(
    actor: Actor, category: CategoryModel, wanted: Wanted[CategoryLoad]
) -> CategoryType:
    """A category a mutation has just written, from the model at hand."""
    row = {column: getattr(category, column) for column in wanted.columns}
    return (await categories_of_rows(actor, [row], wanted))[0]


# -- a category's items: every category of a page in one batch ------------------------------

# (category, drafts too, what the selection needs, page size, the (position, id) to start after)
ItemsKey = tuple[int, bool, Wanted[ItemLoad], int, tuple[int, int] | None]


@dataclass(frozen=True)
class ItemsPage:
    items: list[ServiceItemType]
    cursors: list[str]
    has_next: bool
    total: int


def _category_items_loader(info: strawberry.Info) -> DataLoader[ItemsKey, ItemsPage]:
    context = context_of(info)
    actor = context.actor

    async def load(keys: list[ItemsKey]) -> list[ItemsPage]:
        groups: dict[tuple[bool, Wanted[ItemLoad]], set[int]] = defaultdict(set)
        for category_id, include, wanted, _, _ in keys:
            groups[(include, wanted)].add(category_id)
        found: dict[tuple[bool, Wanted[ItemLoad], int], list[Row]] = defaultdict(list)
        for (include, wanted), category_ids in groups.items():
            query = (
                catalog.items_visible_to(actor, include)
                .filter(category_id__in=category_ids)
                .order_by(*ORDER)
            )
            for row in await item_rows(actor, query, wanted.columns):
                found[(include, wanted, row["category_id"])].append(row)
        # Page here (a category holds tens of items), then build only the rows shown.
        pages: list[tuple[list[Row], list[Row], bool]] = []
        shown: dict[Wanted[ItemLoad], dict[int, Row]] = defaultdict(dict)
        for category_id, include, wanted, size, start in keys:
            rows = found[(include, wanted, category_id)]
            rest = rows if start is None else [r for r in rows if (r["position"], r["id"]) > start]
            pages.append((rows, rest[:size], len(rest) > size))
            shown[wanted].update((id(r), r) for r in rest[:size])
        built: dict[int, ServiceItemType] = {}
        for wanted, by_identity in shown.items():
            rows = list(by_identity.values())
            items = await items_of_rows(actor, rows, wanted)
            built.update((id(r), item) for r, item in zip(rows, items, strict=True))
        return [
            ItemsPage([built[id(r)] for r in page], [cursor_of(r) for r in page], more, len(rows))
            for rows, page, more in pages
        ]

    loader: DataLoader[ItemsKey, ItemsPage] | None = context.loaders.get("catalog.category_items")
    if loader is None:
        loader = context.loaders["catalog.category_items"] = DataLoader(load_fn=load)
    return loader


async def _items_of_category(
    info: strawberry.Info,
    category_id: int,
    first: int | None,
    after: str | None,
    include_unpublished: bool,
) -> Connection[ServiceItemType]:
    """A category's items, one page, with the same opaque keyset cursors as every list."""
    key = (
        category_id,
        include_unpublished,
        items_wanted(Selection.of(info).nodes()),
        page_size(first),
        start_of(after),
    )
    found = await _category_items_loader(info).load(key)

    async def count() -> int:
        return found.total

    page = RowPage([], found.cursors, found.has_next, after is not None)
    return _connection(page, found.items, count)


# -- node(id) ---------------------------------------------------------------------------------


async def _load_categories(actor: Actor, pks: Sequence[int]) -> dict[int, Any]:
    return await categories_by_ids(actor, pks, EVERY_CATEGORY_FIELD)


async def _select_categories(
    actor: Actor, pks: Sequence[int], selection: Selection
) -> dict[int, Any]:
    return await categories_by_ids(actor, pks, CATEGORY_NEEDS.wanted(selection))


async def _load_items(actor: Actor, pks: Sequence[int]) -> dict[int, Any]:
    return await items_by_ids(actor, pks, EVERY_ITEM_FIELD)


async def _select_items(actor: Actor, pks: Sequence[int], selection: Selection) -> dict[int, Any]:
    return await items_by_ids(actor, pks, items_wanted(selection))


register("Category", _load_categories, "catalog:read")
register_selecting("Category", _select_categories)
register("ServiceItem", _load_items, "catalog:read")
register_selecting("ServiceItem", _select_items)
