"""Customer balances are capped at 10^15 minor units, so no run of top-ups overflows bigint.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_check_constraint(
        op.f("ck_accounts_balance_within_cap"), "accounts", "balance <= 1000000000000000", schema="wallet"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_accounts_balance_within_cap"), "accounts", type_="check", schema="wallet")
