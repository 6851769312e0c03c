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
    Column("email", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("company_id", UUID(as_uuid=False)),
    Column("customer_id", UUID(as_uuid=False)),
    Column("display_name", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The ETag of PATCH /v1/admin/users/{id}; a deactivated account cannot log in or refresh.
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("deactivated_at", DateTime(timezone=True)),
    # Access tokens carry the epoch they were issued at; revoking them raises it
    # (gateway.token_revocations).
    Column("token_epoch", Integer, nullable=False, server_default=text("0")),
    Column("tokens_revoked_at", DateTime(timezone=True)),
    CheckConstraint("email = lower(email) AND email <> ''", name="email_lower_case"),
    CheckConstraint("role IN ('PLATFORM_ADMIN', 'COMPANY_ADMIN', 'STAFF', 'CUSTOMER')", name="role_known"),
    CheckConstraint(
        "role <> 'CUSTOMER' OR (company_id IS NOT NULL AND customer_id IS NOT NULL)",
        name="customer_has_company_and_customer",
    ),
    # Platform admins act for every company; everybody else belongs to exactly one.
    CheckConstraint("(role = 'PLATFORM_ADMIN') = (company_id IS NULL)", name="company_unless_platform_admin"),
    # An address is unique per company (one person may be a customer of two companies), and
    # among platform admins.
    Index(
        "users_email_per_company",
        "company_id",
        "email",
        unique=True,
        postgresql_where=text("company_id IS NOT NULL"),
    ),
    Index("users_platform_email", "email", unique=True, postgresql_where=text("company_id IS NULL")),
    Index("users_email", "email"),
    Index(
        "users_active_company_admins",
        "company_id",
        "id",
        postgresql_where=text("role = 'COMPANY_ADMIN' AND deactivated_at IS NULL"),
    ),
    Index(
        "users_tokens_revoked_at", "tokens_revoked_at", postgresql_where=text("tokens_revoked_at IS NOT NULL")
    ),
)

# Refresh tokens: `<id>.<secret>` given to the client, only SHA-256(secret) kept. Each refresh
# uses its row (used_at) and issues the next of the same family; presenting a used token again
# means a copy is in other hands, so the whole family is revoked.
refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("family_id", UUID(as_uuid=False), nullable=False),
    Column(
        "user_id", UUID(as_uuid=False), ForeignKey("gateway.users.id", ondelete="CASCADE"), nullable=False
    ),
    Column("secret_hash", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    Index("refresh_tokens_family", "family_id"),
    Index("refresh_tokens_user", "user_id"),
    # What each gateway process reads every second: the logins revoked within a token's life.
    Index("refresh_tokens_revoked_at", "revoked_at", postgresql_where=text("revoked_at IS NOT NULL")),
    # Old rows are deleted by age (gateway.retention).
    Index("ix_refresh_tokens_expires_brin", "expires_at", postgresql_using="brin"),
)

# Invitations into a company; the token (`<id>.<secret>`) is shown once to the inviter.
invites = Table(
    "invites",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("company_id", UUID(as_uuid=False), nullable=False),
    Column("email", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("display_name", Text),
    Column("secret_hash", Text, nullable=False),
    Column("invited_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("accepted_at", DateTime(timezone=True)),
    Column("accepted_user_id", UUID(as_uuid=False)),
    Column("revoked_at", DateTime(timezone=True)),
    CheckConstraint("role IN ('COMPANY_ADMIN', 'STAFF', 'CUSTOMER')", name="invite_role_known"),
    CheckConstraint("email = lower(email) AND email <> ''", name="invite_email_lower_case"),
    Index("invites_company", "company_id", "created_at"),
)

# Password resets. No token is stored: the token is `<id>.<HMAC(secret, id)>`, so the gateway
# can show it again to the company's staff (until notifications deliver it) without a table
# ever holding it.
password_resets = Table(
    "password_resets",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column(
        "user_id", UUID(as_uuid=False), ForeignKey("gateway.users.id", ondelete="CASCADE"), nullable=False
    ),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
    Index("password_resets_user", "user_id"),
)

# API keys of a company (`bpk_<prefix>_<secret>`): the prefix finds the row, SHA-256(secret)
# proves the key.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("company_id", UUID(as_uuid=False), nullable=False),
    Column("role", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("prefix", Text, nullable=False, unique=True),
    Column("secret_hash", Text, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_used_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    CheckConstraint("role IN ('COMPANY_ADMIN', 'STAFF')", name="api_key_role_known"),
    Index("api_keys_company", "company_id", "created_at"),
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
    # Old rows are deleted by age (gateway.retention).
    Index("ix_idempotency_keys_claimed_brin", "claimed_at", postgresql_using="brin"),
)

# The cookie sessions of the operator pages and of the companies' sites (gateway.site.sessions:
# a site cookie is signed with another key and audience, so it never opens the console). The
# cookie holds a signed token naming a row (no secret is stored here); logging out sets
# revoked_at, so the cookie stops working even if kept.
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
    # Old rows are deleted by age (gateway.retention).
    Index("ix_ops_sessions_expires_brin", "expires_at", postgresql_using="brin"),
)
