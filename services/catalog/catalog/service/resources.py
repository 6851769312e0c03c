"""Resources: creation, policy and hourly-rate changes (versioned, published as
`catalog.events.resource_updated`), reads."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters import events
from catalog.adapters.repositories import companies, resources
from catalog.domain import errors, rules
from catalog.domain.commands import (
    CreateResource,
    SetHourlyRate,
    UpdateResourcePolicy,
)
from catalog.domain.model import (
    BookingModel,
    Resource,
)
from catalog.domain.rules import same_parent
from plumbing.db import Database
from plumbing.outbox import Outbox


async def create_resource(db: Database, command: CreateResource) -> Resource:
    async with db.transaction() as conn:
        created = await resources.insert_resource(conn, command)
        if created is not None:
            return created
        existing = await resources.resource_by_request_id(conn, command.request_id)
        company = await companies.find_company(conn, command.company_id) if existing is None else None
    if existing is None:
        if company is None:
            raise errors.company_not_found(command.company_id)
        rate = command.hourly_rate
        if rate is None:
            raise RuntimeError("resource insert did nothing without a reason")
        raise errors.currency_mismatch(rate.currency_code, company.currency_code, "hourly_rate.currency_code")
    same_parent(existing.company_id, command.company_id, command.request_id)
    return existing


class _AlreadyApplied(Exception):
    """Rolls back a change whose request_id turned out to be taken by a concurrent request."""


async def _resource_change_retry(
    db: Database, request_id: str | None, resource_id: uuid.UUID
) -> Resource | None:
    """The resource as it is now when `request_id` already changed it (None when new)."""
    async with db.transaction() as conn:
        earlier = await resources.resource_change_by_request_id(conn, request_id)
        if earlier is None:
            return None
        same_parent(earlier, resource_id, request_id)
        found = await resources.find_resource(conn, resource_id)
    if found is None:
        raise errors.resource_not_found(resource_id)
    return found


async def _concurrent_retry(db: Database, request_id: str | None, resource_id: uuid.UUID) -> Resource:
    """A concurrent request with the same request_id committed first: its result stands."""
    retried = await _resource_change_retry(db, request_id, resource_id)
    if retried is None:
        raise RuntimeError("a resource change was rolled back for a request_id that has no change")
    return retried


async def update_resource_policy(db: Database, outbox: Outbox, command: UpdateResourcePolicy) -> Resource:
    """Replaces the policy (validated against the resource's booking model, which never
    changes), bumps the version and queues `catalog.events.resource_updated`. A request_id
    seen before changes nothing and returns the resource as it is now."""
    retried = await _resource_change_retry(db, command.request_id, command.resource_id)
    if retried is not None:
        return retried
    try:
        async with db.transaction() as conn:
            resource = await resources.find_resource(conn, command.resource_id)
            if resource is None:
                raise errors.resource_not_found(command.resource_id)
            policy = rules.policy(resource.booking_model, command.policy)
            updated = await resources.update_resource(conn, resource.id, policy=policy)
            if updated is None:
                raise errors.resource_not_found(command.resource_id)
            if not await resources.record_resource_change(conn, command.request_id, updated, "POLICY"):
                raise _AlreadyApplied
            await events.resource_updated(conn, outbox, updated)
    except _AlreadyApplied:
        return await _concurrent_retry(db, command.request_id, command.resource_id)
    outbox.wake()
    return updated


async def set_hourly_rate(db: Database, outbox: Outbox, command: SetHourlyRate) -> Resource:
    """Sets the hourly rate of an INTERVAL resource like update_resource_policy sets a policy."""
    retried = await _resource_change_retry(db, command.request_id, command.resource_id)
    if retried is not None:
        return retried
    rate = command.hourly_rate
    try:
        async with db.transaction() as conn:
            updated = await resources.update_resource(conn, command.resource_id, hourly_rate=rate)
            if updated is None:
                resource = await resources.find_resource(conn, command.resource_id)
                if resource is None:
                    raise errors.resource_not_found(command.resource_id)
                if resource.booking_model is not BookingModel.INTERVAL:
                    raise errors.wrong_model(
                        errors.RESOURCE_NOT_INTERVAL, resource.id, resource.booking_model.value, "INTERVAL"
                    )
                company = await companies.find_company(conn, resource.company_id)
                expected = company.currency_code if company else "?"
                raise errors.currency_mismatch(rate.currency_code, expected, "hourly_rate.currency_code")
            if not await resources.record_resource_change(conn, command.request_id, updated, "HOURLY_RATE"):
                raise _AlreadyApplied
            await events.resource_updated(conn, outbox, updated)
    except _AlreadyApplied:
        return await _concurrent_retry(db, command.request_id, command.resource_id)
    outbox.wake()
    return updated


async def get_resource(db: Database, resource_id: uuid.UUID) -> Resource:
    async with db.transaction() as conn:
        found = await resources.find_resource(conn, resource_id)
    if found is None:
        raise errors.resource_not_found(resource_id)
    return found


async def nightly_resource(conn: AsyncConnection, resource_id: uuid.UUID) -> Resource:
    resource = await resources.find_resource(conn, resource_id)
    if resource is None:
        raise errors.resource_not_found(resource_id)
    if resource.booking_model is not BookingModel.NIGHTLY:
        raise errors.wrong_model(
            errors.RESOURCE_NOT_NIGHTLY, resource.id, resource.booking_model.value, "NIGHTLY"
        )
    return resource
