"""Rate plans and daily prices of nightly resources, and the pricing of a stay or an hour."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters import tables
from catalog.adapters.repositories import companies, rate_plans, resources
from catalog.adapters.repositories.changes import find_in_reach, versioned_update
from catalog.adapters.repositories.rows import constraint_of
from catalog.domain import back_office, errors, localtime, pricing
from catalog.domain.commands import (
    CreateRatePlan,
    GetPricing,
    ListDailyPrices,
    SetDailyPrices,
)
from catalog.domain.model import (
    DEFAULT_CHECK_IN_TIME,
    DEFAULT_CHECK_OUT_TIME,
    BookingModel,
    DailyPrice,
    NightlyPricing,
    Pricing,
    RatePlan,
    Resource,
)
from catalog.domain.rules import same_parent
from catalog.service import changes
from catalog.service.resources import nightly_resource
from plumbing.db import Database
from plumbing.errors import ServiceError
from plumbing.principal import Role, require_role


async def create_rate_plan(db: Database, command: CreateRatePlan) -> RatePlan:
    try:
        async with db.transaction() as conn:
            created = await rate_plans.insert_rate_plan(conn, command)
            if created is not None:
                await changes.audit_created(conn, created.company_id, "rate_plan", created)
                return created
            existing = await rate_plans.rate_plan_by_request_id(conn, command.request_id)
            if existing is None:
                resource = await nightly_resource(conn, command.resource_id)
                company = await companies.find_company(conn, resource.company_id)
                price = command.default_nightly_price
                raise errors.currency_mismatch(
                    price.currency_code,
                    company.currency_code if company else "?",
                    "default_nightly_price.currency_code",
                )
    except ServiceError as refusal:
        if refusal.reason != errors.RATE_PLAN_NAME_TAKEN or command.request_id is None:
            raise
        async with db.transaction() as conn:
            existing = await rate_plans.rate_plan_by_request_id(conn, command.request_id)
        if existing is None:
            raise
    same_parent(existing.resource_id, command.resource_id, command.request_id)
    return existing


async def list_rate_plans(db: Database, resource_id: uuid.UUID) -> list[RatePlan]:
    async with db.transaction() as conn:
        await nightly_resource(conn, resource_id)
        return await rate_plans.list_rate_plans(conn, resource_id)


async def _rate_plan_of(conn: AsyncConnection, resource: Resource, rate_plan_id: uuid.UUID) -> RatePlan:
    plan = await rate_plans.find_rate_plan(conn, rate_plan_id)
    if plan is None or plan.resource_id != resource.id:
        raise errors.rate_plan_not_found(rate_plan_id, resource.id)
    return plan


async def set_daily_prices(db: Database, command: SetDailyPrices) -> tuple[list[DailyPrice], int]:
    """Upserts (or clears) the entries in one transaction, at the rate plan's version read when
    given (the prices are part of the plan: setting them bumps its version); a request_id seen
    before changes nothing. Returns the stored entries of the request's dates and the plan's
    version."""
    async with db.transaction() as conn:
        resource = await nightly_resource(conn, command.resource_id)
        plan = await _rate_plan_of(conn, resource, command.rate_plan_id)
        currency = plan.default_nightly_price.currency_code  # the company's
        for index, entry in enumerate(command.prices):
            if entry.price is not None and entry.price.currency_code != currency:
                raise errors.currency_mismatch(
                    entry.price.currency_code, currency, f"prices[{index}].price.currency_code"
                )
        earlier = None
        if command.request_id is not None:
            earlier = await rate_plans.record_price_update(conn, command.request_id, plan.id)
            if earlier is not None and earlier != plan.id:
                raise errors.request_id_reused(command.request_id)
        version = plan.version
        if earlier is None:
            # One conditional UPDATE decides a stale etag, racing writers included.
            bumped = await versioned_update(conn, tables.rate_plans, plan.id, command.expected_version, {})
            if bumped is None:
                await changes.explain(
                    conn,
                    tables.rate_plans,
                    plan.id,
                    command.expected_version,
                    errors.rate_plan_id_not_found(plan.id),
                )
                raise back_office.etag_mismatch()
            version = bumped.version
            await rate_plans.write_daily_prices(conn, plan, command.prices)
            await changes.audited(
                conn,
                company_id=plan.company_id,
                entity_type="rate_plan",
                entity_id=plan.id,
                action="set_daily_prices",
                before=None,
                after={
                    f"{entry.date.isoformat()}{' override' if entry.override else ''}": (
                        entry.price.amount_minor if entry.price is not None else None
                    )
                    for entry in command.prices
                },
            )
        stored = await rate_plans.daily_prices_on(
            conn, plan.id, sorted({entry.date for entry in command.prices})
        )
        return stored, version


async def list_daily_prices(db: Database, query: ListDailyPrices) -> list[DailyPrice]:
    async with db.transaction() as conn:
        resource = await nightly_resource(conn, query.resource_id)
        plan = await _rate_plan_of(conn, resource, query.rate_plan_id)
        return await rate_plans.daily_prices_between(conn, plan.id, query.start_date, query.end_date)


async def get_pricing(db: Database, query: GetPricing) -> Pricing:
    """NIGHTLY: the price of each night of [start_date, end_date) (override, else daily
    price, else the rate plan's default) and the stay's UTC check-in and check-out;
    INTERVAL: the hourly rate. Policy limits (min nights, ...) are not applied here."""
    async with db.transaction() as conn:
        resource = await resources.find_resource(conn, query.resource_id)
        if resource is None:
            raise errors.resource_not_found(query.resource_id)
        company = await companies.find_company(conn, resource.company_id)
        if company is None:
            raise errors.company_not_found(resource.company_id)
        if resource.booking_model is BookingModel.TIME_SLOT:
            raise errors.priced_by_session(resource.id)
        if resource.booking_model is BookingModel.INTERVAL:
            if resource.hourly_rate is None:
                raise errors.no_hourly_rate(resource.id)
            return Pricing(resource=resource, time_zone=company.time_zone, hourly_rate=resource.hourly_rate)
        start, end = query.stay()
        if query.rate_plan_id is not None:
            plan = await _rate_plan_of(conn, resource, query.rate_plan_id)
        else:
            plans = await rate_plans.list_rate_plans(conn, resource.id, limit=1)
            if not plans:
                raise errors.no_rate_plan(resource.id)
            plan = plans[0]
        stored = await rate_plans.daily_prices_between(conn, plan.id, start, end)
    nights = pricing.resolve_nights(localtime.nights(start, end), plan.default_nightly_price, stored)
    check_in, check_out = localtime.stay_instants(
        start,
        end,
        resource.policy.check_in_time or DEFAULT_CHECK_IN_TIME,
        resource.policy.check_out_time or DEFAULT_CHECK_OUT_TIME,
        company.time_zone,
    )
    return Pricing(
        resource=resource,
        time_zone=company.time_zone,
        nightly=NightlyPricing(
            rate_plan_id=plan.id,
            nights=nights,
            total=pricing.total(nights, company.currency_code),
            check_in=check_in,
            check_out=check_out,
        ),
    )


async def get_rate_plan(db: Database, rate_plan_id: uuid.UUID) -> RatePlan:
    async with db.transaction() as conn:
        row = await find_in_reach(
            conn, tables.rate_plans, rate_plan_id, companies.offered_to_caller(tables.rate_plans.c.company_id)
        )
    if row is None:
        raise errors.rate_plan_id_not_found(rate_plan_id)
    return rate_plans.to_rate_plan(row)


async def update_rate_plan(db: Database, command: back_office.Change) -> RatePlan:
    """Renames a rate plan or changes its default nightly price at the version read."""
    require_role(Role.PLATFORM_ADMIN, Role.COMPANY_ADMIN)

    def columns(plan: RatePlan) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if "name" in command.values:
            values["name"] = command.values["name"]
        price = command.values.get("default_nightly_price")
        if price is not None:
            # The plan's price is in the company's currency (a foreign key holds it there).
            current = plan.default_nightly_price.currency_code
            if price.currency_code != current:
                raise errors.currency_mismatch(
                    price.currency_code, current, "default_nightly_price.currency_code"
                )
            values["default_amount_minor"] = price.amount_minor
            values["currency"] = price.currency_code
        return values

    def refusal(error: IntegrityError) -> ServiceError | None:
        if constraint_of(error) == tables.RATE_PLAN_NAME_INDEX:
            return errors.name_taken(errors.RATE_PLAN_NAME_TAKEN, "rate plan", command.id)
        return None

    return await changes.change_row(
        db,
        command,
        table=tables.rate_plans,
        entity_type="rate_plan",
        action="update",
        to_entity=rate_plans.to_rate_plan,
        columns=columns,
        not_found=errors.rate_plan_id_not_found(command.id),
        refusal=refusal,
    )
