"""No secret is stored or logged outside where it belongs.

The whole platform runs in this process on a database and a NATS server of its own, with
every logger at DEBUG. Bookings are paid by card through the gateway with every kind of
sandbox card (approved, declined, 3-D Secure, asynchronous), a pay-later booking is settled
by card, a stay paid by card is extended (the difference is charged to the same card) and a
card booking is cancelled; bad requests carry a card token in the wrong places. Then every
text, JSON and bytea column of every schema but `payments`, every message of every NATS
stream, every captured log line (and the NATS and PostgreSQL server logs) and every HTTP
answer are searched for the card tokens, the customers' password and their access tokens.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import nats
import pytest
import uvicorn
from grpc import aio
from nats.js.errors import NotFoundError
from sqlalchemy import text

import bookings.bootstrap
import catalog.bootstrap
import passes.bootstrap
import payments.bootstrap
import wallet.bootstrap
from bookingplatform.bookings.v1 import bookings_pb2_grpc
from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookingplatform.passes.v1 import passes_pb2_grpc
from bookingplatform.payments.v1 import payments_pb2_grpc
from bookingplatform.wallet.v1 import wallet_pb2, wallet_pb2_grpc
from gateway.app import create_app
from gateway.settings import Settings as GatewaySettings
from gateway.users import UserStore
from plumbing.db import Database
from plumbing.devstack import drop_database, ensure_database, start_nats
from plumbing.migrations import migrate_all
from plumbing.testing import eventually
from tests.conftest import Platform, eur
from tests.test_e2e_reservation_engine import cabins

pytestmark = pytest.mark.e2e

PASSWORD = f"pw-{uuid.uuid4().hex}"
# Approved by the sandbox (any 12-19 digits) and found nowhere else: one per use.
BOOKING_CARD = "4929" + "".join(random.choices("0123456789", k=12))
SETTLE_CARD = "4929" + "".join(random.choices("0123456789", k=12))
STAY_CARD = "4929" + "".join(random.choices("0123456789", k=12))
# The sandbox's fixed test cards: declined, 3-D Secure (nobody completes it), asynchronous.
DECLINED_CARD = "tok_chargeDeclined"
ACTION_CARD = "4000000000003220"
ASYNC_CARD = "tok_asyncApproval"
CARDS = (BOOKING_CARD, SETTLE_CARD, STAY_CARD, DECLINED_CARD, ACTION_CARD, ASYNC_CARD)
# Sent only in bad requests: refused before anything is stored.
MISPLACED_CARD = "4929" + "".join(random.choices("0123456789", k=12))


class Captured(logging.Handler):
    """Every log record of every logger, formatted with its exception, while installed."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception as error:  # a record that cannot be formatted is still looked at
            self.lines.append(f"{record.name} {record.msg!r} {record.args!r} ({error})")


