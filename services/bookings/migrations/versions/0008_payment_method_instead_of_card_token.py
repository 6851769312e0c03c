"""Bookings keep payments' id of the card, never the card token: the card_token column is
emptied and dropped, and the commands to payments already in the outbox lose their token
field (StepCommand field 11, now reserved).

Bookings made before this change keep no card: a later extension by card or a settlement
needs a new card from the customer. A card EXECUTE still waiting in the outbox is refused by
payments (no payment method) and its booking is rejected.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bookingplatform.saga.v1 import saga_pb2

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "bookings",
        sa.Column("payment_method_id", sa.Text(), server_default="", nullable=False),
        schema="bookings",
    )
    # Emptied before the drop so that no token is left in the live row versions either.
    op.execute("UPDATE bookings.bookings SET card_token = '' WHERE card_token <> ''")
    op.drop_column("bookings", "card_token", schema="bookings")
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, payload FROM bookings.outbox WHERE subject = 'saga.cmd.payments'")
    )
    for row_id, payload in rows.all():
        command = saga_pb2.StepCommand.FromString(payload)
        # The old token field is unknown to the current StepCommand: dropping unknown fields removes it.
        command.DiscardUnknownFields()
        cleaned = command.SerializeToString()
        if cleaned != bytes(payload):
            bind.execute(
                sa.text("UPDATE bookings.outbox SET payload = :payload WHERE id = :id"),
                {"payload": cleaned, "id": row_id},
            )


def downgrade() -> None:
    op.add_column(
        "bookings", sa.Column("card_token", sa.Text(), server_default="", nullable=False), schema="bookings"
    )
    op.drop_column("bookings", "payment_method_id", schema="bookings")
