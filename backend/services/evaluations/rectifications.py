"""The rectification a bad review opens: the call back due within
`SERVICEHALL_RECTIFICATION_CALL_BACK_WORKING_DAYS` (1) working days and the fix within
`SERVICEHALL_RECTIFICATION_FIX_WORKING_DAYS` (15), both counted on the park's working calendar
from the review; a supervisor records each step (the first to do so owns it) and closes it, and
the applicant is told and may then add the follow-up review. A job at each deadline flags the
rectification when the step is still not taken and tells its owner (or, while nobody owns it,
the supervisors of the order's team: `orders.parties.supervisors_of_team`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from backend.i18n import N_
from backend.models.evaluations import Evaluation, Rectification, RectificationStatus
from backend.models.orders import Order
from backend.services.calendar.calendar import due_at
from backend.services.core import clock, events
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import NotFound, Problem, Problems, register_messages
from backend.services.core.reach import reach_of
from backend.services.core.transactions import in_transaction
from backend.services.evaluations import periods
from backend.services.evaluations.policies import rectifications_visible_to
from backend.services.evaluations.states import OPEN_RECTIFICATION, RECTIFICATION, E
from backend.services.jobs import jobs
from backend.services.jobs.jobs import JobRun
from backend.services.notifications import notifications
from backend.services.orders import parties

RS = RectificationStatus
DEADLINE = "rectification.deadline"
MAX_NOTE = 2000

register_messages({"STEP_NOTE_REQUIRED": N_("Say what was said or done.")})


@dataclass(frozen=True)
class Deadlines:
    call_back: datetime
    fix: datetime


async def deadlines(start: datetime) -> Deadlines:
    """The call back's and the fix's due times for a bad review given at `start`."""
    current = periods.current()
    return Deadlines(
        call_back=await due_at(start, current.call_back_working_days, current.timezone),
        fix=await due_at(start, current.fix_working_days, current.timezone),
    )


def is_overdue(
    status: RectificationStatus, call_back_due_at: datetime, fix_due_at: datetime, now: datetime
) -> bool:
    """The call back not recorded by its due time, or the fix not recorded by its own."""
    if status is RS.OPEN and now > call_back_due_at:
        return True
    return status in {RS.OPEN, RS.CALLED_BACK} and now > fix_due_at


@dataclass(frozen=True)
class OpenRectifications:
    """What the cockpit shows of rectifications: how many are open, and how many overdue."""

    open: int
    overdue: int


async def open_summary(now: datetime | None = None) -> OpenRectifications:
    """Open and overdue rectifications (the same rule as `is_overdue`), two counts."""
    moment = now or clock.now()
    still_open = Rectification.filter(status__in=[RS.OPEN, RS.CALLED_BACK, RS.FIXED])
    late = Rectification.filter(
        Q(status=RS.OPEN, call_back_due_at__lt=moment)
        | Q(status__in=[RS.OPEN, RS.CALLED_BACK], fix_due_at__lt=moment)
    )
    return OpenRectifications(open=await still_open.count(), overdue=await late.count())


def told(
    query: QuerySet[Rectification], actor: Actor, told: bool = True
) -> QuerySet[Rectification]:
    """The rectifications of `query` the actor is told of (`told`) or not: those of orders whose
    team's supervisors include them (`parties.told_supervisor_condition`, the notices' rule)."""
    orders = Subquery(Order.filter(parties.told_supervisor_condition(actor)).values("id"))
    if told:
        return query.filter(order_id__in=orders)
    return query.exclude(order_id__in=orders)


async def open_for(
    conn: BaseDBAsyncClient,
    actor: Actor,
    evaluation: Evaluation,
    order: Order,
    due: Deadlines,
    now: datetime,
) -> Rectification:
    rectification = await Rectification.create(
        evaluation_id=evaluation.id, order_id=order.id, call_back_due_at=due.call_back,
        fix_due_at=due.fix, created_at=now, using_db=conn,
    )  # fmt: skip
    await events.record(
        conn, actor, "rectification", rectification.id, E.RECTIFICATION_OPENED,
        {"orderId": order.id, "callBackDueAt": due.call_back.isoformat(),
         "fixDueAt": due.fix.isoformat()},
    )  # fmt: skip
    for step, moment in (("callBack", due.call_back), ("fix", due.fix)):
        await jobs.enqueue(
            conn, DEADLINE, {"rectificationId": rectification.id, "step": step},
            run_at=moment, key=f"{DEADLINE}:{rectification.id}:{step}",
        )  # fmt: skip
    # The supervisors of the order's team (every supervisor where it has none).
    for supervisor_id in await parties.supervisors_of_team(conn, order.team_id):
        await notifications.notify(
            supervisor_id, "RECTIFICATION_OPENED", {"number": order.number}, using_db=conn
        )
    return rectification


async def _visible(conn: BaseDBAsyncClient, actor: Actor, rectification_id: int) -> Rectification:
    found = (
        await rectifications_visible_to(actor).using_db(conn).filter(id=rectification_id).first()
    )
    if found is None:
        raise NotFound([Problem("NOT_FOUND", ("rectificationId",))])
    return found


async def _step(
    actor: Actor,
    rectification_id: int,
    action: str,
    note: str,
    expected_version: int,
) -> Rectification:
    require_user(actor)
    problems = Problems()
    text = note.strip()
    if action != "CLOSE" and not text:
        problems.add("note", "STEP_NOTE_REQUIRED")
    elif len(text) > MAX_NOTE:
        problems.add("note", "TOO_LONG", max=MAX_NOTE)
    problems.raise_if_any()
    now = clock.now()
    async with in_transaction() as conn:
        rectification = await _visible(conn, actor, rectification_id)
        reach = await reach_of(actor, conn)
        changes: dict[str, object] = {}
        if action == "RECORD_CALL_BACK":
            changes = {"called_back_at": now, "call_back_note": text, "owner_id": actor.user_id}
        elif action == "RECORD_FIX":
            changes = {"fixed_at": now, "fix_note": text}
        else:
            changes = {"closed_at": now}
        await RECTIFICATION.apply(
            conn, actor, rectification, action, expected_version=expected_version, reach=reach,
            changes=changes, data={"note": text} if text else {},
        )  # fmt: skip
        if action == "CLOSE":
            await _closed(conn, rectification, now)
    return rectification


async def _closed(conn: BaseDBAsyncClient, rectification: Rectification, now: datetime) -> None:
    """The review is put right: its evaluation says so (the follow-up opens), and the person
    who rated it is told, with a link to the order."""
    await Evaluation.filter(id=rectification.evaluation_id).using_db(conn).update(rectified_at=now)
    rows = (
        await Evaluation.filter(id=rectification.evaluation_id)
        .using_db(conn)
        .values("rater_id", "order__number")
    )
    rater_id = rows[0]["rater_id"]
    if rater_id is not None:
        await notifications.notify(
            int(rater_id), "RECTIFICATION_CLOSED", {"number": rows[0]["order__number"]},
            using_db=conn,
        )  # fmt: skip


async def record_call_back(
    actor: Actor, rectification_id: int, note: str, expected_version: int
) -> Rectification:
    return await _step(actor, rectification_id, "RECORD_CALL_BACK", note, expected_version)


async def record_fix(
    actor: Actor, rectification_id: int, note: str, expected_version: int
) -> Rectification:
    return await _step(actor, rectification_id, "RECORD_FIX", note, expected_version)


async def close(actor: Actor, rectification_id: int, expected_version: int) -> Rectification:
    return await _step(actor, rectification_id, "CLOSE", "", expected_version)


async def withdraw(conn: BaseDBAsyncClient, actor: Actor, evaluation: Evaluation) -> None:
    """The review was voided on appeal: its rectification, if still open, is withdrawn."""
    rectification = (
        await Rectification.filter(evaluation_id=evaluation.id, status__in=OPEN_RECTIFICATION)
        .using_db(conn)
        .first()
    )
    if rectification is not None:
        await RECTIFICATION.apply(
            conn, actor, rectification, "WITHDRAW", expected_version=rectification.version,
            consequence=True,
        )  # fmt: skip


@jobs.handler(DEADLINE)
async def flag_overdue(run: JobRun) -> None:
    """At a deadline: flags the rectification if its step is still not taken (re-checked here;
    safe to run twice: the notice has a key)."""
    rectification_id = int(run.payload["rectificationId"])
    step = str(run.payload["step"])
    now = clock.now()
    async with in_transaction() as conn:
        rectification = await Rectification.filter(id=rectification_id).using_db(conn).first()
        if rectification is None or not is_overdue(
            rectification.status, rectification.call_back_due_at, rectification.fix_due_at, now
        ):
            return
        if rectification.overdue_flagged_at is None:
            await (
                Rectification.filter(id=rectification.id)
                .using_db(conn)
                .update(overdue_flagged_at=now)
            )
        await events.record(
            conn, Actor(), "rectification", rectification.id, E.RECTIFICATION_OVERDUE,
            {"step": step},
        )  # fmt: skip
        number, team_id = (
            await Order.filter(id=rectification.order_id)
            .using_db(conn)
            .values_list("number", "team_id")
        )[0]
        # Its owner; while nobody owns it, the supervisors of the order's team.
        people = (
            [rectification.owner_id]
            if rectification.owner_id is not None
            else await parties.supervisors_of_team(conn, team_id)
        )
        for person in people:
            await notifications.notify(
                person, "RECTIFICATION_OVERDUE", {"number": number}, using_db=conn,
                key=f"{DEADLINE}:{rectification.id}:{step}",
            )  # fmt: skip
