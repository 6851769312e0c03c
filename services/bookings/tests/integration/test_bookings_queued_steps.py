"""A step past its deadline whose command still waits in the participant's queue is not re-sent:
its deadline moves on while the queue moves. A command the participant has acked, one waiting
on a consumer that has acked nothing, and one published longer ago than the longest step
timeout are re-sent as before.

The orchestrator runs alone on its own database and NATS; the test plays the wallet: its
durable consumer `wallet` on the SAGA stream, fetched and acked by hand, never answering.
Deadlines are moved into the past by the test (a long step timeout otherwise), as in
test_bookings_saga_deadlines.py.
"""

import contextlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from grpc import aio
from nats.js.api import AckPolicy, ConsumerConfig
from sqlalchemy import text

import bookings.bootstrap
import catalog.bootstrap
from bookingplatform.bookings.v1 import bookings_pb2, bookings_pb2_grpc
from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookingplatform.common.v1 import money_pb2
from plumbing.db import Database
from plumbing.messaging import SAGA_STREAM, connect
from plumbing.testing import eventually, isolated_infrastructure

pytestmark = pytest.mark.integration

STEP_TIMEOUT = 600.0  # longer than any test: only the test ends a step early


@contextlib.asynccontextmanager
async def bookings_beside_a_wallet_queue(database_url, prefix, **settings):
    """Catalog and bookings on their own database and NATS (bookings with `settings`), and
    what a test needs to play the wallet: (bookings stub, catalog stub, JetStream, database)."""
    async with isolated_infrastructure(database_url, prefix) as (own_database, nats_url):
        catalog_service = await catalog.bootstrap.start(
            catalog.bootstrap.Settings(database_url=own_database, nats_url=nats_url)
        )
        booking_service = await bookings.bootstrap.start(
            bookings.bootstrap.Settings(
                database_url=own_database, nats_url=nats_url, catalog_addr=catalog_service.address, **settings
            )
        )
        nc = await connect(nats_url, "test-wallet")
        channel = aio.insecure_channel(booking_service.address)
        catalog_channel = aio.insecure_channel(catalog_service.address)
        db = Database(own_database, pool_size=2)
        yield (
            bookings_pb2_grpc.BookingsServiceStub(channel),
            catalog_pb2_grpc.CatalogServiceStub(catalog_channel),
            nc.jetstream(),
            db,
        )
        await db.close()
        await channel.close()
        await catalog_channel.close()
        await nc.close()
        await booking_service.stop(0.2)
        await catalog_service.stop(0.2)


@pytest.fixture(scope="module")
async def orchestrator_and_wallet_queue(database_url):
    async with bookings_beside_a_wallet_queue(
        database_url, "queued", sweep_interval_seconds=0.05, first_step_timeout_seconds=STEP_TIMEOUT
    ) as platform:
        yield platform


async def fresh_wallet_queue(js):
    """The wallet's durable consumer, new: nothing delivered or acked yet."""
    try:
        await js.delete_consumer(SAGA_STREAM, "wallet")
    except Exception:
        pass
    return await js.pull_subscribe(
        "saga.cmd.wallet",
        durable="wallet",
        stream=SAGA_STREAM,
        config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, ack_wait=STEP_TIMEOUT),
    )


async def a_session_and_customer(catalog, capacity=5):
    eur = money_pb2.Money(amount_minor=1000, currency_code="EUR")
    company = (
        await catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(name="Queued", time_zone="UTC", currency_code="EUR")
        )
    ).company
    resource = (
        await catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                company_id=company.id, name="Room", booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT
            )
        )
    ).resource
    request = catalog_pb2.CreateSessionRequest(resource_id=resource.id, capacity=capacity, price=eur)
    request.start_time.FromDatetime(datetime.now(UTC) + timedelta(days=1))
    request.end_time.FromDatetime(datetime.now(UTC) + timedelta(days=1, hours=1))
    session = (await catalog.CreateSession(request)).session
    customer = (
        await catalog.CreateCustomer(
            catalog_pb2.CreateCustomerRequest(company_id=company.id, display_name="Q", email="q@example.com")
        )
    ).customer
    return session, customer


async def published_booking(stub, db, session, customer):
    """A wallet-paid booking whose first command the relay has published (its deadline runs)."""
    booking = (
        await stub.CreateBooking(
            bookings_pb2.CreateBookingRequest(
                request_id=str(uuid.uuid4()),
                customer_id=customer.id,
                session_id=session.id,
                quantity=1,
                payment_plan=bookings_pb2.PaymentPlan(use_wallet=True),
            )
        )
    ).booking
    await eventually(lambda: saga_row(db, booking.saga_id, published=True))
    return booking


