"""The webhooks' tables, in schema `gateway` (migration `webhooks`).

- `webhook_endpoints`: a company's receivers, the event types each wants, its secret (kept,
  since every delivery is signed with it; never answered after creation, never logged).
- `webhook_events`: each booking event once (the publisher's message id is the event id), with
  the exact body every delivery of it posts.
- `webhook_deliveries`: one row per (endpoint, event) - the unique key that makes an event
  delivered at most once per endpoint - with the schedule (`next_attempt_at`, `attempts`) and
  the outcome; `seq` orders an endpoint's deliveries of one booking.
- `webhook_attempts`: the delivery log, one row per POST (status code, time taken, error).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from gateway.webhooks.events import EVENT_TYPES

SCHEMA = "gateway"
metadata = MetaData(schema=SCHEMA)

_types = ", ".join(f"'{t}'" for t in EVENT_TYPES)

endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("company_id", UUID(as_uuid=False), nullable=False),
    Column("url", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("secret", Text, nullable=False),
    Column("event_types", ARRAY(Text), nullable=False),
    Column("enabled", Boolean, nullable=False, server_default=text("true")),
    Column("disabled_reason", Text),
    Column("consecutive_failures", Integer, nullable=False, server_default=text("0")),
    # The first failed attempt since the last success; an endpoint failing for a day is disabled.
    Column("failing_since", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The endpoint's ETag: an admin's update names the version it read (a delivery's own
    # bookkeeping, failures and disabling, does not move it).
    Column("version", Integer, nullable=False, server_default=text("1")),
    CheckConstraint(f"event_types <@ ARRAY[{_types}]::text[]", name="event_types_known"),
    CheckConstraint("version >= 1", name="version_positive"),
    CheckConstraint("cardinality(event_types) > 0", name="event_types_not_empty"),
    CheckConstraint("url ~ '^https?://'", name="url_http"),
    Index("webhook_endpoints_of_company", "company_id", "created_at"),
)

events = Table(
    "webhook_events",
    metadata,
    Column("id", Text, primary_key=True),
    Column("company_id", UUID(as_uuid=False), nullable=False),
    Column("booking_id", UUID(as_uuid=False), nullable=False),
    Column("type", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_webhook_events_received_brin", "received_at", postgresql_using="brin"),  # retention
)

deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("seq", BigInteger, Identity(always=True), nullable=False),
    Column(
        "endpoint_id",
        UUID(as_uuid=False),
        ForeignKey("gateway.webhook_endpoints.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("event_id", Text, ForeignKey("gateway.webhook_events.id"), nullable=False),
    Column("company_id", UUID(as_uuid=False), nullable=False),
    Column("booking_id", UUID(as_uuid=False), nullable=False),
    Column("event_type", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="PENDING"),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_status_code", Integer),
    Column("last_response_ms", Integer),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("completed_at", DateTime(timezone=True)),
    CheckConstraint("status IN ('PENDING', 'SUCCEEDED', 'FAILED')", name="status_known"),
    UniqueConstraint("endpoint_id", "event_id", name="webhook_deliveries_once_per_endpoint"),
    Index("webhook_deliveries_due", "next_attempt_at", postgresql_where=text("status = 'PENDING'")),
    Index(
        "webhook_deliveries_pending_of_booking",
        "endpoint_id",
        "booking_id",
        "seq",
        postgresql_where=text("status = 'PENDING'"),
    ),
    Index("webhook_deliveries_of_company", "company_id", "created_at"),
    # Retention (gateway.retention): old deliveries by age, and an event's deliveries by event.
    Index("ix_webhook_deliveries_created_brin", "created_at", postgresql_using="brin"),
    Index("webhook_deliveries_of_event", "event_id"),
)

attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column(
        "delivery_id",
        UUID(as_uuid=False),
        ForeignKey("gateway.webhook_deliveries.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("attempt", Integer, nullable=False),
    Column("attempted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("status_code", Integer),
    Column("response_ms", Integer, nullable=False),
    Column("error", Text),
    UniqueConstraint("delivery_id", "attempt", name="webhook_attempts_once"),
)
