"""Registering, reviewing and resubmitting enterprises; inviting, joining and removing members."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, datetime
from typing import Any

import strawberry

from backend.models.enterprises import Enterprise as EnterpriseModel
from backend.models.enterprises import MembershipRole as MembershipRoleModel
from backend.schema.context import context_of
from backend.schema.enterprises.errors import EnterpriseError
from backend.schema.enterprises.types import (
    EnterpriseMembership,
    EnterpriseType,
    enterprises_as_types,
)
from backend.schema.errors import run_mutation
from backend.schema.idempotency import idempotency_key
from backend.schema.relay import decode_id_of, input_pk
from backend.services.core.errors import Invalid
from backend.services.enterprises import enterprises
from backend.services.enterprises.enterprises import Decision, EnterpriseFields, local_today

strawberry.enum(Decision, name="EnterpriseDecision", description="An admin's review decision.")


@strawberry.input
class RegisterEnterpriseInput:
    name: str
    credit_code: str
    established_on: date | None
    legal_representative: str
    contact_name: str
    contact_phone: str
    address: str
    licence_file_id: strawberry.ID | None
    idempotency_key: str | None = idempotency_key()


@strawberry.input
class ResubmitEnterpriseInput:
    enterprise_id: strawberry.ID
    expected_version: int
    name: str
    credit_code: str
    established_on: date | None
    legal_representative: str
    contact_name: str
    contact_phone: str
    address: str
    licence_file_id: strawberry.ID | None


@strawberry.input
class ReviewEnterpriseInput:
    enterprise_id: strawberry.ID
    decision: Decision
    reason: str = ""
    expected_version: int


@strawberry.input
class InviteMemberInput:
    enterprise_id: strawberry.ID
    idempotency_key: str | None = idempotency_key()


@strawberry.input
class JoinEnterpriseInput:
    code: str


@strawberry.input
class RemoveMemberInput:
    enterprise_id: strawberry.ID
    user_id: strawberry.ID


@strawberry.type
class EnterprisePayload:
    enterprise: EnterpriseType | None
    user_errors: list[EnterpriseError]


@strawberry.type(description="A single-use code that lets a colleague join the enterprise.")
class Invitation:
    code: str
    expires_at: datetime
    created_at: datetime


@strawberry.type
class InviteMemberPayload:
    invitation: Invitation | None
    user_errors: list[EnterpriseError]


@strawberry.type
class JoinEnterprisePayload:
    membership: EnterpriseMembership | None
    user_errors: list[EnterpriseError]


def _fields(input: RegisterEnterpriseInput | ResubmitEnterpriseInput) -> EnterpriseFields:
    licence = input.licence_file_id
    licence_pk = decode_id_of(licence, "File") if licence else None
    if licence and licence_pk is None:
        raise Invalid.at("licenceFileId", "LICENCE_NOT_YOURS")
    return EnterpriseFields(
        name=input.name,
        credit_code=input.credit_code,
        established_on=input.established_on,
        legal_representative=input.legal_representative,
        contact_name=input.contact_name,
        contact_phone=input.contact_phone,
        address=input.address,
        licence_file_id=licence_pk,
    )


async def _run(info: strawberry.Info, change: Awaitable[EnterpriseModel]) -> EnterprisePayload:
    async def done() -> EnterprisePayload:
        enterprise = await change
        actor = context_of(info).actor
        return EnterprisePayload(
            enterprise=(await enterprises_as_types(actor, [enterprise]))[0], user_errors=[]
        )

    return await run_mutation(
        info,
        EnterpriseError,
        done,
        lambda errors: EnterprisePayload(enterprise=None, user_errors=errors),
    )


async def _register(info: strawberry.Info, input: RegisterEnterpriseInput) -> Any:
    context = context_of(info)
    return await enterprises.register(
        context.actor,
        _fields(input),
        today=local_today(context.settings.timezone),
        idempotency_key=input.idempotency_key,
    )


async def _resubmit(info: strawberry.Info, input: ResubmitEnterpriseInput) -> Any:
    context = context_of(info)
    return await enterprises.resubmit(
        context.actor,
        input_pk(input.enterprise_id, "Enterprise", "enterpriseId"),
        _fields(input),
        input.expected_version,
        today=local_today(context.settings.timezone),
    )


async def _review(info: strawberry.Info, input: ReviewEnterpriseInput) -> Any:
    return await enterprises.review(
        context_of(info).actor,
        input_pk(input.enterprise_id, "Enterprise", "enterpriseId"),
        input.decision,
        input.reason,
        input.expected_version,
    )


async def _remove(info: strawberry.Info, input: RemoveMemberInput) -> Any:
    return await enterprises.remove_member(
        context_of(info).actor,
        input_pk(input.enterprise_id, "Enterprise", "enterpriseId"),
        input_pk(input.user_id, "User", "userId"),
    )


@strawberry.type
class EnterpriseMutations:
    @strawberry.mutation(description="Registers an enterprise; the registrant becomes its owner.")
    async def register_enterprise(
        self, info: strawberry.Info, input: RegisterEnterpriseInput
    ) -> EnterprisePayload:
        return await _run(info, _register(info, input))

    @strawberry.mutation(description="Sends a corrected, rejected registration back for review.")
    async def resubmit_enterprise(
        self, info: strawberry.Info, input: ResubmitEnterpriseInput
    ) -> EnterprisePayload:
        return await _run(info, _resubmit(info, input))

    @strawberry.mutation(description="Verifies or rejects a pending registration; admins only.")
    async def review_enterprise(
        self, info: strawberry.Info, input: ReviewEnterpriseInput
    ) -> EnterprisePayload:
        return await _run(info, _review(info, input))

    @strawberry.mutation(description="Removes a member; owners only, never the last owner.")
    async def remove_member(
        self, info: strawberry.Info, input: RemoveMemberInput
    ) -> EnterprisePayload:
        return await _run(info, _remove(info, input))

    @strawberry.mutation(description="Makes a single-use invitation code, valid for 7 days.")
    async def invite_member(
        self, info: strawberry.Info, input: InviteMemberInput
    ) -> InviteMemberPayload:
        actor = context_of(info).actor

        async def change() -> InviteMemberPayload:
            pk = input_pk(input.enterprise_id, "Enterprise", "enterpriseId")
            invitation = await enterprises.invite(actor, pk, input.idempotency_key)
            return InviteMemberPayload(
                invitation=Invitation(
                    code=invitation.code,
                    expires_at=invitation.expires_at,
                    created_at=invitation.created_at,
                ),
                user_errors=[],
            )

        return await run_mutation(
            info,
            EnterpriseError,
            change,
            lambda errors: InviteMemberPayload(invitation=None, user_errors=errors),
        )

    @strawberry.mutation(description="Joins the enterprise of an invitation code as a member.")
    async def join_enterprise(
        self, info: strawberry.Info, input: JoinEnterpriseInput
    ) -> JoinEnterprisePayload:
        actor = context_of(info).actor

        async def change() -> JoinEnterprisePayload:
            membership = await enterprises.join(actor, input.code)
            enterprise = await EnterpriseModel.get(id=membership.enterprise_id)
            types = await enterprises_as_types(actor, [enterprise])
            return JoinEnterprisePayload(
                membership=EnterpriseMembership(
                    role=MembershipRoleModel(membership.role),
                    joined_at=membership.created_at,
                    enterprise=types[0],
                ),
                user_errors=[],
            )

        return await run_mutation(
            info,
            EnterpriseError,
            change,
            lambda errors: JoinEnterprisePayload(membership=None, user_errors=errors),
        )
