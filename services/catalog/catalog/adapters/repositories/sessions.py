"""Sessions of time-slot resources in SQL; listed soonest first with a keyset cursor."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, and_, func, literal, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters.repositories.companies import offered_to_caller
from catalog.adapters.repositories.rows import UUID_TYPE, by_request_id, insert_from, utc
from catalog.adapters.tables import (
    changes,
    companies,
    resources,
    session_series,
    sessions,
)
from catalog.domain.commands import (
    CancelSession,
    CancelSessionSeries,
    CreateSession,
    CreateSessionSeries,
    ListSessions,
    SumSessionPlaces,
    UpdateSession,
)
from catalog.domain.model import (
    BookingModel,
    Money,
    ResourcePlaces,
    SeriesRule,
    Session,
    SessionStatus,
)
from catalog.domain.recurrence import Occurrence
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
        version=row.version,
        series_id=row.series_id,
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


async def find_offered_session(conn: AsyncConnection, session_id: uuid.UUID) -> Session | None:
    """The session, when its company offers it to the caller (`offered_to_caller`)."""
    query = select(sessions).where(sessions.c.id == session_id, offered_to_caller(sessions.c.company_id))
    row = (await conn.execute(query)).first()
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
    if query.start_time_to is not None:
        conditions.append(sessions.c.start_time < query.start_time_to)
    if not query.show_archived:
        archived = select(resources.c.id).where(
            resources.c.id == sessions.c.resource_id, resources.c.archived_at.is_not(None)
        )
        conditions.append(~archived.exists())
    conditions.append(_after(query.after))
    rows = await conn.execute(
        select(sessions).where(*conditions).order_by(sessions.c.start_time, sessions.c.id).limit(limit)
    )
    return [_to_session(row) for row in rows]


async def places_per_resource(conn: AsyncConnection, query: SumSessionPlaces) -> list[ResourcePlaces]:
    """The open sessions starting in the query's period, counted and their places summed per
    resource: one aggregate over the (company, start time) index, however many sessions."""
    conditions = [
        sessions.c.company_id == query.company_id,
        sessions.c.start_time >= query.start,
        sessions.c.start_time < query.end,
        sessions.c.status == SessionStatus.OPEN.value,
    ]
    if query.resource_id is not None:
        conditions.append(sessions.c.resource_id == query.resource_id)
    rows = await conn.execute(
        select(sessions.c.resource_id, func.count(), func.sum(sessions.c.capacity))
        .where(*conditions)
        .group_by(sessions.c.resource_id)
        .order_by(sessions.c.resource_id)
    )
    return [ResourcePlaces(resource_id=row[0], session_count=row[1], places=int(row[2])) for row in rows]


def _after(cursor: SessionCursor | None) -> Any:
    if cursor is None:
        return true()
    return or_(
        sessions.c.start_time > cursor.start_time,
        and_(sessions.c.start_time == cursor.start_time, sessions.c.id > literal(cursor.id, UUID_TYPE)),
    )


async def insert_series(
    conn: AsyncConnection, command: CreateSessionSeries, *, time_zone: str
) -> tuple[uuid.UUID, uuid.UUID] | None:
    """The new series' (id, company_id); None unless the resource exists, is a time-slot
    resource and its company sells in the price's currency, or when the request_id is taken."""
    row = await insert_from(
        conn,
        session_series,
        {
            "id": uuid.uuid4(),
            "request_id": command.request_id,
            "resource_id": command.resource_id,
            "rrule": command.rrule,
            "start_date": command.start_date,
            "start_time_of_day": command.start_time_of_day,
            "duration_minutes": command.duration_minutes,
            "time_zone": time_zone,
        },
        select(resources.c.company_id)
        .join(companies, companies.c.id == resources.c.company_id)
        .where(
            resources.c.id == command.resource_id,
            resources.c.booking_model == BookingModel.TIME_SLOT.value,
            companies.c.currency_code == command.price.currency_code,
        ),
    )
    return (row.id, row.company_id) if row else None


