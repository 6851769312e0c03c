"""The business statistics on a real PostgreSQL (the read model's trigger) and on real catalog
and bookings servers (GetBusinessStats).

The read model `stats_hourly` is kept by a trigger on `bookings.bookings` in the transaction
of each change: the first tests move bookings' rows by SQL (as every code path does, through
an UPDATE of the row) and read the model back; then concurrent confirmations on one hour
must lose no increment; then the RPC answers a company's period from it, with occupancy
against the catalog's capacity, and refuses other companies and staff.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import grpc
import pytest
from sqlalchemy import text

import bookings.bootstrap
import catalog.bootstrap
from bookingplatform.bookings.v1 import bookings_pb2 as B
from bookingplatform.bookings.v1 import bookings_pb2_grpc
from bookingplatform.catalog.v1 import catalog_pb2 as C
from bookingplatform.catalog.v1 import catalog_pb2_grpc
from bookingplatform.common.v1 import money_pb2
from plumbing.db import Database
from plumbing.grpc_client import channel
from plumbing.principal import Principal, Role, acting_as
from plumbing.tenancy_testing import call_as
from plumbing.testing import isolated_infrastructure

pytestmark = pytest.mark.integration

FIGURES = (
    "confirmed",
    "active",
    "cancelled",
    "no_show",
    "places",
    "nights",
    "minutes",
    "wallet_minor",
    "bonus_minor",
    "pass_minor",
    "card_minor",
    "desk_minor",
)


@dataclass
class Env:
    bookings: bookings_pb2_grpc.BookingsServiceStub
    catalog: catalog_pb2_grpc.CatalogServiceStub
    db: Database


@pytest.fixture(scope="module")
async def env(database_url: str) -> AsyncIterator[Env]:
    async with isolated_infrastructure(database_url, "stats") as (own_database, nats_url):
        catalog_service = await catalog.bootstrap.start(
            catalog.bootstrap.Settings(database_url=own_database, nats_url=nats_url)
        )
        booking_service = await bookings.bootstrap.start(
            bookings.bootstrap.Settings(
                database_url=own_database,
                nats_url=nats_url,
                catalog_addr=catalog_service.address,
                lifecycle_sweep_seconds=3600,
            )
        )
        bookings_channel = channel(booking_service.address)
        catalog_channel = channel(catalog_service.address)
        db = Database(own_database, pool_size=8)
        yield Env(
            bookings=bookings_pb2_grpc.BookingsServiceStub(bookings_channel),
            catalog=catalog_pb2_grpc.CatalogServiceStub(catalog_channel),
            db=db,
        )
        await db.close()
        await bookings_channel.close()
        await catalog_channel.close()
        await booking_service.stop(0.2)
        await catalog_service.stop(0.2)


# -- the read model, row by row ------------------------------------------------------------

T0 = datetime(2031, 3, 10, 10, 30, tzinfo=UTC)


async def insert(
    env: Env,
    *,
    company: str,
    resource: str,
    model: str = "TIME_SLOT",
    status: str = "PENDING",
    start: datetime = T0,
    end: datetime | None = None,
    quantity: int = 1,
    unit: str | None = None,
    check_in: date | None = None,
    check_out: date | None = None,
    **amounts: int,
) -> str:
    booking_id = str(uuid.uuid4())
    values: dict[str, Any] = {
        "id": booking_id,
        "company_id": company,
        "customer_id": str(uuid.uuid4()),
        "resource_id": resource,
        "unit_id": unit,
        "booking_model": model,
        "quantity": quantity,
        "start_time": start,
        "end_time": end or start + timedelta(hours=1),
        "status": status,
        "check_in_date": check_in,
        "check_out_date": check_out,
        "saga_id": str(uuid.uuid4()),
        "request_id": booking_id,
        **amounts,
    }
    columns = ", ".join(values)
    params = ", ".join(f":{name}" for name in values)
    async with env.db.transaction() as conn:
        await conn.execute(
            text(
                f"INSERT INTO bookings.bookings ({columns}, currency, base_minor, total_minor, use_wallet,"
                f" free_cancellation_until, request_hash) VALUES ({params}, 'EUR', 0, 0, false, now(), '')"
            ),
            values,
        )
    return booking_id


async def update(env: Env, booking_id: str, **values: Any) -> None:
    sets = ", ".join(f"{name} = :{name}" for name in values)
    async with env.db.transaction() as conn:
        await conn.execute(
            text(f"UPDATE bookings.bookings SET {sets} WHERE id = :id"), {"id": booking_id, **values}
        )


async def refund(env: Env, booking_id: str, percent: int) -> None:
    async with env.db.transaction() as conn:
        await conn.execute(
            text(
                "INSERT INTO bookings.refund_requests (booking_id, saga_id, percent, card_minor,"
                " wallet_minor, credits) VALUES (:id, :saga, :percent, 0, 0, 0)"
            ),
            {"id": booking_id, "saga": str(uuid.uuid4()), "percent": percent},
        )


async def model(env: Env, company: str) -> dict[tuple[datetime, str], dict[str, int]]:
    """(hour, unit) -> the non-zero figures of the company's rows."""
    async with env.db.transaction() as conn:
        rows = await conn.execute(
            text("SELECT * FROM bookings.stats_hourly WHERE company_id = :c ORDER BY hour, unit_id"),
            {"c": company},
        )
        found = {
            (row.hour, row.unit_id): {name: getattr(row, name) for name in FIGURES if getattr(row, name)}
            for row in rows
        }
        return {key: figures for key, figures in found.items() if figures}  # rows back to zero stay


