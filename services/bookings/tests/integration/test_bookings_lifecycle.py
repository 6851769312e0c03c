"""The booking lifecycle on real catalog and bookings servers: check-in, no-shows, completion,
finished bookings refusing changes, and schedulers on several replicas acting once.

The module has its own database (and NATS), so no other test's bookings service sweeps
while the sweep counts are asserted.

Moving time: the catalog refuses sessions in the past and bookings inside the lead time, and
a test cannot wait for real minutes. The lifecycle reads only the booking's own snapshot
(`start_time`, `end_time`, `check_in_deadline`, `no_show_at`) and judges it against the
database's `now()`, so the tests shift those columns together by SQL (`shift`): that is the
same as waiting until the booking is that close to (or that far past) its start.
"""

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.json_format import MessageToDict
from google.protobuf.struct_pb2 import Struct
from grpc import aio
from sqlalchemy import text

import bookings.bootstrap
import catalog.bootstrap
from bookingplatform.bookings.v1 import bookings_pb2, bookings_pb2_grpc
from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookingplatform.common.v1 import money_pb2
from bookings.service.lifecycle import Lifecycle
from plumbing.db import Database
from plumbing.grpc_server import error_reason
from plumbing.testing import eventually, isolated_infrastructure

pytestmark = pytest.mark.integration

DEADLINE_MINUTES = 15
GRACE_MINUTES = 10
S = bookings_pb2


@dataclass
class Env:
    bookings: bookings_pb2_grpc.BookingsServiceStub
    catalog: catalog_pb2_grpc.CatalogServiceStub
    db: Database
    database_url: str
    nats_url: str
    catalog_addr: str


@pytest.fixture(scope="module")
async def env(database_url):
    async with isolated_infrastructure(database_url, "lifecycle") as (own_database, nats_url):
        catalog_service = await catalog.bootstrap.start(
            catalog.bootstrap.Settings(database_url=own_database, nats_url=nats_url)
        )
        # The service's own scheduler sweeps once at start, then not again during the tests:
        # they sweep themselves, to count what each sweep did.
        booking_service = await bookings.bootstrap.start(
            bookings.bootstrap.Settings(
                database_url=own_database,
                nats_url=nats_url,
                catalog_addr=catalog_service.address,
                lifecycle_sweep_seconds=3600,
            )
        )
        channel = aio.insecure_channel(booking_service.address)
        catalog_channel = aio.insecure_channel(catalog_service.address)
        db = Database(own_database, pool_size=4)
        yield Env(
            bookings=bookings_pb2_grpc.BookingsServiceStub(channel),
            catalog=catalog_pb2_grpc.CatalogServiceStub(catalog_channel),
            db=db,
            database_url=own_database,
            nats_url=nats_url,
            catalog_addr=catalog_service.address,
        )
        await db.close()
        await channel.close()
        await catalog_channel.close()
        await booking_service.stop(0.2)
        await catalog_service.stop(0.2)


@dataclass
class Place:
    session: catalog_pb2.Session
    company_id: str


async def a_session(env: Env, *, check_in_deadline_minutes=DEADLINE_MINUTES, capacity=5) -> Place:
    """A free session (nothing to pay: bookings confirm at once) two days ahead."""
    company = (
        await env.catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(name="Lifecycle", time_zone="UTC", currency_code="EUR")
        )
    ).company
    resource = (
        await env.catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                company_id=company.id,
                name="Studio",
                booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
                policy=catalog_pb2.ResourcePolicy(
                    check_in_deadline_minutes=check_in_deadline_minutes, no_show_grace_minutes=GRACE_MINUTES
                ),
            )
        )
    ).resource
    request = catalog_pb2.CreateSessionRequest(
        resource_id=resource.id, capacity=capacity, price=money_pb2.Money(amount_minor=0, currency_code="EUR")
    )
    start = datetime.now(UTC) + timedelta(days=2)
    request.start_time.FromDatetime(start)
    request.end_time.FromDatetime(start + timedelta(hours=1))
    return Place((await env.catalog.CreateSession(request)).session, company.id)


