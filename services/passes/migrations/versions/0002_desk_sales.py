"""Passes sold at the front desk: each entitlement keeps how it was handed over (GRANT, CASH,
EXTERNAL), what was paid at the desk and the staff member; also joins the two heads of
before (audit_log and pass_products_admin, both from 0001).

Revision ID: 0002
Revises: audit_log, pass_products_admin
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = ("audit_log", "pass_products_admin")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for column in (
        sa.Column("sale", sa.Text(), nullable=True),
        sa.Column("paid_minor", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("paid_currency", sa.Text(), nullable=True),
        sa.Column("issued_by_user_id", sa.Text(), nullable=True),
    ):
        op.add_column("entitlements", column, schema="passes")
    op.create_check_constraint(
        "ck_entitlements_sale",
        "entitlements",
        "(sale IS NULL OR sale IN ('GRANT','CASH','EXTERNAL')) AND paid_minor >= 0"
        " AND (sale IN ('CASH','EXTERNAL') OR paid_minor = 0)",
        schema="passes",
    )


def downgrade() -> None:
    op.drop_constraint("ck_entitlements_sale", "entitlements", type_="check", schema="passes")
    for name in ("issued_by_user_id", "paid_currency", "paid_minor", "sale"):
        op.drop_column("entitlements", name, schema="passes")
