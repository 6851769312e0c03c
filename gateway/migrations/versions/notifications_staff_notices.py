"""notifications_staff_notices: a message need not be about a booking (a webhook endpoint's
disable notice to the company's admins): notification_messages.booking_id becomes nullable

Revision ID: notifications_staff_notices
Revises: notifications
Create Date: 2026-12-06

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "notifications_staff_notices"
down_revision: str | Sequence[str] | None = "notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "gateway"


def upgrade() -> None:
    op.alter_column(
        "notification_messages",
        "booking_id",
        existing_type=sa.UUID(as_uuid=False),
        nullable=True,
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.execute("DELETE FROM gateway.notification_messages WHERE booking_id IS NULL")
    op.alter_column(
        "notification_messages",
        "booking_id",
        existing_type=sa.UUID(as_uuid=False),
        nullable=False,
        schema=SCHEMA,
    )
