"""Customers: phone, a version for updates at the version read, and prefix-search indexes on
the lower-cased name and e-mail (text_pattern_ops: the embedded PostgreSQL has no pg_trgm).

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("customers", sa.Column("phone", sa.Text(), nullable=True), schema="catalog")
    op.add_column(
        "customers",
        sa.Column("version", sa.BigInteger(), server_default=sa.text("1"), nullable=False),
        schema="catalog",
    )
    op.execute(
        "CREATE INDEX ix_customers_company_id_name_prefix ON catalog.customers "
        "(company_id, lower(display_name) text_pattern_ops)"
    )
    op.execute(
        "CREATE INDEX ix_customers_company_id_email_prefix ON catalog.customers "
        "(company_id, lower(email) text_pattern_ops) WHERE email IS NOT NULL"
    )
    op.create_index(
        "ix_customers_company_id_display_name_id",
        "customers",
        ["company_id", "display_name", "id"],
        schema="catalog",
    )


def downgrade() -> None:
    op.drop_index("ix_customers_company_id_display_name_id", "customers", schema="catalog")
    op.execute("DROP INDEX catalog.ix_customers_company_id_email_prefix")
    op.execute("DROP INDEX catalog.ix_customers_company_id_name_prefix")
    op.drop_column("customers", "version", schema="catalog")
    op.drop_column("customers", "phone", schema="catalog")
