"""initial: payments, their request ids, saga step records, outbox and inbox

Revision ID: 0001
Revises:
Create Date: 2026-11-21 23:33:39.725894

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SCHEMA = "payments"


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "payments",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("customer_id", sa.UUID(), nullable=False),
        sa.Column("booking_id", sa.UUID(), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("refunded_minor", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("provider_reference", sa.Text(), nullable=False),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('DECLINED', 'AUTHORIZED', 'CAPTURED', 'VOIDED', 'REFUNDED')", name="ck_payments_status"
        ),
        sa.CheckConstraint("amount_minor > 0", name="ck_payments_amount_positive"),
        sa.CheckConstraint(
            "refunded_minor >= 0 AND refunded_minor <= amount_minor", name="ck_payments_refunded_range"
        ),
        sa.CheckConstraint(
            "refunded_minor = 0 OR status IN ('CAPTURED', 'REFUNDED')", name="ck_payments_refunded_needs_capture"
        ),
        sa.CheckConstraint("status <> 'REFUNDED' OR refunded_minor = amount_minor", name="ck_payments_refunded_all"),
        sa.CheckConstraint(
            "(status = 'DECLINED') = (decline_reason IS NOT NULL)", name="ck_payments_decline_reason"
        ),
        sa.PrimaryKeyConstraint("id"),
        schema=SCHEMA,
    )
    op.create_index("uq_payments_idempotency_key", "payments", ["idempotency_key"], unique=True, schema=SCHEMA)
    op.create_index(
        "ix_payments_booking_id",
        "payments",
        ["booking_id"],
        unique=False,
        schema=SCHEMA,
        postgresql_where=sa.text("booking_id IS NOT NULL"),
    )
    op.create_table(
        "payment_requests",
        sa.Column("request_id", sa.Text(), nullable=False),
        sa.Column("payment_id", sa.UUID(), nullable=False),
        sa.Column("operation", sa.Text(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("provider_reference", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("operation IN ('CAPTURE', 'VOID', 'REFUND')", name="ck_payment_requests_operation"),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.payments.id"]),
        sa.PrimaryKeyConstraint("request_id"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_payment_requests_payment_id", "payment_requests", ["payment_id"], unique=False, schema=SCHEMA
    )
    op.create_table(
        "saga_steps",
        sa.Column("saga_id", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("booking_id", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("payment_id", sa.UUID(), nullable=True),
        sa.Column("tombstone", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "action IN ('EXECUTE', 'COMPENSATE', 'FINALIZE', 'REFUND')", name="ck_saga_steps_action"
        ),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.payments.id"]),
        sa.PrimaryKeyConstraint("saga_id", "action", name="pk_saga_steps"),
        schema=SCHEMA,
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column(
            "headers", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_outbox_unpublished",
        "outbox",
        ["created_at"],
        unique=False,
        schema=SCHEMA,
        postgresql_where=sa.text("published_at IS NULL"),
    )
    op.create_table(
        "inbox",
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("message_id"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("inbox", schema=SCHEMA)
    op.drop_index("ix_outbox_unpublished", table_name="outbox", schema=SCHEMA)
    op.drop_table("outbox", schema=SCHEMA)
    op.drop_table("saga_steps", schema=SCHEMA)
    op.drop_index("ix_payment_requests_payment_id", table_name="payment_requests", schema=SCHEMA)
    op.drop_table("payment_requests", schema=SCHEMA)
    op.drop_index("ix_payments_booking_id", table_name="payments", schema=SCHEMA)
    op.drop_index("uq_payments_idempotency_key", table_name="payments", schema=SCHEMA)
    op.drop_table("payments", schema=SCHEMA)
