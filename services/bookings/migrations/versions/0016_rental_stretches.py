"""A rental's stretches: each stretch of time bought at once keeps its own price (M1).

A shortened rental spread its mixed total evenly over its minutes, so after the hourly rate
was lowered, extending and shortening back moved the price towards the new rate (80.00 for
8 h at 10.00/h became 78.78), and a rate lowered then raised again refunded most of an hour
paid at 10.00. Now a changed rental records each stretch it bought, as a stay keeps each
night's price (bookings.domain.changes.Stretch): `stretch_ends` and `stretch_amounts_minor`,
in order from the booking's start. The CHECK holds them to the booking's own row, in the
same UPDATE that moves its end and price: only rentals, at least one and at most 100,
strictly increasing after start_time, the last one end_time, every amount non-negative and
their sum base_minor.

Existing rows keep NULL: a rental never changed, or changed before this revision, is one
stretch of its whole period at its base price (what a shortening did before). A rental
changed before may hold a mixed total; `booking_changes` cannot tell its stretches back (its
differences include per-hour extras, and an extension's saga may have been reverted after it
was recorded), so none is guessed.

Revision ID: 0016_rental_stretches
Revises: 0015_shortening_kept
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016_rental_stretches"
down_revision: str | None = "0015_shortening_kept"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TILE = """
CREATE FUNCTION bookings.rental_stretches_tile(
    period_start timestamptz, period_end timestamptz, base_minor bigint,
    ends timestamptz[], amounts bigint[]
) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(
        cardinality(ends) BETWEEN 1 AND 100
        AND cardinality(amounts) = cardinality(ends)
        AND array_lower(ends, 1) = 1
        AND array_lower(amounts, 1) = 1
        AND ends[cardinality(ends)] = period_end
        AND (SELECT sum(a) FROM unnest(amounts) AS a) = base_minor
        AND NOT EXISTS (
            SELECT 1
            FROM unnest(ends, amounts) WITH ORDINALITY AS s(stretch_end, amount, i)
            WHERE amount IS NULL OR amount < 0 OR stretch_end IS NULL
               OR stretch_end <= coalesce(ends[i - 1], period_start)
        ),
        false
    )
$$
"""

CHECK = (
    "(stretch_ends IS NULL AND stretch_amounts_minor IS NULL) OR (booking_model = 'INTERVAL'"
    " AND bookings.rental_stretches_tile(start_time, end_time, base_minor,"
    " stretch_ends, stretch_amounts_minor))"
)


def upgrade() -> None:
    op.add_column(
        "bookings",
        sa.Column("stretch_ends", postgresql.ARRAY(sa.DateTime(timezone=True))),
        schema="bookings",
    )
    op.add_column(
        "bookings", sa.Column("stretch_amounts_minor", postgresql.ARRAY(sa.BigInteger())), schema="bookings"
    )
    op.execute(TILE)
    op.create_check_constraint("ck_bookings_rental_stretches", "bookings", CHECK, schema="bookings")


def downgrade() -> None:
    op.drop_constraint("ck_bookings_rental_stretches", "bookings", schema="bookings")
    op.execute(
        "DROP FUNCTION bookings.rental_stretches_tile(timestamptz, timestamptz, bigint, timestamptz[], bigint[])"
    )
    op.drop_column("bookings", "stretch_amounts_minor", schema="bookings")
    op.drop_column("bookings", "stretch_ends", schema="bookings")
