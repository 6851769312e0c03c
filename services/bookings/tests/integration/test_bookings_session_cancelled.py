"""catalog.events.session_cancelled reaches bookings over NATS: bookings that were still paying
when the session was cancelled end cancelled (fully refunded) or released.

No participant runs: the test answers the saga's commands by publishing StepReplies (as in
test_bookings_saga_deadlines.py), so it decides when a payment succeeds.
"""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from grpc import aio
from nats.js.errors import NotFoundError
from sqlalchemy import text

import bookings.bootstrap
import catalog.bootstrap
from bookingplatform.bookings.v1 import bookings_pb2, bookings_pb2_grpc
from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookingplatform.common.v1 import money_pb2
from bookingplatform.saga.v1 import saga_pb2
from bookings.entrypoints.catalog_events import CATALOG_STREAM, DURABLE, SESSION_CANCELLED
from plumbing.db import Database
from plumbing.messaging import connect
from plumbing.testing import eventually, isolated_infrastructure

pytestmark = pytest.mark.integration

S = bookings_pb2


@pytest.fixture(scope="module")
async def env(database_url):
    # A database and NATS of its own: its outbox relay must not meet other tests' rows.
    async with isolated_infrastructure(database_url, "cancelled") as (own_database, nats_url):
        catalog_service = await catalog.bootstrap.start(
            catalog.bootstrap.Settings(database_url=own_database, nats_url=nats_url)
        )
        booking_service = await bookings.bootstrap.start(
            bookings.bootstrap.Settings(
                database_url=own_database,
                nats_url=nats_url,
                catalog_addr=catalog_service.address,
                sweep_interval_seconds=0.1,
            )
        )
        nc = await connect(nats_url, "test-participant")
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


async def a_session_and_customer(catalog):
    company = (
        await catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                name="Called off", time_zone="Europe/Berlin", currency_code="EUR"
            )
        )
    ).company
    # A customer cancelling now would get nothing back: free cancellation ended a day before.
    resource = (
        await catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                company_id=company.id,
                name="Room",
                booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
                policy=catalog_pb2.ResourcePolicy(free_cancellation_minutes=1440),
            )
        )
    ).resource
    request = catalog_pb2.CreateSessionRequest(
        resource_id=resource.id, capacity=5, price=money_pb2.Money(amount_minor=1000, currency_code="EUR")
    )
    request.start_time.FromDatetime(datetime.now(UTC) + timedelta(hours=2))
    request.end_time.FromDatetime(datetime.now(UTC) + timedelta(hours=3))
    session = (await catalog.CreateSession(request)).session
    customer = (
        await catalog.CreateCustomer(
            catalog_pb2.CreateCustomerRequest(
                company_id=company.id, display_name="Late", email=f"{uuid.uuid4().hex[:8]}@example.com"
            )
        )
    ).customer
    return session, customer


async def book(stub, session, customer, **plan):
    reply = await stub.CreateBooking(
        bookings_pb2.CreateBookingRequest(
            request_id=str(uuid.uuid4()),
            customer_id=customer.id,
            session_id=session.id,
            quantity=1,
            payment_plan=bookings_pb2.PaymentPlan(**plan),
        )
    )
    return reply.booking


async def cancel_session(catalog, session):
    await catalog.CancelSession(
        catalog_pb2.CancelSessionRequest(
            request_id=str(uuid.uuid4()), session_id=session.id, reason="Teacher ill"
        )
    )


async def booking_of(stub, booking_id):
    return (await stub.GetBooking(bookings_pb2.GetBookingRequest(booking_id=booking_id))).booking


async def saga_of(stub, saga_id):
    return (await stub.GetSaga(bookings_pb2.GetSagaRequest(saga_id=saga_id))).saga


async def until_booking(stub, booking_id, *statuses):
    seen = []

    async def reached():
        booking = await booking_of(stub, booking_id)
        seen[:] = [booking]
        return booking if booking.status in statuses else None

    return await eventually(reached, message=lambda: f"booking stuck: {seen}")


