"""The one-statement saga writes of passes on real PostgreSQL: a claim with its hold
(`claim_and_hold`), with its move of the hold (`claim_and_move_hold`) or with a refusal
(`claim_with_decision`); their refusals and redeliveries, and the statements a step sends."""

import asyncio
import uuid

import pytest
from sqlalchemy import func, select, text

from bookingplatform.common.v1 import money_pb2
from bookingplatform.saga.v1 import saga_pb2
from passes.adapters import repository
from passes.adapters.tables import credit_holds, entitlements, saga_operations
from passes.domain import reasons
from passes.domain.commands import CreatePassProduct, GrantPass
from passes.domain.model import Decision, Entitlement, HoldState, Outcome
from passes.entrypoints.saga import handle_step_command
from plumbing.db import Database
from plumbing.saga_protocol import StepAction
from plumbing.testing import StatementRecorder

pytestmark = pytest.mark.integration

EXECUTE, FINALIZE = StepAction.EXECUTE, StepAction.FINALIZE
COMPENSATE = StepAction.COMPENSATE


@pytest.fixture(scope="module")
async def db(database_url):
    database = Database(database_url, pool_size=5)
    yield database
    await database.close()


async def a_pass(db, *, credits=5) -> Entitlement:
    """A fresh company's product granted to a fresh customer."""
    async with db.transaction() as conn:
        product = await repository.insert_product(
            conn,
            uuid.uuid4(),
            CreatePassProduct.parse(
                request_id=str(uuid.uuid4()),
                company_id=str(uuid.uuid4()),
                name="Pass",
                credits=credits,
                validity_days=30,
                price_minor=5000,
                currency="EUR",
            ),
        )
        assert product is not None
        granted = await repository.grant(
            conn,
            uuid.uuid4(),
            GrantPass.parse(
                request_id=str(uuid.uuid4()), product_id=str(product.id), customer_id=str(uuid.uuid4())
            ),
        )
    assert granted is not None
    return granted


async def claim_and_hold(db, entitlement, *, saga_id=None, credits=2, **overrides):
    """Runs `claim_and_hold` in a transaction of its own; (result, hold id, saga id)."""
    hold_id, saga_id = uuid.uuid4(), saga_id or uuid.uuid4()
    fields = dict(
        saga_id=saga_id,
        booking_id=uuid.uuid4(),
        hold_id=hold_id,
        entitlement_id=entitlement.id,
        customer_id=entitlement.customer_id,
        company_id=entitlement.company_id,
        credits=credits,
        success=Decision.success(amount_minor=1500, reference=str(hold_id), credits=credits),
    )
    fields.update(overrides)
    async with db.transaction() as conn:
        return await repository.claim_and_hold(conn, **fields), hold_id, saga_id


async def move(db, saga_id, action, to):
    async with db.transaction() as conn:
        return await repository.claim_and_move_hold(
            conn, saga_id=saga_id, action=action, booking_id=uuid.uuid4(), amount_minor=1500, to=to
        )


async def credits_of(db, entitlement) -> tuple[int, int]:
    async with db.transaction() as conn:
        row = (
            await conn.execute(
                select(entitlements.c.credits_used, entitlements.c.credits_held).where(
                    entitlements.c.id == entitlement.id
                )
            )
        ).one()
    return row.credits_used, row.credits_held


async def holds_of(db, saga_id) -> list[tuple[uuid.UUID, str, int]]:
    async with db.transaction() as conn:
        rows = await conn.execute(
            select(credit_holds.c.id, credit_holds.c.state, credit_holds.c.credits).where(
                credit_holds.c.saga_id == saga_id
            )
        )
        return [tuple(row) for row in rows]


async def recorded(db, saga_id, action) -> Decision:
    async with db.transaction() as conn:
        return await repository.recorded_decision(conn, saga_id, action)


async def operations_of(db, saga_id) -> int:
    async with db.transaction() as conn:
        return await conn.scalar(
            select(func.count()).select_from(saga_operations).where(saga_operations.c.saga_id == saga_id)
        )


# --- claim_and_hold ---------------------------------------------------------------------


