"""The reservation engine: nightly stays (unit nights), interval rentals (exclusion
constraint on the blocked period), per-customer active bookings, check-in lifecycle.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES_BEFORE = "'PENDING','PENDING_PAYMENT','CONFIRMED','REJECTED','CANCELLING','CANCELLED'"
STATUSES_AFTER = STATUSES_BEFORE + ",'CHECKED_IN','COMPLETED','NO_SHOW'"


def upgrade() -> None:
    for column in (
        sa.Column(
            "cancellation_windows", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False
        ),
        sa.Column("guests", sa.Integer(), server_default="1", nullable=False),
        sa.Column("check_in_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
    ):
        op.add_column("bookings", column, schema="bookings")
    op.drop_constraint("ck_bookings_status", "bookings", schema="bookings", type_="check")
    op.create_check_constraint("ck_bookings_status", "bookings", f"status IN ({STATUSES_AFTER})", schema="bookings")
    op.create_table(
        "unit_nights",
        sa.Column("unit_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("booking_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("resource_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("company_id", sa.UUID(as_uuid=False), nullable=False),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.bookings.id"]),
        sa.PrimaryKeyConstraint("unit_id", "night"),
        schema="bookings",
    )
    op.create_index("ix_unit_nights_resource_night", "unit_nights", ["resource_id", "night"], schema="bookings")
    op.create_index("ix_unit_nights_booking", "unit_nights", ["booking_id"], schema="bookings")
    op.create_table(
        "interval_resources",
        sa.Column("resource_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("resource_key", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.PrimaryKeyConstraint("resource_id"),
        sa.UniqueConstraint("resource_key"),
        schema="bookings",
    )
    op.create_table(
        "interval_holds",
        sa.Column("booking_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("resource_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("resource_key", sa.BigInteger(), nullable=False),
        sa.Column("company_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("blocked", postgresql.TSTZRANGE(), nullable=False),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.bookings.id"]),
        sa.PrimaryKeyConstraint("booking_id"),
        schema="bookings",
    )
    op.create_index("ix_interval_holds_resource", "interval_holds", ["resource_id"], schema="bookings")
    # No btree_gist on the embedded PostgreSQL: the resource key as a one-point int8range.
    op.execute(
        "ALTER TABLE bookings.interval_holds ADD CONSTRAINT ex_interval_holds_overlap "
        "EXCLUDE USING gist (int8range(resource_key, resource_key, '[]') WITH &&, blocked WITH &&)"
    )
    op.create_table(
        "customer_active_bookings",
        sa.Column("customer_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("resource_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("active", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("active >= 0", name="ck_customer_active_bookings_active"),
        sa.PrimaryKeyConstraint("customer_id", "resource_id"),
        schema="bookings",
    )


def downgrade() -> None:
    op.drop_table("customer_active_bookings", schema="bookings")
    op.drop_table("interval_holds", schema="bookings")
    op.drop_table("interval_resources", schema="bookings")
    op.drop_table("unit_nights", schema="bookings")
    op.drop_constraint("ck_bookings_status", "bookings", schema="bookings", type_="check")
    op.create_check_constraint("ck_bookings_status", "bookings", f"status IN ({STATUSES_BEFORE})", schema="bookings")
    for column in ("checked_in_at", "check_in_deadline", "guests", "cancellation_windows"):
        op.drop_column("bookings", column, schema="bookings")
