"""WalletService through a real grpc.aio server: balances, idempotent top-ups, entries, errors."""

import asyncio
import uuid

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from bookingplatform.common.v1 import money_pb2
from bookingplatform.wallet.v1 import wallet_pb2
from plumbing.grpc_server import error_reason

pytestmark = pytest.mark.integration


def top_up_request(
    company_id, customer_id, amount, *, currency="EUR", kind=wallet_pb2.BALANCE_KIND_MAIN, request_id=None
):
    return wallet_pb2.TopUpWalletRequest(
        request_id=request_id or str(uuid.uuid4()),
        company_id=company_id,
        customer_id=customer_id,
        amount=money_pb2.Money(amount_minor=amount, currency_code=currency),
        balance_kind=kind,
    )


def violated_field(error: grpc.aio.AioRpcError) -> str | None:
    status = rpc_status.from_call(error)
    assert status is not None
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            return bad_request.field_violations[0].field
    return None


async def test_a_customer_without_a_wallet_has_zero_balances(wallet_stub, company_id, customer_id):
    reply = await wallet_stub.GetWallet(
        wallet_pb2.GetWalletRequest(company_id=company_id, customer_id=customer_id)
    )
    assert reply.wallet.company_id == company_id
    assert reply.wallet.customer_id == customer_id
    assert reply.wallet.main_balance.amount_minor == 0
    assert reply.wallet.bonus_balance.amount_minor == 0


async def test_top_ups_add_to_the_balance_they_name(wallet_stub, company_id, customer_id):
    await wallet_stub.TopUpWallet(top_up_request(company_id, customer_id, 1500))
    reply = await wallet_stub.TopUpWallet(
        top_up_request(company_id, customer_id, 400, kind=wallet_pb2.BALANCE_KIND_BONUS)
    )
    assert reply.wallet.main_balance == money_pb2.Money(amount_minor=1500, currency_code="EUR")
    assert reply.wallet.bonus_balance == money_pb2.Money(amount_minor=400, currency_code="EUR")
    got = await wallet_stub.GetWallet(
        wallet_pb2.GetWalletRequest(company_id=company_id, customer_id=customer_id)
    )
    assert got.wallet == reply.wallet


async def test_a_retried_top_up_adds_the_money_once(wallet_stub, company_id, customer_id):
    request = top_up_request(company_id, customer_id, 700)
    first = await wallet_stub.TopUpWallet(request)
    second = await wallet_stub.TopUpWallet(request)
    assert first.wallet.main_balance.amount_minor == 700
    assert second.wallet == first.wallet


async def test_concurrent_retries_of_one_top_up_add_the_money_once(wallet_stub, company_id, customer_id):
    request = top_up_request(company_id, customer_id, 250)
    replies = await asyncio.gather(*(wallet_stub.TopUpWallet(request) for _ in range(10)))
    assert {reply.wallet.main_balance.amount_minor for reply in replies} == {250}


async def test_the_same_request_id_for_a_different_top_up_is_refused(wallet_stub, company_id, customer_id):
    request = top_up_request(company_id, customer_id, 100)
    await wallet_stub.TopUpWallet(request)
    request.amount.amount_minor = 999
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await wallet_stub.TopUpWallet(request)
    assert raised.value.code() == grpc.StatusCode.ABORTED
    assert error_reason(raised.value) == "REQUEST_ID_REUSED"


async def test_request_ids_are_scoped_to_the_company(wallet_stub, customer_id):
    request_id = str(uuid.uuid4())
    company_a, company_b = str(uuid.uuid4()), str(uuid.uuid4())
    a = await wallet_stub.TopUpWallet(top_up_request(company_a, customer_id, 100, request_id=request_id))
    b = await wallet_stub.TopUpWallet(top_up_request(company_b, customer_id, 100, request_id=request_id))
    assert a.wallet.main_balance.amount_minor == b.wallet.main_balance.amount_minor == 100


