"""initial: companies, customers, resources, sessions, extras and the outbox

Revision ID: 0001
Revises:
Create Date: 2026-11-21 23:32:01.981972

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "companies",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("time_zone", sa.Text(), nullable=False),
        sa.Column("currency_code", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("currency_code ~ '^[A-Z]{3}$'", name=op.f("ck_companies_currency_code_iso")),
        sa.CheckConstraint("length(btrim(name)) > 0", name=op.f("ck_companies_name_not_blank")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        # Target of the (company_id, price_currency) keys of sessions and extras.
        sa.UniqueConstraint("id", "currency_code", name=op.f("uq_companies_id_currency_code")),
        sa.UniqueConstraint("request_id", name=op.f("uq_companies_request_id")),
        schema="catalog",
    )

    op.create_table(
        "customers",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("guest", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("guest OR email IS NOT NULL", name=op.f("ck_customers_email_unless_guest")),
        sa.CheckConstraint("length(btrim(display_name)) > 0", name=op.f("ck_customers_display_name_not_blank")),
        sa.ForeignKeyConstraint(
            ["company_id"], ["catalog.companies.id"], name=op.f("fk_customers_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("request_id", name=op.f("uq_customers_request_id")),
        schema="catalog",
    )
    op.create_index(
        "uq_customers_company_id_email",
        "customers",
        ["company_id", sa.literal_column("lower(email)")],
        unique=True,
        schema="catalog",
        postgresql_where=sa.text("email IS NOT NULL"),
    )

    op.create_table(
        "resources",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("booking_model", sa.Text(), nullable=False),
        sa.Column("lead_time_minutes", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("horizon_days", sa.Integer(), server_default=sa.text("365"), nullable=False),
        sa.Column("free_cancellation_minutes", sa.Integer(), server_default=sa.text("1440"), nullable=False),
        sa.Column("max_places_per_booking", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "booking_model IN ('TIME_SLOT', 'NIGHTLY', 'INTERVAL')", name=op.f("ck_resources_booking_model_known")
        ),
        sa.CheckConstraint(
            "lead_time_minutes >= 0 AND horizon_days >= 0 AND free_cancellation_minutes >= 0"
            " AND max_places_per_booking >= 0",
            name=op.f("ck_resources_policy_not_negative"),
        ),
        sa.CheckConstraint("length(btrim(name)) > 0", name=op.f("ck_resources_name_not_blank")),
        sa.ForeignKeyConstraint(
            ["company_id"], ["catalog.companies.id"], name=op.f("fk_resources_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resources")),
        sa.UniqueConstraint("request_id", name=op.f("uq_resources_request_id")),
        schema="catalog",
    )
    op.create_index(op.f("ix_resources_company_id"), "resources", ["company_id"], unique=False, schema="catalog")

    op.create_table(
        "sessions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("resource_id", sa.UUID(), nullable=False),
        sa.Column("start_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("price_amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("price_currency", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'OPEN'"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("status IN ('OPEN', 'CANCELLED')", name=op.f("ck_sessions_status_known")),
        sa.CheckConstraint("capacity >= 1", name=op.f("ck_sessions_capacity_positive")),
        sa.CheckConstraint("end_time > start_time", name=op.f("ck_sessions_time_range")),
        sa.CheckConstraint("price_amount_minor >= 0", name=op.f("ck_sessions_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["company_id", "price_currency"],
            ["catalog.companies.id", "catalog.companies.currency_code"],
            name=op.f("fk_sessions_company_id_price_currency_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"], ["catalog.resources.id"], name=op.f("fk_sessions_resource_id_resources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("request_id", name=op.f("uq_sessions_request_id")),
        schema="catalog",
    )
    op.create_index(
        op.f("ix_sessions_company_id_start_time_id"),
        "sessions",
        ["company_id", "start_time", "id"],
        unique=False,
        schema="catalog",
    )
    op.create_index(
        op.f("ix_sessions_resource_id_start_time_id"),
        "sessions",
        ["resource_id", "start_time", "id"],
        unique=False,
        schema="catalog",
    )

    op.create_table(
        "extras",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("price_amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("price_currency", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("length(btrim(name)) > 0", name=op.f("ck_extras_name_not_blank")),
        sa.CheckConstraint("price_amount_minor >= 0", name=op.f("ck_extras_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["company_id", "price_currency"],
            ["catalog.companies.id", "catalog.companies.currency_code"],
            name=op.f("fk_extras_company_id_price_currency_companies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extras")),
        sa.UniqueConstraint("request_id", name=op.f("uq_extras_request_id")),
        schema="catalog",
    )
    op.create_index(
        op.f("ix_extras_company_id_created_at_id"),
        "extras",
        ["company_id", "created_at", "id"],
        unique=False,
        schema="catalog",
    )

    # plumbing.outbox.outbox_table: catalog.events.* messages waiting for the relay.
    op.create_table(
        "outbox",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column(
            "headers",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        schema="catalog",
    )
    op.create_index(
        "ix_outbox_unpublished",
        "outbox",
        ["created_at"],
        unique=False,
        schema="catalog",
        postgresql_where=sa.text("published_at IS NULL"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_outbox_unpublished", table_name="outbox", schema="catalog")
    op.drop_table("outbox", schema="catalog")
    op.drop_index(op.f("ix_extras_company_id_created_at_id"), table_name="extras", schema="catalog")
    op.drop_table("extras", schema="catalog")
    op.drop_index(op.f("ix_sessions_resource_id_start_time_id"), table_name="sessions", schema="catalog")
    op.drop_index(op.f("ix_sessions_company_id_start_time_id"), table_name="sessions", schema="catalog")
    op.drop_table("sessions", schema="catalog")
    op.drop_index(op.f("ix_resources_company_id"), table_name="resources", schema="catalog")
    op.drop_table("resources", schema="catalog")
    op.drop_index("uq_customers_company_id_email", table_name="customers", schema="catalog")
    op.drop_table("customers", schema="catalog")
    op.drop_table("companies", schema="catalog")
