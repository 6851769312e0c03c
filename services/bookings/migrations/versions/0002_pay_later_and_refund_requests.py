"""Pay-later bookings (PENDING_PAYMENT) and refund requests (0..1 per booking).

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "bookings",
        sa.Column("pay_later", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        schema="bookings",
    )
    op.drop_constraint("ck_bookings_status", "bookings", schema="bookings", type_="check")
    op.create_check_constraint(
        "ck_bookings_status",
        "bookings",
        "status IN ('PENDING','PENDING_PAYMENT','CONFIRMED','REJECTED','CANCELLING','CANCELLED')",
        schema="bookings",
    )
    op.create_table(
        "refund_requests",
        sa.Column("booking_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("saga_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("card_minor", sa.BigInteger(), nullable=False),
        sa.Column("wallet_minor", sa.BigInteger(), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("status", sa.Text(), server_default="REQUESTED", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("percent BETWEEN 0 AND 100", name="ck_refund_requests_percent"),
        sa.CheckConstraint("status IN ('REQUESTED','REFUNDED')", name="ck_refund_requests_status"),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.bookings.id"]),
        sa.PrimaryKeyConstraint("booking_id"),
        schema="bookings",
    )


def downgrade() -> None:
    op.drop_table("refund_requests", schema="bookings")
    op.drop_constraint("ck_bookings_status", "bookings", schema="bookings", type_="check")
    op.create_check_constraint(
        "ck_bookings_status",
        "bookings",
        "status IN ('PENDING','CONFIRMED','REJECTED','CANCELLING','CANCELLED')",
        schema="bookings",
    )
    op.drop_column("bookings", "pay_later", schema="bookings")
