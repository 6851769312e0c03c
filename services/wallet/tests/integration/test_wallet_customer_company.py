"""A person's top-up opens a wallet only for a customer of the request's company, as the real
catalog says: company A's admin cannot credit company B's customer (nor an id nobody knows)
under A, and nothing is written; internal callers are trusted."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest

import catalog.bootstrap
import wallet.bootstrap
from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookingplatform.common.v1 import money_pb2
from bookingplatform.wallet.v1 import wallet_pb2, wallet_pb2_grpc
from plumbing.principal import Principal, Role
from plumbing.tenancy_testing import call_as

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
