"""Resources: creation, policy and hourly-rate changes (versioned, published as
`catalog.events.resource_updated`), reads."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters import events, tables
from catalog.adapters.repositories import companies, resources
from catalog.adapters.repositories.changes import find_in_reach, versioned_update
from catalog.adapters.repositories.companies import FOREIGN_KEY_VIOLATION
from catalog.domain import back_office, errors, rules
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
from catalog.service import changes
from plumbing.db import Database
from plumbing.outbox import Outbox
from plumbing.principal import Role, check_tenant, require_role


async def create_resource(db: Database, command: CreateResource) -> Resource:
    async with db.transaction() as conn:
        created = await resources.insert_resource(conn, command)
        if created is not None:
            await changes.audit_created(conn, created.company_id, "resource", created)
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
            await changes.audited(
                conn,
                company_id=updated.company_id,
                entity_type="resource",
                entity_id=updated.id,
                action="update_policy",
                before={"policy": asdict(resource.policy)},
                after={"policy": asdict(updated.policy)},
            )
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
            await changes.audited(
                conn,
                company_id=updated.company_id,
                entity_type="resource",
                entity_id=updated.id,
                action="set_hourly_rate",
                before=None,
                after={"hourly_rate": asdict(rate)},
            )
            await events.resource_updated(conn, outbox, updated)
    except _AlreadyApplied:
        return await _concurrent_retry(db, command.request_id, command.resource_id)
    outbox.wake()
    return updated


async def get_resource(db: Database, resource_id: uuid.UUID) -> Resource:
    async with db.transaction() as conn:
        found = await resources.find_offered_resource(conn, resource_id)
    if found is None:
        raise errors.resource_not_found(resource_id)
    return found


async def nightly_resource(conn: AsyncConnection, resource_id: uuid.UUID) -> Resource:
    # Offered: customers and guests reading its units, rate plans or prices find a suspended
    # company's resource not found; its writers (company roles) find it whatever the state.
    resource = await resources.find_offered_resource(conn, resource_id)
    if resource is None:
        raise errors.resource_not_found(resource_id)
    if resource.booking_model is not BookingModel.NIGHTLY:
        raise errors.wrong_model(
            errors.RESOURCE_NOT_NIGHTLY, resource.id, resource.booking_model.value, "NIGHTLY"
        )
    return resource


def _fields(resource: Resource) -> dict[str, Any]:
    fields = asdict(resource)
    for key in ("id", "company_id", "booking_model", "created_at"):
        fields.pop(key)
    return fields


async def _current_resource(conn: AsyncConnection, resource_id: uuid.UUID, *, lock: bool = False) -> Resource:
    row = await find_in_reach(conn, tables.resources, resource_id, lock=lock)
    if row is None:
        raise errors.resource_not_found(resource_id)
    return resources.to_resource(row)


async def list_resources(db: Database, query: back_office.ListResources) -> tuple[list[Resource], str]:
    """A page of the company's resources, oldest first (archived ones only when asked), and the
    token of the next page ("" on the last)."""
    check_tenant(query.company_id, errors.company_not_found(query.company_id))
    async with db.transaction() as conn:
        if await companies.find_listed_company(conn, query.company_id) is None:
            raise errors.company_not_found(query.company_id)
        found = await resources.list_resources(conn, query, query.page_size + 1)
    page = found[: query.page_size]
    token = ""
    if len(found) > query.page_size and page[-1].created_at is not None:
        token = back_office.CreatedCursor(page[-1].created_at, page[-1].id).encode()
    return page, token


async def _change_resource(
    db: Database,
    outbox: Outbox,
    command: back_office.Change,
    action: str,
    values: Callable[[Resource], dict[str, Any]],
) -> Resource:
    async def change(conn: AsyncConnection) -> Resource:
        before = await _current_resource(conn, command.id, lock=True)
        if command.expected_version is not None and before.version != command.expected_version:
            raise back_office.etag_mismatch()
        columns = values(before)
        if not columns:
            return before
        updated_row = await versioned_update(
            conn, tables.resources, command.id, command.expected_version, columns
        )
        if updated_row is None:
            await changes.explain(
                conn,
                tables.resources,
                command.id,
                command.expected_version,
                errors.resource_not_found(command.id),
            )
            raise RuntimeError("resource update did nothing without a reason")
        updated = resources.to_resource(updated_row)
        await changes.audited(
            conn,
            company_id=updated.company_id,
            entity_type="resource",
            entity_id=updated.id,
            action=action,
            before=_fields(before),
            after=_fields(updated),
        )
        await events.resource_updated(conn, outbox, updated)
        return updated

    updated = await changes.apply(
        db,
        request_id=command.request_id,
        entity_type="resource",
        entity_id=command.id,
        change=change,
        current=lambda conn: _current_resource(conn, command.id),
    )
    outbox.wake()
    return updated


async def update_resource(db: Database, outbox: Outbox, command: back_office.Change) -> Resource:
    """Changes the fields of the mask at the version read, bumps the version and publishes
    `resource_updated`. A policy is checked against the resource's booking model; an hourly
    rate must be in the company's currency on an INTERVAL resource."""
    require_role(Role.PLATFORM_ADMIN, Role.COMPANY_ADMIN)

    def values(resource: Resource) -> dict[str, Any]:
        columns: dict[str, Any] = {}
        for key, value in command.values.items():
            if key == "policy":
                columns.update(resources.policy_values(rules.policy(resource.booking_model, value)))
            elif key == "hourly_rate":
                if resource.booking_model is not BookingModel.INTERVAL:
                    raise errors.wrong_model(
                        errors.RESOURCE_NOT_INTERVAL, resource.id, resource.booking_model.value, "INTERVAL"
                    )
                columns["hourly_rate_amount_minor"] = value.amount_minor
                columns["hourly_rate_currency"] = value.currency_code
            else:
                columns[key] = list(value) if isinstance(value, tuple) else value
        return columns

    try:
        return await _change_resource(db, outbox, command, "update", values)
    except IntegrityError as error:
        rate = command.values.get("hourly_rate")
        if rate is None or getattr(error.orig, "sqlstate", None) != FOREIGN_KEY_VIOLATION:
            raise
        async with db.transaction() as conn:
            company = await _company_of(conn, command.id)
        raise errors.currency_mismatch(rate.currency_code, company, "hourly_rate.currency_code") from None


async def _company_of(conn: AsyncConnection, resource_id: uuid.UUID) -> str:
    resource = await resources.find_resource(conn, resource_id)
    company = await companies.find_company(conn, resource.company_id) if resource else None
    return company.currency_code if company else "?"


async def archive_resource(db: Database, outbox: Outbox, command: back_office.Change) -> Resource:
    """Archives the resource at the version read (an archived one is returned unchanged):
    hidden from lists and new bookings; its bookings and sessions stay."""
    require_role(Role.PLATFORM_ADMIN, Role.COMPANY_ADMIN)

    def values(resource: Resource) -> dict[str, Any]:
        return {} if resource.archived_at is not None else {"archived_at": func.now()}

    return await _change_resource(db, outbox, command, "archive", values)
