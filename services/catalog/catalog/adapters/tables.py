"""The catalog schema. Constraints carry the rules the database judges."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    Time,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from plumbing.outbox import outbox_table
from plumbing.retention import message_rules

SCHEMA = "catalog"

metadata = MetaData(
    schema=SCHEMA,
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    },
)


def _created_at() -> Column:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


def _request_id() -> Column:
    # The idempotency key of the create request; NULL when the caller sent none.
    return Column("request_id", Text, unique=True)


companies = Table(
    "companies",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    _request_id(),
    Column("name", Text, nullable=False),
    Column("time_zone", Text, nullable=False),
    Column("currency_code", Text, nullable=False),
    _created_at(),
    # Back office (0003): profile, CORS origins, suspension, and the version behind the etag.
    Column("description", Text, nullable=False, server_default=text("''")),
    Column("contact_email", Text, nullable=False, server_default=text("''")),
    Column("contact_phone", Text, nullable=False, server_default=text("''")),
    Column("address", Text, nullable=False, server_default=text("''")),
    Column("allowed_origins", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("state", Text, nullable=False, server_default=text("'ACTIVE'")),
    Column("suspend_reason", Text),
    Column("version", BigInteger, nullable=False, server_default=text("1")),
    CheckConstraint("state IN ('ACTIVE', 'SUSPENDED')", name="state_known"),
    CheckConstraint("(state = 'SUSPENDED') = (suspend_reason IS NOT NULL)", name="suspended_with_reason"),
    CheckConstraint("currency_code ~ '^[A-Z]{3}$'", name="currency_code_iso"),
    CheckConstraint("length(btrim(name)) > 0", name="name_not_blank"),
    # Target of the (company_id, currency) keys that keep every price in the company's currency.
    UniqueConstraint("id", "currency_code"),
)

customers = Table(
    "customers",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    _request_id(),
    Column("company_id", UUID(as_uuid=True), ForeignKey("companies.id"), nullable=False),
    Column("display_name", Text, nullable=False),
    Column("email", Text),
    Column("guest", Boolean, nullable=False, server_default=text("false")),
    _created_at(),
    Column("phone", Text),
    # Raised by every update; UpdateCustomer's expected_version (the gateway's ETag) is checked
    # against it in the UPDATE's WHERE.
    Column("version", BigInteger, nullable=False, server_default=text("1")),
    CheckConstraint("guest OR email IS NOT NULL", name="email_unless_guest"),
    CheckConstraint("length(btrim(display_name)) > 0", name="display_name_not_blank"),
)

# E-mail addresses are unique per company, compared case-insensitively.
CUSTOMER_EMAIL_INDEX = "uq_customers_company_id_email"
Index(
    CUSTOMER_EMAIL_INDEX,
    customers.c.company_id,
    func.lower(customers.c.email),
    unique=True,
    postgresql_where=customers.c.email.is_not(None),
)
# Search by prefix: the embedded PostgreSQL has no pg_trgm, so the name and e-mail prefixes
# are served by text_pattern_ops btrees on their lower case (LIKE 'abc%' under any collation).
Index(
    "ix_customers_company_id_name_prefix",
    customers.c.company_id,
    func.lower(customers.c.display_name).label("name_lower"),
    postgresql_ops={"name_lower": "text_pattern_ops"},
)
Index(
    "ix_customers_company_id_email_prefix",
    customers.c.company_id,
    func.lower(customers.c.email).label("email_lower"),
    postgresql_ops={"email_lower": "text_pattern_ops"},
    postgresql_where=customers.c.email.is_not(None),
)
# The list's order: by name, then id (keyset paging).
Index(
    "ix_customers_company_id_display_name_id",
    customers.c.company_id,
    customers.c.display_name,
    customers.c.id,
)

resources = Table(
    "resources",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    _request_id(),
    Column("company_id", UUID(as_uuid=True), ForeignKey("companies.id"), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("booking_model", Text, nullable=False),
    Column("lead_time_minutes", Integer, nullable=False, server_default=text("0")),
    Column("horizon_days", Integer, nullable=False, server_default=text("365")),
    Column("free_cancellation_minutes", Integer, nullable=False, server_default=text("1440")),
    Column("max_places_per_booking", Integer, nullable=False, server_default=text("0")),
    _created_at(),
    # Policy rules of 0002 (see ResourcePolicy); 0 = no limit / not used.
    Column("min_duration_minutes", Integer, nullable=False, server_default=text("0")),
    Column("max_duration_minutes", Integer, nullable=False, server_default=text("0")),
    Column("min_nights", Integer, nullable=False, server_default=text("0")),
    Column("max_nights", Integer, nullable=False, server_default=text("0")),
    Column("granularity_minutes", Integer, nullable=False, server_default=text("0")),
    Column("buffer_before_minutes", Integer, nullable=False, server_default=text("0")),
    Column("buffer_after_minutes", Integer, nullable=False, server_default=text("0")),
    Column("max_active_bookings_per_customer", Integer, nullable=False, server_default=text("0")),
    Column("check_in_deadline_minutes", Integer, nullable=False, server_default=text("0")),
    Column("no_show_grace_minutes", Integer, nullable=False, server_default=text("0")),
    Column("max_guests_per_unit", Integer, nullable=False, server_default=text("0")),
    # [{"minutes_before_start": 2880, "refund_percent": 100}, ...] widest first (validated by
    # catalog.domain.rules.cancellation_windows); [] = derived from free_cancellation_minutes.
    Column("cancellation_windows", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    # Local times of day of a NIGHTLY resource; NULL for the other models.
    Column("check_in_time", Time),
    Column("check_out_time", Time),
    # INTERVAL only: price of one hour, in the company's currency.
    Column("hourly_rate_amount_minor", BigInteger),
    Column("hourly_rate_currency", Text),
    # 1 at creation, +1 per change; orders the resource_updated events.
    Column("version", BigInteger, nullable=False, server_default=text("1")),
    # Back office (0003): shown to customers; archived = hidden from lists and new bookings.
    Column("description", Text, nullable=False, server_default=text("''")),
    Column("image_urls", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("amenities", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("capacity", Integer, nullable=False, server_default=text("0")),
    Column("archived_at", DateTime(timezone=True)),
    CheckConstraint("capacity >= 0", name="capacity_not_negative"),
    CheckConstraint("booking_model IN ('TIME_SLOT', 'NIGHTLY', 'INTERVAL')", name="booking_model_known"),
    CheckConstraint(
        "lead_time_minutes >= 0 AND horizon_days >= 0 AND free_cancellation_minutes >= 0"
        " AND max_places_per_booking >= 0",
        name="policy_not_negative",
    ),
    CheckConstraint("length(btrim(name)) > 0", name="name_not_blank"),
    CheckConstraint(
        "min_duration_minutes >= 0 AND max_duration_minutes >= 0 AND min_nights >= 0 AND max_nights >= 0"
        " AND granularity_minutes >= 0 AND buffer_before_minutes >= 0 AND buffer_after_minutes >= 0"
        " AND max_active_bookings_per_customer >= 0 AND check_in_deadline_minutes >= 0"
        " AND no_show_grace_minutes >= 0 AND max_guests_per_unit >= 0",
        name="rules_not_negative",
    ),
    CheckConstraint(
        "(max_duration_minutes = 0 OR min_duration_minutes <= max_duration_minutes)"
        " AND (max_nights = 0 OR min_nights <= max_nights)",
        name="min_not_above_max",
    ),
    CheckConstraint(
        "booking_model = 'INTERVAL' OR (min_duration_minutes = 0 AND max_duration_minutes = 0"
        " AND granularity_minutes = 0 AND buffer_before_minutes = 0 AND buffer_after_minutes = 0"
        " AND hourly_rate_amount_minor IS NULL)",
        name="interval_rules",
    ),
    CheckConstraint(
        "booking_model = 'NIGHTLY' OR (min_nights = 0 AND max_nights = 0 AND max_guests_per_unit = 0)",
        name="nightly_rules",
    ),
    CheckConstraint(
        "(booking_model = 'NIGHTLY') = (check_in_time IS NOT NULL AND check_out_time IS NOT NULL)"
        " AND (check_in_time IS NULL) = (check_out_time IS NULL)"
        " AND (check_out_time IS NULL OR check_out_time <= check_in_time)",
        name="check_in_out_times",
    ),
    CheckConstraint("jsonb_typeof(cancellation_windows) = 'array'", name="cancellation_windows_array"),
    CheckConstraint(
        "(hourly_rate_amount_minor IS NULL) = (hourly_rate_currency IS NULL)"
        " AND (hourly_rate_amount_minor IS NULL OR hourly_rate_amount_minor >= 0)",
        name="hourly_rate",
    ),
    CheckConstraint("version >= 1", name="version_positive"),
    ForeignKeyConstraint(["company_id", "hourly_rate_currency"], ["companies.id", "companies.currency_code"]),
)

# One row per change of a resource after its creation (UpdateResourcePolicy, SetHourlyRate):
# the request_id makes a retry a no-op; the version orders resource_updated events.
resource_changes = Table(
    "resource_changes",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    _request_id(),
    Column("resource_id", UUID(as_uuid=True), ForeignKey("resources.id"), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("kind", Text, nullable=False),
    _created_at(),
    CheckConstraint("kind IN ('POLICY', 'HOURLY_RATE')", name="kind_known"),
    UniqueConstraint("resource_id", "version"),
)

# A recurring series: the rule as given and what it was expanded with (0005).
session_series = Table(
    "session_series",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    _request_id(),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("resource_id", UUID(as_uuid=True), ForeignKey("resources.id"), nullable=False),
    Column("rrule", Text, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("start_time_of_day", Time, nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("time_zone", Text, nullable=False),
    _created_at(),
    CheckConstraint("duration_minutes BETWEEN 1 AND 1440", name="duration_range"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    _request_id(),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("resource_id", UUID(as_uuid=True), ForeignKey("resources.id"), nullable=False),
    Column("start_time", DateTime(timezone=True), nullable=False),
    Column("end_time", DateTime(timezone=True), nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("price_amount_minor", BigInteger, nullable=False),
    Column("price_currency", Text, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'OPEN'")),
    _created_at(),
    Column("cancel_reason", Text),
    Column("cancelled_at", DateTime(timezone=True)),
    Column("cancel_request_id", Text),
    # 0005: 1 at creation, +1 per UpdateSession (the etag); the series it was created in.
    Column("version", BigInteger, nullable=False, server_default=text("1")),
    Column("series_id", UUID(as_uuid=True), ForeignKey("session_series.id")),
    CheckConstraint(
        "(status = 'CANCELLED') = (cancelled_at IS NOT NULL AND cancel_reason IS NOT NULL)"
        " AND (cancelled_at IS NULL) = (cancel_reason IS NULL)",
        name="cancelled_with_reason",
    ),
    ForeignKeyConstraint(["company_id", "price_currency"], ["companies.id", "companies.currency_code"]),
    CheckConstraint("end_time > start_time", name="time_range"),
    CheckConstraint("capacity >= 1", name="capacity_positive"),
    CheckConstraint("price_amount_minor >= 0", name="price_not_negative"),
    CheckConstraint("status IN ('OPEN', 'CANCELLED')", name="status_known"),
    # ListSessions: soonest first, keyset (start_time, id), per company or per resource.
    Index(None, "company_id", "start_time", "id"),
    Index(None, "resource_id", "start_time", "id"),
    Index(None, "series_id", "start_time", postgresql_where=text("series_id IS NOT NULL")),
)

extras = Table(
    "extras",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    _request_id(),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("name", Text, nullable=False),
    Column("price_amount_minor", BigInteger, nullable=False),
    Column("price_currency", Text, nullable=False),
    _created_at(),
    Column("pricing_unit", Text, nullable=False, server_default=text("'PER_BOOKING'")),
    Column("description", Text, nullable=False, server_default=text("''")),
    Column("archived_at", DateTime(timezone=True)),
    Column("version", BigInteger, nullable=False, server_default=text("1")),
    ForeignKeyConstraint(["company_id", "price_currency"], ["companies.id", "companies.currency_code"]),
    CheckConstraint("price_amount_minor >= 0", name="price_not_negative"),
    CheckConstraint("length(btrim(name)) > 0", name="name_not_blank"),
    CheckConstraint(
        "pricing_unit IN ('PER_BOOKING', 'PER_NIGHT', 'PER_GUEST', 'PER_HOUR', 'PER_GUEST_NIGHT')",
        name="pricing_unit_known",
    ),
    Index(None, "company_id", "created_at", "id"),
)

# Units of a NIGHTLY resource (the room type): "Cabin 1", "Cabin 2".
units = Table(
    "units",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    _request_id(),
    Column("company_id", UUID(as_uuid=True), ForeignKey("companies.id"), nullable=False),
    Column("resource_id", UUID(as_uuid=True), ForeignKey("resources.id"), nullable=False),
    Column("name", Text, nullable=False),
    _created_at(),
    Column("archived_at", DateTime(timezone=True)),
    Column("version", BigInteger, nullable=False, server_default=text("1")),
    CheckConstraint("length(btrim(name)) > 0", name="name_not_blank"),
    Index(None, "resource_id", "created_at", "id"),
)
UNIT_NAME_INDEX = "uq_units_resource_id_name"
Index(UNIT_NAME_INDEX, units.c.resource_id, func.lower(units.c.name), unique=True)

rate_plans = Table(
    "rate_plans",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    _request_id(),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("resource_id", UUID(as_uuid=True), ForeignKey("resources.id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("default_amount_minor", BigInteger, nullable=False),
    Column("currency", Text, nullable=False),
    _created_at(),
    Column("version", BigInteger, nullable=False, server_default=text("1")),
    ForeignKeyConstraint(["company_id", "currency"], ["companies.id", "companies.currency_code"]),
    CheckConstraint("default_amount_minor >= 0", name="price_not_negative"),
    CheckConstraint("length(btrim(name)) > 0", name="name_not_blank"),
    # Target of the (rate_plan_id, company_id) key of daily prices.
    UniqueConstraint("id", "company_id"),
    Index(None, "resource_id", "created_at", "id"),
)
RATE_PLAN_NAME_INDEX = "uq_rate_plans_resource_id_name"
Index(RATE_PLAN_NAME_INDEX, rate_plans.c.resource_id, func.lower(rate_plans.c.name), unique=True)

# A daily price (override = false) or an override (true) of a rate plan for one local date.
daily_prices = Table(
    "daily_prices",
    metadata,
    Column("rate_plan_id", UUID(as_uuid=True), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("override", Boolean, primary_key=True),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ForeignKeyConstraint(["rate_plan_id", "company_id"], ["rate_plans.id", "rate_plans.company_id"]),
    ForeignKeyConstraint(["company_id", "currency"], ["companies.id", "companies.currency_code"]),
    CheckConstraint("amount_minor >= 0", name="price_not_negative"),
)

# request_ids of applied SetDailyPrices calls: a retry is a no-op.
price_updates = Table(
    "price_updates",
    metadata,
    Column("request_id", Text, primary_key=True),
    Column("rate_plan_id", UUID(as_uuid=True), ForeignKey("rate_plans.id"), nullable=False),
    _created_at(),
)

# request_ids of applied back-office changes (Update*, Archive*, Suspend/ResumeCompany):
# a retry changes nothing and returns the entity as it is now.
changes = Table(
    "changes",
    metadata,
    Column("request_id", Text, primary_key=True),
    Column("entity_type", Text, nullable=False),
    Column("entity_id", UUID(as_uuid=True), nullable=False),
    _created_at(),
)

outbox = outbox_table(metadata)
# Deleted a week on (plumbing.retention; wired in the bootstrap).
retention_rules = message_rules(outbox, None)
