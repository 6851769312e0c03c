"""Changing a booking's period: the change in flight on the booking, one change saga at a
time per booking, and the changes asked for (once per request id).

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "bookings",
        sa.Column("changing_saga_id", postgresql.UUID(as_uuid=False), nullable=True),
        schema="bookings",
    )
    op.create_index(
        "uq_sagas_one_change_in_flight",
        "sagas",
        ["booking_id"],
        unique=True,
        schema="bookings",
        postgresql_where=sa.text("kind = 'change' AND state NOT IN ('COMPLETED','COMPENSATED')"),
    )
    op.create_table(
        "booking_changes",
        sa.Column("id", postgresql.UUID(as_uuid=False), nullable=False),
        sa.Column("booking_id", postgresql.UUID(as_uuid=False), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("saga_id", postgresql.UUID(as_uuid=False), nullable=True),
        sa.Column("old_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("new_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("difference_minor", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.bookings.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("booking_id", "request_id", name="uq_booking_changes_request"),
        schema="bookings",
    )


def downgrade() -> None:
    op.drop_table("booking_changes", schema="bookings")
    op.drop_index("uq_sagas_one_change_in_flight", table_name="sagas", schema="bookings")
    op.drop_column("bookings", "changing_saga_id", schema="bookings")
