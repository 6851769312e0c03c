"""calendar_feeds_of_staff: a feed may belong to one staff member (their own, revocable by them
and dead with their account)

Revision ID: calendar_feeds_of_staff
Revises: notifications_staff_notices
Create Date: 2026-12-06

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "calendar_feeds_of_staff"
down_revision: str | Sequence[str] | None = "notifications_staff_notices"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "gateway"


def upgrade() -> None:
    op.add_column("calendar_feeds", sa.Column("user_id", postgresql.UUID(as_uuid=False)), schema=SCHEMA)
    op.create_foreign_key(
        "calendar_feeds_user",
        "calendar_feeds",
        "users",
        ["user_id"],
        ["id"],
        source_schema=SCHEMA,
        referent_schema=SCHEMA,
    )
    op.create_index(
        "calendar_feeds_of_user",
        "calendar_feeds",
        ["user_id", "created_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("user_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("calendar_feeds_of_user", table_name="calendar_feeds", schema=SCHEMA)
    op.drop_constraint("calendar_feeds_user", "calendar_feeds", schema=SCHEMA, type_="foreignkey")
    op.drop_column("calendar_feeds", "user_id", schema=SCHEMA)
