"""A pass product keeps the currency it was priced in; the catalog lets a company change its
currency while such products exist (they are not prices of the catalog's). A desk sale of a
product priced in a currency the company no longer uses is refused FAILED_PRECONDITION
PASS_PRODUCT_CURRENCY_MISMATCH (nothing written) until the business reprices it; a free grant
moves no money and still goes through; a retry of a sale made before the change returns it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest
from google.protobuf import field_mask_pb2

import catalog.bootstrap
import passes.bootstrap
from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookingplatform.common.v1 import money_pb2
from bookingplatform.passes.v1 import passes_pb2, passes_pb2_grpc
from plumbing.grpc_server import error_info
from plumbing.principal import Principal, Role
from plumbing.tenancy_testing import forged

pytestmark = pytest.mark.integration


@dataclass
class Env:
    passes: passes_pb2_grpc.PassesServiceStub
    catalog: catalog_pb2_grpc.CatalogServiceStub


@pytest.fixture(scope="module")
async def env(database_url: str, nats_url: str) -> AsyncIterator[Env]:
    catalog_service = await catalog.bootstrap.start(
        catalog.bootstrap.Settings(database_url=database_url, nats_url=nats_url)
    )
    passes_service = await passes.bootstrap.start(
        passes.bootstrap.Settings(
            database_url=database_url, nats_url=nats_url, catalog_addr=catalog_service.address
        )
    )
    async with (
        grpc.aio.insecure_channel(passes_service.address) as passes_channel,
        grpc.aio.insecure_channel(catalog_service.address) as catalog_channel,
    ):
        yield Env(
            passes_pb2_grpc.PassesServiceStub(passes_channel),
            catalog_pb2_grpc.CatalogServiceStub(catalog_channel),
        )
    await passes_service.stop(0.1)
    await catalog_service.stop(0.1)


@dataclass
class Shop:
    company: catalog_pb2.Company
    customer_id: str
    product: passes_pb2.PassProduct
    staff: tuple[tuple[str, str]]
    admin: tuple[tuple[str, str]]


async def _shop(env: Env) -> Shop:
    company = (
        await env.catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                request_id=str(uuid.uuid4()), name="Harbour", time_zone="UTC", currency_code="EUR"
            )
        )
    ).company
    customer = (
        await env.catalog.CreateCustomer(
            catalog_pb2.CreateCustomerRequest(
                request_id=str(uuid.uuid4()),
                company_id=company.id,
                display_name="Ada",
                email=f"{uuid.uuid4().hex[:8]}@example.com",
            )
        )
    ).customer.id
    admin = forged(Principal(role=Role.COMPANY_ADMIN, company_id=company.id, user_id=str(uuid.uuid4())))
    product = (
        await env.passes.CreatePassProduct(
            passes_pb2.CreatePassProductRequest(
                request_id=str(uuid.uuid4()),
                company_id=company.id,
                name="10 classes",
                credits=10,
                validity_days=90,
                price=money_pb2.Money(amount_minor=9900, currency_code="EUR"),
            ),
            metadata=admin,
        )
    ).product
    staff = forged(Principal(role=Role.STAFF, company_id=company.id, user_id=str(uuid.uuid4())))
    return Shop(company, customer, product, staff, admin)


async def _change_currency(env: Env, shop: Shop, currency: str) -> None:
    changed = await env.catalog.UpdateCompany(
        catalog_pb2.UpdateCompanyRequest(
            request_id=str(uuid.uuid4()),
            company=catalog_pb2.Company(id=shop.company.id, etag=shop.company.etag, currency_code=currency),
            update_mask=field_mask_pb2.FieldMask(paths=["currency_code"]),
        ),
        metadata=shop.admin,
    )
    assert changed.company.currency_code == currency


def _sale(shop: Shop, sale: int = passes_pb2.PASS_SALE_CASH) -> passes_pb2.GrantPassRequest:
    return passes_pb2.GrantPassRequest(
        request_id=str(uuid.uuid4()), product_id=shop.product.id, customer_id=shop.customer_id, sale=sale
    )


async def _passes_of(env: Env, shop: Shop) -> int:
    reply = await env.passes.ListEntitlements(
        passes_pb2.ListEntitlementsRequest(company_id=shop.company.id, customer_id=shop.customer_id)
    )
    return len(reply.entitlements)


async def test_a_product_priced_in_the_old_currency_is_not_sold_until_it_is_repriced(env: Env) -> None:
    shop = await _shop(env)
    before_change = _sale(shop)
    assert (
        await env.passes.GrantPass(before_change, metadata=shop.staff)
    ).entitlement.paid.currency_code == "EUR"
    await _change_currency(env, shop, "USD")

    for sale in (passes_pb2.PASS_SALE_CASH, passes_pb2.PASS_SALE_EXTERNAL):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await env.passes.GrantPass(_sale(shop, sale), metadata=shop.staff)
        assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        info = error_info(refused.value)
        assert info is not None
        assert info.reason == "PASS_PRODUCT_CURRENCY_MISMATCH"
        assert dict(info.metadata) == {
            "product_id": shop.product.id,
            "product_currency": "EUR",
            "company_currency": "USD",
        }
        assert "reprice" in (refused.value.details() or "")
    # The internal caller is refused too: the check is the product's, not the person's.
    with pytest.raises(grpc.aio.AioRpcError) as internal:
        await env.passes.GrantPass(_sale(shop))
    assert internal.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert await _passes_of(env, shop) == 1  # nothing written

    # The sale made before the change, retried, is the one made then.
    again = (await env.passes.GrantPass(before_change, metadata=shop.staff)).entitlement
    assert (again.paid.amount_minor, again.paid.currency_code) == (9900, "EUR")
    # A free grant moves no money: it goes through.
    await env.passes.GrantPass(_sale(shop, passes_pb2.PASS_SALE_GRANT), metadata=shop.staff)
    assert await _passes_of(env, shop) == 2

    # Repriced in the company's currency, it sells again, in it.
    repriced = (
        await env.passes.UpdatePassProduct(
            passes_pb2.UpdatePassProductRequest(
                request_id=str(uuid.uuid4()),
                product=passes_pb2.PassProduct(
                    id=shop.product.id,
                    etag=shop.product.etag,
                    price=money_pb2.Money(amount_minor=10900, currency_code="USD"),
                ),
                update_mask=field_mask_pb2.FieldMask(paths=["price"]),
            ),
            metadata=shop.admin,
        )
    ).product
    assert repriced.price.currency_code == "USD"
    sold = (await env.passes.GrantPass(_sale(shop), metadata=shop.staff)).entitlement
    assert (sold.paid.amount_minor, sold.paid.currency_code) == (10900, "USD")
    assert await _passes_of(env, shop) == 3


async def test_a_product_in_the_companys_currency_sells_and_an_unknown_one_is_not_found(env: Env) -> None:
    shop = await _shop(env)
    assert (
        await env.passes.GrantPass(_sale(shop), metadata=shop.staff)
    ).entitlement.paid.currency_code == "EUR"
    unknown = _sale(shop)
    unknown.product_id = str(uuid.uuid4())
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await env.passes.GrantPass(unknown, metadata=shop.staff)
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
