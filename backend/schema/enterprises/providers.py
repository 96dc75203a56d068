"""Third-party providers: park staff read the list, admins create and update them, a provider's
staff read their own record; everyone else signed in reads the directory (`providerDirectory`:
active providers, the items each serves, its published ratings and its turnaround)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import strawberry

from backend.models.enterprises import Provider as ProviderModel
from backend.schema.context import context_of
from backend.schema.enterprises.errors import ProviderError
from backend.schema.errors import run_mutation
from backend.schema.idempotency import idempotency_key
from backend.schema.loading import Selection, in_language
from backend.schema.nodes import Node, global_id, register
from backend.schema.relay import Connection, connection, decode_id_of, fetch_page
from backend.schema.webhooks import queries as webhook_queries
from backend.schema.webhooks.types import WebhookEndpoint
from backend.services.core.actors import Actor
from backend.services.core.errors import Invalid
from backend.services.enterprises import providers
from backend.services.enterprises.policies import directory_visible_to, providers_visible_to
from backend.services.enterprises.providers import ProviderFields, ServedItem
from backend.services.evaluations import figures
from backend.services.orders import turnaround as turnarounds


def _pk(global_id_value: str) -> int:
    pk = decode_id_of(strawberry.ID(global_id_value), "Provider")
    assert pk is not None
    return pk


@strawberry.type(name="Provider", description="A third-party service platform.")
class ProviderType(Node):
    name: str
    contact_name: str
    contact_phone: str
    email: str
    description: str
    active: bool
    created_at: datetime
    version: int

    @strawberry.field(
        description="Where and how the provider hears of its orders; admins only (else null)."
    )
    async def webhook_endpoint(self, info: strawberry.Info) -> WebhookEndpoint | None:
        return await webhook_queries.endpoint_of(context_of(info), _pk(self.id))

    @strawberry.field(
        description="The ed25519 public keys (`whpk_…`) that verify the provider's v1a "
        "webhooks now, newest first; empty for v1."
    )
    async def webhook_public_keys(self, info: strawberry.Info) -> list[str]:
        return await webhook_queries.public_keys_of(context_of(info), _pk(self.id))

    @classmethod
    def of(cls, provider: ProviderModel) -> ProviderType:
        return cls(
            id=global_id("Provider", provider.id),
            name=provider.name,
            contact_name=provider.contact_name,
            contact_phone=provider.contact_phone,
            email=provider.email,
            description=provider.description,
            active=provider.active,
            created_at=provider.created_at,
            version=provider.version,
        )


async def _load(actor: Actor, pks: Sequence[int]) -> dict[int, Any]:
    rows = await providers_visible_to(actor).filter(id__in=list(pks))
    return {p.id: ProviderType.of(p) for p in rows}


register("Provider", _load, "providers:read")


@strawberry.type(description="An item a provider serves: its application is reached by its id.")
class ProviderServedItem:
    id: strawberry.ID
    name: str


@strawberry.type(
    description="A provider's published ratings (好差评), as the directory shows them: "
    "`reviews` counts ratings by people (voided ones nowhere), `defaults` the ratings the "
    "system recorded when nobody rated in time (counted apart, in no rate); satisfactionRate "
    "is the share of reviews at VERY_SATISFIED, SATISFIED or BASIC, null with no review. The "
    "park's staff read the full figures in `evaluationFigures(by: PROVIDER)`."
)
class DirectoryRating:
    reviews: int
    defaults: int
    satisfaction_rate: float | None


@strawberry.type(
    description="How long a provider takes: the working days its completed orders took "
    "(Order.processingDays: the working calendar, waits for the applicant left out)."
)
class DirectoryTurnaround:
    completed_orders: int = strawberry.field(
        description="Orders it completed whose working days are known."
    )
    median_working_days: float | None = strawberry.field(
        description="The median of their working days; null with none completed."
    )


@strawberry.type(
    description="A provider in the directory enterprises choose from: what it is and serves, "
    "how it is rated and how long it takes."
)
class DirectoryProvider:
    id: strawberry.ID
    name: str
    description: str
    serves: list[ProviderServedItem] = strawberry.field(
        description="The published items it serves, the catalog's order."
    )
    rating: DirectoryRating = strawberry.field(
        description="Its published ratings (loaded for the whole page in one statement)."
    )
    turnaround: DirectoryTurnaround = strawberry.field(
        description="Its turnaround (loaded for the whole page in one statement)."
    )

    @classmethod
    def of(
        cls,
        provider: ProviderModel,
        served: Sequence[ServedItem],
        language: str,
        rated: figures.Figures | None,
        took: turnarounds.Turnaround | None,
    ) -> DirectoryProvider:
        return cls(
            id=global_id("Provider", provider.id),
            name=provider.name,
            description=provider.description,
            serves=[
                ProviderServedItem(
                    id=global_id("ServiceItem", i.item_id),
                    name=in_language(language, i.name_zh, i.name_en),
                )
                for i in served
            ],
            rating=DirectoryRating(
                reviews=rated.reviews if rated else 0,
                defaults=rated.defaults if rated else 0,
                satisfaction_rate=rated.satisfaction_rate if rated else None,
            ),
            turnaround=DirectoryTurnaround(
                completed_orders=took.completed if took else 0,
                median_working_days=took.median_days if took else None,
            ),
        )


@strawberry.type
class ProviderQueries:
    @strawberry.field(description="Providers by name; staff only.")
    async def providers(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> Connection[ProviderType]:
        query = providers_visible_to(context_of(info).actor)
        page = await fetch_page(query, first=first, after=after, order=("name", "id"))
        return connection(page, ProviderType.of, query)

    @strawberry.field(
        description="The directory of active providers by name, with the items each serves: "
        "for anyone signed in but a provider's staff."
    )
    async def provider_directory(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> Connection[DirectoryProvider]:
        actor = context_of(info).actor
        query = directory_visible_to(actor)
        page = await fetch_page(query, first=first, after=after, order=("name", "id"))
        ids = [p.id for p in page.rows]
        nodes = Selection.of(info).nodes()
        # Each part for the whole page in one statement, and only when it is asked for.
        served = await providers.items_served(ids if nodes.has("serves") else [])
        rated = (
            {f.key: f for f in await figures.figures(figures.Dimension.PROVIDER, ids)}
            if nodes.has("rating")
            else {}
        )
        took = await turnarounds.of_providers(ids) if nodes.has("turnaround") else {}
        return connection(
            page,
            lambda p: DirectoryProvider.of(
                p, served.get(p.id, []), actor.language, rated.get(p.id), took.get(p.id)
            ),
            query,
        )


@strawberry.input
class CreateProviderInput:
    name: str
    contact_name: str = ""
    contact_phone: str = ""
    email: str = ""
    description: str = ""
    active: bool = True
    idempotency_key: str | None = idempotency_key()


@strawberry.input
class UpdateProviderInput:
    provider_id: strawberry.ID
    expected_version: int
    name: str
    contact_name: str = ""
    contact_phone: str = ""
    email: str = ""
    description: str = ""
    active: bool = True


@strawberry.type
class ProviderPayload:
    provider: ProviderType | None
    user_errors: list[ProviderError]


def _fields(input: CreateProviderInput | UpdateProviderInput) -> ProviderFields:
    return ProviderFields(
        name=input.name,
        contact_name=input.contact_name,
        contact_phone=input.contact_phone,
        email=input.email,
        description=input.description,
        active=input.active,
    )


def _failed(errors: list[ProviderError]) -> ProviderPayload:
    return ProviderPayload(provider=None, user_errors=errors)


@strawberry.type
class ProviderMutations:
    @strawberry.mutation(description="Adds a provider; admins only.")
    async def create_provider(
        self, info: strawberry.Info, input: CreateProviderInput
    ) -> ProviderPayload:
        context = context_of(info)

        async def change() -> ProviderPayload:
            provider = await providers.create_provider(
                context.actor, _fields(input), input.idempotency_key
            )
            return ProviderPayload(provider=ProviderType.of(provider), user_errors=[])

        return await run_mutation(info, ProviderError, change, _failed)

    @strawberry.mutation(description="Changes a provider; admins only.")
    async def update_provider(
        self, info: strawberry.Info, input: UpdateProviderInput
    ) -> ProviderPayload:
        context = context_of(info)

        async def change() -> ProviderPayload:
            pk = decode_id_of(input.provider_id, "Provider")
            if pk is None:
                raise Invalid.at("providerId", "NOT_FOUND")
            provider = await providers.update_provider(
                context.actor, pk, _fields(input), input.expected_version
            )
            return ProviderPayload(provider=ProviderType.of(provider), user_errors=[])

        return await run_mutation(info, ProviderError, change, _failed)