async def saga_row(db, saga_id, *, published=False):
    async with db.transaction() as conn:
        row = (
            await conn.execute(
                text("SELECT attempt, deadline, command_id FROM bookings.sagas WHERE id = :id"),
                {"id": saga_id},
            )
        ).one()
    return row if row.deadline is not None or not published else None


async def step_kinds(db, saga_id):
    async with db.transaction() as conn:
        rows = await conn.execute(
            text("SELECT kind, attempt FROM bookings.saga_steps WHERE saga_id = :id ORDER BY id"),
            {"id": saga_id},
        )
        return [(row.kind, row.attempt) for row in rows]


async def overdue(db, *saga_ids):
    """Both deadlines into the past in one statement: one sweep claims them together."""
    async with db.transaction() as conn:
        await conn.execute(
            text(
                "UPDATE bookings.sagas SET deadline = now() - interval '1 second'"
                " WHERE id = ANY(CAST(:ids AS uuid[]))"
            ),
            {"ids": list(saga_ids)},
        )


async def re_sent(db, saga_id):
    return ("timeout", 1) in await step_kinds(db, saga_id) and ("command", 2) in await step_kinds(db, saga_id)


async def take_everything_up_to(wallet, message_id):
    """The wallet takes everything published so far, `message_id` last, and acks it: its queue
    moves, its ack floor is that message. It never answers."""
    taken = []
    while message_id not in taken:
        for message in await wallet.fetch(100, timeout=5):
            taken.append(message.headers["Nats-Msg-Id"])
            await message.ack()


async def test_a_command_still_queued_behind_moving_work_gets_more_time_and_a_delivered_one_is_re_sent(
    orchestrator_and_wallet_queue,
):
    stub, catalog, js, db = orchestrator_and_wallet_queue
    wallet = await fresh_wallet_queue(js)
    session, customer = await a_session_and_customer(catalog)

    delivered = await published_booking(stub, db, session, customer)
    await take_everything_up_to(wallet, f"{delivered.saga_id}:wallet:execute:1")
    queued = await published_booking(stub, db, session, customer)

    await overdue(db, delivered.saga_id, queued.saga_id)

    # The sweep that re-sends the delivered step decides about the queued one too.
    await eventually(lambda: re_sent(db, delivered.saga_id), message="the delivered step was never re-sent")
    waiting = await saga_row(db, queued.saga_id)
    assert waiting.attempt == 1
    assert waiting.command_id == f"{queued.saga_id}:wallet:execute:1"
    assert waiting.deadline > datetime.now(UTC) + timedelta(seconds=STEP_TIMEOUT / 2)
    assert [kind for kind, _ in await step_kinds(db, queued.saga_id)] == ["effect", "command"]


async def test_a_step_waiting_on_a_consumer_that_has_taken_nothing_is_re_sent(orchestrator_and_wallet_queue):
    stub, catalog, js, db = orchestrator_and_wallet_queue
    await fresh_wallet_queue(js)  # its participant is down: nothing delivered, nothing acked
    session, customer = await a_session_and_customer(catalog)
    booking = await published_booking(stub, db, session, customer)

    await overdue(db, booking.saga_id)

    await eventually(lambda: re_sent(db, booking.saga_id), message="the stuck step was never re-sent")


async def test_a_step_published_longer_ago_than_the_longest_step_timeout_is_re_sent_behind_a_moving_queue(
    orchestrator_and_wallet_queue,
):
    stub, catalog, js, db = orchestrator_and_wallet_queue
    wallet = await fresh_wallet_queue(js)
    session, customer = await a_session_and_customer(catalog)
    acked = await published_booking(stub, db, session, customer)
    await take_everything_up_to(wallet, f"{acked.saga_id}:wallet:execute:1")
    queued = await published_booking(stub, db, session, customer)
    # Both published hours ago (in order): longer than 12 step timeouts.
    async with db.transaction() as conn:
        for saga_id, hours in ((acked.saga_id, 4), (queued.saga_id, 3)):
            await conn.execute(
                text(
                    "UPDATE bookings.outbox SET published_at = now() - make_interval(hours => :h)"
                    " WHERE id = :id"
                ),
                {"h": hours, "id": f"{saga_id}:wallet:execute:1"},
            )

    await overdue(db, queued.saga_id)

    await eventually(lambda: re_sent(db, queued.saga_id), message="the long-queued step was never re-sent")
