"""Shared steps for the application tests: a world of people, an enterprise, items and files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.models.accounts import Role, User
from backend.models.applications import (
    Application,
    ApplicationAttachment,
    ApplicationRevision,
    AuditResult,
    IdempotencyKey,
    OwedMaterial,
    Review,
)
from backend.models.catalog import ItemStatus, ReviewMode, ServiceItem, ServiceItemVersion
from backend.models.enterprises import Enterprise, Membership, MembershipRole
from backend.models.events import Event
from backend.models.files import StoredFile
from backend.models.orders import Order
from tests import builders
from tests.conftest import PASSWORD, Api
from tests.schema.helpers import global_id

ERRORS = "userErrors { field code message }"
APP_FIELDS = """id number status version formData promisedDeferred itemVersionNumber
    serviceItemId serviceItemName submittedAt createdAt
    serviceItem { id name } enterprise { id name } applicant { id name } filedBy { id name }
    attachments { kind expiresOn file { id downloadUrl } }
    auditResult { passed revisionNumber problems { field code message } }
    reviews { decision comment reviewer { id name } revisionNumber problems { field message } }
    revisions { number formData itemVersionNumber attachments { kind file { id } } }
    owedMaterials { kind dueOn suppliedAt }
    order { id number status }
    changesSinceReturn { field before after }"""
ORDER = "order { id number status }"
SAVE = f"""mutation($input: ApplicationInput!) {{ saveApplicationDraft(input: $input) {{
    application {{ {APP_FIELDS} }} {ERRORS} }} }}"""
SUBMIT = f"""mutation($input: ApplicationInput!) {{ submitApplication(input: $input) {{
    application {{ {APP_FIELDS} }} {ORDER} {ERRORS} }} }}"""
WITHDRAW = f"""mutation($input: WithdrawApplicationInput!) {{ withdrawApplication(input: $input) {{
    application {{ id status version }} {ERRORS} }} }}"""
AUDIT = f"""mutation($input: AuditApplicationInput!) {{ auditApplication(input: $input) {{
    application {{ {APP_FIELDS} }} {ORDER} {ERRORS} }} }}"""
SUPPLEMENT = f"""mutation($input: SupplementApplicationInput!) {{
    supplementApplication(input: $input) {{ application {{ {APP_FIELDS} }} {ERRORS} }} }}"""
CHECK = f"""query($input: ApplicationInput!) {{ checkApplication(input: $input) {{
    passed owed problems {{ field code message }} {ERRORS} }} }}"""

MB = 1024 * 1024
FORM: dict[str, Any] = {
    "fields": [
        {"key": "amount", "type": "MONEY", "label": {"zh": "申请金额", "en": "Amount"},
         "required": True, "min": "1000", "max": "5000000", "options": [], "pattern": None,
         "help": {"zh": "", "en": ""}},
        {"key": "purpose", "type": "TEXT", "label": {"zh": "用途", "en": "Purpose"},
         "required": False, "min": None, "max": None, "options": [], "pattern": None,
         "help": {"zh": "", "en": ""}},
    ],
    "attachments": [
        {"kind": "licence", "label": {"zh": "营业执照", "en": "business licence"},
         "mimeTypes": ["application/pdf"], "maxBytes": MB, "required": True,
         "asksExpiry": False, "deferrable": False},
        {"kind": "report", "label": {"zh": "财务报表", "en": "financial report"},
         "mimeTypes": ["application/pdf", "image/*"], "maxBytes": MB, "required": True,
         "asksExpiry": False, "deferrable": True},
    ],
}  # fmt: skip
COUNTED = (
    Application,
    ApplicationAttachment,
    ApplicationRevision,
    AuditResult,
    Review,
    OwedMaterial,
    IdempotencyKey,
    Order,
)


@dataclass
class World:
    owner: User
    applicant: Api
    enterprise: Enterprise
    auditor_user: User
    auditor: Api
    item: ServiceItem
    version: ServiceItemVersion
    handlers: list[User]


async def login(new_api: Any, user: User) -> Api:
    client: Api = new_api()
    result = await client.login(user.email or user.phone or "", PASSWORD)
    assert result["userErrors"] == [], result
    return client


async def item(
    team: Any,
    review_mode: ReviewMode = ReviewMode.MANUAL,
    rules: list[dict[str, Any]] | None = None,
    form: dict[str, Any] | None = None,
) -> tuple[ServiceItem, ServiceItemVersion]:
    found, version = await builders.published_item(
        team, review_mode=review_mode, form=form or FORM, time_limit_days=5
    )
    if rules:
        version.audit_rules = rules
        await version.save()
    return found, version


async def world(
    new_api: Any,
    review_mode: ReviewMode = ReviewMode.MANUAL,
    rules: list[dict[str, Any]] | None = None,
) -> World:
    team, handlers = await builders.team_with_handlers(2)
    found, version = await item(team, review_mode, rules)
    owner = await builders.user(Role.APPLICANT, "申请人")
    enterprise = await builders.verified_enterprise()
    await Membership.create(user=owner, enterprise=enterprise, role=MembershipRole.OWNER)
    auditor = await builders.user(Role.AUDITOR, "审核员")
    return World(
        owner, await login(new_api, owner), enterprise, auditor, await login(new_api, auditor),
        found, version, handlers,
    )  # fmt: skip


async def stored(user: User, mime: str = "application/pdf", size: int = 1000) -> str:
    row = await StoredFile.create(
        sha256="0" * 64, size=size, mime_type=mime, original_name="f", uploaded_by=user
    )
    return global_id("File", row.id)


async def materials(user: User) -> list[dict[str, Any]]:
    return [
        {"kind": "licence", "fileId": await stored(user)},
        {"kind": "report", "fileId": await stored(user, "image/png")},
    ]


def submission(w: World, **overrides: Any) -> dict[str, Any]:
    return {
        "serviceItemId": global_id("ServiceItem", w.item.id),
        "enterpriseId": global_id("Enterprise", w.enterprise.id),
        "formData": {"amount": "20000"},
        "attachments": [],
        **overrides,
    }


async def submit(api: Api, input: dict[str, Any]) -> dict[str, Any]:
    return (await api.gql(SUBMIT, {"input": input}))["submitApplication"]


async def submitted(api: Api, input: dict[str, Any]) -> dict[str, Any]:
    payload = await submit(api, input)
    assert payload["userErrors"] == [], payload
    return payload


async def decide(api: Api, app: dict[str, Any], decision: str, **extra: Any) -> dict[str, Any]:
    input = {
        "applicationId": app["id"],
        "expectedVersion": app["version"],
        "decision": decision,
        **extra,
    }
    return (await api.gql(AUDIT, {"input": input}))["auditApplication"]


async def counts() -> dict[str, int]:
    return {model.__name__: await model.all().count() for model in COUNTED}


async def events_of(kind: str) -> list[Event]:
    return await Event.filter(kind=kind).order_by("id")


async def retire(found: ServiceItem) -> None:
    found.status = ItemStatus.RETIRED
    await found.save()
