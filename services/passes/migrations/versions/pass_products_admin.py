"""pass products in the back office: the resources a product covers, archiving, a version
(the etag) and the request_ids of applied updates

A branch of its own (label `products`) after 0001, so it orders against no other
change of this schema; plumbing.migrations upgrades to every head.

Revision ID: pass_products_admin
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "pass_products_admin"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("products",)
depends_on: str | Sequence[str] | None = None

SCHEMA = "passes"


def upgrade() -> None:
    op.add_column(
        "pass_products",
        sa.Column(
            "resource_ids",
            postgresql.ARRAY(sa.UUID()),
            server_default=sa.text("'{}'::uuid[]"),
            nullable=False,
        ),
        schema=SCHEMA,
    )
    op.add_column(
        "pass_products", sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True), schema=SCHEMA
    )
    op.add_column(
        "pass_products",
        sa.Column("version", sa.BigInteger(), server_default=sa.text("1"), nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_pass_products_company_id_created_at_id",
        "pass_products",
        ["company_id", "created_at", "id"],
        schema=SCHEMA,
    )
    op.create_table(
        "pass_product_changes",
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=False),
        sa.Column("product_id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("company_id", "request_id", name="pk_pass_product_changes"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("pass_product_changes", schema=SCHEMA)
    op.drop_index("ix_pass_products_company_id_created_at_id", table_name="pass_products", schema=SCHEMA)
    for column in ("version", "archived_at", "resource_ids"):
        op.drop_column("pass_products", column, schema=SCHEMA)
