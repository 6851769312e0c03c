"""The passes saga participant on real PostgreSQL and NATS: holds, consumption, refunds,
compensation, tombstones, replays, and the wiring from saga.cmd.passes to saga.reply.bookings."""

import asyncio
import uuid

import grpc
import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy
from sqlalchemy import select, text

from bookingplatform.common.v1 import money_pb2
from bookingplatform.passes.v1 import passes_pb2, passes_pb2_grpc
from bookingplatform.saga.v1 import saga_pb2
from passes.adapters.tables import credit_holds
from passes.bootstrap import start
from passes.entrypoints.saga import handle_step_command
from passes.settings import Settings
from plumbing.db import Database
from plumbing.messaging import SAGA_STREAM, connect
from plumbing.testing import EVENTUALLY_TIMEOUT

pytestmark = pytest.mark.integration

SUCCEEDED = saga_pb2.STEP_OUTCOME_SUCCEEDED
FAILED = saga_pb2.STEP_OUTCOME_FAILED
EXECUTE = saga_pb2.STEP_ACTION_EXECUTE
COMPENSATE = saga_pb2.STEP_ACTION_COMPENSATE
FINALIZE = saga_pb2.STEP_ACTION_FINALIZE
REFUND = saga_pb2.STEP_ACTION_REFUND


@pytest.fixture(scope="module")
async def service(database_url, nats_url):
    running = await start(Settings(database_url=database_url, nats_url=nats_url))
    yield running
    await running.stop(0.1)


@pytest.fixture(scope="module")
async def stub(service):
    async with grpc.aio.insecure_channel(service.address) as channel:
        yield passes_pb2_grpc.PassesServiceStub(channel)


@pytest.fixture(scope="module")
async def db(database_url):
    database = Database(database_url, pool_size=25)
    yield database
    await database.close()


async def grant(stub, *, credits=10) -> passes_pb2.Entitlement:
    """A fresh company, product and customer; returns the entitlement."""
    product = (
        await stub.CreatePassProduct(
            passes_pb2.CreatePassProductRequest(
                request_id=str(uuid.uuid4()),
                company_id=str(uuid.uuid4()),
                name="Pass",
                credits=credits,
                validity_days=30,
                price=money_pb2.Money(amount_minor=5000, currency_code="EUR"),
            )
        )
    ).product
    return (
        await stub.GrantPass(
            passes_pb2.GrantPassRequest(
                request_id=str(uuid.uuid4()), product_id=product.id, customer_id=str(uuid.uuid4())
            )
        )
    ).entitlement


def command(entitlement, action=EXECUTE, *, saga_id=None, booking_id=None, credits=1, attempt=1, **overrides):
    fields = dict(
        saga_id=saga_id or str(uuid.uuid4()),
        step="passes",
        action=action,
        attempt=attempt,
        booking_id=booking_id or str(uuid.uuid4()),
        company_id=entitlement.company_id,
        customer_id=entitlement.customer_id,
        amount=money_pb2.Money(amount_minor=1500, currency_code="EUR"),
        entitlement_id=entitlement.id,
        credits=credits,
        # A place in a session, as every command bookings sends for a pass.
        session_id=str(uuid.uuid4()),
    )
    fields.update(overrides)
    return saga_pb2.StepCommand(**fields)


def next_command(previous, action, **overrides):
    """The orchestrator's next command of the same saga and booking."""
    cmd = saga_pb2.StepCommand()
    cmd.CopyFrom(previous)
    cmd.action = action
    for name, value in overrides.items():
        setattr(cmd, name, value)
    return cmd


async def step(db, cmd) -> saga_pb2.StepReply:
    async with db.transaction() as conn:
        return await handle_step_command(conn, cmd)


async def credits_of(stub, entitlement) -> tuple[int, int, int]:
    got = (
        await stub.GetEntitlement(passes_pb2.GetEntitlementRequest(entitlement_id=entitlement.id))
    ).entitlement
    return got.credits_total, got.credits_used, got.credits_held


async def hold_state(db, saga_id) -> str | None:
    async with db.transaction() as conn:
        return (
            await conn.execute(
                select(credit_holds.c.state).where(credit_holds.c.saga_id == uuid.UUID(saga_id))
            )
        ).scalar()


