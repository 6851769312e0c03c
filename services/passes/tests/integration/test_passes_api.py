"""PassesService through a real grpc.aio server on real PostgreSQL."""

import uuid
from datetime import timedelta

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from bookingplatform.common.v1 import money_pb2
from bookingplatform.passes.v1 import passes_pb2, passes_pb2_grpc
from passes.bootstrap import start
from passes.settings import Settings
from plumbing.grpc_server import error_reason

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def stub(database_url, nats_url):
    service = await start(Settings(database_url=database_url, nats_url=nats_url))
    async with grpc.aio.insecure_channel(service.address) as channel:
        yield passes_pb2_grpc.PassesServiceStub(channel)
    await service.stop(0.1)


def product_request(company_id=None, **overrides):
    fields = dict(
        request_id=str(uuid.uuid4()),
        company_id=company_id or str(uuid.uuid4()),
        name="10 classes",
        credits=10,
        validity_days=90,
        price=money_pb2.Money(amount_minor=9900, currency_code="EUR"),
    )
    fields.update(overrides)
    return passes_pb2.CreatePassProductRequest(**fields)


def bad_field(error: grpc.aio.AioRpcError) -> str:
    status = rpc_status.from_call(error)
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            return bad_request.field_violations[0].field
    return ""


async def test_creating_a_product_twice_with_one_request_id_creates_it_once(stub):
    request = product_request()
    first = await stub.CreatePassProduct(request)
    again = await stub.CreatePassProduct(request)
    assert first.product.id == again.product.id
    assert first.product.company_id == request.company_id
    assert (first.product.credits, first.product.validity_days) == (10, 90)
    assert (first.product.price.amount_minor, first.product.price.currency_code) == (9900, "EUR")


async def test_the_same_request_id_in_another_company_is_another_product(stub):
    request = product_request()
    other = passes_pb2.CreatePassProductRequest()
    other.CopyFrom(request)
    other.company_id = str(uuid.uuid4())
    first = await stub.CreatePassProduct(request)
    second = await stub.CreatePassProduct(other)
    assert first.product.id != second.product.id


async def test_a_request_id_reused_for_a_different_product_is_refused(stub):
    request = product_request()
    await stub.CreatePassProduct(request)
    request.credits = 5
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.CreatePassProduct(request)
    assert raised.value.code() == grpc.StatusCode.ABORTED
    assert error_reason(raised.value) == "REQUEST_ID_REUSED"


@pytest.mark.parametrize(
    ("overrides", "reason", "field"),
    [
        ({"company_id": "acme"}, "INVALID_ID", "company_id"),
        ({"request_id": ""}, "INVALID_REQUEST_ID", "request_id"),
        ({"credits": 0}, "INVALID_CREDITS", "credits"),
        ({"validity_days": -1}, "INVALID_VALIDITY_DAYS", "validity_days"),
        ({"name": ""}, "INVALID_NAME", "name"),
        ({"price": money_pb2.Money(amount_minor=100)}, "INVALID_CURRENCY", "price.currency_code"),
        (
            {"price": money_pb2.Money(amount_minor=-1, currency_code="EUR")},
            "INVALID_AMOUNT",
            "price.amount_minor",
        ),
    ],
)
async def test_an_invalid_product_is_refused_with_the_field_and_reason(stub, overrides, reason, field):
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.CreatePassProduct(product_request(**overrides))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_reason(raised.value) == reason
    assert bad_field(raised.value) == field


async def test_granting_a_pass_gives_its_credits_for_its_validity_once_per_request_id(stub):
    product = (await stub.CreatePassProduct(product_request(credits=8, validity_days=30))).product
    customer = str(uuid.uuid4())
    grant = passes_pb2.GrantPassRequest(
        request_id=str(uuid.uuid4()), product_id=product.id, customer_id=customer
    )

    first = (await stub.GrantPass(grant)).entitlement
    again = (await stub.GrantPass(grant)).entitlement

    assert again == first
    assert (first.company_id, first.customer_id, first.product_id) == (
        product.company_id,
        customer,
        product.id,
    )
    assert (first.credits_total, first.credits_used, first.credits_held) == (8, 0, 0)
    valid_from = first.valid_from_time.ToDatetime()
    assert first.valid_until_time.ToDatetime() - valid_from == timedelta(days=30)
    listed = await stub.ListEntitlements(
        passes_pb2.ListEntitlementsRequest(company_id=product.company_id, customer_id=customer)
    )
    assert [e.id for e in listed.entitlements] == [first.id]


