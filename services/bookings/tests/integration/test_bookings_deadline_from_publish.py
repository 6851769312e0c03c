"""A saga step's deadline runs from the publish of its command, not from the insert of its
outbox row: while NATS is down the command waits in the outbox and the step is never timed
out; once NATS is back and the relay publishes it, the deadline starts and an unanswered
step is re-sent after its timeout.

The orchestrator runs alone (no participant), on a database of its own and a nats-server of
its own that the test stops and starts again on the same port.
"""

import asyncio
import json
import shutil
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from grpc import aio
from sqlalchemy import text

import bookings.bootstrap
import catalog.bootstrap
from bookingplatform.bookings.v1 import bookings_pb2, bookings_pb2_grpc
from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookingplatform.common.v1 import money_pb2
from bookings.adapters import repository as repo
from plumbing.db import Database
from plumbing.devstack import drop_database, ensure_database, nats_server_binary
from plumbing.migrations import migrate_all

pytestmark = pytest.mark.integration

STEP_TIMEOUT = 0.3


class RestartableNats:
    """nats-server with JetStream that can be stopped and started again on its first port."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = -1
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        ports_dir = self.data_dir / "ports"
        shutil.rmtree(ports_dir, ignore_errors=True)
        ports_dir.mkdir(parents=True)
        self.process = subprocess.Popen(
            [
                *(nats_server_binary(), "-a", "127.0.0.1", "-p", str(self.port), "-js"),
                *("-sd", str(self.data_dir / "js"), "--ports_file_dir", str(ports_dir)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "nats-server exited"
            for ports_file in ports_dir.glob("*.ports"):
                try:
                    self.port = int(json.loads(ports_file.read_text())["nats"][0].rsplit(":", 1)[1])
                except (json.JSONDecodeError, KeyError, IndexError):
                    continue
                return
            time.sleep(0.05)
        raise RuntimeError("nats-server did not report its port")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture(scope="module")
async def orchestrator_with_a_stoppable_nats(database_url):
    name = f"deadline_{uuid.uuid4().hex[:8]}"
    own_database = ensure_database(database_url, name)
    await asyncio.to_thread(migrate_all, own_database)
    with tempfile.TemporaryDirectory(prefix="bp-deadline-") as nats_dir:
        nats = RestartableNats(Path(nats_dir))
        nats.start()
        catalog_service = await catalog.bootstrap.start(
            catalog.bootstrap.Settings(database_url=own_database, nats_url=nats.url)
        )
        booking_service = await bookings.bootstrap.start(
            bookings.bootstrap.Settings(
                database_url=own_database,
                nats_url=nats.url,
                catalog_addr=catalog_service.address,
                sweep_interval_seconds=0.05,
                first_step_timeout_seconds=STEP_TIMEOUT,
            )
        )
        db = Database(own_database)
        channel = aio.insecure_channel(booking_service.address)
        catalog_channel = aio.insecure_channel(catalog_service.address)
        try:
            yield (
                bookings_pb2_grpc.BookingsServiceStub(channel),
                catalog_pb2_grpc.CatalogServiceStub(catalog_channel),
                nats,
                db,
            )
        finally:
            await channel.close()
            await catalog_channel.close()
            await booking_service.stop(0.2)
            await catalog_service.stop(0.2)
            await db.close()
            nats.stop()
    await asyncio.to_thread(drop_database, database_url, name)


async def a_session_and_customer(catalog):
    company = (
        await catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(name="Outage", time_zone="UTC", currency_code="EUR")
        )
    ).company
    resource = (
        await catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                company_id=company.id, name="Room", booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT
            )
        )
    ).resource
    request = catalog_pb2.CreateSessionRequest(
        resource_id=resource.id, capacity=5, price=money_pb2.Money(amount_minor=1000, currency_code="EUR")
    )
    request.start_time.FromDatetime(datetime.now(UTC) + timedelta(days=1))
    request.end_time.FromDatetime(datetime.now(UTC) + timedelta(days=1, hours=1))
    session = (await catalog.CreateSession(request)).session
    customer = (
        await catalog.CreateCustomer(
            catalog_pb2.CreateCustomerRequest(
                company_id=company.id, display_name="Patient", email="p@example.com"
            )
        )
    ).customer
    return session, customer


async def saga_row(db, saga_id):
    async with db.transaction() as conn:
        return (
            await conn.execute(
                text("SELECT state, attempt, deadline, command_id FROM bookings.sagas WHERE id = :id"),
                {"id": saga_id},
            )
        ).one()


async def step_log(db, saga_id):
    async with db.transaction() as conn:
        return (
            await conn.execute(
                text(
                    "SELECT kind, attempt, created_at FROM bookings.saga_steps"
                    " WHERE saga_id = :id ORDER BY id"
                ),
                {"id": saga_id},
            )
        ).all()


async def published_at(db, message_id):
    async with db.transaction() as conn:
        return (
            await conn.execute(
                text("SELECT published_at FROM bookings.outbox WHERE id = :id"), {"id": message_id}
            )
        ).scalar_one()


async def test_a_command_held_in_the_outbox_while_nats_is_down_never_times_out_and_times_out_once_published(
    orchestrator_with_a_stoppable_nats,
):
    stub, catalog, nats, db = orchestrator_with_a_stoppable_nats
    session, customer = await a_session_and_customer(catalog)
    await asyncio.to_thread(nats.stop)
    try:
        booking = (
            await stub.CreateBooking(
                bookings_pb2.CreateBookingRequest(
                    request_id=str(uuid.uuid4()),
                    customer_id=customer.id,
                    session_id=session.id,
                    quantity=1,
                    payment_plan=bookings_pb2.PaymentPlan(use_wallet=True),
                )
            )
        ).booking
        first_command = f"{booking.saga_id}:wallet:execute:1"
        # Many step timeouts and sweeps pass with the command unpublished.
        await asyncio.sleep(STEP_TIMEOUT * 15)
        held = await saga_row(db, booking.saga_id)
        assert (held.state, held.attempt, held.command_id) == ("RUNNING", 1, first_command)
        assert held.deadline is None
        assert [step.kind for step in await step_log(db, booking.saga_id)] == ["effect", "command"]
        assert await published_at(db, first_command) is None

        # A publish of another command (an older attempt, or another saga) starts nothing.
        async with db.transaction() as conn:
            await repo.start_step_deadlines(conn, [f"{booking.saga_id}:wallet:execute:0", str(uuid.uuid4())])
        assert (await saga_row(db, booking.saga_id)).deadline is None
    finally:
        await asyncio.to_thread(nats.start)

    # NATS is back: the relay publishes the command, the deadline starts, nobody answers,
    # and the step is timed out and re-sent.
    deadline = time.monotonic() + 60
    while not any(step.kind == "timeout" for step in await step_log(db, booking.saga_id)):
        assert time.monotonic() < deadline, "the published step was never timed out"
        await asyncio.sleep(0.05)
    sent = await published_at(db, first_command)
    assert sent is not None
    log = await step_log(db, booking.saga_id)
    first_timeout = next(step for step in log if step.kind == "timeout")
    assert first_timeout.attempt == 1
    assert first_timeout.created_at >= sent + timedelta(seconds=STEP_TIMEOUT)
    assert [step.attempt for step in log if step.kind == "command"][:2] == [1, 2]
