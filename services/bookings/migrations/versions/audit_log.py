"""audit_log: the bookings schema's append-only audit log (plumbing.audit)

A branch of its own (label `audit`), so it needs no other migration of this schema but the
first one; plumbing.migrations upgrades to every head.

Revision ID: audit_log
Revises: 0008
"""

from collections.abc import Sequence

from alembic import op

from plumbing.audit import create_audit_log, drop_audit_log

revision: str = "audit_log"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = ("audit",)
depends_on: str | Sequence[str] | None = None

SCHEMA = "bookings"


def upgrade() -> None:
    create_audit_log(op, SCHEMA)


def downgrade() -> None:
    drop_audit_log(op, SCHEMA)