@pytest.fixture(scope="module")
def captured_logs() -> Iterator[Captured]:
    handler = Captured()
    loggers = [logging.getLogger()] + [
        logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    levels = [(logger, logger.level, logger.disabled) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)
    for logger, level, disabled in levels:
        logger.setLevel(level)
        logger.disabled = disabled


@pytest.fixture(scope="module")
async def own_infrastructure(database_url: str) -> AsyncIterator[tuple[str, str, Path]]:
    """A database and a NATS server of this module's own: what is scanned is what it did."""
    name = f"secrets_{uuid.uuid4().hex[:8]}"
    own_database = ensure_database(database_url, name)
    await asyncio.to_thread(migrate_all, own_database)
    with tempfile.TemporaryDirectory(prefix="bp-secrets-") as nats_dir:
        server = start_nats(Path(nats_dir))
        try:
            yield own_database, server.url, Path(nats_dir) / "nats.log"
        finally:
            server.stop()
            await asyncio.to_thread(drop_database, database_url, name)


@pytest.fixture(scope="module")
async def platform(own_infrastructure, captured_logs) -> AsyncIterator[Platform]:
    """The platform of tests/conftest.py, on this module's database and NATS, logging at DEBUG."""
    database_url, nats_url, _ = own_infrastructure
    running = []
    addresses: dict[str, str] = {}
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    extra = {
        "payments": {
            "webhook_url": f"http://127.0.0.1:{port}/webhooks/payments/sandbox",
            "action_timeout_seconds": 2.0,
        }
    }
    for module, name in (
        (catalog.bootstrap, "catalog"),
        (wallet.bootstrap, "wallet"),
        (passes.bootstrap, "passes"),
        (payments.bootstrap, "payments"),
    ):
        service = await module.start(  # type: ignore[attr-defined]
            module.Settings(database_url=database_url, nats_url=nats_url, **extra.get(name, {}))  # type: ignore[attr-defined]
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
        jwt_secret="secrets-test-" + uuid.uuid4().hex,
    )
    # log_config=None: uvicorn keeps the loggers as they are (at DEBUG, captured).
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), http="httptools", log_level="debug", log_config=None)
    )
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    await eventually(lambda: server.started or serving.done(), message="the gateway never started")
    if serving.done():
        serving.result()
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
    )
    server.should_exit = True
    await serving
    sock.close()
    for channel in channels.values():
        await channel.close()
    await db.close()
    for service in reversed(running):
        await service.stop(grace=0.5)


