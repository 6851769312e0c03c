"""Use cases of catalog: each takes a validated command and runs one transaction.

Creates are idempotent per request_id: the insert does nothing when the key exists, and
the row of the first request is returned instead. A request_id already used under
another parent (company or resource) is refused rather than leaking that row.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters import events, repository
from catalog.domain import errors
from catalog.domain.commands import (
    CreateCompany,
    CreateCustomer,
    CreateExtra,
    CreateResource,
    CreateSession,
    ListSessions,
)
from catalog.domain.model import BookingModel, Company, Customer, Extra, Resource, Session, SessionPage
from catalog.domain.rules import SessionCursor
from plumbing.db import Database
from plumbing.errors import ServiceError
from plumbing.outbox import Outbox


def _same_parent(existing: uuid.UUID, requested: uuid.UUID, request_id: str | None) -> None:
    if existing != requested:
        raise errors.request_id_reused(request_id or "")


async def create_company(db: Database, command: CreateCompany) -> Company:
    async with db.transaction() as conn:
        created = await repository.insert_company(conn, command)
        if created is not None:
            return created
        existing = await repository.company_by_request_id(conn, command.request_id)
    if existing is None:
        raise RuntimeError("company insert did nothing without an earlier request")
    return existing


async def get_company(db: Database, company_id: uuid.UUID) -> Company:
    async with db.transaction() as conn:
        found = await repository.find_company(conn, company_id)
    if found is None:
        raise errors.company_not_found(company_id)
    return found


async def create_customer(db: Database, command: CreateCustomer) -> Customer:
    try:
        async with db.transaction() as conn:
            created = await repository.insert_customer(conn, command)
            if created is not None:
                return created
            existing = await repository.customer_by_request_id(conn, command.request_id)
    except ServiceError as refusal:
        if refusal.reason != errors.CUSTOMER_EMAIL_TAKEN or command.request_id is None:
            raise
        # A concurrent request with the same request_id may have taken the address first.
        async with db.transaction() as conn:
            existing = await repository.customer_by_request_id(conn, command.request_id)
        if existing is None:
            raise
    if existing is None:
        raise errors.company_not_found(command.company_id)
    _same_parent(existing.company_id, command.company_id, command.request_id)
    return existing


async def get_customer(db: Database, customer_id: uuid.UUID) -> Customer:
    async with db.transaction() as conn:
        found = await repository.find_customer(conn, customer_id)
    if found is None:
        raise errors.customer_not_found(customer_id)
    return found


async def create_resource(db: Database, command: CreateResource) -> Resource:
    async with db.transaction() as conn:
        created = await repository.insert_resource(conn, command)
        if created is not None:
            return created
        existing = await repository.resource_by_request_id(conn, command.request_id)
    if existing is None:
        raise errors.company_not_found(command.company_id)
    _same_parent(existing.company_id, command.company_id, command.request_id)
    return existing


async def get_resource(db: Database, resource_id: uuid.UUID) -> Resource:
    async with db.transaction() as conn:
        found = await repository.find_resource(conn, resource_id)
    if found is None:
        raise errors.resource_not_found(resource_id)
    return found


async def create_session(db: Database, outbox: Outbox, command: CreateSession) -> Session:
    """Creates the session and queues `catalog.events.session_created` in the same transaction."""
    async with db.transaction() as conn:
        created = await repository.insert_session(conn, command)
        if created is not None:
            await events.session_created(conn, outbox, created)
        else:
            existing = await repository.session_by_request_id(conn, command.request_id)
            if existing is None:
                await _explain_session_refusal(conn, command)
    if created is not None:
        outbox.wake()
        return created
    if existing is None:
        raise RuntimeError("session insert did nothing without a reason")
    _same_parent(existing.resource_id, command.resource_id, command.request_id)
    return existing


async def _explain_session_refusal(conn: AsyncConnection, command: CreateSession) -> None:
    """Raises the reason the conditional insert of a session found no parent row."""
    resource = await repository.find_resource(conn, command.resource_id)
    if resource is None:
        raise errors.resource_not_found(command.resource_id)
    if resource.booking_model is not BookingModel.TIME_SLOT:
        raise errors.resource_not_time_slot(resource.id, resource.booking_model.value)
    company = await repository.find_company(conn, resource.company_id)
    if company is not None and company.currency_code != command.price.currency_code:
        raise errors.currency_mismatch(
            command.price.currency_code, company.currency_code, "price.currency_code"
        )


async def get_session(db: Database, session_id: uuid.UUID) -> Session:
    async with db.transaction() as conn:
        found = await repository.find_session(conn, session_id)
    if found is None:
        raise errors.session_not_found(session_id)
    return found


async def list_sessions(db: Database, query: ListSessions) -> SessionPage:
    async with db.transaction() as conn:
        if await repository.find_company(conn, query.company_id) is None:
            raise errors.company_not_found(query.company_id)
        found = await repository.list_sessions(conn, query, limit=query.page_size + 1)
    page = found[: query.page_size]
    more = len(found) > query.page_size
    token = SessionCursor(start_time=page[-1].start_time, id=page[-1].id).encode() if more else ""
    return SessionPage(sessions=page, next_page_token=token)


async def create_extra(db: Database, command: CreateExtra) -> Extra:
    async with db.transaction() as conn:
        created = await repository.insert_extra(conn, command)
        if created is not None:
            return created
        existing = await repository.extra_by_request_id(conn, command.request_id)
        if existing is None:
            company = await repository.find_company(conn, command.company_id)
    if existing is not None:
        _same_parent(existing.company_id, command.company_id, command.request_id)
        return existing
    if company is None:
        raise errors.company_not_found(command.company_id)
    raise errors.currency_mismatch(command.price.currency_code, company.currency_code, "price.currency_code")


async def list_extras(db: Database, company_id: uuid.UUID) -> list[Extra]:
    async with db.transaction() as conn:
        if await repository.find_company(conn, company_id) is None:
            raise errors.company_not_found(company_id)
        return list(await repository.list_extras(conn, company_id))
