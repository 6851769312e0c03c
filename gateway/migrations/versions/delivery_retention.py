"""Retention of the delivery records (gateway.retention): the indexes a pass needs to find
old webhook and Web Push deliveries and e-mails, and an event's deliveries by event (an event
is deleted only when none of its deliveries is left).

Revision ID: delivery_retention
Revises: retention_indexes, webhooks_no_show (a merge: those create or follow the tables indexed)
Create Date: 2026-12-07

"""

from collections.abc import Sequence

from alembic import op

revision: str = "delivery_retention"
down_revision: str | Sequence[str] | None = ("retention_indexes", "webhooks_no_show")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "gateway"

AGE_INDEXES = (
    ("ix_webhook_deliveries_created_brin", "webhook_deliveries", "created_at"),
    ("ix_webhook_events_received_brin", "webhook_events", "received_at"),
    ("ix_push_deliveries_created_brin", "push_deliveries", "created_at"),
    ("ix_push_events_received_brin", "push_events", "received_at"),
    ("ix_notification_messages_created_brin", "notification_messages", "created_at"),
)
EVENT_INDEXES = (
    ("webhook_deliveries_of_event", "webhook_deliveries", "event_id"),
    ("push_deliveries_of_event", "push_deliveries", "event_id"),
)


def upgrade() -> None:
    for name, table, column in AGE_INDEXES:
        op.create_index(name, table, [column], schema=SCHEMA, postgresql_using="brin")
    for name, table, column in EVENT_INDEXES:
        op.create_index(name, table, [column], schema=SCHEMA)


def downgrade() -> None:
    for name, table, _ in (*AGE_INDEXES, *EVENT_INDEXES):
        op.drop_index(name, table, schema=SCHEMA)
