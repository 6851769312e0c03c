"""back office: company profile, CORS origins, suspension and version; resource description,
images, amenities, capacity, archive; units, extras and rate plans versioned (and archivable);
the changes table keying back-office updates by request_id

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 20:50:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "catalog"


def _text(name: str) -> sa.Column:
    return sa.Column(name, sa.Text(), server_default=sa.text("''"), nullable=False)


def _texts(name: str) -> sa.Column:
    return sa.Column(name, postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False)


def _version() -> sa.Column:
    return sa.Column("version", sa.BigInteger(), server_default=sa.text("1"), nullable=False)


def _archived_at() -> sa.Column:
    return sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    for column in (
        _text("description"),
        _text("contact_email"),
        _text("contact_phone"),
        _text("address"),
        _texts("allowed_origins"),
        sa.Column("state", sa.Text(), server_default=sa.text("'ACTIVE'"), nullable=False),
        sa.Column("suspend_reason", sa.Text(), nullable=True),
        _version(),
    ):
        op.add_column("companies", column, schema=SCHEMA)
    op.create_check_constraint(
        op.f("ck_companies_state_known"), "companies", "state IN ('ACTIVE', 'SUSPENDED')", schema=SCHEMA
    )
    op.create_check_constraint(
        op.f("ck_companies_suspended_with_reason"),
        "companies",
        "(state = 'SUSPENDED') = (suspend_reason IS NOT NULL)",
        schema=SCHEMA,
    )
    for column in (
        _text("description"),
        _texts("image_urls"),
        _texts("amenities"),
        sa.Column("capacity", sa.Integer(), server_default=sa.text("0"), nullable=False),
        _archived_at(),
    ):
        op.add_column("resources", column, schema=SCHEMA)
    op.create_check_constraint(
        op.f("ck_resources_capacity_not_negative"), "resources", "capacity >= 0", schema=SCHEMA
    )
    op.add_column("units", _archived_at(), schema=SCHEMA)
    op.add_column("units", _version(), schema=SCHEMA)
    op.add_column("extras", _text("description"), schema=SCHEMA)
    op.add_column("extras", _archived_at(), schema=SCHEMA)
    op.add_column("extras", _version(), schema=SCHEMA)
    op.add_column("rate_plans", _version(), schema=SCHEMA)
    op.create_table(
        "changes",
        sa.Column("request_id", sa.Text(), nullable=False),
        sa.Column("entity_type", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_changes")),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("changes", schema=SCHEMA)
    op.drop_column("rate_plans", "version", schema=SCHEMA)
    for column in ("version", "archived_at", "description"):
        op.drop_column("extras", column, schema=SCHEMA)
    for column in ("version", "archived_at"):
        op.drop_column("units", column, schema=SCHEMA)
    op.drop_constraint(op.f("ck_resources_capacity_not_negative"), "resources", schema=SCHEMA)
    for column in ("archived_at", "capacity", "amenities", "image_urls", "description"):
        op.drop_column("resources", column, schema=SCHEMA)
    op.drop_constraint(op.f("ck_companies_suspended_with_reason"), "companies", schema=SCHEMA)
    op.drop_constraint(op.f("ck_companies_state_known"), "companies", schema=SCHEMA)
    for column in (
        "version",
        "suspend_reason",
        "state",
        "allowed_origins",
        "address",
        "contact_phone",
        "contact_email",
        "description",
    ):
        op.drop_column("companies", column, schema=SCHEMA)
