"""Guest customers in SQL: one customer per (company, e-mail), found or made in one statement."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, Row, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters.repositories.rows import utc
from catalog.adapters.tables import companies, customers
from catalog.domain.model import Customer


def _to_customer(row: Row[Any]) -> Customer:
    return Customer(
        id=row.id,
        company_id=row.company_id,
        display_name=row.display_name,
        email=row.email,
        guest=row.guest,
        created_at=utc(row.created_at),
        phone=row.phone,
        version=row.version,
    )


def _same_email(company_id: uuid.UUID, email: str) -> ColumnElement[bool]:
    return (customers.c.company_id == company_id) & (func.lower(customers.c.email) == email.lower())


async def insert_guest(
    conn: AsyncConnection, company_id: uuid.UUID, email: str, display_name: str
) -> Customer | None:
    """A new guest; None when the company has a customer with this e-mail already (the unique
    index decides, so two concurrent first bookings make one guest) or does not exist."""
    source = select(
        literal(uuid.uuid4()).label("id"),
        companies.c.id.label("company_id"),
        literal(display_name).label("display_name"),
        literal(email).label("email"),
        literal(True).label("guest"),
    ).where(companies.c.id == company_id)
    statement = (
        insert(customers)
        .from_select(["id", "company_id", "display_name", "email", "guest"], source)
        .on_conflict_do_nothing(
            index_elements=[customers.c.company_id, func.lower(customers.c.email)],
            index_where=customers.c.email.is_not(None),
        )
        .returning(*customers.c)
    )
    row = (await conn.execute(statement)).first()
    return _to_customer(row) if row else None


async def customer_by_email(conn: AsyncConnection, company_id: uuid.UUID, email: str) -> Customer | None:
    row = (await conn.execute(select(customers).where(_same_email(company_id, email)))).first()
    return _to_customer(row) if row else None


async def register_guest(
    conn: AsyncConnection, company_id: uuid.UUID, email: str, display_name: str | None
) -> Customer | None:
    """The company's guest with this e-mail made a registered customer (same id); None when
    there is no guest with it (none at all, or already registered)."""
    values: dict[str, object] = {"guest": False, "version": customers.c.version + 1}
    if display_name:
        values["display_name"] = display_name
    row = (
        await conn.execute(
            update(customers)
            .where(_same_email(company_id, email), customers.c.guest)
            .values(**values)
            .returning(*customers.c)
        )
    ).first()
    return _to_customer(row) if row else None
