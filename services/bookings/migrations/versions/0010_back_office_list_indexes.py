"""Indexes for the back office's booking lists at scale (bench/backoffice.py: 200,000
bookings): a resource's bookings newest first (was a sequential scan), a company's bookings of
one status newest first (a rare status walked the company's whole list), and a company's
bookings by period (a GiST index on the period: a past week walked every newer booking).

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_bookings_resource_created": ["resource_id", "created_at", "id"],
    "ix_bookings_company_status_created": ["company_id", "status", "created_at", "id"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "bookings", columns, schema="bookings")
    # Ranges have GiST operator classes built in (no extension): `&&` finds a period's bookings,
    # and the included columns answer the page's keys from the index alone (no heap visit).
    op.execute(
        "CREATE INDEX ix_bookings_period ON bookings.bookings USING gist (tstzrange(start_time, end_time)) "
        "INCLUDE (company_id, status, created_at, id, start_time, end_time)"
    )


def downgrade() -> None:
    op.drop_index("ix_bookings_period", "bookings", schema="bookings")
    for name in INDEXES:
        op.drop_index(name, "bookings", schema="bookings")
