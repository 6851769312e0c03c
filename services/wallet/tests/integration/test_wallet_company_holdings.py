"""GetCompanyHoldings on the real WalletService and PostgreSQL: whether any customer's wallet of a
company holds money, main or bonus, in whatever currency, as the catalog asks before the
company's currency changes. A saga's debit to zero and a desk debit to zero free it again;
another company's money does not count. A credit in flight (holding the company's currency lock
shared while it asks the catalog the currency) is waited for, and past the lock's timeout the
answer is UNAVAILABLE CREDITS_IN_FLIGHT, never a "nothing held" the credit could contradict."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import pytest
from sqlalchemy import text

from bookingplatform.common.v1 import money_pb2
from bookingplatform.saga.v1 import saga_pb2
from bookingplatform.wallet.v1 import wallet_pb2, wallet_pb2_grpc
from plumbing.customer_directory import CustomerDirectory
from plumbing.db import Database
from plumbing.grpc_server import error_reason
from plumbing.principal import Principal, Role
from plumbing.tenancy_testing import call_as
from wallet.adapters import repository
from wallet.domain.commands import TopUpWallet
from wallet.domain.model import BalanceKind
from wallet.service import handlers

pytestmark = pytest.mark.integration


async def _holds_money(stub: wallet_pb2_grpc.WalletServiceStub, company_id: str) -> bool:
    reply = await stub.GetCompanyHoldings(wallet_pb2.GetCompanyHoldingsRequest(company_id=company_id))
    assert reply.holdings.company_id == company_id
    return reply.holdings.holds_money


async def _debit(
    stub: wallet_pb2_grpc.WalletServiceStub,
    company_id: str,
    customer_id: str,
    amount: int,
    kind: wallet_pb2.BalanceKind.ValueType,
    currency: str = "EUR",
) -> None:
    await stub.DebitWallet(
        wallet_pb2.DebitWalletRequest(
            request_id=str(uuid.uuid4()),
            company_id=company_id,
            customer_id=customer_id,
            amount=money_pb2.Money(amount_minor=amount, currency_code=currency),
            balance_kind=kind,
            reason="paid back in cash",
        )
    )


async def test_a_company_without_wallets_holds_no_money(wallet_stub, company_id):
    assert await _holds_money(wallet_stub, company_id) is False


async def test_a_main_balance_holds_money_until_the_desk_takes_it_out(
    wallet_stub, fund, company_id, customer_id
):
    await fund(company_id, customer_id, main=2500)
    assert await _holds_money(wallet_stub, company_id) is True
    await _debit(wallet_stub, company_id, customer_id, 2500, wallet_pb2.BALANCE_KIND_MAIN)
    # The accounts are still there, at zero: nothing is held.
    assert await _holds_money(wallet_stub, company_id) is False


async def test_a_bonus_balance_alone_holds_money(wallet_stub, fund, company_id, customer_id):
    await fund(company_id, customer_id, bonus=1)
    assert await _holds_money(wallet_stub, company_id) is True


async def test_one_customer_with_money_among_empty_wallets_is_enough(wallet_stub, fund, company_id):
    customers = [str(uuid.uuid4()) for _ in range(3)]
    for customer in customers:
        await fund(company_id, customer, main=100)
    for customer in customers[:2]:
        await _debit(wallet_stub, company_id, customer, 100, wallet_pb2.BALANCE_KIND_MAIN)
    assert await _holds_money(wallet_stub, company_id) is True
    await _debit(wallet_stub, company_id, customers[2], 100, wallet_pb2.BALANCE_KIND_MAIN)
    assert await _holds_money(wallet_stub, company_id) is False


async def test_a_booking_paid_from_the_wallet_to_zero_leaves_nothing_held(
    wallet_stub, fund, run_step, command, company_id, customer_id
):
    await fund(company_id, customer_id, main=700, bonus=300)
    reply = await run_step(
        command(saga_pb2.STEP_ACTION_EXECUTE, company_id=company_id, customer_id=customer_id, amount=1000)
    )
    assert reply.outcome == saga_pb2.STEP_OUTCOME_SUCCEEDED
    # The money is in the company's CLEARING account now, no customer's: nothing to strand.
    assert await _holds_money(wallet_stub, company_id) is False


async def test_money_in_another_currency_than_the_companys_counts_too(
    wallet_stub, fund, company_id, customer_id
):
    # A wallet opened in USD (before credits were checked against the company's currency).
    await fund(company_id, customer_id, main=50, currency="USD")
    assert await _holds_money(wallet_stub, company_id) is True


async def test_another_companys_money_does_not_count(wallet_stub, fund, company_id, customer_id):
    await fund(str(uuid.uuid4()), customer_id, main=900)
    assert await _holds_money(wallet_stub, company_id) is False


async def test_the_companys_admin_and_the_platform_may_ask_a_customer_may_not(
    wallet_stub, fund, company_id, customer_id
):
    await fund(company_id, customer_id, main=10)
    request = wallet_pb2.GetCompanyHoldingsRequest(company_id=company_id)
    for principal in (
        Principal(role=Role.COMPANY_ADMIN, company_id=company_id, user_id=str(uuid.uuid4())),
        Principal(role=Role.PLATFORM_ADMIN, user_id=str(uuid.uuid4())),
    ):
        code, reason = await call_as(wallet_stub, "GetCompanyHoldings", request, principal)
        assert code == grpc.StatusCode.OK, (principal.role, reason)
    other_admin = Principal(role=Role.COMPANY_ADMIN, company_id=str(uuid.uuid4()), user_id=str(uuid.uuid4()))
    code, reason = await call_as(wallet_stub, "GetCompanyHoldings", request, other_admin)
    assert (code, reason) == (grpc.StatusCode.NOT_FOUND, "WALLET_NOT_FOUND")
    customer = Principal(role=Role.CUSTOMER, company_id=company_id, customer_id=customer_id)
    code, reason = await call_as(wallet_stub, "GetCompanyHoldings", request, customer)
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED")


async def test_a_company_id_that_is_not_a_uuid_is_invalid(wallet_stub):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await wallet_stub.GetCompanyHoldings(wallet_pb2.GetCompanyHoldingsRequest(company_id="nope"))
    assert (refused.value.code(), error_reason(refused.value)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_ID",
    )


async def test_postgresql_answers_with_one_exists_over_the_companys_customer_accounts(
    db: Database, fund, company_id, customer_id
):
    """The database is the judge: one aggregate statement, no rows brought into Python; and it
    reads the company's accounts through the customer index, not the whole table."""
    await fund(company_id, customer_id, main=5)
    sql = repository._COMPANY_HOLDS_MONEY.text
    assert sql.lstrip().upper().startswith("SELECT EXISTS")
    async with db.transaction() as conn:
        await conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            row[0] for row in await conn.execute(text(f"EXPLAIN {sql}"), {"company_id": company_id})
        )
    assert "uq_accounts_customer" in plan, plan


