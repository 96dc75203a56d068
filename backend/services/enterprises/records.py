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


def record_of(enterprise: Enterprise) -> dict[EnterpriseRecord, str]:
    """The enterprise's record, part by part, as the park verified it."""
    return {
        EnterpriseRecord.NAME: enterprise.name,
        EnterpriseRecord.CREDIT_CODE: enterprise.credit_code,
        EnterpriseRecord.LEGAL_REPRESENTATIVE: enterprise.legal_representative,
        EnterpriseRecord.ADDRESS: enterprise.address,
    }
