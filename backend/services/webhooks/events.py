"""The kinds of news a provider can subscribe to: each its own event type."""

from __future__ import annotations

ORDER_FORWARDED = "order.forwarded"
ORDER_CANCELLED = "order.cancelled"
ORDER_INFORMATION_ANSWERED = "order.information_answered"
ORDER_MESSAGE_RECEIVED = "order.message_received"
ORDER_OWED_MATERIAL_SUPPLIED = "order.owed_material_supplied"

EVENT_TYPES: tuple[str, ...] = (
    ORDER_FORWARDED,
    ORDER_CANCELLED,
    ORDER_INFORMATION_ANSWERED,
    ORDER_MESSAGE_RECEIVED,
    ORDER_OWED_MATERIAL_SUPPLIED,
)
