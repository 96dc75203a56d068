"""Who reads which words of an order's timeline: every event kind has its row, and the rows say
what the issue asks (reasons for changing hands and internal notes are the park's)."""

from __future__ import annotations

import pytest

from backend.models.accounts import Role
from backend.services.core.actors import Actor
from backend.services.orders import readers
from backend.services.orders.states import ORDER, OrderEventKind

APPLICANT = Actor(user_id=1, roles=frozenset({Role.APPLICANT}))
PROVIDER = Actor(user_id=2, roles=frozenset({Role.PROVIDER}))
PARK = [
    Actor(user_id=3 + i, roles=frozenset({role}))
    for i, role in enumerate((Role.HANDLER, Role.AUDITOR, Role.SUPERVISOR, Role.ADMIN))
]


def test_every_event_kind_says_who_reads_it() -> None:
    kinds = {str(k) for k in OrderEventKind}
    assert kinds == set(readers.READING)
    # Every action of the order's table records a kind the table covers.
    assert {str(a.event) for a in ORDER.actions} <= set(readers.READING)


@pytest.mark.parametrize(
    "kind",
    [
        OrderEventKind.ORDER_DECLINED,
        OrderEventKind.ORDER_REASSIGNED,
        OrderEventKind.ORDER_RELEASED,
        OrderEventKind.ORDER_REROUTED,
        OrderEventKind.ORDER_HANDED_BACK,
    ],
)
def test_the_applicant_sees_a_change_of_hands_but_not_why(kind: OrderEventKind) -> None:
    for outsider in (APPLICANT, PROVIDER):
        assert readers.sees_event(outsider, kind)
        assert not readers.reads_note(outsider, kind)
    assert all(readers.reads_note(staff, kind) for staff in PARK)


def test_internal_notes_are_the_parks_alone_and_messages_are_not_timeline_entries() -> None:
    internal = OrderEventKind.ORDER_INTERNAL_NOTE_ADDED
    for outsider in (APPLICANT, PROVIDER):
        assert not readers.sees_event(outsider, internal)
        assert not readers.reads_note(outsider, internal)
    assert all(readers.sees_event(s, internal) and readers.reads_note(s, internal) for s in PARK)
    for kind in (OrderEventKind.ORDER_MESSAGE_SENT, OrderEventKind.ORDER_MESSAGES_READ):
        assert not any(readers.sees_event(a, kind) for a in (APPLICANT, *PARK))
    # What the applicant must know: progress, a returned material's reason, a cancellation's.
    for kind in (
        OrderEventKind.ORDER_PROGRESS_NOTED,
        OrderEventKind.ORDER_OWED_MATERIAL_RETURNED,
        OrderEventKind.ORDER_CANCELLED,
        OrderEventKind.ORDER_INFORMATION_REQUESTED,
    ):
        assert readers.sees_event(APPLICANT, kind) and readers.reads_note(APPLICANT, kind)


def test_a_kind_nobody_listed_keeps_its_words_for_the_park() -> None:
    assert readers.sees_event(APPLICANT, "ORDER_SOMETHING_NEW")
    assert not readers.reads_note(APPLICANT, "ORDER_SOMETHING_NEW")
