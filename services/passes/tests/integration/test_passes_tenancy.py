"""Tenancy on the real PassesService: every RPC (from the service descriptor) refuses a forged
principal of company A naming company B's products or passes, answers it on its own, and a
customer principal sees its own passes only."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import grpc
import pytest
from google.protobuf import field_mask_pb2

from bookingplatform.common.v1 import money_pb2
from bookingplatform.passes.v1 import passes_pb2, passes_pb2_grpc
from passes.bootstrap import start
from passes.settings import Settings
from plumbing.principal import Principal, Role
from plumbing.tenancy_testing import Case, assert_allowed, assert_refused, call_as, rpc_names

pytestmark = pytest.mark.integration

SERVICE = passes_pb2.DESCRIPTOR.services_by_name["PassesService"]
P = passes_pb2


@pytest.fixture(scope="module")
async def stub(database_url: str, nats_url: str) -> AsyncIterator[passes_pb2_grpc.PassesServiceStub]:
    service = await start(Settings(database_url=database_url, nats_url=nats_url))
    async with grpc.aio.insecure_channel(service.address) as channel:
        yield passes_pb2_grpc.PassesServiceStub(channel)
    await service.stop(0.1)


@dataclass(frozen=True)
class Tenant:
    company: str
    customer: str
    product: P.PassProduct
    entitlement: str


def _product_request(company: str) -> P.CreatePassProductRequest:
    return P.CreatePassProductRequest(
        request_id=str(uuid.uuid4()),
        company_id=company,
        name="10 classes",
        credits=10,
        validity_days=90,
        price=money_pb2.Money(amount_minor=9900, currency_code="EUR"),
    )


def _grant(product_id: str, customer: str) -> P.GrantPassRequest:
    return P.GrantPassRequest(request_id=str(uuid.uuid4()), product_id=product_id, customer_id=customer)


async def _tenant(stub: passes_pb2_grpc.PassesServiceStub) -> Tenant:
    """A company with a product and a customer's pass, made by the internal caller."""
    company, customer = str(uuid.uuid4()), str(uuid.uuid4())
    product = (await stub.CreatePassProduct(_product_request(company))).product
    entitlement = (await stub.GrantPass(_grant(product.id, customer))).entitlement
    return Tenant(company, customer, product, entitlement.id)


def _update(product: P.PassProduct) -> object:
    changed = P.PassProduct()
    changed.CopyFrom(product)
    changed.name = "12 classes"
    return P.UpdatePassProductRequest(  # type: ignore[attr-defined,unused-ignore]
        request_id=str(uuid.uuid4()), product=changed, update_mask=field_mask_pb2.FieldMask(paths=["name"])
    )


def _archive(product: P.PassProduct) -> object:
    return P.ArchivePassProductRequest(  # type: ignore[attr-defined,unused-ignore]
        request_id=str(uuid.uuid4()), product_id=product.id
    )


Requests = Callable[[Tenant], object]


def _case(request: Requests, reason: str) -> Callable[[Tenant, Tenant], Case]:
    """`request` on the other company's tenant (foreign) and on the caller's (own)."""
    return lambda own, other: Case(foreign=request(other), own=request(own), reason=reason)  # type: ignore[arg-type]


CASES: dict[str, Callable[[Tenant, Tenant], Case]] = {
    "CreatePassProduct": _case(lambda t: _product_request(t.company), "COMPANY_NOT_FOUND"),
    "GrantPass": _case(lambda t: _grant(t.product.id, t.customer), "PASS_PRODUCT_NOT_FOUND"),
    "GetEntitlement": _case(
        lambda t: P.GetEntitlementRequest(entitlement_id=t.entitlement), "ENTITLEMENT_NOT_FOUND"
    ),
    "ListEntitlements": _case(
        lambda t: P.ListEntitlementsRequest(company_id=t.company, customer_id=t.customer),
        "ENTITLEMENT_NOT_FOUND",
    ),
    "GetPassProduct": _case(
        lambda t: P.GetPassProductRequest(product_id=t.product.id),  # type: ignore[attr-defined,unused-ignore]
        "PASS_PRODUCT_NOT_FOUND",
    ),
    "ListPassProducts": _case(
        lambda t: P.ListPassProductsRequest(company_id=t.company),  # type: ignore[attr-defined,unused-ignore]
        "COMPANY_NOT_FOUND",
    ),
    "UpdatePassProduct": _case(lambda t: _update(t.product), "PASS_PRODUCT_NOT_FOUND"),
    "ArchivePassProduct": _case(lambda t: _archive(t.product), "PASS_PRODUCT_NOT_FOUND"),
}


def test_every_rpc_of_the_service_has_a_tenancy_case() -> None:
    assert set(rpc_names(SERVICE)) <= set(CASES), "add a case for each new RPC"


@pytest.mark.parametrize("rpc", rpc_names(SERVICE))
async def test_another_companys_products_and_passes_are_refused_and_the_own_answered(
    stub: passes_pb2_grpc.PassesServiceStub, rpc: str
) -> None:
    mine, theirs = await _tenant(stub), await _tenant(stub)
    admin = Principal(role=Role.COMPANY_ADMIN, company_id=mine.company, user_id=str(uuid.uuid4()))
    case = CASES[rpc](mine, theirs)
    await assert_refused(stub, rpc, case, admin)
    await assert_allowed(stub, rpc, case, admin)


async def test_a_customer_sees_its_own_passes_only(stub: passes_pb2_grpc.PassesServiceStub) -> None:
    mine = await _tenant(stub)
    neighbour = (await stub.GrantPass(_grant(mine.product.id, str(uuid.uuid4())))).entitlement
    me = Principal(role=Role.CUSTOMER, company_id=mine.company, customer_id=mine.customer)
    reason = "ENTITLEMENT_NOT_FOUND"
    await assert_allowed(
        stub,
        "GetEntitlement",
        Case(
            foreign=P.GetEntitlementRequest(),
            own=P.GetEntitlementRequest(entitlement_id=mine.entitlement),
            reason=reason,
        ),
        me,
    )
    await assert_refused(
        stub,
        "GetEntitlement",
        Case(foreign=P.GetEntitlementRequest(entitlement_id=neighbour.id), reason=reason),
        me,
    )
    other_list = P.ListEntitlementsRequest(company_id=mine.company, customer_id=neighbour.customer_id)
    await assert_refused(stub, "ListEntitlements", Case(foreign=other_list, reason=reason), me)
    # Passes are the company's to hand out: not even to oneself.
    code, refusal = await call_as(stub, "GrantPass", _grant(mine.product.id, mine.customer), me)
    assert (code, refusal) == (grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED")
