"""Names and descriptions that would show something else are refused by catalog itself, not
only at the gateway: a gRPC caller past the gateway gets INVALID_ARGUMENT with the reason and
field (plumbing.text holds the one pattern of each)."""

import uuid

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from bookingplatform.catalog.v1 import catalog_pb2

pytestmark = pytest.mark.integration

# A line break (CR, LF, CRLF), a right-to-left override, an isolate, only zero-width characters,
# a C1 control, a line separator.
BAD_NAMES = ("Line\nBreak", "Harbour\r\nX-INJECTED:yes", "x\rBEGIN:VEVENT", "Inv\u202eited", "\u2066Ada")
BAD_NAMES += ("\u200b", "\u200b\u200c\ufeff", "Ada\x85Admin", "Ada\u2028Admin")
READABLE = ("Café Zoë \u2013 2 h", "محمد علي", "李小龍", "Zoë\u200dx", "O'Brien & Sons (10 classes)")


async def test_company_resource_and_customer_names_that_show_something_else_are_invalid_name(
    catalog, company, resource, refused
):
    for name in BAD_NAMES:
        made = await refused(
            catalog.CreateCompany(
                catalog_pb2.CreateCompanyRequest(
                    request_id=str(uuid.uuid4()), name=name, time_zone="Europe/Berlin", currency_code="EUR"
                )
            )
        )
        renamed = await refused(
            catalog.UpdateCompany(
                catalog_pb2.UpdateCompanyRequest(
                    company=catalog_pb2.Company(id=company.id, etag=company.etag, name=name),
                    update_mask=FieldMask(paths=["name"]),
                )
            )
        )
        new_resource = await refused(
            catalog.CreateResource(
                catalog_pb2.CreateResourceRequest(
                    request_id=str(uuid.uuid4()),
                    company_id=company.id,
                    name=name,
                    booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
                )
            )
        )
        resource_renamed = await refused(
            catalog.UpdateResource(
                catalog_pb2.UpdateResourceRequest(
                    resource=catalog_pb2.Resource(id=resource.id, etag=resource.etag, name=name),
                    update_mask=FieldMask(paths=["name"]),
                )
            )
        )
        customer = await refused(
            catalog.CreateCustomer(
                catalog_pb2.CreateCustomerRequest(
                    request_id=str(uuid.uuid4()),
                    company_id=company.id,
                    display_name=name,
                    email=f"{uuid.uuid4().hex[:8]}@example.com",
                )
            )
        )
        for refusal, field in (
            (made, "name"),
            (renamed, "name"),
            (new_resource, "name"),
            (resource_renamed, "name"),
            (customer, "display_name"),
        ):
            assert (refusal.code, refusal.reason, refusal.field) == (
                grpc.StatusCode.INVALID_ARGUMENT,
                "INVALID_NAME",
                field,
            ), (name, refusal)

    for name in READABLE:
        reply = await catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                request_id=str(uuid.uuid4()),
                company_id=company.id,
                name=name,
                booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
            )
        )
        assert reply.resource.name == name


async def test_a_description_keeps_its_lines_but_no_other_control_or_bidi_override(catalog, company, refused):
    def update(**values):
        return catalog.UpdateCompany(
            catalog_pb2.UpdateCompanyRequest(
                company=catalog_pb2.Company(id=company.id, etag=company.etag, **values),
                update_mask=FieldMask(paths=sorted(values)),
            )
        )

    for field, reason in (("description", "INVALID_DESCRIPTION"), ("address", "INVALID_CONTACT")):
        for bad in ("Harbour\x1b[31m", "Quay \u202e1", "bell\x07"):
            refusal = await refused(update(**{field: bad}))
            assert (refusal.code, refusal.reason, refusal.field) == (
                grpc.StatusCode.INVALID_ARGUMENT,
                reason,
                field,
            ), (field, bad)
    amenity = await refused(
        catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                request_id=str(uuid.uuid4()),
                company_id=company.id,
                name="Sauna",
                booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
                amenities=["Towels\nX-INJECTED:yes"],
            )
        )
    )
    assert amenity.reason == "INVALID_AMENITIES"
    changed = (
        await update(description="Yoga by the harbour.\r\nMats\tincluded.", address="Quay 1\n20457 Hamburg")
    ).company
    assert changed.description == "Yoga by the harbour.\r\nMats\tincluded."
    assert changed.address == "Quay 1\n20457 Hamburg"


async def test_an_address_that_is_not_one_plain_mailbox_is_invalid_email(catalog, company, refused):
    # An encoded word read as two recipients, a quote opening an attribute, a list, a comment.
    for address in (
        "=?utf-8?q?victim1=40target.example=2C_victim2=40target.example=2C?=@example.com",
        "a\"onmouseover=alert(5)'@x.com",
        "eve@example.com,boss@example.com",
        "eve(admin)@example.com",
        "<script>@x.com",
    ):
        contact = await refused(
            catalog.UpdateCompany(
                catalog_pb2.UpdateCompanyRequest(
                    company=catalog_pb2.Company(id=company.id, etag=company.etag, contact_email=address),
                    update_mask=FieldMask(paths=["contact_email"]),
                )
            )
        )
        customer = await refused(
            catalog.CreateCustomer(
                catalog_pb2.CreateCustomerRequest(
                    request_id=str(uuid.uuid4()), company_id=company.id, display_name="Eve", email=address
                )
            )
        )
        assert (contact.reason, contact.field) == ("INVALID_EMAIL", "contact_email"), address
        assert (customer.reason, customer.field) == ("INVALID_EMAIL", "email"), address
