"""Fixtures of the gateway tests: a real PostgreSQL (plumbing.testing), the real app over
ASGI, and a small real grpc.aio server standing in for the services with fixed answers.

The stand-in is for the gateway's own contract tests only (error mapping, idempotency,
auth, JSON shapes); the platform's end-to-end tests run the real services.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from grpc import aio

from bookingplatform.bookings.v1 import bookings_pb2, bookings_pb2_grpc
from bookingplatform.catalog.v1 import (
    catalog_pb2,
    catalog_pb2_grpc,
    guest_customers_pb2,
    guest_customers_pb2_grpc,
)
from bookingplatform.common.v1 import money_pb2
from bookingplatform.passes.v1 import passes_pb2, passes_pb2_grpc
from bookingplatform.payments.v1 import payments_pb2, payments_pb2_grpc
from bookingplatform.wallet.v1 import wallet_pb2, wallet_pb2_grpc
from gateway.app import create_app
from gateway.clients import Clients
from gateway.settings import Settings
from gateway.users import UserStore
from plumbing.db import Database
from plumbing.errors import Conflict, FailedPrecondition, InvalidArgument, NotFound
from plumbing.grpc_server import GrpcServer, create_server

JWT_SECRET = "gateway-tests-secret-0123456789abcdef-0123456789"


def stamp(seconds: int) -> Timestamp:
    return Timestamp(seconds=seconds)


Behaviour = Callable[[Any, aio.ServicerContext], Awaitable[Any]]


class FakeBookings(bookings_pb2_grpc.BookingsServiceServicer):
    """Bookings with fixed answers; `behaviours[session_id]` replaces CreateBooking for a session."""

    def __init__(self) -> None:
        self.bookings: dict[str, bookings_pb2.Booking] = {}
        # (customer, request id) -> (the booking, the request without its id)
        self.by_request: dict[tuple[str, str], tuple[str, bookings_pb2.CreateBookingRequest]] = {}
        self.create_calls: Counter[str] = Counter()
        self.cancel_calls: Counter[str] = Counter()
        self.behaviours: dict[str, Behaviour] = {}
        # booking id -> what CancelBooking does for it instead
        self.cancel_behaviours: dict[str, Behaviour] = {}
        self.sagas: dict[str, bookings_pb2.Saga] = {}
        self.last_list_sagas: bookings_pb2.ListSagasRequest | None = None
        # (rpc, saga id, reason) of every RetrySagaStep / ForceCompensateSaga that reached us.
        self.saga_actions: list[tuple[str, str, str]] = []
        self.settle_calls: Counter[str] = Counter()
        self.check_in_calls: Counter[str] = Counter()
        self.change_calls: Counter[str] = Counter()

    async def CreateBooking(self, request: Any, context: Any) -> Any:
        self.create_calls[request.request_id] += 1
        behaviour = self.behaviours.get(request.session_id)
        if behaviour is not None:
            return await behaviour(request, context)
        return self.create(request)

    def create(self, request: bookings_pb2.CreateBookingRequest) -> bookings_pb2.CreateBookingResponse:
        key = (request.customer_id, request.request_id)
        asked = bookings_pb2.CreateBookingRequest()
        asked.CopyFrom(request)
        asked.ClearField("request_id")
        if key in self.by_request:
            # Like the real service: a retry of the same request returns the first booking,
            # replayed; the same id with another request is refused.
            booking_id, first = self.by_request[key]
            if first != asked:
                raise Conflict("IDEMPOTENCY_KEY_REUSED", "this request id was used for a different booking")
            return bookings_pb2.CreateBookingResponse(booking=self.bookings[booking_id], replayed=True)
        booking = bookings_pb2.Booking(
            id=str(uuid.uuid4()),
            company_id=str(uuid.uuid5(uuid.NAMESPACE_URL, request.customer_id)),
            customer_id=request.customer_id,
            resource_id=str(uuid.uuid4()),
            session_id=request.session_id,
            booking_model=1,
            quantity=request.quantity,
            start_time=stamp(1_900_000_000),
            end_time=stamp(1_900_003_600),
            status=bookings_pb2.BOOKING_STATUS_PENDING,
            total_price=money_pb2.Money(amount_minor=2500 * request.quantity, currency_code="EUR"),
            extras=[
                bookings_pb2.BookingExtra(
                    extra_id=e.extra_id,
                    name="Towel",
                    quantity=e.quantity,
                    unit_price=money_pb2.Money(amount_minor=300, currency_code="EUR"),
                )
                for e in request.extras
            ],
            payment_plan=request.payment_plan,
            saga_id=str(uuid.uuid4()),
            create_time=stamp(1_800_000_000),
            update_time=stamp(1_800_000_000),
        )
        self.bookings[booking.id] = booking
        self.by_request[key] = (booking.id, asked)
        return bookings_pb2.CreateBookingResponse(booking=booking)

    async def GetSessionPlaces(self, request: Any, context: Any) -> Any:
        # The fake holds no places: every session reads as nobody booked.
        return bookings_pb2.GetSessionPlacesResponse(
            sessions=[bookings_pb2.SessionPlaces(session_id=s) for s in request.session_ids]
        )

    async def GetBooking(self, request: Any, context: Any) -> Any:
        if request.booking_id not in self.bookings:
            raise NotFound("BOOKING_NOT_FOUND", "no such booking")
        return bookings_pb2.GetBookingResponse(booking=self.bookings[request.booking_id])

    async def ListBookings(self, request: Any, context: Any) -> Any:
        mine = [b for b in self.bookings.values() if b.customer_id == request.customer_id]
        start = int(request.page_token or 0)
        page = mine[start : start + (request.page_size or 50)]
        more = start + len(page) < len(mine)
        return bookings_pb2.ListBookingsResponse(
            bookings=page, next_page_token=str(start + len(page)) if more else ""
        )

    async def CancelBooking(self, request: Any, context: Any) -> Any:
        self.cancel_calls[request.request_id] += 1
        behaviour = self.cancel_behaviours.get(request.booking_id)
        if behaviour is not None:
            return await behaviour(request, context)
        booking = self.bookings[request.booking_id]
        booking.status = bookings_pb2.BOOKING_STATUS_CANCELLING
        return bookings_pb2.CancelBookingResponse(booking=booking)

    async def GetSaga(self, request: Any, context: Any) -> Any:
        if request.saga_id not in self.sagas:
            raise NotFound("SAGA_NOT_FOUND", "no such saga")
        return bookings_pb2.GetSagaResponse(saga=self.sagas[request.saga_id])

    async def ListSagas(self, request: Any, context: Any) -> Any:
        self.last_list_sagas = request
        found = [
            s
            for s in self.sagas.values()
            if (not request.state or s.state == request.state)
            and (not request.company_id or s.company_id == request.company_id)
            and (not request.current_step or s.current_step == request.current_step)
            and (not request.needs_attention or s.needs_attention)
        ]
        listed = []
        for saga in found:
            copy = bookings_pb2.Saga()
            copy.CopyFrom(saga)
            del copy.steps[:]
            listed.append(copy)
        return bookings_pb2.ListSagasResponse(sagas=listed)

    def _operator_saga(self, name: str, request: Any) -> bookings_pb2.Saga:
        """Like the real service: the saga must exist and a reason is required."""
        self.saga_actions.append((name, request.saga_id, request.reason))
        if request.saga_id not in self.sagas:
            raise NotFound("SAGA_NOT_FOUND", "no such saga")
        if not request.reason.strip():
            raise InvalidArgument("REASON_REQUIRED", "say why, for the step log", field="reason")
        return self.sagas[request.saga_id]

    async def RetrySagaStep(self, request: Any, context: Any) -> Any:
        saga = self._operator_saga("RetrySagaStep", request)
        if saga.state in (bookings_pb2.SAGA_STATE_COMPLETED, bookings_pb2.SAGA_STATE_COMPENSATED):
            raise FailedPrecondition("SAGA_FINISHED", "the saga has no step left to retry")
        saga.steps.add(
            step=saga.current_step,
            kind="operator",
            action="retry",
            attempt=saga.attempt,
            outcome=request.reason,
        )
        saga.attempt += 1
        saga.needs_attention = False
        return bookings_pb2.RetrySagaStepResponse(saga=saga)

    async def ForceCompensateSaga(self, request: Any, context: Any) -> Any:
        saga = self._operator_saga("ForceCompensateSaga", request)
        if saga.state not in (bookings_pb2.SAGA_STATE_RUNNING, bookings_pb2.SAGA_STATE_AWAITING_PAYMENT):
            raise FailedPrecondition("SAGA_PAST_PIVOT", "the saga is past its pivot (or finished)")
        saga.steps.add(
            step=saga.current_step,
            kind="operator",
            action="force_compensate",
            attempt=saga.attempt,
            outcome=request.reason,
        )
        saga.state = bookings_pb2.SAGA_STATE_COMPENSATING
        saga.reason = "FORCED_BY_OPERATOR"
        return bookings_pb2.ForceCompensateSagaResponse(saga=saga)

    async def SettleBooking(self, request: Any, context: Any) -> Any:
        self.settle_calls[request.request_id] += 1
        booking = self.bookings.get(request.booking_id)
        if booking is None or (request.customer_id and booking.customer_id != request.customer_id):
            raise NotFound("BOOKING_NOT_FOUND", "no such booking")
        if not request.payment_method_id:
            raise InvalidArgument(
                "PAYMENT_METHOD_REQUIRED", "payment_method_id is required", field="payment_method_id"
            )
        if booking.status != bookings_pb2.BOOKING_STATUS_PENDING_PAYMENT:
            raise FailedPrecondition("BOOKING_NOT_AWAITING_PAYMENT", "the booking has nothing left to pay")
        booking.payment_plan.payment_method_id = request.payment_method_id
        booking.payment_plan.pay_later = False
        return bookings_pb2.SettleBookingResponse(booking=booking)

    async def CheckInBooking(self, request: Any, context: Any) -> Any:
        """Like the real service: CONFIRMED -> CHECKED_IN, again returns it, finished refused."""
        self.check_in_calls[request.request_id] += 1
        booking = self.bookings.get(request.booking_id)
        if booking is None:
            raise NotFound("BOOKING_NOT_FOUND", "no such booking")
        if booking.status in (bookings_pb2.BOOKING_STATUS_COMPLETED, bookings_pb2.BOOKING_STATUS_NO_SHOW):
            raise FailedPrecondition("BOOKING_FINISHED", "a finished booking cannot change")
        if booking.status == bookings_pb2.BOOKING_STATUS_CONFIRMED:
            booking.status = bookings_pb2.BOOKING_STATUS_CHECKED_IN
            booking.checked_in_time.CopyFrom(stamp(1_899_999_000))
        elif booking.status != bookings_pb2.BOOKING_STATUS_CHECKED_IN:
            raise FailedPrecondition("BOOKING_NOT_CONFIRMED", "only a confirmed booking checks in")
        return bookings_pb2.CheckInBookingResponse(booking=booking)

    async def ChangeBookingPeriod(self, request: Any, context: Any) -> Any:
        """Like the real service for a shortened rental: the new end at once; only CONFIRMED."""
        self.change_calls[request.request_id] += 1
        booking = self.bookings.get(request.booking_id)
        if booking is None or (request.customer_id and booking.customer_id != request.customer_id):
            raise NotFound("BOOKING_NOT_FOUND", "no such booking")
        if booking.status != bookings_pb2.BOOKING_STATUS_CONFIRMED:
            raise FailedPrecondition("BOOKING_NOT_CHANGEABLE", "only a confirmed booking changes")
        if request.HasField("end_time"):
            booking.end_time.CopyFrom(request.end_time)
        return bookings_pb2.ChangeBookingPeriodResponse(booking=booking)


class FakeCatalog(catalog_pb2_grpc.CatalogServiceServicer):
    def __init__(self) -> None:
        self.sessions: dict[str, catalog_pb2.Session] = {}
        self.resources: dict[str, catalog_pb2.Resource] = {}
        self.last_list: catalog_pb2.ListSessionsRequest | None = None
        # (company, e-mail) -> (customer id, still a guest)
        self.customers: dict[tuple[str, str], tuple[str, bool]] = {}
        self.companies: dict[str, catalog_pb2.Company] = {}
        self.currency_locked: set[str] = set()  # company ids whose currency no longer changes
        self.extras: dict[str, catalog_pb2.Extra] = {}

    def company(self, company_id: str) -> catalog_pb2.Company:
        """Any company id is a company in Berlin paying in euros (the calendar's forms read it)
        until UpdateCompany changes it."""
        return self.companies.get(company_id) or catalog_pb2.Company(
            id=company_id, name="Fake Studio", time_zone="Europe/Berlin", currency_code="EUR", etag="1"
        )

    async def GetCompany(self, request: Any, context: Any) -> Any:
        return catalog_pb2.GetCompanyResponse(company=self.company(request.company_id))

    async def UpdateCompany(self, request: Any, context: Any) -> Any:
        """Like catalog: the version read, a known time zone, the currency only while not locked."""
        company = catalog_pb2.Company()
        company.CopyFrom(self.company(request.company.id))
        if request.company.etag != company.etag:
            raise Conflict("ETAG_MISMATCH", "the entity changed since it was read; read it again")
        paths = set(request.update_mask.paths)
        if "time_zone" in paths and request.company.time_zone not in ("Europe/Berlin", "Europe/Paris"):
            raise InvalidArgument(
                "INVALID_TIME_ZONE", "time_zone is not an IANA time zone", field="time_zone"
            )
        if (
            "currency_code" in paths
            and request.company.currency_code != company.currency_code
            and company.id in self.currency_locked
        ):
            raise FailedPrecondition("CURRENCY_LOCKED", "the company's currency is fixed once it has priced")
        for path in paths:
            if path == "allowed_origins":
                del company.allowed_origins[:]
                company.allowed_origins.extend(request.company.allowed_origins)
            else:
                setattr(company, path, getattr(request.company, path))
        company.etag = str(int(company.etag) + 1)
        self.companies[company.id] = company
        return catalog_pb2.UpdateCompanyResponse(company=company)

    async def ListExtras(self, request: Any, context: Any) -> Any:
        found = [
            e
            for e in self.extras.values()
            if e.company_id == request.company_id
            and (request.show_archived or not e.HasField("archive_time"))
        ]
        return catalog_pb2.ListExtrasResponse(extras=found)

    async def CreateExtra(self, request: Any, context: Any) -> Any:
        extra = catalog_pb2.Extra(
            id=str(uuid.uuid4()),
            company_id=request.company_id,
            name=request.name,
            price=request.price,
            pricing_unit=request.pricing_unit,
            etag="1",
        )
        self.extras[extra.id] = extra
        return catalog_pb2.CreateExtraResponse(extra=extra)

    async def GetExtra(self, request: Any, context: Any) -> Any:
        if request.extra_id not in self.extras:
            raise NotFound("EXTRA_NOT_FOUND", "no such extra")
        return catalog_pb2.GetExtraResponse(extra=self.extras[request.extra_id])

    async def ArchiveExtra(self, request: Any, context: Any) -> Any:
        extra = self.extras.get(request.extra_id)
        if extra is None:
            raise NotFound("EXTRA_NOT_FOUND", "no such extra")
        if request.etag != extra.etag:
            raise Conflict("ETAG_MISMATCH", "the entity changed since it was read; read it again")
        extra.archive_time.CopyFrom(stamp(1_800_000_000))
        extra.etag = str(int(extra.etag) + 1)
        return catalog_pb2.ArchiveExtraResponse(extra=extra)

    async def GetResource(self, request: Any, context: Any) -> Any:
        if request.resource_id not in self.resources:
            raise NotFound("RESOURCE_NOT_FOUND", "no such resource")
        return catalog_pb2.GetResourceResponse(resource=self.resources[request.resource_id])

    async def GetSession(self, request: Any, context: Any) -> Any:
        if request.session_id not in self.sessions:
            raise NotFound("SESSION_NOT_FOUND", "no such session")
        return catalog_pb2.GetSessionResponse(session=self.sessions[request.session_id])

    async def CreateSessionSeries(self, request: Any, context: Any) -> Any:
        """Only what the console reads: a series at 02:30 from 2027-03-21 (Berlin) has its
        28 March occurrence moved to 03:30, as catalog answers (RFC 5545); others move nothing."""
        reply = catalog_pb2.CreateSessionSeriesResponse(series_id=str(uuid.uuid4()))
        if (request.start_date, request.start_time_of_day) == ("2027-03-21", "02:30"):
            reply.moved_occurrences.append(
                catalog_pb2.MovedOccurrence(
                    session_id=str(uuid.uuid4()),
                    local_date="2027-03-28",
                    requested_local_time="02:30",
                    local_start_time="03:30",
                )
            )
        return reply

    async def ListSessions(self, request: Any, context: Any) -> Any:
        self.last_list = request
        found = [s for s in self.sessions.values() if s.company_id == request.company_id]
        return catalog_pb2.ListSessionsResponse(sessions=found)

    async def CreateCustomer(self, request: Any, context: Any) -> Any:
        """A customer per (company, e-mail), as catalog keeps them: a second is 409."""
        key = (request.company_id, request.email)
        if key in self.customers:
            raise Conflict("CUSTOMER_EMAIL_TAKEN", "a customer of the company has this e-mail")
        self.customers[key] = (str(uuid.uuid4()), request.guest)
        customer = catalog_pb2.Customer(id=self.customers[key][0], company_id=request.company_id)
        return catalog_pb2.CreateCustomerResponse(customer=customer)


class FakeGuestCustomers(guest_customers_pb2_grpc.GuestCustomerServiceServicer):
    """Converts the catalog fake's guest customers (a guest who booked) into registered ones."""

    def __init__(self, catalog: FakeCatalog) -> None:
        self.catalog = catalog

    async def ConvertGuestCustomer(self, request: Any, context: Any) -> Any:
        key = (request.company_id, request.email)
        found = self.catalog.customers.get(key)
        if found is None or not found[1]:
            raise NotFound("GUEST_CUSTOMER_NOT_FOUND", "no guest customer of this e-mail")
        self.catalog.customers[key] = (found[0], False)
        customer = catalog_pb2.Customer(id=found[0], company_id=request.company_id)
        return guest_customers_pb2.ConvertGuestCustomerResponse(customer=customer)


class FakeWallet(wallet_pb2_grpc.WalletServiceServicer):
    async def GetWallet(self, request: Any, context: Any) -> Any:
        return wallet_pb2.GetWalletResponse(
            wallet=wallet_pb2.Wallet(
                company_id=request.company_id,
                customer_id=request.customer_id,
                main_balance=money_pb2.Money(amount_minor=5000, currency_code="EUR"),
                bonus_balance=money_pb2.Money(amount_minor=700, currency_code="EUR"),
            )
        )

    async def ListWalletEntries(self, request: Any, context: Any) -> Any:
        entry = wallet_pb2.WalletEntry(
            transaction_id=str(uuid.uuid4()),
            kind=wallet_pb2.ENTRY_KIND_DEBIT,
            balance_kind=wallet_pb2.BALANCE_KIND_BONUS,
            amount=money_pb2.Money(amount_minor=-700, currency_code="EUR"),
            reference="saga-1:wallet",
            create_time=stamp(1_800_000_000),
        )
        return wallet_pb2.ListWalletEntriesResponse(entries=[entry], next_page_token="next")


class FakePasses(passes_pb2_grpc.PassesServiceServicer):
    async def ListEntitlements(self, request: Any, context: Any) -> Any:
        entitlement = passes_pb2.Entitlement(
            id=str(uuid.uuid4()),
            company_id=request.company_id,
            customer_id=request.customer_id,
            product_id=str(uuid.uuid4()),
            credits_total=10,
            credits_used=3,
            credits_held=1,
            valid_from_time=stamp(1_800_000_000),
            valid_until_time=stamp(1_807_776_000),
        )
        return passes_pb2.ListEntitlementsResponse(entitlements=[entitlement])


class FakePayments(payments_pb2_grpc.PaymentsServiceServicer):
    """Registers cards like payments does: one method per (company, customer, request id)."""

    def __init__(self) -> None:
        self.methods: dict[tuple[str, str, str], tuple[str, str]] = {}

    async def CreatePaymentMethod(self, request: Any, context: Any) -> Any:
        key = (request.company_id, request.customer_id, request.request_id)
        method_id, _token = self.methods.setdefault(key, (str(uuid.uuid4()), request.card_token))
        return payments_pb2.CreatePaymentMethodResponse(
            payment_method=payments_pb2.PaymentMethod(
                id=method_id, company_id=request.company_id, customer_id=request.customer_id
            )
        )

    def token_of(self, method_id: str) -> str:
        return next(token for mid, token in self.methods.values() if mid == method_id)

    async def ListPayments(self, request: Any, context: Any) -> Any:
        # No payment here awaits a 3-D Secure check: a customer's booking has no next_action.
        return payments_pb2.ListPaymentsResponse()


@dataclass
class FakePlatform:
    server: GrpcServer
    bookings: FakeBookings
    catalog: FakeCatalog
    payments: FakePayments

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.port}"

    def clients(self, *, timeout: float = 30.0) -> Clients:
        # A deadline no answer of the fake misses on a busy machine; the deadline test
        # passes its own short one.
        return Clients(
            {name: self.address for name in ("catalog", "bookings", "wallet", "passes", "payments")},
            timeout=timeout,
        )


