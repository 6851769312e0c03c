"""The payments schema: payments, request ids of their state changes, saga step records,
the provider's events."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID

from plumbing.audit import audit_log_table
from plumbing.outbox import inbox_table, outbox_table
from plumbing.retention import message_rules

SCHEMA = "payments"
metadata = MetaData(schema=SCHEMA)

STATUSES = (
    "'DECLINED', 'AUTHORIZED', 'CAPTURED', 'VOIDED', 'REFUNDED', "
    "'AUTHORIZING', 'PENDING', 'REQUIRES_ACTION', 'FAILED'"
)

payments = Table(
    "payments",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("customer_id", UUID(as_uuid=True), nullable=False),
    Column("booking_id", UUID(as_uuid=True)),
    Column("amount_minor", BigInteger, nullable=False),
    Column("refunded_minor", BigInteger, nullable=False, server_default=text("0")),
    Column("currency", String(3), nullable=False),
    Column("status", Text, nullable=False),
    Column("provider", Text, nullable=False),
    Column("provider_reference", Text, nullable=False),
    Column("decline_reason", Text),
    Column("idempotency_key", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # When a REQUIRES_ACTION payment times out (AUTHENTICATION_TIMEOUT).
    Column("action_expires_at", DateTime(timezone=True)),
    CheckConstraint(f"status IN ({STATUSES})", name="ck_payments_status"),
    CheckConstraint("amount_minor > 0", name="ck_payments_amount_positive"),
    CheckConstraint(
        "refunded_minor >= 0 AND refunded_minor <= amount_minor", name="ck_payments_refunded_range"
    ),
    # Money comes back only from a captured payment; REFUNDED means all of it came back.
    CheckConstraint(
        "refunded_minor = 0 OR status IN ('CAPTURED', 'REFUNDED')", name="ck_payments_refunded_needs_capture"
    ),
    CheckConstraint("status <> 'REFUNDED' OR refunded_minor = amount_minor", name="ck_payments_refunded_all"),
    CheckConstraint(
        "(status IN ('DECLINED', 'FAILED')) = (decline_reason IS NOT NULL)", name="ck_payments_decline_reason"
    ),
    CheckConstraint(
        "(status = 'REQUIRES_ACTION') = (action_expires_at IS NOT NULL)", name="ck_payments_action_expiry"
    ),
    Index("uq_payments_idempotency_key", "idempotency_key", unique=True),
    Index("ix_payments_booking_id", "booking_id", postgresql_where=text("booking_id IS NOT NULL")),
    Index(
        "ix_payments_provider_reference",
        "provider_reference",
        postgresql_where=text("provider_reference <> ''"),
    ),
    # The sweeper's two queues: expired actions and stale intents.
    Index(
        "ix_payments_action_expires_at",
        "action_expires_at",
        postgresql_where=text("status = 'REQUIRES_ACTION'"),
    ),
    Index("ix_payments_authorizing", "updated_at", postgresql_where=text("status = 'AUTHORIZING'")),
)

# The request id of each capture/void/refund, so a retried RPC is answered, not applied again.
payment_requests = Table(
    "payment_requests",
    metadata,
    Column("request_id", Text, primary_key=True),
    Column("payment_id", UUID(as_uuid=True), ForeignKey("payments.payments.id"), nullable=False),
    Column("operation", Text, nullable=False),
    Column("amount_minor", BigInteger, nullable=False, server_default=text("0")),
    Column("provider_reference", Text, nullable=False, server_default=text("''")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("operation IN ('CAPTURE', 'VOID', 'REFUND')", name="ck_payment_requests_operation"),
    Index("ix_payment_requests_payment_id", "payment_id"),
)

# One decision per (saga_id, action): replayed when the orchestrator re-sends the command.
# A COMPENSATE that finds no EXECUTE writes the EXECUTE row itself as a refusal (tombstone).
saga_steps = Table(
    "saga_steps",
    metadata,
    Column("saga_id", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("booking_id", Text, nullable=False, server_default=text("''")),
    Column("succeeded", Boolean, nullable=False),
    Column("reason", Text, nullable=False, server_default=text("''")),
    Column("amount_minor", BigInteger, nullable=False, server_default=text("0")),
    Column("payment_id", UUID(as_uuid=True), ForeignKey("payments.payments.id")),
    Column("tombstone", Boolean, nullable=False, server_default=text("false")),
    # EXECUTE only: the payment's answer is not final yet (AUTHORIZING, PENDING, REQUIRES_ACTION);
    # nothing was replied. Whoever resolves the payment decides the step and writes the reply.
    Column("waiting", Boolean, nullable=False, server_default=text("false")),
    # The attempt of the command that claimed the step (echoed by a reply written later).
    Column("attempt", BigInteger, nullable=False, server_default=text("0")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("saga_id", "action", name="pk_saga_steps"),
    CheckConstraint("action IN ('EXECUTE', 'COMPENSATE', 'FINALIZE', 'REFUND')", name="ck_saga_steps_action"),
    CheckConstraint("NOT waiting OR action = 'EXECUTE'", name="ck_saga_steps_waiting_execute"),
    Index("ix_saga_steps_waiting_payment", "payment_id", postgresql_where=text("waiting")),
)

# Every provider event received, by its id: a duplicate delivery is acknowledged and ignored.
provider_events = Table(
    "provider_events",
    metadata,
    Column("event_id", Text, primary_key=True),
    Column("type", Text, nullable=False),
    Column("provider_reference", Text, nullable=False),
    Column("payment_id", UUID(as_uuid=True), ForeignKey("payments.payments.id")),
    # What it did: APPLIED, ALREADY_RESOLVED, VOIDED_LATE (a late approval released), UNKNOWN_PAYMENT,
    # MISMATCH (refused: not its payment's reference, key, amount or currency; the id is not kept).
    Column("outcome", Text, nullable=False, server_default=text("''")),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

outbox = outbox_table(metadata)
audit_log = audit_log_table(metadata)
inbox = inbox_table(metadata)
# Deleted a week on (plumbing.retention; wired in the bootstrap).
retention_rules = message_rules(outbox, inbox)

# Card tokens registered per customer (the only place a token is stored on the platform).
# The request id is the business key: a retried CreatePaymentMethod finds its first row.
payment_methods = Table(
    "payment_methods",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("customer_id", UUID(as_uuid=True), nullable=False),
    Column("request_id", Text, nullable=False),
    Column("card_token", Text, nullable=False),
    Column("brand", Text, nullable=False, server_default=text("''")),
    Column("last4", Text, nullable=False, server_default=text("''")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("card_token <> ''", name="ck_payment_methods_card_token"),
    Index("uq_payment_methods_request", "company_id", "customer_id", "request_id", unique=True),
)