async def test_claim_and_hold_records_the_success_the_hold_row_and_the_credits_at_once(db):
    entitlement = await a_pass(db, credits=5)
    claimed, hold_id, saga_id = await claim_and_hold(db, entitlement, credits=2)
    assert claimed == repository.ClaimedHold(inserted=True, held=True)
    assert await holds_of(db, saga_id) == [(hold_id, "HELD", 2)]
    assert await credits_of(db, entitlement) == (0, 2)
    assert await recorded(db, saga_id, EXECUTE) == Decision.success(
        amount_minor=1500, reference=str(hold_id), credits=2
    )


async def test_claim_and_hold_redelivered_writes_nothing_and_answers_none(db):
    entitlement = await a_pass(db, credits=5)
    _, hold_id, saga_id = await claim_and_hold(db, entitlement, credits=2)
    again, _, _ = await claim_and_hold(db, entitlement, saga_id=saga_id, credits=2)
    assert again is None
    assert await holds_of(db, saga_id) == [(hold_id, "HELD", 2)]
    assert await credits_of(db, entitlement) == (0, 2)
    assert (await recorded(db, saga_id, EXECUTE)).reference == str(hold_id)
    assert await operations_of(db, saga_id) == 1


async def test_claim_and_hold_of_more_than_is_left_writes_the_row_but_holds_nothing(db):
    entitlement = await a_pass(db, credits=2)
    claimed, _, saga_id = await claim_and_hold(db, entitlement, credits=3)
    assert claimed == repository.ClaimedHold(inserted=True, held=False)
    assert await credits_of(db, entitlement) == (0, 0)
    # The claim reads the success it was written with until the caller records the refusal.
    assert (await recorded(db, saga_id, EXECUTE)).outcome is Outcome.SUCCEEDED


async def test_claim_and_hold_on_an_expired_pass_holds_nothing(db):
    entitlement = await a_pass(db)
    async with db.transaction() as conn:
        await conn.execute(
            text(
                "UPDATE passes.entitlements SET valid_from = now() - interval '31 days',"
                " valid_until = now() - interval '1 day' WHERE id = :id"
            ),
            {"id": entitlement.id},
        )
    claimed, _, _ = await claim_and_hold(db, entitlement, credits=1)
    assert claimed == repository.ClaimedHold(inserted=True, held=False)
    assert await credits_of(db, entitlement) == (0, 0)


@pytest.mark.parametrize("field", ["customer_id", "company_id", "entitlement_id"])
async def test_claim_and_hold_on_another_customers_company_or_an_unknown_pass_writes_no_hold(db, field):
    entitlement = await a_pass(db)
    claimed, _, saga_id = await claim_and_hold(db, entitlement, **{field: uuid.uuid4()})
    assert claimed == repository.ClaimedHold(inserted=False, held=False)
    assert await holds_of(db, saga_id) == []
    assert await credits_of(db, entitlement) == (0, 0)


async def test_claim_and_hold_after_a_tombstone_writes_no_hold(db):
    entitlement = await a_pass(db)
    saga_id, tombstone_id = uuid.uuid4(), uuid.uuid4()
    async with db.transaction() as conn:
        booking_id = uuid.uuid4()
        await repository.insert_tombstone(conn, hold_id=tombstone_id, saga_id=saga_id, booking_id=booking_id)
    claimed, _, _ = await claim_and_hold(db, entitlement, saga_id=saga_id)
    assert claimed == repository.ClaimedHold(inserted=False, held=False)
    assert await holds_of(db, saga_id) == [(tombstone_id, "TOMBSTONE", 0)]
    assert await credits_of(db, entitlement) == (0, 0)


# --- claim_and_move_hold ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "to", "credits_after"),
    [(FINALIZE, HoldState.CONSUMED, (2, 0)), (COMPENSATE, HoldState.RELEASED, (0, 0))],
)
async def test_claim_and_move_hold_records_the_success_and_moves_the_credits(db, action, to, credits_after):
    entitlement = await a_pass(db, credits=5)
    _, hold_id, saga_id = await claim_and_hold(db, entitlement, credits=2)

    claimed = await move(db, saga_id, action, to)

    assert claimed is not None and claimed.hold is not None
    success = Decision.success(amount_minor=1500, reference=str(hold_id), credits=2)
    assert (claimed.recorded, claimed.hold.id, claimed.hold.state) == (success, hold_id, to)
    assert await recorded(db, saga_id, action) == success
    assert await holds_of(db, saga_id) == [(hold_id, to.value, 2)]
    assert await credits_of(db, entitlement) == credits_after

    # Redelivered: nothing more moves, the decision stands.
    assert await move(db, saga_id, action, to) is None
    assert await credits_of(db, entitlement) == credits_after
    assert await recorded(db, saga_id, action) == success


