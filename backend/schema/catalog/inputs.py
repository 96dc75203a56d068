"""Inputs of the catalog's mutations, and their translation into the services' shapes."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON

from backend.models.catalog import Fulfilment, ReviewMode
from backend.schema.catalog import enums  # noqa: F401  (the enums, before their uses)
from backend.schema.idempotency import idempotency_key
from backend.schema.relay import decode_id_of, optional_input_pk
from backend.services.catalog import forms
from backend.services.catalog.catalog import CategoryFields, ItemContent
from backend.services.core.errors import Invalid
from backend.services.enterprises.records import EnterpriseRecord


@strawberry.input(description="A text in Chinese and, optionally, English.")
class LocalizedTextInput:
    zh: str = ""
    en: str = ""


def _text(value: LocalizedTextInput | None) -> dict[str, str]:
    return {"zh": value.zh, "en": value.en} if value else {"zh": "", "en": ""}


@strawberry.input
class CategoryInputFields:
    name_zh: str
    name_en: str = ""
    description_zh: str = ""
    description_en: str = ""
    position: int | None = None
    team_id: strawberry.ID | None = None

    def fields(self) -> CategoryFields:
        return CategoryFields(
            name_zh=self.name_zh,
            name_en=self.name_en,
            description_zh=self.description_zh,
            description_en=self.description_en,
            position=self.position,
            team_id=optional_input_pk(self.team_id, "Team", "teamId"),
        )


@strawberry.input
class CreateCategoryInput(CategoryInputFields):
    idempotency_key: str | None = idempotency_key()


@strawberry.input
class UpdateCategoryInput(CategoryInputFields):
    category_id: strawberry.ID
    expected_version: int


@strawberry.input
class ProcessStepInput:
    title: LocalizedTextInput
    description: LocalizedTextInput | None = None


@strawberry.input
class FormOptionInput:
    value: str
    label: LocalizedTextInput


@strawberry.input
class FormFieldInput:
    key: str
    type: forms.FieldType
    label: LocalizedTextInput
    required: bool = False
    options: list[FormOptionInput] = strawberry.field(default_factory=list)
    min: str | None = None
    max: str | None = None
    pattern: str | None = None
    help: LocalizedTextInput | None = None
    mirrors: EnterpriseRecord | None = strawberry.field(
        default=None,
        description="Fill this field from the chosen enterprise's record (a field of a type "
        "that can hold it).",
    )


@strawberry.input
class AttachmentKindInput:
    kind: str
    label: LocalizedTextInput
    mime_types: list[str]
    max_bytes: int
    required: bool = False
    asks_expiry: bool = False
    deferrable: bool = False


@strawberry.input
class FormDefinitionInput:
    fields: list[FormFieldInput] = strawberry.field(default_factory=list)
    attachments: list[AttachmentKindInput] = strawberry.field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "fields": [
                {
                    "key": f.key,
                    "type": f.type.value,
                    "label": _text(f.label),
                    "required": f.required,
                    "options": [{"value": o.value, "label": _text(o.label)} for o in f.options],
                    "min": f.min,
                    "max": f.max,
                    "pattern": f.pattern,
                    "help": _text(f.help),
                    "mirrors": f.mirrors.value if f.mirrors else None,
                }
                for f in self.fields
            ],
            "attachments": [
                {
                    "kind": a.kind,
                    "label": _text(a.label),
                    "mimeTypes": a.mime_types,
                    "maxBytes": a.max_bytes,
                    "required": a.required,
                    "asksExpiry": a.asks_expiry,
                    "deferrable": a.deferrable,
                }
                for a in self.attachments
            ],
        }


@strawberry.input(description="Everything one version of an item says; an edit sends all of it.")
class ServiceItemContentFields:
    name_zh: str
    name_en: str = ""
    summary_zh: str = ""
    summary_en: str = ""
    description_zh: str = ""
    description_en: str = ""
    handling_location_zh: str = ""
    handling_location_en: str = ""
    process_steps: list[ProcessStepInput] = strawberry.field(default_factory=list)
    reminders: list[LocalizedTextInput] = strawberry.field(default_factory=list)
    form: FormDefinitionInput | None = None
    audit_rules: JSON | None = None
    review_mode: ReviewMode = ReviewMode.MANUAL
    fulfilment: Fulfilment = Fulfilment.IN_HOUSE
    provider_id: strawberry.ID | None = None
    provider_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="PROVIDER fulfilment: the item's other providers, after the primary "
        "(`providerId`); the enterprise may choose among them.",
    )
    appointment_quota: int | None = None
    time_limit_days: int = 10
    team_id: strawberry.ID | None = None
    position: int | None = None

    def content(self) -> ItemContent:
        return ItemContent(
            name_zh=self.name_zh,
            name_en=self.name_en,
            summary_zh=self.summary_zh,
            summary_en=self.summary_en,
            description_zh=self.description_zh,
            description_en=self.description_en,
            location_zh=self.handling_location_zh,
            location_en=self.handling_location_en,
            process_steps=[
                {"title": _text(s.title), "description": _text(s.description)}
                for s in self.process_steps
            ],
            reminders=[_text(r) for r in self.reminders],
            form=self.form.as_dict() if self.form else {},
            audit_rules=[] if self.audit_rules is None else self.audit_rules,
            review_mode=self.review_mode,
            fulfilment=self.fulfilment,
            provider_id=optional_input_pk(self.provider_id, "Provider", "providerId"),
            provider_ids=_provider_pks(self.provider_ids),
            appointment_quota=self.appointment_quota,
            time_limit_days=self.time_limit_days,
            team_id=optional_input_pk(self.team_id, "Team", "teamId"),
            position=self.position,
        )


def _provider_pks(ids: list[strawberry.ID]) -> list[int]:
    pks = []
    for i, value in enumerate(ids):
        pk = decode_id_of(value, "Provider")
        if pk is None:
            raise Invalid.at(("providerIds", str(i)), "NOT_FOUND")
        pks.append(pk)
    return pks


@strawberry.input
class CreateServiceItemInput(ServiceItemContentFields):
    category_id: strawberry.ID
    idempotency_key: str | None = idempotency_key()


@strawberry.input
class UpdateServiceItemInput(ServiceItemContentFields):
    service_item_id: strawberry.ID
    expected_version: int


@strawberry.input
class ServiceItemChangeInput:
    service_item_id: strawberry.ID
    expected_version: int


@strawberry.input
class PinServiceItemInput:
    service_item_id: strawberry.ID
    position: int | None = strawberry.field(
        default=None, description="Place on the board, from 0; last when not given."
    )


@strawberry.input
class UnpinServiceItemInput:
    service_item_id: strawberry.ID
