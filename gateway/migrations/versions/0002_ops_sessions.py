"""ops sessions: the operator pages' cookie sessions, so that logging out revokes one

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ops_sessions",
        sa.Column("id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("user_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("expires_at > created_at", name="expires_after_creation"),
        sa.ForeignKeyConstraint(["user_id"], ["gateway.users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        schema="gateway",
    )
    op.create_index("ops_sessions_user_id", "ops_sessions", ["user_id"], schema="gateway")


def downgrade() -> None:
    op.drop_index("ops_sessions_user_id", table_name="ops_sessions", schema="gateway")
    op.drop_table("ops_sessions", schema="gateway")
