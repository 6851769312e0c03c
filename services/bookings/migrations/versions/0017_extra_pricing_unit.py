"""A booking's extra keeps the pricing unit it was bought with.

`booking_extras` kept an extra's quantity and unit price, not its pricing unit, so a change of
a stay's or a rental's period scaled the extra by the catalog's unit at the time of the change:
an extra bought per booking and made per hour by an admin afterwards was multiplied by the
hours at its old price (a 50.00 guide x1 on 4 h became x6 = 300.00 on 6 h). Now
`booking_extras.pricing_unit` (NOT NULL, one of catalog's five units) is written with the line
when the booking is made, and `domain.changes.rescale_extras` scales by it.

Existing rows: the unit they were bought with was never recorded, so the best value there is
is the catalog's unit now, which is what every change used until this revision (nothing an
existing booking does changes by this backfill; only a later edit in the catalog stops
reaching it). It is read once, here, from `catalog.extras` (archived extras included) when
that table is in this database (the platform's layout: one database, a schema per service;
`make run`, the tests, Compose and Kubernetes). A row the catalog does not answer for (its
extra gone, or the catalog's schema on another server) gets PER_BOOKING: it stays as bought,
which is what a change did until now for an extra the catalog no longer listed. This is the
only place bookings reads another service's table, once, at migration time.

Revision ID: 0017_extra_pricing_unit
Revises: 0016_rental_stretches
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_extra_pricing_unit"
down_revision: str | None = "0016_rental_stretches"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNITS = "('PER_BOOKING', 'PER_NIGHT', 'PER_GUEST', 'PER_HOUR', 'PER_GUEST_NIGHT')"

# The catalog's unit now, when catalog.extras (with its pricing_unit) is in this database.
BACKFILL_FROM_CATALOG = f"""
DO $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM information_schema.columns
        WHERE table_schema = 'catalog' AND table_name = 'extras' AND column_name = 'pricing_unit'
    ) THEN
        EXECUTE 'UPDATE bookings.booking_extras AS e SET pricing_unit = c.pricing_unit
                 FROM catalog.extras AS c
                 WHERE c.id::text = e.extra_id::text AND c.pricing_unit IN {UNITS.replace("'", "''")}';
    END IF;
END
$$
"""


def upgrade() -> None:
    op.add_column("booking_extras", sa.Column("pricing_unit", sa.Text()), schema="bookings")
    op.execute(BACKFILL_FROM_CATALOG)
    op.execute("UPDATE bookings.booking_extras SET pricing_unit = 'PER_BOOKING' WHERE pricing_unit IS NULL")
    op.alter_column("booking_extras", "pricing_unit", nullable=False, schema="bookings")
    op.create_check_constraint(
        "ck_booking_extras_pricing_unit", "booking_extras", f"pricing_unit IN {UNITS}", schema="bookings"
    )


def downgrade() -> None:
    op.drop_constraint("ck_booking_extras_pricing_unit", "booking_extras", schema="bookings")
    op.drop_column("booking_extras", "pricing_unit", schema="bookings")
