"""Staff credit and debit a wallet with a reason: the ledger keeps the reason and the staff
member; a debit never takes more than the balance and is taken once per request id."""

import uuid

import grpc
import pytest
from sqlalchemy import text

from bookingplatform.common.v1 import money_pb2
from bookingplatform.wallet.v1 import wallet_pb2, wallet_pb2_grpc
from plumbing.grpc_client import channel
from plumbing.grpc_server import error_reason
from plumbing.principal import Principal, Role, acting_as

pytestmark = pytest.mark.integration


def _eur(amount: int) -> money_pb2.Money:
    return money_pb2.Money(amount_minor=amount, currency_code="EUR")


async def test_staff_credit_and_debit_are_in_the_ledger_and_the_audit_log_with_reason_and_actor(
    wallet_service, db, company_id, customer_id
):
    staff = Principal(role=Role.STAFF, company_id=company_id, user_id=str(uuid.uuid4()))
    async with channel(wallet_service.address) as forwarding:
        wallet = wallet_pb2_grpc.WalletServiceStub(forwarding)
        with acting_as(staff):
            await wallet.TopUpWallet(
                wallet_pb2.TopUpWalletRequest(
                    request_id=str(uuid.uuid4()),
                    company_id=company_id,
                    customer_id=customer_id,
                    amount=_eur(5000),
                    balance_kind=wallet_pb2.BALANCE_KIND_MAIN,
                    reason="paid 50 EUR cash at the desk",
                )
            )
            debit = wallet_pb2.DebitWalletRequest(
                request_id=str(uuid.uuid4()),
                company_id=company_id,
                customer_id=customer_id,
                amount=_eur(1200),
                balance_kind=wallet_pb2.BALANCE_KIND_MAIN,
                reason="refund of an over-credit",
            )
            first = await wallet.DebitWallet(debit)
            again = await wallet.DebitWallet(debit)
            entries = (
                await wallet.ListWalletEntries(
                    wallet_pb2.ListWalletEntriesRequest(company_id=company_id, customer_id=customer_id)
                )
            ).entries
    assert first.wallet.main_balance.amount_minor == 3800
    assert again.wallet == first.wallet  # the retry took nothing more
    assert [(e.kind, e.amount.amount_minor, e.reason, e.actor_user_id) for e in entries] == [
        (wallet_pb2.ENTRY_KIND_ADJUSTMENT, -1200, "refund of an over-credit", staff.user_id),
        (wallet_pb2.ENTRY_KIND_TOP_UP, 5000, "paid 50 EUR cash at the desk", staff.user_id),
    ]
    async with db.transaction() as conn:
        audited = (
            await conn.execute(
                text(
                    "SELECT action, actor_user_id, actor_role, reason, changed FROM wallet.audit_log"
                    " WHERE entity_type = 'wallet' AND entity_id = :customer ORDER BY occurred_at, action"
                ),
                {"customer": customer_id},
            )
        ).all()
    assert [tuple(row) for row in audited] == [
        (
            "credit",
            staff.user_id,
            "STAFF",
            "paid 50 EUR cash at the desk",
            {"before": {"main_balance": 0}, "after": {"main_balance": 5000}},
        ),
        (
            "debit",
            staff.user_id,
            "STAFF",
            "refund of an over-credit",
            {"before": {"main_balance": 5000}, "after": {"main_balance": 3800}},
        ),
    ]


async def test_a_debit_beyond_the_balance_or_without_reason_changes_nothing(
    wallet_stub, company_id, customer_id
):
    await wallet_stub.TopUpWallet(
        wallet_pb2.TopUpWalletRequest(
            request_id=str(uuid.uuid4()),
            company_id=company_id,
            customer_id=customer_id,
            amount=_eur(300),
            balance_kind=wallet_pb2.BALANCE_KIND_MAIN,
        )
    )
    refusals = []
    for amount, reason in ((301, "too much"), (100, "  ")):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await wallet_stub.DebitWallet(
                wallet_pb2.DebitWalletRequest(
                    request_id=str(uuid.uuid4()),
                    company_id=company_id,
                    customer_id=customer_id,
                    amount=_eur(amount),
                    balance_kind=wallet_pb2.BALANCE_KIND_MAIN,
                    reason=reason,
                )
            )
        refusals.append((raised.value.code(), error_reason(raised.value)))
    assert refusals == [
        (grpc.StatusCode.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS"),
        (grpc.StatusCode.INVALID_ARGUMENT, "REASON_REQUIRED"),
    ]
    reply = await wallet_stub.GetWallet(
        wallet_pb2.GetWalletRequest(company_id=company_id, customer_id=customer_id)
    )
    assert reply.wallet.main_balance.amount_minor == 300


async def test_a_customer_cannot_debit_a_wallet(wallet_service, company_id, customer_id):
    customer = Principal(role=Role.CUSTOMER, company_id=company_id, customer_id=customer_id)
    async with channel(wallet_service.address) as forwarding:
        wallet = wallet_pb2_grpc.WalletServiceStub(forwarding)
        with acting_as(customer), pytest.raises(grpc.aio.AioRpcError) as raised:
            await wallet.DebitWallet(
                wallet_pb2.DebitWalletRequest(
                    request_id=str(uuid.uuid4()),
                    company_id=company_id,
                    customer_id=customer_id,
                    amount=_eur(1),
                    balance_kind=wallet_pb2.BALANCE_KIND_MAIN,
                    reason="mine",
                )
            )
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED
