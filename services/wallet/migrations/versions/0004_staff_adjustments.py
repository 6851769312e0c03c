"""Staff changes in the ledger: a transaction kind ADJUSTMENT (money taken out by staff) and,
on every transaction, the reason and the acting user (NULL for the saga's own).

Revision ID: 0004
Revises: audit_log
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "audit_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("ledger_transactions", sa.Column("reason", sa.Text(), nullable=True), schema="wallet")
    op.add_column(
        "ledger_transactions",
        sa.Column("actor_user_id", postgresql.UUID(as_uuid=False), nullable=True),
        schema="wallet",
    )
    op.drop_constraint(op.f("ck_ledger_transactions_kind"), "ledger_transactions", type_="check", schema="wallet")
    op.create_check_constraint(
        op.f("ck_ledger_transactions_kind"),
        "ledger_transactions",
        "kind IN ('TOP_UP', 'DEBIT', 'REFUND', 'ADJUSTMENT')",
        schema="wallet",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_ledger_transactions_kind"), "ledger_transactions", type_="check", schema="wallet")
    op.create_check_constraint(
        op.f("ck_ledger_transactions_kind"),
        "ledger_transactions",
        "kind IN ('TOP_UP', 'DEBIT', 'REFUND')",
        schema="wallet",
    )
    op.drop_column("ledger_transactions", "actor_user_id", schema="wallet")
    op.drop_column("ledger_transactions", "reason", schema="wallet")
