"""What every catalog repository module shares: conditional inserts and row helpers.

Creates are `INSERT ... SELECT ... ON CONFLICT (request_id) DO NOTHING RETURNING`: the
SELECT finds the parent row under the conditions the new row needs (the company exists,
the price is in its currency, the resource is a time-slot one), so the database decides;
when nothing is inserted, the caller looks for the row of an earlier request with the
same request_id and otherwise explains the refusal with the `find_*` reads.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, Select, Table, literal, select
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import TypeEngine

UUID_TYPE: TypeEngine[uuid.UUID] = UUID(as_uuid=True)


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


async def insert_from(
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


def constraint_of(error: IntegrityError) -> str | None:
    diag = getattr(error.orig, "diag", None)
    return getattr(diag, "constraint_name", None)


async def by_request_id(conn: AsyncConnection, table: Table, request_id: str | None) -> Row[Any] | None:
    if request_id is None:
        return None
    return (await conn.execute(select(table).where(table.c.request_id == request_id))).first()
