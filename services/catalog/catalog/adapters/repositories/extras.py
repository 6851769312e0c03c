"""Extras a company sells with its bookings, in SQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters.repositories.rows import by_request_id, insert_from, utc
from catalog.adapters.tables import (
    companies,
    extras,
)
from catalog.domain.commands import (
    CreateExtra,
)
from catalog.domain.model import (
    Extra,
    Money,
    PricingUnit,
)


def _to_extra(row: Row[Any]) -> Extra:
    return Extra(
        id=row.id,
        company_id=row.company_id,
        name=row.name,
        price=Money(amount_minor=row.price_amount_minor, currency_code=row.price_currency),
        pricing_unit=PricingUnit(row.pricing_unit),
        description=row.description,
        archived_at=utc(row.archived_at) if row.archived_at is not None else None,
        version=row.version,
    )


to_extra = _to_extra


async def insert_extra(conn: AsyncConnection, command: CreateExtra) -> Extra | None:
    """The new extra; None unless the company exists and sells in the price's currency, or
    when the request_id is taken."""
    row = await insert_from(
        conn,
        extras,
        {
            "id": uuid.uuid4(),
            "request_id": command.request_id,
            "name": command.name,
            "price_amount_minor": command.price.amount_minor,
            "price_currency": command.price.currency_code,
            "pricing_unit": command.pricing_unit.value,
        },
        select(companies.c.id.label("company_id")).where(
            companies.c.id == command.company_id,
            companies.c.currency_code == command.price.currency_code,
        ),
    )
    return _to_extra(row) if row else None


async def extra_by_request_id(conn: AsyncConnection, request_id: str | None) -> Extra | None:
    row = await by_request_id(conn, extras, request_id)
    return _to_extra(row) if row else None


async def list_extras(
    conn: AsyncConnection, company_id: uuid.UUID, *, show_archived: bool = False
) -> Sequence[Extra]:
    conditions = [extras.c.company_id == company_id]
    if not show_archived:
        conditions.append(extras.c.archived_at.is_(None))
    rows = await conn.execute(select(extras).where(*conditions).order_by(extras.c.created_at, extras.c.id))
    return [_to_extra(row) for row in rows]
