"""A company's currency does not change while customers' wallets hold money in it: the catalog
asks the real wallet (GetCompanyHoldings, with the caller's principal) and refuses
FAILED_PRECONDITION CURRENCY_LOCKED, as it does once the company has a price. Without the
wallet's answer the currency stays (UNAVAILABLE WALLET_UNAVAILABLE).

The race with a credit, both orders, made deterministic by holding each side's lock from a test
connection: a credit in flight (the wallet's currency lock held shared) makes the change wait and
then refuse; a change in progress (the company's row held FOR UPDATE) makes the credit's currency
question wait and then answer the committed currency."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest
from google.protobuf import field_mask_pb2
from sqlalchemy import text

import catalog.bootstrap
import wallet.bootstrap
from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookingplatform.common.v1 import money_pb2
from bookingplatform.wallet.v1 import wallet_pb2, wallet_pb2_grpc
from plumbing.db import Database
from plumbing.grpc_server import error_reason
from plumbing.principal import Principal, Role
from plumbing.tenancy_testing import forged
from wallet.adapters import repository as wallet_repository

pytestmark = pytest.mark.integration


@dataclass
class Env:
    catalog: catalog_pb2_grpc.CatalogServiceStub
    wallet: wallet_pb2_grpc.WalletServiceStub
    # A catalog whose WALLET_ADDR answers nothing.
    catalog_without_wallet: catalog_pb2_grpc.CatalogServiceStub
    # A wallet that asks the catalog the company's currency at each credit, as deployed.
    asking_wallet: wallet_pb2_grpc.WalletServiceStub
    # Test connections to both services' schemas (one PostgreSQL in tests).
    db: Database


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
async def env(database_url: str, nats_url: str) -> AsyncIterator[Env]:
    # The wallet alone (it asks no catalog here): top-ups by the internal caller, as a test's.
    wallet_service = await wallet.bootstrap.start(
        wallet.bootstrap.Settings(database_url=database_url, nats_url=nats_url)
    )
    catalog_service = await catalog.bootstrap.start(
        catalog.bootstrap.Settings(
            database_url=database_url, nats_url=nats_url, wallet_addr=wallet_service.address
        )
    )
    lonely_service = await catalog.bootstrap.start(
        catalog.bootstrap.Settings(
            database_url=database_url, nats_url=nats_url, wallet_addr=f"127.0.0.1:{_closed_port()}"
        )
    )
    asking_service = await wallet.bootstrap.start(
        wallet.bootstrap.Settings(
            database_url=database_url, nats_url=nats_url, catalog_addr=catalog_service.address
        )
    )
    db = Database(database_url, pool_size=4)
    async with (
        grpc.aio.insecure_channel(catalog_service.address) as catalog_channel,
        grpc.aio.insecure_channel(wallet_service.address) as wallet_channel,
        grpc.aio.insecure_channel(lonely_service.address) as lonely_channel,
        grpc.aio.insecure_channel(asking_service.address) as asking_channel,
    ):
        yield Env(
            catalog_pb2_grpc.CatalogServiceStub(catalog_channel),
            wallet_pb2_grpc.WalletServiceStub(wallet_channel),
            catalog_pb2_grpc.CatalogServiceStub(lonely_channel),
            wallet_pb2_grpc.WalletServiceStub(asking_channel),
            db,
        )
    await db.close()
    await asking_service.stop(0.1)
    await lonely_service.stop(0.1)
    await catalog_service.stop(0.1)
    await wallet_service.stop(0.1)


async def _company(env: Env) -> catalog_pb2.Company:
    """A company with no price: before this change, nothing kept its currency."""
    return (
        await env.catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                request_id=str(uuid.uuid4()), name="Harbour Yoga", time_zone="UTC", currency_code="EUR"
            )
        )
    ).company


async def _move(
    env: Env,
    company: catalog_pb2.Company,
    amount: int,
    kind: wallet_pb2.BalanceKind.ValueType,
    customer_id: str,
    *,
    debit: bool = False,
) -> None:
    money = money_pb2.Money(amount_minor=amount, currency_code="EUR")
    common = {
        "request_id": str(uuid.uuid4()),
        "company_id": company.id,
        "customer_id": customer_id,
        "amount": money,
        "balance_kind": kind,
    }
    if debit:
        await env.wallet.DebitWallet(wallet_pb2.DebitWalletRequest(**common, reason="paid back in cash"))
    else:
        await env.wallet.TopUpWallet(wallet_pb2.TopUpWalletRequest(**common))


def _currency_change(company: catalog_pb2.Company, currency: str) -> catalog_pb2.UpdateCompanyRequest:
    return catalog_pb2.UpdateCompanyRequest(
        request_id=str(uuid.uuid4()),
        company=catalog_pb2.Company(id=company.id, etag=company.etag, currency_code=currency),
        update_mask=field_mask_pb2.FieldMask(paths=["currency_code"]),
    )


async def _currency(env: Env, company_id: str) -> str:
    return (
        await env.catalog.GetCompany(catalog_pb2.GetCompanyRequest(company_id=company_id))
    ).company.currency_code


async def test_money_in_a_wallet_locks_the_currency_until_it_is_taken_out(env: Env, refused) -> None:
    company = await _company(env)
    customer = str(uuid.uuid4())
    await _move(env, company, 5000, wallet_pb2.BALANCE_KIND_MAIN, customer)

    # The company's own admin, as the gateway calls: the principal goes on to the wallet.
    admin = Principal(role=Role.COMPANY_ADMIN, company_id=company.id, user_id=str(uuid.uuid4()))
    refusal = await refused(
        env.catalog.UpdateCompany(_currency_change(company, "USD"), metadata=forged(admin))
    )
    assert (refusal.code, refusal.reason, refusal.field) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "CURRENCY_LOCKED",
        "company.currency_code",
    )
    assert refusal.metadata == {"company_id": company.id, "locked_by": "wallet_balances"}
    assert await _currency(env, company.id) == "EUR"

    # Taken out at the desk: nothing is held, the change goes through (same etag: nothing changed).
    await _move(env, company, 5000, wallet_pb2.BALANCE_KIND_MAIN, customer, debit=True)
    changed = (
        await env.catalog.UpdateCompany(_currency_change(company, "USD"), metadata=forged(admin))
    ).company
    assert changed.currency_code == "USD"


async def test_a_bonus_balance_locks_the_currency_too(env: Env, refused) -> None:
    company = await _company(env)
    await _move(env, company, 1, wallet_pb2.BALANCE_KIND_BONUS, str(uuid.uuid4()))
    platform = Principal(role=Role.PLATFORM_ADMIN, user_id=str(uuid.uuid4()))
    refusal = await refused(
        env.catalog.UpdateCompany(_currency_change(company, "CHF"), metadata=forged(platform))
    )
    assert (refusal.code, refusal.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "CURRENCY_LOCKED")
    assert await _currency(env, company.id) == "EUR"


async def test_other_fields_and_the_same_currency_change_while_money_is_held(env: Env) -> None:
    company = await _company(env)
    await _move(env, company, 300, wallet_pb2.BALANCE_KIND_MAIN, str(uuid.uuid4()))
    renamed = (
        await env.catalog.UpdateCompany(
            catalog_pb2.UpdateCompanyRequest(
                request_id=str(uuid.uuid4()),
                company=catalog_pb2.Company(id=company.id, etag=company.etag, name="Harbour Pilates"),
                update_mask=field_mask_pb2.FieldMask(paths=["name"]),
            )
        )
    ).company
    assert renamed.name == "Harbour Pilates"
    # The currency it already has is no change of currency: nobody's money is stranded.
    same = (await env.catalog.UpdateCompany(_currency_change(renamed, "EUR"))).company
    assert same.currency_code == "EUR"


async def test_another_companys_money_does_not_lock_this_one(env: Env) -> None:
    rich, empty = await _company(env), await _company(env)
    await _move(env, rich, 900, wallet_pb2.BALANCE_KIND_MAIN, str(uuid.uuid4()))
    changed = (await env.catalog.UpdateCompany(_currency_change(empty, "GBP"))).company
    assert changed.currency_code == "GBP"


async def test_without_the_wallets_answer_the_currency_stays(env: Env, refused) -> None:
    company = await _company(env)
    refusal = await refused(env.catalog_without_wallet.UpdateCompany(_currency_change(company, "USD")))
    assert (refusal.code, refusal.reason) == (grpc.StatusCode.UNAVAILABLE, "WALLET_UNAVAILABLE")
    assert await _currency(env, company.id) == "EUR"
    # Other changes do not ask the wallet.
    renamed = (
        await env.catalog_without_wallet.UpdateCompany(
            catalog_pb2.UpdateCompanyRequest(
                request_id=str(uuid.uuid4()),
                company=catalog_pb2.Company(id=company.id, etag=company.etag, name="Still here"),
                update_mask=field_mask_pb2.FieldMask(paths=["name"]),
            )
        )
    ).company
    assert renamed.name == "Still here"


async def test_a_credit_in_flight_keeps_the_currency_until_it_commits(env: Env, refused) -> None:
    """The credit asked the currency first (it holds the wallet's currency lock shared until it
    commits): the wallet's answer waits for it, past its lock_timeout it is UNAVAILABLE, and the
    change is refused as without the wallet's answer (503, retryable), the row released."""
    company = await _company(env)
    async with env.db.transaction() as credit:
        await wallet_repository.credit_in_company_currency(credit, company.id)
        refusal = await refused(env.catalog.UpdateCompany(_currency_change(company, "USD")))
        assert (refusal.code, refusal.reason) == (grpc.StatusCode.UNAVAILABLE, "WALLET_UNAVAILABLE")
        assert await _currency(env, company.id) == "EUR"
    # Committed (it credited nothing here): the change goes through.
    changed = (await env.catalog.UpdateCompany(_currency_change(company, "USD"))).company
    assert changed.currency_code == "USD"


