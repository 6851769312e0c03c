"""`GET /v1/bookings/{id}/events` lives only as long as its access token, through a real uvicorn
server (ASGI in-process buffers a whole response): once the token's login is logged out (on
another gateway process: the stream's own sees it by its revocations' read about once a
second), or its refresh token is reused, or the token expires, an open stream ends within a
couple of seconds, cleanly (no 500, no error logged) and without the token in any log line,
while a stream of the account's other login goes on (before, every such stream went on for its
whole 5 minutes). The site's stream of a booking (`/site/{company}/bookings/{id}/events`) ends
the same way once its signed-in customer signs out."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import jwt
import pytest
import uvicorn

from bookingplatform.bookings.v1 import bookings_pb2
from gateway import token_revocations
from gateway.auth import ALGORITHM, ISSUER
from gateway.site import pages as site_pages
from gateway.webhooks import stream as booking_stream

pytestmark = pytest.mark.integration

# Without the re-check a stream runs this long: the tests would see it open until then.
STREAM_SECONDS = 10.0
# How soon after the token stops being valid its stream must have ended: the stream's loop turn
# (1 s) and the revocations' read (at most 1 s old) and a margin for a busy machine.
ENDS_WITHIN = 3.5


@pytest.fixture(autouse=True)
def short_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(booking_stream, "STREAM_SECONDS", STREAM_SECONDS)
    # A read of the revocations held up past its 2 s timeout by a busy machine keeps the ones read
    # before: these tests are of what a read finds, not of how long it may take.
    monkeypatch.setattr(token_revocations, "READ_TIMEOUT_SECONDS", 60.0)


@asynccontextmanager
async def served(http: httpx.AsyncClient, **cookies: str) -> AsyncIterator[httpx.AsyncClient]:
    """The test's app (the one `http` calls) behind a real uvicorn server."""
    app = http._transport.app  # type: ignore[attr-defined]
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, http="httptools", log_level="critical", lifespan="off"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            assert not serving.done(), "the server did not start"
            await asyncio.sleep(0.02)
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        async with httpx.AsyncClient(base_url=base, timeout=30, cookies=cookies) as client:
            yield client
    finally:
        server.should_exit = True
        await serving
        sock.close()


class Stream:
    """An open booking events stream read as it comes: its `status` data, and when it ended."""

    def __init__(self, response: httpx.Response) -> None:
        self.statuses: list[str] = []
        self.ended: float | None = None
        self.reading = asyncio.create_task(self._read(response))

    async def _read(self, response: httpx.Response) -> None:
        async for line in response.aiter_lines():  # a broken stream (a 500 mid-way) raises here
            if line.startswith("data:"):
                self.statuses.append(line.partition(":")[2].strip())
        self.ended = time.monotonic()

    async def first(self) -> None:
        async with asyncio.timeout(10):
            while not self.statuses:
                assert not self.reading.done(), "the stream ended before its first event"
                await asyncio.sleep(0.02)

    async def end(self) -> float:
        async with asyncio.timeout(STREAM_SECONDS + 10):
            await self.reading
        assert self.ended is not None
        return self.ended


def pending_booking(fake_platform, customer) -> str:
    booking_id = str(uuid.uuid4())
    fake_platform.bookings.bookings[booking_id] = bookings_pb2.Booking(
        id=booking_id,
        company_id=customer.company_id,
        customer_id=customer.customer_id,
        status=bookings_pb2.BOOKING_STATUS_PENDING,
    )
    return booking_id


async def log_in(http: httpx.AsyncClient, customer) -> dict[str, str]:
    reply = await http.post("/v1/auth/token", json={"email": customer.email, "password": customer.password})
    assert reply.status_code == 200, reply.text
    tokens: dict[str, str] = reply.json()
    return tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def said(caplog: pytest.LogCaptureFixture, *words: str) -> bool:
    return any(all(word in r.getMessage() for word in words) for r in caplog.records)


def no_token_logged(caplog: pytest.LogCaptureFixture, *tokens: str) -> None:
    for record in caplog.records:
        text = record.getMessage() + repr(record.args)
        assert not any(token in text for token in tokens), record.getMessage()
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_stream_ends_once_its_login_is_logged_out_and_the_other_login_s_goes_on(
    http, make_account, make_client, clients, fake_platform, caplog
):
    caplog.set_level(logging.INFO)
    customer = await make_account("CUSTOMER")
    booking_id = pending_booking(fake_platform, customer)
    phone, laptop = await log_in(http, customer), await log_in(http, customer)
    path = f"/v1/bookings/{booking_id}/events"

    async with (
        served(http) as client,
        client.stream("GET", path, headers=bearer(phone["access_token"])) as phone_stream,
        client.stream("GET", path, headers=bearer(laptop["access_token"])) as laptop_stream,
        make_client(clients) as replica,  # another gateway process: the stream's own only reads it
    ):
        assert phone_stream.status_code == 200
        assert phone_stream.headers["content-type"].startswith("text/event-stream")
        assert laptop_stream.status_code == 200
        on_phone, on_laptop = Stream(phone_stream), Stream(laptop_stream)
        await on_phone.first()
        await on_laptop.first()

        out = await replica.post("/v1/auth/logout", json={"refresh_token": phone["refresh_token"]})
        logged_out_at = time.monotonic()
        ended_at = await on_phone.end()
        laptop_open = not on_laptop.reading.done()
        again = await client.get(path, headers=bearer(phone["access_token"]))
        on_laptop.reading.cancel()

    assert out.status_code == 204
    assert ended_at - logged_out_at < ENDS_WITHIN
    assert laptop_open  # the account's other login goes on
    assert '"PENDING"' in on_phone.statuses[0]
    # Reconnecting with the token: the 401 that says why.
    assert (again.status_code, again.json()["code"]) == (401, "TOKEN_REVOKED")
    no_token_logged(caplog, phone["access_token"], laptop["access_token"], phone["refresh_token"])
    assert said(caplog, "TOKEN_REVOKED", "stream ends")