async def test_a_top_up_in_another_currency_than_the_wallet_is_refused(wallet_stub, company_id, customer_id):
    await wallet_stub.TopUpWallet(top_up_request(company_id, customer_id, 100))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await wallet_stub.TopUpWallet(
            top_up_request(company_id, customer_id, 100, currency="USD", kind=wallet_pb2.BALANCE_KIND_BONUS)
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_reason(raised.value) == "CURRENCY_MISMATCH"
    assert violated_field(raised.value) == "amount.currency_code"
    got = await wallet_stub.GetWallet(
        wallet_pb2.GetWalletRequest(company_id=company_id, customer_id=customer_id)
    )
    assert (got.wallet.main_balance.amount_minor, got.wallet.bonus_balance.amount_minor) == (100, 0)


@pytest.mark.parametrize(
    ("change", "reason", "field"),
    [
        (
            {"amount": money_pb2.Money(amount_minor=0, currency_code="EUR")},
            "INVALID_AMOUNT",
            "amount.amount_minor",
        ),
        (
            {"amount": money_pb2.Money(amount_minor=-5, currency_code="EUR")},
            "INVALID_AMOUNT",
            "amount.amount_minor",
        ),
        ({"amount": money_pb2.Money(amount_minor=5)}, "INVALID_CURRENCY", "amount.currency_code"),
        ({"company_id": "nope"}, "INVALID_ID", "company_id"),
        ({"customer_id": ""}, "INVALID_ID", "customer_id"),
        ({"request_id": ""}, "INVALID_REQUEST_ID", "request_id"),
        ({"balance_kind": wallet_pb2.BALANCE_KIND_UNSPECIFIED}, "INVALID_BALANCE_KIND", "balance_kind"),
    ],
)
async def test_invalid_top_ups_are_refused_with_the_reason_and_field(
    wallet_stub, company_id, customer_id, change, reason, field
):
    request = top_up_request(company_id, customer_id, 100)
    for name, value in change.items():
        if isinstance(value, money_pb2.Money):
            request.amount.CopyFrom(value)
        else:
            setattr(request, name, value)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await wallet_stub.TopUpWallet(request)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_reason(raised.value) == reason
    assert violated_field(raised.value) == field


async def test_get_wallet_refuses_an_id_that_is_not_a_uuid(wallet_stub, company_id):
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await wallet_stub.GetWallet(wallet_pb2.GetWalletRequest(company_id=company_id, customer_id="42"))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (error_reason(raised.value), violated_field(raised.value)) == ("INVALID_ID", "customer_id")


async def test_entries_are_listed_newest_first_page_by_page(wallet_stub, company_id, customer_id):
    amounts = [100, 200, 300, 400, 500]
    for amount in amounts:
        kind = wallet_pb2.BALANCE_KIND_BONUS if amount == 300 else wallet_pb2.BALANCE_KIND_MAIN
        await wallet_stub.TopUpWallet(top_up_request(company_id, customer_id, amount, kind=kind))
    seen, token, pages = [], "", 0
    while True:
        page = await wallet_stub.ListWalletEntries(
            wallet_pb2.ListWalletEntriesRequest(
                company_id=company_id, customer_id=customer_id, page_size=2, page_token=token
            )
        )
        pages += 1
        seen.extend(page.entries)
        token = page.next_page_token
        if not token:
            break
    assert pages == 3
    assert [entry.amount.amount_minor for entry in seen] == list(reversed(amounts))
    assert all(entry.kind == wallet_pb2.ENTRY_KIND_TOP_UP for entry in seen)
    assert all(entry.amount.currency_code == "EUR" for entry in seen)
    assert [entry.balance_kind == wallet_pb2.BALANCE_KIND_BONUS for entry in seen] == [
        False,
        False,
        True,
        False,
        False,
    ]
    assert all(entry.reference.startswith(f"topup:{company_id}:") for entry in seen)
    times = [entry.create_time.ToDatetime() for entry in seen]
    assert times == sorted(times, reverse=True)


async def test_entries_of_other_customers_are_not_listed(wallet_stub, company_id, customer_id):
    await wallet_stub.TopUpWallet(top_up_request(company_id, customer_id, 100))
    other = await wallet_stub.ListWalletEntries(
        wallet_pb2.ListWalletEntriesRequest(company_id=company_id, customer_id=str(uuid.uuid4()))
    )
    assert list(other.entries) == []
    assert other.next_page_token == ""


async def test_a_page_token_not_issued_by_the_service_is_refused(wallet_stub, company_id, customer_id):
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await wallet_stub.ListWalletEntries(
            wallet_pb2.ListWalletEntriesRequest(
                company_id=company_id, customer_id=customer_id, page_token="xyz"
            )
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_reason(raised.value) == "INVALID_PAGE_TOKEN"
