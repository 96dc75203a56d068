"""Rating a completed order, the one follow-up review, the handler's one appeal and the
supervisor's decision (journey step 7). Each is one transaction; the rules of who and when are
the action table's (`states.EVALUATION`) and the order's own rule of who sees it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from backend.i18n import N_
from backend.models.evaluations import Evaluation, EvaluationLevel, EvaluationStatus
from backend.models.orders import Order, OrderStatus
from backend.services.core import clock, events
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import Invalid, NotFound, Problem, Problems, register_messages
from backend.services.core.reach import reach_of
from backend.services.core.transactions import in_transaction
from backend.services.evaluations import rectifications
from backend.services.evaluations.policies import evaluations_visible_to
from backend.services.evaluations.reasons import (
    BAD,
    MAX_COMMENT,
    MAX_REASON,
    BadReviewReason,
)
from backend.services.evaluations.states import EVALUATION, E
from backend.services.notifications import notifications
from backend.services.orders import parties
from backend.services.orders.parties import applicant
from backend.services.orders.policies import visible_order
from backend.text import shown as shown_text

register_messages(
    {
        "UNKNOWN_LEVEL": N_(
            "Not a level of the scheme: {value}. Choose very satisfied, satisfied, basically "
            "satisfied, dissatisfied or very dissatisfied."
        ),
        "UNKNOWN_REASON": N_("Not a reason on the list: {value}."),
        "REASONS_REQUIRED": N_("Say why: choose at least one reason."),
        "ORDER_NOT_COMPLETED": N_("The order can be rated once it is completed."),
        "ALREADY_EVALUATED": N_("This order has been rated already; a rating is given once."),
        "NOT_THE_APPLICANT": N_("Only a member of the enterprise that applied rates the order."),
        "NOT_RECTIFIED": N_("A follow-up review is added once the bad review has been put right."),
        "ALREADY_FOLLOWED_UP": N_("The follow-up review has been added already."),
        "ALREADY_APPEALED": N_("This review has been appealed already; an appeal is made once."),
        "NOT_APPEALED": N_("This review is not waiting for an appeal decision."),
        "DEFAULT_NOT_APPEALABLE": N_("A rating recorded by default is not appealed."),
    }
)


def _level(problems: Problems, value: str, field: str = "level") -> EvaluationLevel | None:
    try:
        return EvaluationLevel(value.strip().upper())
    except ValueError:
        problems.add(field, "UNKNOWN_LEVEL", value=shown_text(value))
        return None


def _reasons(problems: Problems, values: Sequence[str]) -> list[str]:
    chosen: list[str] = []
    for value in values:
        try:
            reason = BadReviewReason(value.strip().upper())
        except ValueError:
            # Named once (the first), cut short: a long list of long values is not echoed back.
            if not any(p.code == "UNKNOWN_REASON" for p in problems.items):
                problems.add("reasons", "UNKNOWN_REASON", value=shown_text(value))
            continue
        if reason.value not in chosen:
            chosen.append(reason.value)
    return chosen


def _comment(problems: Problems, value: str, field: str, maximum: int) -> str:
    text = value.strip()
    if len(text) > maximum:
        problems.add(field, "TOO_LONG", max=maximum)
    return text


async def evaluate(
    actor: Actor, order_id: int, level: str, comment: str, reasons: Sequence[str]
) -> Evaluation:
    """A member of the applicant's enterprise rates a completed order, once. The two lowest
    levels need reasons, and open a rectification with its deadlines on the working calendar."""
    require_user(actor)
    problems = Problems()
    chosen_level = _level(problems, level)
    chosen = _reasons(problems, reasons)
    text = _comment(problems, comment, "comment", MAX_COMMENT)
    unknown_reason = any(p.field == ("reasons",) for p in problems.items)
    if chosen_level in BAD and not chosen and not unknown_reason:
        problems.add("reasons", "REASONS_REQUIRED")
    problems.raise_if_any()
    assert chosen_level is not None
    if chosen_level not in BAD:
        chosen = []  # reasons are for bad reviews only
    bad = chosen_level in BAD
    now = clock.now()
    # Deadlines read the calendar before the transaction (SQLite's one connection is its).
    deadlines = await rectifications.deadlines(now) if bad else None
    async with in_transaction() as conn:
        order = await visible_order(actor, order_id, conn)
        reach = await reach_of(actor, conn)
        if not applicant(actor, order, reach):
            raise Invalid.at("orderId", "NOT_THE_APPLICANT")
        if order.status is not OrderStatus.COMPLETED:
            raise Invalid.at("orderId", "ORDER_NOT_COMPLETED")
        if await Evaluation.filter(order_id=order.id).using_db(conn).exists():
            raise Invalid.at("orderId", "ALREADY_EVALUATED")
        evaluation = await _create(
            conn, order, level=chosen_level, comment=text, reasons=chosen, rater_id=actor.user_id,
            now=now,
        )  # fmt: skip
        await events.record(
            conn, actor, "evaluation", evaluation.id, E.EVALUATION_RECORDED,
            {"orderId": order.id, "level": chosen_level.value, "reasons": chosen},
        )  # fmt: skip
        if deadlines is not None:
            await rectifications.open_for(conn, actor, evaluation, order, deadlines, now)
    return evaluation


async def _create(
    conn: BaseDBAsyncClient,
    order: Order,
    *,
    level: EvaluationLevel,
    comment: str,
    reasons: list[str],
    rater_id: int | None,
    now: datetime,
    is_default: bool = False,
) -> Evaluation:
    try:
        return await Evaluation.create(
            order_id=order.id, level=level, comment=comment, reasons=reasons,
            rater_id=rater_id, is_default=is_default, enterprise_id=order.enterprise_id,
            item_id=order.item_id, team_id=order.team_id, assignee_id=order.assignee_id,
            provider_id=order.provider_id, created_at=now, using_db=conn,
        )  # fmt: skip
    except IntegrityError as exc:  # rated at the same moment by someone else
        raise Invalid.at("orderId", "ALREADY_EVALUATED") from exc


async def rate_by_default(conn: BaseDBAsyncClient, order: Order, now: datetime) -> bool:
    """Records BASIC for an order nobody rated, marked as a default; False when it was rated
    meanwhile (the job may run twice)."""
    if await Evaluation.filter(order_id=order.id).using_db(conn).exists():
        return False
    evaluation = await _create(
        conn, order, level=EvaluationLevel.BASIC, comment="", reasons=[], rater_id=None,
        now=now, is_default=True,
    )  # fmt: skip
    await events.record(
        conn, Actor(), "evaluation", evaluation.id, E.EVALUATION_DEFAULTED, {"orderId": order.id}
    )
    return True


async def _visible(conn: BaseDBAsyncClient, actor: Actor, evaluation_id: int) -> Evaluation:
    evaluation = await evaluations_visible_to(actor).using_db(conn).filter(id=evaluation_id).first()
    if evaluation is None:
        raise NotFound([Problem("NOT_FOUND", ("evaluationId",))])
    return evaluation


async def follow_up(
    actor: Actor, evaluation_id: int, level: str, comment: str, expected_version: int
) -> Evaluation:
    """The applicant's one follow-up review (追评), once the bad review was put right."""
    require_user(actor)
    problems = Problems()
    chosen_level = _level(problems, level)
    text = _comment(problems, comment, "comment", MAX_COMMENT)
    problems.raise_if_any()
    assert chosen_level is not None
    async with in_transaction() as conn:
        evaluation = await _visible(conn, actor, evaluation_id)
        reach = await reach_of(actor, conn)
        if evaluation.status is not EvaluationStatus.VOIDED and (
            EVALUATION["FOLLOW_UP"].who(actor, evaluation, reach)
        ):
            if evaluation.follow_up_at is not None:
                raise Invalid.at("evaluationId", "ALREADY_FOLLOWED_UP")
            if evaluation.rectified_at is None:
                raise Invalid.at("evaluationId", "NOT_RECTIFIED")
        await EVALUATION.apply(
            conn, actor, evaluation, "FOLLOW_UP", expected_version=expected_version,
            reach=reach,
            changes={"follow_up_level": chosen_level, "follow_up_comment": text,
                     "follow_up_at": clock.now()},
            data={"level": chosen_level.value},
        )  # fmt: skip
    return evaluation


