"""The gateway's own tables, in schema `gateway`: user accounts, HTTP idempotency keys and the
operator pages' sessions."""

from __future__ import annotations

from sqlalchemy import (
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
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = MetaData(schema="gateway")

users = Table(
    "users",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("email", Text, nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("company_id", UUID(as_uuid=False)),
    Column("customer_id", UUID(as_uuid=False)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("email = lower(email) AND email <> ''", name="email_lower_case"),
    CheckConstraint("role IN ('PLATFORM_ADMIN', 'COMPANY_ADMIN', 'STAFF', 'CUSTOMER')", name="role_known"),
    CheckConstraint(
        "role <> 'CUSTOMER' OR (company_id IS NOT NULL AND customer_id IS NOT NULL)",
        name="customer_has_company_and_customer",
    ),
    # Platform admins act for every company; everybody else belongs to exactly one.
    CheckConstraint("(role = 'PLATFORM_ADMIN') = (company_id IS NULL)", name="company_unless_platform_admin"),
)

# One row per (principal, Idempotency-Key). A row with status_code NULL is a claim still in
# flight, owned by the request holding claim_token until claimed_at + the lease.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("principal", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("request_hash", Text, nullable=False),
    Column("claim_token", UUID(as_uuid=False), nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("completed_at", DateTime(timezone=True)),
    Column("status_code", Integer),
    Column("response_body", Text),
    Column("response_headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    PrimaryKeyConstraint("principal", "key", name="idempotency_keys_pkey"),
    CheckConstraint("(completed_at IS NULL) = (status_code IS NULL)", name="completed_has_status"),
)

# The operator pages' cookie sessions. The cookie holds a signed token naming a row (no secret
# is stored here); logging out sets revoked_at, so the cookie stops working even if kept.
ops_sessions = Table(
    "ops_sessions",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column(
        "user_id", UUID(as_uuid=False), ForeignKey("gateway.users.id", ondelete="CASCADE"), nullable=False
    ),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    CheckConstraint("expires_at > created_at", name="expires_after_creation"),
    Index("ops_sessions_user_id", "user_id"),
)
