"""For the tests of the steps that change an order's state: everyone who might act on an
order, the six mutations, uploads of files for an order, and counts that show nothing was
half-written."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from backend.models.accounts import Role, User
from backend.models.events import Event
from backend.models.orders import (
    Order,
    OrderAttachment,
    OrderInformationRequest,
    OrderPause,
    OrderStatus,
)
from tests import builders
from tests.conftest import Api
from tests.schema.helpers import global_id
from tests.schema.order_helpers import Park, login, open_order, park

ERRORS = "userErrors { field code message }"
ORDER = """id number status version dueAt isOverdue remainingWorkingDays
    assignee { id name }
    viewerCan { accept decline requestInformation answerInformation complete cancel
                reassign assignAutomatically }
    pauses { startedAt endedAt workingDays }
    informationRequests { question fileTypes askedAt askedBy { name } answer answeredAt
      answeredBy { name } files { id name mimeType downloadUrl } }
    result { text documents { id name mimeType downloadUrl } }"""

# The mutation of each offered action of the table, and the input beyond the order and version.
MUTATIONS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "ACCEPT": ("acceptOrder", "AcceptOrderInput", {}),
    "DECLINE": ("declineOrder", "DeclineOrderInput", {"reason": "与该企业有利害关系"}),
    "REQUEST_INFORMATION": (
        "requestOrderInformation",
        "RequestOrderInformationInput",
        {"question": "请补充近三个月的财务报表", "fileTypes": ["application/pdf"]},
    ),
    "ANSWER": ("answerOrderInformation", "AnswerOrderInformationInput", {"answer": "已补充"}),
    "COMPLETE": ("completeOrder", "CompleteOrderInput", {"result": "已办结，证照已寄出"}),
    "CANCEL": ("cancelOrder", "CancelOrderInput", {"reason": "企业不再需要"}),
}


def mutation(action: str) -> str:
    name, input_type, _ = MUTATIONS[action]
    return f"""mutation($input: {input_type}!) {{ {name}(input: $input) {{
        order {{ {ORDER} }} {ERRORS} }} }}"""


async def act(client: Api, action: str, order: Order, **fields: Any) -> dict[str, Any]:
    """Runs `action` on `order` with the version stored now (unless given) and the defaults."""
    name, _, defaults = MUTATIONS[action]
    version = fields.pop("expectedVersion", None)
    if version is None:
        version = (await Order.get(id=order.id)).version
    variables = {
        "orderId": global_id("Order", order.id),
        "expectedVersion": version,
        **defaults,
        **fields,
    }
    payload: dict[str, Any] = (await client.gql(mutation(action), {"input": variables}))[name]
    return payload


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


UPLOAD_DOCUMENT = """mutation($input: UploadFileInput!) { uploadFile(input: $input) {
    file { id name mimeType } userErrors { field code message } } }"""


async def upload_document(client: Api, data: bytes, name: str) -> dict[str, Any]:
    """Uploads a file for an order (multipart, as a browser would) and returns the payload."""
    operations = json.dumps(
        {
            "query": UPLOAD_DOCUMENT,
            "variables": {"input": {"file": None, "purpose": "ORDER_ATTACHMENT"}},
        }
    )
    await client.prime()
    response = await client.client.post(
        "/graphql",
        params={"csrf_token": client.csrf()},
        data={"operations": operations, "map": json.dumps({"0": ["variables.input.file"]})},
        files={"0": (name, data, "application/octet-stream")},
    )
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()["data"]["uploadFile"]
    return payload


async def document_id(client: Api, data: bytes, name: str) -> str:
    payload = await upload_document(client, data, name)
    assert payload["userErrors"] == [], payload
    file_id: str = payload["file"]["id"]
    return file_id


@dataclass
class People:
    """A park with everyone the matrix asks, each signed in with their own client."""

    park: Park
    clients: dict[str, Api]
    users: dict[str, User | None]

    def assignee_of(self, order: Order) -> Api:
        index = next(i for i, h in enumerate(self.park.handlers) if h.id == order.assignee_id)
        return self.clients["assignee" if index == 0 else "another handler"]


ROLES = (
    "assignee",
    "another handler",
    "applicant",
    "another applicant",
    "auditor",
    "supervisor",
    "admin",
    "provider",
    "anonymous",
)


async def people(new_api: Any) -> People:
    p = await park(handlers=2)
    users: dict[str, User | None] = {
        "assignee": p.handlers[0],
        "another handler": p.handlers[1],
        "applicant": p.applicant,
        "another applicant": p.other_applicant,
        "auditor": p.auditor,
        "supervisor": await builders.user(Role.SUPERVISOR, "钱主管"),
        "admin": await builders.user(Role.ADMIN, "孙管理"),
        "provider": await builders.user(Role.PROVIDER, "第三方"),
        "anonymous": None,
    }
    clients = {
        role: (await login(new_api, user)) if user is not None else new_api()
        for role, user in users.items()
    }
    return People(p, clients, users)


async def order_in(
    p: Park, status: OrderStatus, assignee: User | None = None, *, always_held: bool = False
) -> Order:
    """An order of the park's enterprise, put straight into `status`, held by `assignee` (the
    first handler unless given) wherever a state has a holder (in every state: `always_held`,
    so the holder still sees it)."""
    order = await open_order(p)
    holder = assignee or p.handlers[0]
    held = always_held or status in {
        OrderStatus.ASSIGNED,
        OrderStatus.IN_PROGRESS,
        OrderStatus.WAITING_ON_APPLICANT,
        OrderStatus.COMPLETED,
        OrderStatus.CANCELLED,
    }
    await Order.filter(id=order.id).update(status=status, assignee_id=holder.id if held else None)
    if status is OrderStatus.WAITING_ON_APPLICANT:
        request = await OrderInformationRequest.create(
            order_id=order.id, question="请补充", asked_by_id=holder.id, asked_at=order.created_at
        )
        await OrderPause.create(
            order_id=order.id, request_id=request.id, started_at=order.created_at
        )
        await Order.filter(id=order.id).update(waiting_since=order.created_at)
    return await Order.get(id=order.id)


async def footprint(order: Order) -> tuple[Any, ...]:
    """What a refused action must leave as it was: the row and everything written beside it."""
    row = await Order.get(id=order.id)
    return (
        row.status,
        row.version,
        row.assignee_id,  # type: ignore[attr-defined]
        row.due_at,
        row.result,
        row.declined_by,
        row.waiting_since,
        await Event.filter(aggregate_type="order", aggregate_id=order.id).count(),
        await OrderAttachment.filter(order_id=order.id).count(),
        await OrderInformationRequest.filter(order_id=order.id).count(),
        await OrderPause.filter(order_id=order.id).count(),
        await OrderPause.filter(order_id=order.id, ended_at__isnull=True).count(),
    )