def ids() -> tuple[str, str]:
    return str(uuid.uuid4()), str(uuid.uuid4())


async def test_a_session_booking_counts_once_confirmed_and_keeps_what_a_cancellation_left(env: Env) -> None:
    company, resource = ids()
    booking = await insert(env, company=company, resource=resource, quantity=3)
    assert await model(env, company) == {}  # PENDING: nothing sold yet
    await update(
        env,
        booking,
        status="CONFIRMED",
        wallet_debited_minor=1000,
        bonus_debited_minor=500,
        card_charged_minor=1501,
        pass_covered_minor=700,
    )
    hour = (datetime(2031, 3, 10, 10, tzinfo=UTC), "")
    sold = {
        "confirmed": 1,
        "active": 1,
        "places": 3,
        "wallet_minor": 1000,
        "bonus_minor": 500,
        "card_minor": 1501,
        "pass_minor": 700,
    }
    assert await model(env, company) == {hour: sold}
    await update(env, booking, status="CANCELLING")
    assert await model(env, company) == {hour: sold}  # sold until the refund is done
    await refund(env, booking, 50)
    await update(env, booking, status="CANCELLED")
    # Half of each source back, rounded down (the card keeps 751 of 1501); the wallet's half
    # (750 of 1,500) goes back main first, as the wallet gives it, so main keeps 250 and the
    # bonus all its 500; the pass credits come back only with a full refund: it keeps its 700.
    assert await model(env, company) == {
        hour: {
            "confirmed": 1,
            "cancelled": 1,
            "wallet_minor": 250,
            "bonus_minor": 500,
            "card_minor": 751,
            "pass_minor": 700,
        }
    }


async def test_a_partial_wallet_refund_comes_out_of_main_before_bonus_as_the_wallet_gives_it(
    env: Env,
) -> None:
    # 7.00 main + 3.00 bonus, 50 % back: the wallet returns 5.00 to main, keeping 2.00 main
    # and the 3.00 bonus; a refund larger than main takes the rest from the bonus.
    company, resource = ids()
    half = await insert(env, company=company, resource=resource, quantity=1)
    most = await insert(env, company=company, resource=resource, quantity=1)
    for booking in (half, most):
        await update(env, booking, status="CONFIRMED", wallet_debited_minor=700, bonus_debited_minor=300)
    await refund(env, half, 50)
    await refund(env, most, 90)
    for booking in (half, most):
        await update(env, booking, status="CANCELLED")

    [figures] = (await model(env, company)).values()

    # half: 500 back from main (keeps 200 + 300); most: 900 back, 700 main + 200 bonus (keeps 0 + 100)
    assert (figures["wallet_minor"], figures["bonus_minor"]) == (200, 400)


async def test_a_rejected_booking_counts_for_nothing_and_a_no_show_keeps_its_money(env: Env) -> None:
    company, resource = ids()
    rejected = await insert(env, company=company, resource=resource)
    await update(env, rejected, status="REJECTED")
    assert await model(env, company) == {}
    no_show = await insert(env, company=company, resource=resource, status="CONFIRMED", desk_paid_minor=900)
    await update(env, no_show, status="NO_SHOW")
    hour = (datetime(2031, 3, 10, 10, tzinfo=UTC), "")
    assert await model(env, company) == {hour: {"confirmed": 1, "no_show": 1, "places": 1, "desk_minor": 900}}
    await update(env, no_show, status="CHECKED_IN")  # staff overturned it
    await update(env, no_show, status="COMPLETED")
    assert await model(env, company) == {hour: {"confirmed": 1, "active": 1, "places": 1, "desk_minor": 900}}


