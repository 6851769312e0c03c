"""Which company a catalog row belongs to: what tenancy checks the caller against."""

from __future__ import annotations

import uuid

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection


async def company_of(conn: AsyncConnection, table: Table, row_id: uuid.UUID) -> uuid.UUID | None:
    """The `company_id` of the row `row_id` of `table` (None: no such row)."""
    company: uuid.UUID | None = await conn.scalar(select(table.c.company_id).where(table.c.id == row_id))
    return company