async def test_execute_holds_the_credits_and_replies_the_amount_and_hold_id(db, stub):
    entitlement = await grant(stub, credits=5)
    cmd = command(entitlement, credits=2, attempt=3)
    reply = await step(db, cmd)
    assert reply.outcome == SUCCEEDED
    assert (reply.saga_id, reply.step, reply.action, reply.attempt) == (cmd.saga_id, "passes", EXECUTE, 3)
    assert (reply.amount.amount_minor, reply.amount.currency_code) == (1500, "EUR")
    assert uuid.UUID(reply.reference)
    assert await credits_of(stub, entitlement) == (5, 0, 2)
    assert await hold_state(db, cmd.saga_id) == "HELD"


async def test_many_concurrent_holds_on_a_nearly_used_pass_get_exactly_the_credits_left(db, stub):
    entitlement = await grant(stub, credits=10)
    first = command(entitlement, credits=7)
    assert (await step(db, first)).outcome == SUCCEEDED
    assert (await step(db, next_command(first, FINALIZE))).outcome == SUCCEEDED

    replies = await asyncio.gather(*(step(db, command(entitlement)) for _ in range(20)))

    outcomes = [reply.outcome for reply in replies]
    assert outcomes.count(SUCCEEDED) == 3
    assert {reply.reason for reply in replies if reply.outcome == FAILED} == {"PASS_EXHAUSTED"}
    assert await credits_of(stub, entitlement) == (10, 7, 3)
    async with db.transaction() as conn:
        holds = (
            await conn.execute(
                select(credit_holds.c.state, credit_holds.c.credits).where(
                    credit_holds.c.entitlement_id == uuid.UUID(entitlement.id)
                )
            )
        ).all()
    assert sorted(holds) == [("CONSUMED", 7), ("HELD", 1), ("HELD", 1), ("HELD", 1)]


async def test_hold_consume_and_refund_keep_the_credits_in_balance(db, stub):
    entitlement = await grant(stub, credits=4)
    booking = str(uuid.uuid4())
    execute = command(entitlement, booking_id=booking, credits=3)
    hold = await step(db, execute)
    assert hold.outcome == SUCCEEDED
    assert await credits_of(stub, entitlement) == (4, 0, 3)

    finalize = await step(db, next_command(execute, FINALIZE))
    assert (finalize.outcome, finalize.reference) == (SUCCEEDED, hold.reference)
    assert await credits_of(stub, entitlement) == (4, 3, 0)
    assert await hold_state(db, execute.saga_id) == "CONSUMED"

    # The cancellation saga gives back 2 credits, then another one asks for more than is left.
    partial = command(entitlement, REFUND, booking_id=booking, credits=2, entitlement_id="")
    refund = await step(db, partial)
    assert (refund.outcome, refund.reference) == (SUCCEEDED, hold.reference)
    assert await credits_of(stub, entitlement) == (4, 1, 0)
    assert await hold_state(db, execute.saga_id) == "CONSUMED"
    assert (await step(db, partial)).outcome == SUCCEEDED  # re-sent: keyed by (saga, REFUND)
    assert await credits_of(stub, entitlement) == (4, 1, 0)

    rest = await step(db, command(entitlement, REFUND, booking_id=booking, credits=5))
    assert rest.outcome == SUCCEEDED
    assert await credits_of(stub, entitlement) == (4, 0, 0)
    assert await hold_state(db, execute.saga_id) == "RETURNED"

    nothing_left = await step(db, command(entitlement, REFUND, booking_id=booking, credits=1))
    assert (nothing_left.outcome, nothing_left.reference) == (SUCCEEDED, "")
    assert await credits_of(stub, entitlement) == (4, 0, 0)

    # The returned credits can be held again.
    assert (await step(db, command(entitlement, credits=4))).outcome == SUCCEEDED