async def answer_until(stub, js, saga_id, step, action, done, **reply):
    """Answers the saga's current attempt (re-sent by the sweeper meanwhile) until `done(saga)`."""
    seen = []

    async def reached():
        saga = await saga_of(stub, saga_id)
        seen[:] = [saga]
        if done(saga):
            return saga
        message = saga_pb2.StepReply(
            saga_id=saga.id,
            step=step,
            action=action,
            attempt=saga.attempt,
            outcome=saga_pb2.STEP_OUTCOME_FAILED if reply.get("reason") else saga_pb2.STEP_OUTCOME_SUCCEEDED,
            reason=reply.get("reason", ""),
        )
        message.amount.amount_minor = reply.get("amount", 0)
        message.amount.currency_code = "EUR"
        await js.publish(
            "saga.reply.bookings", message.SerializeToString(), headers={"Nats-Msg-Id": str(uuid.uuid4())}
        )
        return None

    return await eventually(reached, interval=0.1, message=lambda: f"saga stuck: {seen}")


async def cancellation_delivered(js, session):
    """Once bookings' consumer has been handed the session's session_cancelled event."""

    async def delivered() -> bool:
        try:
            event = await js.get_last_msg(CATALOG_STREAM, SESSION_CANCELLED)
        except NotFoundError:
            return False
        if catalog_pb2.SessionCancelled.FromString(event.data).session.id != session.id:
            return False  # the catalog's relay has not published it yet
        consumer = await js.consumer_info(CATALOG_STREAM, DURABLE)
        return consumer.delivered.stream_seq >= event.seq

    await eventually(delivered, message="bookings never received the session_cancelled event")


async def places_booked(db, session_id):
    async with db.transaction() as conn:
        booked = await conn.execute(
            text("SELECT booked FROM bookings.session_occupancy WHERE session_id = :id"), {"id": session_id}
        )
        return booked.scalar_one()


async def test_a_booking_still_paying_when_its_session_is_cancelled_is_cancelled_in_full_once_paid(env):
    stub, catalog, js, db = env
    session, customer = await a_session_and_customer(catalog)
    booking = await book(stub, session, customer, use_wallet=True)
    assert booking.status == S.BOOKING_STATUS_PENDING

    await cancel_session(catalog, session)
    await cancellation_delivered(js, session)
    # The event arrived; the booking waits for its payment saga.
    assert (await booking_of(stub, booking.id)).status == S.BOOKING_STATUS_PENDING

    await answer_until(
        stub,
        js,
        booking.saga_id,
        "wallet",
        saga_pb2.STEP_ACTION_EXECUTE,
        lambda saga: saga.state == S.SAGA_STATE_COMPLETED,
        amount=1000,
    )
    cancelling = await until_booking(
        stub, booking.id, S.BOOKING_STATUS_CANCELLING, S.BOOKING_STATUS_CANCELLED
    )
    # The company called it off: everything back, although free cancellation had ended.
    assert (cancelling.refund.percent, cancelling.refund.wallet_minor) == (100, 1000)
    await answer_until(
        stub,
        js,
        cancelling.refund.saga_id,
        "wallet",
        saga_pb2.STEP_ACTION_REFUND,
        lambda saga: saga.state == S.SAGA_STATE_COMPLETED,
    )
    final = await until_booking(stub, booking.id, S.BOOKING_STATUS_CANCELLED)
    assert final.refund.status == S.REFUND_STATUS_REFUNDED
    assert await places_booked(db, session.id) == 0


async def test_a_booking_awaiting_funds_when_its_session_is_cancelled_is_released(env):
    stub, catalog, js, db = env
    session, customer = await a_session_and_customer(catalog)
    booking = await book(stub, session, customer, use_wallet=True, pay_later=True)
    await answer_until(
        stub,
        js,
        booking.saga_id,
        "wallet",
        saga_pb2.STEP_ACTION_EXECUTE,
        lambda saga: saga.state == S.SAGA_STATE_AWAITING_PAYMENT,
        reason="INSUFFICIENT_FUNDS",
    )
    assert (await booking_of(stub, booking.id)).status == S.BOOKING_STATUS_PENDING_PAYMENT

    await cancel_session(catalog, session)

    saga = await answer_until(
        stub,
        js,
        booking.saga_id,
        "wallet",
        saga_pb2.STEP_ACTION_COMPENSATE,
        lambda saga: saga.state == S.SAGA_STATE_COMPENSATED,
    )
    rejected = await until_booking(stub, booking.id, S.BOOKING_STATUS_REJECTED)
    assert rejected.status == S.BOOKING_STATUS_REJECTED
    # Given up for its session, with the session's reason (was FORCED_BY_OPERATOR, no reason).
    assert (rejected.reject_reason, rejected.cancel_reason) == ("SESSION_CANCELLED", "Teacher ill")
    assert saga.reason == "SESSION_CANCELLED"
    assert not any(step.kind == "operator" for step in saga.steps)
    assert await places_booked(db, session.id) == 0
