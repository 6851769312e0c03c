"""Bookings keeps the catalog rows of the booking path in a per-process cache and drops a row
when catalog's change event for it arrives: a change made in catalog is quoted and enforced
by bookings once the event is in, however long the cache's TTL.

The bookings service here keeps rows for an hour, so only the event can explain a change
being seen; nothing is booked (quotes only), so no saga runs."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from grpc import aio

import bookings.bootstrap
import catalog.bootstrap
from bookingplatform.bookings.v1 import bookings_pb2, bookings_pb2_grpc
from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookingplatform.common.v1 import money_pb2
from plumbing.grpc_server import error_reason
from plumbing.testing import eventually, isolated_infrastructure

pytestmark = pytest.mark.integration

AN_HOUR = 3600.0


@pytest.fixture(scope="module")
async def env(database_url):
    async with isolated_infrastructure(database_url, "catalogcache") as (own_database, nats_url):
        catalog_service = await catalog.bootstrap.start(
            catalog.bootstrap.Settings(database_url=own_database, nats_url=nats_url)
        )
        booking_service = await bookings.bootstrap.start(
            bookings.bootstrap.Settings(
                database_url=own_database,
                nats_url=nats_url,
                catalog_addr=catalog_service.address,
                catalog_cache_ttl_seconds=AN_HOUR,
            )
        )
        channel = aio.insecure_channel(booking_service.address)
        catalog_channel = aio.insecure_channel(catalog_service.address)
        yield (
            bookings_pb2_grpc.BookingsServiceStub(channel),
            catalog_pb2_grpc.CatalogServiceStub(catalog_channel),
        )
        await channel.close()
        await catalog_channel.close()
        await booking_service.stop(0.2)
        await catalog_service.stop(0.2)


async def a_session(catalog, price_minor=1000):
    company = (
        await catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(name="Cached", time_zone="Europe/Berlin", currency_code="EUR")
        )
    ).company
    resource = (
        await catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                company_id=company.id, name="Studio", booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT
            )
        )
    ).resource
    request = catalog_pb2.CreateSessionRequest(
        resource_id=resource.id,
        capacity=5,
        price=money_pb2.Money(amount_minor=price_minor, currency_code="EUR"),
    )
    request.start_time.FromDatetime(datetime.now(UTC) + timedelta(days=2))
    request.end_time.FromDatetime(datetime.now(UTC) + timedelta(days=2, hours=1))
    return company, (await catalog.CreateSession(request)).session


async def quote(stub, session_id):
    """The quote's total, or the refusal's reason."""
    try:
        reply = await stub.QuoteBooking(bookings_pb2.QuoteBookingRequest(session_id=session_id, quantity=1))
    except aio.AioRpcError as error:
        return error_reason(error)
    return reply.quote.total.amount_minor


async def test_a_price_changed_in_catalog_is_quoted_once_its_event_is_in(env):
    stub, catalog = env
    _, session = await a_session(catalog, price_minor=1000)
    assert await quote(stub, session.id) == 1000  # read, and kept for an hour

    update = catalog_pb2.UpdateSessionRequest(
        request_id=str(uuid.uuid4()),
        session=catalog_pb2.Session(
            id=session.id, etag=session.etag, price=money_pb2.Money(amount_minor=1500, currency_code="EUR")
        ),
    )
    update.update_mask.paths.append("price")
    await catalog.UpdateSession(update)

    await eventually(lambda: _is(quote(stub, session.id), 1500), message="the new price is never quoted")


async def test_a_company_suspended_in_catalog_takes_no_quote_once_its_event_is_in(env):
    stub, catalog = env
    company, session = await a_session(catalog)
    assert await quote(stub, session.id) == 1000

    await catalog.SuspendCompany(
        catalog_pb2.SuspendCompanyRequest(
            request_id=str(uuid.uuid4()), company_id=company.id, reason="Audit", etag=company.etag
        )
    )

    await eventually(lambda: _is(quote(stub, session.id), "COMPANY_SUSPENDED"))


async def test_a_policy_changed_in_catalog_applies_once_its_event_is_in(env):
    stub, catalog = env
    _, session = await a_session(catalog)
    assert await quote(stub, session.id) == 1000

    # A lead time of three days: the session, two days ahead, is too close now.
    await catalog.UpdateResourcePolicy(
        catalog_pb2.UpdateResourcePolicyRequest(
            request_id=str(uuid.uuid4()),
            resource_id=session.resource_id,
            policy=catalog_pb2.ResourcePolicy(lead_time_minutes=3 * 24 * 60),
        )
    )

    await eventually(lambda: _is(quote(stub, session.id), "LEAD_TIME_NOT_MET"))


async def test_a_session_changed_through_bookings_is_quoted_at_once(env):
    stub, catalog = env
    _, session = await a_session(catalog, price_minor=1000)
    assert await quote(stub, session.id) == 1000

    change = bookings_pb2.ChangeSessionRequest(
        request_id=str(uuid.uuid4()),
        session_id=session.id,
        etag=session.etag,
        price=money_pb2.Money(amount_minor=2500, currency_code="EUR"),
    )
    await stub.ChangeSession(change)

    # This replica dropped its copy itself: no event needed.
    assert await quote(stub, session.id) == 2500


async def _is(value, expected):
    return await value == expected