async def appeal(
    actor: Actor, evaluation_id: int, reason: str, expected_version: int
) -> Evaluation:
    """The handler (or the provider) appeals a review once, with reasons."""
    require_user(actor)
    problems = Problems()
    text = " ".join(reason.split())
    if not text:
        problems.add("reason", "REQUIRED")
    elif len(text) > MAX_REASON:
        problems.add("reason", "TOO_LONG", max=MAX_REASON)
    problems.raise_if_any()
    async with in_transaction() as conn:
        evaluation = await _visible(conn, actor, evaluation_id)
        reach = await reach_of(actor, conn)
        if EVALUATION["APPEAL"].who(actor, evaluation, reach):
            if evaluation.is_default:
                raise Invalid.at("evaluationId", "DEFAULT_NOT_APPEALABLE")
            if evaluation.appealed_at is not None:
                raise Invalid.at("evaluationId", "ALREADY_APPEALED")
        now = clock.now()
        await EVALUATION.apply(
            conn, actor, evaluation, "APPEAL", expected_version=expected_version, reach=reach,
            changes={"appeal_reason": text, "appealed_by_id": actor.user_id, "appealed_at": now},
            data={"reason": text},
        )  # fmt: skip
        # The supervisors of the rated order's team decide (every supervisor where it has none).
        for supervisor_id in await parties.supervisors_of_team(conn, evaluation.team_id):
            await notifications.notify(
                supervisor_id, "EVALUATION_APPEALED", {"number": await _number(conn, evaluation)},
                using_db=conn,
            )  # fmt: skip
    return evaluation


