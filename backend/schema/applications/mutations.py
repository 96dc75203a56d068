"""Drafts, submits, withdrawals, auditors' decisions and supplements: thin calls to services."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date
from typing import Any

import strawberry
from strawberry.scalars import JSON

from backend.models.applications import Application as ApplicationModel
from backend.models.applications import Decision
from backend.models.orders import Order as OrderModel
from backend.schema.applications.errors import ApplicationError
from backend.schema.applications.loading import load_applications
from backend.schema.applications.types import ApplicationOrder, ApplicationType
from backend.schema.context import context_of
from backend.schema.errors import run_mutation
from backend.schema.loading import Selection
from backend.schema.relay import decode_id_of, input_pk, optional_input_pk
from backend.services.applications import applications
from backend.services.applications import reviews as application_reviews
from backend.services.applications.applications import ApplicationInput as Request
from backend.services.applications.applications import AttachmentInput as AttachmentRequest


@strawberry.input(description="A material: its kind (from the item's form) and the file.")
class AttachmentInput:
    kind: str
    file_id: strawberry.ID
    expires_on: date | None = None


@strawberry.input(
    description="An application: the item (by id, or by category and item name), the enterprise, "
    "and, for an existing one, its id and expected version."
)
class ApplicationInput:
    service_item_id: strawberry.ID | None = None
    category_name: str | None = None
    service_item_name: str | None = None
    enterprise_id: strawberry.ID | None = None
    application_id: strawberry.ID | None = None
    expected_version: int | None = None
    form_data: JSON = strawberry.field(default_factory=dict)
    attachments: list[AttachmentInput] = strawberry.field(default_factory=list)
    promise_deferred: bool = strawberry.field(
        default=False, description="The promise to hand in deferrable materials later (容缺)."
    )
    idempotency_key: str | None = None


@strawberry.input
class WithdrawApplicationInput:
    application_id: strawberry.ID
    expected_version: int


@strawberry.input(description="The auditor's words about one field (a path into the input).")
class ReviewProblemInput:
    field: list[str]
    message: str


@strawberry.input
class AuditApplicationInput:
    application_id: strawberry.ID
    expected_version: int
    decision: Decision
    comment: str = ""
    problems: list[ReviewProblemInput] = strawberry.field(default_factory=list)


@strawberry.input
class SupplementApplicationInput:
    application_id: strawberry.ID
    expected_version: int
    form_data: JSON | None = None
    attachments: list[AttachmentInput] | None = None


@strawberry.type
class ApplicationPayload:
    application: ApplicationType | None
    user_errors: list[ApplicationError]


@strawberry.type
class ApplicationOrderPayload:
    application: ApplicationType | None
    order: ApplicationOrder | None = strawberry.field(
        description="Set when the application was approved (at once, for an automatic item)."
    )
    user_errors: list[ApplicationError]


def attachments_of(given: list[AttachmentInput]) -> list[AttachmentRequest]:
    return [
        AttachmentRequest(a.kind.strip(), decode_id_of(a.file_id, "File"), a.expires_on)
        for a in given
    ]


def request_of(input: ApplicationInput) -> Request:
    return Request(
        enterprise_id=optional_input_pk(input.enterprise_id, "Enterprise", "enterpriseId"),
        service_item_id=optional_input_pk(input.service_item_id, "ServiceItem", "serviceItemId"),
        category_name=input.category_name,
        service_item_name=input.service_item_name,
        application_id=optional_input_pk(input.application_id, "Application", "applicationId"),
        expected_version=input.expected_version,
        form_data=input.form_data,
        attachments=attachments_of(input.attachments),
        promise_deferred=input.promise_deferred,
        idempotency_key=input.idempotency_key,
    )


async def _as_type(info: strawberry.Info, app: ApplicationModel) -> ApplicationType:
    """The application the actor just changed (the service checked they may), as the
    payload's selection asks."""
    query = ApplicationModel.filter(id=app.id)
    selection = Selection.of(info).under("application")
    return (await load_applications(context_of(info).actor, query, selection))[0]


