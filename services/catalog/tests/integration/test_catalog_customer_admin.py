"""Customers for the front desk: search by name or e-mail prefix with keyset pages, and updates
at the version read."""

import uuid

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from plumbing.grpc_client import channel
from plumbing.principal import Principal, Role, acting_as

pytestmark = pytest.mark.integration


async def _customer(catalog, company, name: str, email: str) -> catalog_pb2.Customer:
    request = catalog_pb2.CreateCustomerRequest(
        request_id=str(uuid.uuid4()), company_id=company.id, display_name=name, email=email
    )
    return (await catalog.CreateCustomer(request)).customer


async def test_customers_are_searched_by_name_or_email_prefix_ignoring_case(catalog, company):
    await _customer(catalog, company, "Ada Lovelace", "ada@example.com")
    await _customer(catalog, company, "Grace Hopper", "admiral@navy.example")
    await _customer(catalog, company, "Alan Turing", "alan@example.com")
    await _customer(catalog, company, "Wildcard 100%", "pct@example.com")

    async def names(query: str) -> list[str]:
        reply = await catalog.ListCustomers(
            catalog_pb2.ListCustomersRequest(company_id=company.id, query=query)
        )
        return [c.display_name for c in reply.customers]

    assert await names("ad") == ["Ada Lovelace", "Grace Hopper"]  # name, then e-mail
    assert await names("AL") == ["Alan Turing"]
    assert await names("") == ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Wildcard 100%"]
    assert await names("%") == []  # a LIKE wildcard is taken literally
    assert await names("wildcard 100%") == ["Wildcard 100%"]


async def test_a_search_pages_in_name_order_and_lists_a_double_match_once(catalog, company):
    await _customer(catalog, company, "Zed Quill", "annex@example.com")  # by e-mail only
    await _customer(catalog, company, "Anna Bell", "anna@example.com")  # by name and e-mail
    await _customer(catalog, company, "Annabel Lee", "lee@example.com")  # by name only
    await _customer(catalog, company, "Bob Stone", "bob@example.com")
    pages, token = [], ""
    while True:
        reply = await catalog.ListCustomers(
            catalog_pb2.ListCustomersRequest(
                company_id=company.id, query="ANN", page_size=2, page_token=token
            )
        )
        pages.append([c.display_name for c in reply.customers])
        token = reply.next_page_token
        if not token:
            break
    assert pages == [["Anna Bell", "Annabel Lee"], ["Zed Quill"]]


async def test_customer_pages_follow_the_name_order_with_has_more(catalog, company):
    for n in range(5):
        await _customer(catalog, company, f"Member {n}", f"m{n}@example.com")
    seen, token = [], ""
    while True:
        reply = await catalog.ListCustomers(
            catalog_pb2.ListCustomersRequest(company_id=company.id, page_size=2, page_token=token)
        )
        seen += [c.display_name for c in reply.customers]
        assert reply.has_more == bool(reply.next_page_token)
        token = reply.next_page_token
        if not token:
            break
    assert seen == [f"Member {n}" for n in range(5)]


async def test_another_companys_staff_cannot_list_or_update_its_customers(
    catalog, catalog_service, company, refused
):
    customer = await _customer(catalog, company, "Ada", "ada@example.com")
    stranger = Principal(role=Role.STAFF, company_id=str(uuid.uuid4()), user_id=str(uuid.uuid4()))
    # plumbing's channel sends the current principal, as the gateway's calls do.
    async with channel(catalog_service.address) as forwarding:
        stranger_catalog = catalog_pb2_grpc.CatalogServiceStub(forwarding)
        with acting_as(stranger):
            listing = await refused(
                stranger_catalog.ListCustomers(catalog_pb2.ListCustomersRequest(company_id=company.id))
            )
            update = await refused(
                stranger_catalog.UpdateCustomer(
                    catalog_pb2.UpdateCustomerRequest(
                        customer=catalog_pb2.Customer(id=customer.id, display_name="Eve"),
                        update_mask=FieldMask(paths=["display_name"]),
                        expected_version=customer.version,
                    )
                )
            )
    assert (listing.code, listing.reason) == (grpc.StatusCode.NOT_FOUND, "COMPANY_NOT_FOUND")
    assert (update.code, update.reason) == (grpc.StatusCode.NOT_FOUND, "CUSTOMER_NOT_FOUND")
    unchanged = (await catalog.GetCustomer(catalog_pb2.GetCustomerRequest(customer_id=customer.id))).customer
    assert unchanged.display_name == "Ada"


async def test_an_update_changes_the_masked_fields_once_at_the_version_read(catalog, company, refused):
    customer = await _customer(catalog, company, "Ada", "ada@example.com")
    assert customer.version == 1
    update = catalog_pb2.UpdateCustomerRequest(
        customer=catalog_pb2.Customer(
            id=customer.id, display_name="Ada King", email="", phone="+44 20 7946 0000"
        ),
        update_mask=FieldMask(paths=["display_name", "phone"]),
        expected_version=1,
    )
    updated = (await catalog.UpdateCustomer(update)).customer
    assert (updated.display_name, updated.email, updated.phone, updated.version) == (
        "Ada King",
        "ada@example.com",
        "+44 20 7946 0000",
        2,
    )
    stale = await refused(catalog.UpdateCustomer(update))
    assert (stale.code, stale.reason) == (grpc.StatusCode.ABORTED, "VERSION_MISMATCH")
    no_email = await refused(
        catalog.UpdateCustomer(
            catalog_pb2.UpdateCustomerRequest(
                customer=catalog_pb2.Customer(id=customer.id, email=""),
                update_mask=FieldMask(paths=["email"]),
                expected_version=2,
            )
        )
    )
    assert no_email.reason == "EMAIL_REQUIRED"
    bad_mask = await refused(
        catalog.UpdateCustomer(
            catalog_pb2.UpdateCustomerRequest(
                customer=catalog_pb2.Customer(id=customer.id),
                update_mask=FieldMask(paths=["guest"]),
                expected_version=2,
            )
        )
    )
    assert bad_mask.reason == "INVALID_UPDATE_MASK"
    taken = await _customer(catalog, company, "Bo", "bo@example.com")
    clash = await refused(
        catalog.UpdateCustomer(
            catalog_pb2.UpdateCustomerRequest(
                customer=catalog_pb2.Customer(id=taken.id, email="ADA@example.com"),
                update_mask=FieldMask(paths=["email"]),
                expected_version=1,
            )
        )
    )
    assert (clash.code, clash.reason) == (grpc.StatusCode.ALREADY_EXISTS, "CUSTOMER_EMAIL_TAKEN")
