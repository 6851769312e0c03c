"""GetAvailability and ListFreeSlots on real catalog and bookings servers, PostgreSQL and NATS.

Time slots are booked through CreateBooking (a PENDING booking already holds its places;
no participant runs here, so it stays PENDING). Nightly and interval holds are seeded with
SQL (`seed_nights`, `seed_interval`): these tests are about counting what is held, and the
rows are the ones the reservation engine writes (`unit_nights` per unit and local night,
`interval_holds` with the buffers included); the engine's own tests cover writing them.
"""

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import grpc
import pytest
from sqlalchemy import text

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2
from plumbing.grpc_server import error_reason

pytestmark = pytest.mark.integration

BERLIN = ZoneInfo("Europe/Berlin")
# Far enough ahead for any lead time, in summer time (UTC+2).
DAY = date(datetime.now(UTC).year + 2, 6, 10)


@pytest.fixture(scope="module")
def env(slot_platform):
    """Catalog and bookings in-process on a database and NATS of their own (the folder's
    conftest): no other test's rows or saga commands meet them."""
    return slot_platform


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


async def a_company(catalog, zone="Europe/Berlin"):
    return (
        await catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                request_id=str(uuid.uuid4()), name="Heatmap", time_zone=zone, currency_code="EUR"
            )
        )
    ).company


async def a_resource(catalog, company, model, policy=None):
    return (
        await catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                request_id=str(uuid.uuid4()),
                company_id=company.id,
                name=f"Resource {uuid.uuid4().hex[:6]}",
                booking_model=model,
                policy=policy,
            )
        )
    ).resource


async def a_session(catalog, resource, start, capacity):
    request = catalog_pb2.CreateSessionRequest(
        request_id=str(uuid.uuid4()),
        resource_id=resource.id,
        capacity=capacity,
        price=money_pb2.Money(amount_minor=1000, currency_code="EUR"),
    )
    request.start_time.FromDatetime(start)
    request.end_time.FromDatetime(start + timedelta(hours=1))
    return (await catalog.CreateSession(request)).session


async def a_customer(catalog, company):
    return (
        await catalog.CreateCustomer(
            catalog_pb2.CreateCustomerRequest(
                request_id=str(uuid.uuid4()),
                company_id=company.id,
                display_name="Guest",
                email=f"{uuid.uuid4().hex[:8]}@example.com",
            )
        )
    ).customer


async def book_places(stub, session, customer, quantity):
    await stub.CreateBooking(
        bookings_pb2.CreateBookingRequest(
            request_id=str(uuid.uuid4()),
            customer_id=customer.id,
            session_id=session.id,
            quantity=quantity,
            payment_plan=bookings_pb2.PaymentPlan(use_wallet=True),
        )
    )


async def seed_booking(db, company_id, resource_id, model, start, end):
    booking_id = str(uuid.uuid4())
    async with db.transaction() as conn:
        await conn.execute(
            text(
                """
                INSERT INTO bookings.bookings (id, company_id, customer_id, resource_id, booking_model,
                    quantity, start_time, end_time, status, currency, base_minor, total_minor, use_wallet,
                    saga_id, free_cancellation_until, request_id, request_hash)
                VALUES (:id, :company, :customer, :resource, :model, 1, :start, :end, 'CONFIRMED', 'EUR',
                    0, 0, true, :saga, :start, :request, '')
                """
            ),
            {
                "id": booking_id,
                "company": company_id,
                "customer": str(uuid.uuid4()),
                "resource": resource_id,
                "model": model,
                "start": start,
                "end": end,
                "saga": str(uuid.uuid4()),
                "request": str(uuid.uuid4()),
            },
        )
    return booking_id


async def seed_nights(db, company_id, resource_id, unit_id, nights):
    """A nightly stay as the engine holds it: one unit_nights row per local night."""
    booking_id = await seed_booking(
        db,
        company_id,
        resource_id,
        "NIGHTLY",
        local(nights[0], 15),
        local(nights[-1] + timedelta(days=1), 11),
    )
    async with db.transaction() as conn:
        for night in nights:
            await conn.execute(
                text(
                    "INSERT INTO bookings.unit_nights (unit_id, night, booking_id, resource_id, company_id) "
                    "VALUES (:unit, :night, :booking, :resource, :company)"
                ),
                {
                    "unit": unit_id,
                    "night": night,
                    "booking": booking_id,
                    "resource": resource_id,
                    "company": company_id,
                },
            )


