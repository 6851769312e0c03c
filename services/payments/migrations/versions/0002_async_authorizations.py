"""async authorizations: new statuses, action expiry, waiting saga steps, provider events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SCHEMA = "payments"
OLD_STATUSES = "'DECLINED', 'AUTHORIZED', 'CAPTURED', 'VOIDED', 'REFUNDED'"
NEW_STATUSES = OLD_STATUSES + ", 'AUTHORIZING', 'PENDING', 'REQUIRES_ACTION', 'FAILED'"


def upgrade() -> None:
    op.add_column("payments", sa.Column("action_expires_at", sa.DateTime(timezone=True), nullable=True), schema=SCHEMA)
    op.drop_constraint("ck_payments_status", "payments", schema=SCHEMA, type_="check")
    op.create_check_constraint("ck_payments_status", "payments", f"status IN ({NEW_STATUSES})", schema=SCHEMA)
    op.drop_constraint("ck_payments_decline_reason", "payments", schema=SCHEMA, type_="check")
    op.create_check_constraint(
        "ck_payments_decline_reason",
        "payments",
        "(status IN ('DECLINED', 'FAILED')) = (decline_reason IS NOT NULL)",
        schema=SCHEMA,
    )
    op.create_check_constraint(
        "ck_payments_action_expiry",
        "payments",
        "(status = 'REQUIRES_ACTION') = (action_expires_at IS NOT NULL)",
        schema=SCHEMA,
    )
    op.create_index(
        "ix_payments_provider_reference",
        "payments",
        ["provider_reference"],
        schema=SCHEMA,
        postgresql_where=sa.text("provider_reference <> ''"),
    )
    op.create_index(
        "ix_payments_action_expires_at",
        "payments",
        ["action_expires_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'REQUIRES_ACTION'"),
    )
    op.create_index(
        "ix_payments_authorizing",
        "payments",
        ["updated_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'AUTHORIZING'"),
    )
    op.add_column(
        "saga_steps", sa.Column("waiting", sa.Boolean(), server_default=sa.text("false"), nullable=False), schema=SCHEMA
    )
    op.add_column(
        "saga_steps", sa.Column("attempt", sa.BigInteger(), server_default=sa.text("0"), nullable=False), schema=SCHEMA
    )
    op.create_check_constraint(
        "ck_saga_steps_waiting_execute", "saga_steps", "NOT waiting OR action = 'EXECUTE'", schema=SCHEMA
    )
    op.create_index(
        "ix_saga_steps_waiting_payment",
        "saga_steps",
        ["payment_id"],
        schema=SCHEMA,
        postgresql_where=sa.text("waiting"),
    )
    op.create_table(
        "provider_events",
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("provider_reference", sa.Text(), nullable=False),
        sa.Column("payment_id", sa.UUID(), nullable=True),
        sa.Column("outcome", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.payments.id"]),
        sa.PrimaryKeyConstraint("event_id"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("provider_events", schema=SCHEMA)
    op.drop_index("ix_saga_steps_waiting_payment", table_name="saga_steps", schema=SCHEMA)
    op.drop_constraint("ck_saga_steps_waiting_execute", "saga_steps", schema=SCHEMA, type_="check")
    op.drop_column("saga_steps", "attempt", schema=SCHEMA)
    op.drop_column("saga_steps", "waiting", schema=SCHEMA)
    op.drop_index("ix_payments_authorizing", table_name="payments", schema=SCHEMA)
    op.drop_index("ix_payments_action_expires_at", table_name="payments", schema=SCHEMA)
    op.drop_index("ix_payments_provider_reference", table_name="payments", schema=SCHEMA)
    op.drop_constraint("ck_payments_action_expiry", "payments", schema=SCHEMA, type_="check")
    op.drop_constraint("ck_payments_decline_reason", "payments", schema=SCHEMA, type_="check")
    op.create_check_constraint(
        "ck_payments_decline_reason", "payments", "(status = 'DECLINED') = (decline_reason IS NOT NULL)", schema=SCHEMA
    )
    op.drop_constraint("ck_payments_status", "payments", schema=SCHEMA, type_="check")
    op.create_check_constraint("ck_payments_status", "payments", f"status IN ({OLD_STATUSES})", schema=SCHEMA)
    op.drop_column("payments", "action_expires_at", schema=SCHEMA)
