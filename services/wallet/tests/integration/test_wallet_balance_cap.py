"""A customer balance never passes 10^15 minor units: the database judges (a conditional credit,
a CHECK behind it), a top-up past the cap is INVALID_ARGUMENT AMOUNT_TOO_LARGE and a refund past
it is refused without a trace, so the orchestrator's re-send can succeed later."""

import uuid

import grpc
import pytest
import sqlalchemy.exc
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from sqlalchemy import text

from bookingplatform.common.v1 import money_pb2
from bookingplatform.saga.v1 import saga_pb2
from bookingplatform.wallet.v1 import wallet_pb2
from plumbing.grpc_server import error_reason
from wallet.domain.validation import MAX_BALANCE_MINOR

pytestmark = pytest.mark.integration

EXECUTE = saga_pb2.STEP_ACTION_EXECUTE
REFUND = saga_pb2.STEP_ACTION_REFUND


def top_up_request(company_id, customer_id, amount, *, kind=wallet_pb2.BALANCE_KIND_MAIN):
    return wallet_pb2.TopUpWalletRequest(
        request_id=str(uuid.uuid4()),
        company_id=company_id,
        customer_id=customer_id,
        amount=money_pb2.Money(amount_minor=amount, currency_code="EUR"),
        balance_kind=kind,
    )


def violated_fields(error: grpc.aio.AioRpcError) -> list[str]:
    status = rpc_status.from_call(error)
    assert status is not None
    found = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            found.extend(v.field for v in bad_request.field_violations)
    return found


async def raise_main_balance_to(db, company_id: str, customer_id: str, target: int) -> None:
    """Test set-up: brings the MAIN balance to `target` with one balanced ledger transaction
    (a top-up beyond the per-request bound, which thousands of RPCs would otherwise take)."""
    async with db.transaction() as conn:
        account_id, balance = (
            await conn.execute(
                text(
                    "SELECT id, balance FROM wallet.accounts"
                    " WHERE company_id = :company AND customer_id = :customer AND kind = 'MAIN'"
                ),
                {"company": company_id, "customer": customer_id},
            )
        ).one()
        funding = (
            await conn.execute(
                text("SELECT id FROM wallet.accounts WHERE company_id = :company AND kind = 'FUNDING'"),
                {"company": company_id},
            )
        ).scalar_one()
        delta = target - int(balance)
        transaction_id = str(uuid.uuid4())
        await conn.execute(
            text(
                "INSERT INTO wallet.ledger_transactions (id, company_id, kind, business_key)"
                " VALUES (:id, :company, 'TOP_UP', :key)"
            ),
            {"id": transaction_id, "company": company_id, "key": f"test-setup:{transaction_id}"},
        )
        await conn.execute(
            text(
                "INSERT INTO wallet.ledger_entries (transaction_id, account_id, amount)"
                " VALUES (:txn, :account, :delta), (:txn, :funding, -:delta)"
            ),
            {"txn": transaction_id, "account": account_id, "funding": funding, "delta": delta},
        )
        await conn.execute(
            text("UPDATE wallet.accounts SET balance = :target WHERE id = :id"),
            {"target": target, "id": account_id},
        )


async def top_up_transactions(db, company_id: str) -> int:
    async with db.transaction() as conn:
        return int(
            (
                await conn.execute(
                    text(
                        "SELECT count(*) FROM wallet.ledger_transactions"
                        " WHERE company_id = :company AND business_key LIKE 'topup:%'"
                    ),
                    {"company": company_id},
                )
            ).scalar_one()
        )


async def test_a_top_up_past_the_balance_cap_is_amount_too_large_and_changes_nothing(
    db, wallet_stub, fund, wallet_of, company_id, customer_id
):
    await fund(company_id, customer_id, main=100)
    await raise_main_balance_to(db, company_id, customer_id, MAX_BALANCE_MINOR - 50)
    before = await top_up_transactions(db, company_id)

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await wallet_stub.TopUpWallet(top_up_request(company_id, customer_id, 51))

    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_reason(refused.value) == "AMOUNT_TOO_LARGE"
    assert violated_fields(refused.value) == ["amount.amount_minor"]
    assert (await wallet_of(company_id, customer_id)).main_balance == MAX_BALANCE_MINOR - 50
    assert await top_up_transactions(db, company_id) == before

    reply = await wallet_stub.TopUpWallet(top_up_request(company_id, customer_id, 50))  # exactly the cap
    assert reply.wallet.main_balance.amount_minor == MAX_BALANCE_MINOR
    # Another balance of the same customer has room of its own.
    bonus = await wallet_stub.TopUpWallet(
        top_up_request(company_id, customer_id, 51, kind=wallet_pb2.BALANCE_KIND_BONUS)
    )
    assert bonus.wallet.bonus_balance.amount_minor == 51


async def test_the_database_refuses_a_balance_above_the_cap(db, fund, company_id, customer_id):
    await fund(company_id, customer_id, main=100)
    with pytest.raises(sqlalchemy.exc.IntegrityError, match="ck_accounts_balance_within_cap"):
        async with db.transaction() as conn:
            await conn.execute(
                text(
                    "UPDATE wallet.accounts SET balance = :too_much"
                    " WHERE company_id = :company AND customer_id = :customer AND kind = 'MAIN'"
                ),
                {"too_much": MAX_BALANCE_MINOR + 1, "company": company_id, "customer": customer_id},
            )


async def test_a_refund_past_the_cap_is_refused_unrecorded_and_a_later_resend_gives_it_back(
    db, run_step, command, fund, wallet_of, company_id, customer_id
):
    await fund(company_id, customer_id, main=1000)
    booking_id = str(uuid.uuid4())
    debit = await run_step(
        command(EXECUTE, company_id=company_id, customer_id=customer_id, booking_id=booking_id, amount=500)
    )
    assert debit.outcome == saga_pb2.STEP_OUTCOME_SUCCEEDED
    await raise_main_balance_to(db, company_id, customer_id, MAX_BALANCE_MINOR - 100)
    refund = command(
        REFUND, company_id=company_id, customer_id=customer_id, booking_id=booking_id, amount=500
    )

    refused = await run_step(refund)

    assert (refused.outcome, refused.reason) == (saga_pb2.STEP_OUTCOME_FAILED, "AMOUNT_TOO_LARGE")
    assert (await wallet_of(company_id, customer_id)).main_balance == MAX_BALANCE_MINOR - 100
    async with db.transaction() as conn:
        recorded = (
            await conn.execute(
                text("SELECT count(*) FROM wallet.saga_operations WHERE saga_id = :saga"),
                {"saga": refund.saga_id},
            )
        ).scalar_one()
    assert recorded == 0  # neither the claim nor a decision: a re-send decides afresh

    spend = await run_step(command(EXECUTE, company_id=company_id, customer_id=customer_id, amount=1000))
    assert spend.outcome == saga_pb2.STEP_OUTCOME_SUCCEEDED
    given_back = await run_step(refund)
    assert (given_back.outcome, given_back.amount.amount_minor) == (saga_pb2.STEP_OUTCOME_SUCCEEDED, 500)
    assert (await wallet_of(company_id, customer_id)).main_balance == MAX_BALANCE_MINOR - 600