async def seed_interval(db, company_id, resource_id, blocked_from, blocked_to):
    """An interval rental as the engine holds it: the blocked period, buffers included."""
    booking_id = await seed_booking(db, company_id, resource_id, "INTERVAL", blocked_from, blocked_to)
    async with db.transaction() as conn:
        key = (
            await conn.execute(
                text(
                    "INSERT INTO bookings.interval_resources (resource_id) VALUES (:resource) "
                    "ON CONFLICT (resource_id) DO UPDATE SET resource_id = EXCLUDED.resource_id "
                    "RETURNING resource_key"
                ),
                {"resource": resource_id},
            )
        ).scalar_one()
        await conn.execute(
            text(
                "INSERT INTO bookings.interval_holds "
                "(booking_id, resource_id, resource_key, company_id, blocked) "
                "VALUES (:booking, :resource, :key, :company, tstzrange(:lower, :upper))"
            ),
            {
                "booking": booking_id,
                "resource": resource_id,
                "key": key,
                "company": company_id,
                "lower": blocked_from,
                "upper": blocked_to,
            },
        )


async def availability(stub, company, resource_ids, first, last):
    reply = await stub.GetAvailability(
        bookings_pb2.GetAvailabilityRequest(
            company_id=company.id,
            resource_ids=list(resource_ids),
            start_date=first.isoformat(),
            end_date=last.isoformat(),
        )
    )
    return {
        resource.resource_id: [(day.date, day.capacity, day.booked) for day in resource.days]
        for resource in reply.resources
    }


async def refusal(call):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call
    return refused.value.code(), error_reason(refused.value)


async def test_time_slot_days_count_the_places_of_open_sessions_and_the_places_held(env):
    stub, catalog, _db = env
    company = await a_company(catalog)
    studio = await a_resource(catalog, company, catalog_pb2.BOOKING_MODEL_TIME_SLOT)
    customer = await a_customer(catalog, company)
    morning = await a_session(catalog, studio, local(DAY, 10), capacity=5)
    await a_session(catalog, studio, local(DAY, 18), capacity=3)
    # 00:30 local on the next day is 22:30 UTC on DAY: it counts on the local day.
    after_midnight = await a_session(catalog, studio, local(DAY + timedelta(days=1), 0, 30), capacity=4)
    called_off = await a_session(catalog, studio, local(DAY + timedelta(days=2), 9), capacity=6)
    await catalog.CancelSession(
        catalog_pb2.CancelSessionRequest(request_id=str(uuid.uuid4()), session_id=called_off.id, reason="ill")
    )
    await book_places(stub, morning, customer, 2)
    await book_places(stub, after_midnight, customer, 1)

    days = await availability(stub, company, [studio.id], DAY, DAY + timedelta(days=3))

    assert days[studio.id] == [
        (DAY.isoformat(), 8, 2),
        ((DAY + timedelta(days=1)).isoformat(), 4, 1),
        ((DAY + timedelta(days=2)).isoformat(), 0, 0),  # the cancelled session offers nothing
        ((DAY + timedelta(days=3)).isoformat(), 0, 0),
    ]


async def test_an_archived_time_slot_resource_named_counts_its_sessions_and_bookings(env):
    stub, catalog, _db = env
    company = await a_company(catalog)
    studio = await a_resource(catalog, company, catalog_pb2.BOOKING_MODEL_TIME_SLOT)
    customer = await a_customer(catalog, company)
    session = await a_session(catalog, studio, local(DAY, 10), capacity=5)
    await book_places(stub, session, customer, 2)
    await catalog.ArchiveResource(catalog_pb2.ArchiveResourceRequest(resource_id=studio.id))

    named = await availability(stub, company, [studio.id], DAY, DAY)
    company_wide = await availability(stub, company, [], DAY, DAY)

    # Named (the console's month view names every resource it shows): its places and the
    # bookings made before the archive, as an archived resource's units and holds are counted.
    assert named[studio.id] == [(DAY.isoformat(), 5, 2)]
    # The company's resources with something to offer leave it out, as catalog's lists do.
    assert studio.id not in company_wide


async def test_nightly_days_count_the_units_and_the_unit_nights_held(env):
    stub, catalog, db = env
    company = await a_company(catalog)
    cabins = await a_resource(catalog, company, catalog_pb2.BOOKING_MODEL_NIGHTLY)
    units = [
        (
            await catalog.CreateUnit(
                catalog_pb2.CreateUnitRequest(
                    request_id=str(uuid.uuid4()), resource_id=cabins.id, name=f"Cabin {n}"
                )
            )
        ).unit
        for n in range(3)
    ]
    await seed_nights(db, company.id, cabins.id, units[0].id, [DAY, DAY + timedelta(days=1)])
    await seed_nights(db, company.id, cabins.id, units[1].id, [DAY + timedelta(days=1)])

    days = await availability(stub, company, [cabins.id], DAY - timedelta(days=1), DAY + timedelta(days=2))

    assert [(capacity, booked) for _, capacity, booked in days[cabins.id]] == [(3, 0), (3, 1), (3, 2), (3, 0)]


