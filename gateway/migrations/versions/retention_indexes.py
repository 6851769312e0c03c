"""Retention (plumbing.retention): BRIN indexes on the received_at of the gateway's inboxes
(the audit copier's, the notifications' and the Web Push consumer's), so that a pass deleting
week-old rows reads only the oldest pages; and on idempotency_keys.claimed_at, ops_sessions
and refresh_tokens' expires_at, whose old rows the gateway deletes too.

Revision ID: retention_indexes
Revises: web_push, audit_inbox, calendar_feeds_of_staff (a merge: those create the tables indexed)
Create Date: 2026-12-07

"""

from collections.abc import Sequence

from alembic import op

revision: str = "retention_indexes"
# A merge, not `depends_on`: with depends_on, the version table drops audit_inbox while the
# scripts still count it a head, and the restore drill's "migrations at head" check fails.
down_revision: str | Sequence[str] | None = ("web_push", "audit_inbox", "calendar_feeds_of_staff")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "gateway"

INDEXES = (
    ("ix_inbox_received_brin", "inbox", "received_at"),
    ("ix_notification_inbox_received_brin", "notification_inbox", "received_at"),
    ("ix_push_inbox_received_brin", "push_inbox", "received_at"),
    ("ix_idempotency_keys_claimed_brin", "idempotency_keys", "claimed_at"),
    ("ix_ops_sessions_expires_brin", "ops_sessions", "expires_at"),
    ("ix_refresh_tokens_expires_brin", "refresh_tokens", "expires_at"),
)


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [column], schema=SCHEMA, postgresql_using="brin")


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table, schema=SCHEMA)
