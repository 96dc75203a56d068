"""Which token scope each root field needs, and which each object type's data needs.

A root field missing from `ROOT_SCOPES` is refused to tokens. Below a root field, an object of
another domain needs that domain's read scope (`TYPE_SCOPES`), as `node` does: a token with
only `catalog:read` reads a service item, not its handling team's members' e-mails. An object
type missing from `TYPE_SCOPES` is refused to tokens, wherever it is reached.
"""

from __future__ import annotations

# Fields any signed-in caller may run with any token: they check per object themselves.
OPEN = frozenset({"me", "node", "nodes", "staffRoles", "__typename", "__schema", "__type"})

ROOT_SCOPES: dict[str, str] = {
    "users": "accounts:read",
    "apiTokens": "accounts:read",
    "createStaffUser": "accounts:write",
    "setUserRoles": "accounts:write",
    "linkUserToProvider": "accounts:write",
    "setLanguage": "accounts:write",
    "teams": "teams:read",
    "team": "teams:read",
    "createTeam": "teams:write",
    "updateTeam": "teams:write",
    "addTeamMember": "teams:write",
    "removeTeamMember": "teams:write",
    "setHandlerLeave": "teams:write",
    "setHandlerCapacity": "teams:write",
    "notifications": "notifications:read",
    "markNotificationsRead": "notifications:write",
    "calendar": "calendar:read",
    "setCalendarDay": "calendar:write",
    "clearCalendarDay": "calendar:write",
    "uploadFile": "files:write",
    "enterprises": "enterprises:read",
    "enterprise": "enterprises:read",
    "myEnterprises": "enterprises:read",
    "registerEnterprise": "enterprises:write",
    "resubmitEnterprise": "enterprises:write",
    "reviewEnterprise": "enterprises:write",
    "inviteMember": "enterprises:write",
    "joinEnterprise": "enterprises:write",
    "removeMember": "enterprises:write",
    "buildings": "premises:read",
    "createBuilding": "premises:write",
    "createFloor": "premises:write",
    "createUnit": "premises:write",
    "bindPremises": "premises:write",
    "endPremisesBinding": "premises:write",
    "providers": "providers:read",
    "providerDirectory": "providers:read",
    "createProvider": "providers:write",
    "updateProvider": "providers:write",
    "categories": "catalog:read",
    "category": "catalog:read",
    "serviceItems": "catalog:read",
    "serviceItem": "catalog:read",
    "serviceItemByName": "catalog:read",
    "pinnedServiceItems": "catalog:read",
    "popularServiceItems": "catalog:read",
    "createCategory": "catalog:write",
    "updateCategory": "catalog:write",
    "createServiceItem": "catalog:write",
    "updateServiceItem": "catalog:write",
    "publishServiceItem": "catalog:write",
    "retireServiceItem": "catalog:write",
    "pinServiceItem": "catalog:write",
    "unpinServiceItem": "catalog:write",
    "orders": "orders:read",
    "order": "orders:read",
    "orderByNumber": "orders:read",
    "assignOrder": "orders:write",
    "postOrderUpdate": "orders:write",
    "sendOrderMessage": "orders:write",
    "markOrderMessagesRead": "orders:write",
    "supplyOwedMaterial": "orders:write",
    "reviewOwedMaterial": "orders:write",
    "acceptOrder": "orders:write",
    "declineOrder": "orders:write",
    "requestOrderInformation": "orders:write",
    "answerOrderInformation": "orders:write",
    "completeOrder": "orders:write",
    "cancelOrder": "orders:write",
    "providerUpdateOrder": "orders:write",
    "forwardOrder": "orders:write",
    "applications": "applications:read",
    "application": "applications:read",
    "applicationByNumber": "applications:read",
    "checkApplication": "applications:read",
    "saveApplicationDraft": "applications:write",
    "submitApplication": "applications:write",
    "withdrawApplication": "applications:write",
    "auditApplication": "applications:write",
    "supplementApplication": "applications:write",
    "requestEmailConfirmation": "accounts:write",
    "confirmEmail": "accounts:write",
    "setNotificationPreference": "notifications:write",
    "unsubscribeFromEmail": "notifications:write",
    "serviceRequests": "requests:read",
    "serviceRequest": "requests:read",
    "serviceRequestGroups": "requests:read",
    "requestNewService": "requests:write",
    "answerServiceRequest": "requests:write",
    "declineServiceRequest": "requests:write",
    "mergeServiceRequest": "requests:write",
    "draftServiceItemFromRequest": "requests:write",
    # Appointments: the plan is the catalog's; slots and bookings go with the orders.
    "appointmentPlan": "catalog:read",
    "setAppointmentPlan": "catalog:write",
    "updateAppointmentSlot": "catalog:write",
    "appointmentSlots": "orders:read",
    "appointmentDay": "orders:read",
    "appointmentChoices": "orders:read",
    "bookAppointment": "orders:write",
    "cancelAppointment": "orders:write",
    "checkInAppointment": "orders:write",
    "failedJobs": "jobs:read",
    "dashboard": "dashboard:read",
    "retryJob": "jobs:write",
    "evaluations": "evaluations:read",
    "rectifications": "evaluations:read",
    "evaluationFigures": "evaluations:read",
    "evaluateOrder": "evaluations:write",
    "addFollowUpReview": "evaluations:write",
    "appealEvaluation": "evaluations:write",
    "decideEvaluationAppeal": "evaluations:write",
    "recordRectificationCallBack": "evaluations:write",
    "recordRectificationFix": "evaluations:write",
    "closeRectification": "evaluations:write",
    "webhookDeliveries": "webhooks:read",
    "webhookEventTypes": "providers:read",
    "configureWebhookEndpoint": "webhooks:write",
    "rotateWebhookSecret": "webhooks:write",
    "redeliverWebhook": "webhooks:write",
    # Subscriptions read what the queries of their domain read.
    "orderStatusChanged": "orders:read",
    "orderEvents": "orders:read",
    "orderConversationChanged": "orders:read",
    "myAssignments": "orders:read",
    "applicationStatusChanged": "applications:read",
    "notificationReceived": "notifications:read",
    "supervisionChanged": "evaluations:read",
}