async def insert_occurrences(
    conn: AsyncConnection,
    command: CreateSessionSeries,
    *,
    series_id: uuid.UUID,
    company_id: uuid.UUID,
    occurrences: list[Occurrence],
) -> list[Session]:
    rows = await conn.execute(
        insert(sessions)
        .values(
            [
                {
                    "id": uuid.uuid4(),
                    "company_id": company_id,
                    "resource_id": command.resource_id,
                    "series_id": series_id,
                    "start_time": occurrence.start_time,
                    "end_time": occurrence.end_time,
                    "capacity": command.capacity,
                    "price_amount_minor": command.price.amount_minor,
                    "price_currency": command.price.currency_code,
                    "status": SessionStatus.OPEN.value,
                }
                for occurrence in occurrences
            ]
        )
        .returning(*sessions.c)
    )
    return sorted((_to_session(row) for row in rows), key=lambda s: (s.start_time, s.id))


async def series_by_request_id(
    conn: AsyncConnection, request_id: str | None
) -> tuple[uuid.UUID, uuid.UUID] | None:
    row = await by_request_id(conn, session_series, request_id)
    return (row.id, row.resource_id) if row else None


async def series_rule(conn: AsyncConnection, series_id: uuid.UUID) -> SeriesRule:
    """What the series was expanded from (a retry tells again which occurrences moved)."""
    row = (await conn.execute(select(session_series).where(session_series.c.id == series_id))).one()
    return SeriesRule(
        rrule=row.rrule,
        start_date=row.start_date,
        start_time_of_day=row.start_time_of_day,
        duration_minutes=row.duration_minutes,
        time_zone=row.time_zone,
    )


async def series_sessions(conn: AsyncConnection, series_id: uuid.UUID) -> list[Session]:
    rows = await conn.execute(
        select(sessions)
        .where(sessions.c.series_id == series_id)
        .order_by(sessions.c.start_time, sessions.c.id)
    )
    return [_to_session(row) for row in rows]


async def claim_change(conn: AsyncConnection, request_id: str | None, session_id: uuid.UUID) -> bool:
    """Records the request_id of a session change; False when it was applied before (a retry)."""
    if request_id is None:
        return True
    row = await conn.execute(
        insert(changes)
        .values(request_id=request_id, entity_type="session", entity_id=session_id)
        .on_conflict_do_nothing()
        .returning(changes.c.request_id)
    )
    return row.first() is not None


async def update_session(conn: AsyncConnection, command: UpdateSession) -> Session | None:
    """Applies the change to an OPEN session at the version read (any version without one);
    None when the session is missing, cancelled or at another version."""
    values: dict[str, Any] = {"version": sessions.c.version + 1}
    if command.capacity is not None:
        values["capacity"] = command.capacity
    if command.price is not None:
        values["price_amount_minor"] = command.price.amount_minor
        values["price_currency"] = command.price.currency_code
    if command.start_time is not None:
        values["start_time"] = command.start_time
        values["end_time"] = command.end_time
    conditions = [sessions.c.id == command.session_id, sessions.c.status == SessionStatus.OPEN.value]
    if command.expected_version is not None:
        conditions.append(sessions.c.version == command.expected_version)
    row = (
        await conn.execute(update(sessions).where(*conditions).values(**values).returning(*sessions.c))
    ).first()
    return _to_session(row) if row else None


async def cancel_following(
    conn: AsyncConnection, command: CancelSessionSeries, first: Session
) -> list[Session]:
    """Cancels `first` and every later OPEN occurrence of its series."""
    rows = await conn.execute(
        update(sessions)
        .where(
            sessions.c.series_id == first.series_id,
            sessions.c.start_time >= first.start_time,
            sessions.c.status == SessionStatus.OPEN.value,
        )
        .values(
            status=SessionStatus.CANCELLED.value,
            cancel_reason=command.reason,
            cancelled_at=func.now(),
            cancel_request_id=command.request_id,
        )
        .returning(*sessions.c)
    )
    return sorted((_to_session(row) for row in rows), key=lambda s: (s.start_time, s.id))
