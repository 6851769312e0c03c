"""roles: the gateway's users take plumbing's roles (operator of no company -> PLATFORM_ADMIN,
operator of a company -> COMPANY_ADMIN, customer -> CUSTOMER)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint("role_known", "users", schema="gateway", type_="check")
    op.drop_constraint("customer_has_company_and_customer", "users", schema="gateway", type_="check")
    op.execute(
        """
        UPDATE gateway.users SET role = CASE
            WHEN role = 'customer' THEN 'CUSTOMER'
            WHEN role = 'operator' AND company_id IS NULL THEN 'PLATFORM_ADMIN'
            WHEN role = 'operator' THEN 'COMPANY_ADMIN'
            ELSE role END
        """
    )
    op.create_check_constraint(
        "role_known",
        "users",
        "role IN ('PLATFORM_ADMIN', 'COMPANY_ADMIN', 'STAFF', 'CUSTOMER')",
        schema="gateway",
    )
    op.create_check_constraint(
        "customer_has_company_and_customer",
        "users",
        "role <> 'CUSTOMER' OR (company_id IS NOT NULL AND customer_id IS NOT NULL)",
        schema="gateway",
    )
    op.create_check_constraint(
        "company_unless_platform_admin",
        "users",
        "(role = 'PLATFORM_ADMIN') = (company_id IS NULL)",
        schema="gateway",
    )


def downgrade() -> None:
    op.drop_constraint("company_unless_platform_admin", "users", schema="gateway", type_="check")
    op.drop_constraint("customer_has_company_and_customer", "users", schema="gateway", type_="check")
    op.drop_constraint("role_known", "users", schema="gateway", type_="check")
    op.execute(
        """
        UPDATE gateway.users SET role = CASE
            WHEN role = 'CUSTOMER' THEN 'customer'
            ELSE 'operator' END
        """
    )
    op.create_check_constraint("role_known", "users", "role IN ('customer', 'operator')", schema="gateway")
    op.create_check_constraint(
        "customer_has_company_and_customer",
        "users",
        "role <> 'customer' OR (company_id IS NOT NULL AND customer_id IS NOT NULL)",
        schema="gateway",
    )