async def test_a_stays_nights_fall_on_their_own_days_and_follow_a_change_of_period(env: Env) -> None:
    company, resource = ids()
    unit = str(uuid.uuid4())
    check_in = datetime(2031, 3, 10, 15, tzinfo=UTC)
    stay = await insert(
        env,
        company=company,
        resource=resource,
        model="NIGHTLY",
        unit=unit,
        start=check_in,
        end=check_in + timedelta(days=2, hours=-4),
        check_in=date(2031, 3, 10),
        check_out=date(2031, 3, 12),
        status="CONFIRMED",
        card_charged_minor=20000,
    )
    first = (check_in, unit)
    second = (check_in + timedelta(days=1), unit)
    assert await model(env, company) == {
        first: {"confirmed": 1, "active": 1, "nights": 1, "card_minor": 20000},
        second: {"nights": 1},
    }
    # Extended by a night (and charged for it), as a period change does.
    await update(env, stay, check_out_date=date(2031, 3, 13), end_time=check_in + timedelta(days=3, hours=-4))
    await update(env, stay, card_charged_minor=30000)
    third = (check_in + timedelta(days=2), unit)
    assert await model(env, company) == {
        first: {"confirmed": 1, "active": 1, "nights": 1, "card_minor": 30000},
        second: {"nights": 1},
        third: {"nights": 1},
    }
    await refund(env, stay, 100)
    await update(env, stay, status="CANCELLED")
    assert await model(env, company) == {first: {"confirmed": 1, "cancelled": 1}}


async def test_a_rentals_minutes_are_spread_over_the_hours_it_covers(env: Env) -> None:
    company, resource = ids()
    await insert(
        env,
        company=company,
        resource=resource,
        model="INTERVAL",
        start=T0,  # 10:30
        end=T0 + timedelta(minutes=90),  # 12:00
        status="CONFIRMED",
        wallet_debited_minor=3000,
    )
    assert await model(env, company) == {
        (datetime(2031, 3, 10, 10, tzinfo=UTC), ""): {
            "confirmed": 1,
            "active": 1,
            "minutes": 30,
            "wallet_minor": 3000,
        },
        (datetime(2031, 3, 10, 11, tzinfo=UTC), ""): {"minutes": 60},
    }


async def test_concurrent_confirmations_on_one_hour_lose_no_increment(env: Env) -> None:
    company, resource = ids()
    pending = [await insert(env, company=company, resource=resource, quantity=2) for _ in range(24)]

    async def confirm(booking_id: str) -> None:
        await update(env, booking_id, status="CONFIRMED", card_charged_minor=100)

    await asyncio.gather(*(confirm(booking_id) for booking_id in pending))
    [figures] = (await model(env, company)).values()
    assert figures == {"confirmed": 24, "active": 24, "places": 48, "card_minor": 2400}


async def test_other_columns_do_not_touch_the_model(env: Env) -> None:
    company, resource = ids()
    booking = await insert(env, company=company, resource=resource, status="CONFIRMED", card_charged_minor=5)
    before = await model(env, company)
    await update(env, booking, payment_id="pay_1", checked_in_at=datetime.now(UTC))
    await update(env, booking, status="CONFIRMED")  # set, not changed: the trigger is skipped
    assert await model(env, company) == before


async def test_the_model_kept_change_by_change_equals_a_recount_of_every_booking(env: Env) -> None:
    """After every change the tests above made (and the RPC tests' bookings below, when run
    after them), the sums kept by increments equal the sums of every booking's contribution
    counted afresh: the recount is also how the model would be rebuilt."""
    sums = ", ".join(f"sum({name})::bigint" for name in FIGURES)
    nonzero = " OR ".join(f"sum({name}) <> 0" for name in FIGURES)
    async with env.db.transaction() as conn:
        kept = await conn.execute(
            text(
                f"SELECT company_id, hour, resource_id, unit_id, {sums} FROM bookings.stats_hourly"
                f" GROUP BY 1, 2, 3, 4 HAVING {nonzero} ORDER BY 1, 2, 3, 4"
            )
        )
        recount = await conn.execute(
            text(
                f"SELECT c.company_id, c.hour, c.resource_id, c.unit_id, {sums}"
                " FROM bookings.bookings AS b, LATERAL bookings.stats_contribution(b, 1) AS c"
                f" GROUP BY 1, 2, 3, 4 HAVING {nonzero} ORDER BY 1, 2, 3, 4"
            )
        )
        kept_rows, recount_rows = [tuple(row) for row in kept], [tuple(row) for row in recount]
    assert kept_rows and kept_rows == recount_rows


