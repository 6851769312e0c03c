"""A time-slot booking is created by one statement (the booking row, its places and its count
as the customer's active booking of the resource): a refusal writes nothing, a retry with the
same request id gets the first booking, and places are never sold twice under a race.

Catalog and bookings run in-process on their own database and NATS (no participant: each
saga waits on its first step, which changes nothing here).
"""

import asyncio
import uuid

import grpc
import pytest
from bookings_test_sessions import a_session, book, held
from grpc import aio
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bookingplatform.bookings.v1 import bookings_pb2
from plumbing.grpc_server import error_reason

pytestmark = pytest.mark.integration


async def test_the_booking_its_places_and_its_count_are_one_statement(slot_platform):
    stub, catalog, db = slot_platform
    session, [customer] = await a_session(catalog, capacity=3)
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if conn.engine.url.database == db.engine.url.database:  # not other tests' services
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        booking = (await book(stub, session, customer, quantity=2)).booking
    finally:
        event.remove(Engine, "before_cursor_execute", record)

    [insert] = [sql for sql in seen if "INSERT INTO bookings.bookings " in sql]
    assert "INSERT INTO bookings.session_occupancy " in insert
    assert "INSERT INTO bookings.customer_active_bookings " in insert
    assert not [sql for sql in seen if sql.lstrip().startswith("INSERT INTO bookings.session_occupancy")]
    assert booking.status == bookings_pb2.BOOKING_STATUS_PENDING
    assert await held(db, session.id, customer.id, session.resource_id) == (2, 1, 1)


async def test_a_full_session_refuses_and_nothing_is_written(slot_platform):
    stub, catalog, db = slot_platform
    session, [customer] = await a_session(catalog, capacity=2)
    await book(stub, session, customer, quantity=2)

    with pytest.raises(aio.AioRpcError) as refused:
        await book(stub, session, customer)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_reason(refused.value) == "SESSION_FULL"
    assert await held(db, session.id, customer.id, session.resource_id) == (2, 1, 1)


async def test_a_customer_at_the_limit_is_refused_and_nothing_is_written(slot_platform):
    stub, catalog, db = slot_platform
    session, [customer] = await a_session(catalog, capacity=5, max_active=1)
    await book(stub, session, customer)

    with pytest.raises(aio.AioRpcError) as refused:
        await book(stub, session, customer)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_reason(refused.value) == "MAX_ACTIVE_BOOKINGS"
    assert await held(db, session.id, customer.id, session.resource_id) == (1, 1, 1)


@pytest.mark.parametrize(
    "capacity",
    [
        pytest.param(5, id="the insert meets the request id's key"),
        # Full after the first booking: planning refuses the retry, which then finds its booking.
        pytest.param(2, id="planning would refuse the retry now"),
    ],
)
async def test_a_retry_with_the_same_request_id_gets_the_first_booking(slot_platform, capacity):
    stub, catalog, db = slot_platform
    session, [customer] = await a_session(catalog, capacity=capacity)
    request_id = str(uuid.uuid4())
    first = await book(stub, session, customer, quantity=2, request_id=request_id)
    again = await book(stub, session, customer, quantity=2, request_id=request_id)

    assert not first.replayed
    assert again.replayed and again.booking.id == first.booking.id
    assert await held(db, session.id, customer.id, session.resource_id) == (2, 1, 1)


async def test_concurrent_calls_with_one_request_id_make_one_booking_and_all_get_it(slot_platform):
    # The gateway hands an Idempotency-Key to bookings as the request id and keeps no store of
    # its own for a create: the (customer, request_id) key alone decides the race.
    stub, catalog, db = slot_platform
    session, [customer] = await a_session(catalog, capacity=5)
    request_id = str(uuid.uuid4())

    answers = await asyncio.gather(*(book(stub, session, customer, request_id=request_id) for _ in range(8)))

    assert len({answer.booking.id for answer in answers}) == 1
    assert sum(not answer.replayed for answer in answers) == 1
    assert await held(db, session.id, customer.id, session.resource_id) == (1, 1, 1)


async def test_the_same_request_id_for_another_request_is_refused_and_writes_nothing(slot_platform):
    stub, catalog, db = slot_platform
    session, [customer] = await a_session(catalog, capacity=5)
    request_id = str(uuid.uuid4())
    await book(stub, session, customer, quantity=1, request_id=request_id)

    with pytest.raises(aio.AioRpcError) as refused:
        await book(stub, session, customer, quantity=3, request_id=request_id)

    assert error_reason(refused.value) == "IDEMPOTENCY_KEY_REUSED"
    assert await held(db, session.id, customer.id, session.resource_id) == (1, 1, 1)


async def test_racing_customers_never_get_more_places_than_the_session_has(slot_platform):
    stub, catalog, db = slot_platform
    session, customers = await a_session(catalog, capacity=7, customers=20)

    answers = await asyncio.gather(*(book(stub, session, c) for c in customers), return_exceptions=True)

    booked = [a for a in answers if not isinstance(a, BaseException)]
    refused = [a for a in answers if isinstance(a, aio.AioRpcError)]
    assert len(booked) == 7
    assert len(refused) == 13 and {error_reason(r) for r in refused} == {"SESSION_FULL"}
    places, _, rows = await held(db, session.id, customers[0].id, session.resource_id)
    assert (places, rows) == (7, 7)
