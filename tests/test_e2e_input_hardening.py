"""Input a gateway bug or a direct gRPC caller could send never becomes INTERNAL (issue 7):
NUL characters, amounts past the money bounds, times at the edges of Python's range, and a
payment plan naming a pass that cannot pay, refused at once with nothing left behind."""

import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from grpc import aio
from sqlalchemy import text

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2
from bookingplatform.passes.v1 import passes_pb2
from bookingplatform.wallet.v1 import wallet_pb2
from plumbing.grpc_server import error_reason

pytestmark = pytest.mark.e2e


def eur(minor: int) -> money_pb2.Money:
    return money_pb2.Money(amount_minor=minor, currency_code="EUR")


async def refused(call, request) -> tuple[grpc.StatusCode, str | None]:
    with pytest.raises(aio.AioRpcError) as raised:
        await call(request, timeout=10)
    return raised.value.code(), error_reason(raised.value)


async def bookings_of(platform, customer_id: str) -> int:
    async with platform.db.transaction() as conn:
        found = await conn.execute(
            text("SELECT count(*) FROM bookings.bookings WHERE customer_id = :id"), {"id": customer_id}
        )
        return found.scalar_one()


async def places_held(platform, session_id: str) -> int:
    async with platform.db.transaction() as conn:
        found = await conn.execute(
            text("SELECT coalesce(sum(booked), 0) FROM bookings.session_occupancy WHERE session_id = :id"),
            {"id": session_id},
        )
        return found.scalar_one()


async def test_a_nul_in_any_string_is_refused_by_every_service(tenant):
    platform = tenant.platform
    bad = "a\x00b"
    cases = [
        (
            platform.catalog.CreateCompany,
            catalog_pb2.CreateCompanyRequest(
                request_id=str(uuid.uuid4()), name=bad, time_zone="Europe/Berlin", currency_code="EUR"
            ),
        ),
        (
            platform.catalog.CancelSession,
            catalog_pb2.CancelSessionRequest(session_id=str(uuid.uuid4()), reason=bad),
        ),
        (
            platform.wallet.GetWallet,
            wallet_pb2.GetWalletRequest(company_id=tenant.company_id, customer_id=bad),
        ),
        (platform.passes.GetEntitlement, passes_pb2.GetEntitlementRequest(entitlement_id=bad)),
        (
            platform.bookings.CreateBooking,
            bookings_pb2.CreateBookingRequest(
                request_id=bad, customer_id=str(uuid.uuid4()), session_id=str(uuid.uuid4()), quantity=1
            ),
        ),
        (
            platform.bookings.QuoteBooking,
            bookings_pb2.QuoteBookingRequest(
                session_id=str(uuid.uuid4()), quantity=1, extras=[bookings_pb2.ExtraRequest(extra_id=bad)]
            ),
        ),
    ]
    for call, request in cases:
        assert await refused(call, request) == (grpc.StatusCode.INVALID_ARGUMENT, "VALIDATION_FAILED"), (
            request
        )


def stamp(moment: datetime) -> Timestamp:
    value = Timestamp()
    value.FromDatetime(moment)
    return value


async def test_times_and_dates_outside_1970_to_2200_are_invalid_date_not_internal(tenant):
    platform = tenant.platform
    customer = await tenant.customer()
    # Timestamps carry UTC seconds: the first and last second protobuf allows (years 1 and
    # 9999, where any local-day arithmetic overflows), and just outside 1970..2200.
    edges = [
        Timestamp(seconds=-62135596800),
        Timestamp(seconds=253402300799),
        Timestamp(seconds=-1),
        stamp(datetime(2200, 1, 2, tzinfo=UTC)),
    ]
    for edge in edges:
        sessions = catalog_pb2.ListSessionsRequest(company_id=tenant.company_id, start_time_from=edge)
        assert await refused(platform.catalog.ListSessions, sessions) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            "INVALID_DATE",
        )
        quote = bookings_pb2.QuoteBookingRequest(
            customer_id=customer.id,
            resource_id=tenant.resource_id,
            start_time=edge,
            end_time=stamp(datetime(2030, 1, 1, tzinfo=UTC)),
        )
        assert await refused(platform.bookings.QuoteBooking, quote) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            "INVALID_DATE",
        )
        session = catalog_pb2.CreateSessionRequest(
            request_id=str(uuid.uuid4()),
            resource_id=tenant.resource_id,
            capacity=1,
            price=eur(100),
            start_time=edge,
            end_time=stamp(datetime(2030, 1, 1, tzinfo=UTC)),
        )
        assert await refused(platform.catalog.CreateSession, session) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            "INVALID_DATE",
        )
    for day in ("0001-01-01", "9999-12-31", "1969-12-31", "2200-01-01"):
        slots = bookings_pb2.ListFreeSlotsRequest(resource_id=tenant.resource_id, date=day)
        assert await refused(platform.bookings.ListFreeSlots, slots) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            "INVALID_DATE",
        )
        listing = bookings_pb2.ListBookingsRequest(company_id=tenant.company_id, date=day)
        assert await refused(platform.bookings.ListBookings, listing) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            "INVALID_DATE",
        )
        availability = bookings_pb2.GetAvailabilityRequest(
            company_id=tenant.company_id, resource_ids=[tenant.resource_id], start_date=day, end_date=day
        )
        assert await refused(platform.bookings.GetAvailability, availability) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            "INVALID_DATE",
        )


