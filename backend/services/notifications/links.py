"""Where each kind of notice takes its reader: the page of the thing it is about.

Links are paths on the site (`/orders/SH-…`); mail makes them absolute with the public URL.
Each kind's link is built from the notice's own params, so a notice cannot be written without
the params its link needs, and a new kind without a link here is refused by `notify`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

Params = Mapping[str, Any]


def _param(params: Params, name: str) -> str:
    value = params.get(name)
    if value is None or value == "":
        raise ValueError(f"the notice's link needs the param {name!r}")
    return quote(str(value), safe="")


def _enterprise(params: Params) -> str:
    # The enterprise pages are addressed by the schema's global id (backend/schema/relay.py,
    # `encode_global_id`); tests/schema/test_notification_links.py holds them to it.
    pk = int(_param(params, "enterpriseId"))
    ref = base64.urlsafe_b64encode(f"Enterprise:{pk}".encode()).decode().rstrip("=")
    return f"/enterprises/{ref}"


def _service_item(params: Params) -> str:
    # The catalog's item page, addressed by the schema's global id like the enterprise pages.
    pk = int(_param(params, "serviceItemId"))
    ref = base64.urlsafe_b64encode(f"ServiceItem:{pk}".encode()).decode().rstrip("=")
    return f"/catalog/items/{ref}"


def _webhooks(params: Params) -> str:
    # The deliveries page filters by the provider's global id, like `_enterprise`.
    pk = int(_param(params, "providerId"))
    ref = base64.urlsafe_b64encode(f"Provider:{pk}".encode()).decode().rstrip("=")
    return f"/admin/webhooks?provider={ref}"


def _path(template: str, *names: str) -> Callable[[Params], str]:
    def build(params: Params) -> str:
        return template.format(**{name: _param(params, name) for name in names})

    return build


def _fixed(path: str) -> Callable[[Params], str]:
    return lambda _params: path


def _approved(params: Params) -> str:
    # The order is where an approved application goes on; without one, its own page.
    if params.get("order"):
        return _path("/orders/{order}", "order")(params)
    return _path("/applications/{number}", "number")(params)


_application = _path("/applications/{number}", "number")
_order = _path("/orders/{number}", "number")


def _order_or_application(params: Params) -> str:
    # An owed material's reminder may come before the application is approved.
    if params.get("order"):
        return _path("/orders/{order}", "order")(params)
    return _application(params)


LINKS: dict[str, Callable[[Params], str]] = {
    "WELCOME": _fixed("/enterprises/new"),
    "STAFF_WELCOME": _fixed("/"),
    "ROLES_CHANGED": _fixed("/"),
    "TEAM_JOINED": _fixed("/orders"),
    "PASSWORD_CHANGED": _fixed("/account"),
    "SIGN_IN_PAUSED": _fixed("/account"),
    "ORDER_ASSIGNED": _path("/orders/{number}", "number"),
    # The order is no longer theirs to open: their queue is what changed.
    "ORDER_TAKEN_AWAY": _fixed("/orders"),
    "WEBHOOK_ENDPOINT_FAILING": _webhooks,
    "WEBHOOK_ENDPOINT_GONE": _webhooks,
    "ORDER_ACCEPTED": _order,
    "ORDER_INFORMATION_REQUESTED": _order,
    "ORDER_PROGRESS": _order,
    "ORDER_MESSAGE": _order,
    "ORDER_COMPLETED": _order,
    "ORDER_CANCELLED": _order,
    "OWED_MATERIAL_RETURNED": _order,
    "OWED_MATERIAL_ACCEPTED": _order,
    "OWED_MATERIAL_REMINDER": _order_or_application,
    "ORDER_INFORMATION_ANSWERED": _order,
    "OWED_MATERIAL_SUPPLIED": _order,
    "ORDER_DUE_SOON": _order,
    "ORDER_OVERDUE": _order,
    "OWED_MATERIAL_PAST_DEADLINE": _order,
    "ENTERPRISE_VERIFIED": _enterprise,
    "ENTERPRISE_REJECTED": _enterprise,
    "MEMBER_JOINED": _enterprise,
    "MEMBER_REMOVED": _fixed("/enterprises"),
    "APPLICATION_UNDER_REVIEW": _application,
    "APPLICATION_RETURNED": _application,
    "APPLICATION_APPROVED": _approved,
    "APPLICATION_REJECTED": _application,
    "MATERIALS_OWED": _application,
    "APPLICATION_FILED_FOR": _application,
    "APPLICATION_SUPPLEMENTED": _application,
    "SERVICE_REQUEST_ANSWERED": _fixed("/enterprises/service-requests"),
    "SERVICE_REQUEST_DECLINED": _fixed("/enterprises/service-requests"),
    "SERVICE_REQUEST_MERGED": _fixed("/enterprises/service-requests"),
    "REQUESTED_SERVICE_PUBLISHED": _service_item,
    "RECTIFICATION_OPENED": _fixed("/rectifications"),
    "RECTIFICATION_OVERDUE": _fixed("/rectifications"),
    "EVALUATION_APPEALED": _fixed("/rectifications"),
    "RECTIFICATION_CLOSED": _path("/orders/{number}", "number"),
    "APPEAL_UPHELD": _path("/orders/{number}", "number"),
    "APPEAL_VOIDED": _path("/orders/{number}", "number"),
    # The order (or the application under review) the appointment was for.
    "APPOINTMENT_REMINDER": _approved,
    "APPOINTMENT_CLOSED": _approved,
    "APPOINTMENT_WITHDRAWN": _approved,
}


def link_for(kind: str, params: Params) -> str:
    """The path a notice of `kind` with `params` links to; ValueError when the kind has no
    link or its params lack what the link needs."""
    build = LINKS.get(kind)
    if build is None:
        raise ValueError(f"notification kind {kind} has no link: add it to {__name__}.LINKS")
    return build(params)
