"""The admin catalog: categories and items, and the item editor with its live form preview.

The editor is one plain form. Its buttons named `action` add, remove and reorder steps,
reminders, form fields and materials by re-rendering the editor with the change applied and
nothing saved; "Save" writes a new version through `createServiceItem`/`updateServiceItem`.
Inputs are named by the path the API gives its userErrors (`form.fields.2.pattern`), so each
error shows at its input. The preview endpoint renders the submitted definition, unsaved.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.i18n import N_
from web.shell import (
    as_int,
    enum_values,
    language_of,
    only_for,
    page,
    redirect,
    run,
    safe_next,
    text,
    translate,
)

FIELD_TYPES = (
    "TEXT",
    "LONG_TEXT",
    "NUMBER",
    "MONEY",
    "DATE",
    "CHOICE",
    "MULTIPLE_CHOICE",
    "CHECKBOX",
    "PHONE",
    "EMAIL",
    "CREDIT_CODE",
)
# The parts of an enterprise's record a field can be filled from (`EnterpriseRecord`).
RECORD_PARTS = ("NAME", "CREDIT_CODE", "LEGAL_REPRESENTATIVE", "ADDRESS")
MIME_TYPES = (
    ("application/pdf", "PDF"),
    ("image/jpeg", "JPEG"),
    ("image/png", "PNG"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "DOCX"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
)
TEXTS = (
    "nameZh",
    "nameEn",
    "summaryZh",
    "summaryEn",
    "descriptionZh",
    "descriptionEn",
    "handlingLocationZh",
    "handlingLocationEn",
)
MB = 1024 * 1024
# The lists the editor edits: the name of their rows in the form, and an empty row.
LISTS = ("step", "reminder", "field", "attachment")


def _fulfilment(value: str) -> str:
    """A fulfilment the schema knows; anything else the first, the park's own."""
    fulfilments = enum_values("Fulfilment")
    return value if value in fulfilments else fulfilments[0]


def _pair(zh: str = "", en: str = "") -> dict[str, str]:
    return {"zh": zh, "en": en}


def _nodes(connection: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in connection["edges"]]


# -- the catalog list -------------------------------------------------------------------------


async def _catalog_page(request: Request, status_code: int = 200, **forms: Any) -> Response:
    after = request.query_params.get("after") or None
    data = (await run(request, "admin_catalog", {"after": after})).data
    values = {
        "categories": _nodes(data["categories"]),
        "page_info": data["categories"]["pageInfo"],
        "teams": _nodes(data["teams"]),
        "create": forms.get("create", {"errors": {}, "input": {}}),
        "category_errors": forms.get("category_errors", {}),
        "item_errors": forms.get("item_errors", {}),
    }
    return await page(
        request,
        "admin_catalog.html",
        values,
        viewer=data["me"],
        status_code=status_code,
        here="/admin/catalog",
    )


async def catalog(request: Request) -> Response:
    return await only_for(request, "catalog") or await _catalog_page(request)


def _category_values(form: FormData) -> dict[str, Any]:
    return {
        "nameZh": text(form, "nameZh"),
        "nameEn": text(form, "nameEn"),
        "descriptionZh": text(form, "descriptionZh"),
        "descriptionEn": text(form, "descriptionEn"),
        "position": text(form, "position"),
        "teamId": text(form, "teamId"),
    }


def _category_input(values: dict[str, Any]) -> dict[str, Any]:
    position = values["position"]
    return {
        **values,
        "position": int(position) if position.isdigit() else None,
        "teamId": values["teamId"] or None,
    }


