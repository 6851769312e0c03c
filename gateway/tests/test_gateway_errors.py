"""gRPC statuses from a real grpc.aio server become problem+json with explicit codes."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import pytest

from plumbing.errors import (
    Conflict,
    ErrorKind,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ServiceError,
)

pytestmark = pytest.mark.integration


def booking_body(session_id: str) -> dict:
    return {"session_id": session_id, "quantity": 1, "payment": {"use_wallet": True}}


async def create(http, account, session_id):
    """A wallet booking of the session under a fresh Idempotency-Key."""
    return await http.post(
        "/v1/bookings",
        json=booking_body(session_id),
        headers={**account.headers, "Idempotency-Key": str(uuid.uuid4())},
    )


class EdgeClock:
    """The clock of the gateway's overload holds (gateway.admission `Backpressure`), moved by
    the test: a hold of a quarter of a second must not depend on how fast a loaded machine
    runs the requests in between."""

    def __init__(self, http) -> None:
        self.now = 1_000.0
        http._transport.app.state.backpressure.clock = lambda: self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def raising(error: Exception):
    async def behaviour(request, context):
        raise error

    return behaviour


def aborting(code: grpc.StatusCode, details: str):
    async def behaviour(request, context):
        await context.abort(code, details)

    return behaviour


CASES = [
    (raising(NotFound("SESSION_NOT_FOUND", "no such session")), 404, "SESSION_NOT_FOUND"),
    (raising(ServiceError("DUPLICATE", "exists", kind=ErrorKind.ALREADY_EXISTS)), 409, "DUPLICATE"),
    (raising(FailedPrecondition("SESSION_FULL", "the session is full")), 409, "SESSION_FULL"),
    (raising(Conflict("CONCURRENT_UPDATE", "try again")), 409, "CONCURRENT_UPDATE"),
    (raising(ServiceError("TOO_MANY", "slow down", kind=ErrorKind.RESOURCE_EXHAUSTED)), 503, "TOO_MANY"),
    (raising(ServiceError("NOT_YOURS", "no", kind=ErrorKind.PERMISSION_DENIED)), 403, "NOT_YOURS"),
    (raising(ServiceError("PROVIDER_DOWN", "down", kind=ErrorKind.UNAVAILABLE)), 503, "SERVICE_UNAVAILABLE"),
    (aborting(grpc.StatusCode.UNAUTHENTICATED, "who are you"), 401, "UNAUTHENTICATED"),
    (aborting(grpc.StatusCode.NOT_FOUND, "plain not found"), 404, "NOT_FOUND"),
    (aborting(grpc.StatusCode.FAILED_PRECONDITION, "plain"), 409, "FAILED_PRECONDITION"),
    (aborting(grpc.StatusCode.DEADLINE_EXCEEDED, "too slow"), 503, "SERVICE_UNAVAILABLE"),
    (aborting(grpc.StatusCode.UNAVAILABLE, "gone"), 503, "SERVICE_UNAVAILABLE"),
    (aborting(grpc.StatusCode.DATA_LOSS, "disk on fire"), 500, "INTERNAL"),
    (aborting(grpc.StatusCode.UNKNOWN, "who knows"), 500, "INTERNAL"),
]


@pytest.mark.parametrize(("behaviour", "status", "code"), CASES)
async def test_each_grpc_status_maps_to_its_http_status_and_code(
    http, make_account, fake_platform, behaviour, status, code
):
    account = await make_account()
    session_id = str(uuid.uuid4())
    fake_platform.bookings.behaviours[session_id] = behaviour

    reply = await http.post(
        "/v1/bookings",
        json=booking_body(session_id),
        headers={**account.headers, "Idempotency-Key": str(uuid.uuid4())},
    )

    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    problem = reply.json()
    assert problem["code"] == code
    assert problem["status"] == status
    assert problem["type"].endswith(code)
    assert problem["title"]
    assert problem["instance"] == "/v1/bookings"


@pytest.mark.parametrize(
    ("metadata", "retry_after"),
    [
        ({"retry_after_seconds": "7"}, "7"),
        ({}, "1"),
        ({"retry_after_seconds": "soon"}, "1"),
        ({"retry_after_seconds": "9999"}, "30"),
    ],
)
async def test_a_service_at_its_limit_is_503_with_its_reason_and_retry_after(
    http, make_account, fake_platform, metadata, retry_after
):
    account = await make_account()
    session_id = str(uuid.uuid4())
    fake_platform.bookings.behaviours[session_id] = raising(
        ServiceError(
            "SAGA_BACKLOG", "confirmed 9 s behind", kind=ErrorKind.RESOURCE_EXHAUSTED, metadata=metadata
        )
    )

    reply = await http.post(
        "/v1/bookings",
        json=booking_body(session_id),
        headers={**account.headers, "Idempotency-Key": str(uuid.uuid4())},
    )

    assert reply.status_code == 503
    assert reply.headers["retry-after"] == retry_after
    assert reply.json()["code"] == "SAGA_BACKLOG"
    assert reply.json()["detail"] == "confirmed 9 s behind"


async def test_invalid_argument_is_400_with_the_field_violations(http, make_account, fake_platform):
    account = await make_account()
    session_id = str(uuid.uuid4())
    fake_platform.bookings.behaviours[session_id] = raising(
        InvalidArgument("TOO_MANY_PLACES", "at most 4 places per booking", field="quantity")
    )

    reply = await http.post(
        "/v1/bookings", json=booking_body(session_id), headers={**account.headers, "Idempotency-Key": "k-400"}
    )

    assert reply.status_code == 400
    problem = reply.json()
    assert problem["code"] == "TOO_MANY_PLACES"
    assert problem["detail"] == "at most 4 places per booking"
    assert problem["errors"] == [{"field": "quantity", "message": "at most 4 places per booking"}]


async def test_an_internal_error_does_not_leak_what_the_service_said(http, make_account, fake_platform):
    account = await make_account()
    session_id = str(uuid.uuid4())
    fake_platform.bookings.behaviours[session_id] = aborting(
        grpc.StatusCode.INTERNAL, "password=hunter2 at db.internal"
    )
    crash_session = str(uuid.uuid4())
    fake_platform.bookings.behaviours[crash_session] = raising(RuntimeError("secret stack detail"))

    for session in (session_id, crash_session):
        reply = await http.post(
            "/v1/bookings",
            json=booking_body(session),
            headers={**account.headers, "Idempotency-Key": session},
        )
        assert reply.status_code == 500
        assert reply.json()["code"] == "INTERNAL"
        assert "hunter2" not in reply.text
        assert "secret" not in reply.text


async def test_a_slow_service_is_503_after_the_deadline(make_client, make_account, fake_platform):
    account = await make_account()
    session_id = str(uuid.uuid4())

    async def slow(request, context):
        await asyncio.sleep(2)
        return fake_platform.bookings.create(request)

    fake_platform.bookings.behaviours[session_id] = slow
    clients = fake_platform.clients(timeout=0.2)
    try:
        async with make_client(clients) as client:
            reply = await client.post(
                "/v1/bookings",
                json=booking_body(session_id),
                headers={**account.headers, "Idempotency-Key": "slow"},
            )
    finally:
        await clients.close()

    assert reply.status_code == 503
    assert reply.json()["code"] == "SERVICE_UNAVAILABLE"
    assert reply.headers["retry-after"] == "1"


async def test_a_service_that_is_down_is_503(make_client, make_account, unused_tcp_port):
    from gateway.clients import Clients

    account = await make_account()
    dead = f"127.0.0.1:{unused_tcp_port}"
    clients = Clients(
        {name: dead for name in ("catalog", "bookings", "wallet", "passes", "payments")}, timeout=1
    )
    try:
        async with make_client(clients, address=dead) as client:
            reply = await client.get("/v1/wallet", headers=account.headers)
    finally:
        await clients.close()

    assert reply.status_code == 503
    assert reply.json()["code"] == "SERVICE_UNAVAILABLE"


async def test_request_validation_is_400_with_every_bad_field(http, make_account):
    account = await make_account()

    reply = await http.post(
        "/v1/bookings",
        json={
            "session_id": "nope",
            "quantity": 0,
            "extras": [{"extra_id": str(uuid.uuid4()), "quantity": -1}],
        },
        headers={**account.headers, "Idempotency-Key": "v"},
    )

    assert reply.status_code == 400
    assert reply.headers["content-type"] == "application/problem+json"
    problem = reply.json()
    assert problem["code"] == "VALIDATION_FAILED"
    assert {e["field"] for e in problem["errors"]} == {"session_id", "quantity", "extras[0].quantity"}


async def test_unknown_fields_and_malformed_json_are_400(http, make_account):
    account = await make_account()
    headers = {**account.headers, "Idempotency-Key": "v2"}

    unknown = await http.post(
        "/v1/bookings", json={"session_id": str(uuid.uuid4()), "quantity": 1, "price": 0}, headers=headers
    )
    malformed = await http.post(
        "/v1/bookings", content=b"{not json", headers={**headers, "Content-Type": "application/json"}
    )

    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["field"] == "price"
    assert malformed.status_code == 400
    assert malformed.json()["code"] == "VALIDATION_FAILED"


async def test_an_unknown_route_and_a_wrong_method_are_problems_too(http):
    missing = await http.get("/v1/nothing-here")
    wrong_method = await http.delete("/v1/sessions")

    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["code"] == "NOT_FOUND"
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "METHOD_NOT_ALLOWED"


async def test_a_crash_in_the_gateway_is_a_500_problem_without_details(http):
    app = http._transport.app  # the ASGI app under test

    async def boom() -> None:
        raise RuntimeError("do not show this")

    app.add_api_route("/boom", boom)

    reply = await http.get("/boom")

    assert reply.status_code == 500
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["code"] == "INTERNAL"
    assert "do not show" not in reply.text


async def test_a_service_overload_refusal_closes_that_write_at_the_edge_for_a_moment(
    http, make_account, fake_platform
):
    """After bookings refused a create with SAGA_BACKLOG, the next creates are refused by the
    gateway itself (same reason and Retry-After, bookings not called) until the hold is over;
    other writes and reads go on; then bookings is asked again."""
    account = await make_account()
    session_id = str(uuid.uuid4())
    calls = []

    async def backlogged(request, context):
        calls.append(request.request_id)
        raise ServiceError(
            "SAGA_BACKLOG",
            "confirmed 3 s behind",
            kind=ErrorKind.RESOURCE_EXHAUSTED,
            metadata={"retry_after_seconds": "2"},
        )

    fake_platform.bookings.behaviours[session_id] = backlogged
    clock = EdgeClock(http)

    first = await create(http, account, session_id)
    assert first.status_code == 503 and first.json()["code"] == "SAGA_BACKLOG"
    assert len(calls) == 1

    held = await create(http, account, session_id)
    assert held.status_code == 503
    assert held.json()["code"] == "SAGA_BACKLOG"
    assert held.headers["retry-after"] == "2"
    assert held.headers["x-request-id"]
    assert len(calls) == 1, "the held-back create reached bookings"

    # Another write is not held back (it reaches its service and gets its own answer).
    other = await http.post(
        "/v1/auth/token", json={"email": "nobody@example.com", "password": "wrong-password-1"}
    )
    assert other.status_code == 401

    clock.advance(0.3)
    after = await create(http, account, session_id)
    assert after.status_code == 503
    assert len(calls) == 2, "bookings was not asked again after the hold"


async def test_a_create_admitted_nearly_at_the_limit_holds_back_the_next_ones_at_the_edge(
    http, make_account, fake_platform
):
    """Bookings admits a create but says (trailing metadata `overload-retry-after`) that its
    saga queues are nearly full: the create is served (202), and the next ones are refused at
    the gateway's edge (503 SAGA_BACKLOG, Retry-After) without reaching bookings, for a moment."""
    account = await make_account()
    session_id = str(uuid.uuid4())

    async def nearly_full(request, context):
        context.set_trailing_metadata((("overload-retry-after", "1"),))
        return fake_platform.bookings.create(request)

    fake_platform.bookings.behaviours[session_id] = nearly_full
    clock = EdgeClock(http)

    admitted = await create(http, account, session_id)
    assert admitted.status_code == 202, admitted.text
    calls = sum(fake_platform.bookings.create_calls.values())

    held = await create(http, account, session_id)
    assert held.status_code == 503
    assert held.json()["code"] == "SAGA_BACKLOG"
    assert held.headers["retry-after"] == "1"
    assert sum(fake_platform.bookings.create_calls.values()) == calls

    clock.advance(0.3)
    assert (await create(http, account, session_id)).status_code == 202
    assert sum(fake_platform.bookings.create_calls.values()) == calls + 1


async def test_a_browser_opening_a_page_it_may_not_see_gets_a_page_and_an_api_client_json(
    http, make_account, ops_login
):
    staff = await make_account("STAFF")
    await ops_login(staff)
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}

    page = await http.get("/ops/sagas", headers=browser)
    as_api = await http.get("/ops/sagas")
    htmx = await http.get("/ops/sagas", headers={**browser, "HX-Request": "true"})
    unknown_site_page = await http.get(f"/site/{uuid.uuid4()}/no-such-page", headers=browser)

    assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
    assert "<h1>Forbidden</h1>" in page.text and "PERMISSION_DENIED" in page.text
    assert page.headers["cache-control"] == "no-store"
    for json_answer in (as_api, htmx):
        assert json_answer.status_code == 403
        assert json_answer.headers["content-type"] == "application/problem+json"
    assert unknown_site_page.status_code == 404
    assert "<h1>Not found</h1>" in unknown_site_page.text  # the site's own error page