# -- GetBusinessStats -----------------------------------------------------------------------

PRICE = 2500


@dataclass
class Company:
    id: str
    studio: str
    cabins: str
    session: C.Session
    customer: str
    admin: Principal


async def a_company(env: Env) -> Company:
    company = (
        await env.catalog.CreateCompany(
            C.CreateCompanyRequest(name="Stats", time_zone="Europe/Paris", currency_code="EUR")
        )
    ).company
    studio = (
        await env.catalog.CreateResource(
            C.CreateResourceRequest(
                company_id=company.id, name="Studio", booking_model=C.BOOKING_MODEL_TIME_SLOT
            )
        )
    ).resource
    cabins = (
        await env.catalog.CreateResource(
            C.CreateResourceRequest(
                company_id=company.id, name="Cabins", booking_model=C.BOOKING_MODEL_NIGHTLY
            )
        )
    ).resource
    for name in ("North", "South"):
        await env.catalog.CreateUnit(C.CreateUnitRequest(resource_id=cabins.id, name=name))
    request = C.CreateSessionRequest(
        resource_id=studio.id, capacity=5, price=money_pb2.Money(amount_minor=PRICE, currency_code="EUR")
    )
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    request.start_time.FromDatetime(start)
    request.end_time.FromDatetime(start + timedelta(hours=1))
    session = (await env.catalog.CreateSession(request)).session
    customer = (
        await env.catalog.CreateCustomer(
            C.CreateCustomerRequest(
                company_id=company.id, display_name="Walk In", email=f"{uuid.uuid4().hex[:8]}@example.com"
            )
        )
    ).customer
    admin = Principal(role=Role.COMPANY_ADMIN, company_id=company.id, user_id=str(uuid.uuid4()))
    return Company(company.id, studio.id, cabins.id, session, customer.id, admin)


async def walk_in(env: Env, company: Company, quantity: int = 1) -> B.Booking:
    staff = Principal(role=Role.STAFF, company_id=company.id, user_id=str(uuid.uuid4()))
    with acting_as(staff):
        return (
            await env.bookings.CreateBooking(
                B.CreateBookingRequest(
                    request_id=str(uuid.uuid4()),
                    customer_id=company.customer,
                    session_id=company.session.id,
                    quantity=quantity,
                    payment_plan=B.PaymentPlan(desk_payment=B.DESK_PAYMENT_CASH),
                )
            )
        ).booking


def period(company: Company, days: int = 7) -> B.GetBusinessStatsRequest:
    today = datetime.now(UTC).date()
    return B.GetBusinessStatsRequest(
        company_id=company.id,
        start_date=today.isoformat(),
        end_date=(today + timedelta(days=days - 1)).isoformat(),
    )


async def stats(env: Env, company: Company, request: B.GetBusinessStatsRequest) -> B.GetBusinessStatsResponse:
    with acting_as(company.admin):
        return await env.bookings.GetBusinessStats(request)


async def test_the_figures_follow_bookings_confirmed_and_cancelled_with_occupancy(env: Env) -> None:
    company = await a_company(env)
    empty = await stats(env, company, period(company))
    assert (empty.currency_code, empty.time_zone) == ("EUR", "Europe/Paris")
    assert len(empty.days) == 7 and empty.totals.confirmed == 0
    assert {(r.name, r.booking_model, r.capacity) for r in empty.resources} == {
        ("Studio", "TIME_SLOT", 5),  # the session's places
        ("Cabins", "NIGHTLY", 2 * 7),  # two units, seven nights
    }

    kept = await walk_in(env, company, quantity=2)
    cancelled = await walk_in(env, company)
    with acting_as(Principal(role=Role.STAFF, company_id=company.id, user_id=str(uuid.uuid4()))):
        await env.bookings.CancelBooking(
            B.CancelBookingRequest(
                request_id=str(uuid.uuid4()), booking_id=cancelled.id, by_company=True, reason="closed"
            )
        )
    answer = await stats(env, company, period(company))
    totals = answer.totals
    assert (totals.confirmed, totals.active, totals.cancelled, totals.no_show) == (2, 1, 1, 0)
    assert totals.places_sold == 2
    assert totals.desk_minor == kept.desk_paid_minor == 2 * PRICE  # the cancelled one given back
    assert totals.revenue_minor == 2 * PRICE
    studio = next(r for r in answer.resources if r.resource_id == company.studio)
    assert (studio.sold, studio.capacity, studio.occupancy_percent) == (2, 5, 40.0)
    assert answer.places_occupancy_percent == 40.0
    assert answer.occupancy_percent == 20.0  # the mean of the studio (40 %) and the cabins (0 %)
    day = company.session.start_time.ToDatetime(UTC).astimezone(_paris()).date().isoformat()
    [that_day] = [d for d in answer.days if d.figures.confirmed]
    assert that_day.date == day and that_day.figures.places_sold == 2
    assert sum(d.figures.revenue_minor for d in answer.days) == totals.revenue_minor

    only_cabins = await stats(
        env, company, B.GetBusinessStatsRequest(**_fields(period(company)), resource_id=company.cabins)
    )
    assert only_cabins.totals.confirmed == 0 and [r.name for r in only_cabins.resources] == ["Cabins"]


