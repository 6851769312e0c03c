"""initial: user accounts and HTTP idempotency keys

Revision ID: 0001
Revises:
Create Date: 2026-11-21

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("company_id", sa.UUID(as_uuid=False), nullable=True),
        sa.Column("customer_id", sa.UUID(as_uuid=False), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("email = lower(email) AND email <> ''", name="email_lower_case"),
        sa.CheckConstraint("role IN ('customer', 'operator')", name="role_known"),
        sa.CheckConstraint(
            "role <> 'customer' OR (company_id IS NOT NULL AND customer_id IS NOT NULL)",
            name="customer_has_company_and_customer",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
        schema="gateway",
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("principal", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.Text(), nullable=False),
        sa.Column("claim_token", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column(
            "response_headers",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.CheckConstraint("(completed_at IS NULL) = (status_code IS NULL)", name="completed_has_status"),
        sa.PrimaryKeyConstraint("principal", "key", name="idempotency_keys_pkey"),
        schema="gateway",
    )


def downgrade() -> None:
    op.drop_table("idempotency_keys", schema="gateway")
    op.drop_table("users", schema="gateway")