async def test_a_night_kept_on_an_archived_unit_takes_no_free_unit_away(env):
    """Capacity is the units not archived, so booked counts their nights only: a stay kept on
    an archived unit made a night read 1 of 1 booked (nothing free, though Cabin B was) and
    another 2 of 1 (less than nothing)."""
    stub, catalog, db = env
    company = await a_company(catalog)
    cabins = await a_resource(catalog, company, catalog_pb2.BOOKING_MODEL_NIGHTLY)
    kept, active, spare = [
        (
            await catalog.CreateUnit(
                catalog_pb2.CreateUnitRequest(request_id=str(uuid.uuid4()), resource_id=cabins.id, name=name)
            )
        ).unit
        for name in ("Cabin A", "Cabin B", "Cabin C")
    ]
    await seed_nights(db, company.id, cabins.id, kept.id, [DAY, DAY + timedelta(days=1)])
    await seed_nights(db, company.id, cabins.id, active.id, [DAY + timedelta(days=1)])
    for unit in (kept, spare):
        await catalog.ArchiveUnit(
            catalog_pb2.ArchiveUnitRequest(request_id=str(uuid.uuid4()), unit_id=unit.id)
        )

    days = await availability(stub, company, [cabins.id], DAY, DAY + timedelta(days=1))

    assert [(capacity, booked) for _, capacity, booked in days[cabins.id]] == [(1, 0), (1, 1)]


async def test_interval_days_count_the_minutes_blocked_in_the_local_day(env):
    stub, catalog, db = env
    company = await a_company(catalog)
    kayak = await a_resource(catalog, company, catalog_pb2.BOOKING_MODEL_INTERVAL)
    await seed_interval(db, company.id, kayak.id, local(DAY, 10), local(DAY, 12, 30))
    await seed_interval(db, company.id, kayak.id, local(DAY, 23), local(DAY + timedelta(days=1), 1))

    days = await availability(stub, company, [kayak.id], DAY, DAY + timedelta(days=1))

    assert [(capacity, booked) for _, capacity, booked in days[kayak.id]] == [(1440, 150 + 60), (1440, 60)]


async def test_an_interval_day_of_a_daylight_saving_change_has_23_or_25_hours(env):
    stub, catalog, db = env
    company = await a_company(catalog)
    kayak = await a_resource(catalog, company, catalog_pb2.BOOKING_MODEL_INTERVAL)
    spring = date(2031, 3, 30)
    # 01:00 to 04:00 local on the spring-forward night is two hours.
    await seed_interval(db, company.id, kayak.id, local(spring, 1), local(spring, 4))

    days = await availability(stub, company, [kayak.id], spring - timedelta(days=1), spring)
    autumn = await availability(stub, company, [kayak.id], date(2031, 10, 26), date(2031, 10, 26))

    assert [(capacity, booked) for _, capacity, booked in days[kayak.id]] == [(1440, 0), (1380, 120)]
    assert autumn[kayak.id] == [("2031-10-26", 1500, 0)]


async def test_without_resource_ids_the_resources_with_something_in_the_range_are_listed(env):
    stub, catalog, db = env
    company = await a_company(catalog)
    studio = await a_resource(catalog, company, catalog_pb2.BOOKING_MODEL_TIME_SLOT)
    cabins = await a_resource(catalog, company, catalog_pb2.BOOKING_MODEL_NIGHTLY)
    kayak = await a_resource(catalog, company, catalog_pb2.BOOKING_MODEL_INTERVAL)
    await a_session(catalog, studio, local(DAY, 10), capacity=5)
    unit = (
        await catalog.CreateUnit(
            catalog_pb2.CreateUnitRequest(request_id=str(uuid.uuid4()), resource_id=cabins.id, name="Cabin")
        )
    ).unit
    await seed_nights(db, company.id, cabins.id, unit.id, [DAY])
    await seed_interval(db, company.id, kayak.id, local(DAY, 8), local(DAY, 9))

    days = await availability(stub, company, [], DAY, DAY)

    assert days == {
        studio.id: [(DAY.isoformat(), 5, 0)],
        cabins.id: [(DAY.isoformat(), 1, 1)],
        kayak.id: [(DAY.isoformat(), 1440, 60)],
    }


