"""Admission to the saga: while the wallet's queue holds more than the allowed wait of work,
wallet-paid creates are refused at once (RESOURCE_EXHAUSTED, ErrorInfo `SAGA_BACKLOG` with
`retry_after_seconds`) and write nothing; once the queue drains, creates are accepted again.

Bookings and catalog run alone on their own database and NATS; the test plays the wallet: its
durable consumer `wallet` on the SAGA stream, fetched and acked by hand, never answering. The
wallet takes nothing at first, so its queue is judged at the minimum drain rate (50/s): with
0.2 s allowed, about ten waiting commands fill it.
"""

import uuid

import grpc
import nats.errors
import pytest
from sqlalchemy import text
from test_bookings_queued_steps import (
    a_session_and_customer,
    bookings_beside_a_wallet_queue,
    fresh_wallet_queue,
)

from bookingplatform.bookings.v1 import bookings_pb2
from plumbing.grpc_server import error_info
from plumbing.testing import eventually

pytestmark = pytest.mark.integration

MAX_WAIT = 0.2


@pytest.fixture(scope="module")
async def bookings_and_wallet_queue(database_url):
    async with bookings_beside_a_wallet_queue(
        database_url, "backlog", first_step_timeout_seconds=600.0, saga_backlog_max_wait_seconds=MAX_WAIT
    ) as platform:
        yield platform


def wallet_booking(session, customer, request_id=None):
    return bookings_pb2.CreateBookingRequest(
        request_id=request_id or str(uuid.uuid4()),
        customer_id=customer.id,
        session_id=session.id,
        quantity=1,
        payment_plan=bookings_pb2.PaymentPlan(use_wallet=True),
    )


async def bookings_of(db, customer_id):
    async with db.transaction() as conn:
        return (
            await conn.execute(
                text("SELECT count(*) FROM bookings.bookings WHERE customer_id = :c"), {"c": customer_id}
            )
        ).scalar_one()


async def test_creates_are_refused_while_the_wallet_queue_is_full_and_accepted_once_it_drains(
    bookings_and_wallet_queue,
):
    stub, catalog, js, db = bookings_and_wallet_queue
    wallet = await fresh_wallet_queue(js)
    session, customer = await a_session_and_customer(catalog, capacity=500)

    accepted, refusal, refused_id = 0, None, None
    for _ in range(300):
        refused_id = str(uuid.uuid4())
        try:
            await stub.CreateBooking(wallet_booking(session, customer, refused_id))
            accepted += 1
        except grpc.aio.AioRpcError as error:
            refusal = error
            break
    assert refusal is not None, f"{accepted} creates accepted with nobody draining the wallet's queue"
    assert refusal.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    info = error_info(refusal)
    assert info is not None and info.reason == "SAGA_BACKLOG"
    assert int(info.metadata["retry_after_seconds"]) >= 1
    # Ten commands fill 0.2 s at 50/s; the queue is read every quarter of a second, so a few
    # more get in before the reading that counts them.
    assert accepted >= 10
    assert await bookings_of(db, customer.id) == accepted  # the refused create wrote nothing

    # The wallet works through its queue: creates are accepted again, the refused one included.
    async def drained_and_accepted():
        try:
            for message in await wallet.fetch(100, timeout=0.5):
                await message.ack()
        except (nats.errors.TimeoutError, TimeoutError):
            # Nothing left to take: nats-py raises its own timeout, or asyncio's when the
            # fetch's deadline ran out before its waiting pull request was sent.
            pass
        try:
            return await stub.CreateBooking(wallet_booking(session, customer, refused_id))
        except grpc.aio.AioRpcError as error:
            assert error_info(error).reason == "SAGA_BACKLOG", error
            return None

    retried = await eventually(
        drained_and_accepted, message="creates were still refused after the queue drained"
    )
    assert retried.booking.status == bookings_pb2.BOOKING_STATUS_PENDING
    assert await bookings_of(db, customer.id) == accepted + 1
