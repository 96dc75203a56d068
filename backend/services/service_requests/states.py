"""A request for a new service: its states and the admins' actions on it, as data.

`OPEN` and `ANSWERED` are still to be settled (an answer can be followed by any other step);
`MERGED`, `DECLINED` and `FULFILLED` are final; `ITEM_DRAFTED` waits for its item to be
published, which fulfils it (a consequence of publishing, taken by nobody directly).
"""

from __future__ import annotations

from enum import StrEnum

from backend.models.service_requests import RequestStatus, ServiceRequest
from backend.services.core.actors import Actor
from backend.services.core.reach import Reach
from backend.services.core.states import Action, Machine, nobody
from backend.services.service_requests.policies import can_settle_requests

S = RequestStatus

# Still awaiting the admins: what grouping looks at, and what may take an answer or a merge.
UNSETTLED = frozenset({S.OPEN, S.ANSWERED})
# What another request may be merged into: not final, so its outcome is still to come.
MERGE_TARGETS = frozenset({S.OPEN, S.ANSWERED, S.ITEM_DRAFTED})


class RequestEventKind(StrEnum):
    SERVICE_REQUESTED = "SERVICE_REQUESTED"
    REQUEST_ANSWERED = "REQUEST_ANSWERED"
    REQUEST_DECLINED = "REQUEST_DECLINED"
    REQUEST_MERGED = "REQUEST_MERGED"
    REQUEST_ITEM_DRAFTED = "REQUEST_ITEM_DRAFTED"
    REQUEST_FULFILLED = "REQUEST_FULFILLED"


def admin(actor: Actor, request: ServiceRequest, reach: Reach) -> bool:
    return can_settle_requests(actor)


E = RequestEventKind

REQUEST: Machine[ServiceRequest, RequestStatus] = Machine(
    "service_request",
    ServiceRequest,
    RequestStatus,
    (
        Action(
            "ANSWER", UNSETTLED, frozenset({S.ANSWERED}), E.REQUEST_ANSWERED, admin,
            "an admin (text back to the enterprise; may answer again)",
        ),
        Action(
            "DECLINE", UNSETTLED, frozenset({S.DECLINED}), E.REQUEST_DECLINED, admin,
            "an admin, with a reason",
        ),
        Action(
            "MERGE", UNSETTLED, frozenset({S.MERGED}), E.REQUEST_MERGED, admin,
            "an admin, into another OPEN, ANSWERED or ITEM_DRAFTED request, which its "
            "enterprise then follows",
        ),
        Action(
            "DRAFT_ITEM", UNSETTLED, frozenset({S.ITEM_DRAFTED}), E.REQUEST_ITEM_DRAFTED, admin,
            "an admin (a DRAFT service item with the request's text, through createServiceItem)",
        ),
        Action(
            "FULFIL", frozenset({S.ITEM_DRAFTED}), frozenset({S.FULFILLED}), E.REQUEST_FULFILLED,
            nobody, "nobody: publishing the drafted item fulfils it",
        ),
    ),
)  # fmt: skip
