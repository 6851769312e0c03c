"""Units of nightly resources in SQL."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters.repositories.companies import offered_to_caller
from catalog.adapters.repositories.rows import by_request_id, constraint_of, insert_from, utc
from catalog.adapters.tables import (
    UNIT_NAME_INDEX,
    resources,
    units,
)
from catalog.domain import errors
from catalog.domain.commands import (
    CreateUnit,
)
from catalog.domain.model import (
    BookingModel,
    Unit,
)


def _to_unit(row: Row[Any]) -> Unit:
    return Unit(
        id=row.id,
        company_id=row.company_id,
        resource_id=row.resource_id,
        name=row.name,
        created_at=utc(row.created_at),
        archived_at=utc(row.archived_at) if row.archived_at is not None else None,
        version=row.version,
    )


to_unit = _to_unit


async def insert_unit(conn: AsyncConnection, command: CreateUnit) -> Unit | None:
    """The new unit; None unless the resource exists and is NIGHTLY, or when the request_id
    is taken. Raises UNIT_NAME_TAKEN (the transaction is then aborted)."""
    try:
        row = await insert_from(
            conn,
            units,
            {"id": uuid.uuid4(), "request_id": command.request_id, "name": command.name},
            select(resources.c.company_id, resources.c.id.label("resource_id")).where(
                resources.c.id == command.resource_id,
                resources.c.booking_model == BookingModel.NIGHTLY.value,
            ),
        )
    except IntegrityError as error:
        if constraint_of(error) == UNIT_NAME_INDEX:
            raise errors.name_taken(errors.UNIT_NAME_TAKEN, "unit", command.resource_id) from None
        raise
    return _to_unit(row) if row else None


async def unit_by_request_id(conn: AsyncConnection, request_id: str | None) -> Unit | None:
    row = await by_request_id(conn, units, request_id)
    return _to_unit(row) if row else None


async def find_unit(conn: AsyncConnection, unit_id: uuid.UUID) -> Unit | None:
    row = (await conn.execute(select(units).where(units.c.id == unit_id))).first()
    return _to_unit(row) if row else None


async def find_offered_unit(conn: AsyncConnection, unit_id: uuid.UUID) -> Unit | None:
    """The unit, when its company offers it to the caller (`offered_to_caller`)."""
    query = select(units).where(units.c.id == unit_id, offered_to_caller(units.c.company_id))
    row = (await conn.execute(query)).first()
    return _to_unit(row) if row else None


async def list_units(
    conn: AsyncConnection, resource_id: uuid.UUID, *, show_archived: bool = False
) -> list[Unit]:
    conditions = [units.c.resource_id == resource_id]
    if not show_archived:
        conditions.append(units.c.archived_at.is_(None))
    rows = await conn.execute(select(units).where(*conditions).order_by(units.c.created_at, units.c.id))
    return [_to_unit(row) for row in rows]
