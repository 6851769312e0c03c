"""SQL of catalog (SQLAlchemy Core) turned into domain objects.

Creates are `INSERT ... SELECT ... ON CONFLICT (request_id) DO NOTHING RETURNING`: the
SELECT finds the parent row under the conditions the new row needs (the company exists,
the price is in its currency, the resource is a time-slot one), so the database decides;
when nothing is inserted, the caller looks for the row of an earlier request with the
same request_id and otherwise explains the refusal with the `find_*` reads.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, Select, Table, and_, literal, or_, select, true
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import TypeEngine

from catalog.adapters.tables import CUSTOMER_EMAIL_INDEX, companies, customers, extras, resources, sessions
from catalog.domain import errors
from catalog.domain.commands import (
    CreateCompany,
    CreateCustomer,
    CreateExtra,
    CreateResource,
    CreateSession,
    ListSessions,
)
from catalog.domain.model import (
    BookingModel,
    Company,
    Customer,
    Extra,
    Money,
    Resource,
    ResourcePolicy,
    Session,
    SessionStatus,
)
from catalog.domain.rules import SessionCursor

_UUID: TypeEngine[uuid.UUID] = UUID(as_uuid=True)


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _to_company(row: Row[Any]) -> Company:
    return Company(
        id=row.id,
        name=row.name,
        time_zone=row.time_zone,
        currency_code=row.currency_code,
        created_at=_utc(row.created_at),
    )


def _to_customer(row: Row[Any]) -> Customer:
    return Customer(
        id=row.id,
        company_id=row.company_id,
        display_name=row.display_name,
        email=row.email,
        guest=row.guest,
        created_at=_utc(row.created_at),
    )


def _to_resource(row: Row[Any]) -> Resource:
    return Resource(
        id=row.id,
        company_id=row.company_id,
        name=row.name,
        booking_model=BookingModel(row.booking_model),
        policy=ResourcePolicy(
            lead_time_minutes=row.lead_time_minutes,
            horizon_days=row.horizon_days,
            free_cancellation_minutes=row.free_cancellation_minutes,
            max_places_per_booking=row.max_places_per_booking,
        ),
    )


def _to_session(row: Row[Any]) -> Session:
    return Session(
        id=row.id,
        company_id=row.company_id,
        resource_id=row.resource_id,
        start_time=_utc(row.start_time),
        end_time=_utc(row.end_time),
        capacity=row.capacity,
        price=Money(amount_minor=row.price_amount_minor, currency_code=row.price_currency),
        status=SessionStatus(row.status),
    )


def _to_extra(row: Row[Any]) -> Extra:
    return Extra(
        id=row.id,
        company_id=row.company_id,
        name=row.name,
        price=Money(amount_minor=row.price_amount_minor, currency_code=row.price_currency),
    )


async def _insert_from(
    conn: AsyncConnection, table: Table, values: dict[str, Any], parent: Select[Any]
) -> Row[Any] | None:
    """Inserts `values` plus the columns `parent` selects, once per parent row it finds,
    unless a row with the same request_id exists."""
    names = [*values, *parent.selected_columns.keys()]
    constants = [literal(value, table.c[name].type) for name, value in values.items()]
    statement = (
        insert(table)
        .from_select(names, parent.with_only_columns(*constants, *parent.selected_columns))
        .on_conflict_do_nothing(index_elements=[table.c.request_id])
        .returning(*table.c)
    )
    return (await conn.execute(statement)).first()


def _constraint_of(error: IntegrityError) -> str | None:
    diag = getattr(error.orig, "diag", None)
    return getattr(diag, "constraint_name", None)


async def _by_request_id(conn: AsyncConnection, table: Table, request_id: str | None) -> Row[Any] | None:
    if request_id is None:
        return None
    return (await conn.execute(select(table).where(table.c.request_id == request_id))).first()


# Companies


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
    row = await _by_request_id(conn, companies, request_id)
    return _to_company(row) if row else None


async def find_company(conn: AsyncConnection, company_id: uuid.UUID) -> Company | None:
    row = (await conn.execute(select(companies).where(companies.c.id == company_id))).first()
    return _to_company(row) if row else None


# Customers


async def insert_customer(conn: AsyncConnection, command: CreateCustomer) -> Customer | None:
    """The new customer; None when the company does not exist or the request_id is taken.

    Raises CUSTOMER_EMAIL_TAKEN when the company has a customer with this e-mail address;
    the transaction is then aborted.
    """
    try:
        row = await _insert_from(
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
        if _constraint_of(error) == CUSTOMER_EMAIL_INDEX:
            raise errors.email_taken(command.company_id) from None
        raise
    return _to_customer(row) if row else None


async def customer_by_request_id(conn: AsyncConnection, request_id: str | None) -> Customer | None:
    row = await _by_request_id(conn, customers, request_id)
    return _to_customer(row) if row else None


async def find_customer(conn: AsyncConnection, customer_id: uuid.UUID) -> Customer | None:
    row = (await conn.execute(select(customers).where(customers.c.id == customer_id))).first()
    return _to_customer(row) if row else None


# Resources


async def insert_resource(conn: AsyncConnection, command: CreateResource) -> Resource | None:
    """The new resource; None when the company does not exist or the request_id is taken."""
    policy = command.policy
    row = await _insert_from(
        conn,
        resources,
        {
            "id": uuid.uuid4(),
            "request_id": command.request_id,
            "name": command.name,
            "booking_model": command.booking_model.value,
            "lead_time_minutes": policy.lead_time_minutes,
            "horizon_days": policy.horizon_days,
            "free_cancellation_minutes": policy.free_cancellation_minutes,
            "max_places_per_booking": policy.max_places_per_booking,
        },
        select(companies.c.id.label("company_id")).where(companies.c.id == command.company_id),
    )
    return _to_resource(row) if row else None


async def resource_by_request_id(conn: AsyncConnection, request_id: str | None) -> Resource | None:
    row = await _by_request_id(conn, resources, request_id)
    return _to_resource(row) if row else None


async def find_resource(conn: AsyncConnection, resource_id: uuid.UUID) -> Resource | None:
    row = (await conn.execute(select(resources).where(resources.c.id == resource_id))).first()
    return _to_resource(row) if row else None


# Sessions


async def insert_session(conn: AsyncConnection, command: CreateSession) -> Session | None:
    """The new session; None unless the resource exists, is a time-slot resource and its
    company sells in the price's currency, or when the request_id is taken."""
    row = await _insert_from(
        conn,
        sessions,
        {
            "id": uuid.uuid4(),
            "request_id": command.request_id,
            "resource_id": command.resource_id,
            "start_time": command.start_time,
            "end_time": command.end_time,
            "capacity": command.capacity,
            "price_amount_minor": command.price.amount_minor,
            "price_currency": command.price.currency_code,
            "status": SessionStatus.OPEN.value,
        },
        select(resources.c.company_id)
        .join(companies, companies.c.id == resources.c.company_id)
        .where(
            resources.c.id == command.resource_id,
            resources.c.booking_model == BookingModel.TIME_SLOT.value,
            companies.c.currency_code == command.price.currency_code,
        ),
    )
    return _to_session(row) if row else None


