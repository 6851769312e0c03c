"""The notifications' tables, in schema `gateway` (migration `notifications`).

- `notification_inbox`: the booking events the notifications consumer applied (its own
  inbox: the webhooks consumer reads the same events under the same message ids).
- `notification_messages`: the outbox of e-mails, one row per (event, recipient) - the unique
  key that makes each e-mail sent at most once - rendered when the event arrived (subject,
  text, HTML, the `.ics`), with the schedule (`next_attempt_at`, `attempts`) and the outcome.
  No secret goes in: no manage link, no token. The webhooks' dispatcher writes a row too, to
  the company's admins, when it disables a failing endpoint (`booking_id` NULL).
- `calendar_feeds`: a company's iCalendar feeds (one resource, or the whole company when
  `resource_id` is NULL); only the SHA-256 of each feed's secret token is kept.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
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

inbox = Table(
    "notification_inbox",
    metadata,
    Column("message_id", Text, primary_key=True),
    Column("subject", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Old rows are deleted by age (gateway.retention).
    Index("ix_notification_inbox_received_brin", "received_at", postgresql_using="brin"),
)

messages = Table(
    "notification_messages",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("event_id", Text, nullable=False),
    Column("event_type", Text, nullable=False),
    Column("company_id", UUID(as_uuid=False), nullable=False),
    # NULL: a notice about no booking (a webhook endpoint disabled; migration
    # `notifications_staff_notices`).
    Column("booking_id", UUID(as_uuid=False)),
    Column("recipient", Text, nullable=False),
    # CUSTOMER (the customer or guest) or STAFF (the company's admins, its contact address).
    Column("audience", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("text_body", Text, nullable=False),
    Column("html_body", Text, nullable=False),
    Column("ics", Text),
    Column("status", Text, nullable=False, server_default="PENDING"),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_error", Text),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True)),
    Column("completed_at", DateTime(timezone=True)),
    CheckConstraint("status IN ('PENDING', 'SENT', 'FAILED')", name="notification_status_known"),
    CheckConstraint("audience IN ('CUSTOMER', 'STAFF')", name="notification_audience_known"),
    UniqueConstraint("event_id", "recipient", name="notification_messages_once_per_recipient"),
    Index("notification_messages_due", "next_attempt_at", postgresql_where=text("status = 'PENDING'")),
    # A booking's e-mails to one recipient in the order of their events (the claim's NOT EXISTS).
    Index(
        "notification_messages_pending_of_booking",
        "booking_id",
        "recipient",
        "occurred_at",
        postgresql_where=text("status = 'PENDING'"),
    ),
    Index("notification_messages_of_company", "company_id", "created_at"),
    Index("ix_notification_messages_created_brin", "created_at", postgresql_using="brin"),  # retention
)

feeds = Table(
    "calendar_feeds",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("company_id", UUID(as_uuid=False), nullable=False),
    # NULL: the company's whole calendar (for staff).
    Column("resource_id", UUID(as_uuid=False)),
    # A staff member's own feed (migration calendar_feeds_of_staff; a key to gateway.users):
    # it answers only while that account is active in the company. NULL: the company's.
    Column("user_id", UUID(as_uuid=False)),
    Column("name", Text, nullable=False, server_default=""),
    Column("token_hash", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("revoked_at", DateTime(timezone=True)),
    UniqueConstraint("token_hash", name="calendar_feeds_token_hash"),
    Index("calendar_feeds_of_company", "company_id", "created_at"),
)
