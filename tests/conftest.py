"""The whole platform, in this test process: every service's real grpc.aio server on a port
the OS picks, the real gateway on uvicorn, a real PostgreSQL and a real NATS JetStream.

Tests isolate themselves by creating their own company, customer and sessions.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import uvicorn
from google.protobuf import field_mask_pb2
from grpc import aio

import bookings.bootstrap
import catalog.bootstrap
import passes.bootstrap
import payments.bootstrap
import wallet.bootstrap
from bookingplatform.bookings.v1 import bookings_pb2_grpc
from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookingplatform.common.v1 import money_pb2
from bookingplatform.passes.v1 import passes_pb2, passes_pb2_grpc
from bookingplatform.payments.v1 import payments_pb2_grpc
from bookingplatform.wallet.v1 import wallet_pb2, wallet_pb2_grpc
from gateway.app import create_app
from gateway.push.vapid import new_private_key_pem
from gateway.settings import Settings as GatewaySettings
from gateway.users import UserStore
from plumbing.db import Database
from plumbing.mailsink import MailSink
from plumbing.testing import EVENTUALLY_TIMEOUT, eventually

# A REQUIRES_ACTION card payment nobody completes fails after this: short, for the tests of the
# timeout, yet long enough for a test that completes the 3-D Secure step on a busy machine.
PAYMENTS_ACTION_TIMEOUT_SECONDS = 8.0


@dataclass
class Platform:
    gateway_url: str
    addresses: dict[str, str]
    database_url: str
    catalog: catalog_pb2_grpc.CatalogServiceStub
    bookings: bookings_pb2_grpc.BookingsServiceStub
    wallet: wallet_pb2_grpc.WalletServiceStub
    passes: passes_pb2_grpc.PassesServiceStub
    payments: payments_pb2_grpc.PaymentsServiceStub
    db: Database
    users: UserStore
    # The SMTP sink the gateway sends its e-mails to (gateway.notifications); None on the
    # platforms of the tests that build their own (fault runs, the secrets scan).
    mail: MailSink | None = None


# The first retry of an e-mail the sink refused: short, so a test of retries waits little.
NOTIFICATIONS_FIRST_RETRY_SECONDS = 0.5


@pytest.fixture(scope="session")
async def mail_sink() -> AsyncIterator[MailSink]:
    sink = MailSink()
    await sink.start()
    yield sink
    await sink.stop()


@pytest.fixture(scope="session")
async def platform(database_url: str, nats_url: str, mail_sink: MailSink) -> AsyncIterator[Platform]:
    running = []
    addresses: dict[str, str] = {}
    # The gateway's socket is bound first: payments sends its card provider's webhooks there.
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # The catalog asks the wallet whether wallets hold money before a company's currency changes,
    # and the wallet asks the catalog: the wallet's port is chosen before the catalog starts.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        wallet_port = probe.getsockname()[1]
    extra_settings: dict[str, dict] = {
        "payments": {
            "webhook_url": f"http://127.0.0.1:{port}/webhooks/payments/sandbox",
            "action_timeout_seconds": PAYMENTS_ACTION_TIMEOUT_SECONDS,
        },
        "catalog": {"wallet_addr": f"127.0.0.1:{wallet_port}"},
    }
    for module, name in (
        (catalog.bootstrap, "catalog"),
        (wallet.bootstrap, "wallet"),
        (passes.bootstrap, "passes"),
        (payments.bootstrap, "payments"),
    ):
        if name in ("wallet", "passes"):  # ask the catalog whether a person's customer is the company's
            extra_settings[name] = {"catalog_addr": addresses["catalog"]}
        if name == "wallet":
            extra_settings[name]["grpc_port"] = wallet_port
        service = await module.start(  # type: ignore[attr-defined]
            module.Settings(database_url=database_url, nats_url=nats_url, **extra_settings.get(name, {}))  # type: ignore[attr-defined]
        )
        running.append(service)
        addresses[name] = service.address
    booking_service = await bookings.bootstrap.start(
        bookings.bootstrap.Settings(
            database_url=database_url,
            nats_url=nats_url,
            catalog_addr=addresses["catalog"],
            passes_addr=addresses["passes"],
            payments_addr=addresses["payments"],
            sweep_interval_seconds=0.2,
            # Like the gateway's below: a busy test machine may take longer than the production
            # deadline (5 s) per call to catalog, passes or payments, and a 503 CATALOG_UNAVAILABLE
            # for slowness would fail tests that check behaviour, not speed.
            call_timeout_seconds=60.0,
        )
    )
    running.append(booking_service)
    addresses["bookings"] = booking_service.address

    settings = GatewaySettings(
        catalog_addr=addresses["catalog"],
        bookings_addr=addresses["bookings"],
        wallet_addr=addresses["wallet"],
        passes_addr=addresses["passes"],
        payments_addr=addresses["payments"],
        database_url=database_url,
        jwt_secret="test-secret-" + uuid.uuid4().hex,
        # A busy test machine may take longer than the production deadline (5 s) per call;
        # a 503 for slowness would fail tests that check behaviour, not speed.
        grpc_timeout_seconds=60.0,
        # Every test logs in from 127.0.0.1 through this one gateway.
        login_limit_per_ip="10000/minute",
        login_limit_per_account="10000/minute",
        # Every guest books from 127.0.0.1 too; the per-e-mail limit stays as deployed.
        guest_booking_limit_per_ip="10000/minute",
        # The services' audit entries reach the gateway's one log over NATS.
        nats_url=nats_url,
        # Webhook receivers started by tests listen on 127.0.0.1 (gateway.webhooks.urls).
        webhooks_allow_private_urls=True,
        # Web Push (gateway.push): this run's own VAPID key pair, and push services started by
        # tests on 127.0.0.1.
        vapid_private_key=new_private_key_pem(),
        vapid_subject="mailto:ops@platform.test",
        push_allow_loopback_endpoints=True,
        # E-mails go to the local SMTP sink the tests read.
        smtp_host="127.0.0.1",
        smtp_port=mail_sink.port,
        mail_from="bookings@platform.test",
        notifications_first_retry_seconds=NOTIFICATIONS_FIRST_RETRY_SECONDS,
    )
    # As deployed (gateway.settings.keep_alive_seconds): a test client reusing an idle connection
    # must never meet the server closing it (a reset on a busy machine, not an answer).
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            http="httptools",
            log_level="warning",
            timeout_keep_alive=settings.keep_alive_seconds,
        )
    )
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    await eventually(lambda: server.started or serving.done(), message="the gateway never started")
    if serving.done():
        serving.result()  # the gateway failed to start: show why

    channels = {name: aio.insecure_channel(address) for name, address in addresses.items()}
    db = Database(database_url, pool_size=2)
    yield Platform(
        gateway_url=f"http://127.0.0.1:{port}",
        addresses=addresses,
        database_url=database_url,
        catalog=catalog_pb2_grpc.CatalogServiceStub(channels["catalog"]),
        bookings=bookings_pb2_grpc.BookingsServiceStub(channels["bookings"]),
        wallet=wallet_pb2_grpc.WalletServiceStub(channels["wallet"]),
        passes=passes_pb2_grpc.PassesServiceStub(channels["passes"]),
        payments=payments_pb2_grpc.PaymentsServiceStub(channels["payments"]),
        db=db,
        users=UserStore(db),
        mail=mail_sink,
    )
    server.should_exit = True
    await serving
    sock.close()
    for channel in channels.values():
        await channel.close()
    await db.close()
    for service in reversed(running):
        await service.stop(grace=0.5)


def eur(minor: int) -> money_pb2.Money:
    return money_pb2.Money(amount_minor=minor, currency_code="EUR")


@dataclass
class Tenant:
    """A fresh company with a studio, an extra and a way to make customers and sessions."""

    platform: Platform
    company_id: str
    resource_id: str
    extra_id: str

    async def session(
        self, *, capacity: int = 10, price_minor: int = 2000, starts_in: timedelta = timedelta(days=2)
    ):
        start = datetime.now(UTC) + starts_in
        request = catalog_pb2.CreateSessionRequest(
            request_id=str(uuid.uuid4()),
            resource_id=self.resource_id,
            capacity=capacity,
            price=eur(price_minor),
        )
        request.start_time.FromDatetime(start)
        request.end_time.FromDatetime(start + timedelta(hours=1))
        return (await self.platform.catalog.CreateSession(request)).session

    async def customer(self, *, main_minor: int = 0, bonus_minor: int = 0) -> Customer:
        email = f"{uuid.uuid4().hex[:10]}@example.com"
        customer = (
            await self.platform.catalog.CreateCustomer(
                catalog_pb2.CreateCustomerRequest(
                    request_id=str(uuid.uuid4()),
                    company_id=self.company_id,
                    display_name="Test Customer",
                    email=email,
                )
            )
        ).customer
        for amount, kind in (
            (main_minor, wallet_pb2.BALANCE_KIND_MAIN),
            (bonus_minor, wallet_pb2.BALANCE_KIND_BONUS),
        ):
            if amount:
                await self.platform.wallet.TopUpWallet(
                    wallet_pb2.TopUpWalletRequest(
                        request_id=str(uuid.uuid4()),
                        company_id=self.company_id,
                        customer_id=customer.id,
                        amount=eur(amount),
                        balance_kind=kind,
                    )
                )
        await self.platform.users.create_user(
            email=email,
            password="secret-pass",
            role="CUSTOMER",
            company_id=self.company_id,
            customer_id=customer.id,
        )
        client = httpx.AsyncClient(base_url=self.platform.gateway_url, timeout=30)
        token = await client.post("/v1/auth/token", json={"email": email, "password": "secret-pass"})
        assert token.status_code == 200, token.text
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        return Customer(id=customer.id, company_id=self.company_id, http=client, tenant=self)

    async def grant_pass(
        self, customer_id: str, *, credits: int = 10, resource_ids: Sequence[str] = ()
    ) -> str:
        """A pass of a new product, valid for every resource or only `resource_ids`."""
        product = (
            await self.platform.passes.CreatePassProduct(
                passes_pb2.CreatePassProductRequest(
                    request_id=str(uuid.uuid4()),
                    company_id=self.company_id,
                    name=f"{credits} classes",
                    credits=credits,
                    validity_days=30,
                    price=eur(15000),
                )
            )
        ).product
        if resource_ids:
            product.resource_ids.extend(resource_ids)
            await self.platform.passes.UpdatePassProduct(
                passes_pb2.UpdatePassProductRequest(
                    request_id=str(uuid.uuid4()),
                    product=product,
                    update_mask=field_mask_pb2.FieldMask(paths=["resource_ids"]),
                )
            )
        granted = await self.platform.passes.GrantPass(
            passes_pb2.GrantPassRequest(
                request_id=str(uuid.uuid4()), product_id=product.id, customer_id=customer_id
            )
        )
        return granted.entitlement.id


@dataclass
class Customer:
    id: str
    company_id: str
    http: httpx.AsyncClient
    tenant: Tenant

    async def book(
        self, session_id: str, *, quantity: int = 1, key: str | None = None, **payment
    ) -> httpx.Response:
        return await self.http.post(
            "/v1/bookings",
            headers={"Idempotency-Key": key or str(uuid.uuid4())},
            json={"session_id": session_id, "quantity": quantity, "payment": payment},
        )

    async def wait_for(self, booking_id: str, *statuses: str, timeout: float = EVENTUALLY_TIMEOUT) -> dict:
        """Polls the booking until it reaches one of the statuses (the saga is asynchronous)."""
        last: dict = {}

        async def reached() -> dict | None:
            response = await self.http.get(f"/v1/bookings/{booking_id}")
            assert response.status_code == 200, response.text
            last.update(response.json())
            return last if last["status"] in statuses else None

        return await eventually(
            reached, timeout=timeout, message=lambda: f"booking stayed {last.get('status')}: {last}"
        )

    async def cancel(self, booking_id: str) -> httpx.Response:
        """Cancels, retrying while the booking's capture is still running (409 BOOKING_FINALIZING)."""
        key = str(uuid.uuid4())

        async def answered() -> httpx.Response | None:
            response = await self.http.post(
                f"/v1/bookings/{booking_id}/cancel", headers={"Idempotency-Key": key}
            )
            if response.status_code == 409 and response.json().get("code") == "BOOKING_FINALIZING":
                return None
            return response

        return await eventually(answered, message="the booking never finished confirming")

    async def wallet(self) -> dict:
        response = await self.http.get("/v1/wallet")
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
async def tenant(platform: Platform) -> Tenant:
    company = (
        await platform.catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                request_id=str(uuid.uuid4()),
                name="Test Studio",
                time_zone="Europe/Berlin",
                currency_code="EUR",
            )
        )
    ).company
    resource = (
        await platform.catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                request_id=str(uuid.uuid4()),
                company_id=company.id,
                name="Studio",
                booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
                policy=catalog_pb2.ResourcePolicy(free_cancellation_minutes=60),
            )
        )
    ).resource
    extra = (
        await platform.catalog.CreateExtra(
            catalog_pb2.CreateExtraRequest(
                request_id=str(uuid.uuid4()), company_id=company.id, name="Mat hire", price=eur(300)
            )
        )
    ).extra
    return Tenant(platform=platform, company_id=company.id, resource_id=resource.id, extra_id=extra.id)


# Lines a figure-printing test writes (fault runs, the fuzzer, the security matrix), repeated at
# the end of the session, passed or failed: the figures a run is judged by, without `-s`.
FIGURE_PREFIXES = (
    "[fault]",
    "fuzz:",
    "security matrix:",
    "forged principal",
    "notifications:",
    "hostile pages:",
)


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    lines = [
        line
        for outcome in ("passed", "failed")
        for report in terminalreporter.stats.get(outcome, [])
        if report.when == "call"
        for line in report.capstdout.splitlines()
        if line.startswith(FIGURE_PREFIXES)
    ]
    if lines:
        terminalreporter.write_sep("-", "figures")
        for line in lines:
            terminalreporter.write_line(line)
