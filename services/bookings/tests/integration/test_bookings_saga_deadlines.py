"""The orchestrator alone, on its own NATS server with no participant running: deadlines
re-send steps, a step that never answers is given up and compensated, a step past the
pivot that keeps failing flags the saga, and operators can retry or force-compensate.

The test answers on the participants' behalf by publishing StepReplies, which is the
protocol contract the real participants are tested against in their own suites.

Steps never time out by the wall clock here (a long step timeout): a test that wants a
timeout moves the saga's deadline into the past and the running sweeper acts on it. So a
reply is never raced by a re-send on a slow machine, and timeouts happen exactly when the
test asks for them.
"""

import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from grpc import aio
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

import bookings.bootstrap
import catalog.bootstrap
from bookingplatform.bookings.v1 import bookings_pb2, bookings_pb2_grpc
from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookingplatform.common.v1 import money_pb2
from bookingplatform.saga.v1 import saga_pb2
from bookings.adapters import tables
from bookings.entrypoints.saga_replies import ReplyConsumer
from bookings.service.orchestrator import Orchestrator
from plumbing.db import Database
from plumbing.grpc_server import error_reason
from plumbing.messaging import SAGA_STREAM, connect, ensure_stream
from plumbing.outbox import Outbox
from plumbing.testing import eventually, isolated_infrastructure

pytestmark = pytest.mark.integration

STEP_TIMEOUT = 600.0  # longer than any test: only `time_out` ends a step early


