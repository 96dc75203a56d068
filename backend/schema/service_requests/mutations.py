"""`requestNewService` for an enterprise's members; answer, decline, merge and draft an item
from a request for admins."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from backend.models.service_requests import ServiceRequest, Urgency
from backend.schema.context import context_of
from backend.schema.errors import run_mutation
from backend.schema.loading import Selection
from backend.schema.relay import input_pk, optional_input_pk
from backend.schema.service_requests.errors import ServiceRequestError
from backend.schema.service_requests.types import ServiceRequestType, visible_requests
from backend.services.core.actors import Actor
from backend.services.service_requests import requests


@strawberry.input
class RequestNewServiceInput:
    enterprise_id: strawberry.ID = strawberry.field(description="The enterprise that asks.")
    title: str = strawberry.field(description="The service wanted, in a few words (≤ 100).")
    description: str = strawberry.field(description="What it should do (≤ 2,000 characters).")
    reason: str = strawberry.field(default="", description="Why the enterprise needs it.")
    urgency: Urgency = Urgency.NORMAL
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="The category the enterprise thinks fits."
    )
    idempotency_key: str | None = None


@strawberry.input
class AnswerServiceRequestInput:
    service_request_id: strawberry.ID
    expected_version: int
    answer: str


@strawberry.input
class DeclineServiceRequestInput:
    service_request_id: strawberry.ID
    expected_version: int
    reason: str


@strawberry.input
class MergeServiceRequestInput:
    service_request_id: strawberry.ID = strawberry.field(description="The duplicate.")
    expected_version: int
    target_id: strawberry.ID = strawberry.field(description="The request it is merged into.")


@strawberry.input
class DraftServiceItemFromRequestInput:
    service_request_id: strawberry.ID
    expected_version: int
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="The item's category; the one the request suggests if null."
    )
    name_zh: str = strawberry.field(default="", description="The item's name; else the title.")


@strawberry.type
class ServiceRequestPayload:
    service_request: ServiceRequestType | None
    user_errors: list[ServiceRequestError]


def _request_pk(value: strawberry.ID) -> int:
    return input_pk(value, "ServiceRequest", "serviceRequestId")


async def _done(
    info: strawberry.Info, change: Callable[[Actor], Awaitable[ServiceRequest]]
) -> ServiceRequestPayload:
    actor = context_of(info).actor

    async def done() -> ServiceRequestPayload:
        row = await change(actor)
        shown = Selection.of(info).under("serviceRequest")
        found = await visible_requests(actor, [row.id], shown)
        return ServiceRequestPayload(service_request=found[0] if found else None, user_errors=[])

    return await run_mutation(
        info,
        ServiceRequestError,
        done,
        lambda errors: ServiceRequestPayload(service_request=None, user_errors=errors),
    )


@strawberry.type
class ServiceRequestMutations:
    @strawberry.mutation(
        description="A member of a verified enterprise asks for a service the catalog lacks."
    )
    async def request_new_service(
        self, info: strawberry.Info, input: RequestNewServiceInput
    ) -> ServiceRequestPayload:
        async def change(actor: Actor) -> ServiceRequest:
            new = requests.NewRequest(
                enterprise_id=input_pk(input.enterprise_id, "Enterprise", "enterpriseId"),
                title=input.title,
                description=input.description,
                reason=input.reason,
                urgency=input.urgency,
                category_id=optional_input_pk(input.category_id, "Category", "categoryId"),
            )
            return await requests.request_new_service(actor, new, input.idempotency_key)

        return await _done(info, change)

    @strawberry.mutation(description="Admins: writes back to the enterprise that asked.")
    async def answer_service_request(
        self, info: strawberry.Info, input: AnswerServiceRequestInput
    ) -> ServiceRequestPayload:
        return await _done(
            info,
            lambda a: requests.answer(
                a, _request_pk(input.service_request_id), input.answer, input.expected_version
            ),
        )

    @strawberry.mutation(description="Admins: declines a request, with a reason for it.")
    async def decline_service_request(
        self, info: strawberry.Info, input: DeclineServiceRequestInput
    ) -> ServiceRequestPayload:
        return await _done(
            info,
            lambda a: requests.decline(
                a, _request_pk(input.service_request_id), input.reason, input.expected_version
            ),
        )

    @strawberry.mutation(
        description="Admins: merges a duplicate into another request, whose outcome its "
        "enterprise then follows. Returns the merged request."
    )
    async def merge_service_request(
        self, info: strawberry.Info, input: MergeServiceRequestInput
    ) -> ServiceRequestPayload:
        return await _done(
            info,
            lambda a: requests.merge(
                a,
                _request_pk(input.service_request_id),
                input_pk(input.target_id, "ServiceRequest", "targetId"),
                input.expected_version,
            ),
        )

    @strawberry.mutation(
        description="Admins: a DRAFT service item with the request's text (createServiceItem's "
        "rules); publishing the item fulfils the request and tells the enterprises that asked."
    )
    async def draft_service_item_from_request(
        self, info: strawberry.Info, input: DraftServiceItemFromRequestInput
    ) -> ServiceRequestPayload:
        return await _done(
            info,
            lambda a: requests.draft_item(
                a,
                _request_pk(input.service_request_id),
                requests.Draft(
                    category_id=optional_input_pk(input.category_id, "Category", "categoryId"),
                    name_zh=input.name_zh,
                ),
                input.expected_version,
            ),
        )