async def session_by_request_id(conn: AsyncConnection, request_id: str | None) -> Session | None:
    row = await _by_request_id(conn, sessions, request_id)
    return _to_session(row) if row else None


async def find_session(conn: AsyncConnection, session_id: uuid.UUID) -> Session | None:
    row = (await conn.execute(select(sessions).where(sessions.c.id == session_id))).first()
    return _to_session(row) if row else None


async def list_sessions(conn: AsyncConnection, query: ListSessions, limit: int) -> list[Session]:
    """Up to `limit` sessions of the query, soonest first, after its cursor."""
    conditions = [sessions.c.company_id == query.company_id]
    if query.resource_id is not None:
        conditions.append(sessions.c.resource_id == query.resource_id)
    if query.start_time_from is not None:
        conditions.append(sessions.c.start_time >= query.start_time_from)
    conditions.append(_after(query.after))
    rows = await conn.execute(
        select(sessions).where(*conditions).order_by(sessions.c.start_time, sessions.c.id).limit(limit)
    )
    return [_to_session(row) for row in rows]


def _after(cursor: SessionCursor | None) -> Any:
    if cursor is None:
        return true()
    return or_(
        sessions.c.start_time > cursor.start_time,
        and_(sessions.c.start_time == cursor.start_time, sessions.c.id > literal(cursor.id, _UUID)),
    )


# Extras


async def insert_extra(conn: AsyncConnection, command: CreateExtra) -> Extra | None:
    """The new extra; None unless the company exists and sells in the price's currency, or
    when the request_id is taken."""
    row = await _insert_from(
        conn,
        extras,
        {
            "id": uuid.uuid4(),
            "request_id": command.request_id,
            "name": command.name,
            "price_amount_minor": command.price.amount_minor,
            "price_currency": command.price.currency_code,
        },
        select(companies.c.id.label("company_id")).where(
            companies.c.id == command.company_id,
            companies.c.currency_code == command.price.currency_code,
        ),
    )
    return _to_extra(row) if row else None


async def extra_by_request_id(conn: AsyncConnection, request_id: str | None) -> Extra | None:
    row = await _by_request_id(conn, extras, request_id)
    return _to_extra(row) if row else None


async def list_extras(conn: AsyncConnection, company_id: uuid.UUID) -> Sequence[Extra]:
    rows = await conn.execute(
        select(extras).where(extras.c.company_id == company_id).order_by(extras.c.created_at, extras.c.id)
    )
    return [_to_extra(row) for row in rows]
