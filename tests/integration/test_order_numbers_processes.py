"""Order numbers across several server processes: distinct and contiguous (PostgreSQL only).

SQLite runs as one server process (`servicehall serve --workers N` refuses N > 1 on SQLite), so
this is a PostgreSQL behaviour: the counter row's lock orders the processes' transactions.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter

import pytest

from backend.models.accounts import Role
from backend.models.orders import Order
from backend.settings import ROOT
from tests import builders

PROCESSES = 4
EACH = 25

# Several server processes share one database only on PostgreSQL (SQLite runs as one
# process), so this runs in the PostgreSQL pass and is deselected, not skipped, on SQLite.
pytestmark = [pytest.mark.postgres, pytest.mark.postgres_only]


async def test_four_processes_take_distinct_contiguous_numbers_and_share_the_work(
    db: str,
) -> None:
    team, handlers = await builders.team_with_handlers(5)
    item, version = await builders.published_item(team)
    enterprise = await builders.verified_enterprise()
    applicant = await builders.user(Role.APPLICANT)
    ids = [
        (await builders.approved_application(item, version, enterprise, applicant)).id
        for _ in range(PROCESSES * EACH)
    ]
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.integration.open_orders_worker",
            db,
            *(str(i) for i in ids[n::PROCESSES]),
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for n in range(PROCESSES)
    ]
    outputs = [await asyncio.wait_for(w.communicate(), timeout=60) for w in workers]
    for worker, (_, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err.decode()
    printed = [line for out, _ in outputs for line in out.decode().split()]
    stored = await Order.all().values_list("number", flat=True)
    assert sorted(printed) == sorted(stored)
    assert len(set(stored)) == PROCESSES * EACH
    prefixes = {n.rsplit("-", 1)[0] for n in stored}
    assert len(prefixes) == 1
    assert sorted(int(n.rsplit("-", 1)[1]) for n in stored) == list(range(1, PROCESSES * EACH + 1))
    # The team row lock spans processes too: the loads stay as even as they can be.
    loads = Counter(await Order.all().values_list("assignee_id", flat=True))
    assert set(loads) == {h.id for h in handlers}
    assert max(loads.values()) - min(loads.values()) <= 1, loads