async def test_a_pass_holds_no_credit_for_a_stay_or_a_rental_and_still_refunds_one_paid_before(db, stub):
    entitlement = await grant(stub, credits=5)
    # A stay or a rental names its resource and no session: a credit is a place, not a night.
    stay = command(entitlement, credits=1, session_id="", resource_id=str(uuid.uuid4()))
    refused = await step(db, stay)
    assert (refused.outcome, refused.reason) == (FAILED, "PASS_NOT_VALID_FOR_BOOKING_MODEL")
    assert await credits_of(stub, entitlement) == (5, 0, 0)
    assert await hold_state(db, stay.saga_id) is None
    again = await step(db, next_command(stay, EXECUTE, attempt=2))
    assert (again.outcome, again.reason) == (FAILED, "PASS_NOT_VALID_FOR_BOOKING_MODEL")
    assert (await step(db, next_command(stay, COMPENSATE))).outcome == SUCCEEDED

    # A stay paid with the pass before (its hold consumed) is still cancelled with its credit
    # back: REFUND, FINALIZE and COMPENSATE name no session either.
    booking = str(uuid.uuid4())
    before = command(entitlement, booking_id=booking, credits=1)
    assert (await step(db, before)).outcome == SUCCEEDED
    consumed = await step(db, next_command(before, FINALIZE, session_id=""))
    assert consumed.outcome == SUCCEEDED
    assert await credits_of(stub, entitlement) == (5, 1, 0)
    refund = command(entitlement, REFUND, booking_id=booking, credits=1, session_id="")
    assert (await step(db, refund)).outcome == SUCCEEDED
    assert await credits_of(stub, entitlement) == (5, 0, 0)


async def test_a_refund_only_returns_credits_of_its_own_booking(db, stub):
    entitlement = await grant(stub, credits=4)
    mine, other = command(entitlement, credits=1), command(entitlement, credits=2)
    for cmd in (mine, other):
        await step(db, cmd)
        await step(db, next_command(cmd, FINALIZE))
    await step(db, command(entitlement, REFUND, booking_id=mine.booking_id, credits=3))
    assert await credits_of(stub, entitlement) == (4, 2, 0)


async def test_compensate_releases_the_hold_and_a_repeat_is_a_no_op(db, stub):
    entitlement = await grant(stub, credits=3)
    execute = command(entitlement, credits=2)
    hold = await step(db, execute)
    compensate = next_command(execute, COMPENSATE)

    first = await step(db, compensate)
    again = await step(db, next_command(compensate, COMPENSATE, attempt=2))

    assert (first.outcome, first.reference) == (SUCCEEDED, hold.reference)
    assert (again.outcome, again.reference, again.attempt) == (SUCCEEDED, hold.reference, 2)
    assert await credits_of(stub, entitlement) == (3, 0, 0)
    assert await hold_state(db, execute.saga_id) == "RELEASED"


async def test_an_execute_re_sent_after_compensation_is_refused_as_already_compensated(db, stub):
    entitlement = await grant(stub, credits=3)
    execute = command(entitlement)
    await step(db, execute)
    await step(db, next_command(execute, COMPENSATE))
    late = await step(db, next_command(execute, EXECUTE, attempt=2))
    assert (late.outcome, late.reason) == (FAILED, "ALREADY_COMPENSATED")
    assert await credits_of(stub, entitlement) == (3, 0, 0)


async def test_a_compensate_before_any_execute_leaves_a_tombstone_that_refuses_the_late_execute(db, stub):
    entitlement = await grant(stub, credits=3)
    execute = command(entitlement)

    compensated = await step(db, next_command(execute, COMPENSATE))
    assert compensated.outcome == SUCCEEDED
    assert await hold_state(db, execute.saga_id) == "TOMBSTONE"

    late = await step(db, execute)
    assert (late.outcome, late.reason) == (FAILED, "ALREADY_COMPENSATED")
    assert await credits_of(stub, entitlement) == (3, 0, 0)
    assert (await step(db, next_command(execute, COMPENSATE, attempt=2))).outcome == SUCCEEDED


async def test_an_execute_and_a_compensate_racing_end_with_nothing_held(db, stub):
    entitlement = await grant(stub, credits=50)
    sagas = [command(entitlement) for _ in range(10)]
    replies = await asyncio.gather(
        *(step(db, cmd) for cmd in sagas), *(step(db, next_command(cmd, COMPENSATE)) for cmd in sagas)
    )
    assert all(reply.outcome == SUCCEEDED or reply.reason == "ALREADY_COMPENSATED" for reply in replies)
    assert await credits_of(stub, entitlement) == (50, 0, 0)
    for cmd in sagas:
        assert await hold_state(db, cmd.saga_id) in ("RELEASED", "TOMBSTONE")


