"""accounts: e-mail unique per company (the same address may be a customer of two companies),
refresh tokens (rotation, families), invites, password resets and API keys; every secret is
stored as a SHA-256 hash (or not at all: a reset token is an HMAC of its row id)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "gateway"


def _times() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.drop_constraint("users_email_key", "users", schema=SCHEMA, type_="unique")
    op.add_column("users", sa.Column("display_name", sa.Text(), nullable=True), schema=SCHEMA)
    op.add_column(
        "users",
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "users_email_per_company",
        "users",
        ["company_id", "email"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("company_id IS NOT NULL"),
    )
    op.create_index(
        "users_platform_email",
        "users",
        ["email"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("company_id IS NULL"),
    )
    op.create_index("users_email", "users", ["email"], schema=SCHEMA)

    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("family_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("user_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("secret_hash", sa.Text(), nullable=False),
        *_times(),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["gateway.users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        schema=SCHEMA,
    )
    op.create_index("refresh_tokens_family", "refresh_tokens", ["family_id"], schema=SCHEMA)
    op.create_index("refresh_tokens_user", "refresh_tokens", ["user_id"], schema=SCHEMA)

    op.create_table(
        "invites",
        sa.Column("id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("company_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("secret_hash", sa.Text(), nullable=False),
        sa.Column("invited_by", sa.Text(), nullable=False),
        *_times(),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_user_id", sa.UUID(as_uuid=False), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('COMPANY_ADMIN', 'STAFF', 'CUSTOMER')", name="invite_role_known"),
        sa.CheckConstraint("email = lower(email) AND email <> ''", name="invite_email_lower_case"),
        sa.PrimaryKeyConstraint("id"),
        schema=SCHEMA,
    )
    op.create_index("invites_company", "invites", ["company_id", "created_at"], schema=SCHEMA)

    op.create_table(
        "password_resets",
        sa.Column("id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("user_id", sa.UUID(as_uuid=False), nullable=False),
        *_times(),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["gateway.users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        schema=SCHEMA,
    )
    op.create_index("password_resets_user", "password_resets", ["user_id"], schema=SCHEMA)

    op.create_table(
        "api_keys",
        sa.Column("id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("company_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("prefix", sa.Text(), nullable=False),
        sa.Column("secret_hash", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('COMPANY_ADMIN', 'STAFF')", name="api_key_role_known"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("prefix", name="api_keys_prefix_key"),
        schema=SCHEMA,
    )
    op.create_index("api_keys_company", "api_keys", ["company_id", "created_at"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("api_keys", schema=SCHEMA)
    op.drop_table("password_resets", schema=SCHEMA)
    op.drop_table("invites", schema=SCHEMA)
    op.drop_table("refresh_tokens", schema=SCHEMA)
    op.drop_index("users_email", "users", schema=SCHEMA)
    op.drop_index("users_platform_email", "users", schema=SCHEMA)
    op.drop_index("users_email_per_company", "users", schema=SCHEMA)
    op.drop_column("users", "updated_at", schema=SCHEMA)
    op.drop_column("users", "display_name", schema=SCHEMA)
    op.create_unique_constraint("users_email_key", "users", ["email"], schema=SCHEMA)
