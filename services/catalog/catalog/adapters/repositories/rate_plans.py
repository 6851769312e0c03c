"""Rate plans of nightly resources and their daily prices, in SQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters.repositories.rows import by_request_id, constraint_of, insert_from, utc
from catalog.adapters.tables import (
    RATE_PLAN_NAME_INDEX,
    companies,
    daily_prices,
    price_updates,
    rate_plans,
    resources,
)
from catalog.domain import errors
from catalog.domain.commands import (
    CreateRatePlan,
)
from catalog.domain.model import (
    BookingModel,
    DailyPrice,
    Money,
    RatePlan,
)


def _to_rate_plan(row: Row[Any]) -> RatePlan:
    return RatePlan(
        id=row.id,
        company_id=row.company_id,
        resource_id=row.resource_id,
        name=row.name,
        default_nightly_price=Money(amount_minor=row.default_amount_minor, currency_code=row.currency),
        created_at=utc(row.created_at),
        version=row.version,
    )


to_rate_plan = _to_rate_plan


def _to_daily_price(row: Row[Any]) -> DailyPrice:
    return DailyPrice(
        date=row.day,
        price=Money(amount_minor=row.amount_minor, currency_code=row.currency),
        override=row.override,
    )


async def insert_rate_plan(conn: AsyncConnection, command: CreateRatePlan) -> RatePlan | None:
    """The new rate plan; None unless the resource exists, is NIGHTLY and its company sells
    in the price's currency, or when the request_id is taken. Raises RATE_PLAN_NAME_TAKEN."""
    price = command.default_nightly_price
    try:
        row = await insert_from(
            conn,
            rate_plans,
            {
                "id": uuid.uuid4(),
                "request_id": command.request_id,
                "name": command.name,
                "default_amount_minor": price.amount_minor,
                "currency": price.currency_code,
            },
            select(resources.c.company_id, resources.c.id.label("resource_id"))
            .join(companies, companies.c.id == resources.c.company_id)
            .where(
                resources.c.id == command.resource_id,
                resources.c.booking_model == BookingModel.NIGHTLY.value,
                companies.c.currency_code == price.currency_code,
            ),
        )
    except IntegrityError as error:
        if constraint_of(error) == RATE_PLAN_NAME_INDEX:
            raise errors.name_taken(errors.RATE_PLAN_NAME_TAKEN, "rate plan", command.resource_id) from None
        raise
    return _to_rate_plan(row) if row else None


async def rate_plan_by_request_id(conn: AsyncConnection, request_id: str | None) -> RatePlan | None:
    row = await by_request_id(conn, rate_plans, request_id)
    return _to_rate_plan(row) if row else None


async def find_rate_plan(conn: AsyncConnection, rate_plan_id: uuid.UUID) -> RatePlan | None:
    row = (await conn.execute(select(rate_plans).where(rate_plans.c.id == rate_plan_id))).first()
    return _to_rate_plan(row) if row else None


async def list_rate_plans(
    conn: AsyncConnection, resource_id: uuid.UUID, limit: int | None = None
) -> list[RatePlan]:
    """The rate plans of a resource, oldest (the default) first."""
    rows = await conn.execute(
        select(rate_plans)
        .where(rate_plans.c.resource_id == resource_id)
        .order_by(rate_plans.c.created_at, rate_plans.c.id)
        .limit(limit)
    )
    return [_to_rate_plan(row) for row in rows]


async def record_price_update(
    conn: AsyncConnection, request_id: str, rate_plan_id: uuid.UUID
) -> uuid.UUID | None:
    """Records a SetDailyPrices request; None when new, else the rate plan of the first one."""
    inserted = (
        await conn.execute(
            insert(price_updates)
            .values(request_id=request_id, rate_plan_id=rate_plan_id)
            .on_conflict_do_nothing()
            .returning(price_updates.c.request_id)
        )
    ).first()
    if inserted is not None:
        return None
    row = (
        await conn.execute(
            select(price_updates.c.rate_plan_id).where(price_updates.c.request_id == request_id)
        )
    ).one()
    plan: uuid.UUID = row.rate_plan_id
    return plan


async def write_daily_prices(conn: AsyncConnection, plan: RatePlan, prices: Sequence[DailyPrice]) -> None:
    """Upserts the entries with a price and deletes those without."""
    upserts = [
        {
            "rate_plan_id": plan.id,
            "day": entry.date,
            "override": entry.override,
            "company_id": plan.company_id,
            "amount_minor": entry.price.amount_minor,
            "currency": entry.price.currency_code,
        }
        for entry in prices
        if entry.price is not None
    ]
    if upserts:
        statement = insert(daily_prices).values(upserts)
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=[daily_prices.c.rate_plan_id, daily_prices.c.day, daily_prices.c.override],
                set_={
                    "amount_minor": statement.excluded.amount_minor,
                    "currency": statement.excluded.currency,
                    "updated_at": func.now(),
                },
            )
        )
    for entry in prices:
        if entry.price is None:
            await conn.execute(
                delete(daily_prices).where(
                    daily_prices.c.rate_plan_id == plan.id,
                    daily_prices.c.day == entry.date,
                    daily_prices.c.override == entry.override,
                )
            )


async def daily_prices_between(
    conn: AsyncConnection, rate_plan_id: uuid.UUID, start: date, end: date
) -> list[DailyPrice]:
    """The stored entries of [start, end) by date, the daily price before the override."""
    rows = await conn.execute(
        select(daily_prices)
        .where(
            daily_prices.c.rate_plan_id == rate_plan_id, daily_prices.c.day >= start, daily_prices.c.day < end
        )
        .order_by(daily_prices.c.day, daily_prices.c.override)
    )
    return [_to_daily_price(row) for row in rows]


async def daily_prices_on(
    conn: AsyncConnection, rate_plan_id: uuid.UUID, days: Sequence[date]
) -> list[DailyPrice]:
    rows = await conn.execute(
        select(daily_prices)
        .where(daily_prices.c.rate_plan_id == rate_plan_id, daily_prices.c.day.in_(list(days)))
        .order_by(daily_prices.c.day, daily_prices.c.override)
    )
    return [_to_daily_price(row) for row in rows]