async def a_booking(env: Env, place: Place | None = None, **session) -> bookings_pb2.Booking:
    place = place or await a_session(env, **session)
    customer = (
        await env.catalog.CreateCustomer(
            catalog_pb2.CreateCustomerRequest(
                company_id=place.company_id, display_name="Ada", email=f"{uuid.uuid4().hex[:8]}@example.com"
            )
        )
    ).customer
    booking = (
        await env.bookings.CreateBooking(
            bookings_pb2.CreateBookingRequest(
                request_id=str(uuid.uuid4()),
                customer_id=customer.id,
                session_id=place.session.id,
                quantity=1,
                payment_plan=bookings_pb2.PaymentPlan(),
            )
        )
    ).booking
    assert booking.status == S.BOOKING_STATUS_CONFIRMED, booking
    return booking


async def shift(env: Env, booking_id: str, *, starts_in: timedelta) -> None:
    """Moves the booking's times together so that it starts `starts_in` from now (see the
    module docstring for why)."""
    async with env.db.transaction() as conn:
        await conn.execute(
            text(
                "UPDATE bookings.bookings SET"
                " end_time = end_time + (now() + :starts_in - start_time),"
                " check_in_deadline = check_in_deadline + (now() + :starts_in - start_time),"
                " no_show_at = no_show_at + (now() + :starts_in - start_time),"
                " free_cancellation_until = free_cancellation_until + (now() + :starts_in - start_time),"
                " start_time = now() + :starts_in"
                " WHERE id = :id"
            ),
            {"id": booking_id, "starts_in": starts_in},
        )


async def get(env: Env, booking_id: str) -> bookings_pb2.Booking:
    return (await env.bookings.GetBooking(bookings_pb2.GetBookingRequest(booking_id=booking_id))).booking


async def check_in(env: Env, booking_id: str) -> bookings_pb2.Booking:
    return (
        await env.bookings.CheckInBooking(
            bookings_pb2.CheckInBookingRequest(request_id=str(uuid.uuid4()), booking_id=booking_id)
        )
    ).booking


async def refused(call) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(aio.AioRpcError) as raised:
        await call
    return raised.value.code(), error_reason(raised.value) or ""


def refusal(reason: str) -> tuple[grpc.StatusCode, str]:
    return grpc.StatusCode.FAILED_PRECONDITION, reason


async def cancel(env: Env, booking: bookings_pb2.Booking):
    return env.bookings.CancelBooking(
        bookings_pb2.CancelBookingRequest(
            request_id=str(uuid.uuid4()), booking_id=booking.id, customer_id=booking.customer_id
        )
    )


async def scalar(env: Env, sql: str, **params):
    async with env.db.transaction() as conn:
        return (await conn.execute(text(sql), params)).scalar()


async def test_a_booking_carries_its_check_in_deadline_from_the_policy(env):
    booking = await a_booking(env)

    deadline = booking.check_in_deadline_time.ToDatetime(tzinfo=UTC)
    assert deadline - booking.start_time.ToDatetime(tzinfo=UTC) == timedelta(minutes=DEADLINE_MINUTES)
    no_show_at = await scalar(env, "SELECT no_show_at FROM bookings.bookings WHERE id = :id", id=booking.id)
    assert no_show_at - deadline == timedelta(minutes=GRACE_MINUTES)


async def test_check_in_opens_an_hour_before_the_start_and_checking_in_twice_returns_the_booking(env):
    booking = await a_booking(env)

    too_early = await refused(check_in(env, booking.id))
    await shift(env, booking.id, starts_in=timedelta(minutes=30))
    first = await check_in(env, booking.id)
    again = await check_in(env, booking.id)

    assert too_early == refusal("CHECK_IN_NOT_OPEN")
    assert first.status == S.BOOKING_STATUS_CHECKED_IN
    assert first.HasField("checked_in_time")
    assert again.status == S.BOOKING_STATUS_CHECKED_IN
    assert again.checked_in_time == first.checked_in_time
    assert (await get(env, booking.id)).checked_in_time == first.checked_in_time


async def test_two_check_ins_at_once_record_one_arrival(env):
    booking = await a_booking(env)
    await shift(env, booking.id, starts_in=timedelta(minutes=5))

    answers = await asyncio.gather(*(check_in(env, booking.id) for _ in range(5)))

    assert {a.status for a in answers} == {S.BOOKING_STATUS_CHECKED_IN}
    assert len({a.checked_in_time.ToDatetime() for a in answers}) == 1