async def test_prices_and_totals_past_the_money_bounds_are_refused_and_nothing_is_written(tenant):
    platform = tenant.platform
    too_dear = catalog_pb2.CreateExtraRequest(
        request_id=str(uuid.uuid4()), company_id=tenant.company_id, name="Gold", price=eur(2**62)
    )
    assert await refused(platform.catalog.CreateExtra, too_dear) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "AMOUNT_TOO_LARGE",
    )
    session_request = catalog_pb2.CreateSessionRequest(
        request_id=str(uuid.uuid4()),
        resource_id=tenant.resource_id,
        capacity=1000,
        price=eur(10**12),
        start_time=stamp(datetime.now(UTC) + timedelta(days=2)),
        end_time=stamp(datetime.now(UTC) + timedelta(days=2, hours=1)),
    )
    assert await refused(platform.catalog.CreateSession, session_request) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "AMOUNT_TOO_LARGE",
    )
    # At the price bound, a per-guest extra times many items and places passes the total bound.
    dear = (
        await platform.catalog.CreateExtra(
            catalog_pb2.CreateExtraRequest(
                request_id=str(uuid.uuid4()),
                company_id=tenant.company_id,
                name="Private coach",
                price=eur(10**9),
                pricing_unit=catalog_pb2.PRICING_UNIT_PER_GUEST,
            )
        )
    ).extra
    session = await tenant.session(capacity=1000, price_minor=10**9)
    customer = await tenant.customer()
    extras = [bookings_pb2.ExtraRequest(extra_id=dear.id, quantity=1000)]
    quote = bookings_pb2.QuoteBookingRequest(
        customer_id=customer.id, session_id=session.id, quantity=500, extras=extras
    )
    assert await refused(platform.bookings.QuoteBooking, quote) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "AMOUNT_TOO_LARGE",
    )
    create = bookings_pb2.CreateBookingRequest(
        request_id=str(uuid.uuid4()),
        customer_id=customer.id,
        session_id=session.id,
        quantity=500,
        extras=extras,
        payment_plan=bookings_pb2.PaymentPlan(use_wallet=True),
    )
    assert await refused(platform.bookings.CreateBooking, create) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "AMOUNT_TOO_LARGE",
    )
    too_many = bookings_pb2.QuoteBookingRequest(customer_id=customer.id, session_id=session.id, quantity=1001)
    assert await refused(platform.bookings.QuoteBooking, too_many) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_QUANTITY",
    )
    top_up = wallet_pb2.TopUpWalletRequest(
        request_id=str(uuid.uuid4()),
        company_id=tenant.company_id,
        customer_id=customer.id,
        amount=eur(2**62),
        balance_kind=wallet_pb2.BALANCE_KIND_MAIN,
    )
    assert await refused(platform.wallet.TopUpWallet, top_up) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "AMOUNT_TOO_LARGE",
    )
    assert await bookings_of(platform, customer.id) == 0
    assert await places_held(platform, session.id) == 0
    # Inside the bounds the same session still quotes.
    fine = bookings_pb2.QuoteBookingRequest(customer_id=customer.id, session_id=session.id, quantity=100)
    assert (await platform.bookings.QuoteBooking(fine)).quote.total.amount_minor == 100 * 10**9


async def test_a_pass_that_cannot_pay_is_refused_at_once_with_no_booking_left_behind(tenant, platform):
    session = await tenant.session(price_minor=2000)
    ann = await tenant.customer()
    ben = await tenant.customer()
    bens_pass = await tenant.grant_pass(ben.id)
    expired_pass = await tenant.grant_pass(ann.id)
    async with platform.db.transaction() as conn:
        await conn.execute(
            text(
                "UPDATE passes.entitlements SET valid_from = now() - interval '31 days',"
                " valid_until = now() - interval '1 day' WHERE id = :id"
            ),
            {"id": expired_pass},
        )
    # Another company's pass of a customer there.
    other = (
        await platform.catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                request_id=str(uuid.uuid4()), name="Elsewhere", time_zone="UTC", currency_code="EUR"
            )
        )
    ).company
    product = (
        await platform.passes.CreatePassProduct(
            passes_pb2.CreatePassProductRequest(
                request_id=str(uuid.uuid4()),
                company_id=other.id,
                name="5 classes",
                credits=5,
                validity_days=30,
                price=eur(5000),
            )
        )
    ).product
    foreign_pass = (
        await platform.passes.GrantPass(
            passes_pb2.GrantPassRequest(
                request_id=str(uuid.uuid4()), product_id=product.id, customer_id=ann.id
            )
        )
    ).entitlement.id

    for entitlement_id, status, code in (
        (str(uuid.uuid4()), 404, "PASS_NOT_FOUND"),
        (bens_pass, 404, "PASS_NOT_FOUND"),
        (foreign_pass, 404, "PASS_NOT_FOUND"),
        (expired_pass, 409, "PASS_EXPIRED"),
    ):
        response = await ann.book(session.id, entitlement_id=entitlement_id)
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == code

    assert await bookings_of(platform, ann.id) == 0
    assert await places_held(platform, session.id) == 0
    # Ben's own pass still books (the check lets a good pass through to the saga).
    created = await ben.book(session.id, entitlement_id=bens_pass)
    assert created.status_code == 202, created.text
    booking = await ben.wait_for(created.json()["id"], "CONFIRMED", "REJECTED")
    assert booking["status"] == "CONFIRMED"
