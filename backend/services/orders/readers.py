"""Who reads which words of an order's timeline: one row per event kind.

Everyone who may see an order sees its timeline, but not every note in it. A decline, a
supervisor's reassignment, a re-routing or a provider handing the order back is shown to the
applicant as what it is (the order changed hands), never with the reason, which is about the
park's people; an internal note is not shown to them at all. Messages are not timeline entries:
the conversation shows them to its readers (`parties.reads_conversation`), and their
events carry no text.

The schema answers an unreadable note with "" (the field stays non-null, and a page shows
nothing where there is nothing to read), and leaves out events the viewer may not see.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from backend.services.core.actors import Actor
from backend.services.orders.states import OrderEventKind


class Readers(StrEnum):
    ORDER_VIEWERS = "ORDER_VIEWERS"  # everyone who may see the order
    # The park's own people who may see the order: never the applicant, never a provider.
    PARK_STAFF = "PARK_STAFF"
    NOBODY = "NOBODY"  # not in the timeline (shown elsewhere: the conversation)


@dataclass(frozen=True)
class Reading:
    event: Readers  # who sees that it happened
    note: Readers  # who reads its words


EVERYONE = Reading(Readers.ORDER_VIEWERS, Readers.ORDER_VIEWERS)
# That it happened is everyone's; why is the park's.
WHY_IS_THE_PARKS = Reading(Readers.ORDER_VIEWERS, Readers.PARK_STAFF)
ONLY_THE_PARK = Reading(Readers.PARK_STAFF, Readers.PARK_STAFF)
IN_THE_CONVERSATION = Reading(Readers.NOBODY, Readers.NOBODY)

K = OrderEventKind
READING: dict[str, Reading] = {
    K.ORDER_OPENED: EVERYONE,
    # A supervisor's words when re-running the automatic choice.
    K.ORDER_ASSIGNED: WHY_IS_THE_PARKS,
    K.ORDER_REASSIGNED: WHY_IS_THE_PARKS,
    K.ORDER_RELEASED: WHY_IS_THE_PARKS,
    K.ORDER_ACCEPTED: EVERYONE,
    K.ORDER_DECLINED: WHY_IS_THE_PARKS,
    # The question and the answer are between the handler and the applicant.
    K.ORDER_INFORMATION_REQUESTED: EVERYONE,
    K.ORDER_INFORMATION_ANSWERED: EVERYONE,
    K.ORDER_COMPLETED: EVERYONE,
    K.ORDER_FORWARDED: EVERYONE,
    K.ORDER_PROVIDER_ACCEPTED: EVERYONE,
    K.ORDER_REROUTED: WHY_IS_THE_PARKS,
    K.ORDER_HANDED_BACK: WHY_IS_THE_PARKS,
    # The applicant is owed the reason their order was cancelled.
    K.ORDER_CANCELLED: EVERYONE,
    K.ORDER_PROGRESS_NOTED: EVERYONE,
    K.ORDER_INTERNAL_NOTE_ADDED: ONLY_THE_PARK,
    K.ORDER_MESSAGE_SENT: IN_THE_CONVERSATION,
    K.ORDER_MESSAGES_READ: IN_THE_CONVERSATION,
    K.ORDER_OWED_MATERIAL_SUPPLIED: EVERYONE,
    K.ORDER_OWED_MATERIAL_ACCEPTED: EVERYONE,
    # The applicant must know why, to supply it again.
    K.ORDER_OWED_MATERIAL_RETURNED: EVERYONE,
}
# A kind nobody listed yet shows that it happened and keeps its words for the park.
UNLISTED = WHY_IS_THE_PARKS


def _may(actor: Actor, readers: Readers) -> bool:
    """For a viewer who may see the order: whether `readers` includes them."""
    if readers is Readers.ORDER_VIEWERS:
        return True
    if readers is Readers.PARK_STAFF:
        return actor.is_park_staff
    return False


def sees_event(actor: Actor, kind: str) -> bool:
    return _may(actor, READING.get(kind, UNLISTED).event)


def reads_note(actor: Actor, kind: str) -> bool:
    return _may(actor, READING.get(kind, UNLISTED).note)


def kinds_hidden_from(actor: Actor) -> frozenset[str]:
    """The kinds whose events `actor` does not see (`sees_event`, as a set a query can leave
    out); a kind nobody listed is seen by everyone, so it is never here."""
    return frozenset(kind for kind in READING if not sees_event(actor, kind))