# The company's currency lock in pg_locks: an advisory bigint key is classid (high 32 bits) and
# objid (low 32 bits), objsubid 1.
_CURRENCY_LOCKS = text(
    "SELECT mode, granted FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1"
    " AND ((classid::bigint << 32) | objid::bigint)"
    " = hashtextextended('wallet-company-currency:' || CAST(:company_id AS text), 0)"
)


async def _until_currency_lock(db: Database, company_id: str, mode: str, *, granted: bool) -> None:
    """Waits (no clock) until a backend holds (granted) or waits for the company's lock in `mode`."""
    while True:
        async with db.autocommit() as conn:
            rows = (await conn.execute(_CURRENCY_LOCKS, {"company_id": company_id})).all()
        if any(row.mode == mode and row.granted is granted for row in rows):
            return
        await asyncio.sleep(0.01)


class _SlowCatalog(CustomerDirectory):
    """The catalog's answer of the currency, given when the test says (a credit in flight)."""

    def __init__(self) -> None:
        self.asked = asyncio.Event()
        self.answer = asyncio.Event()

    async def company_currency(self, company_id: str, *, wait_for_change: bool = False) -> str | None:
        assert wait_for_change, "a credit asks the currency that a change in progress commits"
        self.asked.set()
        await self.answer.wait()
        return "EUR"


async def test_a_credit_in_flight_is_waited_for_and_its_money_counts(db: Database, wallet_stub, company_id):
    catalog = _SlowCatalog()
    credit = asyncio.create_task(
        handlers.top_up_wallet(
            db,
            TopUpWallet(
                request_id=str(uuid.uuid4()),
                company_id=company_id,
                customer_id=str(uuid.uuid4()),
                amount=400,
                currency="EUR",
                balance_kind=BalanceKind.MAIN,
            ),
            customers=catalog,
        )
    )
    # The credit asks the currency inside its transaction, the lock already held shared.
    await catalog.asked.wait()
    await _until_currency_lock(db, company_id, "ShareLock", granted=True)
    question = asyncio.create_task(_holds_money(wallet_stub, company_id))
    await _until_currency_lock(db, company_id, "ExclusiveLock", granted=False)
    assert not question.done()
    catalog.answer.set()
    await credit
    # Before, the EXISTS ran at once and answered False while the credit was about to commit.
    assert await question is True


async def test_a_credit_holding_the_lock_too_long_makes_the_answer_unavailable(
    db: Database, wallet_stub, company_id
):
    async with db.transaction() as held:
        await repository.credit_in_company_currency(held, company_id)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await _holds_money(wallet_stub, company_id)
        assert (refused.value.code(), error_reason(refused.value)) == (
            grpc.StatusCode.UNAVAILABLE,
            "CREDITS_IN_FLIGHT",
        )
    # Committed: nothing is in flight, the question is answered again.
    assert await _holds_money(wallet_stub, company_id) is False


async def test_credits_share_the_lock_with_each_other(db: Database, fund, company_id, customer_id):
    async with db.transaction() as held:
        await repository.credit_in_company_currency(held, company_id)
        # Another credit of the company goes through while this one is in flight.
        wallet = await fund(company_id, customer_id, main=20)
    assert wallet.main_balance == 20
