"""The event types a webhook endpoint can subscribe to: a booking's status changes as bookings
publishes them on `bookings.events.<status>` (plumbing.messaging), and the body each delivery
posts. Pure functions, no I/O."""

from __future__ import annotations

import json
from typing import Any

# Booking status -> event type.
EVENT_OF_STATUS = {
    "PENDING_PAYMENT": "booking.payment_due",
    "CONFIRMED": "booking.confirmed",
    "REJECTED": "booking.rejected",
    "CANCELLING": "booking.cancelling",
    "CANCELLED": "booking.cancelled",
}
EVENT_TYPES = tuple(EVENT_OF_STATUS.values())


def event_body(event_id: str, event_type: str, data: dict[str, Any]) -> str:
    """The JSON every delivery of one event posts, byte for byte (so its signature can be
    checked over the raw body)."""
    return json.dumps(
        {
            "id": event_id,
            "type": event_type,
            "created_at": data["occurred_at"],
            "data": {
                "booking_id": data["booking_id"],
                "company_id": data["company_id"],
                "customer_id": data["customer_id"],
                "status": data["status"],
                "reject_reason": data.get("reject_reason") or None,
            },
        },
        separators=(",", ":"),
        sort_keys=True,
    )