async def test_check_in_is_possible_within_the_grace_and_closes_after_it(env):
    place = await a_session(env)
    in_grace, too_late = await a_booking(env, place), await a_booking(env, place)
    await shift(env, in_grace.id, starts_in=-timedelta(minutes=DEADLINE_MINUTES + GRACE_MINUTES - 1))
    await shift(env, too_late.id, starts_in=-timedelta(minutes=DEADLINE_MINUTES + GRACE_MINUTES + 1))

    assert (await check_in(env, in_grace.id)).status == S.BOOKING_STATUS_CHECKED_IN
    # Refused even before the scheduler has marked it NO_SHOW.
    assert await refused(check_in(env, too_late.id)) == refusal("CHECK_IN_CLOSED")
    assert (await get(env, too_late.id)).status == S.BOOKING_STATUS_CONFIRMED


async def test_a_missed_check_in_becomes_no_show_only_after_the_grace_and_keeps_its_place(env):
    place = await a_session(env)
    booking = await a_booking(env, place)
    lifecycle = Lifecycle(env.db)
    occupied = "SELECT booked FROM bookings.session_occupancy WHERE session_id = :s"
    active = (
        "SELECT active FROM bookings.customer_active_bookings WHERE customer_id = :c AND resource_id = :r"
    )
    assert await scalar(env, active, c=booking.customer_id, r=booking.resource_id) == 1

    await shift(env, booking.id, starts_in=-timedelta(minutes=DEADLINE_MINUTES + GRACE_MINUTES // 2))
    await lifecycle.sweep()
    in_grace = await get(env, booking.id)
    await shift(env, booking.id, starts_in=-timedelta(minutes=DEADLINE_MINUTES + GRACE_MINUTES + 1))
    await lifecycle.sweep()
    after_grace = await get(env, booking.id)

    assert in_grace.status == S.BOOKING_STATUS_CONFIRMED
    assert after_grace.status == S.BOOKING_STATUS_NO_SHOW
    # The place stays taken (the customer kept it and did not come); the booking no
    # longer counts against the customer's active-bookings maximum.
    assert await scalar(env, occupied, s=place.session.id) == 1
    assert await scalar(env, active, c=booking.customer_id, r=booking.resource_id) == 0


async def test_a_no_show_refuses_check_in_and_cancellation(env):
    booking = await a_booking(env)
    await shift(env, booking.id, starts_in=-timedelta(hours=2))
    await Lifecycle(env.db).sweep()
    assert (await get(env, booking.id)).status == S.BOOKING_STATUS_NO_SHOW

    assert await refused(check_in(env, booking.id)) == refusal("BOOKING_FINISHED")
    assert await refused(await cancel(env, booking)) == refusal("BOOKING_NOT_CANCELLABLE")
    assert (await get(env, booking.id)).status == S.BOOKING_STATUS_NO_SHOW


async def status_events(env: Env, booking_id: str) -> list[tuple[str, dict]]:
    """The status events the booking's changes put into bookings' outbox: (subject, payload)."""
    async with env.db.transaction() as conn:
        rows = await conn.execute(
            text("SELECT subject, payload FROM bookings.outbox WHERE subject LIKE 'bookings.events.%'")
        )
        found = []
        for row in rows:
            event = Struct.FromString(row.payload)
            if event["booking_id"] == booking_id:
                found.append((row.subject, MessageToDict(event)))
    return found


async def test_the_sweeps_no_show_is_published_once_in_its_transaction(env):
    booking = await a_booking(env)
    await shift(env, booking.id, starts_in=-timedelta(hours=2))
    lifecycle = Lifecycle(env.db)

    await lifecycle.sweep()
    await lifecycle.sweep()

    no_shows = [p for s, p in await status_events(env, booking.id) if s == "bookings.events.no_show"]
    assert len(no_shows) == 1
    [event] = no_shows
    assert event["status"] == "NO_SHOW"
    assert (event["company_id"], event["customer_id"]) == (booking.company_id, booking.customer_id)
    moved_at = await scalar(env, "SELECT updated_at FROM bookings.bookings WHERE id = :id", id=booking.id)
    assert datetime.fromisoformat(event["occurred_at"]) == moved_at


async def test_a_checked_in_booking_completes_after_its_end_and_then_refuses_changes(env):
    place = await a_session(env)
    booking = await a_booking(env, place)
    await shift(env, booking.id, starts_in=timedelta(minutes=10))
    arrived = await check_in(env, booking.id)
    lifecycle = Lifecycle(env.db)

    await lifecycle.sweep()
    still_there = await get(env, booking.id)
    await shift(env, booking.id, starts_in=-timedelta(hours=1, minutes=1))
    await lifecycle.sweep()
    completed = await get(env, booking.id)

    assert still_there.status == S.BOOKING_STATUS_CHECKED_IN
    assert completed.status == S.BOOKING_STATUS_COMPLETED
    assert completed.checked_in_time == arrived.checked_in_time
    # Checking in again is answered with the booking as it is; cancelling is refused.
    assert (await check_in(env, booking.id)).status == S.BOOKING_STATUS_COMPLETED
    assert await refused(await cancel(env, booking)) == refusal("BOOKING_NOT_CANCELLABLE")
    occupied = "SELECT booked FROM bookings.session_occupancy WHERE session_id = :s"
    assert await scalar(env, occupied, s=place.session.id) == 1


async def test_a_checked_in_booking_cannot_be_cancelled(env):
    booking = await a_booking(env)
    await shift(env, booking.id, starts_in=timedelta(minutes=10))
    await check_in(env, booking.id)

    code, reason = await refused(await cancel(env, booking))

    assert (code, reason) == refusal("BOOKING_NOT_CANCELLABLE")


async def test_a_booking_needing_no_check_in_completes_after_its_end_and_is_never_a_no_show(env):
    booking = await a_booking(env, check_in_deadline_minutes=0)
    assert not booking.HasField("check_in_deadline_time")
    lifecycle = Lifecycle(env.db)

    await shift(env, booking.id, starts_in=-timedelta(minutes=59))
    await lifecycle.sweep()
    during = await get(env, booking.id)
    await shift(env, booking.id, starts_in=-timedelta(minutes=61))
    await lifecycle.sweep()
    after = await get(env, booking.id)

    assert during.status == S.BOOKING_STATUS_CONFIRMED
    assert after.status == S.BOOKING_STATUS_COMPLETED
    assert await refused(check_in(env, booking.id)) == refusal("BOOKING_FINISHED")


async def test_two_schedulers_sweeping_at_once_move_each_booking_exactly_once(env):
    no_shows, checked_in = [], []
    for _ in range(4):
        place = await a_session(env, capacity=10)
        for number in range(10):
            booking = await a_booking(env, place)
            if number % 3 == 0:
                await shift(env, booking.id, starts_in=timedelta(minutes=10))
                await check_in(env, booking.id)
                checked_in.append(booking.id)
            else:
                no_shows.append(booking.id)
    for booking_id in no_shows + checked_in:
        await shift(env, booking_id, starts_in=-timedelta(hours=2))
    replicas = [Database(env.database_url, pool_size=2), Database(env.database_url, pool_size=2)]
    try:
        # Small batches: the two sweeps interleave over many transactions.
        results = await asyncio.gather(*(Lifecycle(db, batch=3).sweep() for db in replicas))
        again = await Lifecycle(replicas[0]).sweep()
    finally:
        for db in replicas:
            await db.close()

    assert sum(r.no_shows for r in results) == len(no_shows) == 24
    assert sum(r.completed for r in results) == len(checked_in) == 16
    assert again.total == 0
    statuses = {(await get(env, booking_id)).status for booking_id in no_shows}
    assert statuses == {S.BOOKING_STATUS_NO_SHOW}
    statuses = {(await get(env, booking_id)).status for booking_id in checked_in}
    assert statuses == {S.BOOKING_STATUS_COMPLETED}


async def test_a_freshly_started_replica_finds_what_is_due_and_moves_it_by_itself(env):
    # Nothing is kept in memory: whatever became due while no scheduler ran (a restart)
    # is found in the table by the next one to start.
    ended = await a_booking(env, check_in_deadline_minutes=0)
    missed = await a_booking(env)
    await shift(env, ended.id, starts_in=-timedelta(hours=2))
    await shift(env, missed.id, starts_in=-timedelta(hours=2))

    replica = await bookings.bootstrap.start(
        bookings.bootstrap.Settings(
            database_url=env.database_url,
            nats_url=env.nats_url,
            catalog_addr=env.catalog_addr,
            lifecycle_sweep_seconds=0.1,
        )
    )
    try:

        async def both_moved() -> bool:
            return (await get(env, ended.id)).status == S.BOOKING_STATUS_COMPLETED and (
                await get(env, missed.id)
            ).status == S.BOOKING_STATUS_NO_SHOW

        await eventually(both_moved, message="the replica's scheduler did not run")
    finally:
        await replica.stop(0.2)
