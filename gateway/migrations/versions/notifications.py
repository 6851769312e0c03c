"""notifications: the e-mail outbox (one message per booking event and recipient), its own
inbox, and the iCalendar feeds behind secret URLs (gateway.notifications)

Revision ID: notifications
Revises: webhooks_refunds
Create Date: 2026-12-06

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "notifications"
down_revision: str | Sequence[str] | None = "webhooks_refunds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "gateway"


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "notification_inbox",
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("message_id"),
        schema=SCHEMA,
    )
    op.create_table(
        "notification_messages",
        sa.Column("id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("company_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("booking_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("audience", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("ics", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default="PENDING", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('PENDING', 'SENT', 'FAILED')", name="notification_status_known"),
        sa.CheckConstraint("audience IN ('CUSTOMER', 'STAFF')", name="notification_audience_known"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "recipient", name="notification_messages_once_per_recipient"),
        schema=SCHEMA,
    )
    op.create_index(
        "notification_messages_due",
        "notification_messages",
        ["next_attempt_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'PENDING'"),
    )
    op.create_index(
        "notification_messages_of_company",
        "notification_messages",
        ["company_id", "created_at"],
        schema=SCHEMA,
    )
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("company_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("resource_id", sa.UUID(as_uuid=False), nullable=True),
        sa.Column("name", sa.Text(), server_default="", nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash", name="calendar_feeds_token_hash"),
        schema=SCHEMA,
    )
    op.create_index(
        "calendar_feeds_of_company", "calendar_feeds", ["company_id", "created_at"], schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_table("calendar_feeds", schema=SCHEMA)
    op.drop_table("notification_messages", schema=SCHEMA)
    op.drop_table("notification_inbox", schema=SCHEMA)
