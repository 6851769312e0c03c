"""A person's top-up opens a wallet only for a customer of the request's company, as the real
catalog says: company A's admin cannot credit company B's customer (nor an id nobody knows)
under A, and nothing is written; internal callers are trusted. Credits and debits are in the
company's currency, as the real catalog says, whoever calls."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import pytest

import catalog.bootstrap
import wallet.bootstrap
from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookingplatform.common.v1 import money_pb2
from bookingplatform.saga.v1 import saga_pb2
from bookingplatform.wallet.v1 import wallet_pb2, wallet_pb2_grpc
from plumbing.db import Database
from plumbing.grpc_server import error_reason
from plumbing.principal import Principal, Role
from plumbing.tenancy_testing import call_as
from wallet.domain.commands import TopUpWallet
from wallet.domain.model import BalanceKind
from wallet.service import handlers

pytestmark = pytest.mark.integration


@dataclass
class Env:
    wallet: wallet_pb2_grpc.WalletServiceStub
    catalog: catalog_pb2_grpc.CatalogServiceStub


@pytest.fixture(scope="module")
async def env(database_url: str, nats_url: str) -> AsyncIterator[Env]:
    catalog_service = await catalog.bootstrap.start(
        catalog.bootstrap.Settings(database_url=database_url, nats_url=nats_url)
    )
    wallet_service = await wallet.bootstrap.start(
        wallet.bootstrap.Settings(
            database_url=database_url, nats_url=nats_url, catalog_addr=catalog_service.address
        )
    )
    async with (
        grpc.aio.insecure_channel(wallet_service.address) as wallet_channel,
        grpc.aio.insecure_channel(catalog_service.address) as catalog_channel,
    ):
        yield Env(
            wallet_pb2_grpc.WalletServiceStub(wallet_channel),
            catalog_pb2_grpc.CatalogServiceStub(catalog_channel),
        )
    await wallet_service.stop(0.1)
    await catalog_service.stop(0.1)


async def _company_and_customer(env: Env) -> tuple[str, str]:
    company = (
        await env.catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                request_id=str(uuid.uuid4()), name="Harbour", time_zone="UTC", currency_code="EUR"
            )
        )
    ).company.id
    customer = (
        await env.catalog.CreateCustomer(
            catalog_pb2.CreateCustomerRequest(
                request_id=str(uuid.uuid4()),
                company_id=company,
                display_name="Ada",
                email=f"{uuid.uuid4().hex[:8]}@example.com",
            )
        )
    ).customer.id
    return company, customer


def _top_up(company: str, customer: str) -> wallet_pb2.TopUpWalletRequest:
    return wallet_pb2.TopUpWalletRequest(
        request_id=str(uuid.uuid4()),
        company_id=company,
        customer_id=customer,
        amount=money_pb2.Money(amount_minor=500, currency_code="EUR"),
        balance_kind=wallet_pb2.BALANCE_KIND_MAIN,
        reason="goodwill",
    )


async def _entries(env: Env, company: str, customer: str) -> int:
    reply = await env.wallet.ListWalletEntries(
        wallet_pb2.ListWalletEntriesRequest(company_id=company, customer_id=customer)
    )
    return len(reply.entries)


async def test_a_top_up_under_the_own_company_for_another_companys_customer_is_refused(env: Env) -> None:
    (company_a, customer_a), (_, customer_b) = (
        await _company_and_customer(env),
        await _company_and_customer(env),
    )
    unknown = str(uuid.uuid4())
    for role in (Role.STAFF, Role.COMPANY_ADMIN):
        admin = Principal(role=role, company_id=company_a, user_id=str(uuid.uuid4()))
        for customer in (customer_b, unknown):
            assert await call_as(env.wallet, "TopUpWallet", _top_up(company_a, customer), admin) == (
                grpc.StatusCode.NOT_FOUND,
                "CUSTOMER_NOT_FOUND",
            )
            assert await _entries(env, company_a, customer) == 0  # no account, no ledger line
        assert await call_as(env.wallet, "TopUpWallet", _top_up(company_a, customer_a), admin) == (
            grpc.StatusCode.OK,
            None,
        )
    assert await _entries(env, company_a, customer_a) == 2


async def test_a_platform_admin_tops_up_only_under_the_customers_own_company(env: Env) -> None:
    (company_a, _), (company_b, customer_b) = (
        await _company_and_customer(env),
        await _company_and_customer(env),
    )
    admin = Principal(role=Role.PLATFORM_ADMIN, user_id=str(uuid.uuid4()))
    assert await call_as(env.wallet, "TopUpWallet", _top_up(company_a, customer_b), admin) == (
        grpc.StatusCode.NOT_FOUND,
        "CUSTOMER_NOT_FOUND",
    )
    assert await call_as(env.wallet, "TopUpWallet", _top_up(company_b, customer_b), admin) == (
        grpc.StatusCode.OK,
        None,
    )


async def test_internal_callers_are_trusted(env: Env) -> None:
    company, _ = await _company_and_customer(env)
    await env.wallet.TopUpWallet(_top_up(company, str(uuid.uuid4())))


def _money(amount: int, currency: str) -> money_pb2.Money:
    return money_pb2.Money(amount_minor=amount, currency_code=currency)


def _credit(company: str, customer: str, amount: int, currency: str) -> wallet_pb2.TopUpWalletRequest:
    request = _top_up(company, customer)
    request.amount.CopyFrom(_money(amount, currency))
    return request


def _debit(company: str, customer: str, amount: int, currency: str) -> wallet_pb2.DebitWalletRequest:
    return wallet_pb2.DebitWalletRequest(
        request_id=str(uuid.uuid4()),
        company_id=company,
        customer_id=customer,
        amount=_money(amount, currency),
        balance_kind=wallet_pb2.BALANCE_KIND_MAIN,
        reason="back out",
    )


async def _wallet(env: Env, company: str, customer: str) -> wallet_pb2.Wallet:
    reply = await env.wallet.GetWallet(wallet_pb2.GetWalletRequest(company_id=company, customer_id=customer))
    return reply.wallet


async def test_a_credit_or_a_debit_not_in_the_companys_currency_is_refused_for_every_caller(env: Env) -> None:
    """The first credit fixed the wallet's currency, whatever it was: one USD credit for a
    customer of a EUR company held the wallet in USD for good (EUR credits, wallet payments and
    pay later then refused CURRENCY_MISMATCH)."""
    company, customer = await _company_and_customer(env)
    staff = Principal(role=Role.STAFF, company_id=company, user_id=str(uuid.uuid4()))
    mismatch = (grpc.StatusCode.INVALID_ARGUMENT, "CURRENCY_MISMATCH")
    for currency in ("USD", "JPY"):
        assert await call_as(
            env.wallet, "TopUpWallet", _credit(company, customer, 5000, currency), staff
        ) == (mismatch)
        assert await call_as(env.wallet, "DebitWallet", _debit(company, customer, 1, currency), staff) == (
            mismatch
        )
    with pytest.raises(grpc.aio.AioRpcError) as refused:  # a direct caller without a principal
        await env.wallet.TopUpWallet(_credit(company, customer, 5000, "USD"))
    assert (refused.value.code(), error_reason(refused.value)) == mismatch
    assert await _entries(env, company, customer) == 0
    assert (await _wallet(env, company, customer)).main_balance.currency_code == ""
    assert await call_as(env.wallet, "TopUpWallet", _credit(company, customer, 5000, "EUR"), staff) == (
        grpc.StatusCode.OK,
        None,
    )
    wallet = await _wallet(env, company, customer)
    assert (wallet.main_balance.currency_code, wallet.main_balance.amount_minor) == ("EUR", 5000)


async def test_a_wallet_opened_in_a_wrong_currency_is_put_in_the_companys_once_empty(
    env: Env, db: Database, run_step: Callable[..., Any], command: Callable[..., Any]
) -> None:
    """A wallet opened in another currency before credits were checked (here by the handler
    without a catalog): its money can be debited out in its own currency, and once it holds
    nothing and no debit of it can be refunded, a credit in the company's currency puts its
    accounts in that currency; its past entries keep theirs."""
    company, customer = await _company_and_customer(env)
    staff = Principal(role=Role.STAFF, company_id=company, user_id=str(uuid.uuid4()))
    await handlers.top_up_wallet(
        db,
        TopUpWallet(
            request_id=str(uuid.uuid4()),
            company_id=company,
            customer_id=customer,
            amount=300,
            currency="JPY",
            balance_kind=BalanceKind.MAIN,
        ),
    )
    eur = _credit(company, customer, 500, "EUR")
    mismatch = (grpc.StatusCode.INVALID_ARGUMENT, "CURRENCY_MISMATCH")
    assert await call_as(env.wallet, "TopUpWallet", eur, staff) == mismatch  # it holds 300 JPY
    # A booking took 200 JPY: it could still be refunded in JPY, so the accounts stay.
    booking = str(uuid.uuid4())
    debit = command(
        saga_pb2.STEP_ACTION_EXECUTE,
        company_id=company,
        customer_id=customer,
        booking_id=booking,
        amount=200,
        currency="JPY",
    )
    assert (await run_step(debit)).outcome == saga_pb2.STEP_OUTCOME_SUCCEEDED
    assert await call_as(env.wallet, "DebitWallet", _debit(company, customer, 100, "JPY"), staff) == (
        grpc.StatusCode.OK,
        None,
    )
    assert await call_as(env.wallet, "TopUpWallet", eur, staff) == mismatch  # 200 JPY refundable
    refund = command(
        saga_pb2.STEP_ACTION_REFUND,
        company_id=company,
        customer_id=customer,
        booking_id=booking,
        amount=200,
        currency="JPY",
    )
    assert (await run_step(refund)).outcome == saga_pb2.STEP_OUTCOME_SUCCEEDED
    assert await call_as(env.wallet, "DebitWallet", _debit(company, customer, 200, "JPY"), staff) == (
        grpc.StatusCode.OK,
        None,
    )
    assert await call_as(env.wallet, "TopUpWallet", eur, staff) == (grpc.StatusCode.OK, None)
    wallet = await _wallet(env, company, customer)
    assert (wallet.main_balance.currency_code, wallet.main_balance.amount_minor) == ("EUR", 500)
    assert wallet.bonus_balance.currency_code == "EUR"
    entries = (
        await env.wallet.ListWalletEntries(
            wallet_pb2.ListWalletEntriesRequest(company_id=company, customer_id=customer)
        )
    ).entries
    assert [(e.amount.amount_minor, e.amount.currency_code) for e in entries] == [
        (500, "EUR"),
        (-200, "JPY"),
        (200, "JPY"),
        (-100, "JPY"),
        (-200, "JPY"),
        (300, "JPY"),
    ]