async def test_free_slots_leave_room_for_buffers_on_the_granularity_and_minimum(env):
    stub, catalog, db = env
    company = await a_company(catalog)
    policy = catalog_pb2.ResourcePolicy(
        granularity_minutes=30, min_duration_minutes=60, buffer_before_minutes=15, buffer_after_minutes=15
    )
    kayak = await a_resource(catalog, company, catalog_pb2.BOOKING_MODEL_INTERVAL, policy)
    # Rentals 10:00-12:00 and 14:00-14:30 with their buffers.
    await seed_interval(db, company.id, kayak.id, local(DAY, 9, 45), local(DAY, 12, 15))
    await seed_interval(db, company.id, kayak.id, local(DAY, 13, 45), local(DAY, 14, 45))

    async def slots(min_duration=0):
        reply = await stub.ListFreeSlots(
            bookings_pb2.ListFreeSlotsRequest(
                resource_id=kayak.id, date=DAY.isoformat(), min_duration_minutes=min_duration
            )
        )
        return [(s.start_time.ToDatetime(tzinfo=UTC), s.end_time.ToDatetime(tzinfo=UTC)) for s in reply.slots]

    assert await slots() == [
        (local(DAY, 0), local(DAY, 9, 30)),
        (local(DAY, 12, 30), local(DAY, 13, 30)),
        (local(DAY, 15), local(DAY + timedelta(days=1), 0)),
    ]
    assert [start for start, _ in await slots(min_duration=560)] == [local(DAY, 0)]  # 9 h 30 min


async def test_availability_refuses_bad_requests(env):
    stub, catalog, _db = env
    company = await a_company(catalog)
    other = await a_company(catalog)
    studio = await a_resource(catalog, other, catalog_pb2.BOOKING_MODEL_TIME_SLOT)

    def request(**fields):
        values = {"company_id": company.id, "start_date": "2031-01-01", "end_date": "2031-01-31"} | fields
        return stub.GetAvailability(bookings_pb2.GetAvailabilityRequest(**values))

    invalid = grpc.StatusCode.INVALID_ARGUMENT
    assert await refusal(request(company_id="nope")) == (invalid, "INVALID_ID")
    assert await refusal(request(start_date="2031-1-1")) == (invalid, "INVALID_DATE")
    assert await refusal(request(end_date="2031-04-04")) == (invalid, "INVALID_DATE_RANGE")
    assert await refusal(request(end_date="2030-12-31")) == (invalid, "INVALID_DATE_RANGE")
    assert await refusal(request(resource_ids=["nope"])) == (invalid, "INVALID_ID")
    assert await refusal(request(resource_ids=[studio.id])) == (
        grpc.StatusCode.NOT_FOUND,
        "RESOURCE_NOT_FOUND",
    )
    assert await refusal(request(company_id=str(uuid.uuid4()))) == (
        grpc.StatusCode.NOT_FOUND,
        "COMPANY_NOT_FOUND",
    )
    assert await refusal(
        stub.ListFreeSlots(bookings_pb2.ListFreeSlotsRequest(resource_id=studio.id, date="2031-01-01"))
    ) == (grpc.StatusCode.FAILED_PRECONDITION, "RESOURCE_NOT_INTERVAL")
    ok = await request(end_date="2031-04-03")  # 92 days after the start
    assert list(ok.resources) == []


async def test_session_places_count_the_places_held_in_the_order_asked(env):
    stub, catalog, _db = env
    company = await a_company(catalog)
    other = await a_company(catalog)
    studio = await a_resource(catalog, company, catalog_pb2.BOOKING_MODEL_TIME_SLOT)
    theirs = await a_resource(catalog, other, catalog_pb2.BOOKING_MODEL_TIME_SLOT)
    customer = await a_customer(catalog, company)
    their_customer = await a_customer(catalog, other)
    busy = await a_session(catalog, studio, local(DAY, 9), capacity=4)
    quiet = await a_session(catalog, studio, local(DAY, 11), capacity=6)
    foreign = await a_session(catalog, theirs, local(DAY, 9), capacity=3)
    await book_places(stub, busy, customer, 3)
    await book_places(stub, foreign, their_customer, 2)

    reply = await stub.GetSessionPlaces(
        bookings_pb2.GetSessionPlacesRequest(
            company_id=company.id, session_ids=[quiet.id, busy.id, foreign.id, busy.id]
        )
    )

    assert [(p.session_id, p.booked, p.capacity) for p in reply.sessions] == [
        (quiet.id, 0, 0),  # nobody booked it: the catalog's capacity holds
        (busy.id, 3, 4),
        (foreign.id, 0, 0),  # another company's session reads as nobody booked
    ]
    invalid = grpc.StatusCode.INVALID_ARGUMENT
    for fields, reason in (
        ({"company_id": "nope", "session_ids": [busy.id]}, "INVALID_ID"),
        ({"company_id": company.id, "session_ids": ["nope"]}, "INVALID_ID"),
        (
            {"company_id": company.id, "session_ids": [str(uuid.uuid4()) for _ in range(201)]},
            "TOO_MANY_SESSIONS",
        ),
    ):
        assert await refusal(stub.GetSessionPlaces(bookings_pb2.GetSessionPlacesRequest(**fields))) == (
            invalid,
            reason,
        )
