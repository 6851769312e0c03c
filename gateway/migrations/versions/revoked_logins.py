"""refresh_tokens: an index of the revoked ones. An access token names its login (claim `sid`,
the refresh token family); a logout or a refresh token's reuse revokes the family, and every
gateway process reads the families revoked within a token's life every second
(gateway.token_revocations), so that login's access tokens are refused at once and the
account's other logins go on

Revision ID: revoked_logins
Revises: token_revocations
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "revoked_logins"
down_revision: str | Sequence[str] | None = "token_revocations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "gateway"


def upgrade() -> None:
    op.create_index(
        "refresh_tokens_revoked_at",
        "refresh_tokens",
        ["revoked_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("revoked_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("refresh_tokens_revoked_at", table_name="refresh_tokens", schema=SCHEMA)