def _order(order: OrderModel | None) -> ApplicationOrder | None:
    if order is None:
        return None
    return ApplicationOrder.of(order.id, order.number, order)


async def _run(info: strawberry.Info, change: Awaitable[ApplicationModel]) -> ApplicationPayload:
    async def done() -> ApplicationPayload:
        app = await change
        return ApplicationPayload(application=await _as_type(info, app), user_errors=[])

    return await run_mutation(
        info,
        ApplicationError,
        done,
        lambda errors: ApplicationPayload(application=None, user_errors=errors),
    )


async def _run_with_order(
    info: strawberry.Info, change: Awaitable[tuple[ApplicationModel, OrderModel | None]]
) -> ApplicationOrderPayload:
    async def done() -> ApplicationOrderPayload:
        app, order = await change
        return ApplicationOrderPayload(
            application=await _as_type(info, app), order=_order(order), user_errors=[]
        )

    return await run_mutation(
        info,
        ApplicationError,
        done,
        lambda errors: ApplicationOrderPayload(application=None, order=None, user_errors=errors),
    )


async def _save(info: strawberry.Info, input: ApplicationInput) -> Any:
    context = context_of(info)
    return await applications.save_draft(
        context.actor, request_of(input), timezone=context.settings.timezone
    )


async def _submit(info: strawberry.Info, input: ApplicationInput) -> Any:
    context = context_of(info)
    return await applications.submit(
        context.actor, request_of(input), timezone=context.settings.timezone
    )


async def _withdraw(info: strawberry.Info, input: WithdrawApplicationInput) -> Any:
    pk = input_pk(input.application_id, "Application", "applicationId")
    return await application_reviews.withdraw(context_of(info).actor, pk, input.expected_version)


async def _audit(info: strawberry.Info, input: AuditApplicationInput) -> Any:
    context = context_of(info)
    pk = input_pk(input.application_id, "Application", "applicationId")
    problems = [application_reviews.FieldProblem(tuple(p.field), p.message) for p in input.problems]
    return await application_reviews.decide(
        context.actor, pk, input.expected_version, input.decision, input.comment, problems,
        timezone=context.settings.timezone,
    )  # fmt: skip


async def _supplement(info: strawberry.Info, input: SupplementApplicationInput) -> Any:
    pk = input_pk(input.application_id, "Application", "applicationId")
    attachments = attachments_of(input.attachments) if input.attachments is not None else None
    return await application_reviews.supplement(
        context_of(info).actor, pk, input.expected_version, input.form_data, attachments
    )


@strawberry.type
class ApplicationMutations:
    @strawberry.mutation(description="Saves a draft (new, or a draft or returned application).")
    async def save_application_draft(
        self, info: strawberry.Info, input: ApplicationInput
    ) -> ApplicationPayload:
        return await _run(info, _save(info, input))

    @strawberry.mutation(
        description="Submits an application: the audit runs; an automatic item that passes is "
        "approved at once and its order opened."
    )
    async def submit_application(
        self, info: strawberry.Info, input: ApplicationInput
    ) -> ApplicationOrderPayload:
        return await _run_with_order(info, _submit(info, input))

    @strawberry.mutation(description="Withdraws an open application; members of its enterprise.")
    async def withdraw_application(
        self, info: strawberry.Info, input: WithdrawApplicationInput
    ) -> ApplicationPayload:
        return await _run(info, _withdraw(info, input))

    @strawberry.mutation(
        description="Approves, returns or rejects an application under review; auditors only."
    )
    async def audit_application(
        self, info: strawberry.Info, input: AuditApplicationInput
    ) -> ApplicationOrderPayload:
        return await _run_with_order(info, _audit(info, input))

    @strawberry.mutation(
        description="Fills in answers or materials for the enterprise; auditors only."
    )
    async def supplement_application(
        self, info: strawberry.Info, input: SupplementApplicationInput
    ) -> ApplicationPayload:
        return await _run(info, _supplement(info, input))
