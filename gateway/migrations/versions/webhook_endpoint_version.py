"""webhook_endpoint_version: a version per webhook endpoint, its ETag (an update names the
version it read in If-Match; a stale one is 412 instead of silently overwriting)

Revision ID: webhook_endpoint_version
Revises: webhooks_no_show_overturned
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "webhook_endpoint_version"
down_revision: str | Sequence[str] | None = "webhooks_no_show_overturned"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "gateway"


def upgrade() -> None:
    # A constant default: PostgreSQL adds the column without rewriting the table.
    op.add_column(
        "webhook_endpoints",
        sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")),
        schema=SCHEMA,
    )
    op.create_check_constraint("version_positive", "webhook_endpoints", "version >= 1", schema=SCHEMA)


def downgrade() -> None:
    op.drop_constraint("version_positive", "webhook_endpoints", schema=SCHEMA, type_="check")
    op.drop_column("webhook_endpoints", "version", schema=SCHEMA)