@pytest.fixture(scope="session")
async def fake_platform() -> AsyncIterator[FakePlatform]:
    bookings, catalog, payments = FakeBookings(), FakeCatalog(), FakePayments()
    server = await create_server(
        [
            lambda s: bookings_pb2_grpc.add_BookingsServiceServicer_to_server(bookings, s),
            lambda s: catalog_pb2_grpc.add_CatalogServiceServicer_to_server(catalog, s),
            lambda s: guest_customers_pb2_grpc.add_GuestCustomerServiceServicer_to_server(
                FakeGuestCustomers(catalog), s
            ),
            lambda s: wallet_pb2_grpc.add_WalletServiceServicer_to_server(FakeWallet(), s),
            lambda s: passes_pb2_grpc.add_PassesServiceServicer_to_server(FakePasses(), s),
            lambda s: payments_pb2_grpc.add_PaymentsServiceServicer_to_server(payments, s),
        ],
        [
            bookings_pb2.DESCRIPTOR.services_by_name["BookingsService"].full_name,
            catalog_pb2.DESCRIPTOR.services_by_name["CatalogService"].full_name,
            guest_customers_pb2.DESCRIPTOR.services_by_name["GuestCustomerService"].full_name,
            wallet_pb2.DESCRIPTOR.services_by_name["WalletService"].full_name,
            passes_pb2.DESCRIPTOR.services_by_name["PassesService"].full_name,
            payments_pb2.DESCRIPTOR.services_by_name["PaymentsService"].full_name,
        ],
    )
    yield FakePlatform(server=server, bookings=bookings, catalog=catalog, payments=payments)
    await server.stop(0)


