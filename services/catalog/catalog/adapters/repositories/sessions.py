"""Sessions of time-slot resources in SQL; listed soonest first with a keyset cursor."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, and_, func, literal, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters.repositories.rows import UUID_TYPE, by_request_id, insert_from, utc
from catalog.adapters.tables import (
    companies,
    resources,
    sessions,
)
from catalog.domain.commands import (
    CancelSession,
    CreateSession,
    ListSessions,
)
from catalog.domain.model import (
    BookingModel,
    Money,
    Session,
    SessionStatus,
)
from catalog.domain.rules import SessionCursor


def _to_session(row: Row[Any]) -> Session:
    return Session(
        id=row.id,
        company_id=row.company_id,
        resource_id=row.resource_id,
        start_time=utc(row.start_time),
        end_time=utc(row.end_time),
        capacity=row.capacity,
        price=Money(amount_minor=row.price_amount_minor, currency_code=row.price_currency),
        status=SessionStatus(row.status),
        cancel_reason=row.cancel_reason,
        cancelled_at=utc(row.cancelled_at) if row.cancelled_at is not None else None,
    )


async def insert_session(conn: AsyncConnection, command: CreateSession) -> Session | None:
    """The new session; None unless the resource exists, is a time-slot resource and its
    company sells in the price's currency, or when the request_id is taken."""
    row = await insert_from(
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
    row = await by_request_id(conn, sessions, request_id)
    return _to_session(row) if row else None


async def find_session(conn: AsyncConnection, session_id: uuid.UUID) -> Session | None:
    row = (await conn.execute(select(sessions).where(sessions.c.id == session_id))).first()
    return _to_session(row) if row else None


async def cancel_session(conn: AsyncConnection, command: CancelSession) -> Session | None:
    """Cancels an OPEN session; None when it does not exist or is cancelled already."""
    row = (
        await conn.execute(
            update(sessions)
            .where(sessions.c.id == command.session_id, sessions.c.status == SessionStatus.OPEN.value)
            .values(
                status=SessionStatus.CANCELLED.value,
                cancel_reason=command.reason,
                cancelled_at=func.now(),
                cancel_request_id=command.request_id,
            )
            .returning(*sessions.c)
        )
    ).first()
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
        and_(sessions.c.start_time == cursor.start_time, sessions.c.id > literal(cursor.id, UUID_TYPE)),
    )
