"""A saga step's deadline runs from the publish of its command: the sagas keep the command
awaiting its reply and the step's timeout; the outbox relay sets the deadline when it
publishes that command.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sagas", sa.Column("command_id", sa.Text(), nullable=True), schema="bookings")
    op.add_column("sagas", sa.Column("step_timeout", sa.Interval(), nullable=True), schema="bookings")


def downgrade() -> None:
    op.drop_column("sagas", "step_timeout", schema="bookings")
    op.drop_column("sagas", "command_id", schema="bookings")
