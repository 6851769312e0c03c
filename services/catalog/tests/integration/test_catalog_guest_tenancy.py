"""Tenancy on the real GuestCustomerService: every RPC (from the service descriptor) refuses a
forged principal of company A naming company B, answers it on its own company; a guest may
find or make its own guest record only, and no customer or guest may convert one."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import grpc
import pytest
from google.protobuf.message import Message

from bookingplatform.catalog.v1 import (
    catalog_pb2,
    catalog_pb2_grpc,
    guest_customers_pb2,
    guest_customers_pb2_grpc,
)
from plumbing.principal import Principal, Role
from plumbing.tenancy_testing import Case, assert_allowed, assert_refused, call_as, rpc_names

pytestmark = pytest.mark.integration

SERVICE = guest_customers_pb2.DESCRIPTOR.services_by_name["GuestCustomerService"]
Stub = guest_customers_pb2_grpc.GuestCustomerServiceStub
NOT_FOUND = "COMPANY_NOT_FOUND"


@pytest.fixture(scope="module")
async def guests(catalog_service) -> AsyncIterator[Stub]:  # type: ignore[no-untyped-def]
    async with grpc.aio.insecure_channel(catalog_service.address) as channel:
        yield Stub(channel)


async def _company(catalog: catalog_pb2_grpc.CatalogServiceStub) -> str:
    request = catalog_pb2.CreateCompanyRequest(
        request_id=str(uuid.uuid4()), name="Harbour", time_zone="Europe/Berlin", currency_code="EUR"
    )
    return (await catalog.CreateCompany(request)).company.id  # type: ignore[no-any-return]


def _ensure(company: str, email: str) -> Message:
    return guest_customers_pb2.EnsureGuestCustomerRequest(company_id=company, email=email, display_name="Ada")


def _convert(company: str, email: str) -> Message:
    return guest_customers_pb2.ConvertGuestCustomerRequest(company_id=company, email=email)


# Each RPC's request on a company and an e-mail address that has a guest record there.
REQUESTS: dict[str, Callable[[str, str], Message]] = {
    "EnsureGuestCustomer": _ensure,
    "ConvertGuestCustomer": _convert,
}


@pytest.fixture
async def world(catalog: catalog_pb2_grpc.CatalogServiceStub, guests: Stub) -> tuple[str, str, str]:
    """Companies A and B, each with a guest of one e-mail address (made by the internal caller)."""
    mine, theirs = await _company(catalog), await _company(catalog)
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    for company in (mine, theirs):
        await guests.EnsureGuestCustomer(_ensure(company, email))
    return mine, theirs, email


def test_every_rpc_of_the_service_has_a_tenancy_case() -> None:
    assert set(rpc_names(SERVICE)) <= set(REQUESTS), "add a case for each new RPC"


@pytest.mark.parametrize("rpc", rpc_names(SERVICE))
async def test_another_companys_guests_are_refused_and_the_own_answered(
    guests: Stub, world: tuple[str, str, str], rpc: str
) -> None:
    mine, theirs, email = world
    for role in (Role.COMPANY_ADMIN, Role.STAFF):
        principal = Principal(role=role, company_id=mine, user_id=str(uuid.uuid4()))
        case = Case(foreign=REQUESTS[rpc](theirs, email), own=REQUESTS[rpc](mine, email), reason=NOT_FOUND)
        await assert_refused(guests, rpc, case, principal)
        await assert_allowed(guests, rpc, case, principal)


async def test_a_guest_finds_its_record_in_its_own_company_only(
    guests: Stub, world: tuple[str, str, str]
) -> None:
    mine, theirs, email = world
    guest = Principal(role=Role.GUEST, company_id=mine)
    case = Case(foreign=_ensure(theirs, email), own=_ensure(mine, email), reason=NOT_FOUND)
    await assert_refused(guests, "EnsureGuestCustomer", case, guest)
    await assert_allowed(guests, "EnsureGuestCustomer", case, guest)


async def test_no_customer_or_guest_may_convert_a_guest_record_nor_a_customer_make_one(
    guests: Stub, world: tuple[str, str, str]
) -> None:
    mine, _, email = world
    customer = Principal(role=Role.CUSTOMER, company_id=mine, customer_id=str(uuid.uuid4()))
    guest = Principal(role=Role.GUEST, company_id=mine)
    for rpc, principal in (
        ("ConvertGuestCustomer", customer),
        ("ConvertGuestCustomer", guest),
        ("EnsureGuestCustomer", customer),
    ):
        assert await call_as(guests, rpc, REQUESTS[rpc](mine, email), principal) == (
            grpc.StatusCode.PERMISSION_DENIED,
            "PERMISSION_DENIED",
        ), (rpc, principal.role)
    # The record is still a guest: nothing was converted by the refused calls.
    ensured = await guests.EnsureGuestCustomer(_ensure(mine, email))
    assert ensured.customer.guest
