"""Retention (plumbing.retention): BRIN indexes on outbox.created_at and inbox.received_at, so that a pass
deleting week-old rows reads only the oldest pages. BRIN: a few pages for the whole table and
next to nothing per insert, as the rows arrive in time order.

Revision ID: retention_indexes
Revises: 0001
Create Date: 2026-12-07

"""

from collections.abc import Sequence

from alembic import op

revision: str = "retention_indexes"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "wallet"


def upgrade() -> None:
    op.create_index(
        "ix_outbox_created_brin", "outbox", ["created_at"], schema=SCHEMA, postgresql_using="brin"
    )
    op.create_index(
        "ix_inbox_received_brin", "inbox", ["received_at"], schema=SCHEMA, postgresql_using="brin"
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_created_brin", "outbox", schema=SCHEMA)
    op.drop_index("ix_inbox_received_brin", "inbox", schema=SCHEMA)
