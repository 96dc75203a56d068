"""For the tests of the steps that keep an order's state (notes, messages, owed materials): an
assigned order, everyone who might touch it (`cast`), and the operations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.models.accounts import Role, User
from backend.models.events import Event
from backend.models.files import StoredFile
from backend.models.orders import Order, OrderAttachment, OrderMessage, OrderReadMark, OrderUpdate
from tests import builders
from tests.conftest import Api
from tests.schema.helpers import global_id
from tests.schema.order_helpers import Park, login, open_order, park

ERRORS = "userErrors { field code message }"
POST = f"""mutation($input: PostOrderUpdateInput!) {{ postOrderUpdate(input: $input) {{
    update {{ id kind body author {{ name }} attachments {{ id name downloadUrl }} }}
    order {{ id version }} {ERRORS} }} }}"""
SEND = f"""mutation($input: SendOrderMessageInput!) {{ sendOrderMessage(input: $input) {{
    message {{ id sequence side body author {{ name }} attachments {{ id name }} readByOtherSide }}
    order {{ id version }} {ERRORS} }} }}"""
READ = f"""mutation($input: MarkOrderMessagesReadInput!) {{ markOrderMessagesRead(input: $input) {{
    readMark {{ side lastReadSequence readBy {{ name }} }} {ERRORS} }} }}"""
SUPPLY = f"""mutation($input: SupplyOwedMaterialInput!) {{ supplyOwedMaterial(input: $input) {{
    owedMaterial {{ id kind label status returnReason suppliedFile {{ id downloadUrl }}
      suppliedBy {{ name }} }}
    order {{ id version }} {ERRORS} }} }}"""
REVIEW = f"""mutation($input: ReviewOwedMaterialInput!) {{ reviewOwedMaterial(input: $input) {{
    owedMaterial {{ id status returnReason reviewedBy {{ name }} }} {ERRORS} }} }}"""
VIEW = """query($id: ID!) { order(id: $id) { id version status
    updates(first: 50) { totalCount edges { node { kind body author { name }
      attachments { id downloadUrl } } } }
    messages(first: 100) { totalCount edges { node { sequence side body readByOtherSide
      attachments { id downloadUrl } } } }
    messageReadMarks { side lastReadSequence }
    owedMaterials { id kind label dueOn dueAt status returnReason suppliedFile { id } }
    timeline(first: 100) { totalCount edges { node { sequence kind note actor { name } } } }
    viewerCan { postUpdate sendMessage supplyOwedMaterial reviewOwedMaterial } } }"""

# Everyone the issue names, by the words the tests use.
ROLES = (
    "assignee",
    "other_handler",
    "applicant",
    "other_applicant",
    "auditor",
    "supervisor",
    "admin",
    "provider",
    "anonymous",
)


@dataclass
class Cast:
    park: Park
    order: Order
    users: dict[str, User]
    clients: dict[str, Api]

    @property
    def order_id(self) -> str:
        return global_id("Order", self.order.id)

    def __getitem__(self, role: str) -> Api:
        return self.clients[role]


async def cast(new_api: Any, *, form: dict[str, Any] | None = None) -> Cast:
    """An order assigned to one of two handlers of a team, and a signed-in client per role."""
    p = await park(handlers=2)
    if form is not None:
        p.version.form = form
        await p.version.save()
    order = await open_order(p)
    assignee = next(h for h in p.handlers if h.id == order.assignee_id)
    other = next(h for h in p.handlers if h.id != order.assignee_id)
    users = {
        "assignee": assignee,
        "other_handler": other,
        "applicant": p.applicant,
        "other_applicant": p.other_applicant,
        "auditor": p.auditor,
        "supervisor": await builders.user(Role.SUPERVISOR, "钱主管"),
        "admin": await builders.user(Role.ADMIN, "孙管理"),
        "provider": await builders.user(Role.PROVIDER, "周服务商"),
    }
    clients = {role: await login(new_api, user) for role, user in users.items()}
    clients["anonymous"] = new_api()
    return Cast(p, order, users, clients)


async def stored(
    user: User | None, mime: str = "application/pdf", size: int = 1000, name: str = "f.pdf"
) -> str:
    row = await StoredFile.create(
        sha256="0" * 64, size=size, mime_type=mime, original_name=name, uploaded_by=user
    )
    return global_id("File", row.id)


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


async def written() -> dict[str, int]:
    """Rows notes, messages and owed materials write: a refusal must leave every count as it was."""
    return {
        "updates": await OrderUpdate.all().count(),
        "messages": await OrderMessage.all().count(),
        "marks": await OrderReadMark.all().count(),
        "attachments": await OrderAttachment.all().count(),
        "events": await Event.filter(aggregate_type="order").count(),
    }


async def post(client: Api, order_id: str, **fields: Any) -> dict[str, Any]:
    data = await client.gql(POST, {"input": {"orderId": order_id, **fields}})
    return data["postOrderUpdate"]


async def send(client: Api, order_id: str, **fields: Any) -> dict[str, Any]:
    data = await client.gql(SEND, {"input": {"orderId": order_id, **fields}})
    return data["sendOrderMessage"]


async def mark_read(client: Api, order_id: str, **fields: Any) -> dict[str, Any]:
    data = await client.gql(READ, {"input": {"orderId": order_id, **fields}})
    return data["markOrderMessagesRead"]


async def view(client: Api, order_id: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = (await client.gql(VIEW, {"id": order_id}))["order"]
    return found
