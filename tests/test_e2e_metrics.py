"""What a booking leaves in the process's Prometheus metrics (plumbing.metrics, bookings'
saga metrics): the gRPC call's latency, the saga's messages published and consumed, the pools,
and the sagas' states read from the database."""

from __future__ import annotations

import grpc
import httpx
import pytest
from prometheus_client import REGISTRY

from bookingplatform.bookings.v1 import bookings_pb2
from bookings.adapters import saga_metrics
from plumbing.db import Database
from plumbing.metrics import serve_from_env

pytestmark = pytest.mark.e2e

CREATE = "/bookingplatform.bookings.v1.BookingsService/CreateBooking"


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_confirmed_booking_is_counted_at_every_hop(tenant) -> None:
    session = await tenant.session(price_minor=2000)
    customer = await tenant.customer(main_minor=5000)
    before = {
        "create": value("bp_grpc_server_handling_seconds_count", method=CREATE, code="OK"),
        "commands": value("bp_outbox_published_total", family="saga.cmd"),
        "replies": value("bp_outbox_published_total", family="saga.reply"),
        "wallet": value("bp_messages_consumed_total", durable="wallet"),
        "orchestrator": value("bp_messages_consumed_total", durable="bookings-saga"),
        "completed": value("bp_sagas", kind="booking", state="COMPLETED"),
        "wallet step": value("bp_saga_step_seconds_count", step="wallet", action="STEP_ACTION_EXECUTE"),
    }

    created = await customer.book(session.id, use_wallet=True)
    assert created.status_code == 202, created.text
    await customer.wait_for(created.json()["id"], "CONFIRMED")
    db = Database(tenant.platform.database_url, pool_size=1)
    try:
        await saga_metrics.observe(db)
    finally:
        await db.close()

    assert value("bp_grpc_server_handling_seconds_count", method=CREATE, code="OK") == before["create"] + 1
    assert value("bp_outbox_published_total", family="saga.cmd") >= before["commands"] + 1
    assert value("bp_outbox_published_total", family="saga.reply") >= before["replies"] + 1
    assert value("bp_messages_consumed_total", durable="wallet") >= before["wallet"] + 1
    assert value("bp_messages_consumed_total", durable="bookings-saga") >= before["orchestrator"] + 1
    assert value("bp_outbox_lag_seconds_count", family="saga.cmd") >= 1
    assert value("bp_message_age_seconds_count", durable="wallet") >= 1
    # The wallet's step, from the command's store in JetStream to its reply.
    step = value("bp_saga_step_seconds_count", step="wallet", action="STEP_ACTION_EXECUTE")
    assert step >= before["wallet step"] + 1
    # Read from the sagas table: this booking's saga is among the completed ones.
    assert value("bp_sagas", kind="booking", state="COMPLETED") >= before["completed"] + 1
    assert REGISTRY.get_sample_value("bp_db_pool_connections_in_use", {"application": "bookings"}) is not None


async def test_a_refused_call_is_measured_under_its_status(platform) -> None:
    before = value("bp_grpc_server_handling_seconds_count", method=CREATE, code="INVALID_ARGUMENT")

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await platform.bookings.CreateBooking(bookings_pb2.CreateBookingRequest(session_id="not-an-id"))

    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    after = value("bp_grpc_server_handling_seconds_count", method=CREATE, code="INVALID_ARGUMENT")
    assert after == before + 1


def test_metrics_are_served_over_http_on_the_port_asked_for() -> None:
    port = serve_from_env({"METRICS_PORT": "0"})
    assert port
    page = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text

    assert "# TYPE bp_grpc_server_handling_seconds histogram" in page
    assert "bp_outbox_published_total" in page
    assert serve_from_env({}) is None  # unset: nothing served
