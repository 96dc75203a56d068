"""The audit of a submission: one pure function of the form, the rules, the answers and the facts.

Nothing here reads the database; the service loads the facts first (`AttachmentFact`,
`EnterpriseFacts`) and stores the outcome. The format audit checks the answers against the
item's JSON Schema (`forms.check_answers`) and each material against its kind; the
content audit runs the item's declarative rules (`audit_rules`). Every problem is reported at
once, at a path into the submitted input, as a code with params.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from backend.i18n import N_
from backend.services.applications import audit_rules
from backend.services.applications.audit_rules import EnterpriseFacts, RuleContext
from backend.services.catalog import forms
from backend.services.core.errors import Problem, register_messages

__all__ = [
    "AttachmentFact",
    "AuditOutcome",
    "EnterpriseFacts",
    "audit",
    "material_problems",
    "mime_allowed",
]

register_messages(
    {
        "UNKNOWN_ATTACHMENT_KIND": N_("This service asks for no material of this kind."),
        "MATERIAL_REQUIRED": N_("Attach the {label}."),
        "PROMISE_REQUIRED": N_(
            "The {label} may be handed in later, but only if you promise to supply it in time. "
            "Tick the promise or attach it now."
        ),
        "ATTACHMENT_TYPE_NOT_ALLOWED": N_(
            "The {label} must be one of these kinds of file: {allowed}."
        ),
        "ATTACHMENT_TOO_LARGE": N_("The {label} file is too large: at most {max_mb} MB."),
        "ATTACHMENT_EMPTY": N_("The {label} file is empty. Upload it again."),
        "EXPIRY_REQUIRED": N_("Enter the date until which the {label} is valid."),
        "ATTACHMENT_EXPIRED": N_("The {label} is no longer valid (it expired on {expires_on})."),
    }
)

FILE_NAMES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/*": "image",
    "application/zip": "ZIP",
}


@dataclass(frozen=True)
class AttachmentFact:
    """A submitted material with what the stored file is (its sniffed type and its size)."""

    kind: str
    mime_type: str
    size: int
    expires_on: date | None = None


@dataclass(frozen=True)
class AuditOutcome:
    passed: bool
    problems: list[Problem] = field(default_factory=list)
    owed: list[str] = field(default_factory=list)  # deferrable kinds promised for later


def mime_allowed(mime: str, allowed: Sequence[str]) -> bool:
    """`mime` matches one of `allowed` (which may end in `/*`)."""
    return any(mime == a or (a.endswith("/*") and mime.startswith(a[:-1])) for a in allowed)


def _label(kind: Mapping[str, Any]) -> dict[str, str]:
    label = kind.get("label") or {}
    return {
        "zh": label.get("zh") or kind["kind"],
        "en": label.get("en") or label.get("zh") or kind["kind"],
    }


def _attachment_problems(
    kinds: Mapping[str, Mapping[str, Any]], attachments: Sequence[AttachmentFact], today: date
) -> list[Problem]:
    problems = []
    for i, fact in enumerate(attachments):
        at = ("attachments", str(i))
        kind = kinds.get(fact.kind)
        if kind is None:
            problems.append(Problem("UNKNOWN_ATTACHMENT_KIND", (*at, "kind")))
            continue
        label: object = _label(kind)
        if fact.size == 0:
            problems.append(Problem("ATTACHMENT_EMPTY", (*at, "fileId"), {"label": label}))
        elif fact.size > kind["maxBytes"]:
            max_mb = round(kind["maxBytes"] / (1024 * 1024), 1)
            problems.append(
                Problem("ATTACHMENT_TOO_LARGE", (*at, "fileId"), {"label": label, "max_mb": max_mb})
            )
        if not mime_allowed(fact.mime_type, kind["mimeTypes"]):
            allowed = ", ".join(FILE_NAMES.get(m, m) for m in kind["mimeTypes"])
            problems.append(
                Problem(
                    "ATTACHMENT_TYPE_NOT_ALLOWED",
                    (*at, "fileId"),
                    {"label": label, "allowed": allowed},
                )
            )
        if kind.get("asksExpiry"):
            if fact.expires_on is None:
                problems.append(Problem("EXPIRY_REQUIRED", (*at, "expiresOn"), {"label": label}))
            elif fact.expires_on <= today:
                params: dict[str, object] = {
                    "label": label,
                    "expires_on": fact.expires_on.isoformat(),
                }
                problems.append(Problem("ATTACHMENT_EXPIRED", (*at, "expiresOn"), params))
    return problems


def material_problems(form: Mapping[str, Any], fact: AttachmentFact, today: date) -> list[Problem]:
    """One material handed in later (an owed one) checked as a submit checks its kind: paths
    start at the material (`fileId`, `expiresOn`)."""
    kinds = {k["kind"]: k for k in form.get("attachments") or []}
    return [
        Problem(p.code, p.field[2:], p.params) for p in _attachment_problems(kinds, [fact], today)
    ]


def audit(
    form: Mapping[str, Any],
    rules: Sequence[Mapping[str, Any]],
    form_data: Any,
    attachments: Sequence[AttachmentFact],
    enterprise: EnterpriseFacts,
    *,
    promise_deferred: bool,
    today: date,
) -> AuditOutcome:
    """The format audit, then the content audit; passes when neither finds a problem."""
    answers = forms.check_answers(form, form_data, complete=True, record=enterprise.record)
    problems = list(answers.problems)
    kinds = {k["kind"]: k for k in form.get("attachments") or []}
    problems += _attachment_problems(kinds, attachments, today)
    given = {a.kind for a in attachments}
    owed: list[str] = []
    for kind in kinds.values():
        if not kind.get("required") or kind["kind"] in given:
            continue
        at = ("attachments", kind["kind"])
        label: dict[str, object] = {"label": _label(kind)}
        if not kind.get("deferrable"):
            problems.append(Problem("MATERIAL_REQUIRED", at, label))
        elif not promise_deferred:
            problems.append(Problem("PROMISE_REQUIRED", at, label))
        else:
            owed.append(kind["kind"])
    fields = {f["key"]: f for f in form.get("fields") or []}
    context = RuleContext(fields=fields, data=answers.data, enterprise=enterprise, today=today)
    problems += audit_rules.evaluate(list(rules), context)
    return AuditOutcome(passed=not problems, problems=problems, owed=[] if problems else owed)
