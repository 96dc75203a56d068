"""The timers on orders, run by a worker on a moved clock: the due-soon and overdue warnings to
the handler and the team's supervisors (all supervisors where the team has none), once each,
moved by a pause; an owed material's reminder to the enterprise and its deadline passed to the
supervisors."""

from __future__ import annotations

from datetime import date

import pytest

from backend.models.accounts import MemberKind, Notification, Role, TeamMember
from backend.models.applications import OwedMaterial, OwedStatus
from backend.models.enterprises import Membership
from backend.models.orders import Order
from backend.services.core import clock
from backend.services.core.transactions import in_transaction
from backend.services.jobs.worker import Worker
from backend.services.orders import owed, parties, steps, timers
from tests import builders
from tests.schema.order_helpers import open_order, park
from tests.services.jobs.helpers import job_settings
from tests.services.notifications.test_mail import PUBLIC, mail_on, mail_settings, wants_email
from tests.services.orders.helpers import TZ, actor, at, day_off, end_of
from tests.smtp import smtp_server, text_of

__all__ = ["mail_on"]  # the fixture, used by name
# The jobs table, its keys and the worker's lease differ by database: run them on both.
pytestmark = pytest.mark.postgres


async def _told(kind: str) -> list[tuple[int, str]]:
    rows = await Notification.filter(kind=kind).order_by("user_id")
    return [(r.user_id, r.link) for r in rows]


async def test_team_supervisors_or_all_of_them(db: str) -> None:
    p = await park(handlers=1)
    first = await builders.user(Role.SUPERVISOR, "甲主管")
    second = await builders.user(Role.SUPERVISOR, "乙主管")
    assert await parties.supervisors_of_team(None, p.team.id) == [first.id, second.id]
    await TeamMember.create(team_id=p.team.id, user_id=second.id, kind=MemberKind.SUPERVISOR)
    assert await parties.supervisors_of_team(None, p.team.id) == [second.id]
    assert await parties.supervisors_of_team(None, None) == [first.id, second.id]
    # A team supervisor who lost the role is no longer one: the team has none again.
    await second.roles.filter(role=Role.SUPERVISOR).delete()  # type: ignore[attr-defined]
    assert await parties.supervisors_of_team(None, p.team.id) == [first.id]


async def test_due_soon_and_overdue_warn_the_handler_and_team_supervisors_once(db: str) -> None:
    await day_off("2027-03-08", "测试假日")  # Monday
    p = await park(handlers=1)
    mine = await builders.user(Role.SUPERVISOR, "本组主管")
    other = await builders.user(Role.SUPERVISOR, "别组主管")
    await TeamMember.create(team_id=p.team.id, user_id=mine.id, kind=MemberKind.SUPERVISOR)
    run = Worker(job_settings())  # every registered kind
    with clock.moved_to(at("2027-03-04", 10)) as moved:  # Thursday
        order = await open_order(p)  # 5 working days: Friday 12 March (Monday is off)
        row = await Order.get(id=order.id)
        assert row.due_at == end_of("2027-03-12")
        assert row.due_soon_at == at("2027-03-11", 0)
        await run.tick()
        assert await _told("ORDER_DUE_SOON") == []
        moved.move(days=6, hours=13, minutes=59)  # Wednesday 23:59
        await run.tick()
        assert await _told("ORDER_DUE_SOON") == []
        moved.move(minutes=2)  # Thursday 00:01: one working day left
        await run.tick()
        link = f"/orders/{order.number}"
        handler = p.handlers[0].id
        assert await _told("ORDER_DUE_SOON") == sorted([(handler, link), (mine.id, link)])
        assert other.id not in [u for u, _ in await _told("ORDER_DUE_SOON")]
        notice = await Notification.get(user_id=handler, kind="ORDER_DUE_SOON")
        assert notice.params["due"] == "2027-03-12"
        await run.tick()
        assert len(await _told("ORDER_DUE_SOON")) == 2
        moved.move(days=1, hours=23)  # Friday 23:01: due tonight, not yet overdue
        await run.tick()
        assert await _told("ORDER_OVERDUE") == []
        moved.move(hours=1)  # Saturday 00:01
        await run.tick()
        assert await _told("ORDER_OVERDUE") == sorted([(handler, link), (mine.id, link)])


