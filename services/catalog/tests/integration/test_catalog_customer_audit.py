"""Customers made by people are in the catalog's audit log, in the change's transaction: a guest
creating its own record (the guest is the actor), a guest converted on sign-up, a customer
created by staff; the same calls by internal callers are not (the service principal is no
person)."""

import uuid

import grpc
import pytest
from sqlalchemy import text

from bookingplatform.catalog.v1 import catalog_pb2, guest_customers_pb2, guest_customers_pb2_grpc
from plumbing.db import Database
from plumbing.principal import Principal, Role
from plumbing.tenancy_testing import forged

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def guests(catalog_service):
    async with grpc.aio.insecure_channel(catalog_service.address) as channel:
        yield guest_customers_pb2_grpc.GuestCustomerServiceStub(channel)


async def _entries(database_url: str, customer_id: str) -> list:
    db = Database(database_url, pool_size=1, schema="catalog")
    try:
        async with db.transaction() as conn:
            return (
                await conn.execute(
                    text(
                        "SELECT action, actor_role, actor_user_id, company_id, changed"
                        " FROM catalog.audit_log WHERE entity_type = 'customer' AND entity_id = :id"
                        " ORDER BY occurred_at, id"
                    ),
                    {"id": customer_id},
                )
            ).all()
    finally:
        await db.close()


def _email() -> str:
    return f"{uuid.uuid4().hex[:10]}@example.com"


async def test_a_guest_creating_its_record_and_staff_converting_it_are_audited(
    guests, company, database_url
) -> None:
    email = _email()
    guest = forged(Principal(role=Role.GUEST, company_id=company.id))
    ensure = guest_customers_pb2.EnsureGuestCustomerRequest(
        company_id=company.id, email=email, display_name="Ada Guest"
    )
    created = (await guests.EnsureGuestCustomer(ensure, metadata=guest)).customer
    # Found again: nothing changed, nothing more recorded.
    assert not (await guests.EnsureGuestCustomer(ensure, metadata=guest)).created

    staff = Principal(role=Role.STAFF, company_id=company.id, user_id=str(uuid.uuid4()))
    convert = guest_customers_pb2.ConvertGuestCustomerRequest(
        company_id=company.id, email=email, display_name="Ada Lovelace"
    )
    await guests.ConvertGuestCustomer(convert, metadata=forged(staff))
    await guests.ConvertGuestCustomer(convert, metadata=forged(staff))  # registered already: no change

    rows = await _entries(database_url, created.id)
    assert [(row.action, row.actor_role, row.company_id) for row in rows] == [
        ("create", "GUEST", company.id),
        ("register", "STAFF", company.id),
    ]
    assert rows[0].changed["after"]["guest"] is True
    assert rows[0].changed["after"]["email"] == email
    assert rows[1].actor_user_id == staff.user_id
    assert rows[1].changed == {
        "before": {"guest": True},
        "after": {"guest": False, "display_name": "Ada Lovelace"},
    }


async def test_a_customer_created_by_staff_is_audited_and_an_internal_one_is_not(
    catalog, guests, company, database_url
) -> None:
    staff = Principal(role=Role.STAFF, company_id=company.id, user_id=str(uuid.uuid4()))
    request = catalog_pb2.CreateCustomerRequest(
        request_id=str(uuid.uuid4()), company_id=company.id, display_name="Desk", email=_email()
    )
    by_staff = (await catalog.CreateCustomer(request, metadata=forged(staff))).customer
    assert (await catalog.CreateCustomer(request, metadata=forged(staff))).customer == by_staff  # a retry
    internal = (
        await catalog.CreateCustomer(
            catalog_pb2.CreateCustomerRequest(
                request_id=str(uuid.uuid4()), company_id=company.id, display_name="Seed", email=_email()
            )
        )
    ).customer
    internal_guest = (
        await guests.EnsureGuestCustomer(
            guest_customers_pb2.EnsureGuestCustomerRequest(
                company_id=company.id, email=_email(), display_name="Tool"
            )
        )
    ).customer

    rows = await _entries(database_url, by_staff.id)
    assert [(row.action, row.actor_user_id) for row in rows] == [("create", staff.user_id)]
    assert rows[0].changed["after"]["display_name"] == "Desk"
    assert await _entries(database_url, internal.id) == []
    assert await _entries(database_url, internal_guest.id) == []