async def test_a_re_sent_execute_replays_the_recorded_decision_without_holding_again(db, stub):
    entitlement = await grant(stub, credits=2)
    execute = command(entitlement, credits=2)
    first = await step(db, execute)
    again = await step(db, next_command(execute, EXECUTE, attempt=2))
    assert (again.outcome, again.reference, again.amount.amount_minor) == (SUCCEEDED, first.reference, 1500)
    assert again.attempt == 2
    assert await credits_of(stub, entitlement) == (2, 0, 2)

    refused = command(entitlement)
    assert (await step(db, refused)).reason == "PASS_EXHAUSTED"
    await step(db, next_command(execute, COMPENSATE))  # credits free again...
    replay = await step(db, next_command(refused, EXECUTE, attempt=2))
    assert (replay.outcome, replay.reason) == (FAILED, "PASS_EXHAUSTED")  # ...but the decision stands
    assert await credits_of(stub, entitlement) == (2, 0, 0)


async def test_finalize_repeated_consumes_once(db, stub):
    entitlement = await grant(stub, credits=3)
    execute = command(entitlement, credits=2)
    await step(db, execute)
    finalize = next_command(execute, FINALIZE)
    assert (await step(db, finalize)).outcome == SUCCEEDED
    assert (await step(db, next_command(finalize, FINALIZE, attempt=2))).outcome == SUCCEEDED
    assert await credits_of(stub, entitlement) == (3, 2, 0)


async def test_finalize_without_a_live_hold_fails_and_compensate_after_finalize_fails(db, stub):
    entitlement = await grant(stub, credits=3)
    no_hold = await step(db, command(entitlement, FINALIZE))
    assert (no_hold.outcome, no_hold.reason) == (FAILED, "HOLD_NOT_FOUND")

    released = command(entitlement)
    await step(db, released)
    await step(db, next_command(released, COMPENSATE))
    late = await step(db, next_command(released, FINALIZE))
    assert (late.outcome, late.reason) == (FAILED, "ALREADY_COMPENSATED")

    consumed = command(entitlement)
    await step(db, consumed)
    await step(db, next_command(consumed, FINALIZE))
    undo = await step(db, next_command(consumed, COMPENSATE))
    assert (undo.outcome, undo.reason) == (FAILED, "ALREADY_FINALIZED")
    assert await credits_of(stub, entitlement) == (3, 1, 0)


async def test_an_execute_on_someone_elses_or_an_unknown_pass_is_refused_as_not_found(db, stub):
    entitlement = await grant(stub)
    for overrides in (
        {"customer_id": str(uuid.uuid4())},
        {"company_id": str(uuid.uuid4())},
        {"entitlement_id": str(uuid.uuid4())},
        {"entitlement_id": "not-a-uuid"},
    ):
        reply = await step(db, command(entitlement, **overrides))
        assert (reply.outcome, reply.reason) == (FAILED, "PASS_NOT_FOUND"), overrides
        assert reply.amount.amount_minor == 0
    assert await credits_of(stub, entitlement) == (10, 0, 0)


async def test_an_execute_on_an_expired_pass_is_refused_as_expired(db, stub):
    entitlement = await grant(stub)
    async with db.transaction() as conn:
        await conn.execute(
            text(
                "UPDATE passes.entitlements SET valid_from = now() - interval '31 days',"
                " valid_until = now() - interval '1 day' WHERE id = :id"
            ),
            {"id": entitlement.id},
        )
    reply = await step(db, command(entitlement))
    assert (reply.outcome, reply.reason) == (FAILED, "PASS_EXPIRED")
    assert await credits_of(stub, entitlement) == (10, 0, 0)


async def test_an_execute_of_more_credits_than_the_pass_has_is_exhausted(db, stub):
    entitlement = await grant(stub, credits=2)
    reply = await step(db, command(entitlement, credits=3))
    assert (reply.outcome, reply.reason) == (FAILED, "PASS_EXHAUSTED")
    invalid = await step(db, command(entitlement, credits=0))
    assert (invalid.outcome, invalid.reason) == (FAILED, "INVALID_CREDITS")


async def test_a_command_without_a_saga_id_is_refused_as_invalid(db, stub):
    entitlement = await grant(stub)
    reply = await step(db, command(entitlement, saga_id="", booking_id="b-1"))
    assert (reply.outcome, reply.reason) == (FAILED, "INVALID_COMMAND")


