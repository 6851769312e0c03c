"""recurring session series; sessions versioned (etag) and linked to their series

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "catalog"


def upgrade() -> None:
    op.create_table(
        "session_series",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("resource_id", sa.UUID(), nullable=False),
        sa.Column("rrule", sa.Text(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("start_time_of_day", sa.Time(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("time_zone", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "duration_minutes BETWEEN 1 AND 1440", name=op.f("ck_session_series_duration_range")
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"], [f"{SCHEMA}.resources.id"], name=op.f("fk_session_series_resource_id_resources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_series")),
        sa.UniqueConstraint("request_id", name=op.f("uq_session_series_request_id")),
        schema=SCHEMA,
    )
    op.add_column(
        "sessions",
        sa.Column("version", sa.BigInteger(), server_default=sa.text("1"), nullable=False),
        schema=SCHEMA,
    )
    op.add_column("sessions", sa.Column("series_id", sa.UUID(), nullable=True), schema=SCHEMA)
    op.create_foreign_key(
        op.f("fk_sessions_series_id_session_series"),
        "sessions",
        "session_series",
        ["series_id"],
        ["id"],
        source_schema=SCHEMA,
        referent_schema=SCHEMA,
    )
    op.create_index(
        op.f("ix_sessions_series_id_start_time"),
        "sessions",
        ["series_id", "start_time"],
        schema=SCHEMA,
        postgresql_where=sa.text("series_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_sessions_series_id_start_time"), table_name="sessions", schema=SCHEMA)
    op.drop_constraint(op.f("fk_sessions_series_id_session_series"), "sessions", schema=SCHEMA)
    op.drop_column("sessions", "series_id", schema=SCHEMA)
    op.drop_column("sessions", "version", schema=SCHEMA)
    op.drop_table("session_series", schema=SCHEMA)
