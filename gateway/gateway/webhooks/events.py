"""The event types a webhook endpoint can subscribe to: what bookings publishes on
`bookings.events.<name>` (plumbing.messaging; a booking's status changes - a no-show too,
whether the lifecycle sweep or the front desk marked it, and the desk overturning one - a
cancellation's completed refund, a stay's or rental's change of period with the money it
moved, and an extension that could not be paid), and the body each delivery posts. Pure
functions, no I/O."""

from __future__ import annotations

import json
from typing import Any

# The subject's last token -> the event type.
EVENT_OF_SUBJECT = {
    "pending_payment": "booking.payment_due",
    "confirmed": "booking.confirmed",
    "rejected": "booking.rejected",
    "cancelling": "booking.cancelling",
    "cancelled": "booking.cancelled",
    "refund_completed": "refund.completed",
    "no_show": "booking.no_show",
    # The desk overturned a no-show (NO_SHOW -> CHECKED_IN, `data.status` CHECKED_IN): a
    # subscriber told `booking.no_show` learns it no longer holds.
    "no_show_overturned": "booking.no_show_overturned",
    # A stay or a rental got a new period (`data.change`: the periods, the totals, the money
    # charged, or refunded and kept, by source). A shortening's refund is told here only, never
    # as `refund.completed` too (that one is a cancellation's refund): each cent once.
    "changed": "booking.changed",
    # An extension that could not be paid (wallet short, card declined, 3-D Secure refused or
    # not completed in time) was undone: `data.change` has the period kept, the one asked for
    # and `reason`; nothing was charged.
    "change_failed": "booking.change_failed",
}
EVENT_TYPES = tuple(EVENT_OF_SUBJECT.values())


def event_type_of(subject: str) -> str | None:
    return EVENT_OF_SUBJECT.get(subject.rsplit(".", 1)[-1])


def _plain(value: Any) -> Any:
    """A protobuf Struct's numbers are doubles: whole ones become ints again."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def event_body(event_id: str, event_type: str, payload: dict[str, Any]) -> str:
    """The JSON every delivery of one event posts, byte for byte (so its signature can be
    checked over the raw body): `data` is what bookings published but the time."""
    data = {k: _plain(v) for k, v in payload.items() if k != "occurred_at"}
    if "reject_reason" in data:
        data["reject_reason"] = data["reject_reason"] or None
    return json.dumps(
        {"id": event_id, "type": event_type, "created_at": payload["occurred_at"], "data": data},
        separators=(",", ":"),
        sort_keys=True,
    )
