"""The one state machine: every aggregate refuses an action from a state it may not start from,
a stale version is STALE with the stored version (even when the state moved too), only the
allowed may act, and the event reaches the after-commit hooks only once committed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from tortoise.models import Model

from backend.models.accounts import Role
from backend.models.applications import Application, ApplicationStatus
from backend.models.catalog import ItemStatus, ServiceItem
from backend.models.enterprises import Enterprise, EnterpriseStatus
from backend.models.events import Event
from backend.models.orders import OrderStatus
from backend.services.applications.states import APPLICATION
from backend.services.catalog.states import ITEM
from backend.services.core import transactions
from backend.services.core.actors import Actor
from backend.services.core.errors import ForbiddenTransition, PermissionDenied, Stale
from backend.services.core.states import Machine
from backend.services.core.transactions import in_transaction
from backend.services.enterprises.states import ENTERPRISE
from backend.services.orders import orders
from backend.services.orders.states import ORDER
from tests import builders

TZ = "Asia/Shanghai"
pytestmark = pytest.mark.postgres


def _staff(user_id: int, role: Role) -> Actor:
    return Actor(user_id=user_id, name=role.value, roles=frozenset({role}))


@dataclass
class Case:
    """An aggregate at a state `action` may start from, and one it may not."""

    machine: Machine[Any, Any]
    obj: Model
    actor: Actor
    action: str
    to: Any
    forbidden_state: Any


async def _order() -> Case:
    team, _ = await builders.team_with_handlers(2)
    item, version = await builders.published_item(team)
    app = await builders.approved_application(
        item, version, await builders.verified_enterprise(), await builders.user(Role.APPLICANT)
    )
    async with in_transaction() as conn:
        order = await orders.open_order(conn, Actor(), app, approved_by_id=None, timezone=TZ)
    supervisor = await builders.user(Role.SUPERVISOR)
    return Case(
        ORDER, order, _staff(supervisor.id, Role.SUPERVISOR), "REASSIGN", OrderStatus.ASSIGNED,
        OrderStatus.COMPLETED,
    )  # fmt: skip


async def _application() -> Case:
    item, version = await builders.published_item(None)
    app = await builders.approved_application(
        item, version, await builders.verified_enterprise(), await builders.user(Role.APPLICANT)
    )
    await Application.filter(id=app.id).update(status=ApplicationStatus.UNDER_REVIEW)
    auditor = await builders.user(Role.AUDITOR)
    return Case(
        APPLICATION, await Application.get(id=app.id), _staff(auditor.id, Role.AUDITOR),
        "APPROVE", ApplicationStatus.APPROVED, ApplicationStatus.WITHDRAWN,
    )  # fmt: skip


async def _enterprise() -> Case:
    enterprise = await builders.verified_enterprise()
    await Enterprise.filter(id=enterprise.id).update(status=EnterpriseStatus.PENDING)
    admin = await builders.user(Role.ADMIN)
    return Case(
        ENTERPRISE, await Enterprise.get(id=enterprise.id), _staff(admin.id, Role.ADMIN),
        "VERIFY", EnterpriseStatus.VERIFIED, EnterpriseStatus.REJECTED,
    )  # fmt: skip


async def _item() -> Case:
    item, _ = await builders.published_item(None)
    admin = await builders.user(Role.ADMIN)
    return Case(
        ITEM, await ServiceItem.get(id=item.id), _staff(admin.id, Role.ADMIN), "RETIRE",
        ItemStatus.RETIRED, ItemStatus.RETIRED,
    )  # fmt: skip


CASES: dict[str, Callable[[], Awaitable[Case]]] = {
    "order": _order,
    "application": _application,
    "enterprise": _enterprise,
    "service_item": _item,
}


async def _apply(case: Case, obj: Model, expected: int, actor: Actor | None = None) -> Event:
    async with in_transaction() as conn:
        return await case.machine.apply(
            conn, actor or case.actor, obj, case.action, expected_version=expected, to=case.to
        )


async def _someone_else_moves_it(case: Case) -> int:
    """Another request changes the state: the stored version goes up by one."""
    model = type(case.obj)
    stored = await model.get(id=case.obj.pk)
    await model.filter(id=case.obj.pk).update(
        status=case.forbidden_state, version=stored.version + 1
    )
    return int(stored.version) + 1


async def _events_of(case: Case) -> int:
    return await Event.filter(
        aggregate_type=case.machine.aggregate, aggregate_id=case.obj.pk
    ).count()


@pytest.fixture(params=sorted(CASES))
async def case(request: pytest.FixtureRequest, db: str) -> Case:
    return await CASES[request.param]()


async def test_an_allowed_action_bumps_the_version_and_records_its_event(case: Case) -> None:
    version = case.obj.version  # type: ignore[attr-defined]
    before = await _events_of(case)
    event = await _apply(case, case.obj, version)
    stored = await type(case.obj).get(id=case.obj.pk)
    assert (stored.version, stored.status) == (version + 1, case.to)  # type: ignore[attr-defined]
    assert event.kind == case.machine[case.action].event.value
    assert event.sequence == before + 1
    assert await _events_of(case) == before + 1


async def test_an_action_from_a_state_it_may_not_start_from_is_forbidden(case: Case) -> None:
    current = await _someone_else_moves_it(case)
    moved = await type(case.obj).get(id=case.obj.pk)
    before = await _events_of(case)
    with pytest.raises(ForbiddenTransition) as refused:
        await _apply(case, moved, current)
    assert refused.value.problems[0].params == {"status": case.forbidden_state.value}
    assert (await type(case.obj).get(id=case.obj.pk)).version == current  # type: ignore[attr-defined]
    assert await _events_of(case) == before


async def test_a_stale_version_is_stale_with_the_stored_one_though_the_state_moved_too(
    case: Case,
) -> None:
    seen = case.obj.version  # type: ignore[attr-defined]
    current = await _someone_else_moves_it(case)
    # The request still holds the object as it saw it: it loses the versioned UPDATE.
    with pytest.raises(Stale) as lost_race:
        await _apply(case, case.obj, seen)
    assert lost_race.value.problems[0].params == {"expected": seen, "actual": current}
    # The request loaded it afresh but sent the version it saw: refused before the table.
    moved = await type(case.obj).get(id=case.obj.pk)
    with pytest.raises(Stale) as stale:
        await _apply(case, moved, seen)
    assert stale.value.problems[0].params == {"expected": seen, "actual": current}


async def test_someone_the_policy_does_not_allow_is_refused(case: Case) -> None:
    applicant = await builders.user(Role.APPLICANT)
    with pytest.raises(PermissionDenied):
        await _apply(case, case.obj, case.obj.version, _staff(applicant.id, Role.APPLICANT))  # type: ignore[attr-defined]


# -- after commit ---------------------------------------------------------------------------------


@pytest.fixture
async def heard() -> AsyncIterator[list[Event]]:
    received: list[Event] = []

    async def listen(event: Event) -> None:
        received.append(event)

    transactions.after_commit(listen)
    yield received
    transactions.AFTER_COMMIT.remove(listen)


async def test_the_event_reaches_the_hooks_only_after_the_commit(
    heard: list[Event], db: str
) -> None:
    case = await _enterprise()
    async with in_transaction() as conn:
        event = await ENTERPRISE.apply(
            conn,
            case.actor,
            case.obj,
            "VERIFY",
            expected_version=case.obj.version,  # type: ignore[attr-defined]
        )
        assert heard == []  # not yet committed
    assert [e.id for e in heard] == [event.id]
    assert heard[0].kind == "ENTERPRISE_VERIFIED"


async def test_a_rolled_back_change_reaches_no_hook(heard: list[Event], db: str) -> None:
    case = await _enterprise()

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon):
        async with in_transaction() as conn:
            await ENTERPRISE.apply(
                conn,
                case.actor,
                case.obj,
                "VERIFY",
                expected_version=case.obj.version,  # type: ignore[attr-defined]
            )
            raise Abandon
    assert heard == []
    assert (await Enterprise.get(id=case.obj.pk)).status is EnterpriseStatus.PENDING


async def test_a_nested_block_rolled_back_hands_on_only_what_the_outer_one_kept(
    heard: list[Event], db: str
) -> None:
    first, second = await _enterprise(), await _enterprise()

    class Abandon(Exception):
        pass

    async with in_transaction() as conn:
        kept = await ENTERPRISE.apply(
            conn,
            first.actor,
            first.obj,
            "VERIFY",
            expected_version=first.obj.version,  # type: ignore[attr-defined]
        )
        with pytest.raises(Abandon):
            async with in_transaction() as inner:
                await ENTERPRISE.apply(
                    inner, second.actor, second.obj, "VERIFY",
                    expected_version=second.obj.version,  # type: ignore[attr-defined]
                )  # fmt: skip
                raise Abandon
    assert [e.id for e in heard] == [kept.id]
    assert (await Enterprise.get(id=second.obj.pk)).status is EnterpriseStatus.PENDING


async def test_a_failing_hook_does_not_undo_the_committed_change(
    heard: list[Event], db: str
) -> None:
    async def broken(event: Event) -> None:
        raise RuntimeError("listener down")

    transactions.after_commit(broken)
    try:
        case = await _enterprise()
        await _apply(case, case.obj, case.obj.version)  # type: ignore[attr-defined]
    finally:
        transactions.AFTER_COMMIT.remove(broken)
    assert (await Enterprise.get(id=case.obj.pk)).status is EnterpriseStatus.VERIFIED
    assert len(heard) == 1  # the hook before the broken one still heard it
