"""What the back office's changes share: a request_id seen before returns the entity as it
is now (the change is not made twice, so a retry cannot undo a later change), a failed
conditional update is explained (not found, stale etag, or the caller's own rule), and every
change is recorded in the audit log in its own transaction."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict
from typing import Any, TypeVar

from sqlalchemy import Row, Table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters.repositories import changes
from catalog.domain import back_office, errors
from plumbing import audit
from plumbing.db import Database
from plumbing.errors import ServiceError

T = TypeVar("T")


class _AlreadyApplied(Exception):
    """Rolls back a change whose request_id a concurrent request took first."""


async def apply(
    db: Database,
    *,
    request_id: str | None,
    entity_type: str,
    entity_id: uuid.UUID,
    change: Callable[[AsyncConnection], Awaitable[T]],
    current: Callable[[AsyncConnection], Awaitable[T]],
) -> T:
    """Runs `change` in one transaction with its request_id recorded; a request_id recorded
    before answers `current` (the entity now) instead."""

    async def earlier() -> T | None:
        async with db.transaction() as conn:
            seen = await changes.change_by_request_id(conn, request_id)
            if seen is None:
                return None
            if seen != (entity_type, entity_id):
                raise errors.request_id_reused(request_id or "")
            return await current(conn)

    retried = await earlier()
    if retried is not None:
        return retried
    try:
        async with db.transaction() as conn:
            result = await change(conn)
            if not await changes.record_change(conn, request_id, entity_type, entity_id):
                raise _AlreadyApplied
    except _AlreadyApplied:
        again = await earlier()
        if again is None:
            raise RuntimeError("a change was rolled back for a request_id that has no change") from None
        return again
    return result


async def explain(
    conn: AsyncConnection,
    table: Table,
    entity_id: uuid.UUID,
    expected_version: int | None,
    not_found: ServiceError,
) -> Row[Any]:
    """Why a conditional update found no row: not in reach (not found) or a stale etag. The
    row when neither (the caller's own condition failed)."""
    row = await changes.find_in_reach(conn, table, entity_id)
    if row is None:
        raise not_found
    if expected_version is not None and row.version != expected_version:
        raise back_office.etag_mismatch()
    return row


async def audited(
    conn: AsyncConnection,
    *,
    company_id: uuid.UUID,
    entity_type: str,
    entity_id: uuid.UUID,
    action: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    reason: str | None = None,
) -> None:
    """Records the change in the audit log, in the change's transaction (only the fields that
    changed; nothing for the service principal)."""
    await audit.record(
        conn,
        company_id=company_id,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        before=before,
        after=after,
        reason=reason,
    )


E = TypeVar("E", bound=Any)


def audit_fields(entity: Any) -> dict[str, Any]:
    """What the audit log shows of an entity: its fields but the ids it never changes."""
    fields = asdict(entity)
    for key in ("id", "company_id", "resource_id", "created_at"):
        fields.pop(key, None)
    return fields


async def change_row(
    db: Database,
    command: back_office.Change,
    *,
    table: Table,
    entity_type: str,
    action: str,
    to_entity: Callable[[Row[Any]], E],
    columns: Callable[[E], dict[str, Any]],
    not_found: ServiceError,
    refusal: Callable[[IntegrityError], ServiceError | None] = lambda error: None,
    reason: str | None = None,
) -> E:
    """Changes one row of `table` at the version read: `columns(entity)` are the new values
    ({} changes nothing: the entity is returned as it is); a constraint the database refuses
    is explained by `refusal`; the change is audited in its transaction."""

    async def change(conn: AsyncConnection) -> E:
        row = await changes.find_in_reach(conn, table, command.id, lock=True)
        if row is None:
            raise not_found
        before = to_entity(row)
        if command.expected_version is not None and row.version != command.expected_version:
            raise back_office.etag_mismatch()
        values = columns(before)
        if not values:
            return before
        try:
            updated_row = await changes.versioned_update(
                conn, table, command.id, command.expected_version, values
            )
        except IntegrityError as error:
            explained = refusal(error)
            if explained is None:
                raise
            raise explained from None
        if updated_row is None:
            raise RuntimeError(f"{entity_type} update did nothing on a locked row")
        updated = to_entity(updated_row)
        await audited(
            conn,
            company_id=updated.company_id,
            entity_type=entity_type,
            entity_id=updated.id,
            action=action,
            before=audit_fields(before),
            after=audit_fields(updated),
            reason=reason,
        )
        return updated

    async def current(conn: AsyncConnection) -> E:
        row = await changes.find_in_reach(conn, table, command.id)
        if row is None:
            raise not_found
        return to_entity(row)

    return await apply(
        db,
        request_id=command.request_id,
        entity_type=entity_type,
        entity_id=command.id,
        change=change,
        current=current,
    )


def column_values(values: dict[str, Any]) -> dict[str, Any]:
    """Tuples as lists (ARRAY columns), enums as their values."""
    return {
        key: list(value) if isinstance(value, tuple) else getattr(value, "value", value)
        for key, value in values.items()
    }


async def audit_created(conn: AsyncConnection, company_id: uuid.UUID, entity_type: str, entity: Any) -> None:
    """Records a creation (every field, as created) in its transaction."""
    await audited(
        conn,
        company_id=company_id,
        entity_type=entity_type,
        entity_id=entity.id,
        action="create",
        before=None,
        after=audit_fields(entity),
    )
