"""The provider's steps on an order forwarded to it (`providerUpdateOrder`): accept, naming its
own staff member; post progress the applicant reads; ask the applicant for information;
complete with a result; or hand the order back to the park with a reason, where the automatic
choice in the item's team takes it at once.

Each step is a row of the order's action table, taken as the park's handler takes it (the same
functions in `steps.py` and `updates.py` where the step is the same), so the applicant follows a
provider's order exactly as an in-house one. Only the provider the order is forwarded to may
take them (`parties.provider`); anyone else's order is NOT_FOUND.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from backend.i18n import N_
from backend.models.orders import Order, OrderStatus, OrderUpdateKind
from backend.services.core import clock
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import Problems, register_messages
from backend.services.core.transactions import in_transaction
from backend.services.orders import orders, steps, time_limits, updates
from backend.services.orders.states import ORDER

MAX_STAFF = 100

register_messages(
    {
        "NOT_FOR_STEP": N_("This field is not part of the step {step}: leave it out."),
        "VERSION_REQUIRED": N_("Give the order's version you saw (expectedVersion)."),
    }
)


class ProviderStep(StrEnum):
    ACCEPT = "ACCEPT"
    PROGRESS = "PROGRESS"
    REQUEST_INFORMATION = "REQUEST_INFORMATION"
    COMPLETE = "COMPLETE"
    HAND_BACK = "HAND_BACK"


# Each step's own text field (by its input name); the others must be left empty.
TEXT_FIELD = {
    ProviderStep.ACCEPT: "staffName",
    ProviderStep.PROGRESS: "note",
    ProviderStep.REQUEST_INFORMATION: "question",
    ProviderStep.COMPLETE: "result",
    ProviderStep.HAND_BACK: "reason",
}


@dataclass(frozen=True)
class ProviderUpdate:
    order_id: int
    step: ProviderStep
    # Required for every step but PROGRESS, which changes no state.
    expected_version: int | None = None
    staff_name: str = ""
    note: str = ""
    question: str = ""
    result: str = ""
    reason: str = ""

    def texts(self) -> dict[str, str]:
        return {
            "staffName": self.staff_name,
            "note": self.note,
            "question": self.question,
            "result": self.result,
            "reason": self.reason,
        }


def _checked(update: ProviderUpdate) -> tuple[str, int]:
    """The step's text and version; every problem of the input at once."""
    problems = Problems()
    own = TEXT_FIELD[update.step]
    for name, value in update.texts().items():
        if name != own and value.strip():
            problems.add(name, "NOT_FOR_STEP", step=update.step.value)
    limits = {
        "staffName": MAX_STAFF,
        "note": updates.MAX_NOTE,
        "question": steps.MAX_TEXT,
        "result": steps.MAX_RESULT,
        "reason": steps.MAX_REASON,
    }
    text = steps._text(
        problems, update.texts()[own], own, limits[own], one_line=own in ("staffName", "reason")
    )
    if update.step is not ProviderStep.PROGRESS and update.expected_version is None:
        problems.add("expectedVersion", "VERSION_REQUIRED")
    problems.raise_if_any()
    return text, update.expected_version or 0


async def provider_update(actor: Actor, update: ProviderUpdate, *, timezone: str) -> Order:
    """Takes `update.step` on the order as the provider `actor` speaks for."""
    require_user(actor)
    text, version = _checked(update)
    match update.step:
        case ProviderStep.ACCEPT:
            return await _accept(actor, update.order_id, text, version)
        case ProviderStep.PROGRESS:
            await updates.post_update(
                actor, updates.UpdateInput(update.order_id, OrderUpdateKind.PROGRESS, text)
            )
            return await Order.get(id=update.order_id)
        case ProviderStep.REQUEST_INFORMATION:
            return await steps.request_information(actor, update.order_id, text, (), version)
        case ProviderStep.COMPLETE:
            return await steps.complete(
                actor, update.order_id, text, (), version, timezone=timezone
            )
        case ProviderStep.HAND_BACK:
            return await _hand_back(actor, update.order_id, text, version, timezone)


async def _accept(actor: Actor, order_id: int, staff: str, expected_version: int) -> Order:
    """FORWARDED -> IN_PROGRESS, with who at the provider handles it (the applicant reads it)."""
    async with in_transaction() as conn:
        order, reach = await steps._start(
            conn, actor, order_id, "PROVIDER_ACCEPT", expected_version
        )
        await ORDER.apply(
            conn, actor, order, "PROVIDER_ACCEPT", expected_version=expected_version,
            reach=reach, changes={"provider_staff": staff}, data={"note": staff},
        )  # fmt: skip
    return order


async def _hand_back(
    actor: Actor, order_id: int, reason: str, expected_version: int, timezone: str
) -> Order:
    """The provider gives the order back: -> PENDING_ASSIGNMENT, no longer theirs (nor seen by
    them), a pause under way ended; then the automatic choice in the item's team, in the same
    transaction."""
    async with in_transaction() as conn:
        order, reach = await steps._start(conn, actor, order_id, "HAND_BACK", expected_version)
        changes: dict[str, object] = {"provider_id": None, "provider_staff": ""}
        if order.waiting_since is not None:
            _days, due = await time_limits.end_pause(conn, order, timezone, clock.now())
            changes.update({"waiting_since": None, "due_at": due})
        previous = order.provider_id
        await ORDER.apply(
            conn, actor, order, "HAND_BACK", expected_version=expected_version, reach=reach,
            to=OrderStatus.PENDING_ASSIGNMENT, changes=changes,
            data={"note": reason, "provider": previous},
        )  # fmt: skip
        await orders.assign_automatically(conn, actor, order, consequence=True)
    return order
