"""What the park holds on an enterprise that an application form never asks for again."""

from __future__ import annotations

from enum import StrEnum

from backend.models.enterprises import Enterprise


class EnterpriseRecord(StrEnum):
    """A part of an enterprise's record that a form field can mirror."""

    NAME = "NAME"
    CREDIT_CODE = "CREDIT_CODE"
    LEGAL_REPRESENTATIVE = "LEGAL_REPRESENTATIVE"
    ADDRESS = "ADDRESS"


# The enterprise's column each part is kept in (a list loads just these).
RECORD_COLUMNS: dict[EnterpriseRecord, str] = {
    EnterpriseRecord.NAME: "name",
    EnterpriseRecord.CREDIT_CODE: "credit_code",
    EnterpriseRecord.LEGAL_REPRESENTATIVE: "legal_representative",
    EnterpriseRecord.ADDRESS: "address",
}


def record_of(enterprise: Enterprise) -> dict[EnterpriseRecord, str]:
    """The enterprise's record, part by part, as the park verified it."""
    return {part: getattr(enterprise, column) for part, column in RECORD_COLUMNS.items()}