async def test_claim_and_move_hold_without_a_hold_claims_and_moves_nothing(db):
    saga_id = uuid.uuid4()
    claimed = await move(db, saga_id, FINALIZE, HoldState.CONSUMED)
    assert claimed == repository.ClaimedMove(recorded=Decision.success(amount_minor=1500), hold=None)
    assert await holds_of(db, saga_id) == []
    assert await move(db, saga_id, FINALIZE, HoldState.CONSUMED) is None


async def test_claim_and_move_hold_of_a_released_hold_moves_nothing(db):
    entitlement = await a_pass(db, credits=5)
    _, hold_id, saga_id = await claim_and_hold(db, entitlement, credits=2)
    await move(db, saga_id, COMPENSATE, HoldState.RELEASED)

    late = await move(db, saga_id, FINALIZE, HoldState.CONSUMED)

    assert late is not None and late.hold is None
    assert late.recorded.reference == str(hold_id)  # named, for the caller to record what it decides
    assert await holds_of(db, saga_id) == [(hold_id, "RELEASED", 2)]
    assert await credits_of(db, entitlement) == (0, 0)


# --- claim_with_decision, customer_entitlement_now --------------------------------------


async def test_claim_with_decision_claims_once_with_its_decision(db):
    saga_id, booking_id = uuid.uuid4(), uuid.uuid4()
    refused = Decision.failure(reasons.INVALID_CREDITS)
    async with db.transaction() as conn:
        assert await repository.claim_with_decision(conn, saga_id, EXECUTE, booking_id, refused)
    async with db.transaction() as conn:
        other = Decision.failure(reasons.PASS_NOT_FOUND)
        assert not await repository.claim_with_decision(conn, saga_id, EXECUTE, booking_id, other)
    assert await recorded(db, saga_id, EXECUTE) == refused


async def test_customer_entitlement_now_reads_the_customers_pass_beside_the_clock(db):
    entitlement = await a_pass(db)
    async with db.transaction() as conn:
        clock = await conn.scalar(text("SELECT now()"))
        found, now = await repository.customer_entitlement_now(
            conn, entitlement.id, entitlement.customer_id, entitlement.company_id
        )
        other, _ = await repository.customer_entitlement_now(
            conn, entitlement.id, uuid.uuid4(), entitlement.company_id
        )
    assert found == entitlement
    assert now == clock
    assert other is None


# --- the steps' statements --------------------------------------------------------------


def step_command(entitlement, action, saga_id, booking_id, credits=1) -> saga_pb2.StepCommand:
    return saga_pb2.StepCommand(
        saga_id=str(saga_id),
        step="passes",
        action=action,
        attempt=1,
        booking_id=str(booking_id),
        company_id=str(entitlement.company_id),
        customer_id=str(entitlement.customer_id),
        amount=money_pb2.Money(amount_minor=1500, currency_code="EUR"),
        entitlement_id=str(entitlement.id),
        credits=credits,
        session_id=str(uuid.uuid4()),
    )


async def step(db, cmd) -> saga_pb2.StepReply:
    async with db.transaction() as conn:
        return await handle_step_command(conn, cmd)