async def test_a_step_command_on_nats_is_answered_on_the_reply_subject(service, db, stub, nats_url):
    entitlement = await grant(stub, credits=2)
    nc = await connect(nats_url, "passes-test")
    try:
        js = nc.jetstream()
        durable = f"passes-test-{uuid.uuid4().hex[:8]}"
        replies = await js.pull_subscribe(
            "saga.reply.bookings",
            durable=durable,
            stream=SAGA_STREAM,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.NEW),
        )
        cmd = command(entitlement, credits=2)
        await js.publish(
            "saga.cmd.passes", cmd.SerializeToString(), headers={"Nats-Msg-Id": str(uuid.uuid4())}
        )

        reply = await next_reply(replies, cmd.saga_id)

        assert (reply.outcome, reply.action, reply.step) == (SUCCEEDED, EXECUTE, "passes")
        assert reply.amount.amount_minor == 1500
        assert await credits_of(stub, entitlement) == (2, 0, 2)
        async with db.transaction() as conn:
            hold = (
                await conn.execute(
                    select(credit_holds).where(credit_holds.c.id == uuid.UUID(reply.reference))
                )
            ).one()
        assert (str(hold.saga_id), hold.state, hold.credits) == (cmd.saga_id, "HELD", 2)
        await js.delete_consumer(SAGA_STREAM, durable)
    finally:
        await nc.close()


async def next_reply(subscription, saga_id, timeout=EVENTUALLY_TIMEOUT) -> saga_pb2.StepReply:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        try:
            messages = await subscription.fetch(10, timeout=1.0)
        except TimeoutError:
            continue
        for msg in messages:
            await msg.ack()
            reply = saga_pb2.StepReply.FromString(msg.data)
            if reply.saga_id == saga_id:
                return reply
    raise AssertionError(f"no reply for saga {saga_id}")


async def limited_to(stub, entitlement, resource_ids: list[str]) -> None:
    """Limits the entitlement's product to `resource_ids` (no catalog here: passes alone)."""
    product = (
        await stub.GetPassProduct(passes_pb2.GetPassProductRequest(product_id=entitlement.product_id))
    ).product
    change = passes_pb2.UpdatePassProductRequest(
        request_id=str(uuid.uuid4()),
        product=passes_pb2.PassProduct(id=product.id, etag=product.etag, resource_ids=resource_ids),
    )
    change.update_mask.paths.append("resource_ids")
    await stub.UpdatePassProduct(change)


async def test_a_pass_limited_to_some_resources_covers_a_booking_of_one_of_them_only(db, stub):
    gym = str(uuid.uuid4())
    entitlement = await grant(stub, credits=5)
    await limited_to(stub, entitlement, [gym])

    elsewhere = command(entitlement, resource_id=str(uuid.uuid4()))
    refused = await step(db, elsewhere)
    assert (refused.outcome, refused.reason) == (FAILED, "PASS_NOT_VALID_FOR_RESOURCE")
    assert (
        await credits_of(stub, entitlement) == (5, 0, 0) and await hold_state(db, elsewhere.saga_id) is None
    )
    again = await step(db, next_command(elsewhere, EXECUTE, attempt=2))  # a re-sent command: same answer
    assert (again.outcome, again.reason) == (FAILED, "PASS_NOT_VALID_FOR_RESOURCE")
    # A command without the booked resource (an orchestrator that does not send it) is refused too.
    unnamed = await step(db, command(entitlement))
    assert (unnamed.outcome, unnamed.reason) == (FAILED, "PASS_NOT_VALID_FOR_RESOURCE")
    # The compensation of a refused EXECUTE finds nothing to undo.
    assert (await step(db, next_command(elsewhere, COMPENSATE))).outcome == SUCCEEDED

    covered = await step(db, command(entitlement, credits=2, resource_id=gym))
    assert covered.outcome == SUCCEEDED
    assert await credits_of(stub, entitlement) == (5, 0, 2)
    # A product for every resource (the default) covers any.
    anywhere = await grant(stub, credits=1)
    assert (await step(db, command(anywhere, resource_id=str(uuid.uuid4())))).outcome == SUCCEEDED
