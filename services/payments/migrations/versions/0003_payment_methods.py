"""payment methods: card tokens registered per customer, referenced by id everywhere else

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 20:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SCHEMA = "payments"


def upgrade() -> None:
    op.create_table(
        "payment_methods",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("company_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("customer_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=False),
        sa.Column("card_token", sa.Text(), nullable=False),
        sa.Column("brand", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("last4", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("card_token <> ''", name="ck_payment_methods_card_token"),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_payment_methods_request",
        "payment_methods",
        ["company_id", "customer_id", "request_id"],
        unique=True,
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_index("uq_payment_methods_request", table_name="payment_methods", schema=SCHEMA)
    op.drop_table("payment_methods", schema=SCHEMA)
