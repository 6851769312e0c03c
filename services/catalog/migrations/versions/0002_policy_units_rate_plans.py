"""policy rules, units, rate plans, daily prices, hourly rate, session cancellation

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 23:45:52.746017

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _int_column(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), server_default=sa.text("0"), nullable=False)


RULE_COLUMNS = [
    "min_duration_minutes",
    "max_duration_minutes",
    "min_nights",
    "max_nights",
    "granularity_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "max_active_bookings_per_customer",
    "check_in_deadline_minutes",
    "no_show_grace_minutes",
    "max_guests_per_unit",
]

RESOURCE_CHECKS = {
    "rules_not_negative": (
        "min_duration_minutes >= 0 AND max_duration_minutes >= 0 AND min_nights >= 0 AND max_nights >= 0"
        " AND granularity_minutes >= 0 AND buffer_before_minutes >= 0 AND buffer_after_minutes >= 0"
        " AND max_active_bookings_per_customer >= 0 AND check_in_deadline_minutes >= 0"
        " AND no_show_grace_minutes >= 0 AND max_guests_per_unit >= 0"
    ),
    "min_not_above_max": (
        "(max_duration_minutes = 0 OR min_duration_minutes <= max_duration_minutes)"
        " AND (max_nights = 0 OR min_nights <= max_nights)"
    ),
    "interval_rules": (
        "booking_model = 'INTERVAL' OR (min_duration_minutes = 0 AND max_duration_minutes = 0"
        " AND granularity_minutes = 0 AND buffer_before_minutes = 0 AND buffer_after_minutes = 0"
        " AND hourly_rate_amount_minor IS NULL)"
    ),
    "nightly_rules": (
        "booking_model = 'NIGHTLY' OR (min_nights = 0 AND max_nights = 0 AND max_guests_per_unit = 0)"
    ),
    "check_in_out_times": (
        "(booking_model = 'NIGHTLY') = (check_in_time IS NOT NULL AND check_out_time IS NOT NULL)"
        " AND (check_in_time IS NULL) = (check_out_time IS NULL)"
        " AND (check_out_time IS NULL OR check_out_time <= check_in_time)"
    ),
    "cancellation_windows_array": "jsonb_typeof(cancellation_windows) = 'array'",
    "hourly_rate": (
        "(hourly_rate_amount_minor IS NULL) = (hourly_rate_currency IS NULL)"
        " AND (hourly_rate_amount_minor IS NULL OR hourly_rate_amount_minor >= 0)"
    ),
    "version_positive": "version >= 1",
}


def upgrade() -> None:
    """Upgrade schema."""
    # Resources: the policy rules, the hourly rate of INTERVAL resources, a version.
    for name in RULE_COLUMNS:
        op.add_column("resources", _int_column(name), schema="catalog")
    op.add_column(
        "resources",
        sa.Column(
            "cancellation_windows",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        schema="catalog",
    )
    op.add_column("resources", sa.Column("check_in_time", sa.Time(), nullable=True), schema="catalog")
    op.add_column("resources", sa.Column("check_out_time", sa.Time(), nullable=True), schema="catalog")
    op.add_column("resources", sa.Column("hourly_rate_amount_minor", sa.BigInteger(), nullable=True), schema="catalog")
    op.add_column("resources", sa.Column("hourly_rate_currency", sa.Text(), nullable=True), schema="catalog")
    op.add_column(
        "resources",
        sa.Column("version", sa.BigInteger(), server_default=sa.text("1"), nullable=False),
        schema="catalog",
    )
    # Existing NIGHTLY resources get the default check-in and check-out times.
    op.execute(
        "UPDATE catalog.resources SET check_in_time = '15:00', check_out_time = '11:00'"
        " WHERE booking_model = 'NIGHTLY'"
    )
    for name, condition in RESOURCE_CHECKS.items():
        op.create_check_constraint(op.f(f"ck_resources_{name}"), "resources", condition, schema="catalog")
    op.create_foreign_key(
        op.f("fk_resources_company_id_hourly_rate_currency_companies"),
        "resources",
        "companies",
        ["company_id", "hourly_rate_currency"],
        ["id", "currency_code"],
        source_schema="catalog",
        referent_schema="catalog",
    )

    # One row per change of a resource after its creation.
    op.create_table(
        "resource_changes",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("resource_id", sa.UUID(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('POLICY', 'HOURLY_RATE')", name=op.f("ck_resource_changes_kind_known")),
        sa.ForeignKeyConstraint(
            ["resource_id"], ["catalog.resources.id"], name=op.f("fk_resource_changes_resource_id_resources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resource_changes")),
        sa.UniqueConstraint("request_id", name=op.f("uq_resource_changes_request_id")),
        sa.UniqueConstraint("resource_id", "version", name=op.f("uq_resource_changes_resource_id_version")),
        schema="catalog",
    )

    # Sessions: cancellation.
    op.add_column("sessions", sa.Column("cancel_reason", sa.Text(), nullable=True), schema="catalog")
    op.add_column("sessions", sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True), schema="catalog")
    op.add_column("sessions", sa.Column("cancel_request_id", sa.Text(), nullable=True), schema="catalog")
    op.create_check_constraint(
        op.f("ck_sessions_cancelled_with_reason"),
        "sessions",
        "(status = 'CANCELLED') = (cancelled_at IS NOT NULL AND cancel_reason IS NOT NULL)"
        " AND (cancelled_at IS NULL) = (cancel_reason IS NULL)",
        schema="catalog",
    )

    # Extras: what the price is multiplied by.
    op.add_column(
        "extras",
        sa.Column("pricing_unit", sa.Text(), server_default=sa.text("'PER_BOOKING'"), nullable=False),
        schema="catalog",
    )
    op.create_check_constraint(
        op.f("ck_extras_pricing_unit_known"),
        "extras",
        "pricing_unit IN ('PER_BOOKING', 'PER_NIGHT', 'PER_GUEST', 'PER_HOUR', 'PER_GUEST_NIGHT')",
        schema="catalog",
    )

    # Units of NIGHTLY resources.
    op.create_table(
        "units",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("resource_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("length(btrim(name)) > 0", name=op.f("ck_units_name_not_blank")),
        sa.ForeignKeyConstraint(["company_id"], ["catalog.companies.id"], name=op.f("fk_units_company_id_companies")),
        sa.ForeignKeyConstraint(
            ["resource_id"], ["catalog.resources.id"], name=op.f("fk_units_resource_id_resources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
        sa.UniqueConstraint("request_id", name=op.f("uq_units_request_id")),
        schema="catalog",
    )
    op.create_index(
        op.f("ix_units_resource_id_created_at_id"),
        "units",
        ["resource_id", "created_at", "id"],
        unique=False,
        schema="catalog",
    )
    op.create_index(
        "uq_units_resource_id_name",
        "units",
        ["resource_id", sa.literal_column("lower(name)")],
        unique=True,
        schema="catalog",
    )

    # Rate plans of NIGHTLY resources, their daily prices and overrides.
    op.create_table(
        "rate_plans",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("resource_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("default_amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("default_amount_minor >= 0", name=op.f("ck_rate_plans_price_not_negative")),
        sa.CheckConstraint("length(btrim(name)) > 0", name=op.f("ck_rate_plans_name_not_blank")),
        sa.ForeignKeyConstraint(
            ["company_id", "currency"],
            ["catalog.companies.id", "catalog.companies.currency_code"],
            name=op.f("fk_rate_plans_company_id_currency_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"], ["catalog.resources.id"], name=op.f("fk_rate_plans_resource_id_resources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_plans")),
        # Target of the (rate_plan_id, company_id) key of daily prices.
        sa.UniqueConstraint("id", "company_id", name=op.f("uq_rate_plans_id_company_id")),
        sa.UniqueConstraint("request_id", name=op.f("uq_rate_plans_request_id")),
        schema="catalog",
    )
    op.create_index(
        op.f("ix_rate_plans_resource_id_created_at_id"),
        "rate_plans",
        ["resource_id", "created_at", "id"],
        unique=False,
        schema="catalog",
    )
    op.create_index(
        "uq_rate_plans_resource_id_name",
        "rate_plans",
        ["resource_id", sa.literal_column("lower(name)")],
        unique=True,
        schema="catalog",
    )
    op.create_table(
        "daily_prices",
        sa.Column("rate_plan_id", sa.UUID(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("override", sa.Boolean(), nullable=False),
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("amount_minor >= 0", name=op.f("ck_daily_prices_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["company_id", "currency"],
            ["catalog.companies.id", "catalog.companies.currency_code"],
            name=op.f("fk_daily_prices_company_id_currency_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["rate_plan_id", "company_id"],
            ["catalog.rate_plans.id", "catalog.rate_plans.company_id"],
            name=op.f("fk_daily_prices_rate_plan_id_company_id_rate_plans"),
        ),
        sa.PrimaryKeyConstraint("rate_plan_id", "day", "override", name=op.f("pk_daily_prices")),
        schema="catalog",
    )
    op.create_table(
        "price_updates",
        sa.Column("request_id", sa.Text(), nullable=False),
        sa.Column("rate_plan_id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["rate_plan_id"], ["catalog.rate_plans.id"], name=op.f("fk_price_updates_rate_plan_id_rate_plans")
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_price_updates")),
        schema="catalog",
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("price_updates", schema="catalog")
    op.drop_table("daily_prices", schema="catalog")
    op.drop_index("uq_rate_plans_resource_id_name", table_name="rate_plans", schema="catalog")
    op.drop_index(op.f("ix_rate_plans_resource_id_created_at_id"), table_name="rate_plans", schema="catalog")
    op.drop_table("rate_plans", schema="catalog")
    op.drop_index("uq_units_resource_id_name", table_name="units", schema="catalog")
    op.drop_index(op.f("ix_units_resource_id_created_at_id"), table_name="units", schema="catalog")
    op.drop_table("units", schema="catalog")
    op.drop_constraint(op.f("ck_extras_pricing_unit_known"), "extras", schema="catalog", type_="check")
    op.drop_column("extras", "pricing_unit", schema="catalog")
    op.drop_constraint(op.f("ck_sessions_cancelled_with_reason"), "sessions", schema="catalog", type_="check")
    op.drop_column("sessions", "cancel_request_id", schema="catalog")
    op.drop_column("sessions", "cancelled_at", schema="catalog")
    op.drop_column("sessions", "cancel_reason", schema="catalog")
    op.drop_table("resource_changes", schema="catalog")
    op.drop_constraint(
        op.f("fk_resources_company_id_hourly_rate_currency_companies"), "resources", schema="catalog", type_="foreignkey"
    )
    for name in RESOURCE_CHECKS:
        op.drop_constraint(op.f(f"ck_resources_{name}"), "resources", schema="catalog", type_="check")
    for name in ["version", "hourly_rate_currency", "hourly_rate_amount_minor", "check_out_time", "check_in_time"]:
        op.drop_column("resources", name, schema="catalog")
    op.drop_column("resources", "cancellation_windows", schema="catalog")
    for name in reversed(RULE_COLUMNS):
        op.drop_column("resources", name, schema="catalog")