# The read scope behind each object type's data, a connection's and an edge's being their
# nodes'. Admission walks a token's selection against these before anything runs
# (`backend/schema/extensions.py`).
_DOMAINS: dict[str, tuple[str, ...]] = {
    "accounts:read": (
        "User", "ApiToken", "ApiTokenConnection", "ApiTokenEdge", "UserConnection", "UserEdge",
        "PageAccess",
    ),
    "teams:read": (
        "Team", "TeamMember", "TeamConnection", "TeamEdge",
    ),
    "notifications:read": (
        "Notification", "NotificationConnection", "NotificationEdge", "InboxChange",
    ),
    "calendar:read": (
        "CalendarYear", "CalendarDay",
    ),
    "files:read": (
        "File",
    ),
    "enterprises:read": (
        "Enterprise", "EnterpriseMember", "EnterpriseMembership", "Invitation",
        "EnterpriseConnection", "EnterpriseEdge", "EnterpriseRecordEntry", "EnterpriseViewerCan",
    ),
    # A binding is where the register and an enterprise meet: the register's data.
    "premises:read": (
        "Building", "Floor", "Unit", "PremisesBinding", "BuildingConnection", "BuildingEdge",
    ),
    "providers:read": (
        "Provider", "ProviderConnection", "ProviderEdge", "ProviderServedItem",
        "DirectoryProvider", "DirectoryProviderConnection", "DirectoryProviderEdge",
        "DirectoryRating", "DirectoryTurnaround",
    ),
    "catalog:read": (
        "Category", "ServiceItem", "ServiceItemVersionInfo", "ProcessStep", "LocalizedText",
        "FormDefinition", "FormField", "FormOption", "AttachmentKind", "CategoryConnection",
        "CategoryEdge", "ServiceItemConnection", "ServiceItemEdge", "ServiceItemViewerCan",
        "ServiceItemProvider",
        "AppointmentPlan", "AppointmentWindow",
    ),
    # An order's own views of its item, application and people (names only).
    "orders:read": (
        "Order", "OrderEvent", "OrderServiceItem", "OrderApplication", "NamedRef",
        "AssignmentReason", "AssignmentCandidate", "OrderConnection", "OrderEdge",
        "OrderEventConnection", "OrderEventEdge", "OrderViewerCan", "SkippedHandler",
        "OrderUpdate", "OrderUpdateConnection", "OrderUpdateEdge", "OrderMessage",
        "OrderMessageConnection", "OrderMessageEdge", "OrderReadMark", "OrderOwedMaterial",
        "OrderPause", "OwedMaterialViewerCan", "OrderInformationRequest", "OrderResult",
        "OrderStatusChange", "OrderAssignmentChange", "OrderConversationChange",
        "Appointment", "AppointmentSlot", "AppointmentViewerCan", "AppointmentDayEntry",
        "AppointmentChoices",
    ),
    "applications:read": (
        "Application", "ApplicationAttachment", "ApplicationChange", "ApplicationEnterprise",
        "ApplicationOrder", "ApplicationRevision", "AuditResult", "AuditProblem", "Review",
        "ReviewProblem", "OwedMaterial", "ApplicationConnection", "ApplicationEdge",
        "ApplicationViewerCan", "ApplicationStatusChange",
    ),
    "jobs:read": (
        "Job", "JobConnection", "JobEdge",
    ),
    # Names of enterprises, categories and items appear as plain text, not their objects.
    "requests:read": (
        "ServiceRequest", "ServiceRequestConnection", "ServiceRequestEdge",
        "ServiceRequestViewerCan", "ServiceRequestOutcome", "ServiceRequestGroup",
        "ServiceRequestGroups",
    ),
    "dashboard:read": (
        "Dashboard", "DashboardStatusCount", "DashboardTeamLoad", "DashboardHandlerLoad",
        "DashboardDay", "DashboardProcessingTime", "DashboardOwedPastDue", "DashboardRatings",
    ),
    "evaluations:read": (
        "Evaluation", "EvaluationFollowUp", "EvaluationAppeal", "EvaluationViewerCan",
        "Rectification", "RectificationViewerCan", "EvaluationFigures", "EvaluationConnection",
        "EvaluationEdge", "RectificationConnection", "RectificationEdge", "SupervisionChange",
    ),
    "webhooks:read": (
        "WebhookEndpoint", "WebhookKey", "WebhookDelivery", "WebhookAttempt",
        "WebhookDeliveryConnection", "WebhookDeliveryEdge",
    ),
}  # fmt: skip
# Types that only carry others: payloads and error lists, returned by root fields only (their
# own fields are the root field's answer, which its scope covers), page info and counts.
_CARRIERS = frozenset(
    {
        "AccountError", "ApiTokenPayload", "ApplicationError", "ApplicationOrderPayload",
        "ApplicationPayload", "AssignOrderPayload", "BoundedCount", "BuildingPayload",
        "CalendarError",
        "CatalogError", "CategoryPayload", "CheckApplicationPayload", "ClearCalendarDayPayload",
        "CreateApiTokenPayload", "EnterpriseError", "EnterprisePayload", "FileError",
        "InviteMemberPayload", "JoinEnterprisePayload", "LoginPayload", "LogoutPayload",
        "MarkNotificationsReadPayload", "NotificationError", "OrderError", "PageInfo",
        "PostOrderUpdatePayload", "SendOrderMessagePayload", "MarkOrderMessagesReadPayload",
        "OwedMaterialPayload",
        "PinnedServiceItemsPayload", "PremisesBindingPayload", "PremisesError", "ProviderError",
        "ProviderPayload", "ServiceItemPayload", "SetCalendarDayPayload", "SignUpPayload",
        "TeamError", "TeamPayload", "UploadFilePayload", "UserPayload", "JobError", "JobPayload",
        "NotificationPreferencePayload",
        "AcceptOrderPayload", "DeclineOrderPayload", "RequestOrderInformationPayload",
        "AnswerOrderInformationPayload", "CompleteOrderPayload", "CancelOrderPayload",
        "ServiceRequestPayload", "ServiceRequestError",
        "EvaluationError", "EvaluationPayload", "RectificationPayload",
        "ProviderUpdateOrderPayload", "ForwardOrderPayload",
        "WebhookError", "WebhookEndpointPayload", "RedeliverWebhookPayload",
        "AppointmentError", "AppointmentPayload", "SetAppointmentPlanPayload",
        "UpdateAppointmentSlotPayload",
    }
)  # fmt: skip
TYPE_SCOPES: dict[str, str | None] = {
    **dict.fromkeys(_CARRIERS),
    **{name: scope for scope, names in _DOMAINS.items() for name in names},
}

