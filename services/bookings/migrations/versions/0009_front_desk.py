"""Front desk: bookings paid at the desk (desk_payment, desk_paid_minor), the staff member who
booked, the reasons of a no-show override and a cancellation by the company; what a
cancellation gives back at the desk; an index for a company's bookings, newest first.

Revision ID: 0009
Revises: audit_log
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "audit_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for column in (
        sa.Column("desk_payment", sa.Text(), nullable=True),
        sa.Column("desk_paid_minor", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("booked_by_user_id", sa.Text(), nullable=True),
        sa.Column("no_show_override_reason", sa.Text(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
    ):
        op.add_column("bookings", column, schema="bookings")
    op.create_check_constraint(
        "ck_bookings_desk_payment",
        "bookings",
        "(desk_payment IS NULL AND desk_paid_minor = 0)"
        " OR (desk_payment IN ('CASH','EXTERNAL') AND desk_paid_minor >= 0)",
        schema="bookings",
    )
    op.add_column(
        "refund_requests",
        sa.Column("desk_minor", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        schema="bookings",
    )
    op.create_index(
        "ix_bookings_company_created", "bookings", ["company_id", "created_at", "id"], schema="bookings"
    )


def downgrade() -> None:
    op.drop_index("ix_bookings_company_created", "bookings", schema="bookings")
    op.drop_column("refund_requests", "desk_minor", schema="bookings")
    op.drop_constraint("ck_bookings_desk_payment", "bookings", type_="check", schema="bookings")
    for name in (
        "cancel_reason",
        "no_show_override_reason",
        "booked_by_user_id",
        "desk_paid_minor",
        "desk_payment",
    ):
        op.drop_column("bookings", name, schema="bookings")