@pytest.fixture(scope="session")
async def gateway_db(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url, application_name="gateway-tests")
    yield db
    await db.close()


def make_settings(database_url: str, address: str = "127.0.0.1:1") -> Settings:
    return Settings(
        catalog_addr=address,
        bookings_addr=address,
        wallet_addr=address,
        passes_addr=address,
        payments_addr=address,
        database_url=database_url,
        jwt_secret=JWT_SECRET,
    )


@pytest.fixture(scope="session")
async def clients(fake_platform: FakePlatform) -> AsyncIterator[Clients]:
    made = fake_platform.clients()
    yield made
    await made.close()


def client_for(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://gateway"
    )


@pytest.fixture
async def http(
    database_url: str, fake_platform: FakePlatform, clients: Clients, gateway_db: Database
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(database_url, fake_platform.address), clients=clients, db=gateway_db)
    async with client_for(app) as client:
        yield client


@dataclass
class Account:
    user_id: str
    email: str
    password: str
    role: str
    company_id: str | None
    customer_id: str | None
    token: str = ""
    headers: dict[str, str] = field(default_factory=dict)


AccountFactory = Callable[..., Awaitable[Account]]


@pytest.fixture
def make_account(http: httpx.AsyncClient, gateway_db: Database) -> AccountFactory:
    """Creates a fresh user and logs in through the API: returns it with its bearer headers."""

    async def make(role: str = "CUSTOMER", *, company_id: str | None = None) -> Account:
        """`role` is a plumbing Role value; every role but PLATFORM_ADMIN gets a company (a new
        one unless `company_id` names it)."""
        email = f"user-{uuid.uuid4().hex[:12]}@example.com"
        password = "correct horse battery staple"
        company = company_id or (str(uuid.uuid4()) if role != "PLATFORM_ADMIN" else None)
        customer = str(uuid.uuid4()) if role == "CUSTOMER" else None
        user = await UserStore(gateway_db).create_user(
            email=email,
            password=password,
            role=role,
            company_id=company,
            customer_id=customer,  # type: ignore[arg-type]
        )
        reply = await http.post("/v1/auth/token", json={"email": email, "password": password})
        assert reply.status_code == 200, reply.text
        token = reply.json()["access_token"]
        return Account(
            user_id=user.id,
            email=email,
            password=password,
            role=role,
            company_id=company,
            customer_id=customer,
            token=token,
            headers={"Authorization": f"Bearer {token}"},
        )

    return make


@pytest.fixture
def jwt_secret() -> str:
    return JWT_SECRET


@pytest.fixture
def make_client(
    database_url: str, fake_platform: FakePlatform, gateway_db: Database
) -> Callable[..., httpx.AsyncClient]:
    """An HTTP client on a gateway app wired to the given clients (e.g. a short deadline)."""

    def make(clients: Clients, *, address: str | None = None) -> httpx.AsyncClient:
        settings = make_settings(database_url, address or fake_platform.address)
        return client_for(create_app(settings, clients=clients, db=gateway_db))

    return make


OPS_SESSION_COOKIE = "gateway_ops_session"


@pytest.fixture
def ops_login(http: httpx.AsyncClient) -> Callable[[Account], Awaitable[str]]:
    """Logs an operator into the /ops pages through the login form: the client keeps the session
    cookie, which is returned (the pages' CSRF tokens are bound to it)."""

    async def login(account: Account) -> str:
        reply = await http.post("/ops/login", data={"email": account.email, "password": account.password})
        assert reply.status_code == 303, reply.text
        return str(http.cookies[OPS_SESSION_COOKIE])

    return login
