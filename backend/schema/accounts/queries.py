"""Account queries: `me`, the admin's user list, the viewer's API tokens."""

from __future__ import annotations

import strawberry

from backend.models.accounts import Role as RoleModel
from backend.schema.accounts.types import ApiTokenType, UserType, users_as_types
from backend.schema.context import context_of
from backend.schema.relay import Connection, connection, fetch_page
from backend.services.accounts import accounts, tokens
from backend.services.accounts.policies import users_visible_to


@strawberry.type
class AccountQueries:
    @strawberry.field(description="The signed-in person, or null.")
    async def me(self, info: strawberry.Info) -> UserType | None:
        actor = context_of(info).actor
        if actor.user_id is None:
            return None
        users = await users_as_types(await users_visible_to(actor).filter(id=actor.user_id))
        return users[0] if users else None

    @strawberry.field(
        description="The roles an admin may give a staff account (the applicant's is taken by "
        "signing up)."
    )
    def staff_roles(self) -> list[RoleModel]:
        return list(accounts.STAFF_ACCOUNT_ROLES)

    @strawberry.field(description="People, newest first; admins, supervisors and auditors only.")
    async def users(
        self,
        info: strawberry.Info,
        role: RoleModel | None = None,
        search: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[UserType]:
        actor = context_of(info).actor
        query = users_visible_to(actor)
        if role is not None:
            query = query.filter(roles__role=role).distinct()
        if search:
            query = query.filter(name__icontains=search.strip())
        page = await fetch_page(query, first=first, after=after)
        types = {t._model.id: t for t in await users_as_types(page.rows)}
        return connection(page, lambda u: types[u.id], query)

    @strawberry.field(description="The viewer's API tokens, newest first (never their secrets).")
    async def api_tokens(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> Connection[ApiTokenType]:
        query = tokens.tokens_of(context_of(info).actor)
        page = await fetch_page(query, first=first, after=after)
        return connection(page, ApiTokenType.of, query)
