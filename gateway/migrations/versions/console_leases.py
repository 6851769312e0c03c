"""console_leases: short leases of the business console on a resource (or unit) and period,
judged by an exclusion constraint (who holds what, since when, until when)

Revision ID: console_leases
Revises: webhooks_refunds
Create Date: 2026-12-06

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "console_leases"
down_revision: str | Sequence[str] | None = "webhooks_refunds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "gateway"
# The subject's 128 bits as two bigints: no btree_gist on the embedded PostgreSQL, so the
# exclusion constraint compares one-point int8ranges of them (as bookings' interval holds do).
HALF = "('x' || substr(replace(subject::text, '-', ''), {start}, 16))::bit(64)::bigint"


def upgrade() -> None:
    op.create_table(
        "console_leases",
        sa.Column("id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("company_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("resource_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("unit_id", sa.UUID(as_uuid=False), nullable=True),
        sa.Column("subject", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("subject_hi", sa.BigInteger(), sa.Computed(HALF.format(start=1), persisted=True)),
        sa.Column("subject_lo", sa.BigInteger(), sa.Computed(HALF.format(start=17), persisted=True)),
        sa.Column("period", postgresql.TSTZRANGE(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("booking_id", sa.UUID(as_uuid=False), nullable=True),
        sa.Column("label", sa.Text(), server_default="", nullable=False),
        sa.Column("holder_user_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("holder_name", sa.Text(), nullable=False),
        sa.Column("holder_email", sa.Text(), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        # The unit when one is named, else the resource; an edit of a session's booking holds
        # the booking itself (the others may still book the session's other places).
        sa.CheckConstraint(
            "subject = coalesce(unit_id, resource_id) OR subject = booking_id", name="lease_subject_known"
        ),
        sa.CheckConstraint(
            "NOT isempty(period) AND NOT lower_inf(period) AND NOT upper_inf(period)",
            name="lease_period_bounded",
        ),
        sa.CheckConstraint("purpose IN ('BOOK', 'EDIT')", name="lease_purpose_known"),
        sa.CheckConstraint("expires_at > acquired_at", name="lease_expires_after_acquired"),
        sa.ForeignKeyConstraint(["holder_user_id"], ["gateway.users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        schema=SCHEMA,
    )
    # Two holders never overlap on one subject: the database judges a race, not the gateway.
    op.execute(
        f"ALTER TABLE {SCHEMA}.console_leases ADD CONSTRAINT console_leases_no_overlap "
        "EXCLUDE USING gist (int8range(subject_hi, subject_hi, '[]') WITH &&, "
        "int8range(subject_lo, subject_lo, '[]') WITH &&, period WITH &&)"
    )
    op.create_index(
        "console_leases_of_company", "console_leases", ["company_id", "expires_at"], schema=SCHEMA
    )
    op.create_index("console_leases_of_subject", "console_leases", ["subject"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("console_leases", schema=SCHEMA)