async def test_concurrent_retries_of_a_grant_create_one_entitlement(stub):
    import asyncio

    product = (await stub.CreatePassProduct(product_request())).product
    customer = str(uuid.uuid4())
    grant = passes_pb2.GrantPassRequest(
        request_id=str(uuid.uuid4()), product_id=product.id, customer_id=customer
    )
    replies = await asyncio.gather(*(stub.GrantPass(grant) for _ in range(10)))
    assert len({reply.entitlement.id for reply in replies}) == 1
    listed = await stub.ListEntitlements(
        passes_pb2.ListEntitlementsRequest(company_id=product.company_id, customer_id=customer)
    )
    assert len(listed.entitlements) == 1


async def test_a_grant_request_id_reused_for_another_customer_is_refused(stub):
    product = (await stub.CreatePassProduct(product_request())).product
    grant = passes_pb2.GrantPassRequest(
        request_id=str(uuid.uuid4()), product_id=product.id, customer_id=str(uuid.uuid4())
    )
    await stub.GrantPass(grant)
    grant.customer_id = str(uuid.uuid4())
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.GrantPass(grant)
    assert raised.value.code() == grpc.StatusCode.ABORTED
    assert error_reason(raised.value) == "REQUEST_ID_REUSED"


async def test_granting_an_unknown_product_is_not_found(stub):
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.GrantPass(
            passes_pb2.GrantPassRequest(
                request_id="r", product_id=str(uuid.uuid4()), customer_id=str(uuid.uuid4())
            )
        )
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    assert error_reason(raised.value) == "PASS_PRODUCT_NOT_FOUND"


async def test_granting_with_a_bad_customer_id_is_an_invalid_argument(stub):
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.GrantPass(
            passes_pb2.GrantPassRequest(request_id="r", product_id=str(uuid.uuid4()), customer_id="bob")
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (error_reason(raised.value), bad_field(raised.value)) == ("INVALID_ID", "customer_id")


async def test_get_entitlement_returns_it_and_unknown_ids_are_not_found(stub):
    product = (await stub.CreatePassProduct(product_request())).product
    granted = (
        await stub.GrantPass(
            passes_pb2.GrantPassRequest(
                request_id=str(uuid.uuid4()), product_id=product.id, customer_id=str(uuid.uuid4())
            )
        )
    ).entitlement
    got = await stub.GetEntitlement(passes_pb2.GetEntitlementRequest(entitlement_id=granted.id))
    assert got.entitlement == granted

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.GetEntitlement(passes_pb2.GetEntitlementRequest(entitlement_id=str(uuid.uuid4())))
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    assert error_reason(raised.value) == "ENTITLEMENT_NOT_FOUND"

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.GetEntitlement(passes_pb2.GetEntitlementRequest(entitlement_id=""))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_reason(raised.value) == "INVALID_ID"


async def test_a_customers_entitlements_are_listed_newest_first_within_the_company(stub):
    company = str(uuid.uuid4())
    customer = str(uuid.uuid4())
    product = (await stub.CreatePassProduct(product_request(company_id=company))).product
    other_product = (await stub.CreatePassProduct(product_request())).product
    granted = []
    for _ in range(3):
        reply = await stub.GrantPass(
            passes_pb2.GrantPassRequest(
                request_id=str(uuid.uuid4()), product_id=product.id, customer_id=customer
            )
        )
        granted.append(reply.entitlement.id)
    await stub.GrantPass(  # same customer id in another company: not listed
        passes_pb2.GrantPassRequest(
            request_id=str(uuid.uuid4()), product_id=other_product.id, customer_id=customer
        )
    )
    await stub.GrantPass(  # another customer of the company: not listed
        passes_pb2.GrantPassRequest(
            request_id=str(uuid.uuid4()), product_id=product.id, customer_id=str(uuid.uuid4())
        )
    )
    listed = await stub.ListEntitlements(
        passes_pb2.ListEntitlementsRequest(company_id=company, customer_id=customer)
    )
    assert [e.id for e in listed.entitlements] == list(reversed(granted))
