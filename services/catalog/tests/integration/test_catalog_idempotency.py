"""Creates are idempotent per request_id: retries, concurrent duplicates, keys without a request_id."""

import asyncio
import uuid

import grpc
import pytest
from sqlalchemy import func, select

from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2
from catalog.adapters import tables
from plumbing.db import Database

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def db(database_url):
    database = Database(database_url)
    yield database
    await database.close()


async def rows_with_request_id(db, table, request_id: str) -> int:
    async with db.transaction() as conn:
        return (
            await conn.execute(
                select(func.count()).select_from(table).where(table.c.request_id == request_id)
            )
        ).scalar_one()


async def test_retrying_create_company_returns_the_first_company(catalog, db):
    request = catalog_pb2.CreateCompanyRequest(
        request_id=str(uuid.uuid4()), name="Dune Surf", time_zone="Atlantic/Canary", currency_code="EUR"
    )
    first = (await catalog.CreateCompany(request)).company
    again = (await catalog.CreateCompany(request)).company
    assert again == first
    assert await rows_with_request_id(db, tables.companies, request.request_id) == 1


async def test_a_retry_returns_the_first_result_even_if_the_payload_changed(catalog):
    request_id = str(uuid.uuid4())
    first = (
        await catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                request_id=request_id, name="A", time_zone="UTC", currency_code="EUR"
            )
        )
    ).company
    again = (
        await catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                request_id=request_id, name="B", time_zone="UTC", currency_code="GBP"
            )
        )
    ).company
    assert (again.id, again.name, again.currency_code) == (first.id, "A", "EUR")


async def test_creates_without_a_request_id_are_not_deduplicated(catalog):
    request = catalog_pb2.CreateCompanyRequest(name="Twin", time_zone="UTC", currency_code="EUR")
    first, second = (
        (await catalog.CreateCompany(request)).company,
        (await catalog.CreateCompany(request)).company,
    )
    assert first.id != second.id


async def test_concurrent_create_company_with_one_request_id_gives_one_company(catalog, db):
    request = catalog_pb2.CreateCompanyRequest(
        request_id=str(uuid.uuid4()), name="Race", time_zone="UTC", currency_code="EUR"
    )
    replies = await asyncio.gather(*(catalog.CreateCompany(request) for _ in range(10)))
    assert len({reply.company.id for reply in replies}) == 1
    assert await rows_with_request_id(db, tables.companies, request.request_id) == 1


async def test_retrying_create_customer_returns_the_first_customer_and_does_not_trip_over_its_email(
    catalog, company, db
):
    request = catalog_pb2.CreateCustomerRequest(
        request_id=str(uuid.uuid4()), company_id=company.id, display_name="Flo", email="flo@example.com"
    )
    first = (await catalog.CreateCustomer(request)).customer
    assert (await catalog.CreateCustomer(request)).customer == first
    assert await rows_with_request_id(db, tables.customers, request.request_id) == 1


async def test_concurrent_create_customer_with_one_request_id_gives_one_customer(catalog, company, db):
    request = catalog_pb2.CreateCustomerRequest(
        request_id=str(uuid.uuid4()), company_id=company.id, display_name="Gus", email="gus@example.com"
    )
    replies = await asyncio.gather(*(catalog.CreateCustomer(request) for _ in range(10)))
    assert len({reply.customer.id for reply in replies}) == 1
    assert await rows_with_request_id(db, tables.customers, request.request_id) == 1


async def test_retrying_create_resource_returns_the_first_resource(catalog, company, db):
    request = catalog_pb2.CreateResourceRequest(
        request_id=str(uuid.uuid4()),
        company_id=company.id,
        name="Court 1",
        booking_model=catalog_pb2.BOOKING_MODEL_INTERVAL,
    )
    replies = await asyncio.gather(*(catalog.CreateResource(request) for _ in range(5)))
    assert len({reply.resource.id for reply in replies}) == 1
    assert (await catalog.CreateResource(request)).resource == replies[0].resource
    assert await rows_with_request_id(db, tables.resources, request.request_id) == 1


async def test_concurrent_create_session_with_one_request_id_gives_one_session_and_one_event(
    catalog, session_request, db
):
    request = session_request()
    replies = await asyncio.gather(*(catalog.CreateSession(request) for _ in range(10)))
    [session_id] = {reply.session.id for reply in replies}
    assert (await catalog.CreateSession(request)).session == replies[0].session
    assert await rows_with_request_id(db, tables.sessions, request.request_id) == 1
    async with db.transaction() as conn:
        events = (
            await conn.execute(
                select(tables.outbox.c.id).where(tables.outbox.c.subject == "catalog.events.session_created")
            )
        ).scalars()
        assert [event for event in events if session_id in event] == [f"session_created:{session_id}"]


async def test_retrying_create_extra_returns_the_first_extra(catalog, company, db):
    request = catalog_pb2.CreateExtraRequest(
        request_id=str(uuid.uuid4()),
        company_id=company.id,
        name="Sauna",
        price=money_pb2.Money(amount_minor=500, currency_code="EUR"),
    )
    replies = await asyncio.gather(*(catalog.CreateExtra(request) for _ in range(5)))
    assert len({reply.extra.id for reply in replies}) == 1
    assert await rows_with_request_id(db, tables.extras, request.request_id) == 1
    listed = (await catalog.ListExtras(catalog_pb2.ListExtrasRequest(company_id=company.id))).extras
    assert list(listed) == [replies[0].extra]


async def test_a_request_id_used_under_another_company_is_refused_not_leaked(catalog, company, refused):
    other = (
        await catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(name="Other", time_zone="UTC", currency_code="EUR")
        )
    ).company
    request_id = str(uuid.uuid4())
    await catalog.CreateCustomer(
        catalog_pb2.CreateCustomerRequest(
            request_id=request_id, company_id=company.id, display_name="Hal", guest=True
        )
    )
    refusal = await refused(
        catalog.CreateCustomer(
            catalog_pb2.CreateCustomerRequest(
                request_id=request_id, company_id=other.id, display_name="Hal", guest=True
            )
        )
    )
    assert (refusal.code, refusal.reason, refusal.field) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "REQUEST_ID_REUSED",
        "request_id",
    )