class Client:
    """A logged-in customer whose every HTTP answer is kept for the scan."""

    def __init__(self, http: httpx.AsyncClient, answers: list[str]) -> None:
        self.http = http
        self.answers = answers

    async def post(self, path: str, body: dict) -> httpx.Response:
        response = await self.http.post(path, json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
        self.answers.append(response.text)
        return response

    async def booking(self, booking_id: str, *statuses: str) -> dict:
        async def reached() -> dict | None:
            response = await self.http.get(f"/v1/bookings/{booking_id}")
            self.answers.append(response.text)
            found = response.json()
            return found if found["status"] in statuses else None

        return await eventually(reached, message=f"booking {booking_id} never reached {statuses}")


async def customer(
    platform: Platform, company_id: str, access_tokens: list[str], answers: list[str], *, main=0
):
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    made = (
        await platform.catalog.CreateCustomer(
            catalog_pb2.CreateCustomerRequest(
                request_id=str(uuid.uuid4()), company_id=company_id, display_name="Card Holder", email=email
            )
        )
    ).customer
    if main:
        await platform.wallet.TopUpWallet(
            wallet_pb2.TopUpWalletRequest(
                request_id=str(uuid.uuid4()),
                company_id=company_id,
                customer_id=made.id,
                amount=eur(main),
                balance_kind=wallet_pb2.BALANCE_KIND_MAIN,
            )
        )
    await platform.users.create_user(
        email=email, password=PASSWORD, role="CUSTOMER", company_id=company_id, customer_id=made.id
    )
    http = httpx.AsyncClient(base_url=platform.gateway_url, timeout=30)
    login = await http.post("/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    access_tokens.append(login.json()["access_token"])
    http.headers["Authorization"] = f"Bearer {access_tokens[-1]}"
    return Client(http, answers)


async def run_card_bookings(platform: Platform, access_tokens: list[str], answers: list[str]) -> None:
    """Every card path once, through the gateway."""
    company = (
        await platform.catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                request_id=str(uuid.uuid4()),
                name="Card Studio",
                time_zone="Europe/Berlin",
                currency_code="EUR",
            )
        )
    ).company
    studio = (
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
    session_request = catalog_pb2.CreateSessionRequest(
        request_id=str(uuid.uuid4()), resource_id=studio.id, capacity=20, price=eur(2000)
    )
    start = datetime.now(UTC) + timedelta(days=3)
    session_request.start_time.FromDatetime(start)
    session_request.end_time.FromDatetime(start + timedelta(hours=1))
    session = (await platform.catalog.CreateSession(session_request)).session
    ada = await customer(platform, company.id, access_tokens, answers)
    bo = await customer(platform, company.id, access_tokens, answers, main=500)

    def booked(response: httpx.Response) -> str:
        assert response.status_code == 202, response.text
        return response.json()["id"]

    approved = booked(
        await ada.post("/v1/bookings", {"session_id": session.id, "payment": {"card_token": BOOKING_CARD}})
    )
    declined = booked(
        await ada.post("/v1/bookings", {"session_id": session.id, "payment": {"card_token": DECLINED_CARD}})
    )
    action = booked(
        await ada.post("/v1/bookings", {"session_id": session.id, "payment": {"card_token": ACTION_CARD}})
    )
    later = booked(
        await ada.post("/v1/bookings", {"session_id": session.id, "payment": {"card_token": ASYNC_CARD}})
    )
    unpaid = booked(
        await bo.post(
            "/v1/bookings", {"session_id": session.id, "payment": {"use_wallet": True, "pay_later": True}}
        )
    )

    assert (await ada.booking(approved, "CONFIRMED"))["payment_plan"]["use_card"] is True
    assert (await ada.booking(declined, "REJECTED"))["reject_reason"] == "CARD_DECLINED"
    assert (await ada.booking(action, "REJECTED"))["reject_reason"] == "AUTHENTICATION_TIMEOUT"
    await ada.booking(later, "CONFIRMED")
    await bo.booking(unpaid, "PENDING_PAYMENT")
    settle = await bo.post(f"/v1/bookings/{unpaid}/settle", {"card_token": SETTLE_CARD})
    assert settle.status_code == 202, settle.text
    await bo.booking(unpaid, "CONFIRMED")
    cancel = await ada.post(f"/v1/bookings/{approved}/cancel", {})
    assert cancel.status_code == 202, cancel.text
    await ada.booking(approved, "CANCELLED")

    # A stay paid by card, then extended: the difference is charged to the same card.
    cabin, _ = await cabins(platform, company.id, nightly=10000)
    check_in = date.today() + timedelta(days=30)
    stay = booked(
        await ada.post(
            "/v1/bookings",
            {
                "resource_id": cabin.id,
                "check_in_date": check_in.isoformat(),
                "check_out_date": (check_in + timedelta(days=1)).isoformat(),
                "payment": {"card_token": STAY_CARD},
            },
        )
    )
    await ada.booking(stay, "CONFIRMED")

    async def extended() -> bool:
        response = await ada.post(
            f"/v1/bookings/{stay}/change", {"check_out_date": (check_in + timedelta(days=2)).isoformat()}
        )
        if response.status_code == 409 and response.json()["code"] in (
            "BOOKING_FINALIZING",
            "CHANGE_IN_PROGRESS",
        ):
            return False
        assert response.status_code == 202, response.text
        return True

    await eventually(extended, message="the stay could not be extended")

    async def charged() -> bool:
        response = await ada.http.get(f"/v1/bookings/{stay}")
        answers.append(response.text)
        return response.json()["card_charged"]["amount_minor"] == 20000

    await eventually(charged, message="the extension was never charged to the card")

    # Bad requests with a card token where it does not belong: refused, and not echoed.
    for body in (
        {"session_id": MISPLACED_CARD, "payment": {"card_token": MISPLACED_CARD}},
        {"session_id": session.id, "payment": {"payment_method_id": MISPLACED_CARD}},
        {"session_id": session.id, "payment": {"card_token": MISPLACED_CARD + "9" * 300}},
        {
            "session_id": session.id,
            "payment": {"card_token": MISPLACED_CARD, "payment_method_id": str(uuid.uuid4())},
        },
    ):
        refused = await ada.post("/v1/bookings", body)
        assert refused.status_code == 400, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
    refused = await bo.post(f"/v1/bookings/{unpaid}/settle", {"payment_method_id": MISPLACED_CARD})
    assert refused.status_code == 400, refused.text


async def stored_outside_payments(platform: Platform, secret: str) -> list[str]:
    """The text, JSON and bytea columns of every schema but payments' that hold the secret."""
    found = []
    async with platform.db.transaction() as conn:
        columns = (
            await conn.execute(
                text(
                    "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns"
                    " WHERE table_schema NOT IN ('payments', 'pg_catalog', 'information_schema')"
                    " AND table_schema NOT LIKE 'pg\\_%'"
                    " AND data_type IN"
                    " ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY')"
                )
            )
        ).all()
        assert len(columns) > 30, "the scan saw too few columns to mean anything"
        for schema, table, column, data_type in columns:
            if data_type == "bytea":
                condition = f"position(convert_to(:secret, 'UTF8') in \"{column}\") > 0"
            else:
                condition = f'strpos("{column}"::text, :secret) > 0'
            hits = await conn.scalar(
                text(f'SELECT count(*) FROM "{schema}"."{table}" WHERE {condition}'), {"secret": secret}
            )
            if hits:
                found.append(f"{schema}.{table}.{column} ({hits} rows)")
    return found


async def stream_messages(nats_url: str) -> list[bytes]:
    """Every message (headers and data) still in every JetStream stream."""
    nc = await nats.connect(nats_url)
    try:
        jsm = nc.jsm()
        messages = []
        for stream in await jsm.streams_info():
            for seq in range(max(stream.state.first_seq, 1), stream.state.last_seq + 1):
                try:
                    message = await jsm.get_msg(stream.config.name, seq)
                except NotFoundError:
                    continue
                messages.append(repr(message.headers).encode() + (message.data or b""))
        return messages
    finally:
        await nc.close()


async def test_no_card_token_password_or_access_token_is_stored_logged_or_answered_outside_payments(
    platform, own_infrastructure, captured_logs
):
    _, nats_url, nats_log = own_infrastructure
    access_tokens: list[str] = []
    answers: list[str] = []
    async with platform.db.transaction() as conn:
        pg_log = Path(await conn.scalar(text("SHOW data_directory"))) / "log"
    pg_log_start = pg_log.stat().st_size if pg_log.is_file() else 0

    await run_card_bookings(platform, access_tokens, answers)
    await asyncio.sleep(1.0)  # the last replies and relays settle, their log lines are written

    messages = await stream_messages(nats_url)
    server_logs = nats_log.read_text(errors="replace")
    if pg_log.is_file():
        with pg_log.open("rb") as file:
            file.seek(pg_log_start)
            server_logs += file.read().decode(errors="replace")
    http_answers = "\n".join(answers)

    # The scan looks at real data: there is something to find in each place...
    assert len(messages) > 20 and len(captured_logs.lines) > 100 and len(answers) > 10
    assert any("sqlalchemy.engine" in line for line in captured_logs.lines), "SQL was not logged at DEBUG"
    async with platform.db.transaction() as conn:
        kept = set(await conn.scalars(text("SELECT card_token FROM payments.payment_methods")))
    # ...and the cards are where they belong: payments' own table.
    assert set(CARDS) <= kept and MISPLACED_CARD not in kept

    leaks: dict[str, list[str]] = {}
    secrets = {**{f"card {card}": card for card in (*CARDS, MISPLACED_CARD)}, "password": PASSWORD}
    secrets.update({f"access token {n}": token for n, token in enumerate(access_tokens)})
    for name, secret in secrets.items():
        where = [f"table {column}" for column in await stored_outside_payments(platform, secret)]
        where += [f"NATS message {n}" for n, message in enumerate(messages) if secret.encode() in message]
        where += [line[:300] for line in captured_logs.lines if secret in line]
        if secret in server_logs:
            where.append("a NATS or PostgreSQL server log")
        # (The logins' answers, which carry the access tokens, are not among these.)
        if secret in http_answers:
            where.append("an HTTP answer")
        if where:
            leaks[name] = where
    assert not leaks, leaks
