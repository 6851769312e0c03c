"""web_push: staff devices subscribed to Web Push, the booking events they are told about, one
delivery per (subscription, event), and the push consumer's own inbox (gateway.push)

Revision ID: web_push
Revises: webhooks_refunds
Create Date: 2026-12-06

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "web_push"
down_revision: str | Sequence[str] | None = "webhooks_refunds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "gateway"


def upgrade() -> None:
    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("user_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("company_id", sa.UUID(as_uuid=False), nullable=True),
        sa.Column("endpoint", sa.Text(), nullable=False),
        sa.Column("p256dh", sa.Text(), nullable=False),
        sa.Column("auth", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("endpoint ~ '^https?://'", name="push_endpoint_http"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("endpoint", name="push_subscriptions_endpoint_once"),
        schema=SCHEMA,
    )
    op.create_index("push_subscriptions_of_company", "push_subscriptions", ["company_id"], schema=SCHEMA)
    op.create_index("push_subscriptions_of_user", "push_subscriptions", ["user_id"], schema=SCHEMA)
    op.create_table(
        "push_events",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("company_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("booking_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        schema=SCHEMA,
    )
    op.create_table(
        "push_deliveries",
        sa.Column("id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("subscription_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="PENDING", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('PENDING', 'SUCCEEDED', 'FAILED')", name="push_status_known"),
        sa.ForeignKeyConstraint(["subscription_id"], ["gateway.push_subscriptions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["event_id"], ["gateway.push_events.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subscription_id", "event_id", name="push_deliveries_once_per_subscription"),
        schema=SCHEMA,
    )
    op.create_index(
        "push_deliveries_due",
        "push_deliveries",
        ["next_attempt_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'PENDING'"),
    )
    op.create_table(
        "push_inbox",
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("message_id"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("push_inbox", schema=SCHEMA)
    op.drop_index("push_deliveries_due", table_name="push_deliveries", schema=SCHEMA)
    op.drop_table("push_deliveries", schema=SCHEMA)
    op.drop_table("push_events", schema=SCHEMA)
    op.drop_index("push_subscriptions_of_user", table_name="push_subscriptions", schema=SCHEMA)
    op.drop_index("push_subscriptions_of_company", table_name="push_subscriptions", schema=SCHEMA)
    op.drop_table("push_subscriptions", schema=SCHEMA)
