"""Companies (tenants) in SQL."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, Row, exists, literal, select, true, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters.repositories.changes import versioned_update
from catalog.adapters.repositories.rows import by_request_id, utc
from catalog.adapters.tables import (
    companies,
)
from catalog.domain import errors
from catalog.domain.back_office import CreatedCursor
from catalog.domain.commands import (
    CreateCompany,
)
from catalog.domain.model import (
    Company,
    CompanyState,
)
from plumbing.principal import CUSTOMER_ROLES, current_principal

FOREIGN_KEY_VIOLATION = "23503"


def _to_company(row: Row[Any]) -> Company:
    return Company(
        id=row.id,
        name=row.name,
        time_zone=row.time_zone,
        currency_code=row.currency_code,
        created_at=utc(row.created_at),
        description=row.description,
        contact_email=row.contact_email,
        contact_phone=row.contact_phone,
        address=row.address,
        allowed_origins=tuple(row.allowed_origins),
        state=CompanyState(row.state),
        suspend_reason=row.suspend_reason,
        version=row.version,
    )


to_company = _to_company


async def insert_company(conn: AsyncConnection, command: CreateCompany) -> Company | None:
    """The new company, or None when a company with this request_id already exists."""
    row = (
        await conn.execute(
            insert(companies)
            .values(
                id=uuid.uuid4(),
                request_id=command.request_id,
                name=command.name,
                time_zone=command.time_zone,
                currency_code=command.currency_code,
            )
            .on_conflict_do_nothing(index_elements=[companies.c.request_id])
            .returning(*companies.c)
        )
    ).first()
    return _to_company(row) if row else None


async def company_by_request_id(conn: AsyncConnection, request_id: str | None) -> Company | None:
    row = await by_request_id(conn, companies, request_id)
    return _to_company(row) if row else None


async def find_company(
    conn: AsyncConnection, company_id: uuid.UUID, *, share: bool = False
) -> Company | None:
    """`share` reads the row FOR SHARE: it waits while a change holds the row FOR UPDATE and
    then reads what that change committed (service.companies.get_company says who needs it)."""
    query = select(companies).where(companies.c.id == company_id)
    if share:
        query = query.with_for_update(read=True)
    row = (await conn.execute(query)).first()
    return _to_company(row) if row else None


def offered_to_caller(company_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """The SQL condition that the row's company (`company_id`, a column of the row) offers it to
    the caller. Customers and guests, who read the catalog to find something to book, find a
    suspended company's resources, sessions, units and rate plans as rows that do not exist, as
    its public site does (bookings refuses its bookings anyway); its staff, platform admins and
    internal callers still find them, so the company's own views keep working."""
    if current_principal().role not in CUSTOMER_ROLES:
        return true()
    # An alias, so that the condition also reads right on a query of `companies` itself.
    offering = companies.alias("offering_company")
    return exists().where(offering.c.id == company_id, offering.c.state == CompanyState.ACTIVE.value)


async def find_listed_company(conn: AsyncConnection, company_id: uuid.UUID) -> Company | None:
    """The company whose catalog (resources, sessions) the caller may list: for customers and
    guests an active one only (`offered_to_caller`)."""
    query = select(companies).where(companies.c.id == company_id, offered_to_caller(companies.c.id))
    row = (await conn.execute(query)).first()
    return _to_company(row) if row else None


async def list_companies(conn: AsyncConnection, after: CreatedCursor | None, limit: int) -> list[Company]:
    """Up to `limit` companies, oldest first, after the cursor."""
    query = select(companies).order_by(companies.c.created_at, companies.c.id).limit(limit)
    if after is not None:
        query = query.where(
            tuple_(companies.c.created_at, companies.c.id)
            > tuple_(literal(after.created_at), literal(after.id))
        )
    return [_to_company(row) for row in await conn.execute(query)]


async def update_company(
    conn: AsyncConnection, company_id: uuid.UUID, expected_version: int | None, values: dict[str, Any]
) -> Company | None:
    """The company after the change; None when it is out of reach or at another version.
    A new currency is refused by the database while any price of the company references
    the old one (CURRENCY_LOCKED)."""
    try:
        row = await versioned_update(conn, companies, company_id, expected_version, values)
    except IntegrityError as error:
        if "currency_code" in values and getattr(error.orig, "sqlstate", None) == FOREIGN_KEY_VIOLATION:
            raise errors.currency_locked(company_id) from None
        raise
    return _to_company(row) if row else None
