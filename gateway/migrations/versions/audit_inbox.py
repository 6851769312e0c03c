"""audit_inbox: the gateway's inbox of the audit entries it copies from the services

Revision ID: audit_inbox
Revises: audit_log
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "audit_inbox"
down_revision: str | None = "audit_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("message_id"),
        schema="gateway",
    )


def downgrade() -> None:
    op.drop_table("inbox", schema="gateway")
