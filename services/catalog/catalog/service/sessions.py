"""Sessions of time-slot resources; creation and cancellation are published on the outbox."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters import events
from catalog.adapters.repositories import companies, resources, sessions
from catalog.domain import errors, recurrence
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
    MovedSession,
    ResourcePlaces,
    Session,
    SessionPage,
    SessionSeries,
    SessionStatus,
)
from catalog.domain.rules import SessionCursor, occurrences_to_come, same_parent
from plumbing import audit
from plumbing.db import Database
from plumbing.outbox import Outbox
from plumbing.principal import check_tenant


async def create_session(db: Database, outbox: Outbox, command: CreateSession) -> Session:
    """Creates the session and queues `catalog.events.session_created` in the same transaction."""
    async with db.transaction() as conn:
        created = await sessions.insert_session(conn, command)
        if created is not None:
            await events.session_created(conn, outbox, created)
        else:
            existing = await sessions.session_by_request_id(conn, command.request_id)
            if existing is None:
                await _explain_session_refusal(conn, command.resource_id, command.price)
    if created is not None:
        outbox.wake()
        return created
    if existing is None:
        raise RuntimeError("session insert did nothing without a reason")
    same_parent(existing.resource_id, command.resource_id, command.request_id)
    return existing


async def _explain_session_refusal(conn: AsyncConnection, resource_id: uuid.UUID, price: Money) -> None:
    """Raises the reason the conditional insert of a session (or series) found no parent row."""
    resource = await resources.find_resource(conn, resource_id)
    if resource is None:
        raise errors.resource_not_found(resource_id)
    if resource.booking_model is not BookingModel.TIME_SLOT:
        raise errors.resource_not_time_slot(resource.id, resource.booking_model.value)
    company = await companies.find_company(conn, resource.company_id)
    if company is not None and company.currency_code != price.currency_code:
        raise errors.currency_mismatch(price.currency_code, company.currency_code, "price.currency_code")


async def cancel_session(db: Database, outbox: Outbox, command: CancelSession) -> Session:
    """Cancels an OPEN session and queues `catalog.events.session_cancelled` in the same
    transaction. A session cancelled already is returned as it is (first reason, no new event)."""
    async with db.transaction() as conn:
        cancelled = await sessions.cancel_session(conn, command)
        if cancelled is not None:
            await events.session_cancelled(conn, outbox, cancelled)
            existing = None
        else:
            existing = await sessions.find_session(conn, command.session_id)
    if cancelled is not None:
        outbox.wake()
        return cancelled
    if existing is None:
        raise errors.session_not_found(command.session_id)
    return existing


async def get_session(db: Database, session_id: uuid.UUID) -> Session:
    async with db.transaction() as conn:
        found = await sessions.find_offered_session(conn, session_id)
    if found is None:
        raise errors.session_not_found(session_id)
    check_tenant(found.company_id, errors.session_not_found(session_id))
    return found


async def list_sessions(db: Database, query: ListSessions) -> SessionPage:
    check_tenant(query.company_id, errors.company_not_found(query.company_id))
    async with db.transaction() as conn:
        if await companies.find_listed_company(conn, query.company_id) is None:
            raise errors.company_not_found(query.company_id)
        found = await sessions.list_sessions(conn, query, limit=query.page_size + 1)
    page = found[: query.page_size]
    more = len(found) > query.page_size
    token = SessionCursor(start_time=page[-1].start_time, id=page[-1].id).encode() if more else ""
    return SessionPage(sessions=page, next_page_token=token)


async def sum_session_places(db: Database, query: SumSessionPlaces) -> list[ResourcePlaces]:
    check_tenant(query.company_id, errors.company_not_found(query.company_id))
    async with db.transaction() as conn:
        if await companies.find_company(conn, query.company_id) is None:
            raise errors.company_not_found(query.company_id)
        return await sessions.places_per_resource(conn, query)


def _audited(session: Session) -> dict[str, object]:
    return {
        "resource_id": session.resource_id,
        "start_time": session.start_time,
        "end_time": session.end_time,
        "capacity": session.capacity,
        "price_amount_minor": session.price.amount_minor,
        "price_currency": session.price.currency_code,
        "status": session.status.value,
        "series_id": session.series_id,
    }


async def create_series(db: Database, outbox: Outbox, command: CreateSessionSeries) -> SessionSeries:
    """Expands the rule in the company's zone and creates every occurrence, the series row
    and their `session_created` events in one transaction (all or nothing)."""
    async with db.transaction() as conn:
        existing = await sessions.series_by_request_id(conn, command.request_id)
        if existing is not None:
            series_id, resource_id = existing
            same_parent(resource_id, command.resource_id, command.request_id)
            return await _series_as_created(conn, series_id)
        resource = await resources.find_resource(conn, command.resource_id)
        if resource is None:
            raise errors.resource_not_found(command.resource_id)
        check_tenant(resource.company_id, errors.resource_not_found(command.resource_id))
        company = await companies.find_company(conn, resource.company_id)
        if company is None:
            raise errors.resource_not_found(command.resource_id)
        every_occurrence = recurrence.expand(
            command.rrule,
            first_day=command.start_date,
            start=command.start_time_of_day,
            duration_minutes=command.duration_minutes,
            zone=company.time_zone,
        )
        occurrences = occurrences_to_come(every_occurrence, now=command.now)
        inserted = await sessions.insert_series(conn, command, time_zone=company.time_zone)
        if inserted is None:
            # A concurrent retry with the same request_id won, or the parent does not qualify.
            raced = await sessions.series_by_request_id(conn, command.request_id)
            if raced is None:
                await _explain_session_refusal(conn, command.resource_id, command.price)
                raise RuntimeError("series insert did nothing without a reason")
            return await _series_as_created(conn, raced[0])
        series_id, company_id = inserted
        created = await sessions.insert_occurrences(
            conn, command, series_id=series_id, company_id=company_id, occurrences=occurrences
        )
        for session in created:
            await events.session_created(conn, outbox, session)
        await audit.record(
            conn,
            company_id=company_id,
            entity_type="session_series",
            entity_id=series_id,
            action="create",
            after={
                "resource_id": command.resource_id,
                "rrule": command.rrule,
                "start_date": command.start_date,
                "start_time_of_day": command.start_time_of_day,
                "duration_minutes": command.duration_minutes,
                "capacity": command.capacity,
                "price_amount_minor": command.price.amount_minor,
                "occurrences": len(created),
            },
        )
    outbox.wake()
    moved = _moved_sessions(recurrence.moved(occurrences, company.time_zone), created)
    return SessionSeries(id=series_id, sessions=created, moved=moved)


def _moved_sessions(moved: list[recurrence.MovedOccurrence], created: list[Session]) -> list[MovedSession]:
    """The series' sessions that start after a daylight-saving gap (matched by start: a series
    never holds two sessions that start together)."""
    by_start = {session.start_time: session.id for session in created}
    return [
        MovedSession(session_id=by_start[m.start_time], asked=m.asked, starts=m.starts)
        for m in moved
        if m.start_time in by_start
    ]


async def _series_as_created(conn: AsyncConnection, series_id: uuid.UUID) -> SessionSeries:
    """A retry's answer: the series' sessions as they are now and, expanded again from the rule
    and zone stored with the series, which of them were moved past a gap."""
    found = await sessions.series_sessions(conn, series_id)
    rule = await sessions.series_rule(conn, series_id)
    occurrences = recurrence.expand(
        rule.rrule,
        first_day=rule.start_date,
        start=rule.start_time_of_day,
        duration_minutes=rule.duration_minutes,
        zone=rule.time_zone,
    )
    moved = _moved_sessions(recurrence.moved(occurrences, rule.time_zone), found)
    return SessionSeries(id=series_id, sessions=found, moved=moved)


async def update_session(db: Database, outbox: Outbox, command: UpdateSession) -> Session:
    """Changes an OPEN session at the version read, version + 1, `session_updated` queued.
    A retry of an applied request_id returns the session as it is now."""
    async with db.transaction() as conn:
        before = await sessions.find_session(conn, command.session_id)
        if before is None:
            raise errors.session_not_found(command.session_id)
        check_tenant(before.company_id, errors.session_not_found(command.session_id))
        if not await sessions.claim_change(conn, command.request_id, command.session_id):
            return before
        if command.price is not None:
            company = await companies.find_company(conn, before.company_id)
            if company is not None and company.currency_code != command.price.currency_code:
                raise errors.currency_mismatch(
                    command.price.currency_code, company.currency_code, "price.currency_code"
                )
        updated = await sessions.update_session(conn, command)
        if updated is None:
            if before.status is not SessionStatus.OPEN:
                raise errors.session_cancelled(command.session_id)
            raise errors.etag_mismatch()
        await events.session_updated(conn, outbox, updated)
        await audit.record(
            conn,
            company_id=updated.company_id,
            entity_type="session",
            entity_id=updated.id,
            action="update",
            before=_audited(before),
            after=_audited(updated),
        )
    outbox.wake()
    return updated


async def cancel_series(db: Database, outbox: Outbox, command: CancelSessionSeries) -> list[Session]:
    """Cancels an occurrence and every later open one of its series, each with its
    `session_cancelled` event (bookings refunds their bookings), in one transaction."""
    async with db.transaction() as conn:
        first = await sessions.find_session(conn, command.session_id)
        if first is None:
            raise errors.session_not_found(command.session_id)
        check_tenant(first.company_id, errors.session_not_found(command.session_id))
        if first.series_id is None:
            raise errors.session_not_in_series(command.session_id)
        cancelled = await sessions.cancel_following(conn, command, first)
        for session in cancelled:
            await events.session_cancelled(conn, outbox, session)
        if cancelled:
            await audit.record(
                conn,
                company_id=first.company_id,
                entity_type="session_series",
                entity_id=first.series_id,
                action="cancel_following",
                before={"status": SessionStatus.OPEN.value},
                after={
                    "status": SessionStatus.CANCELLED.value,
                    "from_session_id": first.id,
                    "sessions": [session.id for session in cancelled],
                },
                reason=command.reason,
            )
    if cancelled:
        outbox.wake()
    return cancelled
