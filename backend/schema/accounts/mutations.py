"""Account mutations. Each validates its input shape, calls one service, maps the result."""

from __future__ import annotations

import secrets
from datetime import datetime

import strawberry

from backend.i18n import normalise
from backend.models.accounts import Role as RoleModel
from backend.models.accounts import User
from backend.schema.accounts.types import ApiTokenType, UserType, users_as_types
from backend.schema.context import (
    CSRF_COOKIE,
    DEVICE_COOKIE,
    SESSION_COOKIE,
    Context,
    CookieChange,
    context_of,
)
from backend.schema.errors import AccountError, run_mutation
from backend.schema.idempotency import idempotency_key
from backend.schema.relay import decode_id_of, input_pk, optional_input_pk
from backend.services.accounts import accounts, devices, email, sessions, tokens
from backend.services.core.errors import Invalid


async def _user_type(user_id: int) -> UserType:
    return (await users_as_types([await User.get(id=user_id)]))[0]


async def _sign_in(context: Context, user_id: int) -> None:
    """Opens a session for the transport to set as a cookie, rotates the CSRF secret, and marks
    the browser as one that has signed in to this account."""
    user = await User.get(id=user_id)
    secret = await sessions.start(
        user,
        days=context.settings.session_days,
        user_agent=context.user_agent,
        address=context.client_address,
    )
    max_age = context.settings.session_days * 86400
    context.cookies.append(CookieChange(SESSION_COOKIE, secret, max_age))
    context.cookies.append(CookieChange(CSRF_COOKIE, secrets.token_urlsafe(32), max_age))
    device = devices.device_token(context.settings.secret_key, user_id)
    context.cookies.append(CookieChange(DEVICE_COOKIE, device, devices.DEVICE_DAYS * 86400))


@strawberry.input
class SignUpInput:
    name: str
    contact: str = strawberry.field(description="A mainland mobile number or an e-mail address.")
    password: str
    language: str | None = None


@strawberry.type
class SignUpPayload:
    user: UserType | None
    user_errors: list[AccountError]


@strawberry.input
class LoginInput:
    identifier: str = strawberry.field(description="The mobile number or e-mail address.")
    password: str


@strawberry.type
class LoginPayload:
    user: UserType | None
    user_errors: list[AccountError]


@strawberry.type
class LogoutPayload:
    ok: bool
    user_errors: list[AccountError]


@strawberry.input
class ChangePasswordInput:
    current_password: str
    new_password: str


@strawberry.type
class UserPayload:
    user: UserType | None
    user_errors: list[AccountError]


@strawberry.input
class CreateStaffUserInput:
    name: str
    email: str | None = None
    phone: str | None = None
    password: str
    roles: list[RoleModel]
    language: str | None = None
    idempotency_key: str | None = idempotency_key()
    provider_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="For a PROVIDER account (required then): the provider it works for; it sees "
        "only that provider's record and the orders forwarded to it.",
    )


@strawberry.input
class SetUserRolesInput:
    user_id: strawberry.ID
    roles: list[RoleModel]
    expected_version: int


@strawberry.input
class LinkUserToProviderInput:
    user_id: strawberry.ID = strawberry.field(description="A service provider's account.")
    provider_id: strawberry.ID | None = strawberry.field(
        description="The provider it works for from now on (its orders and record only); "
        "required (null is PROVIDER_ACCOUNT_UNLINKED: a provider's account is never unlinked)."
    )
    expected_version: int


@strawberry.input
class SetLanguageInput:
    language: str


@strawberry.input
class CreateApiTokenInput:
    name: str
    scopes: list[str]
    expires_at: datetime | None = None


@strawberry.type
class CreateApiTokenPayload:
    api_token: ApiTokenType | None
    secret: str | None = strawberry.field(description="The whole token. Shown this once only.")
    user_errors: list[AccountError]


