"""The one state machine every aggregate that changes state goes through.

An aggregate declares its `Machine`: a table of `Action`s as data (the states an action may
start from, the states it may end in, who may take it, the event it records). `Machine.apply`
is the only way a state changes:

1. a stale `expected_version` is STALE, reporting the stored version (before anything else, so
   a request that lost a race hears "someone changed this", not "not in this status");
2. the table (the state, and any condition on the object) is FORBIDDEN_TRANSITION, the policy
   FORBIDDEN;
3. one `UPDATE ... WHERE id = ? AND version = ?` bumps the version with the new state and
   changes; no row updated means someone else got there first: STALE with the stored version;
4. the event row is written in the same transaction, and handed to the after-commit hooks
   once it commits (`core.transactions`).

`bump_version` is the same optimistic step for rows that change data but have no states
(teams, providers, categories, an enterprise's members).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.models import Model

from backend.models.events import Event
from backend.services.core import events
from backend.services.core.actors import Actor
from backend.services.core.errors import (
    ForbiddenTransition,
    NotFound,
    PermissionDenied,
    ServiceError,
    Stale,
)
from backend.services.core.reach import Reach, reach_of


class Stored(Protocol):
    """What the machine itself reads of an aggregate, besides its status: its key."""

    @property
    def pk(self) -> Any: ...


# What policies and conditions read: the model, or a protocol of the facts they need, so a
# list can ask them about rows it loaded as plain columns.
M = TypeVar("M", bound=Stored)
S = TypeVar("S", bound=StrEnum)

# Who may take an action: the actor, the object (its state included) and what was loaded
# about the actor once per request. Pure: lists call it for every row.
Policy = Callable[[Actor, M, Reach], bool]


def nobody(actor: Actor, obj: Any, reach: Reach) -> bool:
    """Only the service takes this step itself, as the consequence of another."""
    return False


@dataclass(frozen=True)
class Action(Generic[M, S]):
    name: str
    sources: frozenset[S]
    # The states it may end in; empty: the state stays as it is (an edit, a supplement).
    targets: frozenset[S]
    event: StrEnum
    who: Policy[M]
    who_says: str  # the policy in words, for docs/states.md
    # Beyond the state, a condition on the object (an item whose latest version is live
    # cannot be published again); failing it is FORBIDDEN_TRANSITION like a wrong state.
    when: Callable[[M], bool] | None = None
    when_says: str = ""
    # False: the brief has this step but the API does not offer it yet (a row, not code).
    offered: bool = True

    def allows(self, obj: M, state: S) -> bool:
        return state in self.sources and (self.when is None or self.when(obj))


@dataclass(frozen=True)
class Machine(Generic[M, S]):
    aggregate: str  # the events' aggregate_type
    model: type[Model]
    states: type[S]
    actions: tuple[Action[M, S], ...]

    def __post_init__(self) -> None:
        names = [a.name for a in self.actions]
        if len(names) != len(set(names)):
            raise ValueError(f"{self.aggregate}: an action is declared twice")

    def __getitem__(self, name: str) -> Action[M, S]:
        for action in self.actions:
            if action.name == name:
                return action
        raise KeyError(f"{self.aggregate} has no action {name}")

    def state_of(self, obj: M) -> S:
        return self.states(getattr(obj, "status"))  # noqa: B009 - every aggregate's column

    def may(self, actor: Actor, obj: M, name: str, reach: Reach) -> bool:
        """Whether `actor` may take `name` on `obj` now: offered, allowed from its state, and
        allowed to them (what `viewerCan` shows)."""
        action = self[name]
        return (
            action.offered
            and action.allows(obj, self.state_of(obj))
            and action.who(actor, obj, reach)
        )

    def check(
        self,
        actor: Actor,
        obj: M,
        name: str,
        reach: Reach | None,
        *,
        expected_version: int | None = None,
    ) -> Action[M, S]:
        """The version (when given), the table, then the policy (skipped when `reach` is None:
        a consequence). What `apply` checks first, for a service that must know before it
        does other work."""
        if expected_version is not None:
            stored_version: int = getattr(obj, "version")  # noqa: B009
            if expected_version != stored_version:
                raise Stale(expected=expected_version, actual=stored_version)
        action = self[name]
        state = self.state_of(obj)
        if not action.allows(obj, state):
            raise ForbiddenTransition(status=state.value)
        if reach is not None and not action.who(actor, obj, reach):
            raise PermissionDenied()
        return action

    async def apply(
        self,
        conn: BaseDBAsyncClient,
        actor: Actor,
        obj: M,
        name: str,
        *,
        expected_version: int,
        to: S | None = None,
        changes: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        reach: Reach | None = None,
        consequence: bool = False,
    ) -> Event:
        """Takes action `name` on `obj` (to state `to`) with `changes`, or raises.

        `consequence`: the service takes this step itself as part of an action the actor was
        already allowed (the order an approval opens assigns itself), so no policy is asked.
        Updates `obj` in memory; returns the recorded event.
        """
        if not consequence and reach is None:
            reach = await reach_of(actor, conn)
        action = self.check(
            actor, obj, name, None if consequence else reach, expected_version=expected_version
        )
        previous = self.state_of(obj)
        target = self._target(action, previous, to)
        values = {"status": target, **(changes or {})}
        updated = (
            await self.model.filter(id=obj.pk, version=expected_version)
            .using_db(conn)
            .update(version=F("version") + 1, **values)
        )
        if not updated:
            raise await _stale(conn, self.model, obj.pk, expected_version)
        for field_name, value in values.items():
            setattr(obj, field_name, value)
        setattr(obj, "version", expected_version + 1)  # noqa: B010
        return await events.record(
            conn,
            actor,
            self.aggregate,
            obj.pk,
            action.event,
            # The states last: the timeline and live news read them, whatever `data` holds.
            {**(data or {}), "from": previous.value, "to": target.value},
        )

    def _target(self, action: Action[M, S], state: S, to: S | None) -> S:
        if not action.targets:
            if to is not None and to != state:
                raise ValueError(f"{action.name} keeps the state; asked for {to}")
            return state
        if to is None:
            if len(action.targets) != 1:
                raise ValueError(f"{action.name} ends in one of several states: name it")
            (to,) = action.targets
        if to not in action.targets:
            raise ForbiddenTransition(status=state.value)
        return to


async def _stale(conn: BaseDBAsyncClient, model: type[Model], pk: Any, expected: int) -> Stale:
    stored = await model.filter(id=pk).using_db(conn).values_list("version", flat=True)
    if not stored:
        raise NotFound()
    return Stale(expected=expected, actual=int(str(stored[0])))


async def bump_version(
    conn: BaseDBAsyncClient,
    model: type[Model],
    pk: int,
    expected: int | None,
    *,
    missing: Callable[[], ServiceError] = NotFound,
) -> int:
    """Takes the row's next version, from `expected` (or from whatever it is, when None: a
    change that only needs to queue behind others); the new version, else STALE with the
    stored one, or `missing()` when there is no such row."""
    query = model.filter(id=pk).using_db(conn)
    if expected is not None:
        query = query.filter(version=expected)
    if not await query.update(version=F("version") + 1):
        exists = await model.filter(id=pk).using_db(conn).exists()
        if not exists:
            raise missing()
        raise await _stale(conn, model, pk, expected or 0)
    if expected is not None:
        return expected + 1
    # The row is ours until commit (row lock, or SQLite's one writer): this is our version.
    stored = await model.filter(id=pk).using_db(conn).values_list("version", flat=True)
    return int(str(stored[0]))


def markdown(machines: Sequence[Machine[Any, Any]]) -> str:
    """The tables as docs/states.md shows them (`servicehall states` writes it)."""
    lines = [
        "# States and actions",
        "",
        "Generated from the action tables (`backend/services/<domain>/states.py`) by",
        "`servicehall states -o docs/states.md`; a test keeps it current. Do not edit by hand.",
        "An empty *to* keeps the state. *Not yet offered*: a step of the product brief the API",
        "does not offer yet.",
    ]
    for machine in machines:
        order: list[StrEnum] = list(machine.states.__members__.values())
        lines += [
            "",
            f"## {machine.aggregate}",
            "",
            "States: " + ", ".join(f"`{s.value}`" for s in order) + ".",
            "",
            "| action | from | to | who | event | offered |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for action in machine.actions:
            sources = " ".join(s.value for s in sorted(action.sources, key=order.index))
            targets = " ".join(s.value for s in sorted(action.targets, key=order.index))
            who = action.who_says + (f"; {action.when_says}" if action.when_says else "")
            offered = "yes" if action.offered else "not yet"
            lines.append(
                f"| {action.name} | {sources} | {targets} | {who} | {action.event.value} "
                f"| {offered} |"
            )
    return "\n".join(lines) + "\n"
