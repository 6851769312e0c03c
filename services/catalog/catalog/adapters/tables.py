"""The catalog schema. Constraints carry the rules the database judges."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID

from plumbing.outbox import outbox_table

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
    CheckConstraint("booking_model IN ('TIME_SLOT', 'NIGHTLY', 'INTERVAL')", name="booking_model_known"),
    CheckConstraint(
        "lead_time_minutes >= 0 AND horizon_days >= 0 AND free_cancellation_minutes >= 0"
        " AND max_places_per_booking >= 0",
        name="policy_not_negative",
    ),
    CheckConstraint("length(btrim(name)) > 0", name="name_not_blank"),
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
    ForeignKeyConstraint(["company_id", "price_currency"], ["companies.id", "companies.currency_code"]),
    CheckConstraint("end_time > start_time", name="time_range"),
    CheckConstraint("capacity >= 1", name="capacity_positive"),
    CheckConstraint("price_amount_minor >= 0", name="price_not_negative"),
    CheckConstraint("status IN ('OPEN', 'CANCELLED')", name="status_known"),
    # ListSessions: soonest first, keyset (start_time, id), per company or per resource.
    Index(None, "company_id", "start_time", "id"),
    Index(None, "resource_id", "start_time", "id"),
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
    ForeignKeyConstraint(["company_id", "price_currency"], ["companies.id", "companies.currency_code"]),
    CheckConstraint("price_amount_minor >= 0", name="price_not_negative"),
    CheckConstraint("length(btrim(name)) > 0", name="name_not_blank"),
    Index(None, "company_id", "created_at", "id"),
)

outbox = outbox_table(metadata)
