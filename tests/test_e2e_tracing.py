"""One trace per booking: the gateway's HTTP span, every gRPC call, the saga's NATS messages
(the outbox row's `traceparent`, read by each consumer) and the confirmation share one trace
id, and the saga row keeps it (plumbing.telemetry)."""

from __future__ import annotations

import pytest
from opentelemetry.trace import SpanKind
from sqlalchemy import text

from bookingplatform.bookings.v1 import bookings_pb2
from plumbing.testing import SpanRecorder, eventually

pytestmark = pytest.mark.e2e


async def test_a_wallet_booking_is_one_trace_from_the_http_request_to_the_confirmation(
    tenant, span_recorder: SpanRecorder
) -> None:
    session = await tenant.session(price_minor=2000)
    customer = await tenant.customer(main_minor=5000)
    with span_recorder.recording() as spans:
        created = await customer.book(session.id, use_wallet=True)
        assert created.status_code == 202, created.text
        booking_id = created.json()["id"]
        await customer.wait_for(booking_id, "CONFIRMED")
        async with tenant.platform.db.transaction() as conn:
            trace_id = (
                await conn.execute(
                    text("SELECT trace_id FROM bookings.sagas WHERE booking_id = :id"), {"id": booking_id}
                )
            ).scalar_one()
        assert len(trace_id) == 32 and int(trace_id, 16) != 0, "the saga row keeps its booking's trace id"
        booking = await customer.wait_for(booking_id, "CONFIRMED")
        saga = await tenant.platform.bookings.GetSaga(bookings_pb2.GetSagaRequest(saga_id=booking["saga_id"]))
        assert saga.saga.trace_id == trace_id  # what the console shows and links

        def trace_of_booking() -> list | None:
            mine = [s for s in spans if format(s.context.trace_id, "032x") == trace_id]
            names = {s.name for s in mine}
            # The last span to end is the orchestrator's handling of the wallet's reply.
            return mine if any(n.startswith("consume saga.reply") for n in names) else None

        mine = await eventually(trace_of_booking, message="the wallet's reply was never traced")

    names = {span.name for span in mine}
    by_kind = {(span.kind, span.name) for span in mine}
    # The HTTP request is the root: the gateway's server span, with no parent.
    roots = [span for span in mine if span.parent is None]
    assert [root.name for root in roots] == ["POST /v1/bookings"], names
    assert roots[0].kind is SpanKind.SERVER
    # The gateway calls bookings over gRPC, and bookings serves it in the same trace.
    create = "/bookingplatform.bookings.v1.BookingsService/CreateBooking"
    assert (SpanKind.CLIENT, create) in by_kind and (SpanKind.SERVER, create) in by_kind, names
    # The wallet's step, consumed from NATS with the context the outbox row carried...
    assert any(name.startswith("saga wallet") for name in names), names
    # ... and its reply, consumed by the orchestrator, which confirms the booking.
    assert any(name.startswith("consume saga.reply") for name in names), names
    # Every span of the trace hangs from another of it: nothing started a trace of its own.
    ids = {span.context.span_id for span in mine}
    assert all(span.parent is None or span.parent.span_id in ids for span in mine), names