async def test_stays_make_the_top_units_by_nights(env: Env) -> None:
    company = await a_company(env)
    units = (await env.catalog.ListUnits(C.ListUnitsRequest(resource_id=company.cabins))).units
    north = next(unit for unit in units if unit.name == "North")
    check_in = datetime.now(UTC).replace(hour=14, minute=0, second=0, microsecond=0) + timedelta(days=1)
    await insert(
        env,
        company=company.id,
        resource=company.cabins,
        model="NIGHTLY",
        unit=north.id,
        start=check_in,
        end=check_in + timedelta(days=3, hours=-4),
        check_in=check_in.date(),
        check_out=check_in.date() + timedelta(days=3),
        status="CONFIRMED",
        card_charged_minor=9000,
    )
    answer = await stats(env, company, period(company))
    assert [(u.name, u.nights, u.revenue_minor) for u in answer.top_units_by_nights] == [
        ("Cabins · North", 3, 9000)
    ]
    cabins = next(r for r in answer.resources if r.resource_id == company.cabins)
    assert (cabins.sold, cabins.capacity) == (3, 14)
    assert answer.nights_occupancy_percent == round(100 * 3 / 14, 2)


async def test_other_companies_staff_and_bad_periods_are_refused(env: Env) -> None:
    mine, theirs = await a_company(env), await a_company(env)
    request = period(theirs)
    assert await call_as(env.bookings, "GetBusinessStats", request, mine.admin) == (
        grpc.StatusCode.NOT_FOUND,
        "COMPANY_NOT_FOUND",
    )
    staff = Principal(role=Role.STAFF, company_id=mine.id, user_id=str(uuid.uuid4()))
    assert await call_as(env.bookings, "GetBusinessStats", period(mine), staff) == (
        grpc.StatusCode.PERMISSION_DENIED,
        "PERMISSION_DENIED",
    )
    foreign_resource = B.GetBusinessStatsRequest(**_fields(period(mine)), resource_id=theirs.studio)
    assert (await call_as(env.bookings, "GetBusinessStats", foreign_resource, mine.admin))[
        1
    ] == "RESOURCE_NOT_FOUND"
    cases = {
        "INVALID_DATE": {"start_date": "2031-02-30"},
        "INVALID_DATE_RANGE": {"start_date": "2031-01-01", "end_date": "2032-01-02"},
        "INVALID_TOP": {"top": 51},
    }
    for reason, change in cases.items():
        bad = B.GetBusinessStatsRequest(**{**_fields(period(mine)), **change})
        assert await call_as(env.bookings, "GetBusinessStats", bad, mine.admin) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            reason,
        ), reason
    backwards = B.GetBusinessStatsRequest(company_id=mine.id, start_date="2031-01-02", end_date="2031-01-01")
    assert (await call_as(env.bookings, "GetBusinessStats", backwards, mine.admin))[1] == "INVALID_DATE_RANGE"
    year = B.GetBusinessStatsRequest(company_id=mine.id, start_date="2032-01-01", end_date="2032-12-31")
    assert len((await stats(env, mine, year)).days) == 366


async def a_session(env: Env, resource_id: str, start: datetime, places: int) -> C.Session:
    request = C.CreateSessionRequest(
        resource_id=resource_id,
        capacity=places,
        price=money_pb2.Money(amount_minor=PRICE, currency_code="EUR"),
    )
    request.start_time.FromDatetime(start)
    request.end_time.FromDatetime(start + timedelta(hours=1))
    return (await env.catalog.CreateSession(request)).session


