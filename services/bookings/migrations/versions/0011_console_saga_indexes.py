"""Indexes for the operators' console at scale (bench/console.py: 200,000 sagas): a company's
sagas newest first and their counts by kind and state over a time range (a covering index:
the counts come from the index alone), the sagas that need attention (a partial index: the
filter walked every saga), and the search by a step reply's reference such as a payment id
(was a sequential scan of the step log).

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_sagas_company_created",
        "sagas",
        ["company_id", "created_at", "id"],
        schema="bookings",
        postgresql_include=["kind", "state"],
    )
    op.create_index(
        "ix_sagas_attention",
        "sagas",
        ["created_at", "id"],
        schema="bookings",
        postgresql_where="needs_attention",
    )
    op.create_index(
        "ix_saga_steps_reference",
        "saga_steps",
        ["reference"],
        schema="bookings",
        postgresql_where="reference <> ''",
    )


def downgrade() -> None:
    op.drop_index("ix_saga_steps_reference", "saga_steps", schema="bookings")
    op.drop_index("ix_sagas_attention", "sagas", schema="bookings")
    op.drop_index("ix_sagas_company_created", "sagas", schema="bookings")
