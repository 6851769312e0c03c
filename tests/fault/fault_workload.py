"""A seeded booking workload driven straight at the gRPC APIs (no gateway), and what it did.

Many customers, few sessions with few places (so sold-out races happen), every payment mix
(wallet, wallet + card, pass, pass + wallet, card, a declined card with and without the
wallet, a card the provider answers slowly, one whose answer is lost, wallets too poor to
pay) and cancellations of confirmed bookings. Calls that fail
because a service is down are retried with the same request id, as a client would.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import grpc
from grpc import aio

from bookingplatform.bookings.v1 import bookings_pb2, bookings_pb2_grpc
from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookingplatform.common.v1 import money_pb2
from bookingplatform.passes.v1 import passes_pb2, passes_pb2_grpc
from bookingplatform.payments.v1 import payments_pb2, payments_pb2_grpc
from bookingplatform.wallet.v1 import wallet_pb2, wallet_pb2_grpc

APPROVED_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"
# The card provider's own faults (sandbox test cards): an answer 3 s late, and an
# authorization whose answer is lost the first time (the retry finds it by its key).
SLOW_CARD = "4000000000000259"
LOST_ANSWER_CARD = "4000000000000341"
CURRENCY = "EUR"
FREE_CANCELLATION_MINUTES = 60
# gRPC codes a client retries with the same request id (a service or its database is down).
RETRYABLE = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.CANCELLED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
}
MIXES = (
    "wallet",
    "wallet+card",
    "pass",
    "pass+wallet",
    "card",
    "declined",
    "wallet+declined",
    "slow-card",
    "wallet+lost-answer-card",
)


def money(minor: int) -> money_pb2.Money:
    return money_pb2.Money(amount_minor=minor, currency_code=CURRENCY)


def reason_of(error: grpc.aio.AioRpcError) -> str:
    """The ErrorInfo reason of a refusal, else the status code name."""
    from google.rpc import error_details_pb2, status_pb2

    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin" and isinstance(value, bytes):
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                    info = error_details_pb2.ErrorInfo()
                    detail.Unpack(info)
                    return info.reason
    code = error.code()
    return code.name if code is not None else "UNKNOWN"


@dataclass
class Customer:
    id: str
    main_minor: int
    bonus_minor: int
    entitlement_id: str = ""
    pass_credits: int = 0
    # Card number -> the customer's payment method for it (bookings gets only the method id).
    cards: dict[str, str] = field(default_factory=dict)


@dataclass
class Session:
    id: str
    capacity: int
    price_minor: int
    refund_percent: int  # what a cancellation during the run gives back (100 or 0)


@dataclass
class World:
    company_id: str
    resource_id: str
    sessions: list[Session]
    customers: list[Customer]


@dataclass
class WorkloadStats:
    attempts: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    gave_up: int = 0
    booking_ids: list[str] = field(default_factory=list)
    cancelled: int = 0


class Clients:
    def __init__(self, addresses: dict[str, str]) -> None:
        self.channels = {name: aio.insecure_channel(address) for name, address in addresses.items()}
        self.catalog = catalog_pb2_grpc.CatalogServiceStub(self.channels["catalog"])
        self.bookings = bookings_pb2_grpc.BookingsServiceStub(self.channels["bookings"])
        self.wallet = wallet_pb2_grpc.WalletServiceStub(self.channels["wallet"])
        self.passes = passes_pb2_grpc.PassesServiceStub(self.channels["passes"])
        self.payments = payments_pb2_grpc.PaymentsServiceStub(self.channels["payments"])

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close()


async def call(method, request, *, attempts: int = 60, stats: WorkloadStats | None = None, timeout=5.0):  # type: ignore[no-untyped-def]
    """Calls an RPC, retrying transport failures with the same request (same request id)."""
    for attempt in range(attempts):
        try:
            return await method(request, timeout=timeout)
        except aio.AioRpcError as error:
            retry = error.code() in RETRYABLE or reason_of(error) in ("CATALOG_UNAVAILABLE",)
            if not retry or attempt == attempts - 1:
                raise
            if stats is not None:
                stats.retries += 1
            await asyncio.sleep(min(0.1 * (attempt + 1), 1.0))
    raise AssertionError("unreachable")


async def build_world(clients: Clients, rng: random.Random, *, customers: int, sessions: int) -> World:
    """A company, a studio, sessions with few places, customers with money and passes."""
    company = (
        await call(
            clients.catalog.CreateCompany,
            catalog_pb2.CreateCompanyRequest(
                request_id=str(uuid.uuid4()), name="Fault Studio", time_zone="UTC", currency_code=CURRENCY
            ),
        )
    ).company
    resource = (
        await call(
            clients.catalog.CreateResource,
            catalog_pb2.CreateResourceRequest(
                request_id=str(uuid.uuid4()),
                company_id=company.id,
                name="Studio",
                booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
                policy=catalog_pb2.ResourcePolicy(free_cancellation_minutes=FREE_CANCELLATION_MINUTES),
            ),
        )
    ).resource
    made_sessions = []
    for index in range(sessions):
        # The last session starts inside the free-cancellation window: cancelling refunds nothing.
        late = index == sessions - 1
        start = datetime.now(UTC) + (timedelta(minutes=45) if late else timedelta(days=2, hours=index))
        request = catalog_pb2.CreateSessionRequest(
            request_id=str(uuid.uuid4()),
            resource_id=resource.id,
            capacity=rng.randint(3, 6),
            price=money(rng.choice([800, 1000, 1500, 2000])),
        )
        request.start_time.FromDatetime(start)
        request.end_time.FromDatetime(start + timedelta(hours=1))
        session = (await call(clients.catalog.CreateSession, request)).session
        made_sessions.append(
            Session(session.id, session.capacity, session.price.amount_minor, 0 if late else 100)
        )
    product = (
        await call(
            clients.passes.CreatePassProduct,
            passes_pb2.CreatePassProductRequest(
                request_id=str(uuid.uuid4()),
                company_id=company.id,
                name="3 classes",
                credits=3,
                validity_days=30,
                price=money(4000),
            ),
        )
    ).product
    made_customers = []
    for _ in range(customers):
        customer = (
            await call(
                clients.catalog.CreateCustomer,
                catalog_pb2.CreateCustomerRequest(
                    request_id=str(uuid.uuid4()),
                    company_id=company.id,
                    display_name="Fault Customer",
                    email=f"{uuid.uuid4().hex[:12]}@example.com",
                ),
            )
        ).customer
        made = Customer(
            customer.id,
            main_minor=rng.choice([0, 500, 1500, 4000, 10000]),
            bonus_minor=rng.choice([0, 0, 300, 1000]),
        )
        for amount, kind in (
            (made.main_minor, wallet_pb2.BALANCE_KIND_MAIN),
            (made.bonus_minor, wallet_pb2.BALANCE_KIND_BONUS),
        ):
            if amount:
                await call(
                    clients.wallet.TopUpWallet,
                    wallet_pb2.TopUpWalletRequest(
                        request_id=str(uuid.uuid4()),
                        company_id=company.id,
                        customer_id=customer.id,
                        amount=money(amount),
                        balance_kind=kind,
                    ),
                )
        if rng.random() < 0.4:
            granted = await call(
                clients.passes.GrantPass,
                passes_pb2.GrantPassRequest(
                    request_id=str(uuid.uuid4()), product_id=product.id, customer_id=customer.id
                ),
            )
            made.entitlement_id = granted.entitlement.id
            made.pass_credits = 3
        for card in (APPROVED_CARD, SLOW_CARD, LOST_ANSWER_CARD, DECLINED_CARD):
            registered = await call(
                clients.payments.CreatePaymentMethod,
                payments_pb2.CreatePaymentMethodRequest(
                    request_id=str(uuid.uuid4()),
                    company_id=company.id,
                    customer_id=customer.id,
                    card_token=card,
                ),
            )
            made.cards[card] = registered.payment_method.id
        made_customers.append(made)
    return World(company.id, resource.id, made_sessions, made_customers)


def payment_plan(rng: random.Random, customer: Customer) -> tuple[str, bookings_pb2.PaymentPlan]:
    mix = rng.choice(MIXES)
    if mix.startswith("pass") and not customer.entitlement_id:
        mix = "wallet"
    plan = bookings_pb2.PaymentPlan(
        entitlement_id=customer.entitlement_id if mix.startswith("pass") else "",
        use_wallet="wallet" in mix,
    )
    card = {
        "wallet+card": APPROVED_CARD,
        "card": APPROVED_CARD,
        "slow-card": SLOW_CARD,
        "wallet+lost-answer-card": LOST_ANSWER_CARD,
    }.get(mix, "")
    if "declined" in mix:
        card = DECLINED_CARD
    plan.payment_method_id = customer.cards[card] if card else ""
    return mix, plan


async def run_workload(
    clients: Clients,
    world: World,
    rng: random.Random,
    *,
    seconds: float,
    workers: int,
    keep_going: asyncio.Event | None = None,
) -> WorkloadStats:
    """Books and cancels from `workers` concurrent clients for `seconds` (and for as long as
    `keep_going` is set)."""
    stats = WorkloadStats()
    deadline = time.monotonic() + seconds

    def running() -> bool:
        return time.monotonic() < deadline or (keep_going is not None and keep_going.is_set())

    # Each worker gets its own generator from the seed, so the choices do not depend on timing.
    worker_rngs = [random.Random(rng.random()) for _ in range(workers)]
    await asyncio.gather(*(_worker(clients, world, r, stats, running) for r in worker_rngs))
    return stats


async def _worker(
    clients: Clients, world: World, rng: random.Random, stats: WorkloadStats, running: Callable[[], bool]
) -> None:
    while running():
        if stats.booking_ids and rng.random() < 0.15:
            await _cancel(clients, rng.choice(stats.booking_ids), stats)
        else:
            await _book(clients, world, rng, stats)
        await asyncio.sleep(rng.uniform(0.0, 0.05))


async def _book(clients: Clients, world: World, rng: random.Random, stats: WorkloadStats) -> None:
    customer = rng.choice(world.customers)
    session = rng.choice(world.sessions)
    mix, plan = payment_plan(rng, customer)
    stats.attempts[mix] += 1
    request = bookings_pb2.CreateBookingRequest(
        request_id=str(uuid.uuid4()),
        customer_id=customer.id,
        session_id=session.id,
        quantity=rng.choice([1, 1, 1, 2]),
        payment_plan=plan,
    )
    try:
        booking = (await call(clients.bookings.CreateBooking, request, stats=stats)).booking
    except aio.AioRpcError as error:
        stats.outcomes[f"create:{reason_of(error)}"] += 1
        if error.code() in RETRYABLE:
            stats.gave_up += 1
        return
    stats.outcomes["create:OK"] += 1
    stats.booking_ids.append(booking.id)


async def _cancel(clients: Clients, booking_id: str, stats: WorkloadStats) -> None:
    try:
        booking = (
            await call(clients.bookings.GetBooking, bookings_pb2.GetBookingRequest(booking_id=booking_id))
        ).booking
        if booking.status != bookings_pb2.BOOKING_STATUS_CONFIRMED:
            return
        await call(
            clients.bookings.CancelBooking,
            bookings_pb2.CancelBookingRequest(request_id=str(uuid.uuid4()), booking_id=booking_id),
            stats=stats,
        )
    except aio.AioRpcError as error:
        stats.outcomes[f"cancel:{reason_of(error)}"] += 1
        return
    stats.outcomes["cancel:OK"] += 1
    stats.cancelled += 1