async def test_an_archived_resource_keeps_the_capacity_of_its_sessions_and_no_percent_tops_100(
    env: Env,
) -> None:
    # The tester's case: 4 of the studio's 5 places sold, the studio archived, a 1-place session
    # on another resource. The studio's sessions are still the catalog's: they stay in the
    # capacity (before, the archived studio had none while its 4 places stayed sold: 400 % of
    # the annex's one place for places, 0 % overall).
    company = await a_company(env)
    await walk_in(env, company, quantity=4)
    await env.catalog.ArchiveResource(
        C.ArchiveResourceRequest(request_id=str(uuid.uuid4()), resource_id=company.studio)
    )
    annex = (
        await env.catalog.CreateResource(
            C.CreateResourceRequest(
                company_id=company.id, name="Annex", booking_model=C.BOOKING_MODEL_TIME_SLOT
            )
        )
    ).resource
    await a_session(env, annex.id, company.session.start_time.ToDatetime(UTC) + timedelta(hours=2), 1)

    answer = await stats(env, company, period(company))

    rows = {r.name: (r.sold, r.capacity, r.occupancy_percent) for r in answer.resources}
    assert rows == {"Studio": (4, 5, 80.0), "Annex": (0, 1, 0.0), "Cabins": (0, 14, 0.0)}
    assert answer.totals.places_sold == 4 and answer.totals.desk_minor == 4 * PRICE
    assert answer.places_occupancy_percent == round(100 * 4 / 6, 2)
    assert answer.occupancy_percent == round(80 / 3, 2)  # the mean of 80, 0 and 0
    for percent in [answer.occupancy_percent, answer.places_occupancy_percent]:
        assert 0 <= percent <= 100
    only_studio = await stats(
        env, company, B.GetBusinessStatsRequest(**_fields(period(company)), resource_id=company.studio)
    )
    assert (only_studio.places_occupancy_percent, only_studio.occupancy_percent) == (80.0, 80.0)


async def test_in_a_half_hour_zone_the_capacity_is_of_the_sessions_whose_sales_are_summed(env: Env) -> None:
    # Rows are per UTC hour: in Asia/Kolkata (+05:30) the hour 18:00 UTC is 23:30-00:30 local
    # and is summed on the day it starts, so a session at 00:15 local is sold on the day before
    # (the limit the README states). Its places are then the capacity of that same day, so
    # the day's occupancy is 1 of 2 places, not 1 sold of the other session's 1 (100 %).
    company = (
        await env.catalog.CreateCompany(
            C.CreateCompanyRequest(name="Kolkata", time_zone="Asia/Kolkata", currency_code="EUR")
        )
    ).company
    studio = (
        await env.catalog.CreateResource(
            C.CreateResourceRequest(
                company_id=company.id, name="Studio", booking_model=C.BOOKING_MODEL_TIME_SLOT
            )
        )
    ).resource
    kolkata = timedelta(hours=5, minutes=30)
    day = (datetime.now(UTC) + kolkata).date() + timedelta(days=2)
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) - kolkata
    await a_session(env, studio.id, midnight + timedelta(hours=12), 1)  # noon, empty
    late = await a_session(env, studio.id, midnight + timedelta(days=1, minutes=15), 1)  # 00:15 next day
    customer = (
        await env.catalog.CreateCustomer(
            C.CreateCustomerRequest(
                company_id=company.id, display_name="Late", email=f"{uuid.uuid4().hex[:8]}@example.com"
            )
        )
    ).customer
    admin = Principal(role=Role.COMPANY_ADMIN, company_id=company.id, user_id=str(uuid.uuid4()))
    holder = Company(company.id, studio.id, "", late, customer.id, admin)
    await walk_in(env, holder)

    answer = await stats(
        env,
        holder,
        B.GetBusinessStatsRequest(
            company_id=company.id, start_date=day.isoformat(), end_date=day.isoformat()
        ),
    )

    [row] = answer.resources
    assert (row.sold, row.capacity, row.occupancy_percent) == (1, 2, 50.0)
    assert answer.places_occupancy_percent == answer.occupancy_percent == 50.0


def _fields(request: B.GetBusinessStatsRequest) -> dict[str, Any]:
    return {"company_id": request.company_id, "start_date": request.start_date, "end_date": request.end_date}


def _paris() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Paris")


async def test_the_model_still_equals_the_recount_after_the_services_changes(env: Env) -> None:
    await test_the_model_kept_change_by_change_equals_a_recount_of_every_booking(env)
