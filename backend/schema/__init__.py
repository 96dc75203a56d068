"""The one GraphQL schema both faces run: the HTTP API and, in-process, the web pages."""

from __future__ import annotations

from strawberry.extensions import ParserCache
from strawberry.tools import merge_types

from backend.schema import extensions
from backend.schema.accounts.mutations import AccountMutations
from backend.schema.accounts.queries import AccountQueries
from backend.schema.accounts.types import ApiTokenType, UserType
from backend.schema.applications.mutations import ApplicationMutations
from backend.schema.applications.queries import ApplicationQueries
from backend.schema.applications.types import ApplicationType
from backend.schema.appointments.mutations import AppointmentMutations
from backend.schema.appointments.queries import AppointmentQueries
from backend.schema.boundary import TextBoundary
from backend.schema.calendar.mutations import CalendarMutations
from backend.schema.calendar.queries import CalendarQueries
from backend.schema.catalog.mutations import CatalogMutations
from backend.schema.catalog.queries import CatalogQueries
from backend.schema.catalog.types import CategoryType, ServiceItemType
from backend.schema.dashboard.queries import DashboardQueries
from backend.schema.enterprises.files import FileMutations, FileType
from backend.schema.enterprises.mutations import EnterpriseMutations
from backend.schema.enterprises.premises import BuildingType, PremisesMutations, PremisesQueries
from backend.schema.enterprises.providers import ProviderMutations, ProviderQueries, ProviderType
from backend.schema.enterprises.queries import EnterpriseQueries
from backend.schema.enterprises.types import EnterpriseType, PremisesBindingType
from backend.schema.evaluations.mutations import EvaluationMutations
from backend.schema.evaluations.queries import EvaluationQueries
from backend.schema.evaluations.types import EvaluationType, RectificationType
from backend.schema.extensions import (
    Admission,
    DocumentLimits,
    LoggedSchema,
    MaskBugs,
    ValidationCacheByText,
)
from backend.schema.jobs.mutations import JobMutations
from backend.schema.jobs.queries import JobQueries
from backend.schema.jobs.types import JobType
from backend.schema.live.execution import LiveAdmission, LiveExecution
from backend.schema.live.subscriptions import LiveSubscriptions
from backend.schema.node_queries import NodeQueries
from backend.schema.notifications.mutations import NotificationMutations
from backend.schema.notifications.queries import NotificationQueries
from backend.schema.notifications.types import NotificationType
from backend.schema.orders.conversation import ConversationMutations
from backend.schema.orders.mutations import OrderMutations
from backend.schema.orders.owed import OwedMaterialMutations
from backend.schema.orders.providers import OrderProviderMutations
from backend.schema.orders.queries import OrderQueries
from backend.schema.orders.steps import OrderStepMutations
from backend.schema.orders.types import OrderType
from backend.schema.service_requests.mutations import ServiceRequestMutations
from backend.schema.service_requests.queries import ServiceRequestQueries
from backend.schema.service_requests.types import ServiceRequestType
from backend.schema.teams.mutations import TeamMutations
from backend.schema.teams.queries import TeamQueries
from backend.schema.teams.types import TeamType
from backend.schema.webhooks.mutations import WebhookMutations
from backend.schema.webhooks.queries import WebhookQueries
from backend.schema.webhooks.types import WebhookDelivery

Query = merge_types(
    "Query",
    (
        NodeQueries,
        AccountQueries,
        NotificationQueries,
        TeamQueries,
        EnterpriseQueries,
        PremisesQueries,
        ProviderQueries,
        CalendarQueries,
        CatalogQueries,
        OrderQueries,
        ApplicationQueries,
        JobQueries,
        ServiceRequestQueries,
        DashboardQueries,
        EvaluationQueries,
        WebhookQueries,
        AppointmentQueries,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        AccountMutations,
        NotificationMutations,
        TeamMutations,
        FileMutations,
        EnterpriseMutations,
        PremisesMutations,
        ProviderMutations,
        CalendarMutations,
        CatalogMutations,
        OrderMutations,
        ConversationMutations,
        OwedMaterialMutations,
        OrderStepMutations,
        OrderProviderMutations,
        ApplicationMutations,
        JobMutations,
        ServiceRequestMutations,
        EvaluationMutations,
        WebhookMutations,
        AppointmentMutations,
    ),
)

schema = LoggedSchema(
    query=Query,
    mutation=Mutation,
    subscription=LiveSubscriptions,
    types=[
        UserType,
        ApiTokenType,
        NotificationType,
        TeamType,
        FileType,
        EnterpriseType,
        PremisesBindingType,
        BuildingType,
        ProviderType,
        CategoryType,
        ServiceItemType,
        OrderType,
        ApplicationType,
        JobType,
        ServiceRequestType,
        EvaluationType,
        RectificationType,
        WebhookDelivery,
    ],
    extensions=[
        # Depth, aliases and tokens: limits from the settings (max_query_depth, ...).
        DocumentLimits,
        # A document seen before is neither parsed nor validated again (keyed by its text and
        # the limits above; both caches bounded).
        lambda: ParserCache(maxsize=extensions.DOCUMENT_CACHE_SIZE),
        ValidationCacheByText,
        Admission,
        # Every string checked, bounded and normalised, after admission, before any resolver.
        TextBoundary,
        # Last: keeps what the others decided for a subscription (live/execution.py).
        LiveAdmission,
        MaskBugs,
    ],
    execution_context_class=LiveExecution,
)