# Session-only: a token never signs in, signs up, or mints or revokes tokens.
SESSION_ONLY = frozenset(
    {"signUp", "login", "logout", "changePassword", "createApiToken", "revokeApiToken"}
)


# What `missing_scope` answers for a field no token may run.
SESSION = "session"
# What `missing_scope` and `missing_type_scope` answer for what is not declared here.
UNLISTED = "unlisted"


def domain_of(scope: str) -> str:
    """`catalog` for `catalog:read` or `catalog:write`."""
    return scope.partition(":")[0]


def root_domain(field_name: str) -> str | None:
    """The domain a scoped root field is about; its objects need no further scope below it."""
    needed = ROOT_SCOPES.get(field_name)
    return domain_of(needed) if needed is not None else None


def missing_scope(field_name: str, scopes: frozenset[str]) -> str | None:
    """The scope a token lacks for `field_name`, or None when it may run it."""
    if field_name in OPEN:
        return None
    if field_name in SESSION_ONLY:
        return SESSION
    needed = ROOT_SCOPES.get(field_name)
    if needed is None:
        return UNLISTED
    return None if needed in scopes else needed


def missing_type_scope(type_name: str, covered: str | None, scopes: frozenset[str]) -> str | None:
    """The scope a token lacks to read `type_name` objects below a root field about the domain
    `covered`, or None when it may."""
    if type_name not in TYPE_SCOPES:
        return UNLISTED
    needed = TYPE_SCOPES[type_name]
    if needed is None or needed in scopes or domain_of(needed) == covered:
        return None
    return needed