def _errors(request: Request, user_errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    """userErrors by their whole field path, joined with dots (`form.fields.2.pattern`)."""
    found: dict[str, list[str]] = {}
    for error in user_errors:
        found.setdefault(".".join(error.get("field") or []), []).append(error["message"])
    return found


async def create_category(request: Request) -> Response:
    if (refused := await only_for(request, "catalog")) is not None:
        return refused
    values = _category_values(await request.form())
    variables = {"input": _category_input(values)}
    payload = (await run(request, "create_category", variables)).data["createCategory"]
    if payload["userErrors"]:
        create = {"errors": _errors(request, payload["userErrors"]), "input": values}
        return await _catalog_page(request, 422, create=create)
    return redirect(request, "/admin/catalog", flash=N_("The category was created."))


async def update_category(request: Request) -> Response:
    if (refused := await only_for(request, "catalog")) is not None:
        return refused
    form = await request.form()
    category_id = text(form, "categoryId")
    values = _category_values(form)
    variables = {
        "input": {
            **_category_input(values),
            "categoryId": category_id,
            "expectedVersion": as_int(text(form, "expectedVersion")),
        }
    }
    payload = (await run(request, "update_category", variables)).data["updateCategory"]
    if payload["userErrors"]:
        errors = {category_id: {"errors": _errors(request, payload["userErrors"]), "input": values}}
        return await _catalog_page(request, 422, category_errors=errors)
    return redirect(
        request, f"/admin/catalog#category-{category_id}", flash=N_("The category was saved.")
    )


ITEM_ACTIONS = {
    "publish": ("publish_service_item", "publishServiceItem", N_("The latest version is live.")),
    "retire": ("retire_service_item", "retireServiceItem", N_("The service was retired.")),
}


async def item_action(request: Request) -> Response:
    if (refused := await only_for(request, "catalog")) is not None:
        return refused
    action = request.path_params["action"]
    if action not in ITEM_ACTIONS:
        raise HTTPException(404)
    operation, field, done = ITEM_ACTIONS[action]
    form = await request.form()
    item_id = request.path_params["id"]
    variables = {
        "input": {
            "serviceItemId": item_id,
            "expectedVersion": as_int(text(form, "expectedVersion")),
        }
    }
    payload = (await run(request, operation, variables)).data[field]
    back = safe_next(text(form, "next"), "/admin/catalog")
    if payload["userErrors"]:
        messages = [e["message"] for e in payload["userErrors"]]
        if back.startswith("/admin/catalog/items/"):
            return await _show_editor(request, item_id, status_code=422, notice=messages)
        return await _catalog_page(request, 422, item_errors={item_id: messages})
    return redirect(request, back, flash=done)


# -- the editor's state: what the form holds, as the API's input shape ------------------------


def draft_of_item(item: dict[str, Any]) -> dict[str, Any]:
    """The editor's state for an item as the API returned it (its latest version)."""
    form = item["form"]
    return {
        **{name: item[name] for name in TEXTS},
        "processSteps": [
            {
                "title": _pair(s["titleZh"], s["titleEn"]),
                "description": _pair(s["descriptionZh"], s["descriptionEn"]),
            }
            for s in item["processSteps"]
        ],
        "reminders": [_pair(r["zh"], r["en"]) for r in item["reminderTexts"]],
        "form": {
            "fields": [
                {
                    "key": f["key"],
                    "type": f["type"],
                    "label": _pair(f["labelZh"], f["labelEn"]),
                    "required": f["required"],
                    "optionsText": "\n".join(
                        " | ".join([o["value"], o["labelZh"], o["labelEn"]]).rstrip(" |")
                        for o in f["options"]
                    ),
                    "min": f["min"] or "",
                    "max": f["max"] or "",
                    "pattern": f["pattern"] or "",
                    "mirrors": f["mirrors"] or "",
                    "help": _pair(f["helpZh"], f["helpEn"]),
                }
                for f in form["fields"]
            ],
            "attachments": [
                {
                    "kind": a["kind"],
                    "label": _pair(a["labelZh"], a["labelEn"]),
                    "mimeTypes": list(a["mimeTypes"]),
                    "maxBytes": _megabytes(a["maxBytes"]),
                    "required": a["required"],
                    "asksExpiry": a["asksExpiry"],
                    "deferrable": a["deferrable"],
                }
                for a in form["attachments"]
            ],
        },
        "auditRules": json.dumps(item["auditRules"], ensure_ascii=False),
        "reviewMode": item["reviewMode"],
        "fulfilment": item["fulfilment"],
        "providerId": item["providerId"] or "",
        "providerIds": [p["id"] for p in item.get("providers") or [] if not p["primary"]],
        "appointmentQuota": ""
        if item["appointmentQuota"] is None
        else str(item["appointmentQuota"]),
        "timeLimitDays": str(item["timeLimitDays"]),
        "teamId": _own_team(item),
    }


def _own_team(item: dict[str, Any]) -> str:
    """The item's own team; empty when it only follows its category's."""
    team = (item.get("handlingTeam") or {}).get("id", "")
    category_team = ((item["category"].get("handlingTeam")) or {}).get("id", "")
    return "" if team == category_team else team


def _megabytes(max_bytes: int) -> str:
    value = Decimal(max_bytes) / MB
    return format(value.quantize(Decimal("0.01")).normalize(), "f")


def empty_draft() -> dict[str, Any]:
    return {
        **{name: "" for name in TEXTS},
        "processSteps": [],
        "reminders": [],
        "form": {"fields": [], "attachments": []},
        "auditRules": "[]",
        "reviewMode": "MANUAL",
        "fulfilment": "IN_HOUSE",
        "providerId": "",
        "providerIds": [],
        "appointmentQuota": "",
        "timeLimitDays": "10",
        "teamId": "",
    }


def _indices(form: FormData, pattern: str) -> list[int]:
    found = {int(m.group(1)) for name in form if (m := re.fullmatch(pattern, name))}
    return sorted(found)


def _checked(form: FormData, name: str) -> bool:
    return text(form, name) in ("true", "on")


def draft_of_form(form: FormData) -> dict[str, Any]:
    """The editor's state as submitted, rows in the order the form lists them."""

    def pair(prefix: str) -> dict[str, str]:
        return _pair(text(form, f"{prefix}.zh"), text(form, f"{prefix}.en"))

    fields = []
    for i in _indices(form, r"form\.fields\.(\d+)\.key"):
        at = f"form.fields.{i}"
        options = form.get(f"{at}.options")
        fields.append(
            {
                "key": text(form, f"{at}.key"),
                "type": text(form, f"{at}.type"),
                "label": pair(f"{at}.label"),
                "required": _checked(form, f"{at}.required"),
                "optionsText": options.strip() if isinstance(options, str) else "",
                "min": text(form, f"{at}.min"),
                "max": text(form, f"{at}.max"),
                "pattern": text(form, f"{at}.pattern"),
                "mirrors": text(form, f"{at}.mirrors"),
                "help": pair(f"{at}.help"),
            }
        )
    attachments = []
    for i in _indices(form, r"form\.attachments\.(\d+)\.kind"):
        at = f"form.attachments.{i}"
        known = {mime for mime, _ in MIME_TYPES}
        attachments.append(
            {
                "kind": text(form, f"{at}.kind"),
                "label": pair(f"{at}.label"),
                "mimeTypes": [
                    m for m in form.getlist(f"{at}.mimeTypes") if isinstance(m, str) and m in known
                ],
                "maxBytes": text(form, f"{at}.maxBytes"),
                "required": _checked(form, f"{at}.required"),
                "asksExpiry": _checked(form, f"{at}.asksExpiry"),
                "deferrable": _checked(form, f"{at}.deferrable"),
            }
        )
    return {
        **{name: text(form, name) for name in TEXTS},
        "processSteps": [
            {
                "title": pair(f"processSteps.{i}.title"),
                "description": pair(f"processSteps.{i}.description"),
            }
            for i in _indices(form, r"processSteps\.(\d+)\.title\.zh")
        ],
        "reminders": [pair(f"reminders.{i}") for i in _indices(form, r"reminders\.(\d+)\.zh")],
        "form": {"fields": fields, "attachments": attachments},
        "auditRules": text(form, "auditRules") or "[]",
        "reviewMode": "AUTO" if text(form, "reviewMode") == "AUTO" else "MANUAL",
        "fulfilment": _fulfilment(text(form, "fulfilment")),
        "providerId": text(form, "providerId"),
        "providerIds": [v for v in form.getlist("providerIds") if isinstance(v, str) and v],
        "appointmentQuota": text(form, "appointmentQuota"),
        "timeLimitDays": text(form, "timeLimitDays"),
        "teamId": text(form, "teamId"),
    }


def _rows(draft: dict[str, Any], kind: str) -> list[Any]:
    if kind == "step":
        rows: list[Any] = draft["processSteps"]
    elif kind == "reminder":
        rows = draft["reminders"]
    elif kind == "field":
        rows = draft["form"]["fields"]
    else:
        rows = draft["form"]["attachments"]
    return rows


def _new_row(kind: str, rows: list[Any]) -> Any:
    if kind == "step":
        return {"title": _pair(), "description": _pair()}
    if kind == "reminder":
        return _pair()
    if kind == "field":
        taken = {row["key"] for row in rows}
        key = next(
            f"field{n}" for n in range(len(rows) + 1, len(rows) + 100) if f"field{n}" not in taken
        )
        return {
            "key": key,
            "type": "TEXT",
            "label": _pair(),
            "required": False,
            "optionsText": "",
            "min": "",
            "max": "",
            "pattern": "",
            "mirrors": "",
            "help": _pair(),
        }
    taken = {row["kind"] for row in rows}
    kind_name = next(
        f"material{n}" for n in range(len(rows) + 1, len(rows) + 100) if f"material{n}" not in taken
    )
    return {
        "kind": kind_name,
        "label": _pair(),
        "mimeTypes": ["application/pdf"],
        "maxBytes": "10",
        "required": True,
        "asksExpiry": False,
        "deferrable": False,
    }


def apply_action(draft: dict[str, Any], action: str) -> str | None:
    """Applies `add_field`, `remove_field:2`, `up_step:1`, `down_reminder:0`...; returns the
    id of the input to focus afterwards, or None when the action is unknown."""
    verb, _, rest = action.partition("_")
    kind, _, index_text = rest.partition(":")
    if kind not in LISTS:
        return None
    rows = _rows(draft, kind)
    if verb == "add" and not index_text:
        rows.append(_new_row(kind, rows))
        return f"{kind}-{len(rows) - 1}"
    if not index_text.isdigit() or int(index_text) >= len(rows):
        return None
    i = int(index_text)
    if verb == "remove":
        rows.pop(i)
        return f"add-{kind}"
    if verb == "up" and i > 0:
        rows[i - 1], rows[i] = rows[i], rows[i - 1]
        return f"{kind}-{i - 1}"
    if verb == "down" and i + 1 < len(rows):
        rows[i + 1], rows[i] = rows[i], rows[i + 1]
        return f"{kind}-{i + 1}"
    return f"{kind}-{i}"


def _options(options_text: str) -> list[dict[str, Any]]:
    """Options written one a line as `value | 中文 | English`."""
    options = []
    for line in options_text.splitlines():
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        value = parts[0]
        zh = parts[1] if len(parts) > 1 and parts[1] else value
        en = parts[2] if len(parts) > 2 else ""
        options.append({"value": value, "label": _pair(zh, en)})
    return options


def _bytes(megabytes: str) -> int:
    try:
        value = Decimal(megabytes)
    except InvalidOperation:
        return 0
    return int(value * MB) if value.is_finite() and value > 0 else 0


def definition(draft: dict[str, Any]) -> dict[str, Any]:
    """The form definition as `FormDefinitionInput`."""
    return {
        "fields": [
            {
                "key": f["key"],
                "type": f["type"] if f["type"] in FIELD_TYPES else "TEXT",
                "label": f["label"],
                "required": f["required"],
                "options": _options(f["optionsText"])
                if f["type"] in ("CHOICE", "MULTIPLE_CHOICE")
                else [],
                "min": f["min"] or None,
                "max": f["max"] or None,
                "pattern": f["pattern"] or None,
                "mirrors": f["mirrors"] if f["mirrors"] in RECORD_PARTS else None,
                "help": f["help"],
            }
            for f in draft["form"]["fields"]
        ],
        "attachments": [
            {
                "kind": a["kind"],
                "label": a["label"],
                "mimeTypes": a["mimeTypes"],
                "maxBytes": _bytes(a["maxBytes"]),
                "required": a["required"],
                "asksExpiry": a["asksExpiry"],
                "deferrable": a["deferrable"],
            }
            for a in draft["form"]["attachments"]
        ],
    }


def item_input(draft: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The content as `UpdateServiceItemInput` fields, and the problems only the page sees
    (numbers that are not numbers); the API checks the rest."""
    local: dict[str, list[str]] = {}
    numbers: dict[str, int | None] = {}
    for name in ("appointmentQuota", "timeLimitDays"):
        raw = draft[name]
        if not raw and name == "appointmentQuota":
            numbers[name] = None
        elif re.fullmatch(r"-?\d{1,6}", raw):
            numbers[name] = int(raw)
        else:
            local[name] = [N_("Enter a whole number.")]
            numbers[name] = None
    try:
        rules = json.loads(draft["auditRules"])
    except ValueError:
        rules = None
    content = {
        **{name: draft[name] for name in TEXTS},
        "processSteps": draft["processSteps"],
        "reminders": draft["reminders"],
        "form": definition(draft),
        "auditRules": rules,
        "reviewMode": draft["reviewMode"],
        "fulfilment": draft["fulfilment"],
        "providerId": draft["providerId"] or None,
        # The other providers go with a primary one (the service refuses them without).
        "providerIds": [p for p in draft.get("providerIds", []) if p != draft["providerId"]]
        if draft["providerId"]
        else [],
        "appointmentQuota": numbers["appointmentQuota"],
        "timeLimitDays": numbers["timeLimitDays"] or 0,
        "teamId": draft["teamId"] or None,
    }
    return content, local


def preview_form(draft: dict[str, Any], language: str) -> dict[str, Any]:
    """The definition in the API's output shape, labels in `language`, for `_form_fields.html`."""

    def pick(text_pair: dict[str, str]) -> str:
        return (text_pair["en"] or text_pair["zh"]) if language == "en" else text_pair["zh"]

    form = definition(draft)
    return {
        "fields": [
            {
                **f,
                "label": pick(f["label"]) or f["key"],
                "help": pick(f["help"]),
                "options": [{"value": o["value"], "label": pick(o["label"])} for o in f["options"]],
            }
            for f in form["fields"]
        ],
        "attachments": [{**a, "label": pick(a["label"]) or a["kind"]} for a in form["attachments"]],
    }


def input_names(draft: dict[str, Any]) -> set[str]:
    """Every input of the editor an error can be shown at."""
    names = {*TEXTS, "reviewMode", "fulfilment", "providerId", "providerIds", "appointmentQuota"}
    names |= {"timeLimitDays", "teamId"}
    for i in range(len(draft["processSteps"])):
        names |= {
            f"processSteps.{i}.{part}.{lang}"
            for part in ("title", "description")
            for lang in ("zh", "en")
        }
    for i in range(len(draft["reminders"])):
        names |= {f"reminders.{i}.zh", f"reminders.{i}.en"}
    for i in range(len(draft["form"]["fields"])):
        at = f"form.fields.{i}"
        names |= {
            f"{at}.{part}"
            for part in ("key", "type", "required", "options", "min", "max", "pattern", "mirrors")
        }
        names |= {f"{at}.{part}.{lang}" for part in ("label", "help") for lang in ("zh", "en")}
    for i in range(len(draft["form"]["attachments"])):
        at = f"form.attachments.{i}"
        names |= {
            f"{at}.{part}"
            for part in ("kind", "mimeTypes", "maxBytes", "required", "asksExpiry", "deferrable")
        }
        names |= {f"{at}.label.{lang}" for lang in ("zh", "en")}
    return names


def placed(user_errors: list[dict[str, Any]], names: set[str]) -> dict[str, list[str]]:
    """userErrors keyed by the input they belong to; "" for any the form has no input for.

    An option's or a file type's problem shows at the field's options or file types.
    """
    found: dict[str, list[str]] = {}
    for error in user_errors:
        path = list(error.get("field") or [])
        for container in ("options", "mimeTypes"):
            if container in path:
                path = path[: path.index(container) + 1]
        key = ".".join(path)
        found.setdefault(key if key in names else "", []).append(error["message"])
    return found


# -- the editor pages -------------------------------------------------------------------------


async def _show_editor(
    request: Request,
    item_id: str | None,
    *,
    draft: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
    notice: list[str] | None = None,
    focus: str | None = None,
    category_id: str | None = None,
    expected_version: str | None = None,
) -> Response:
    if item_id is not None:
        data = (await run(request, "admin_item", {"id": item_id})).data
        item = data["serviceItem"]
        if item is None:
            raise HTTPException(404)
        category = item["category"]
        here = f"/admin/catalog/items/{item_id}/edit"
    else:
        data = (await run(request, "admin_item_new", {"categoryId": category_id or ""})).data
        item = None
        category = data["category"]
        if category is None:
            raise HTTPException(404)
        here = f"/admin/catalog/items/new?category={category['id']}"
    if draft is None:
        draft = draft_of_item(item) if item else empty_draft()
    values = {
        "item": item,
        "category": category,
        "draft": draft,
        "errors": errors or {},
        "notice": [translate(request, m) for m in notice or []],
        "focus": focus,
        "expected_version": expected_version or (str(item["version"]) if item else ""),
        "teams": _nodes(data["teams"]),
        "providers": _nodes(data["providers"]),
        "field_types": FIELD_TYPES,
        "record_parts": RECORD_PARTS,
        "mime_types": MIME_TYPES,
        "preview": preview_form(draft, language_of(request)),
        "action_url": f"/admin/catalog/items/{item_id}/edit"
        if item_id
        else "/admin/catalog/items/new",
    }
    return await page(
        request,
        "admin_catalog_item.html",
        values,
        viewer=data["me"],
        status_code=status_code,
        here=here,
    )


async def edit_item(request: Request) -> Response:
    if (refused := await only_for(request, "catalog")) is not None:
        return refused
    item_id = request.path_params["id"]
    if request.method == "GET":
        return await _show_editor(request, item_id)
    return await _submit(request, item_id, None)


async def new_item(request: Request) -> Response:
    if (refused := await only_for(request, "catalog")) is not None:
        return refused
    if request.method == "GET":
        return await _show_editor(
            request, None, category_id=request.query_params.get("category", "")
        )
    form = await request.form()
    return await _submit(request, None, text(form, "categoryId"))


async def _submit(request: Request, item_id: str | None, category_id: str | None) -> Response:
    form = await request.form()
    draft = draft_of_form(form)
    action = text(form, "action") or "save"
    expected = text(form, "expectedVersion")
    common: dict[str, Any] = {
        "draft": draft,
        "category_id": category_id,
        "expected_version": expected,
    }
    if action != "save":
        focus = apply_action(draft, action)
        return await _show_editor(request, item_id, focus=focus, **common)
    content, local = item_input(draft)
    names = input_names(draft)
    if local:
        errors = {key: [translate(request, m) for m in ms] for key, ms in local.items()}
        return await _show_editor(request, item_id, errors=errors, status_code=422, **common)
    if item_id is None:
        variables = {"input": {**content, "categoryId": category_id}}
        payload = (await run(request, "create_service_item", variables)).data["createServiceItem"]
    else:
        variables = {
            "input": {**content, "serviceItemId": item_id, "expectedVersion": as_int(expected)}
        }
        payload = (await run(request, "update_service_item", variables)).data["updateServiceItem"]
    if payload["userErrors"]:
        errors = placed(payload["userErrors"], names)
        return await _show_editor(request, item_id, errors=errors, status_code=422, **common)
    saved = payload["serviceItem"]["id"]
    return redirect(
        request,
        f"/admin/catalog/items/{saved}/edit",
        flash=N_("Saved as a new version. Publish it to make it live."),
    )


async def preview(request: Request) -> Response:
    """The form as an applicant will see it, from the editor's unsaved definition."""
    if (refused := await only_for(request, "catalog")) is not None:
        return refused
    draft = draft_of_form(await request.form())
    return await page(
        request,
        "_admin_catalog_preview.html",
        {"preview": preview_form(draft, language_of(request))},
    )


routes = [
    Route("/admin/catalog", catalog, methods=["GET"]),
    Route("/admin/catalog/categories/new", create_category, methods=["POST"]),
    Route("/admin/catalog/categories/edit", update_category, methods=["POST"]),
    Route("/admin/catalog/items/new", new_item, methods=["GET", "POST"]),
    Route("/admin/catalog/preview", preview, methods=["POST"]),
    Route("/admin/catalog/items/{id:str}/edit", edit_item, methods=["GET", "POST"]),
    Route("/admin/catalog/items/{id:str}/{action:str}", item_action, methods=["POST"]),
]