async def _until_waiting_on_the_company_row(env: Env) -> None:
    """Waits (no clock) until a backend waits for a row lock of catalog.companies: the catalog's
    FOR SHARE answer of the credit's currency question."""
    query = text(
        "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        " AND query ILIKE '%FROM catalog.companies%FOR SHARE%')"
    )
    while True:
        async with env.db.autocommit() as conn:
            if (await conn.execute(query)).scalar_one():
                return
        await asyncio.sleep(0.01)


async def _credit(env: Env, company: catalog_pb2.Company, customer_id: str) -> wallet_pb2.Wallet:
    """A desk top-up of 7.00 EUR on the wallet that asks the catalog the company's currency."""
    request = wallet_pb2.TopUpWalletRequest(
        request_id=str(uuid.uuid4()),
        company_id=company.id,
        customer_id=customer_id,
        amount=money_pb2.Money(amount_minor=700, currency_code="EUR"),
        balance_kind=wallet_pb2.BALANCE_KIND_MAIN,
    )
    return (await env.asking_wallet.TopUpWallet(request)).wallet


async def test_a_credit_during_a_currency_change_waits_and_is_refused_in_the_old_currency(env: Env) -> None:
    """The change locked the company's row first (as _change does, asking the wallet): the
    credit's currency question waits for it and answers the committed currency, so a credit in
    the old one is CURRENCY_MISMATCH and no wallet is left in it."""
    company = await _company(env)
    customer = str(uuid.uuid4())
    async with env.db.transaction() as change:
        await change.execute(
            text("SELECT id FROM catalog.companies WHERE id = :id FOR UPDATE"), {"id": company.id}
        )
        await change.execute(
            text("UPDATE catalog.companies SET currency_code = 'USD' WHERE id = :id"), {"id": company.id}
        )
        credit = asyncio.create_task(_credit(env, company, customer))
        await _until_waiting_on_the_company_row(env)
        assert not credit.done()
    with pytest.raises(grpc.aio.AioRpcError) as mismatch:
        await credit
    assert (mismatch.value.code(), error_reason(mismatch.value)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "CURRENCY_MISMATCH",
    )
    assert await _currency(env, company.id) == "USD"
    holdings = await env.wallet.GetCompanyHoldings(
        wallet_pb2.GetCompanyHoldingsRequest(company_id=company.id)
    )
    assert holdings.holdings.holds_money is False


async def test_a_credit_during_a_refused_currency_change_goes_on_in_the_currency_kept(env: Env) -> None:
    company = await _company(env)
    customer = str(uuid.uuid4())
    async with env.db.transaction() as change:
        await change.execute(
            text("SELECT id FROM catalog.companies WHERE id = :id FOR UPDATE"), {"id": company.id}
        )
        credit = asyncio.create_task(_credit(env, company, customer))
        await _until_waiting_on_the_company_row(env)
        await change.rollback()
    topped = await credit
    assert (topped.main_balance.currency_code, topped.main_balance.amount_minor) == ("EUR", 700)