@pytest.mark.parametrize("last", [saga_pb2.STEP_ACTION_FINALIZE, saga_pb2.STEP_ACTION_COMPENSATE])
async def test_a_hold_and_its_finalize_or_compensate_are_one_statement_each(db, last):
    entitlement = await a_pass(db, credits=3)
    saga_id, booking_id = uuid.uuid4(), uuid.uuid4()
    with StatementRecorder(db) as held:
        execute = await step(db, step_command(entitlement, saga_pb2.STEP_ACTION_EXECUTE, saga_id, booking_id))
    with StatementRecorder(db) as settled:
        done = await step(db, step_command(entitlement, last, saga_id, booking_id))
    assert (execute.outcome, done.outcome) == (saga_pb2.STEP_OUTCOME_SUCCEEDED,) * 2
    assert done.reference == execute.reference
    assert (len(held.seen), len(settled.seen)) == (1, 1)
    assert await credits_of(db, entitlement) == ((1, 0) if last == saga_pb2.STEP_ACTION_FINALIZE else (0, 0))


@pytest.mark.parametrize(
    ("action", "credits", "reason"),
    [
        (saga_pb2.STEP_ACTION_EXECUTE, 4, "PASS_EXHAUSTED"),
        (saga_pb2.STEP_ACTION_EXECUTE, 0, "INVALID_CREDITS"),
        (saga_pb2.STEP_ACTION_FINALIZE, 1, "HOLD_NOT_FOUND"),
    ],
)
async def test_a_refused_step_records_its_refusal_over_the_claim_and_replays_it(db, action, credits, reason):
    entitlement = await a_pass(db, credits=3)
    saga_id = uuid.uuid4()
    cmd = step_command(entitlement, action, saga_id, uuid.uuid4(), credits=credits)
    first, again = await step(db, cmd), await step(db, cmd)
    for reply in (first, again):
        assert (reply.outcome, reply.reason, reply.amount.amount_minor, reply.reference) == (
            saga_pb2.STEP_OUTCOME_FAILED,
            reason,
            0,
            "",
        )
    step_action = EXECUTE if action == saga_pb2.STEP_ACTION_EXECUTE else FINALIZE
    assert await recorded(db, saga_id, step_action) == Decision.failure(reason)
    assert await holds_of(db, saga_id) == []
    assert await credits_of(db, entitlement) == (0, 0)


async def test_a_finalize_whose_claim_waited_while_the_hold_committed_still_consumes_it(db):
    """The claim's statement sees the holds as they were when it began: a FINALIZE that waits
    there on a twin's claim (rolled back) while the EXECUTE's hold commits consumes the hold
    with the statement after it, and records what it did."""
    entitlement = await a_pass(db, credits=3)
    saga_id, booking_id = uuid.uuid4(), uuid.uuid4()
    async with db.engine.connect() as twin, db.engine.connect() as execute:
        twin_tx, execute_tx = await twin.begin(), await execute.begin()
        await repository.claim_with_decision(
            twin, saga_id, FINALIZE, booking_id, Decision.failure(reasons.HOLD_NOT_FOUND)
        )
        hold_id = uuid.uuid4()
        held = await repository.claim_and_hold(
            execute,
            saga_id=saga_id,
            booking_id=booking_id,
            hold_id=hold_id,
            entitlement_id=entitlement.id,
            customer_id=entitlement.customer_id,
            company_id=entitlement.company_id,
            credits=2,
            success=Decision.success(amount_minor=1500, reference=str(hold_id), credits=2),
        )
        assert held == repository.ClaimedHold(inserted=True, held=True)
        finalize = asyncio.create_task(
            step(db, step_command(entitlement, saga_pb2.STEP_ACTION_FINALIZE, saga_id, booking_id))
        )
        await waiting_on_a_lock(db, "WITH claim AS")
        await execute_tx.commit()
        await twin_tx.rollback()
        reply = await asyncio.wait_for(finalize, 10)
    assert (reply.outcome, reply.reference) == (saga_pb2.STEP_OUTCOME_SUCCEEDED, str(hold_id))
    assert await holds_of(db, saga_id) == [(hold_id, "CONSUMED", 2)]
    assert await credits_of(db, entitlement) == (2, 0)
    assert await recorded(db, saga_id, FINALIZE) == Decision.success(
        amount_minor=1500, reference=str(hold_id), credits=2
    )


async def waiting_on_a_lock(db, query_start: str) -> None:
    for _ in range(200):
        async with db.transaction() as conn:
            waiting = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND position(:start IN ltrim(query, E' \\n')) = 1"
                ),
                {"start": query_start},
            )
        if waiting:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no statement {query_start!r} waits on a lock")