async def test_a_reused_refresh_token_ends_the_streams_of_its_login(
    http, make_account, fake_platform, caplog
):
    caplog.set_level(logging.INFO)
    customer = await make_account("CUSTOMER")
    booking_id = pending_booking(fake_platform, customer)
    first = await log_in(http, customer)
    path = f"/v1/bookings/{booking_id}/events"

    async with (
        served(http) as client,
        client.stream("GET", path, headers=bearer(first["access_token"])) as stream,
    ):
        assert stream.status_code == 200
        events = Stream(stream)
        await events.first()
        rotated = await http.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        reused = await http.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        reused_at = time.monotonic()
        ended_at = await events.end()

    assert rotated.status_code == 200, rotated.text
    assert reused.json()["code"] == "REFRESH_TOKEN_REUSED"
    assert ended_at - reused_at < ENDS_WITHIN
    no_token_logged(caplog, first["access_token"], first["refresh_token"])


async def test_a_stream_ends_when_its_token_expires(http, make_account, fake_platform, jwt_secret, caplog):
    caplog.set_level(logging.INFO)
    customer = await make_account("CUSTOMER")
    booking_id = pending_booking(fake_platform, customer)
    issued = int(time.time())
    token = jwt.encode(
        {
            "iss": ISSUER,
            "sub": customer.user_id,
            "role": "CUSTOMER",
            "company_id": customer.company_id,
            "customer_id": customer.customer_id,
            "epoch": 0,
            "iat": issued,
            "exp": issued + 3,
        },
        jwt_secret,
        algorithm=ALGORITHM,
    )
    expires_at = time.monotonic() + (issued + 3 - time.time())  # the stream's clock

    async with (
        served(http) as client,
        client.stream("GET", f"/v1/bookings/{booking_id}/events", headers=bearer(token)) as stream,
    ):
        assert stream.status_code == 200
        events = Stream(stream)
        await events.first()
        ended_at = await events.end()

    assert ended_at - expires_at < ENDS_WITHIN
    no_token_logged(caplog, token)
    assert said(caplog, "UNAUTHENTICATED", "stream ends")


async def test_a_stream_whose_token_stays_valid_goes_on(http, make_account, fake_platform, monkeypatch):
    monkeypatch.setattr(booking_stream, "STREAM_SECONDS", 3.0)
    customer = await make_account("CUSTOMER")
    booking_id = pending_booking(fake_platform, customer)

    async with (
        served(http) as client,
        client.stream("GET", f"/v1/bookings/{booking_id}/events", headers=customer.headers) as stream,
    ):
        events = Stream(stream)
        await events.first()
        opened_at = time.monotonic()
        fake_platform.bookings.bookings[booking_id].status = bookings_pb2.BOOKING_STATUS_CONFIRMED
        ended_at = await events.end()

    # Checked at every turn, the token let it go on: the change came, and the stream ended with
    # its terminal-less life (3 s here), not at once.
    assert len(events.statuses) == 2 and '"CONFIRMED"' in events.statuses[1]
    assert ended_at - opened_at > 1.5


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def test_the_site_s_booking_stream_ends_once_its_customer_signs_out(
    http, make_account, fake_platform, monkeypatch, caplog
):
    caplog.set_level(logging.INFO)
    monkeypatch.setattr(site_pages, "STREAM_SECONDS", STREAM_SECONDS)
    monkeypatch.setattr(site_pages, "ACCESS_RECHECK_SECONDS", 0.2)
    customer = await make_account("CUSTOMER")
    booking_id = pending_booking(fake_platform, customer)
    site = f"/site/{customer.company_id}"
    login = await http.get(f"{site}/account/login")
    csrf = CSRF.search(login.text)
    assert csrf, login.text
    signed = await http.post(
        f"{site}/account/login",
        data={"csrf_token": csrf.group(1), "email": customer.email, "password": customer.password},
    )
    assert signed.status_code == 303, signed.text
    session = http.cookies["site_session"]

    async with (
        served(http, site_session=session) as browser,
        browser.stream("GET", f"{site}/bookings/{booking_id}/events") as stream,
    ):
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = Stream(stream)
        await events.first()
        account = await http.get(f"{site}/account")
        token = CSRF.search(account.text)
        assert token, account.text
        out = await http.post(f"{site}/account/logout", data={"csrf_token": token.group(1)})
        signed_out_at = time.monotonic()
        ended_at = await events.end()

    assert out.status_code == 303
    assert ended_at - signed_out_at < ENDS_WITHIN
    no_token_logged(caplog, session)
