"""A booking records the pass credits its saga's pass step took.

A cancellation gave back `quantity` credits whenever the booking named a pass and the refund
was 100 %, even when no pass step had run: a free session (nothing to pay) booked with a pass
is confirmed without one, so its cancellation's `refund_requests.credits`, the
`refund_completed` event, the `refund.completed` webhook and the e-mail said a credit went back
to the pass that never left it (passes itself refunded nothing). Now `bookings.pass_credits`
is set when the booking is confirmed (the saga's credits when its PASSES step succeeded, else
0) and `domain.model.cancellation_refund` gives back exactly that.

Existing rows: from each booking's own saga, the saga's `credits` when its data lists PASSES
among the steps done, else 0. A booking whose saga has not reached the pivot yet gets its value
when it is confirmed. CHECK: not negative, and 0 without a pass.

Revision ID: 0018_booking_pass_credits
Revises: 0017_extra_pricing_unit
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_booking_pass_credits"
down_revision: str | None = "0017_extra_pricing_unit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL = """
UPDATE bookings.bookings AS b SET pass_credits = (s.data->>'credits')::integer
FROM bookings.sagas AS s
WHERE s.id = b.saga_id AND b.entitlement_id <> '' AND s.kind = 'booking'
  AND s.data->'done' ? 'passes' AND coalesce((s.data->>'credits')::integer, 0) > 0
"""


def upgrade() -> None:
    op.add_column(
        "bookings",
        sa.Column("pass_credits", sa.Integer(), nullable=False, server_default="0"),
        schema="bookings",
    )
    op.execute(BACKFILL)
    op.create_check_constraint(
        "ck_bookings_pass_credits",
        "bookings",
        "pass_credits >= 0 AND (pass_credits = 0 OR entitlement_id <> '')",
        schema="bookings",
    )


def downgrade() -> None:
    op.drop_constraint("ck_bookings_pass_credits", "bookings", schema="bookings")
    op.drop_column("bookings", "pass_credits", schema="bookings")
