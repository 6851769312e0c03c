"""The wallet schema: accounts, an append-only double-entry ledger, saga operations.

PostgreSQL is the judge: customer balances are CHECKed non-negative, business keys are
UNIQUE, and (in the migration) a deferred constraint trigger refuses a ledger
transaction whose entries do not sum to zero, and triggers refuse UPDATE/DELETE of the
ledger.
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
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID

from plumbing.audit import audit_log_table
from plumbing.outbox import inbox_table, outbox_table
from plumbing.retention import message_rules

SCHEMA = "wallet"

metadata = MetaData(
    schema=SCHEMA,
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    },
)

# Customer accounts (MAIN, BONUS) have a customer and a stored balance that never goes
# negative. System accounts (FUNDING, CLEARING) are per company and currency; their
# balance is the sum of their entries and is not stored, so no company-wide row is
# locked by every booking.
accounts = Table(
    "accounts",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("company_id", UUID(as_uuid=False), nullable=False),
    Column("customer_id", UUID(as_uuid=False)),
    Column("kind", Text, nullable=False),
    Column("currency", Text, nullable=False),
    Column("balance", BigInteger),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("kind IN ('MAIN', 'BONUS', 'FUNDING', 'CLEARING')", name="kind"),
    CheckConstraint("(kind IN ('MAIN', 'BONUS')) = (customer_id IS NOT NULL)", name="customer_kinds"),
    CheckConstraint(
        "(customer_id IS NULL AND balance IS NULL) OR (customer_id IS NOT NULL AND balance >= 0)",
        name="balance_non_negative",
    ),
    # wallet.domain.validation.MAX_BALANCE_MINOR; credits are conditional on it, this is the backstop.
    CheckConstraint("balance <= 1000000000000000", name="balance_within_cap"),
    Index(
        "uq_accounts_customer",
        "company_id",
        "customer_id",
        "kind",
        unique=True,
        postgresql_where=text("customer_id IS NOT NULL"),
    ),
    Index(
        "uq_accounts_system",
        "company_id",
        "kind",
        "currency",
        unique=True,
        postgresql_where=text("customer_id IS NULL"),
    ),
)

ledger_transactions = Table(
    "ledger_transactions",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("company_id", UUID(as_uuid=False), nullable=False),
    Column("kind", Text, nullable=False),
    Column("business_key", Text, nullable=False),
    Column("booking_id", UUID(as_uuid=False)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Why and who, for changes made by staff (top-ups and adjustments); NULL for the saga's.
    Column("reason", Text),
    Column("actor_user_id", UUID(as_uuid=False)),
    CheckConstraint("kind IN ('TOP_UP', 'DEBIT', 'REFUND', 'ADJUSTMENT')", name="kind"),
    UniqueConstraint("business_key"),
    Index("ix_ledger_transactions_company_booking", "company_id", "booking_id"),
)

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("transaction_id", UUID(as_uuid=False), ForeignKey(ledger_transactions.c.id), nullable=False),
    Column("account_id", UUID(as_uuid=False), ForeignKey(accounts.c.id), nullable=False),
    Column("amount", BigInteger, nullable=False),
    CheckConstraint("amount <> 0", name="amount_non_zero"),
    Index("ix_ledger_entries_account_id_id", "account_id", "id"),
    Index("ix_ledger_entries_transaction_id", "transaction_id"),
)

# One row per (saga_id, action): the business key of every saga effect and its recorded
# decision. EXECUTE rows also count what compensation and refunds gave back since.
saga_operations = Table(
    "saga_operations",
    metadata,
    Column("saga_id", UUID(as_uuid=False), nullable=False),
    Column("action", Text, nullable=False),
    Column("company_id", UUID(as_uuid=False), nullable=False),
    Column("customer_id", UUID(as_uuid=False), nullable=False),
    Column("booking_id", UUID(as_uuid=False)),
    Column("outcome", Text, nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("tombstone", Boolean, nullable=False, server_default=text("false")),
    Column("currency", Text, nullable=False, server_default=""),
    Column("bonus_amount", BigInteger, nullable=False, server_default=text("0")),
    Column("main_amount", BigInteger, nullable=False, server_default=text("0")),
    Column("refunded_bonus", BigInteger, nullable=False, server_default=text("0")),
    Column("refunded_main", BigInteger, nullable=False, server_default=text("0")),
    Column("transaction_id", UUID(as_uuid=False), ForeignKey(ledger_transactions.c.id)),
    # The orchestrator's attempt that decided; a later attempt may re-ask a refused debit.
    Column("attempt", Integer, nullable=False, server_default=text("0")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("saga_id", "action"),
    CheckConstraint("action IN ('EXECUTE', 'COMPENSATE', 'FINALIZE', 'REFUND')", name="action"),
    CheckConstraint("outcome IN ('PENDING', 'SUCCEEDED', 'FAILED')", name="outcome"),
    CheckConstraint("bonus_amount >= 0 AND main_amount >= 0", name="amounts_non_negative"),
    CheckConstraint(
        "refunded_bonus BETWEEN 0 AND bonus_amount AND refunded_main BETWEEN 0 AND main_amount",
        name="refunds_within_debit",
    ),
    Index(
        "ix_saga_operations_booking_debits",
        "company_id",
        "booking_id",
        postgresql_where=text("action = 'EXECUTE'"),
    ),
)

outbox = outbox_table(metadata)
audit_log = audit_log_table(metadata)
inbox = inbox_table(metadata)
# Deleted a week on (plumbing.retention; wired in the bootstrap).
retention_rules = message_rules(outbox, inbox)