async def test_a_pause_moves_the_warning_with_the_due_date(db: str) -> None:
    p = await park(handlers=1)
    handler = actor(p.handlers[0], Role.HANDLER)
    applicant = actor(p.applicant, Role.APPLICANT)
    run = Worker(job_settings())  # every registered kind
    with clock.moved_to(at("2027-03-01", 10)) as moved:  # Monday
        order = await open_order(p)  # due Monday 8 March
        row = await Order.get(id=order.id)
        assert row.due_soon_at == at("2027-03-05", 0)
        await steps.accept(handler, order.id, row.version)
        row = await Order.get(id=order.id)
        await steps.request_information(handler, order.id, "请补充", [], row.version)
        moved.move(days=4, hours=1)  # Friday 11:00: due soon, but waiting since Monday
        await run.tick()
        assert await _told("ORDER_DUE_SOON") == []
        row = await Order.get(id=order.id)
        await steps.answer_information(applicant, order.id, "已补充", [], row.version, timezone=TZ)
        row = await Order.get(id=order.id)
        # Four working days' ends passed while waiting: due Friday 12th, due soon Thursday.
        assert row.due_at == end_of("2027-03-12")
        assert row.due_soon_at == at("2027-03-11", 0)
        await run.tick()  # the first warning's job runs now and finds the due date moved
        assert await _told("ORDER_DUE_SOON") == []
        moved.move(days=6)  # Thursday 11 March, 11:00
        await run.tick()
        assert [u for u, _ in await _told("ORDER_DUE_SOON")][:1] == [p.handlers[0].id]


async def test_an_owed_material_is_reminded_and_its_deadline_flagged(db: str) -> None:
    p = await park(handlers=1)
    colleague = await builders.user(Role.APPLICANT, "周同事")
    await Membership.create(user=colleague, enterprise=p.enterprise)
    supervisor = await builders.user(Role.SUPERVISOR, "钱主管")
    run = Worker(job_settings())  # every registered kind
    with clock.moved_to(at("2027-03-01", 10)) as moved:  # Monday
        order = await open_order(p)
        kept = await OwedMaterial.create(
            application_id=order.application_id, kind="report", due_on=date(2027, 3, 5)
        )
        supplied = await OwedMaterial.create(
            application_id=order.application_id, kind="permit", due_on=date(2027, 3, 5)
        )
        async with in_transaction() as conn:
            await timers.schedule_owed(conn, kept, TZ)
            await timers.schedule_owed(conn, supplied, TZ)
        await OwedMaterial.filter(id=supplied.id).update(status=OwedStatus.SUPPLIED)
        moved.move(days=1, hours=13, minutes=59)  # Tuesday 23:59
        await run.tick()
        assert await _told("OWED_MATERIAL_REMINDER") == []
        moved.move(minutes=2)  # Wednesday: two working days before Friday's deadline
        await run.tick()
        link = f"/orders/{order.number}"
        assert await _told("OWED_MATERIAL_REMINDER") == sorted(
            [(p.applicant.id, link), (colleague.id, link)]
        )
        notice = await Notification.get(user_id=p.applicant.id, kind="OWED_MATERIAL_REMINDER")
        assert notice.params["material"] == {"zh": "report", "en": "report"}
        assert not owed.is_past_deadline(OwedStatus.OUTSTANDING, kept.due_on, date(2027, 3, 5))
        moved.move(days=3)  # Saturday 00:01
        await run.tick()
        assert await _told("OWED_MATERIAL_PAST_DEADLINE") == [(supervisor.id, link)]
        assert owed.is_past_deadline(OwedStatus.OUTSTANDING, kept.due_on, date(2027, 3, 6))
        assert not owed.is_past_deadline(OwedStatus.SUPPLIED, kept.due_on, date(2027, 3, 6))
        flagged = await Notification.get(kind="OWED_MATERIAL_PAST_DEADLINE")
        assert flagged.params["enterprise"] == p.enterprise.name


async def test_the_warnings_are_mailed_in_the_readers_language_with_the_link(
    db: str, mail_on: None
) -> None:
    p = await park(handlers=1)
    english = await wants_email(p.handlers[0], "en")
    applicant = await wants_email(p.applicant, "zh-CN")
    with smtp_server() as (mailbox, port), clock.moved_to(at("2027-03-01", 10)) as moved:
        run = Worker(mail_settings(port))
        order = await open_order(p)  # due Monday 8 March, due soon from Friday
        material = await OwedMaterial.create(
            application_id=order.application_id, kind="report", due_on=date(2027, 3, 5)
        )
        async with in_transaction() as conn:
            await timers.schedule_owed(conn, material, TZ)
        await run.run_due()  # the assignment's mail
        moved.move(days=4)  # Friday 10:00: the reminder (Wednesday) and the warning are due
        await run.run_due()  # the timers write notices and mail jobs...
        await run.run_due()  # ...which the next round sends
    [warning] = [m for m in mailbox.to(english.email or "") if "due soon" in m["Subject"]]
    assert warning["Subject"].strip() == (
        f"Service Hall: Order {order.number} is due soon: by the end of 2027-03-08."
    )
    assert f"{PUBLIC}/orders/{order.number}" in text_of(warning)
    [reminder] = mailbox.to(applicant.email or "")[-1:]
    assert f"{order.number} 的容缺材料「report」须在 2027-03-05 前补交" in text_of(reminder)
    assert f"{PUBLIC}/orders/{order.number}" in text_of(reminder)
