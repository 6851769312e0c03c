"""The `passes` schema: products, entitlements, credit holds, saga decisions, outbox, inbox."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from plumbing.audit import audit_log_table
from plumbing.outbox import inbox_table, outbox_table
from plumbing.retention import message_rules

metadata = MetaData(schema="passes")

pass_products = Table(
    "pass_products",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("request_id", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("credits", Integer, nullable=False),
    Column("validity_days", Integer, nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("currency", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Back office (pass_products_admin): resources covered (empty = all), archive, etag version.
    Column("resource_ids", ARRAY(UUID(as_uuid=True)), nullable=False, server_default=text("'{}'::uuid[]")),
    Column("archived_at", DateTime(timezone=True)),
    Column("version", BigInteger, nullable=False, server_default=text("1")),
    Index("ix_pass_products_company_id_created_at_id", "company_id", "created_at", "id"),
    UniqueConstraint("company_id", "request_id", name="uq_pass_products_request"),
    CheckConstraint("credits > 0", name="ck_pass_products_credits"),
    CheckConstraint("validity_days > 0", name="ck_pass_products_validity_days"),
    CheckConstraint("price_minor >= 0", name="ck_pass_products_price"),
    CheckConstraint("currency ~ '^[A-Z]{3}$'", name="ck_pass_products_currency"),
)

# The request_id of each applied UpdatePassProduct / ArchivePassProduct: a retry changes nothing.
pass_product_changes = Table(
    "pass_product_changes",
    metadata,
    Column("company_id", UUID(as_uuid=True), primary_key=True),
    Column("request_id", Text, primary_key=True),
    Column("product_id", UUID(as_uuid=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

entitlements = Table(
    "entitlements",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("company_id", UUID(as_uuid=True), nullable=False),
    Column("customer_id", UUID(as_uuid=True), nullable=False),
    Column("product_id", UUID(as_uuid=True), ForeignKey("passes.pass_products.id"), nullable=False),
    Column("request_id", Text, nullable=False),
    Column("credits_total", Integer, nullable=False),
    Column("credits_used", Integer, nullable=False, server_default=text("0")),
    Column("credits_held", Integer, nullable=False, server_default=text("0")),
    Column("valid_from", DateTime(timezone=True), nullable=False),
    Column("valid_until", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # How it was handed over: GRANT (free), or sold at the front desk for the product's price
    # (CASH, EXTERNAL: money outside the platform); NULL for passes granted before this was kept.
    Column("sale", Text),
    Column("paid_minor", BigInteger, nullable=False, server_default=text("0")),
    Column("paid_currency", Text),
    Column("issued_by_user_id", Text),
    UniqueConstraint("company_id", "request_id", name="uq_entitlements_request"),
    CheckConstraint(
        "(sale IS NULL OR sale IN ('GRANT','CASH','EXTERNAL')) AND paid_minor >= 0"
        " AND (sale IN ('CASH','EXTERNAL') OR paid_minor = 0)",
        name="ck_entitlements_sale",
    ),
    CheckConstraint(
        "credits_total >= 0 AND credits_used >= 0 AND credits_held >= 0"
        " AND credits_used + credits_held <= credits_total",
        name="ck_entitlements_credits",
    ),
    CheckConstraint("valid_until > valid_from", name="ck_entitlements_validity"),
    Index("ix_entitlements_customer", "company_id", "customer_id", "created_at"),
)

# One row per booking saga: the credits it holds, then consumed, released or returned.
# A TOMBSTONE is a COMPENSATE that found nothing to undo; it refuses a late EXECUTE.
credit_holds = Table(
    "credit_holds",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("saga_id", UUID(as_uuid=True), nullable=False),
    Column("booking_id", UUID(as_uuid=True), nullable=False),
    Column("company_id", UUID(as_uuid=True)),
    Column("entitlement_id", UUID(as_uuid=True), ForeignKey("passes.entitlements.id")),
    Column("credits", Integer, nullable=False, server_default=text("0")),
    Column("credits_returned", Integer, nullable=False, server_default=text("0")),
    Column("state", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("saga_id", name="uq_credit_holds_saga"),
    CheckConstraint(
        "state IN ('HELD', 'CONSUMED', 'RELEASED', 'RETURNED', 'TOMBSTONE')", name="ck_credit_holds_state"
    ),
    CheckConstraint(
        "state = 'TOMBSTONE' OR (entitlement_id IS NOT NULL AND company_id IS NOT NULL AND credits > 0)",
        name="ck_credit_holds_hold",
    ),
    CheckConstraint("credits_returned >= 0 AND credits_returned <= credits", name="ck_credit_holds_returned"),
    CheckConstraint(
        "(state = 'RETURNED') = (credits > 0 AND credits_returned = credits)",
        name="ck_credit_holds_returned_state",
    ),
    Index("ix_credit_holds_consumed_booking", "booking_id", postgresql_where=text("state = 'CONSUMED'")),
)

# The decision of each (saga, action), replayed when the orchestrator re-sends a command.
saga_operations = Table(
    "saga_operations",
    metadata,
    Column("saga_id", UUID(as_uuid=True), nullable=False),
    Column("action", Text, nullable=False),
    Column("booking_id", UUID(as_uuid=True), nullable=False),
    Column("outcome", Text),
    Column("reason", Text, nullable=False, server_default=text("''")),
    Column("amount_minor", BigInteger, nullable=False, server_default=text("0")),
    Column("reference", Text, nullable=False, server_default=text("''")),
    Column("credits", Integer, nullable=False, server_default=text("0")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("saga_id", "action", name="pk_saga_operations"),
    CheckConstraint(
        "action IN ('EXECUTE', 'COMPENSATE', 'FINALIZE', 'REFUND')", name="ck_saga_operations_action"
    ),
    CheckConstraint("outcome IN ('SUCCEEDED', 'FAILED')", name="ck_saga_operations_outcome"),
)

outbox = outbox_table(metadata)
audit_log = audit_log_table(metadata)
inbox = inbox_table(metadata)
# Deleted a week on (plumbing.retention; wired in the bootstrap).
retention_rules = message_rules(outbox, inbox)
