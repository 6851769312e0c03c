"""The attempt that decided a saga operation, so a later attempt may re-ask a refused debit.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "saga_operations",
        sa.Column("attempt", sa.Integer(), server_default=sa.text("0"), nullable=False),
        schema="wallet",
    )


def downgrade() -> None:
    op.drop_column("saga_operations", "attempt", schema="wallet")
