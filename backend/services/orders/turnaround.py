"""How long a provider takes: the working days its completed orders took (`Order.processing_days`,
written by the completing transaction, pauses for the applicant left out), as the median and
the count, for the provider directory.

One statement for any number of providers: window functions number each provider's orders by
their days (SQLite 3.25+ and PostgreSQL both have them), and the one or two middle rows of each
are averaged. An order counts for the provider that completed it (re-routing and handing back
move `provider_id` on before completion, so an order counts once, for whoever finished it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tortoise import connections

from backend.models.orders import OrderStatus


@dataclass(frozen=True)
class Turnaround:
    completed: int  # completed orders with their working days known
    median_days: float | None  # None with none completed


def _sql(provider_ids: Sequence[int]) -> str:
    # Integers only (the caller's keys are ints) and an enum's value: no input reaches the text.
    keys = ", ".join(str(int(k)) for k in provider_ids)
    return (
        "SELECT provider_id, AVG(processing_days * 1.0) AS median, MAX(n) AS completed FROM ("  # noqa: S608
        "SELECT provider_id, processing_days, "
        "ROW_NUMBER() OVER (PARTITION BY provider_id ORDER BY processing_days) AS rn, "
        "COUNT(*) OVER (PARTITION BY provider_id) AS n FROM orders "
        f"WHERE status = '{OrderStatus.COMPLETED.value}' AND processing_days IS NOT NULL "
        f"AND provider_id IN ({keys})"
        ") ranked WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY provider_id"
    )


async def of_providers(provider_ids: Sequence[int]) -> dict[int, Turnaround]:
    """Each provider's turnaround (none completed: count 0, no median), in one statement."""
    found = {int(pk): Turnaround(0, None) for pk in provider_ids}
    if not found:
        return found
    rows = await connections.get("default").execute_query_dict(_sql(sorted(found)))
    for row in rows:
        found[int(row["provider_id"])] = Turnaround(
            completed=int(row["completed"]), median_days=float(row["median"])
        )
    return found
