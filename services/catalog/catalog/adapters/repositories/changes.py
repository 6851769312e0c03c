"""What the back office's changes share in SQL: the conditional update at the version read,
the caller's tenant as a condition of the statement, and the request_id log of changes."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, select, true, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters.tables import changes
from plumbing.principal import current_principal


def in_reach(table: Table) -> ColumnElement[bool]:
    """Rows of the caller's company only (every row for the platform and internal callers):
    a statement that names another tenant's id finds nothing, as if it did not exist."""
    principal = current_principal()
    if principal.all_companies:
        return true()
    if principal.company_id is None:
        return table.c.id.is_(None)
    # A company's own row is keyed by its id; every other row names its company.
    column = table.c.company_id if "company_id" in table.c else table.c.id
    return column == uuid.UUID(principal.company_id)


async def versioned_update(
    conn: AsyncConnection,
    table: Table,
    entity_id: uuid.UUID,
    expected_version: int | None,
    values: dict[str, Any],
    *conditions: ColumnElement[bool],
) -> Row[Any] | None:
    """Sets `values` and bumps the version in one statement, only when the row is in the
    caller's reach, still at `expected_version` (when given) and meets `conditions`; None
    otherwise (the caller explains why with `explain`)."""
    where = [table.c.id == entity_id, in_reach(table), *conditions]
    if expected_version is not None:
        where.append(table.c.version == expected_version)
    statement = update(table).where(*where).values(**values, version=table.c.version + 1).returning(*table.c)
    return (await conn.execute(statement)).first()


async def find_in_reach(
    conn: AsyncConnection,
    table: Table,
    entity_id: uuid.UUID,
    *conditions: ColumnElement[bool],
    lock: bool = False,
) -> Row[Any] | None:
    """The row when in the caller's reach (and meeting `conditions`); `lock` holds it until the
    transaction ends, so the audit's "before" is the row the update changes."""
    query = select(table).where(table.c.id == entity_id, in_reach(table), *conditions)
    if lock:
        query = query.with_for_update()
    return (await conn.execute(query)).first()


async def record_change(
    conn: AsyncConnection, request_id: str | None, entity_type: str, entity_id: uuid.UUID
) -> bool:
    """Records the change's request_id; False when another change took it first."""
    if request_id is None:
        return True
    row = (
        await conn.execute(
            insert(changes)
            .values(request_id=request_id, entity_type=entity_type, entity_id=entity_id)
            .on_conflict_do_nothing(index_elements=[changes.c.request_id])
            .returning(changes.c.request_id)
        )
    ).first()
    return row is not None


async def change_by_request_id(conn: AsyncConnection, request_id: str | None) -> tuple[str, uuid.UUID] | None:
    if request_id is None:
        return None
    row = (
        await conn.execute(
            select(changes.c.entity_type, changes.c.entity_id).where(changes.c.request_id == request_id)
        )
    ).first()
    return (row.entity_type, row.entity_id) if row else None
