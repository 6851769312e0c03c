"""Companies (tenants) in SQL."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters.repositories.rows import by_request_id, utc
from catalog.adapters.tables import (
    companies,
)
from catalog.domain.commands import (
    CreateCompany,
)
from catalog.domain.model import (
    Company,
)


def _to_company(row: Row[Any]) -> Company:
    return Company(
        id=row.id,
        name=row.name,
        time_zone=row.time_zone,
        currency_code=row.currency_code,
        created_at=utc(row.created_at),
    )


async def insert_company(conn: AsyncConnection, command: CreateCompany) -> Company | None:
    """The new company, or None when a company with this request_id already exists."""
    row = (
        await conn.execute(
            insert(companies)
            .values(
                id=uuid.uuid4(),
                request_id=command.request_id,
                name=command.name,
                time_zone=command.time_zone,
                currency_code=command.currency_code,
            )
            .on_conflict_do_nothing(index_elements=[companies.c.request_id])
            .returning(*companies.c)
        )
    ).first()
    return _to_company(row) if row else None


async def company_by_request_id(conn: AsyncConnection, request_id: str | None) -> Company | None:
    row = await by_request_id(conn, companies, request_id)
    return _to_company(row) if row else None


async def find_company(conn: AsyncConnection, company_id: uuid.UUID) -> Company | None:
    row = (await conn.execute(select(companies).where(companies.c.id == company_id))).first()
    return _to_company(row) if row else None
