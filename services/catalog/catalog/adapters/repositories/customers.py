"""Customers of a company (guests included) in SQL."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, Select, func, literal, select, tuple_, union, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters.repositories.rows import UUID_TYPE, by_request_id, constraint_of, insert_from, utc
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
        phone=row.phone,
        version=row.version,
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


def _like_prefix(value: str) -> str:
    """A LIKE pattern matching what starts with `value` (its wildcards taken literally)."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def list_customers(
    conn: AsyncConnection,
    company_id: uuid.UUID,
    *,
    query: str,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
) -> list[Customer]:
    """By name then id; `query` (lower case) keeps names or e-mails starting with it, which
    the text_pattern_ops indexes on lower(display_name) and lower(email) serve."""
    conditions = [customers.c.company_id == company_id]
    if after is not None:
        name, customer_id = after
        conditions.append(
            tuple_(customers.c.display_name, customers.c.id)
            > tuple_(literal(name), literal(customer_id, UUID_TYPE))
        )
    if not query:
        statement = select(customers).where(*conditions)
        return await _page(conn, statement.order_by(customers.c.display_name, customers.c.id), limit)
    # Matches by name and by e-mail are found apart, each by its prefix index, and only then
    # sorted. With `OR` in one query the planner walks the (name, id) index in page order and
    # filters: a name prefix is clustered in that order, so a late one ("Zo") read most of a
    # big company's customers (80-200 ms at 91,000; bench/backoffice.py). MATERIALIZED keeps
    # the planner from folding the order back into the branches.
    pattern = _like_prefix(query)
    keys = (customers.c.id, customers.c.display_name)
    name_like = func.lower(customers.c.display_name).like(pattern, escape="\\")
    email_like = func.lower(customers.c.email).like(pattern, escape="\\")
    # Only the keys are merged and sorted (thousands of rows for a short prefix); the page's
    # rows are read by id after.
    matches = (
        union(select(*keys).where(*conditions, name_like), select(*keys).where(*conditions, email_like))
        .cte("matches")
        .prefix_with("MATERIALIZED")
    )
    page = select(matches.c.id).order_by(matches.c.display_name, matches.c.id).limit(limit)
    statement = select(customers).where(customers.c.id.in_(page))
    return await _page(conn, statement.order_by(customers.c.display_name, customers.c.id), limit)


async def _page(conn: AsyncConnection, statement: Select[Any], limit: int) -> list[Customer]:
    return [_to_customer(row) for row in (await conn.execute(statement.limit(limit))).all()]


async def update_customer(
    conn: AsyncConnection, customer: Customer, expected_version: int, changes: dict[str, str | None]
) -> Customer | None:
    """Applies `changes` only at `expected_version` (the database judges a stale write); None
    when the customer is missing or at another version. Raises CUSTOMER_EMAIL_TAKEN."""
    try:
        row = (
            await conn.execute(
                update(customers)
                .where(customers.c.id == customer.id, customers.c.version == expected_version)
                .values(**changes, version=customers.c.version + 1)
                .returning(*customers.c)
            )
        ).first()
    except IntegrityError as error:
        if constraint_of(error) == CUSTOMER_EMAIL_INDEX:
            raise errors.email_taken(customer.company_id) from None
        raise
    return _to_customer(row) if row else None
