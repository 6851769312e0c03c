"""Sessions of time-slot resources; creation and cancellation are published on the outbox."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters import events
from catalog.adapters.repositories import companies, resources, sessions
from catalog.domain import errors
from catalog.domain.commands import (
    CancelSession,
    CreateSession,
    ListSessions,
)
from catalog.domain.model import (
    BookingModel,
    Session,
    SessionPage,
)
from catalog.domain.rules import SessionCursor, same_parent
from plumbing.db import Database
from plumbing.outbox import Outbox


async def create_session(db: Database, outbox: Outbox, command: CreateSession) -> Session:
    """Creates the session and queues `catalog.events.session_created` in the same transaction."""
    async with db.transaction() as conn:
        created = await sessions.insert_session(conn, command)
        if created is not None:
            await events.session_created(conn, outbox, created)
        else:
            existing = await sessions.session_by_request_id(conn, command.request_id)
            if existing is None:
                await _explain_session_refusal(conn, command)
    if created is not None:
        outbox.wake()
        return created
    if existing is None:
        raise RuntimeError("session insert did nothing without a reason")
    same_parent(existing.resource_id, command.resource_id, command.request_id)
    return existing


async def _explain_session_refusal(conn: AsyncConnection, command: CreateSession) -> None:
    """Raises the reason the conditional insert of a session found no parent row."""
    resource = await resources.find_resource(conn, command.resource_id)
    if resource is None:
        raise errors.resource_not_found(command.resource_id)
    if resource.booking_model is not BookingModel.TIME_SLOT:
        raise errors.resource_not_time_slot(resource.id, resource.booking_model.value)
    company = await companies.find_company(conn, resource.company_id)
    if company is not None and company.currency_code != command.price.currency_code:
        raise errors.currency_mismatch(
            command.price.currency_code, company.currency_code, "price.currency_code"
        )


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
        found = await sessions.find_session(conn, session_id)
    if found is None:
        raise errors.session_not_found(session_id)
    return found


async def list_sessions(db: Database, query: ListSessions) -> SessionPage:
    async with db.transaction() as conn:
        if await companies.find_company(conn, query.company_id) is None:
            raise errors.company_not_found(query.company_id)
        found = await sessions.list_sessions(conn, query, limit=query.page_size + 1)
    page = found[: query.page_size]
    more = len(found) > query.page_size
    token = SessionCursor(start_time=page[-1].start_time, id=page[-1].id).encode() if more else ""
    return SessionPage(sessions=page, next_page_token=token)
