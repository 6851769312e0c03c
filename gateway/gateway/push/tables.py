"""The gateway's Web Push tables: the devices subscribed, the booking events they are told
about, one delivery per (subscription, event), and the push consumer's own inbox."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
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

SCHEMA = "gateway"
metadata = MetaData(schema=SCHEMA)

subscriptions = Table(
    "push_subscriptions",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("user_id", UUID(as_uuid=False), nullable=False),
    # The company whose booking events the device is told about (None: a platform admin's).
    Column("company_id", UUID(as_uuid=False)),
    # What PushManager.subscribe() answered: the push service's URL and the device's keys
    # (p256dh: its P-256 public key, auth: the 16-byte auth secret, both base64url).
    Column("endpoint", Text, nullable=False),
    Column("p256dh", Text, nullable=False),
    Column("auth", Text, nullable=False),
    Column("label", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_success_at", DateTime(timezone=True)),
    CheckConstraint("endpoint ~ '^https?://'", name="push_endpoint_http"),
    UniqueConstraint("endpoint", name="push_subscriptions_endpoint_once"),
    Index("push_subscriptions_of_company", "company_id"),
    Index("push_subscriptions_of_user", "user_id"),
)

events = Table(
    "push_events",
    metadata,
    Column("id", Text, primary_key=True),
    Column("company_id", UUID(as_uuid=False), nullable=False),
    Column("booking_id", UUID(as_uuid=False), nullable=False),
    Column("type", Text, nullable=False),
    # The notification's JSON (title, body, url, tag): what the service worker shows.
    Column("payload", Text, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_push_events_received_brin", "received_at", postgresql_using="brin"),  # retention
)

deliveries = Table(
    "push_deliveries",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column(
        "subscription_id",
        UUID(as_uuid=False),
        ForeignKey("gateway.push_subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("event_id", Text, ForeignKey("gateway.push_events.id"), nullable=False),
    Column("status", Text, nullable=False, server_default="PENDING"),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("completed_at", DateTime(timezone=True)),
    CheckConstraint("status IN ('PENDING', 'SUCCEEDED', 'FAILED')", name="push_status_known"),
    UniqueConstraint("subscription_id", "event_id", name="push_deliveries_once_per_subscription"),
    Index("push_deliveries_due", "next_attempt_at", postgresql_where=text("status = 'PENDING'")),
    # Retention (gateway.retention): old deliveries by age, and an event's deliveries by event.
    Index("ix_push_deliveries_created_brin", "created_at", postgresql_using="brin"),
    Index("push_deliveries_of_event", "event_id"),
)

# The push consumer's own inbox (the columns of plumbing.outbox.inbox_table): the webhooks'
# consumer and the audit copier share gateway.inbox, keyed by message id alone, so a booking
# event one of them applied would be skipped by another consumer reading the same inbox.
inbox = Table(
    "push_inbox",
    metadata,
    Column("message_id", Text, primary_key=True),
    Column("subject", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Old rows are deleted by age (gateway.retention).
    Index("ix_push_inbox_received_brin", "received_at", postgresql_using="brin"),
)
