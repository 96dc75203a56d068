"""Catalog types. Item lists are built in bulk (`items_as_types`); their fields are plain values.

Texts show in the viewer's language (English falling back to Chinese); the `*Zh`/`*En` fields
give both, for the admin editor. Applicants see an item's live version; admins see its latest
version, the one they edit (`versionNumber` says which one is live).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON
from tortoise.expressions import Q

from backend.models.accounts import Team as TeamModel
from backend.models.accounts import User as UserModel
from backend.models.catalog import Category as CategoryModel
from backend.models.catalog import Fulfilment as FulfilmentModel
from backend.models.catalog import ItemStatus as ItemStatusModel
from backend.models.catalog import ReviewMode as ReviewModeModel
from backend.models.catalog import ServiceItem as ServiceItemModel
from backend.models.catalog import ServiceItemVersion as VersionModel
from backend.schema.accounts.types import UserType, roles_by_user
from backend.schema.catalog import enums  # noqa: F401  (the enums, before their uses)
from backend.schema.context import context_of, viewer_reach
from backend.schema.loading import in_language
from backend.schema.nodes import Node, global_id, register
from backend.schema.relay import Connection
from backend.schema.teams.types import TeamType, teams_as_types
from backend.services.catalog import catalog, forms
from backend.services.catalog import states as item_states
from backend.services.catalog.policies import can_manage_catalog
from backend.services.core.actors import Actor
from backend.services.enterprises.records import EnterpriseRecord
from backend.services.teams.policies import can_view_teams


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
    _model: strawberry.Private[CategoryModel]

    @classmethod
    def of(cls, category: CategoryModel, language: str) -> CategoryType:
        return cls(
            id=global_id("Category", category.id),
            name=in_language(language, category.name_zh, category.name_en),
            description=in_language(language, category.description_zh, category.description_en),
            name_zh=category.name_zh,
            name_en=category.name_en,
            description_zh=category.description_zh,
            description_en=category.description_en,
            position=category.position,
            version=category.version,
            created_at=category.created_at,
            _model=category,
        )

    @strawberry.field(
        description="Its items in order: published ones; admins may include drafts and retired."
    )
    async def items(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        include_unpublished: bool = False,
    ) -> Connection[ServiceItemType]:
        from backend.schema.catalog.loading import category_items

        return await category_items(info, self._model.id, first, after, include_unpublished)

    @strawberry.field(description="The team that handles its items by default; staff only.")
    async def handling_team(self, info: strawberry.Info) -> TeamType | None:
        from backend.schema.catalog.loading import category_team

        return await category_team(info, self._model.team_id)


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
    process_steps: list[ProcessStep]
    reminders: list[str]
    reminder_texts: list[LocalizedText]
    form: FormDefinition
    form_schema: JSON = strawberry.field(
        description="The form's answers as JSON Schema (draft 2020-12): validate before submitting."
    )
    audit_rules: JSON
    review_mode: ReviewModeModel
    fulfilment: FulfilmentModel
    provider_id: strawberry.ID | None
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
    _model: strawberry.Private[ServiceItemModel]

    @strawberry.field(description="What the viewer may do with the item now.")
    async def viewer_can(self, info: strawberry.Info) -> ServiceItemViewerCan:
        actions = item_states.actions_for(
            context_of(info).actor,
            self._model,
            await viewer_reach(info),
            live_number=self.version_number,
        )
        return ServiceItemViewerCan(
            edit=actions.edit, publish=actions.publish, retire=actions.retire, apply=actions.apply
        )


async def items_as_types(
    actor: Actor,
    items: Sequence[ServiceItemModel],
    *,
    with_teams: bool = True,
    with_versions: bool = True,
) -> list[ServiceItemType]:
    """Items with their shown version, category, team and history, in a fixed number of queries.

    `with_teams`/`with_versions` skip what the selection does not ask for.
    """
    if not items:
        return []
    admin = can_manage_catalog(actor)
    language = actor.language
    ids = [i.id for i in items]
    live_ids = {i.live_version_id for i in items} - {None}
    latest = {i.id: i.latest_number for i in items}
    if admin:
        condition = Q(item_id__in=ids, number__in=set(latest.values())) | Q(id__in=live_ids)
        rows = await VersionModel.filter(condition)
    else:
        rows = await VersionModel.filter(id__in=live_ids)
    by_id = {r.id: r for r in rows}
    shown = {r.item_id: r for r in rows if (r.number == latest[r.item_id] if admin else True)}
    categories = {
        c.id: CategoryType.of(c, language)
        for c in await CategoryModel.filter(id__in={i.category_id for i in items})
    }
    teams: dict[int, TeamType] = {}
    if with_teams and can_view_teams(actor):
        team_ids = {v.team_id for v in shown.values()} | {
            c._model.team_id for c in categories.values()
        }
        team_rows = await TeamModel.filter(id__in=team_ids - {None})
        teams = {t.id: tt for t, tt in zip(team_rows, await teams_as_types(team_rows), strict=True)}
    history = await _histories(items) if with_versions and admin else None
    result = []
    for item in items:
        version = shown[item.id]
        category = categories[item.category_id]
        team_id = version.team_id or category._model.team_id
        live = by_id.get(item.live_version_id)
        result.append(
            _item_type(
                item,
                version,
                category,
                language,
                live_number=live.number if live else None,
                team=teams.get(team_id) if team_id else None,
                history=history[item.id] if history is not None else None,
            )
        )
    return result


async def _histories(items: Sequence[ServiceItemModel]) -> dict[int, list[ServiceItemVersionInfo]]:
    """Every version of each item, newest first, with who wrote it (three queries)."""
    history: dict[int, list[ServiceItemVersionInfo]] = {i.id: [] for i in items}
    versions = (
        await VersionModel.filter(item_id__in=list(history))
        .order_by("-number")
        .only("id", "item_id", "number", "created_at", "created_by_id")
    )
    authors = sorted({v.created_by_id for v in versions if v.created_by_id is not None})
    roles = await roles_by_user(authors)
    users = {u.id: u for u in await UserModel.filter(id__in=authors)}
    live = {i.live_version_id for i in items}
    for v in versions:
        author = users.get(v.created_by_id)
        history[v.item_id].append(
            ServiceItemVersionInfo(
                number=v.number,
                created_at=v.created_at,
                created_by=UserType.of(author, roles[author.id]) if author else None,
                live=v.id in live,
            )
        )
    return history


def _item_type(
    item: ServiceItemModel,
    v: VersionModel,
    category: CategoryType,
    language: str,
    *,
    live_number: int | None,
    team: TeamType | None,
    history: list[ServiceItemVersionInfo] | None,
) -> ServiceItemType:
    return ServiceItemType(
        id=global_id("ServiceItem", item.id),
        category=category,
        name=in_language(language, v.name_zh, v.name_en),
        summary=in_language(language, v.summary_zh, v.summary_en),
        description=in_language(language, v.description_zh, v.description_en),
        handling_location=in_language(language, v.location_zh, v.location_en),
        name_zh=v.name_zh,
        name_en=v.name_en,
        summary_zh=v.summary_zh,
        summary_en=v.summary_en,
        description_zh=v.description_zh,
        description_en=v.description_en,
        handling_location_zh=v.location_zh,
        handling_location_en=v.location_en,
        process_steps=[
            ProcessStep(
                position=n,
                title=_pick(language, s["title"]),
                description=_pick(language, s.get("description")),
                title_zh=s["title"]["zh"],
                title_en=s["title"]["en"],
                description_zh=(s.get("description") or {}).get("zh", ""),
                description_en=(s.get("description") or {}).get("en", ""),
            )
            for n, s in enumerate(v.process_steps, start=1)
        ],
        reminders=[_pick(language, r) for r in v.reminders],
        reminder_texts=[LocalizedText.of(r) for r in v.reminders],
        form=form_as_type(v.form, language),
        form_schema=cast(JSON, forms.form_schema(v.form, language)),
        audit_rules=cast(JSON, v.audit_rules),
        review_mode=v.review_mode,
        fulfilment=v.fulfilment,
        provider_id=(global_id("Provider", v.provider_id) if v.provider_id is not None else None),
        appointment_quota=v.appointment_quota,
        time_limit_days=v.time_limit_days,
        status=item.status,
        position=item.position,
        version=item.version,
        version_number=live_number,
        latest_version_number=item.latest_number,
        handling_team=team,
        versions=history,
        _model=item,
    )


async def _load_categories(actor: Actor, pks: Sequence[int]) -> dict[int, Any]:
    rows = await CategoryModel.filter(id__in=list(pks))
    return {c.id: CategoryType.of(c, actor.language) for c in rows}


async def _load_items(actor: Actor, pks: Sequence[int]) -> dict[int, Any]:
    query = catalog.items_visible_to(actor, include_unpublished=True)
    rows = await query.filter(id__in=list(pks))
    return {r.id: t for r, t in zip(rows, await items_as_types(actor, rows), strict=True)}


register("Category", _load_categories, "catalog:read")
register("ServiceItem", _load_items, "catalog:read")
