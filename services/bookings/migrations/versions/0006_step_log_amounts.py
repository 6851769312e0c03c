"""What each reply said in the step log: amount, bonus part and the participant's reference,
so the dashboard and a replay of the log need nothing else.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "saga_steps", sa.Column("amount_minor", sa.BigInteger(), server_default="0", nullable=False), schema="bookings"
    )
    op.add_column(
        "saga_steps", sa.Column("bonus_minor", sa.BigInteger(), server_default="0", nullable=False), schema="bookings"
    )
    op.add_column(
        "saga_steps", sa.Column("reference", sa.Text(), server_default="", nullable=False), schema="bookings"
    )


def downgrade() -> None:
    for column in ("reference", "bonus_minor", "amount_minor"):
        op.drop_column("saga_steps", column, schema="bookings")
