"""users: a version (ETag of PATCH /v1/admin/users/{id}) and deactivated_at (a deactivated
account cannot log in or refresh); an index of each company's active admins, which the
last-admin guard locks and counts

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "gateway"


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        schema=SCHEMA,
    )
    op.add_column(
        "users", sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True), schema=SCHEMA
    )
    op.create_index(
        "users_active_company_admins",
        "users",
        ["company_id", "id"],
        schema=SCHEMA,
        postgresql_where=sa.text("role = 'COMPANY_ADMIN' AND deactivated_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("users_active_company_admins", "users", schema=SCHEMA)
    op.drop_column("users", "deactivated_at", schema=SCHEMA)
    op.drop_column("users", "version", schema=SCHEMA)
