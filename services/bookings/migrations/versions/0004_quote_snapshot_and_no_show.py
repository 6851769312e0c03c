"""The quote a booking was made with, its local stay dates, and when it turns NO_SHOW.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "bookings",
        sa.Column("quote_lines", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
        schema="bookings",
    )
    op.add_column("bookings", sa.Column("no_show_at", sa.DateTime(timezone=True), nullable=True), schema="bookings")
    op.add_column("bookings", sa.Column("check_in_date", sa.Date(), nullable=True), schema="bookings")
    op.add_column("bookings", sa.Column("check_out_date", sa.Date(), nullable=True), schema="bookings")
    op.create_index(
        "ix_bookings_no_show_due",
        "bookings",
        ["no_show_at"],
        schema="bookings",
        postgresql_where=sa.text("status = 'CONFIRMED' AND no_show_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_bookings_no_show_due", table_name="bookings", schema="bookings")
    op.drop_column("bookings", "check_out_date", schema="bookings")
    op.drop_column("bookings", "check_in_date", schema="bookings")
    op.drop_column("bookings", "no_show_at", schema="bookings")
    op.drop_column("bookings", "quote_lines", schema="bookings")