async def _number(conn: BaseDBAsyncClient, evaluation: Evaluation) -> str:
    numbers = (
        await Order.filter(id=evaluation.order_id).using_db(conn).values_list("number", flat=True)
    )
    return str(numbers[0])


async def decide_appeal(
    actor: Actor, evaluation_id: int, void: bool, reason: str, expected_version: int
) -> Evaluation:
    """A supervisor keeps the review (UPHELD) or voids it (VOIDED: it leaves every figure, and
    its rectification, if any, is withdrawn), with a reason the appealer is told."""
    require_user(actor)
    problems = Problems()
    text = " ".join(reason.split())
    if not text:
        problems.add("reason", "REQUIRED")
    elif len(text) > MAX_REASON:
        problems.add("reason", "TOO_LONG", max=MAX_REASON)
    problems.raise_if_any()
    action = "VOID" if void else "UPHOLD"
    async with in_transaction() as conn:
        evaluation = await _visible(conn, actor, evaluation_id)
        reach = await reach_of(actor, conn)
        if (
            EVALUATION[action].who(actor, evaluation, reach)
            and evaluation.status is not EvaluationStatus.APPEALED
            and evaluation.version == expected_version
        ):
            raise Invalid.at("evaluationId", "NOT_APPEALED")
        await EVALUATION.apply(
            conn, actor, evaluation, action, expected_version=expected_version, reach=reach,
            changes={"decision_reason": text, "decided_by_id": actor.user_id,
                     "decided_at": clock.now()},
            data={"reason": text},
        )  # fmt: skip
        if void:
            await rectifications.withdraw(conn, actor, evaluation)
        if evaluation.appealed_by_id is not None:
            await notifications.notify(
                evaluation.appealed_by_id,
                "APPEAL_VOIDED" if void else "APPEAL_UPHELD",
                {"number": await _number(conn, evaluation), "reason": text},
                using_db=conn,
            )
    return evaluation
