"""SQL of catalog (SQLAlchemy Core) turned into domain objects.

Creates are `INSERT ... SELECT ... ON CONFLICT (request_id) DO NOTHING RETURNING`: the
SELECT finds the parent row under the conditions the new row needs (the company exists,
the price is in its currency, the resource is a time-slot one), so the database decides;
when nothing is inserted, the caller looks for the row of an earlier request with the
same request_id and otherwise explains the refusal with the `find_*` reads.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Row, Select, Table, and_, delete, func, literal, or_, select, true, update
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import TypeEngine

from catalog.adapters.tables import (
    CUSTOMER_EMAIL_INDEX,
    RATE_PLAN_NAME_INDEX,
    UNIT_NAME_INDEX,
    companies,
    customers,
    daily_prices,
    extras,
    price_updates,
    rate_plans,
    resource_changes,
    resources,
    sessions,
    units,
)
from catalog.domain import errors
from catalog.domain.commands import (
    CancelSession,
    CreateCompany,
    CreateCustomer,
    CreateExtra,
    CreateRatePlan,
    CreateResource,
    CreateSession,
    CreateUnit,
    ListSessions,
)
from catalog.domain.model import (
    BookingModel,
    CancellationWindow,
    Company,
    Customer,
    DailyPrice,
    Extra,
    Money,
    PricingUnit,
    RatePlan,
    Resource,
    ResourcePolicy,
    Session,
    SessionStatus,
    Unit,
)
from catalog.domain.rules import SessionCursor

_UUID: TypeEngine[uuid.UUID] = UUID(as_uuid=True)


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _to_company(row: Row[Any]) -> Company:
    return Company(
        id=row.id,
        name=row.name,
        time_zone=row.time_zone,
        currency_code=row.currency_code,
        created_at=_utc(row.created_at),
    )


def _to_customer(row: Row[Any]) -> Customer:
    return Customer(
        id=row.id,
        company_id=row.company_id,
        display_name=row.display_name,
        email=row.email,
        guest=row.guest,
        created_at=_utc(row.created_at),
    )


_RULE_COLUMNS = (
    "lead_time_minutes",
    "horizon_days",
    "free_cancellation_minutes",
    "max_places_per_booking",
    "min_duration_minutes",
    "max_duration_minutes",
    "min_nights",
    "max_nights",
    "granularity_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "max_active_bookings_per_customer",
    "check_in_deadline_minutes",
    "no_show_grace_minutes",
    "max_guests_per_unit",
    "check_in_time",
    "check_out_time",
)


def _policy_values(policy: ResourcePolicy) -> dict[str, Any]:
    """The policy as resources columns; the windows as [{minutes_before_start, refund_percent}]."""
    values = {name: getattr(policy, name) for name in _RULE_COLUMNS}
    values["cancellation_windows"] = [
        {"minutes_before_start": w.minutes_before_start, "refund_percent": w.refund_percent}
        for w in policy.cancellation_windows
    ]
    return values


def _to_resource(row: Row[Any]) -> Resource:
    windows = tuple(
        CancellationWindow(int(w["minutes_before_start"]), int(w["refund_percent"]))
        for w in row.cancellation_windows
    )
    policy = ResourcePolicy(
        **{name: getattr(row, name) for name in _RULE_COLUMNS}, cancellation_windows=windows
    )
    hourly_rate = None
    if row.hourly_rate_amount_minor is not None:
        hourly_rate = Money(amount_minor=row.hourly_rate_amount_minor, currency_code=row.hourly_rate_currency)
    return Resource(
        id=row.id,
        company_id=row.company_id,
        name=row.name,
        booking_model=BookingModel(row.booking_model),
        policy=policy,
        hourly_rate=hourly_rate,
        version=row.version,
    )


def _to_session(row: Row[Any]) -> Session:
    return Session(
        id=row.id,
        company_id=row.company_id,
        resource_id=row.resource_id,
        start_time=_utc(row.start_time),
        end_time=_utc(row.end_time),
        capacity=row.capacity,
        price=Money(amount_minor=row.price_amount_minor, currency_code=row.price_currency),
        status=SessionStatus(row.status),
        cancel_reason=row.cancel_reason,
        cancelled_at=_utc(row.cancelled_at) if row.cancelled_at is not None else None,
    )


def _to_extra(row: Row[Any]) -> Extra:
    return Extra(
        id=row.id,
        company_id=row.company_id,
        name=row.name,
        price=Money(amount_minor=row.price_amount_minor, currency_code=row.price_currency),
        pricing_unit=PricingUnit(row.pricing_unit),
    )


def _to_unit(row: Row[Any]) -> Unit:
    return Unit(
        id=row.id,
        company_id=row.company_id,
        resource_id=row.resource_id,
        name=row.name,
        created_at=_utc(row.created_at),
    )


def _to_rate_plan(row: Row[Any]) -> RatePlan:
    return RatePlan(
        id=row.id,
        company_id=row.company_id,
        resource_id=row.resource_id,
        name=row.name,
        default_nightly_price=Money(amount_minor=row.default_amount_minor, currency_code=row.currency),
        created_at=_utc(row.created_at),
    )


def _to_daily_price(row: Row[Any]) -> DailyPrice:
    return DailyPrice(
        date=row.day,
        price=Money(amount_minor=row.amount_minor, currency_code=row.currency),
        override=row.override,
    )


async def _insert_from(
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


def _constraint_of(error: IntegrityError) -> str | None:
    diag = getattr(error.orig, "diag", None)
    return getattr(diag, "constraint_name", None)


async def _by_request_id(conn: AsyncConnection, table: Table, request_id: str | None) -> Row[Any] | None:
    if request_id is None:
        return None
    return (await conn.execute(select(table).where(table.c.request_id == request_id))).first()


# Companies


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
    row = await _by_request_id(conn, companies, request_id)
    return _to_company(row) if row else None


async def find_company(conn: AsyncConnection, company_id: uuid.UUID) -> Company | None:
    row = (await conn.execute(select(companies).where(companies.c.id == company_id))).first()
    return _to_company(row) if row else None


# Customers


async def insert_customer(conn: AsyncConnection, command: CreateCustomer) -> Customer | None:
    """The new customer; None when the company does not exist or the request_id is taken.

    Raises CUSTOMER_EMAIL_TAKEN when the company has a customer with this e-mail address;
    the transaction is then aborted.
    """
    try:
        row = await _insert_from(
            conn,
            customers,
            {
                "id": uuid.uuid4(),
                "request_id": command.request_id,
                "display_name": command.display_name,
                "email": command.email,
                "guest": command.guest,
            },
            select(companies.c.id.label("company_id")).where(companies.c.id == command.company_id),
        )
    except IntegrityError as error:
        if _constraint_of(error) == CUSTOMER_EMAIL_INDEX:
            raise errors.email_taken(command.company_id) from None
        raise
    return _to_customer(row) if row else None


async def customer_by_request_id(conn: AsyncConnection, request_id: str | None) -> Customer | None:
    row = await _by_request_id(conn, customers, request_id)
    return _to_customer(row) if row else None


async def find_customer(conn: AsyncConnection, customer_id: uuid.UUID) -> Customer | None:
    row = (await conn.execute(select(customers).where(customers.c.id == customer_id))).first()
    return _to_customer(row) if row else None


# Resources


async def insert_resource(conn: AsyncConnection, command: CreateResource) -> Resource | None:
    """The new resource; None when the company does not exist (or does not sell in the
    hourly rate's currency) or the request_id is taken."""
    rate = command.hourly_rate
    parent = select(companies.c.id.label("company_id")).where(companies.c.id == command.company_id)
    if rate is not None:
        parent = parent.where(companies.c.currency_code == rate.currency_code)
    row = await _insert_from(
        conn,
        resources,
        {
            "id": uuid.uuid4(),
            "request_id": command.request_id,
            "name": command.name,
            "booking_model": command.booking_model.value,
            **_policy_values(command.policy),
            "hourly_rate_amount_minor": rate.amount_minor if rate else None,
            "hourly_rate_currency": rate.currency_code if rate else None,
        },
        parent,
    )
    return _to_resource(row) if row else None


async def update_resource(
    conn: AsyncConnection,
    resource_id: uuid.UUID,
    *,
    policy: ResourcePolicy | None = None,
    hourly_rate: Money | None = None,
) -> Resource | None:
    """Sets the policy and/or the hourly rate and bumps the version; None when the resource
    does not exist (or, for a rate, is not INTERVAL or its company sells in another currency)."""
    values: dict[str, Any] = {"version": resources.c.version + 1}
    conditions = [resources.c.id == resource_id]
    if policy is not None:
        values.update(_policy_values(policy))
    if hourly_rate is not None:
        values["hourly_rate_amount_minor"] = hourly_rate.amount_minor
        values["hourly_rate_currency"] = hourly_rate.currency_code
        conditions.append(resources.c.booking_model == BookingModel.INTERVAL.value)
        conditions.append(
            resources.c.company_id.in_(
                select(companies.c.id).where(companies.c.currency_code == hourly_rate.currency_code)
            )
        )
    row = (
        await conn.execute(update(resources).where(*conditions).values(**values).returning(*resources.c))
    ).first()
    return _to_resource(row) if row else None


async def record_resource_change(
    conn: AsyncConnection, request_id: str | None, resource: Resource, kind: str
) -> bool:
    """Records a change at the resource's (new) version; False when the request_id is taken."""
    row = (
        await conn.execute(
            insert(resource_changes)
            .values(
                id=uuid.uuid4(),
                request_id=request_id,
                resource_id=resource.id,
                version=resource.version,
                kind=kind,
            )
            .on_conflict_do_nothing(index_elements=[resource_changes.c.request_id])
            .returning(resource_changes.c.id)
        )
    ).first()
    return row is not None


async def resource_change_by_request_id(conn: AsyncConnection, request_id: str | None) -> uuid.UUID | None:
    """The resource id of the change made by this request_id, if any."""
    if request_id is None:
        return None
    row = (
        await conn.execute(
            select(resource_changes.c.resource_id).where(resource_changes.c.request_id == request_id)
        )
    ).first()
    return row.resource_id if row else None


async def resource_by_request_id(conn: AsyncConnection, request_id: str | None) -> Resource | None:
    row = await _by_request_id(conn, resources, request_id)
    return _to_resource(row) if row else None


async def find_resource(conn: AsyncConnection, resource_id: uuid.UUID) -> Resource | None:
    row = (await conn.execute(select(resources).where(resources.c.id == resource_id))).first()
    return _to_resource(row) if row else None


# Sessions


async def insert_session(conn: AsyncConnection, command: CreateSession) -> Session | None:
    """The new session; None unless the resource exists, is a time-slot resource and its
    company sells in the price's currency, or when the request_id is taken."""
    row = await _insert_from(
        conn,
        sessions,
        {
            "id": uuid.uuid4(),
            "request_id": command.request_id,
            "resource_id": command.resource_id,
            "start_time": command.start_time,
            "end_time": command.end_time,
            "capacity": command.capacity,
            "price_amount_minor": command.price.amount_minor,
            "price_currency": command.price.currency_code,
            "status": SessionStatus.OPEN.value,
        },
        select(resources.c.company_id)
        .join(companies, companies.c.id == resources.c.company_id)
        .where(
            resources.c.id == command.resource_id,
            resources.c.booking_model == BookingModel.TIME_SLOT.value,
            companies.c.currency_code == command.price.currency_code,
        ),
    )
    return _to_session(row) if row else None


async def session_by_request_id(conn: AsyncConnection, request_id: str | None) -> Session | None:
    row = await _by_request_id(conn, sessions, request_id)
    return _to_session(row) if row else None


async def find_session(conn: AsyncConnection, session_id: uuid.UUID) -> Session | None:
    row = (await conn.execute(select(sessions).where(sessions.c.id == session_id))).first()
    return _to_session(row) if row else None


async def cancel_session(conn: AsyncConnection, command: CancelSession) -> Session | None:
    """Cancels an OPEN session; None when it does not exist or is cancelled already."""
    row = (
        await conn.execute(
            update(sessions)
            .where(sessions.c.id == command.session_id, sessions.c.status == SessionStatus.OPEN.value)
            .values(
                status=SessionStatus.CANCELLED.value,
                cancel_reason=command.reason,
                cancelled_at=func.now(),
                cancel_request_id=command.request_id,
            )
            .returning(*sessions.c)
        )
    ).first()
    return _to_session(row) if row else None


async def list_sessions(conn: AsyncConnection, query: ListSessions, limit: int) -> list[Session]:
    """Up to `limit` sessions of the query, soonest first, after its cursor."""
    conditions = [sessions.c.company_id == query.company_id]
    if query.resource_id is not None:
        conditions.append(sessions.c.resource_id == query.resource_id)
    if query.start_time_from is not None:
        conditions.append(sessions.c.start_time >= query.start_time_from)
    conditions.append(_after(query.after))
    rows = await conn.execute(
        select(sessions).where(*conditions).order_by(sessions.c.start_time, sessions.c.id).limit(limit)
    )
    return [_to_session(row) for row in rows]


def _after(cursor: SessionCursor | None) -> Any:
    if cursor is None:
        return true()
    return or_(
        sessions.c.start_time > cursor.start_time,
        and_(sessions.c.start_time == cursor.start_time, sessions.c.id > literal(cursor.id, _UUID)),
    )


# Extras


async def insert_extra(conn: AsyncConnection, command: CreateExtra) -> Extra | None:
    """The new extra; None unless the company exists and sells in the price's currency, or
    when the request_id is taken."""
    row = await _insert_from(
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
    row = await _by_request_id(conn, extras, request_id)
    return _to_extra(row) if row else None


async def list_extras(conn: AsyncConnection, company_id: uuid.UUID) -> Sequence[Extra]:
    rows = await conn.execute(
        select(extras).where(extras.c.company_id == company_id).order_by(extras.c.created_at, extras.c.id)
    )
    return [_to_extra(row) for row in rows]


# Units


async def insert_unit(conn: AsyncConnection, command: CreateUnit) -> Unit | None:
    """The new unit; None unless the resource exists and is NIGHTLY, or when the request_id
    is taken. Raises UNIT_NAME_TAKEN (the transaction is then aborted)."""
    try:
        row = await _insert_from(
            conn,
            units,
            {"id": uuid.uuid4(), "request_id": command.request_id, "name": command.name},
            select(resources.c.company_id, resources.c.id.label("resource_id")).where(
                resources.c.id == command.resource_id,
                resources.c.booking_model == BookingModel.NIGHTLY.value,
            ),
        )
    except IntegrityError as error:
        if _constraint_of(error) == UNIT_NAME_INDEX:
            raise errors.name_taken(errors.UNIT_NAME_TAKEN, "unit", command.resource_id) from None
        raise
    return _to_unit(row) if row else None


async def unit_by_request_id(conn: AsyncConnection, request_id: str | None) -> Unit | None:
    row = await _by_request_id(conn, units, request_id)
    return _to_unit(row) if row else None


async def find_unit(conn: AsyncConnection, unit_id: uuid.UUID) -> Unit | None:
    row = (await conn.execute(select(units).where(units.c.id == unit_id))).first()
    return _to_unit(row) if row else None


async def list_units(conn: AsyncConnection, resource_id: uuid.UUID) -> list[Unit]:
    rows = await conn.execute(
        select(units).where(units.c.resource_id == resource_id).order_by(units.c.created_at, units.c.id)
    )
    return [_to_unit(row) for row in rows]


# Rate plans and daily prices


async def insert_rate_plan(conn: AsyncConnection, command: CreateRatePlan) -> RatePlan | None:
    """The new rate plan; None unless the resource exists, is NIGHTLY and its company sells
    in the price's currency, or when the request_id is taken. Raises RATE_PLAN_NAME_TAKEN."""
    price = command.default_nightly_price
    try:
        row = await _insert_from(
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
        if _constraint_of(error) == RATE_PLAN_NAME_INDEX:
            raise errors.name_taken(errors.RATE_PLAN_NAME_TAKEN, "rate plan", command.resource_id) from None
        raise
    return _to_rate_plan(row) if row else None


async def rate_plan_by_request_id(conn: AsyncConnection, request_id: str | None) -> RatePlan | None:
    row = await _by_request_id(conn, rate_plans, request_id)
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
