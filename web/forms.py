"""What pages share about an item's form."""

from __future__ import annotations

from typing import Any


def record_values(
    fields: list[dict[str, Any]], enterprise: dict[str, Any] | None
) -> dict[str, str]:
    """The answers of `fields` that mirror the enterprise's record, as the park holds them.

    Never asked again: pages show them read-only, and the service stores the record for them
    whatever is sent.
    """
    record = {entry["part"]: entry["value"] for entry in (enterprise or {}).get("record") or []}
    return {
        f["key"]: record[f["mirrors"]]
        for f in fields
        if f.get("mirrors") and record.get(f["mirrors"])
    }
