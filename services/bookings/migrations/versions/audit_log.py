"""audit_log: the bookings schema's append-only audit log (plumbing.audit)

A branch of its own (label `audit`), so it needs no other migration of this schema but the
first one; plumbing.migrations upgrades to every head.

Revision ID: audit_log
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from plumbing.audit import append_only_sql, drop_append_only_sql

revision: str = "audit_log"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = ("audit",)
depends_on: str | Sequence[str] | None = None

SCHEMA = "bookings"


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("service", sa.Text(), nullable=False),
        sa.Column("company_id", sa.Text(), nullable=True),
        sa.Column("actor_user_id", sa.Text(), nullable=True),
        sa.Column("actor_api_key_id", sa.Text(), nullable=True),
        sa.Column("actor_role", sa.Text(), nullable=False),
        sa.Column("entity_type", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("changed", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("trace_id", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        schema=SCHEMA,
    )
    op.create_index("ix_audit_log_occurred_at", "audit_log", ["occurred_at", "id"], schema=SCHEMA)
    op.create_index("ix_audit_log_company", "audit_log", ["company_id", "occurred_at", "id"], schema=SCHEMA)
    op.create_index("ix_audit_log_entity", "audit_log", ["entity_type", "entity_id"], schema=SCHEMA)
    for statement in append_only_sql(SCHEMA):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_append_only_sql(SCHEMA):
        op.execute(statement)
    op.drop_table("audit_log", schema=SCHEMA)
