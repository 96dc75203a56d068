"""The parts of an enterprise's record a form field can mirror, in the schema."""

from __future__ import annotations

import strawberry

from backend.services.enterprises.records import EnterpriseRecord

strawberry.enum(
    EnterpriseRecord,
    name="EnterpriseRecord",
    description="A part of an enterprise's record that a form field can mirror.",
)


@strawberry.type(description="One part of what the park holds on an enterprise.")
class EnterpriseRecordEntry:
    part: EnterpriseRecord
    value: str


def entries_of(record: dict[EnterpriseRecord, str]) -> list[EnterpriseRecordEntry]:
    return [EnterpriseRecordEntry(part=part, value=value) for part, value in record.items()]
