"""Appointments through the API: the admin's plan, the slots with what is left, booking for an
order with its queue number on the order, clear userErrors, cancelling, the handler's day list
and check-in; an order list with its bookings in a fixed number of statements."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from backend.models.accounts import Role
from backend.models.appointments import AppointmentSlot
from backend.services.appointments import bookings, plans
from backend.services.core import clock
from tests import builders
from tests.schema.helpers import global_id
from tests.schema.order_helpers import login
from tests.services.appointments.helpers import ADMIN, TZ, at, orders_of, plan_input, world

SET_PLAN = """mutation($input: SetAppointmentPlanInput!) { setAppointmentPlan(input: $input) {
    plan { weekdays windows { start end quota } daysAhead location beforeReview version }
    slotsMade userErrors { field code message } } }"""
SLOTS = """query($item: ID!, $from: Date!, $to: Date!) {
    appointmentSlots(serviceItemId: $item, from: $from, to: $to) {
      id day start end quota booked left isOpen } }"""
BOOK = """mutation($input: BookAppointmentInput!) { bookAppointment(input: $input) {
    appointment { id queueNumber status day start location viewerCan { cancel checkIn } }
    userErrors { field code message } } }"""
CANCEL = """mutation($input: AppointmentIdInput!) { cancelAppointment(input: $input) {
    appointment { status } userErrors { field code message } } }"""
CHECK_IN = """mutation($input: AppointmentIdInput!) { checkInAppointment(input: $input) {
    appointment { status } userErrors { field code message } } }"""
ORDER = """query($id: ID!) { order(id: $id) { number appointment {
    queueNumber start day location status } } }"""
DAY = """query($day: Date!) { appointmentDay(day: $day) {
    number orderNumber enterpriseName serviceItemName
    appointment { id queueNumber status start viewerCan { checkIn cancel } } } }"""


def _book(slot: Any, order: Any) -> dict[str, Any]:
    return {"input": {"slotId": slot["id"], "orderId": global_id("Order", order.id)}}


@pytest.mark.postgres
async def test_an_applicant_books_sees_the_number_cancels_and_books_another(
    new_api: Any,
) -> None:
    w = await world()
    order, other_order = await orders_of(w, 2)
    admin = await login(new_api, await builders.user(Role.ADMIN, "管理员"))
    applicant = await login(new_api, w.applicant)
    item = global_id("ServiceItem", w.item.id)
    with clock.moved_to(at("2026-11-30 10:00")):
        refused = (
            await admin.gql(
                SET_PLAN,
                {"input": {"serviceItemId": item, "locationZh": "", "windows": [
                    {"start": "9:30", "end": "10:00", "quota": 2}]}},
            )
        )["setAppointmentPlan"]  # fmt: skip
        codes = {(tuple(e["field"]), e["code"]) for e in refused["userErrors"]}
        assert codes == {(("windows", "0", "start"), "INVALID_TIME"), (("locationZh",), "REQUIRED")}
        assert all(e["message"] for e in refused["userErrors"])
        saved = (
            await admin.gql(
                SET_PLAN,
                {"input": {"serviceItemId": item, "locationZh": "政务大厅 3 号窗口",
                           "daysAhead": 7, "windows": [
                               {"start": "09:30", "end": "10:00", "quota": 2},
                               {"start": "10:00", "end": "10:30", "quota": 2}]}},
            )
        )["setAppointmentPlan"]  # fmt: skip
        assert saved["userErrors"] == [] and saved["slotsMade"] == 10  # Tue 1 .. Mon 7, weekdays
        # Only admins keep plans.
        window = {"start": "09:30", "end": "10:00", "quota": 2}
        attempt = {"serviceItemId": item, "locationZh": "x", "windows": [window]}
        denied = (await applicant.gql(SET_PLAN, {"input": attempt}))["setAppointmentPlan"]
        assert [e["code"] for e in denied["userErrors"]] == ["FORBIDDEN"]

        slots = (
            await applicant.gql(SLOTS, {"item": item, "from": "2026-12-01", "to": "2026-12-01"})
        )["appointmentSlots"]
        assert [(s["start"], s["left"]) for s in slots] == [("09:30", 2), ("10:00", 2)]
        first = slots[0]
        booked = (await applicant.gql(BOOK, _book(first, order)))["bookAppointment"]
        assert booked["userErrors"] == []
        assert booked["appointment"]["queueNumber"] == "0930-01"
        assert booked["appointment"]["location"] == "政务大厅 3 号窗口"
        assert booked["appointment"]["viewerCan"] == {"cancel": True, "checkIn": False}

        # A second booking for the same order: a clear problem at the slot.
        twice = (await applicant.gql(BOOK, _book(slots[1], order)))["bookAppointment"]
        assert twice["appointment"] is None
        (problem,) = twice["userErrors"]
        assert (problem["field"], problem["code"]) == (["slotId"], "ALREADY_BOOKED")
        assert "取消" in problem["message"]

        shown = (await applicant.gql(ORDER, {"id": global_id("Order", order.id)}))["order"]
        assert shown["appointment"]["queueNumber"] == "0930-01"
        left = (
            await applicant.gql(SLOTS, {"item": item, "from": "2026-12-01", "to": "2026-12-01"})
        )["appointmentSlots"]
        assert left[0]["left"] == 1 and left[0]["booked"] == 1

        cancelled = (
            await applicant.gql(CANCEL, {"input": {"appointmentId": booked["appointment"]["id"]}})
        )["cancelAppointment"]
        assert cancelled == {"appointment": {"status": "CANCELLED"}, "userErrors": []}
        shown = (await applicant.gql(ORDER, {"id": global_id("Order", order.id)}))["order"]
        assert shown["appointment"] is None
        again = (await applicant.gql(BOOK, _book(slots[1], order)))["bookAppointment"]
        assert again["appointment"]["queueNumber"] == "1000-01"

        # Someone else's order is not found; a slot of the past is refused with its words.
        stranger = await login(new_api, await builders.user(Role.APPLICANT, "路人"))
        theirs = (await stranger.gql(BOOK, _book(first, other_order)))["bookAppointment"]
        assert [(e["field"], e["code"]) for e in theirs["userErrors"]] == [
            (["orderId"], "NOT_FOUND")
        ]
    with clock.moved_to(at("2026-12-01 09:45")):
        late = (await applicant.gql(BOOK, _book(first, other_order)))["bookAppointment"]
        assert [(e["field"], e["code"]) for e in late["userErrors"]] == [
            (["slotId"], "SLOT_IN_THE_PAST")
        ]

        # The handler's day list, and the check-in.
        handler = await login(new_api, w.handler)
        assert (await applicant.gql(DAY, {"day": "2026-12-01"}))["appointmentDay"] == []
        (entry,) = (await handler.gql(DAY, {"day": "2026-12-01"}))["appointmentDay"]
        assert entry["orderNumber"] == order.number
        assert entry["enterpriseName"] == w.enterprise.name
        assert entry["appointment"]["viewerCan"] == {"checkIn": True, "cancel": False}
        come = (
            await handler.gql(CHECK_IN, {"input": {"appointmentId": entry["appointment"]["id"]}})
        )["checkInAppointment"]
        assert come == {"appointment": {"status": "CHECKED_IN"}, "userErrors": []}


@pytest.mark.postgres
async def test_an_order_list_with_bookings_costs_the_same_for_5_orders_as_for_50(
    new_api: Any, sql_counter: Any
) -> None:
    w = await world()
    orders = await orders_of(w, 50)
    with clock.moved_to(at("2026-11-30 10:00")):
        await plans.set_plan(ADMIN, w.item.id, plan_input(quota=60), timezone=TZ)
        slot = await AppointmentSlot.get(item_id=w.item.id, day=date(2026, 12, 1), start="09:30")
        for order in orders:
            await bookings.book(w.actor, slot.id, order_id=order.id, timezone=TZ)
    applicant = await login(new_api, w.applicant)
    query = """query($n: Int) { orders(first: $n) { edges { node { number
        appointment { queueNumber location viewerCan { cancel } } } } } }"""
    await applicant.gql(query, {"n": 1})
    counts = []
    for size in (5, 50):
        sql_counter.reset()
        edges = (await applicant.gql(query, {"n": size}))["orders"]["edges"]
        counts.append(sql_counter.count)
        assert len(edges) == size
        assert all(e["node"]["appointment"]["queueNumber"].startswith("0930-") for e in edges)
    assert counts[0] == counts[1], sql_counter.statements


async def test_a_plan_with_too_many_windows_or_bad_weekdays_is_named_once(new_api: Any) -> None:
    # Every window of an over-long list was checked, and every bad weekday named: a list of a
    # thousand came back as a thousand userErrors.
    w = await world()
    admin = await login(new_api, await builders.user(Role.ADMIN, "管理员"))
    item = global_id("ServiceItem", w.item.id)
    bad_window = {"start": "9", "end": "8", "quota": 0}
    answer = (
        await admin.gql(
            SET_PLAN,
            {"input": {"serviceItemId": item, "locationZh": "政务大厅", "weekdays": [0] * 1000,
                       "windows": [bad_window] * 1000}},
        )
    )["setAppointmentPlan"]  # fmt: skip
    codes = [(tuple(e["field"]), e["code"]) for e in answer["userErrors"]]
    assert codes == [(("weekdays", "0"), "INVALID_WEEKDAY"), (("windows",), "TOO_MANY_WINDOWS")]
    assert "24" in answer["userErrors"][1]["message"]
