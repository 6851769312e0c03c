"""Use cases of catalog: each takes a validated command and runs one transaction.

Creates are idempotent per request_id: the insert does nothing when the key exists, and
the row of the first request is returned instead. A request_id already used under
another parent (company or resource) is refused rather than leaking that row.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters import events, repository
from catalog.domain import errors, localtime, pricing, rules
from catalog.domain.commands import (
    CancelSession,
    CreateCompany,
    CreateCustomer,
    CreateExtra,
    CreateRatePlan,
    CreateResource,
    CreateSession,
    CreateUnit,
    GetPricing,
    ListDailyPrices,
    ListSessions,
    SetDailyPrices,
    SetHourlyRate,
    UpdateResourcePolicy,
)
from catalog.domain.model import (
    DEFAULT_CHECK_IN_TIME,
    DEFAULT_CHECK_OUT_TIME,
    BookingModel,
    Company,
    Customer,
    DailyPrice,
    Extra,
    NightlyPricing,
    Pricing,
    RatePlan,
    Resource,
    Session,
    SessionPage,
    Unit,
)
from catalog.domain.rules import SessionCursor
from plumbing.db import Database
from plumbing.errors import ServiceError
from plumbing.outbox import Outbox


def _same_parent(existing: uuid.UUID, requested: uuid.UUID, request_id: str | None) -> None:
    if existing != requested:
        raise errors.request_id_reused(request_id or "")


async def create_company(db: Database, command: CreateCompany) -> Company:
    async with db.transaction() as conn:
        created = await repository.insert_company(conn, command)
        if created is not None:
            return created
        existing = await repository.company_by_request_id(conn, command.request_id)
    if existing is None:
        raise RuntimeError("company insert did nothing without an earlier request")
    return existing


async def get_company(db: Database, company_id: uuid.UUID) -> Company:
    async with db.transaction() as conn:
        found = await repository.find_company(conn, company_id)
    if found is None:
        raise errors.company_not_found(company_id)
    return found


async def create_customer(db: Database, command: CreateCustomer) -> Customer:
    try:
        async with db.transaction() as conn:
            created = await repository.insert_customer(conn, command)
            if created is not None:
                return created
            existing = await repository.customer_by_request_id(conn, command.request_id)
    except ServiceError as refusal:
        if refusal.reason != errors.CUSTOMER_EMAIL_TAKEN or command.request_id is None:
            raise
        # A concurrent request with the same request_id may have taken the address first.
        async with db.transaction() as conn:
            existing = await repository.customer_by_request_id(conn, command.request_id)
        if existing is None:
            raise
    if existing is None:
        raise errors.company_not_found(command.company_id)
    _same_parent(existing.company_id, command.company_id, command.request_id)
    return existing


async def get_customer(db: Database, customer_id: uuid.UUID) -> Customer:
    async with db.transaction() as conn:
        found = await repository.find_customer(conn, customer_id)
    if found is None:
        raise errors.customer_not_found(customer_id)
    return found


async def create_resource(db: Database, command: CreateResource) -> Resource:
    async with db.transaction() as conn:
        created = await repository.insert_resource(conn, command)
        if created is not None:
            return created
        existing = await repository.resource_by_request_id(conn, command.request_id)
        company = await repository.find_company(conn, command.company_id) if existing is None else None
    if existing is None:
        if company is None:
            raise errors.company_not_found(command.company_id)
        rate = command.hourly_rate
        if rate is None:
            raise RuntimeError("resource insert did nothing without a reason")
        raise errors.currency_mismatch(rate.currency_code, company.currency_code, "hourly_rate.currency_code")
    _same_parent(existing.company_id, command.company_id, command.request_id)
    return existing


class _AlreadyApplied(Exception):
    """Rolls back a change whose request_id turned out to be taken by a concurrent request."""


async def _resource_change_retry(
    db: Database, request_id: str | None, resource_id: uuid.UUID
) -> Resource | None:
    """The resource as it is now when `request_id` already changed it (None when new)."""
    async with db.transaction() as conn:
        earlier = await repository.resource_change_by_request_id(conn, request_id)
        if earlier is None:
            return None
        _same_parent(earlier, resource_id, request_id)
        found = await repository.find_resource(conn, resource_id)
    if found is None:
        raise errors.resource_not_found(resource_id)
    return found


async def _concurrent_retry(db: Database, request_id: str | None, resource_id: uuid.UUID) -> Resource:
    """A concurrent request with the same request_id committed first: its result stands."""
    retried = await _resource_change_retry(db, request_id, resource_id)
    if retried is None:
        raise RuntimeError("a resource change was rolled back for a request_id that has no change")
    return retried


async def update_resource_policy(db: Database, outbox: Outbox, command: UpdateResourcePolicy) -> Resource:
    """Replaces the policy (validated against the resource's booking model, which never
    changes), bumps the version and queues `catalog.events.resource_updated`. A request_id
    seen before changes nothing and returns the resource as it is now."""
    retried = await _resource_change_retry(db, command.request_id, command.resource_id)
    if retried is not None:
        return retried
    try:
        async with db.transaction() as conn:
            resource = await repository.find_resource(conn, command.resource_id)
            if resource is None:
                raise errors.resource_not_found(command.resource_id)
            policy = rules.policy(resource.booking_model, command.policy)
            updated = await repository.update_resource(conn, resource.id, policy=policy)
            if updated is None:
                raise errors.resource_not_found(command.resource_id)
            if not await repository.record_resource_change(conn, command.request_id, updated, "POLICY"):
                raise _AlreadyApplied
            await events.resource_updated(conn, outbox, updated)
    except _AlreadyApplied:
        return await _concurrent_retry(db, command.request_id, command.resource_id)
    outbox.wake()
    return updated


async def set_hourly_rate(db: Database, outbox: Outbox, command: SetHourlyRate) -> Resource:
    """Sets the hourly rate of an INTERVAL resource like update_resource_policy sets a policy."""
    retried = await _resource_change_retry(db, command.request_id, command.resource_id)
    if retried is not None:
        return retried
    rate = command.hourly_rate
    try:
        async with db.transaction() as conn:
            updated = await repository.update_resource(conn, command.resource_id, hourly_rate=rate)
            if updated is None:
                resource = await repository.find_resource(conn, command.resource_id)
                if resource is None:
                    raise errors.resource_not_found(command.resource_id)
                if resource.booking_model is not BookingModel.INTERVAL:
                    raise errors.wrong_model(
                        errors.RESOURCE_NOT_INTERVAL, resource.id, resource.booking_model.value, "INTERVAL"
                    )
                company = await repository.find_company(conn, resource.company_id)
                expected = company.currency_code if company else "?"
                raise errors.currency_mismatch(rate.currency_code, expected, "hourly_rate.currency_code")
            if not await repository.record_resource_change(conn, command.request_id, updated, "HOURLY_RATE"):
                raise _AlreadyApplied
            await events.resource_updated(conn, outbox, updated)
    except _AlreadyApplied:
        return await _concurrent_retry(db, command.request_id, command.resource_id)
    outbox.wake()
    return updated


async def get_resource(db: Database, resource_id: uuid.UUID) -> Resource:
    async with db.transaction() as conn:
        found = await repository.find_resource(conn, resource_id)
    if found is None:
        raise errors.resource_not_found(resource_id)
    return found


async def create_session(db: Database, outbox: Outbox, command: CreateSession) -> Session:
    """Creates the session and queues `catalog.events.session_created` in the same transaction."""
    async with db.transaction() as conn:
        created = await repository.insert_session(conn, command)
        if created is not None:
            await events.session_created(conn, outbox, created)
        else:
            existing = await repository.session_by_request_id(conn, command.request_id)
            if existing is None:
                await _explain_session_refusal(conn, command)
    if created is not None:
        outbox.wake()
        return created
    if existing is None:
        raise RuntimeError("session insert did nothing without a reason")
    _same_parent(existing.resource_id, command.resource_id, command.request_id)
    return existing


async def _explain_session_refusal(conn: AsyncConnection, command: CreateSession) -> None:
    """Raises the reason the conditional insert of a session found no parent row."""
    resource = await repository.find_resource(conn, command.resource_id)
    if resource is None:
        raise errors.resource_not_found(command.resource_id)
    if resource.booking_model is not BookingModel.TIME_SLOT:
        raise errors.resource_not_time_slot(resource.id, resource.booking_model.value)
    company = await repository.find_company(conn, resource.company_id)
    if company is not None and company.currency_code != command.price.currency_code:
        raise errors.currency_mismatch(
            command.price.currency_code, company.currency_code, "price.currency_code"
        )


async def cancel_session(db: Database, outbox: Outbox, command: CancelSession) -> Session:
    """Cancels an OPEN session and queues `catalog.events.session_cancelled` in the same
    transaction. A session cancelled already is returned as it is (first reason, no new event)."""
    async with db.transaction() as conn:
        cancelled = await repository.cancel_session(conn, command)
        if cancelled is not None:
            await events.session_cancelled(conn, outbox, cancelled)
            existing = None
        else:
            existing = await repository.find_session(conn, command.session_id)
    if cancelled is not None:
        outbox.wake()
        return cancelled
    if existing is None:
        raise errors.session_not_found(command.session_id)
    return existing


async def get_session(db: Database, session_id: uuid.UUID) -> Session:
    async with db.transaction() as conn:
        found = await repository.find_session(conn, session_id)
    if found is None:
        raise errors.session_not_found(session_id)
    return found


async def list_sessions(db: Database, query: ListSessions) -> SessionPage:
    async with db.transaction() as conn:
        if await repository.find_company(conn, query.company_id) is None:
            raise errors.company_not_found(query.company_id)
        found = await repository.list_sessions(conn, query, limit=query.page_size + 1)
    page = found[: query.page_size]
    more = len(found) > query.page_size
    token = SessionCursor(start_time=page[-1].start_time, id=page[-1].id).encode() if more else ""
    return SessionPage(sessions=page, next_page_token=token)


async def create_extra(db: Database, command: CreateExtra) -> Extra:
    async with db.transaction() as conn:
        created = await repository.insert_extra(conn, command)
        if created is not None:
            return created
        existing = await repository.extra_by_request_id(conn, command.request_id)
        if existing is None:
            company = await repository.find_company(conn, command.company_id)
    if existing is not None:
        _same_parent(existing.company_id, command.company_id, command.request_id)
        return existing
    if company is None:
        raise errors.company_not_found(command.company_id)
    raise errors.currency_mismatch(command.price.currency_code, company.currency_code, "price.currency_code")


async def list_extras(db: Database, company_id: uuid.UUID) -> list[Extra]:
    async with db.transaction() as conn:
        if await repository.find_company(conn, company_id) is None:
            raise errors.company_not_found(company_id)
        return list(await repository.list_extras(conn, company_id))


# Units, rate plans, daily prices, pricing


async def _nightly_resource(conn: AsyncConnection, resource_id: uuid.UUID) -> Resource:
    resource = await repository.find_resource(conn, resource_id)
    if resource is None:
        raise errors.resource_not_found(resource_id)
    if resource.booking_model is not BookingModel.NIGHTLY:
        raise errors.wrong_model(
            errors.RESOURCE_NOT_NIGHTLY, resource.id, resource.booking_model.value, "NIGHTLY"
        )
    return resource


async def create_unit(db: Database, command: CreateUnit) -> Unit:
    try:
        async with db.transaction() as conn:
            created = await repository.insert_unit(conn, command)
            if created is not None:
                return created
            existing = await repository.unit_by_request_id(conn, command.request_id)
            if existing is None:
                await _nightly_resource(conn, command.resource_id)
                raise RuntimeError("unit insert did nothing without a reason")
    except ServiceError as refusal:
        if refusal.reason != errors.UNIT_NAME_TAKEN or command.request_id is None:
            raise
        # A concurrent request with the same request_id may have taken the name first.
        async with db.transaction() as conn:
            existing = await repository.unit_by_request_id(conn, command.request_id)
        if existing is None:
            raise
    _same_parent(existing.resource_id, command.resource_id, command.request_id)
    return existing


async def get_unit(db: Database, unit_id: uuid.UUID) -> Unit:
    async with db.transaction() as conn:
        found = await repository.find_unit(conn, unit_id)
    if found is None:
        raise errors.unit_not_found(unit_id)
    return found


async def list_units(db: Database, resource_id: uuid.UUID) -> list[Unit]:
    async with db.transaction() as conn:
        await _nightly_resource(conn, resource_id)
        return await repository.list_units(conn, resource_id)


async def create_rate_plan(db: Database, command: CreateRatePlan) -> RatePlan:
    try:
        async with db.transaction() as conn:
            created = await repository.insert_rate_plan(conn, command)
            if created is not None:
                return created
            existing = await repository.rate_plan_by_request_id(conn, command.request_id)
            if existing is None:
                resource = await _nightly_resource(conn, command.resource_id)
                company = await repository.find_company(conn, resource.company_id)
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
            existing = await repository.rate_plan_by_request_id(conn, command.request_id)
        if existing is None:
            raise
    _same_parent(existing.resource_id, command.resource_id, command.request_id)
    return existing


async def list_rate_plans(db: Database, resource_id: uuid.UUID) -> list[RatePlan]:
    async with db.transaction() as conn:
        await _nightly_resource(conn, resource_id)
        return await repository.list_rate_plans(conn, resource_id)


async def _rate_plan_of(conn: AsyncConnection, resource: Resource, rate_plan_id: uuid.UUID) -> RatePlan:
    plan = await repository.find_rate_plan(conn, rate_plan_id)
    if plan is None or plan.resource_id != resource.id:
        raise errors.rate_plan_not_found(rate_plan_id, resource.id)
    return plan


async def set_daily_prices(db: Database, command: SetDailyPrices) -> list[DailyPrice]:
    """Upserts (or clears) the entries in one transaction; a request_id seen before changes
    nothing. Returns the stored entries of the request's dates."""
    async with db.transaction() as conn:
        resource = await _nightly_resource(conn, command.resource_id)
        plan = await _rate_plan_of(conn, resource, command.rate_plan_id)
        currency = plan.default_nightly_price.currency_code  # the company's
        for index, entry in enumerate(command.prices):
            if entry.price is not None and entry.price.currency_code != currency:
                raise errors.currency_mismatch(
                    entry.price.currency_code, currency, f"prices[{index}].price.currency_code"
                )
        earlier = None
        if command.request_id is not None:
            earlier = await repository.record_price_update(conn, command.request_id, plan.id)
            if earlier is not None and earlier != plan.id:
                raise errors.request_id_reused(command.request_id)
        if earlier is None:
            await repository.write_daily_prices(conn, plan, command.prices)
        return await repository.daily_prices_on(
            conn, plan.id, sorted({entry.date for entry in command.prices})
        )


async def list_daily_prices(db: Database, query: ListDailyPrices) -> list[DailyPrice]:
    async with db.transaction() as conn:
        resource = await _nightly_resource(conn, query.resource_id)
        plan = await _rate_plan_of(conn, resource, query.rate_plan_id)
        return await repository.daily_prices_between(conn, plan.id, query.start_date, query.end_date)


async def get_pricing(db: Database, query: GetPricing) -> Pricing:
    """NIGHTLY: the price of each night of [start_date, end_date) (override, else daily
    price, else the rate plan's default) and the stay's UTC check-in and check-out;
    INTERVAL: the hourly rate. Policy limits (min nights, ...) are not applied here."""
    async with db.transaction() as conn:
        resource = await repository.find_resource(conn, query.resource_id)
        if resource is None:
            raise errors.resource_not_found(query.resource_id)
        company = await repository.find_company(conn, resource.company_id)
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
            plans = await repository.list_rate_plans(conn, resource.id, limit=1)
            if not plans:
                raise errors.no_rate_plan(resource.id)
            plan = plans[0]
        stored = await repository.daily_prices_between(conn, plan.id, start, end)
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
