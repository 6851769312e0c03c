"""CancelSession through the real gRPC server, and the session_cancelled event on NATS."""

import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from bookingplatform.catalog.v1 import catalog_pb2

pytestmark = pytest.mark.integration

INVALID = grpc.StatusCode.INVALID_ARGUMENT


async def test_a_cancelled_session_has_its_reason_and_time_and_is_published_once(
    catalog, session_request, catalog_events
):
    session = (await catalog.CreateSession(session_request())).session
    before = datetime.now(UTC) - timedelta(seconds=5)
    request = catalog_pb2.CancelSessionRequest(
        request_id=str(uuid.uuid4()), session_id=session.id, reason=" Instructor is ill "
    )
    cancelled = (await catalog.CancelSession(request)).session
    assert cancelled.status == catalog_pb2.SESSION_STATUS_CANCELLED
    assert cancelled.cancel_reason == "Instructor is ill"
    assert cancelled.cancel_time.ToDatetime(tzinfo=UTC) > before
    assert (cancelled.start_time, cancelled.capacity, cancelled.price) == (
        session.start_time,
        session.capacity,
        session.price,
    )
    read = (await catalog.GetSession(catalog_pb2.GetSessionRequest(session_id=session.id))).session
    assert read == cancelled

    # A retry, and a second cancellation with another reason, change nothing.
    assert (await catalog.CancelSession(request)).session == cancelled
    again = catalog_pb2.CancelSessionRequest(
        request_id=str(uuid.uuid4()), session_id=session.id, reason="Other"
    )
    assert (await catalog.CancelSession(again)).session == cancelled

    def of_this_session(data: bytes) -> bool:
        return catalog_pb2.SessionCancelled.FromString(data).session.id == session.id

    messages = await catalog_events("catalog.events.session_cancelled", of_this_session)
    assert len(messages) == 1
    assert catalog_pb2.SessionCancelled.FromString(messages[0].data).session == cancelled
    assert messages[0].headers["Nats-Msg-Id"] == f"session_cancelled:{session.id}"


async def test_a_cancelled_session_is_still_listed_with_its_status(catalog, company, session_request):
    session = (await catalog.CreateSession(session_request())).session
    await catalog.CancelSession(catalog_pb2.CancelSessionRequest(session_id=session.id, reason="Closed"))
    listed = (await catalog.ListSessions(catalog_pb2.ListSessionsRequest(company_id=company.id))).sessions
    assert [(s.id, s.status) for s in listed] == [(session.id, catalog_pb2.SESSION_STATUS_CANCELLED)]


async def test_bad_cancellations_are_refused_with_their_reasons(catalog, session_request, refused):
    session = (await catalog.CreateSession(session_request())).session
    missing = str(uuid.uuid4())
    cases = [
        ({"session_id": session.id, "reason": "  "}, INVALID, "INVALID_REASON", "reason"),
        ({"session_id": session.id, "reason": "x" * 501}, INVALID, "INVALID_REASON", "reason"),
        ({"session_id": "nope", "reason": "r"}, INVALID, "INVALID_ID", "session_id"),
        ({"session_id": missing, "reason": "r"}, grpc.StatusCode.NOT_FOUND, "SESSION_NOT_FOUND", None),
    ]
    for values, code, reason, field in cases:
        refusal = await refused(catalog.CancelSession(catalog_pb2.CancelSessionRequest(**values)))
        assert (refusal.code, refusal.reason, refusal.field) == (code, reason, field), values
    still = (await catalog.GetSession(catalog_pb2.GetSessionRequest(session_id=session.id))).session
    assert still.status == catalog_pb2.SESSION_STATUS_OPEN
