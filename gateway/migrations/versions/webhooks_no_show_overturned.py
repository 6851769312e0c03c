"""webhooks_no_show_overturned: endpoints may subscribe to booking.no_show_overturned (the
desk overturned a no-show: NO_SHOW -> CHECKED_IN)

Revision ID: webhooks_no_show_overturned
Revises: delivery_retention
Create Date: 2026-12-07

"""

from collections.abc import Sequence

from alembic import op

revision: str = "webhooks_no_show_overturned"
down_revision: str | Sequence[str] | None = "delivery_retention"
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
)
AFTER = (*BEFORE, "booking.no_show_overturned")


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
        "UPDATE gateway.webhook_endpoints"
        " SET event_types = array_remove(event_types, 'booking.no_show_overturned')"
    )
    op.execute("DELETE FROM gateway.webhook_endpoints WHERE cardinality(event_types) = 0")
    _known(BEFORE)
