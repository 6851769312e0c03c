"""Guest customers on the real catalog: one customer per (company, e-mail) however often a
guest books, refused for another company, and converted into a registered customer on sign-up."""

import asyncio
import uuid

import grpc
import pytest

from bookingplatform.catalog.v1 import catalog_pb2, guest_customers_pb2, guest_customers_pb2_grpc
from plumbing.principal import Principal, Role
from plumbing.tenancy_testing import forged

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def guests(catalog_service):
    async with grpc.aio.insecure_channel(catalog_service.address) as channel:
        yield guest_customers_pb2_grpc.GuestCustomerServiceStub(channel)


def _guest_of(company_id: str):
    return forged(Principal(role=Role.GUEST, company_id=company_id))


def _ensure(company_id: str, email: str, name: str = "Ada Guest"):
    return guest_customers_pb2.EnsureGuestCustomerRequest(
        company_id=company_id, email=email, display_name=name
    )


async def test_a_guest_who_books_again_with_the_same_email_is_the_same_customer(guests, company) -> None:
    email = f"{uuid.uuid4().hex[:8]}@Example.com"
    first = await guests.EnsureGuestCustomer(_ensure(company.id, email), metadata=_guest_of(company.id))
    again = await guests.EnsureGuestCustomer(
        _ensure(company.id, email.lower(), "Other Name"), metadata=_guest_of(company.id)
    )
    assert first.created and not again.created
    assert again.customer.id == first.customer.id
    assert first.customer.guest and first.customer.display_name == "Ada Guest"


async def test_concurrent_first_bookings_of_one_email_make_one_guest(guests, company) -> None:
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    answers = await asyncio.gather(
        *(
            guests.EnsureGuestCustomer(_ensure(company.id, email), metadata=_guest_of(company.id))
            for _ in range(8)
        )
    )
    assert len({answer.customer.id for answer in answers}) == 1
    assert sum(answer.created for answer in answers) == 1


async def test_an_email_of_a_registered_customer_is_answered_as_that_customer(
    catalog, guests, company
) -> None:
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    registered = (
        await catalog.CreateCustomer(
            catalog_pb2.CreateCustomerRequest(
                request_id=str(uuid.uuid4()), company_id=company.id, display_name="Reg", email=email
            )
        )
    ).customer
    ensured = await guests.EnsureGuestCustomer(_ensure(company.id, email), metadata=_guest_of(company.id))
    assert (ensured.customer.id, ensured.customer.guest, ensured.created) == (registered.id, False, False)


async def test_a_guest_principal_of_another_company_is_refused(guests, company, refused) -> None:
    other = str(uuid.uuid4())
    refusal = await refused(
        guests.EnsureGuestCustomer(_ensure(company.id, "a@example.com"), metadata=_guest_of(other))
    )
    assert (refusal.code, refusal.reason) == (grpc.StatusCode.NOT_FOUND, "COMPANY_NOT_FOUND")
    customer = forged(Principal(role=Role.CUSTOMER, company_id=company.id, customer_id=str(uuid.uuid4())))
    refusal = await refused(
        guests.EnsureGuestCustomer(_ensure(company.id, "a@example.com"), metadata=customer)
    )
    assert refusal.code == grpc.StatusCode.PERMISSION_DENIED


async def test_bad_input_is_refused_with_the_field(guests, company, refused) -> None:
    for request, field in (
        (_ensure(company.id, ""), "email"),
        (_ensure(company.id, "not-an-address"), "email"),
        (_ensure(company.id, "a@example.com", "  "), "display_name"),
        (_ensure("nope", "a@example.com"), "company_id"),
    ):
        refusal = await refused(guests.EnsureGuestCustomer(request))
        assert (refusal.code, refusal.field) == (grpc.StatusCode.INVALID_ARGUMENT, field)
    refusal = await refused(guests.EnsureGuestCustomer(_ensure(str(uuid.uuid4()), "a@example.com")))
    assert (refusal.code, refusal.reason) == (grpc.StatusCode.NOT_FOUND, "COMPANY_NOT_FOUND")


async def test_signing_up_converts_the_guest_into_a_registered_customer_with_the_same_id(
    catalog, guests, company, refused
) -> None:
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    guest = (
        await guests.EnsureGuestCustomer(_ensure(company.id, email), metadata=_guest_of(company.id))
    ).customer
    convert = guest_customers_pb2.ConvertGuestCustomerRequest(
        company_id=company.id, email=email.upper(), display_name="Ada Lovelace"
    )
    converted = (await guests.ConvertGuestCustomer(convert)).customer
    assert (converted.id, converted.guest, converted.display_name) == (guest.id, False, "Ada Lovelace")
    assert converted.version == guest.version + 1
    stored = (await catalog.GetCustomer(catalog_pb2.GetCustomerRequest(customer_id=guest.id))).customer
    assert not stored.guest
    # Again: the registered customer as it is.
    assert (await guests.ConvertGuestCustomer(convert)).customer == converted
    # A guest may not convert itself; an unknown address is not found.
    refusal = await refused(guests.ConvertGuestCustomer(convert, metadata=_guest_of(company.id)))
    assert refusal.code == grpc.StatusCode.PERMISSION_DENIED
    unknown = guest_customers_pb2.ConvertGuestCustomerRequest(company_id=company.id, email="x" + email)
    refusal = await refused(guests.ConvertGuestCustomer(unknown))
    assert (refusal.code, refusal.reason) == (grpc.StatusCode.NOT_FOUND, "GUEST_CUSTOMER_NOT_FOUND")
