"""ChangeSession: bookings judges a resize or a move of a catalog session against the places
its bookings hold (session_occupancy), then catalog follows; a refusal changes nothing.

No participant runs: a wallet booking's saga waits for its step, holding its places."""

import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from grpc import aio

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2
from plumbing.grpc_server import error_reason

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def env(slot_platform):
    """Catalog and bookings in-process on a database and NATS of their own (the folder's
    conftest): no other test's rows or saga commands meet them."""
    return slot_platform


async def a_session_with_three_places_held(stub, catalog):
    company = (
        await catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(name="Resize", time_zone="Europe/Berlin", currency_code="EUR")
        )
    ).company
    resource = (
        await catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                company_id=company.id, name="Studio", booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT
            )
        )
    ).resource
    request = catalog_pb2.CreateSessionRequest(
        resource_id=resource.id, capacity=5, price=money_pb2.Money(amount_minor=1000, currency_code="EUR")
    )
    request.start_time.FromDatetime(datetime.now(UTC) + timedelta(days=2))
    request.end_time.FromDatetime(datetime.now(UTC) + timedelta(days=2, hours=1))
    session = (await catalog.CreateSession(request)).session
    customer = (
        await catalog.CreateCustomer(
            catalog_pb2.CreateCustomerRequest(
                company_id=company.id, display_name="Ada", email=f"{uuid.uuid4().hex[:8]}@example.com"
            )
        )
    ).customer
    await book(stub, session, customer, 3)
    return session, customer


async def book(stub, session, customer, places):
    return (
        await stub.CreateBooking(
            bookings_pb2.CreateBookingRequest(
                request_id=str(uuid.uuid4()),
                customer_id=customer.id,
                session_id=session.id,
                quantity=places,
                payment_plan=bookings_pb2.PaymentPlan(use_wallet=True),
            )
        )
    ).booking


async def occupancy(db, session_id):
    async with db.transaction() as conn:
        row = (
            await conn.exec_driver_sql(
                "SELECT capacity, booked FROM bookings.session_occupancy WHERE session_id = %s", (session_id,)
            )
        ).first()
    return tuple(row) if row else None


async def refusal(call):
    with pytest.raises(aio.AioRpcError) as raised:
        await call
    return raised.value.code(), error_reason(raised.value)


async def test_a_capacity_below_the_places_held_is_refused_and_nothing_changes(env):
    stub, catalog, db = env
    session, customer = await a_session_with_three_places_held(stub, catalog)
    assert await occupancy(db, session.id) == (5, 3)

    below = bookings_pb2.ChangeSessionRequest(request_id=str(uuid.uuid4()), session_id=session.id, capacity=2)
    assert await refusal(stub.ChangeSession(below)) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "CAPACITY_BELOW_BOOKED",
    )
    read = (await catalog.GetSession(catalog_pb2.GetSessionRequest(session_id=session.id))).session
    assert (read.capacity, read.etag) == (5, session.etag)
    assert await occupancy(db, session.id) == (5, 3)

    fits = bookings_pb2.ChangeSessionRequest(
        request_id=str(uuid.uuid4()), session_id=session.id, etag=session.etag, capacity=3
    )
    changed = await stub.ChangeSession(fits)
    assert (changed.session.capacity, changed.booked) == (3, 3)
    assert changed.session.etag != session.etag
    assert await occupancy(db, session.id) == (3, 3)
    # Full now: one more place is refused by the occupancy the resize set.
    refused_booking = await refusal(book(stub, session, customer, 1))
    assert refused_booking[1] == "SESSION_FULL"


async def test_a_stale_etag_or_a_move_with_bookings_is_refused_and_nothing_changes(env):
    stub, catalog, db = env
    session, _ = await a_session_with_three_places_held(stub, catalog)
    grow = bookings_pb2.ChangeSessionRequest(
        request_id=str(uuid.uuid4()), session_id=session.id, etag=session.etag, capacity=8
    )
    assert (await stub.ChangeSession(grow)).session.capacity == 8
    stale = bookings_pb2.ChangeSessionRequest(
        request_id=str(uuid.uuid4()), session_id=session.id, etag=session.etag, capacity=4
    )
    assert await refusal(stub.ChangeSession(stale)) == (grpc.StatusCode.ABORTED, "ETAG_MISMATCH")
    assert await occupancy(db, session.id) == (8, 3)  # catalog's refusal rolled the resize back

    move = bookings_pb2.ChangeSessionRequest(request_id=str(uuid.uuid4()), session_id=session.id)
    move.start_time.FromDatetime(datetime.now(UTC) + timedelta(days=3))
    move.end_time.FromDatetime(datetime.now(UTC) + timedelta(days=3, hours=1))
    assert await refusal(stub.ChangeSession(move)) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "SESSION_HAS_BOOKINGS",
    )
    read = (await catalog.GetSession(catalog_pb2.GetSessionRequest(session_id=session.id))).session
    assert (read.start_time, read.capacity) == (session.start_time, 8)


async def test_a_session_without_bookings_moves(env):
    stub, catalog, db = env
    session, _ = await a_session_with_three_places_held(stub, catalog)
    other = catalog_pb2.CreateSessionRequest(resource_id=session.resource_id, capacity=4, price=session.price)
    other.start_time.FromDatetime(datetime.now(UTC) + timedelta(days=4))
    other.end_time.FromDatetime(datetime.now(UTC) + timedelta(days=4, hours=1))
    empty = (await catalog.CreateSession(other)).session
    move = bookings_pb2.ChangeSessionRequest(request_id=str(uuid.uuid4()), session_id=empty.id)
    new_start = datetime(2040, 1, 6, 9, 0, tzinfo=UTC)
    move.start_time.FromDatetime(new_start)
    move.end_time.FromDatetime(new_start + timedelta(hours=2))
    moved = (await stub.ChangeSession(move)).session
    assert moved.start_time.ToDatetime(tzinfo=UTC) == new_start
    assert (moved.capacity, await occupancy(db, empty.id)) == (4, (4, 0))
