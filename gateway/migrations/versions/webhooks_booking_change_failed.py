"""webhooks_booking_change_failed: endpoints may subscribe to booking.change_failed (an
extension of a stay or rental that could not be paid was undone, with the reason)

Revision ID: webhooks_booking_change_failed
Revises: webhooks_booking_changed
Create Date: 2026-12-08

"""

from collections.abc import Sequence

from alembic import op

revision: str = "webhooks_booking_change_failed"
down_revision: str | Sequence[str] | None = "webhooks_booking_changed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "gateway"
BEFORE = (
    "booking.payment_due",
    "booking.confirmed",
    "booking.rejected",
    "booking.cancelling",
    "booking.cancelled",
    "refund.completed",
    "booking.no_show",
    "booking.no_show_overturned",
    "booking.changed",
)
AFTER = (*BEFORE, "booking.change_failed")


def _known(types: tuple[str, ...]) -> None:
    op.drop_constraint("event_types_known", "webhook_endpoints", schema=SCHEMA, type_="check")
    listed = ", ".join(f"'{t}'" for t in types)
    op.create_check_constraint(
        "event_types_known", "webhook_endpoints", f"event_types <@ ARRAY[{listed}]::text[]", schema=SCHEMA
    )


def upgrade() -> None:
    _known(AFTER)


def downgrade() -> None:
    op.execute(
        "UPDATE gateway.webhook_endpoints SET event_types = array_remove(event_types, 'booking.change_failed')"
    )
    op.execute("DELETE FROM gateway.webhook_endpoints WHERE cardinality(event_types) = 0")
    _known(BEFORE)
