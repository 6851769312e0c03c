"""A person's grant or desk sale gives a pass only to a customer of the product's company, as the
real catalog says: company A's staff cannot grant A's product to company B's customer (nor to
an id nobody knows), and nothing is written; internal callers are trusted. A product created
by a person is in the audit log."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest
from sqlalchemy import text

import catalog.bootstrap
import passes.bootstrap
from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookingplatform.common.v1 import money_pb2
from bookingplatform.passes.v1 import passes_pb2, passes_pb2_grpc
from plumbing.db import Database
from plumbing.principal import Principal, Role
from plumbing.tenancy_testing import call_as, forged

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
class Company:
    id: str
    customer_id: str
    product_id: str


async def _company(env: Env) -> Company:
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
    product = (
        await env.passes.CreatePassProduct(
            passes_pb2.CreatePassProductRequest(
                request_id=str(uuid.uuid4()),
                company_id=company,
                name="10 classes",
                credits=10,
                validity_days=90,
                price=money_pb2.Money(amount_minor=9900, currency_code="EUR"),
            )
        )
    ).product.id
    return Company(company, customer, product)


def _grant(
    product: str, customer: str, sale: int = passes_pb2.PASS_SALE_GRANT
) -> passes_pb2.GrantPassRequest:
    return passes_pb2.GrantPassRequest(
        request_id=str(uuid.uuid4()), product_id=product, customer_id=customer, sale=sale
    )


async def _passes_of(env: Env, company: str, customer: str) -> int:
    reply = await env.passes.ListEntitlements(
        passes_pb2.ListEntitlementsRequest(company_id=company, customer_id=customer)
    )
    return len(reply.entitlements)


async def test_a_grant_or_sale_to_another_companys_or_an_unknown_customer_is_refused(env: Env) -> None:
    a, b = await _company(env), await _company(env)
    unknown = str(uuid.uuid4())
    for role in (Role.STAFF, Role.COMPANY_ADMIN):
        person = Principal(role=role, company_id=a.id, user_id=str(uuid.uuid4()))
        for customer in (b.customer_id, unknown):
            for sale in (passes_pb2.PASS_SALE_GRANT, passes_pb2.PASS_SALE_CASH):
                assert await call_as(
                    env.passes, "GrantPass", _grant(a.product_id, customer, sale), person
                ) == (
                    grpc.StatusCode.NOT_FOUND,
                    "CUSTOMER_NOT_FOUND",
                )
            assert await _passes_of(env, a.id, customer) == 0  # nothing written
        assert await call_as(env.passes, "GrantPass", _grant(a.product_id, a.customer_id), person) == (
            grpc.StatusCode.OK,
            None,
        )
    assert await _passes_of(env, a.id, a.customer_id) == 2


async def test_a_platform_admin_grants_only_to_a_customer_of_the_products_company(env: Env) -> None:
    a, b = await _company(env), await _company(env)
    admin = Principal(role=Role.PLATFORM_ADMIN, user_id=str(uuid.uuid4()))
    assert await call_as(env.passes, "GrantPass", _grant(a.product_id, b.customer_id), admin) == (
        grpc.StatusCode.NOT_FOUND,
        "CUSTOMER_NOT_FOUND",
    )
    assert await call_as(env.passes, "GrantPass", _grant(b.product_id, b.customer_id), admin) == (
        grpc.StatusCode.OK,
        None,
    )


async def test_an_unknown_product_is_still_the_products_not_found(env: Env) -> None:
    a = await _company(env)
    staff = Principal(role=Role.STAFF, company_id=a.id, user_id=str(uuid.uuid4()))
    assert await call_as(env.passes, "GrantPass", _grant(str(uuid.uuid4()), a.customer_id), staff) == (
        grpc.StatusCode.NOT_FOUND,
        "PASS_PRODUCT_NOT_FOUND",
    )


async def test_internal_callers_are_trusted(env: Env) -> None:
    a = await _company(env)
    unknown = str(uuid.uuid4())
    await env.passes.GrantPass(_grant(a.product_id, unknown))
    assert await _passes_of(env, a.id, unknown) == 1


async def test_a_product_created_by_a_person_is_audited_and_an_internal_one_is_not(
    env: Env, database_url: str
) -> None:
    a = await _company(env)  # its product was created by an internal caller
    admin = Principal(role=Role.COMPANY_ADMIN, company_id=a.id, user_id=str(uuid.uuid4()))
    request = passes_pb2.CreatePassProductRequest(
        request_id=str(uuid.uuid4()),
        company_id=a.id,
        name="Summer card",
        credits=5,
        validity_days=30,
        price=money_pb2.Money(amount_minor=4500, currency_code="EUR"),
    )
    created = (await env.passes.CreatePassProduct(request, metadata=forged(admin))).product
    assert (await env.passes.CreatePassProduct(request, metadata=forged(admin))).product == created  # a retry

    db = Database(database_url, pool_size=1)
    try:
        async with db.transaction() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT entity_id, action, actor_user_id, company_id, changed FROM passes.audit_log"
                        " WHERE entity_type = 'pass_product' AND entity_id IN (:made, :internal)"
                    ),
                    {"made": created.id, "internal": a.product_id},
                )
            ).all()
    finally:
        await db.close()
    assert [(row.entity_id, row.action, row.actor_user_id, row.company_id) for row in rows] == [
        (created.id, "create", admin.user_id, a.id)
    ]
    assert rows[0].changed["after"]["name"] == "Summer card"
    assert rows[0].changed["after"]["price_minor"] == 4500


async def _resource(env: Env, company: str) -> str:
    reply = await env.catalog.CreateResource(
        catalog_pb2.CreateResourceRequest(
            request_id=str(uuid.uuid4()),
            company_id=company,
            name="Gym Room",
            booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
        )
    )
    return str(reply.resource.id)


async def _product(env: Env, product_id: str) -> passes_pb2.PassProduct:
    reply = await env.passes.GetPassProduct(passes_pb2.GetPassProductRequest(product_id=product_id))
    return reply.product


def _change(
    product: passes_pb2.PassProduct, path: str, **fields: object
) -> passes_pb2.UpdatePassProductRequest:
    change = passes_pb2.UpdatePassProductRequest(
        request_id=str(uuid.uuid4()),
        product=passes_pb2.PassProduct(id=product.id, etag=product.etag, **fields),  # type: ignore[arg-type]
    )
    change.update_mask.paths.append(path)
    return change


async def test_a_products_resources_are_its_companys_own(env: Env) -> None:
    a, b = await _company(env), await _company(env)
    own, foreign = await _resource(env, a.id), await _resource(env, b.id)
    for principal in (
        Principal(role=Role.COMPANY_ADMIN, company_id=a.id, user_id=str(uuid.uuid4())),
        Principal(role=Role.PLATFORM_ADMIN, user_id=str(uuid.uuid4())),
    ):
        product = await _product(env, a.product_id)
        for resources in ([foreign], [str(uuid.uuid4())], [own, foreign]):
            assert await call_as(
                env.passes,
                "UpdatePassProduct",
                _change(product, "resource_ids", resource_ids=resources),
                principal,
            ) == (grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND")
        assert list((await _product(env, a.product_id)).resource_ids) == []  # nothing changed
    admin = Principal(role=Role.COMPANY_ADMIN, company_id=a.id, user_id=str(uuid.uuid4()))
    product = await _product(env, a.product_id)
    assert await call_as(
        env.passes, "UpdatePassProduct", _change(product, "resource_ids", resource_ids=[own]), admin
    ) == (grpc.StatusCode.OK, None)
    assert list((await _product(env, a.product_id)).resource_ids) == [own]


@pytest.mark.parametrize("currency", ["USD", "BTC", "XXX"])
async def test_a_product_is_priced_in_its_companys_currency(env: Env, currency: str) -> None:
    a = await _company(env)  # a EUR company
    admin = Principal(role=Role.COMPANY_ADMIN, company_id=a.id, user_id=str(uuid.uuid4()))
    create = passes_pb2.CreatePassProductRequest(
        request_id=str(uuid.uuid4()),
        company_id=a.id,
        name="Card",
        credits=5,
        validity_days=30,
        price=money_pb2.Money(amount_minor=4500, currency_code=currency),
    )
    assert await call_as(env.passes, "CreatePassProduct", create, admin) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "CURRENCY_MISMATCH",
    )
    product = await _product(env, a.product_id)
    price = money_pb2.Money(amount_minor=100, currency_code=currency)
    assert await call_as(env.passes, "UpdatePassProduct", _change(product, "price", price=price), admin) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "CURRENCY_MISMATCH",
    )
    assert (await _product(env, a.product_id)).price.currency_code == "EUR"
    # A platform admin naming a company the catalog does not know gets no product.
    platform = Principal(role=Role.PLATFORM_ADMIN, user_id=str(uuid.uuid4()))
    nowhere = passes_pb2.CreatePassProductRequest()
    nowhere.CopyFrom(create)
    nowhere.company_id, nowhere.price.currency_code = str(uuid.uuid4()), "EUR"
    assert await call_as(env.passes, "CreatePassProduct", nowhere, platform) == (
        grpc.StatusCode.NOT_FOUND,
        "COMPANY_NOT_FOUND",
    )
    euro = passes_pb2.CreatePassProductRequest()
    euro.CopyFrom(create)
    euro.price.currency_code = "EUR"
    assert await call_as(env.passes, "CreatePassProduct", euro, admin) == (grpc.StatusCode.OK, None)
