"""Tenancy on the real BookingsService (with a real catalog): every RPC (from the service
descriptor) refuses a forged principal of company A naming company B's bookings, sagas,
sessions, resources or company, and is not refused on its own; customers see their own
bookings only, also in lists narrowed in the SQL; the desk's and operators' RPCs refuse
customers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.message import Message

import bookings.bootstrap
import catalog.bootstrap
from bookingplatform.bookings.v1 import bookings_pb2 as B
from bookingplatform.bookings.v1 import bookings_pb2_grpc
from bookingplatform.catalog.v1 import catalog_pb2 as C
from bookingplatform.catalog.v1 import catalog_pb2_grpc
from bookingplatform.common.v1 import money_pb2
from bookings.service.tenancy import TenancyChecks
from plumbing.errors import PermissionDenied
from plumbing.grpc_client import channel
from plumbing.principal import Principal, Role, acting_as
from plumbing.tenancy_testing import Case, assert_allowed, assert_refused, call_as, rpc_names
from plumbing.testing import isolated_infrastructure

pytestmark = pytest.mark.integration

SERVICE = B.DESCRIPTOR.services_by_name["BookingsService"]
Stub = bookings_pb2_grpc.BookingsServiceStub
CatalogStub = catalog_pb2_grpc.CatalogServiceStub


@dataclass
class Env:
    bookings: Stub
    catalog: CatalogStub


@pytest.fixture(scope="module")
async def env(database_url: str) -> AsyncIterator[Env]:
    async with isolated_infrastructure(database_url, "tenancy") as (own_database, nats_url):
        catalog_service = await catalog.bootstrap.start(
            catalog.bootstrap.Settings(database_url=own_database, nats_url=nats_url)
        )
        booking_service = await bookings.bootstrap.start(
            bookings.bootstrap.Settings(
                database_url=own_database,
                nats_url=nats_url,
                catalog_addr=catalog_service.address,
                lifecycle_sweep_seconds=3600,
            )
        )
        bookings_channel = channel(booking_service.address)
        catalog_channel = channel(catalog_service.address)
        yield Env(Stub(bookings_channel), CatalogStub(catalog_channel))
        await bookings_channel.close()
        await catalog_channel.close()
        await booking_service.stop(0.2)
        await catalog_service.stop(0.2)


@dataclass(frozen=True)
class Tenant:
    company: str
    session: str
    interval: str
    customer: str
    neighbour: str
    booking: B.Booking


async def _customer(env: Env, company: str) -> str:
    request = C.CreateCustomerRequest(
        request_id=str(uuid.uuid4()),
        company_id=company,
        display_name="Ada",
        email=f"{uuid.uuid4().hex[:8]}@example.com",
    )
    return (await env.catalog.CreateCustomer(request)).customer.id  # type: ignore[no-any-return]


def _desk_booking(session: str, customer: str) -> B.CreateBookingRequest:
    return B.CreateBookingRequest(
        request_id=str(uuid.uuid4()),
        customer_id=customer,
        session_id=session,
        quantity=1,
        payment_plan=B.PaymentPlan(desk_payment=B.DESK_PAYMENT_CASH),
    )


async def _tenant(env: Env) -> Tenant:
    """A company with a session, an interval resource, two customers and a booking paid at the
    desk (CONFIRMED at once, its saga done), all made by the internal caller."""
    company = (
        await env.catalog.CreateCompany(
            C.CreateCompanyRequest(
                request_id=str(uuid.uuid4()), name="Harbour", time_zone="UTC", currency_code="EUR"
            )
        )
    ).company.id
    studio = (
        await env.catalog.CreateResource(
            C.CreateResourceRequest(
                request_id=str(uuid.uuid4()),
                company_id=company,
                name="Studio",
                booking_model=C.BOOKING_MODEL_TIME_SLOT,
            )
        )
    ).resource.id
    interval = (
        await env.catalog.CreateResource(
            C.CreateResourceRequest(
                request_id=str(uuid.uuid4()),
                company_id=company,
                name="Court",
                booking_model=C.BOOKING_MODEL_INTERVAL,
            )
        )
    ).resource.id
    request = C.CreateSessionRequest(
        request_id=str(uuid.uuid4()),
        resource_id=studio,
        capacity=10,
        price=money_pb2.Money(amount_minor=2500, currency_code="EUR"),
    )
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    request.start_time.FromDatetime(start)
    request.end_time.FromDatetime(start + timedelta(hours=1))
    session = (await env.catalog.CreateSession(request)).session.id
    customer, neighbour = await _customer(env, company), await _customer(env, company)
    booking = (await env.bookings.CreateBooking(_desk_booking(session, customer))).booking
    return Tenant(company, session, interval, customer, neighbour, booking)


def _rid() -> str:
    return str(uuid.uuid4())


# Per RPC: its request on a tenant's rows, and the reason another company's are refused with.
REQUESTS: dict[str, tuple[Callable[[Tenant], Message], str]] = {
    "CreateBooking": (lambda t: _desk_booking(t.session, t.customer), "SESSION_NOT_FOUND"),
    "QuoteBooking": (
        lambda t: B.QuoteBookingRequest(customer_id=t.customer, session_id=t.session, quantity=1),
        "SESSION_NOT_FOUND",
    ),
    "GetBooking": (lambda t: B.GetBookingRequest(booking_id=t.booking.id), "BOOKING_NOT_FOUND"),
    "ListBookings": (lambda t: B.ListBookingsRequest(company_id=t.company), "COMPANY_NOT_FOUND"),
    "CancelBooking": (
        lambda t: B.CancelBookingRequest(
            request_id=_rid(), booking_id=t.booking.id, by_company=True, reason="closed"
        ),
        "BOOKING_NOT_FOUND",
    ),
    "PreviewCancellation": (
        lambda t: B.PreviewCancellationRequest(booking_id=t.booking.id),
        "BOOKING_NOT_FOUND",
    ),
    "SettleBooking": (
        lambda t: B.SettleBookingRequest(
            request_id=_rid(), booking_id=t.booking.id, payment_method_id=_rid()
        ),
        "BOOKING_NOT_FOUND",
    ),
    "ChangeBookingPeriod": (
        lambda t: B.ChangeBookingPeriodRequest(request_id=_rid(), booking_id=t.booking.id),
        "BOOKING_NOT_FOUND",
    ),
    "CheckInBooking": (
        lambda t: B.CheckInBookingRequest(request_id=_rid(), booking_id=t.booking.id),
        "BOOKING_NOT_FOUND",
    ),
    "OverrideNoShow": (
        lambda t: B.OverrideNoShowRequest(
            request_id=_rid(), booking_id=t.booking.id, no_show=True, reason="did not come"
        ),
        "BOOKING_NOT_FOUND",
    ),
    "GetAvailability": (
        lambda t: B.GetAvailabilityRequest(
            company_id=t.company, start_date="2030-01-01", end_date="2030-01-07"
        ),
        "COMPANY_NOT_FOUND",
    ),
    "GetSessionPlaces": (
        lambda t: B.GetSessionPlacesRequest(company_id=t.company, session_ids=[t.session]),
        "COMPANY_NOT_FOUND",
    ),
    "ListFreeSlots": (
        lambda t: B.ListFreeSlotsRequest(resource_id=t.interval, date="2030-01-01"),
        "RESOURCE_NOT_FOUND",
    ),
    "GetBusinessStats": (
        lambda t: B.GetBusinessStatsRequest(
            company_id=t.company, start_date="2030-01-01", end_date="2030-01-07"
        ),
        "COMPANY_NOT_FOUND",
    ),
    "ChangeSession": (
        lambda t: B.ChangeSessionRequest(request_id=_rid(), session_id=t.session, capacity=12),
        "SESSION_NOT_FOUND",
    ),
    "PreviewCompanyCancellations": (
        lambda t: B.PreviewCompanyCancellationsRequest(company_id=t.company, booking_ids=[t.booking.id]),
        "COMPANY_NOT_FOUND",
    ),
    "GetSaga": (lambda t: B.GetSagaRequest(saga_id=t.booking.saga_id), "SAGA_NOT_FOUND"),
    "ListSagas": (lambda t: B.ListSagasRequest(company_id=t.company), "COMPANY_NOT_FOUND"),
    "RetrySagaStep": (
        lambda t: B.RetrySagaStepRequest(saga_id=t.booking.saga_id, reason="stuck"),
        "SAGA_NOT_FOUND",
    ),
    "ForceCompensateSaga": (
        lambda t: B.ForceCompensateSagaRequest(saga_id=t.booking.saga_id, reason="stuck"),
        "SAGA_NOT_FOUND",
    ),
}
# RPCs a customer or guest may not call even on its own booking or company.
COMPANY_ONLY = {
    "OverrideNoShow",
    "PreviewCompanyCancellations",
    "ChangeSession",
    "GetSaga",
    "ListSagas",
    "RetrySagaStep",
    "ForceCompensateSaga",
    "GetBusinessStats",
}
# RPCs of the company's admins: staff are refused them even on their own company.
ADMIN_ONLY = {"GetBusinessStats"}


def _case(rpc: str, mine: Tenant, theirs: Tenant) -> Case:
    request, reason = REQUESTS[rpc]
    return Case(foreign=request(theirs), own=request(mine), reason=reason, own_code=None)


@pytest.fixture
async def tenants(env: Env) -> tuple[Tenant, Tenant]:
    return await _tenant(env), await _tenant(env)


def test_every_rpc_of_the_service_has_a_tenancy_case() -> None:
    assert set(rpc_names(SERVICE)) <= set(REQUESTS), "add a case for each new RPC"


@pytest.mark.parametrize("rpc", rpc_names(SERVICE))
async def test_another_companys_rows_are_refused_and_the_own_are_not(
    env: Env, tenants: tuple[Tenant, Tenant], rpc: str
) -> None:
    mine, theirs = tenants
    for role in (Role.STAFF, Role.COMPANY_ADMIN):
        principal = Principal(role=role, company_id=mine.company, user_id=str(uuid.uuid4()))
        if rpc in ADMIN_ONLY and role is Role.STAFF:
            assert await call_as(env.bookings, rpc, _case(rpc, mine, theirs).own, principal) == (  # type: ignore[arg-type]
                grpc.StatusCode.PERMISSION_DENIED,
                "PERMISSION_DENIED",
            )
            continue
        await assert_refused(env.bookings, rpc, _case(rpc, mine, theirs), principal)
    admin = Principal(role=Role.COMPANY_ADMIN, company_id=mine.company, user_id=str(uuid.uuid4()))
    await assert_allowed(env.bookings, rpc, _case(rpc, mine, theirs), admin)


@pytest.mark.parametrize("rpc", rpc_names(SERVICE))
async def test_a_customer_is_refused_another_company_and_the_desks_rpcs(
    env: Env, tenants: tuple[Tenant, Tenant], rpc: str
) -> None:
    mine, theirs = tenants
    me = Principal(role=Role.CUSTOMER, company_id=mine.company, customer_id=mine.customer)
    if rpc in COMPANY_ONLY:
        assert await call_as(env.bookings, rpc, _case(rpc, mine, theirs).own, me) == (  # type: ignore[arg-type]
            grpc.StatusCode.PERMISSION_DENIED,
            "PERMISSION_DENIED",
        )
        return
    foreign = _case(rpc, mine, theirs)
    if rpc in ("CreateBooking", "QuoteBooking"):
        # Its own customer id with the other company's session.
        foreign = Case(
            foreign=REQUESTS[rpc][0](Tenant(**{**vars(theirs), "customer": mine.customer})),
            reason=foreign.reason,
        )
    await assert_refused(env.bookings, rpc, foreign, me)


async def test_a_customer_sees_and_books_for_itself_only(env: Env, tenants: tuple[Tenant, Tenant]) -> None:
    mine, _ = tenants
    neighbours = (await env.bookings.CreateBooking(_desk_booking(mine.session, mine.neighbour))).booking
    me = Principal(role=Role.CUSTOMER, company_id=mine.company, customer_id=mine.customer)
    own = B.GetBookingRequest(booking_id=mine.booking.id)
    other = B.GetBookingRequest(booking_id=neighbours.id)
    await assert_allowed(
        env.bookings, "GetBooking", Case(foreign=other, own=own, reason="BOOKING_NOT_FOUND"), me
    )
    await assert_refused(env.bookings, "GetBooking", Case(foreign=other, reason="BOOKING_NOT_FOUND"), me)
    on_behalf = B.CreateBookingRequest(
        request_id=_rid(),
        customer_id=mine.neighbour,
        session_id=mine.session,
        quantity=1,
        payment_plan=B.PaymentPlan(use_wallet=True),
    )
    await assert_refused(
        env.bookings, "CreateBooking", Case(foreign=on_behalf, reason="CUSTOMER_NOT_FOUND"), me
    )
    # Listing the session's bookings, the SQL keeps the customer's own.
    with acting_as(me):
        listed = await env.bookings.ListBookings(B.ListBookingsRequest(session_id=mine.session))
    assert [booking.id for booking in listed.bookings] == [mine.booking.id]
    code, reason = await call_as(
        env.bookings, "ListBookings", B.ListBookingsRequest(customer_id=mine.neighbour), me
    )
    assert (code, reason) == (grpc.StatusCode.NOT_FOUND, "CUSTOMER_NOT_FOUND")


async def test_lists_are_narrowed_to_the_callers_company_in_the_sql(
    env: Env, tenants: tuple[Tenant, Tenant]
) -> None:
    mine, theirs = tenants
    staff = Principal(role=Role.STAFF, company_id=mine.company, user_id=str(uuid.uuid4()))
    with acting_as(staff):
        by_their_session = await env.bookings.ListBookings(B.ListBookingsRequest(session_id=theirs.session))
        by_their_customer = await env.bookings.ListBookings(
            B.ListBookingsRequest(customer_id=theirs.customer)
        )
        own_session = await env.bookings.ListBookings(B.ListBookingsRequest(session_id=mine.session))
        sagas = await env.bookings.ListSagas(B.ListSagasRequest(page_size=200))
    assert list(by_their_session.bookings) == [] and list(by_their_customer.bookings) == []
    assert [booking.id for booking in own_session.bookings] == [mine.booking.id]
    assert sagas.sagas and {saga.company_id for saga in sagas.sagas} == {mine.company}
    # The platform admin sees both companies' sagas.
    admin = Principal(role=Role.PLATFORM_ADMIN, user_id=str(uuid.uuid4()))
    with acting_as(admin):
        theirs_seen = await env.bookings.ListSagas(B.ListSagasRequest(company_id=theirs.company))
    assert [saga.id for saga in theirs_seen.sagas] == [theirs.booking.saga_id]


async def test_an_rpc_without_a_rule_is_refused_to_every_principal_but_the_internal_caller() -> None:
    checks = TenancyChecks(db=None, catalog=None)  # type: ignore[arg-type]
    admin = Principal(role=Role.PLATFORM_ADMIN, user_id=str(uuid.uuid4()))
    with acting_as(admin), pytest.raises(PermissionDenied):
        await checks.check(None, B.GetBookingRequest())
    await checks.check(None, B.GetBookingRequest())  # no principal: the internal caller
