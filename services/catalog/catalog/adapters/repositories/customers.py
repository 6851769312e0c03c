"""Customers of a company (guests included) in SQL."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters.repositories.rows import by_request_id, constraint_of, insert_from, utc
from catalog.adapters.tables import (
    CUSTOMER_EMAIL_INDEX,
    companies,
    customers,
)
from catalog.domain import errors
from catalog.domain.commands import (
    CreateCustomer,
)
from catalog.domain.model import (
    Customer,
)


def _to_customer(row: Row[Any]) -> Customer:
    return Customer(
        id=row.id,
        company_id=row.company_id,
        display_name=row.display_name,
        email=row.email,
        guest=row.guest,
        created_at=utc(row.created_at),
    )


async def insert_customer(conn: AsyncConnection, command: CreateCustomer) -> Customer | None:
    """The new customer; None when the company does not exist or the request_id is taken.

    Raises CUSTOMER_EMAIL_TAKEN when the company has a customer with this e-mail address;
    the transaction is then aborted.
    """
    try:
        row = await insert_from(
            conn,
            customers,
            {
                "id": uuid.uuid4(),
                "request_id": command.request_id,
                "display_name": command.display_name,
                "email": command.email,
                "guest": command.guest,
            },
            select(companies.c.id.label("company_id")).where(companies.c.id == command.company_id),
        )
    except IntegrityError as error:
        if constraint_of(error) == CUSTOMER_EMAIL_INDEX:
            raise errors.email_taken(command.company_id) from None
        raise
    return _to_customer(row) if row else None


async def customer_by_request_id(conn: AsyncConnection, request_id: str | None) -> Customer | None:
    row = await by_request_id(conn, customers, request_id)
    return _to_customer(row) if row else None


async def find_customer(conn: AsyncConnection, customer_id: uuid.UUID) -> Customer | None:
    row = (await conn.execute(select(customers).where(customers.c.id == customer_id))).first()
    return _to_customer(row) if row else None