@pytest.fixture(scope="module")
async def lonely_orchestrator(database_url):
    # A database of its own too: its outbox relay must not publish other tests' commands.
    async with isolated_infrastructure(database_url, "lonely") as (own_database, nats_url):
        catalog_service = await catalog.bootstrap.start(
            catalog.bootstrap.Settings(database_url=own_database, nats_url=nats_url)
        )
        booking_service = await bookings.bootstrap.start(
            bookings.bootstrap.Settings(
                database_url=own_database,
                nats_url=nats_url,
                catalog_addr=catalog_service.address,
                sweep_interval_seconds=0.05,
                first_step_timeout_seconds=STEP_TIMEOUT,
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
    eur = money_pb2.Money(amount_minor=1000, currency_code="EUR")
    company = (
        await catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(name="Lonely", time_zone="UTC", currency_code="EUR")
        )
    ).company
    resource = (
        await catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                company_id=company.id, name="Room", booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT
            )
        )
    ).resource
    request = catalog_pb2.CreateSessionRequest(resource_id=resource.id, capacity=5, price=eur)
    request.start_time.FromDatetime(datetime.now(UTC) + timedelta(days=1))
    request.end_time.FromDatetime(datetime.now(UTC) + timedelta(days=1, hours=1))
    session = (await catalog.CreateSession(request)).session
    customer = (
        await catalog.CreateCustomer(
            catalog_pb2.CreateCustomerRequest(
                company_id=company.id, display_name="Solo", email="solo@example.com"
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


async def saga_of(stub, saga_id):
    return (await stub.GetSaga(bookings_pb2.GetSagaRequest(saga_id=saga_id))).saga


async def until(stub, saga_id, check):
    seen = []

    async def reached():
        saga = await saga_of(stub, saga_id)
        seen[:] = [saga]
        return saga if check(saga) else None

    return await eventually(reached, message=lambda: f"saga stuck: {seen}")


async def time_out_until(stub, db, saga_id, state, check):
    """Times the saga's current step out (its deadline moved into the past, once the relay has
    published the command and set one) until `check(saga)`; the bookings sweeper does the rest."""
    seen = []

    async def reached():
        saga = await saga_of(stub, saga_id)
        seen[:] = [saga]
        if check(saga):
            return saga
        async with db.transaction() as conn:
            await conn.execute(
                text(
                    "UPDATE bookings.sagas SET deadline = now() - interval '1 second'"
                    " WHERE id = :id AND state = :state AND deadline IS NOT NULL"
                ),
                {"id": saga_id, "state": state},
            )
        return None

    return await eventually(reached, interval=0.1, message=lambda: f"saga stuck: {seen}")


async def answer(js, saga, step, action, *, succeeded=True, reason="", amount=0, attempt=None):
    reply = saga_pb2.StepReply(
        saga_id=saga.id,
        step=step,
        action=action,
        attempt=attempt if attempt is not None else saga.attempt,
        outcome=saga_pb2.STEP_OUTCOME_SUCCEEDED if succeeded else saga_pb2.STEP_OUTCOME_FAILED,
        reason=reason,
    )
    reply.amount.amount_minor = amount
    reply.amount.currency_code = "EUR"
    await js.publish(
        "saga.reply.bookings", reply.SerializeToString(), headers={"Nats-Msg-Id": str(uuid.uuid4())}
    )


async def answer_until(stub, js, saga_id, step, action, done, **reply):
    """Answers the current attempt (again if a reply got lost or overtaken) until `done(saga)`."""
    seen = []

    async def reached():
        saga = await saga_of(stub, saga_id)
        seen[:] = [saga]
        if done(saga):
            return saga
        await answer(js, saga, step, action, **reply)
        return None

    return await eventually(reached, interval=0.1, message=lambda: f"saga stuck: {seen}")


async def commands_on(js, subject, saga_id, complete):
    """Every command of this saga on the subject, as JetStream stored them, once `complete`
    holds for them (the outbox relay publishes after the orchestrator commits)."""
    seen = []

    async def stored():
        seen[:] = await _commands_on(js, subject, saga_id)
        return list(seen) if complete([c for c, _ in seen]) else None

    return await eventually(stored, message=lambda: f"commands so far: {seen}")


async def _commands_on(js, subject, saga_id):
    sub = await js.pull_subscribe(subject, durable=None, stream=SAGA_STREAM)
    found = []
    try:
        while True:
            for msg in await sub.fetch(100, timeout=0.5):
                command = saga_pb2.StepCommand.FromString(msg.data)
                if command.saga_id == saga_id:
                    found.append((command, msg.headers["Nats-Msg-Id"]))
                await msg.ack()
    except Exception:
        pass
    await sub.unsubscribe()
    return found


async def test_an_unanswered_step_is_re_sent_then_given_up_and_compensated(lonely_orchestrator):
    stub, catalog, js, db = lonely_orchestrator
    session, customer = await a_session_and_customer(catalog)
    booking = await book(stub, session, customer, use_wallet=True)

    saga = await time_out_until(
        stub, db, booking.saga_id, "RUNNING", lambda s: s.state == bookings_pb2.SAGA_STATE_COMPENSATING
    )

    timeouts = [s for s in saga.steps if s.kind == "timeout" and s.action == "execute"]
    sent = [s for s in saga.steps if s.kind == "command" and s.action == "execute"]
    assert [s.attempt for s in sent] == [1, 2, 3, 4, 5]
    assert len(timeouts) == 5
    commands = await commands_on(
        js,
        "saga.cmd.wallet",
        booking.saga_id,
        lambda found: (
            any(c.action == saga_pb2.STEP_ACTION_COMPENSATE for c in found)
            and sum(c.action == saga_pb2.STEP_ACTION_EXECUTE for c in found) >= 5
        ),
    )
    executes = [c for c, _ in commands if c.action == saga_pb2.STEP_ACTION_EXECUTE]
    assert [c.attempt for c in executes] == [1, 2, 3, 4, 5]
    assert len({message_id for _, message_id in commands}) == len(commands)
    # The timed-out step itself is compensated: it may have taken effect.
    assert any(c.action == saga_pb2.STEP_ACTION_COMPENSATE for c, _ in commands)

    await answer_until(
        stub,
        js,
        booking.saga_id,
        "wallet",
        saga_pb2.STEP_ACTION_COMPENSATE,
        lambda s: s.state == bookings_pb2.SAGA_STATE_COMPENSATED,
    )
    rejected = (await stub.GetBooking(bookings_pb2.GetBookingRequest(booking_id=booking.id))).booking
    assert rejected.status == bookings_pb2.BOOKING_STATUS_REJECTED
    assert rejected.reject_reason == "STEP_TIMED_OUT"


async def test_a_reply_to_an_older_attempt_is_logged_as_ignored(lonely_orchestrator):
    stub, catalog, js, db = lonely_orchestrator
    session, customer = await a_session_and_customer(catalog)
    booking = await book(stub, session, customer, use_wallet=True)
    saga = await time_out_until(stub, db, booking.saga_id, "RUNNING", lambda s: s.attempt >= 2)

    await answer(js, saga, "wallet", saga_pb2.STEP_ACTION_EXECUTE, succeeded=True, amount=1000, attempt=1)
    saga = await until(stub, booking.saga_id, lambda s: any(step.kind == "ignored" for step in s.steps))
    assert saga.state == bookings_pb2.SAGA_STATE_RUNNING

    await answer_until(
        stub,
        js,
        booking.saga_id,
        "wallet",
        saga_pb2.STEP_ACTION_EXECUTE,
        lambda s: s.state == bookings_pb2.SAGA_STATE_COMPLETED,
        amount=1000,
    )


async def test_a_failing_step_after_the_pivot_flags_the_saga_and_an_operator_retry_clears_it(
    lonely_orchestrator,
):
    stub, catalog, js, db = lonely_orchestrator
    session, customer = await a_session_and_customer(catalog)
    # Bookings only forwards the payment method (payments checks it); no payments service runs here.
    booking = await book(stub, session, customer, payment_method_id=str(uuid.uuid4()))
    await answer_until(
        stub,
        js,
        booking.saga_id,
        "payments",
        saga_pb2.STEP_ACTION_EXECUTE,
        lambda s: s.state == bookings_pb2.SAGA_STATE_FINALIZING,
        amount=1000,
    )
    confirmed = (await stub.GetBooking(bookings_pb2.GetBookingRequest(booking_id=booking.id))).booking
    assert confirmed.status == bookings_pb2.BOOKING_STATUS_CONFIRMED

    saga = await time_out_until(stub, db, booking.saga_id, "FINALIZING", lambda s: s.needs_attention)
    finalizes = [s for s in saga.steps if s.kind == "command" and s.action == "finalize"]
    # Flagged once re-sent past ATTENTION_AFTER_ATTEMPTS (one more may have raced the check).
    assert [s.attempt for s in finalizes] == list(range(1, len(finalizes) + 1))
    assert len(finalizes) >= 6
    assert saga.state == bookings_pb2.SAGA_STATE_FINALIZING
    flagged = await stub.ListSagas(
        bookings_pb2.ListSagasRequest(needs_attention=True, current_step="payments")
    )
    assert booking.saga_id in [s.id for s in flagged.sagas]

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.ForceCompensateSaga(
            bookings_pb2.ForceCompensateSagaRequest(saga_id=saga.id, reason="nope")
        )
    assert error_reason(refused.value) == "SAGA_PAST_PIVOT"
    with pytest.raises(grpc.aio.AioRpcError) as no_reason:
        await stub.RetrySagaStep(bookings_pb2.RetrySagaStepRequest(saga_id=saga.id, reason=" "))
    assert error_reason(no_reason.value) == "REASON_REQUIRED"

    retried = (
        await stub.RetrySagaStep(
            bookings_pb2.RetrySagaStepRequest(saga_id=saga.id, reason="provider back up")
        )
    ).saga
    assert retried.needs_attention is False
    assert any(s.kind == "operator" and s.outcome == "provider back up" for s in retried.steps)
    await answer_until(
        stub,
        js,
        booking.saga_id,
        "payments",
        saga_pb2.STEP_ACTION_FINALIZE,
        lambda s: s.state == bookings_pb2.SAGA_STATE_COMPLETED,
    )


async def test_an_operator_can_force_compensate_before_the_pivot(lonely_orchestrator):
    stub, catalog, js, _ = lonely_orchestrator
    session, customer = await a_session_and_customer(catalog)
    booking = await book(stub, session, customer, use_wallet=True)

    forced = (
        await stub.ForceCompensateSaga(
            bookings_pb2.ForceCompensateSagaRequest(saga_id=booking.saga_id, reason="customer called")
        )
    ).saga
    assert forced.state == bookings_pb2.SAGA_STATE_COMPENSATING
    await answer_until(
        stub,
        js,
        booking.saga_id,
        "wallet",
        saga_pb2.STEP_ACTION_COMPENSATE,
        lambda s: s.state == bookings_pb2.SAGA_STATE_COMPENSATED,
    )
    rejected = (await stub.GetBooking(bookings_pb2.GetBookingRequest(booking_id=booking.id))).booking
    assert rejected.reject_reason == "FORCED_BY_OPERATOR"


class Statements:
    """The SQL sent to this test's database while the block runs (the orchestrator runs
    in-process; other tests' services may too, on databases of their own)."""

    def __init__(self, db: Database) -> None:
        self.database = db.engine.url.database
        self.seen: list[str] = []

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if conn.engine.url.database == self.database:
            self.seen.append(statement)

    def __enter__(self) -> "Statements":
        event.listen(Engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc_info) -> None:
        event.remove(Engine, "before_cursor_execute", self._record)

    def writing(self, table: str) -> list[str]:
        return [sql for sql in self.seen if f"INSERT INTO {table} " in sql]


async def test_a_saga_writes_its_commands_and_status_events_with_its_own_save(lonely_orchestrator):
    """A new saga's first command is written by the statement that inserts the saga, and a
    reply's status event and next command by the one that saves it: no statement of their
    own. Both reach NATS through the relay as before."""
    stub, catalog, js, db = lonely_orchestrator
    session, customer = await a_session_and_customer(catalog)

    with Statements(db) as created:
        booking = await book(stub, session, customer, use_wallet=True)
    [first] = created.writing("bookings.outbox")
    assert "INSERT INTO bookings.sagas " in first
    assert "INSERT INTO bookings.saga_steps " in first
    await commands_on(js, "saga.cmd.wallet", booking.saga_id, lambda found: len(found) == 1)

    with Statements(db) as replied:
        await answer_until(
            stub,
            js,
            booking.saga_id,
            "wallet",
            saga_pb2.STEP_ACTION_EXECUTE,
            lambda s: s.state != bookings_pb2.SAGA_STATE_RUNNING or s.current_step != "wallet",
            amount=1000,
        )
        confirmed = await eventually(
            lambda: booking_with_status(stub, booking.id, bookings_pb2.BOOKING_STATUS_CONFIRMED)
        )
    assert confirmed.status == bookings_pb2.BOOKING_STATUS_CONFIRMED
    assert replied.writing("bookings.outbox"), "the confirmation wrote no status event"
    for sql in replied.writing("bookings.outbox"):
        assert "UPDATE bookings.sagas " in sql, sql
    async with db.transaction() as conn:
        subjects = (
            await conn.execute(
                text("SELECT subject, payload FROM bookings.outbox WHERE subject LIKE 'bookings.events.%'")
            )
        ).all()
    confirmations = [
        payload
        for subject, payload in subjects
        if subject == "bookings.events.confirmed" and booking.id.encode() in payload
    ]
    assert len(confirmations) == 1


async def booking_with_status(stub, booking_id, status):
    booking = (await stub.GetBooking(bookings_pb2.GetBookingRequest(booking_id=booking_id))).booking
    return booking if booking.status == status else None


async def test_a_group_of_replies_locks_its_sagas_in_one_statement(lonely_orchestrator):
    """The reply consumer applies a fetched group in one transaction with every saga of it
    locked by one statement, in id order; a second reply to a saga of the group locks that saga
    again and sees what the first one wrote (it is logged as ignored, not applied twice)."""
    stub, catalog, js, db = lonely_orchestrator
    session, customer = await a_session_and_customer(catalog)
    booked = [await book(stub, session, customer, use_wallet=True) for _ in range(3)]
    sagas = [await until(stub, b.saga_id, lambda s: s.attempt == 1) for b in booked]

    # The test's own stream: the service's consumer never sees these; the test fetches them as
    # one batch and hands it to a ReplyConsumer of its own, as the service's would.
    tag = uuid.uuid4().hex[:8]
    await ensure_stream(js, f"R{tag}", [f"r{tag}.reply"])
    for saga in [*sagas, sagas[0]]:  # the first saga answered twice
        reply = saga_pb2.StepReply(
            saga_id=saga.id,
            step="wallet",
            action=saga_pb2.STEP_ACTION_EXECUTE,
            attempt=saga.attempt,
            outcome=saga_pb2.STEP_OUTCOME_SUCCEEDED,
        )
        reply.amount.amount_minor, reply.amount.currency_code = 1000, "EUR"
        await js.publish(
            f"r{tag}.reply", reply.SerializeToString(), headers={"Nats-Msg-Id": str(uuid.uuid4())}
        )
    subscription = await js.pull_subscribe(f"r{tag}.reply", durable=f"r{tag}", stream=f"R{tag}")
    batch = await subscription.fetch(4, timeout=5)
    assert len(batch) == 4
    outbox = Outbox(tables.outbox)
    consumer = ReplyConsumer(db, outbox, Orchestrator(db, outbox, first_step_timeout=STEP_TIMEOUT))

    with Statements(db) as applied:
        await consumer.handle(batch)

    locks = [sql for sql in applied.seen if "FOR NO KEY UPDATE OF" in sql and "bookings.sagas" in sql]
    assert len(locks) == 2, locks  # the group's three sagas at once, then the first one again
    for b in booked:
        await eventually(lambda b=b: booking_with_status(stub, b.id, bookings_pb2.BOOKING_STATUS_CONFIRMED))
    first = await saga_of(stub, sagas[0].id)
    assert [s.kind for s in first.steps].count("ignored") == 1
    assert [s.kind for s in first.steps].count("reply") == 1