@strawberry.input
class RevokeApiTokenInput:
    api_token_id: strawberry.ID


@strawberry.type
class ApiTokenPayload:
    api_token: ApiTokenType | None
    user_errors: list[AccountError]


@strawberry.input
class ConfirmEmailInput:
    token: str = strawberry.field(description="The token of the link mailed to the address.")


def _failed_user(errors: list[AccountError]) -> UserPayload:
    return UserPayload(user=None, user_errors=errors)


@strawberry.type
class AccountMutations:
    @strawberry.mutation(description="An applicant signs up, and is signed in.")
    async def sign_up(self, info: strawberry.Info, input: SignUpInput) -> SignUpPayload:
        context = context_of(info)

        async def change() -> SignUpPayload:
            language = normalise(input.language or context.language)
            user = await accounts.sign_up(
                input.name,
                input.contact,
                input.password,
                language,
                context.client_address,
                context.throttle,
            )
            await _sign_in(context, user.id)
            return SignUpPayload(user=await _user_type(user.id), user_errors=[])

        return await run_mutation(
            info, AccountError, change, lambda errors: SignUpPayload(user=None, user_errors=errors)
        )

    @strawberry.mutation(description="Signs in with a session cookie.")
    async def login(self, info: strawberry.Info, input: LoginInput) -> LoginPayload:
        context = context_of(info)

        async def change() -> LoginPayload:
            user = await accounts.authenticate(
                input.identifier,
                input.password,
                context.client_address,
                context.throttle,
                devices.device_user(context.settings.secret_key, context.device_cookie),
            )
            if context.actor.session_id:
                await sessions.end(context.actor.session_id)
            await _sign_in(context, user.id)
            return LoginPayload(user=await _user_type(user.id), user_errors=[])

        return await run_mutation(
            info, AccountError, change, lambda errors: LoginPayload(user=None, user_errors=errors)
        )

    @strawberry.mutation(description="Ends the current session.")
    async def logout(self, info: strawberry.Info) -> LogoutPayload:
        context = context_of(info)
        if context.actor.session_id:
            await sessions.end(context.actor.session_id)
        context.cookies.append(CookieChange(SESSION_COOKIE, None))
        context.cookies.append(CookieChange(CSRF_COOKIE, secrets.token_urlsafe(32)))
        return LogoutPayload(ok=context.actor.session_id is not None, user_errors=[])

    @strawberry.mutation(description="Changes the password and ends every other session.")
    async def change_password(
        self, info: strawberry.Info, input: ChangePasswordInput
    ) -> UserPayload:
        context = context_of(info)

        async def change() -> UserPayload:
            user = await accounts.change_password(
                context.actor, input.current_password, input.new_password
            )
            return UserPayload(user=await _user_type(user.id), user_errors=[])

        return await run_mutation(info, AccountError, change, _failed_user)

    @strawberry.mutation(description="Remembers the viewer's language (zh-CN or en).")
    async def set_language(self, info: strawberry.Info, input: SetLanguageInput) -> UserPayload:
        context = context_of(info)

        async def change() -> UserPayload:
            await accounts.set_language(context.actor, input.language)
            user = await _user_type(context.actor.user_id) if context.actor.user_id else None
            return UserPayload(user=user, user_errors=[])

        return await run_mutation(info, AccountError, change, _failed_user)

    @strawberry.mutation(
        description="Mails the signed-in person a link that confirms their e-mail address "
        "(at most one mail every ten minutes)."
    )
    async def request_email_confirmation(self, info: strawberry.Info) -> UserPayload:
        context = context_of(info)

        async def change() -> UserPayload:
            user = await email.request_confirmation(context.actor)
            return UserPayload(user=await _user_type(user.id), user_errors=[])

        return await run_mutation(info, AccountError, change, _failed_user)

    @strawberry.mutation(
        description="Confirms the e-mail address a confirmation link was mailed to; the link "
        "is the proof, so this needs no sign-in. The user is returned to themself only."
    )
    async def confirm_email(self, info: strawberry.Info, input: ConfirmEmailInput) -> UserPayload:
        context = context_of(info)

        async def change() -> UserPayload:
            user = await email.confirm(context.actor, context.settings.secret_key, input.token)
            mine = context.actor.user_id == user.id
            return UserPayload(user=await _user_type(user.id) if mine else None, user_errors=[])

        return await run_mutation(info, AccountError, change, _failed_user)

    @strawberry.mutation(description="An admin creates a staff account.")
    async def create_staff_user(
        self, info: strawberry.Info, input: CreateStaffUserInput
    ) -> UserPayload:
        context = context_of(info)

        async def change() -> UserPayload:
            user = await accounts.create_staff(
                context.actor,
                input.name,
                input.email,
                input.phone,
                input.password,
                list(input.roles),
                input.language or "zh-CN",
                input.idempotency_key,
                optional_input_pk(input.provider_id, "Provider", "providerId"),
            )
            return UserPayload(user=await _user_type(user.id), user_errors=[])

        return await run_mutation(info, AccountError, change, _failed_user)

    @strawberry.mutation(description="An admin sets a person's roles.")
    async def set_user_roles(self, info: strawberry.Info, input: SetUserRolesInput) -> UserPayload:
        context = context_of(info)

        async def change() -> UserPayload:
            user_id = decode_id_of(input.user_id, "User")
            if user_id is None:
                raise Invalid.at("userId", "NOT_FOUND")
            user = await accounts.set_roles(
                context.actor, user_id, list(input.roles), input.expected_version
            )
            return UserPayload(user=await _user_type(user.id), user_errors=[])

        return await run_mutation(info, AccountError, change, _failed_user)

    @strawberry.mutation(
        description="An admin names the provider an existing service provider's account works "
        "for (one made without, or moving it to another provider)."
    )
    async def link_user_to_provider(
        self, info: strawberry.Info, input: LinkUserToProviderInput
    ) -> UserPayload:
        context = context_of(info)

        async def change() -> UserPayload:
            user_id = input_pk(input.user_id, "User", "userId")
            provider_id = optional_input_pk(input.provider_id, "Provider", "providerId")
            user = await accounts.link_provider(
                context.actor, user_id, provider_id, input.expected_version
            )
            return UserPayload(user=await _user_type(user.id), user_errors=[])

        return await run_mutation(info, AccountError, change, _failed_user)

    @strawberry.mutation(description="Creates an API token; its secret is returned this once.")
    async def create_api_token(
        self, info: strawberry.Info, input: CreateApiTokenInput
    ) -> CreateApiTokenPayload:
        context = context_of(info)

        async def change() -> CreateApiTokenPayload:
            issued = await tokens.create(context.actor, input.name, input.scopes, input.expires_at)
            return CreateApiTokenPayload(
                api_token=ApiTokenType.of(issued.token), secret=issued.secret, user_errors=[]
            )

        return await run_mutation(
            info,
            AccountError,
            change,
            lambda errors: CreateApiTokenPayload(api_token=None, secret=None, user_errors=errors),
        )

    @strawberry.mutation(description="Revokes one of the viewer's API tokens at once.")
    async def revoke_api_token(
        self, info: strawberry.Info, input: RevokeApiTokenInput
    ) -> ApiTokenPayload:
        context = context_of(info)

        async def change() -> ApiTokenPayload:
            token_id = decode_id_of(input.api_token_id, "ApiToken")
            if token_id is None:
                raise Invalid.at("apiTokenId", "NOT_FOUND")
            token = await tokens.revoke(context.actor, token_id)
            return ApiTokenPayload(api_token=ApiTokenType.of(token), user_errors=[])

        return await run_mutation(
            info,
            AccountError,
            change,
            lambda errors: ApiTokenPayload(api_token=None, user_errors=errors),
        )
