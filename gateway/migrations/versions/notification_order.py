"""notification_order: a booking's e-mails to one recipient go out in the order of their
events; the dispatcher's claim looks for an earlier one still pending through this index

Revision ID: notification_order
Revises: webhook_endpoint_version
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "notification_order"
down_revision: str | Sequence[str] | None = "webhook_endpoint_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "gateway"


def upgrade() -> None:
    op.create_index(
        "notification_messages_pending_of_booking",
        "notification_messages",
        ["booking_id", "recipient", "occurred_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'PENDING'"),
    )


def downgrade() -> None:
    op.drop_index("notification_messages_pending_of_booking", "notification_messages", schema=SCHEMA)
