"""User and API token types, built from models by the resolvers that loaded them."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import strawberry

from backend.models.accounts import ApiToken as ApiTokenModel
from backend.models.accounts import Role as RoleModel
from backend.models.accounts import User as UserModel
from backend.models.accounts import UserRole
from backend.models.enterprises import Provider as ProviderModel
from backend.schema.context import context_of
from backend.schema.nodes import Node, global_id, register
from backend.schema.orders.refs import NamedRef
from backend.services.accounts.policies import (
    can_view_contact,
    pages_open_to,
    users_visible_to,
)
from backend.services.calendar import calendar
from backend.services.core.actors import Actor
from backend.services.notifications import notifications, preferences

strawberry.enum(RoleModel, name="Role", description="What a person does in the park.")


@strawberry.type(
    name="PageAccess",
    description="Which pages the signed-in person may open, by the rules their operations enforce.",
)
class PageAccessType:
    service_desk: bool = strawberry.field(description="The audit desk (auditors).")
    order_queue: bool = strawberry.field(
        description="The order queue: every order, or a handler's own."
    )
    all_orders: bool = strawberry.field(
        description="The queue shows every order (supervisors, admins, auditors)."
    )
    unassigned_orders: bool = strawberry.field(
        description="Supervision: orders nobody holds, and reassigning them."
    )
    dashboard: bool = strawberry.field(
        description="The cockpit: the park's service at a glance (supervisors, admins)."
    )
    rectifications: bool = strawberry.field(
        description="Bad reviews to call back and put right, and appeals to decide "
        "(supervisors, admins)."
    )
    people: bool
    teams: bool
    catalog: bool = strawberry.field(description="Catalog administration.")
    calendar: bool = strawberry.field(description="The working calendar.")
    enterprise_review: bool
    premises: bool
    providers: bool
    provider_orders: bool = strawberry.field(
        description="The queue shows the orders forwarded to the viewer's provider (a "
        "provider's account linked to one), not the viewer's own assignments."
    )
    appointment_day: bool = strawberry.field(
        description="The day's appointments, to check people in (handlers, supervisors, admins: "
        "who may read `appointmentDay`)."
    )
    applicant_portal: bool = strawberry.field(
        description="My enterprises and my applications (people with no staff role)."
    )
    tokens: bool = strawberry.field(description="Personal API tokens.")
    notifications: bool


@dataclass(frozen=True, slots=True)
class UserRecord:
    """What a user's own resolvers read beyond the plain fields, for a user a list loaded as
    columns: the key, and the contacts they guard (None where the field was not selected)."""

    id: int
    email: str | None
    phone: str | None
    email_confirmed_at: datetime | None
    email_notifications: bool | None


@strawberry.type(name="User")
class UserType(Node):
    name: str
    roles: list[RoleModel]
    language: str
    is_active: bool
    created_at: datetime
    version: int
    _model: strawberry.Private[UserModel | UserRecord]
    provider: NamedRef | None = strawberry.field(
        default=None,
        description="The provider a service provider's account works for (null until an admin "
        "links it); null where a person appears as a team's or an enterprise's member, which "
        "a provider's account never is.",
    )

    @classmethod
    def of(
        cls, user: UserModel, roles: Sequence[RoleModel], provider: NamedRef | None = None
    ) -> UserType:
        return cls(
            id=global_id("User", user.id),
            name=user.name,
            roles=sorted(roles),
            language=user.language,
            is_active=user.is_active,
            created_at=user.created_at,
            version=user.version,
            _model=user,
            provider=provider,
        )

    @strawberry.field(description="Visible to the person themself and to admins.")
    def email(self, info: strawberry.Info) -> str | None:
        actor = context_of(info).actor
        return self._model.email if can_view_contact(actor, self._model.id) else None

    @strawberry.field(description="Visible to the person themself and to admins.")
    def phone(self, info: strawberry.Info) -> str | None:
        actor = context_of(info).actor
        return self._model.phone if can_view_contact(actor, self._model.id) else None

    @strawberry.field(
        description="Whether the e-mail address is confirmed (by the link mailed to it); for "
        "the person themself and admins."
    )
    def email_confirmed(self, info: strawberry.Info) -> bool | None:
        actor = context_of(info).actor
        if not can_view_contact(actor, self._model.id):
            return None
        return self._model.email is not None and self._model.email_confirmed_at is not None

    @strawberry.field(
        description="Notices by e-mail too, not only in the app; for the person themself."
    )
    def email_notifications(self, info: strawberry.Info) -> bool | None:
        if context_of(info).actor.user_id != self._model.id:
            return None
        return bool(self._model.email_notifications)

    @strawberry.field(
        description="Whether the park sends notices by e-mail at all (an SMTP server is set); "
        "for the person themself."
    )
    def email_offered(self, info: strawberry.Info) -> bool | None:
        if context_of(info).actor.user_id != self._model.id:
            return None
        return preferences.mail_offered()

    @strawberry.field(
        description="Years with no working calendar entered (due dates then count weekends "
        "only); answered to the signed-in admin about themself, empty for everyone else."
    )
    async def calendar_years_missing(self, info: strawberry.Info) -> list[int]:
        context = context_of(info)
        if context.actor.user_id != self._model.id:
            return []
        return await calendar.years_missing(context.actor, context.settings.timezone)

    @strawberry.field(
        description="Which pages the signed-in person may open; null for anyone else."
    )
    def can(self, info: strawberry.Info) -> PageAccessType | None:
        actor = context_of(info).actor
        if actor.user_id is None or actor.user_id != self._model.id:
            return None
        return PageAccessType(**dataclasses.asdict(pages_open_to(actor)))

    @strawberry.field(description="Unread inbox entries; only for the signed-in person.")
    async def unread_notification_count(self, info: strawberry.Info) -> int | None:
        actor = context_of(info).actor
        if actor.user_id != self._model.id:
            return None
        return await notifications.unread_count(actor)


async def roles_by_user(user_ids: Sequence[int]) -> dict[int, list[RoleModel]]:
    """Every role of every user in one query, for lists and nodes."""
    result: dict[int, list[RoleModel]] = {pk: [] for pk in user_ids}
    rows = await UserRole.filter(user_id__in=list(user_ids)).values_list("user_id", "role")
    for user_id, role in rows:
        result[user_id].append(RoleModel(role))
    return result


async def providers_by_id(provider_ids: Iterable[int | None]) -> dict[int, NamedRef]:
    """The named providers in one query (none when no user of the list has one)."""
    wanted = {pk for pk in provider_ids if pk is not None}
    if not wanted:
        return {}
    rows = await ProviderModel.filter(id__in=sorted(wanted)).values_list("id", "name")
    return {
        int(pk): NamedRef(id=global_id("Provider", int(pk)), name=str(name)) for pk, name in rows
    }


async def users_as_types(users: Sequence[UserModel]) -> list[UserType]:
    roles = await roles_by_user([u.id for u in users])
    providers = await providers_by_id(u.provider_id for u in users)
    return [UserType.of(u, roles[u.id], providers.get(u.provider_id or 0)) for u in users]


async def _load_users(actor: Actor, pks: Sequence[int]) -> dict[int, Any]:
    users = await users_visible_to(actor).filter(id__in=list(pks))
    return {t._model.id: t for t in await users_as_types(users)}


register("User", _load_users, "accounts:read")


@strawberry.type(name="ApiToken")
class ApiTokenType(Node):
    name: str
    prefix: str = strawberry.field(description="The public start of the token, to tell them apart.")
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, token: ApiTokenModel) -> ApiTokenType:
        return cls(
            id=global_id("ApiToken", token.id),
            name=token.name,
            prefix=f"sh_{token.prefix}",
            scopes=list(token.scopes),
            created_at=token.created_at,
            expires_at=token.expires_at,
            revoked_at=token.revoked_at,
            last_used_at=token.last_used_at,
        )


async def _load_tokens(actor: Actor, pks: Sequence[int]) -> dict[int, Any]:
    rows = await ApiTokenModel.filter(user_id=actor.user_id or -1, id__in=list(pks))
    return {t.id: ApiTokenType.of(t) for t in rows}


register("ApiToken", _load_tokens, "accounts:read")
