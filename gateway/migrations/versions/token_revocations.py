"""users: token_epoch and tokens_revoked_at. Every access token carries its account's epoch;
deactivating an account, changing its role or its password raises the epoch, and every
gateway process refuses tokens of an older epoch within a second (gateway.token_revocations),
where they lived out their 15 minutes before

Revision ID: token_revocations
Revises: 0005
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "token_revocations"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "gateway"


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("token_epoch", sa.Integer(), server_default=sa.text("0"), nullable=False),
        schema=SCHEMA,
    )
    op.add_column(
        "users", sa.Column("tokens_revoked_at", sa.DateTime(timezone=True), nullable=True), schema=SCHEMA
    )
    # What each gateway process reads every second: the accounts revoked within a token's life.
    op.create_index(
        "users_tokens_revoked_at",
        "users",
        ["tokens_revoked_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("tokens_revoked_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("users_tokens_revoked_at", "users", schema=SCHEMA)
    op.drop_column("users", "tokens_revoked_at", schema=SCHEMA)
    op.drop_column("users", "token_epoch", schema=SCHEMA)
