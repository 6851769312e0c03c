"""The console's live streams (Server-Sent Events) through a real uvicorn server, read as they
come: an open stream checks its session again while it is open, so it ends and sends nothing
more once the session is logged out or its account demoted (before, it went on for its whole
5 minutes); another company's saga stream is the page's 404 at once, and a permanent refusal
of bookings ends the stream instead of being asked again every second (before, a 200 with only
pings for 5 minutes)."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import uvicorn
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import update

from bookingplatform.bookings.v1 import bookings_pb2
from gateway.console import live
from gateway.leases import pages as lease_pages
from gateway.leases.store import Leases, Wanted
from gateway.pages import calendar as cal
from gateway.pages import sagas
from gateway.problems import RpcProblem
from gateway.tables import users
from gateway.users import UserStore

pytestmark = pytest.mark.integration

SESSION_COOKIE = "gateway_ops_session"
# Without the re-check a stream runs this long: the tests would see rows until then.
STREAM_SECONDS = 8.0
# How soon after the logout the stream must have ended, and after which no row may come (one
# in flight when the session was logged out may still arrive).
ENDS_WITHIN = 3.0
GRACE = 1.0


@pytest.fixture
def quick_streams(monkeypatch):
    """Streams that ask every 50 ms, send the rows on every ask and re-check every 100 ms."""
    monkeypatch.setattr(live, "RECHECK_SECONDS", 0.1)
    monkeypatch.setattr(sagas, "LIVE_INTERVAL_SECONDS", 0.05)
    monkeypatch.setattr(sagas, "LIVE_REFRESH_SECONDS", 0.0)
    monkeypatch.setattr(sagas, "LIVE_STREAM_SECONDS", STREAM_SECONDS)
    monkeypatch.setattr(lease_pages, "LIVE_INTERVAL_SECONDS", 0.05)
    monkeypatch.setattr(lease_pages, "LIVE_STREAM_SECONDS", STREAM_SECONDS)


@asynccontextmanager
async def served(http: httpx.AsyncClient, session: str) -> AsyncIterator[httpx.AsyncClient]:
    """The test's app behind a real uvicorn server (ASGI in-process buffers a whole response),
    and a browser on it holding the console session's cookie."""
    app = http._transport.app  # the app of this test, wired to the stand-in services
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, http="httptools", log_level="critical", lifespan="off"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            assert not serving.done(), "the server did not start"
            await asyncio.sleep(0.02)
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        async with httpx.AsyncClient(base_url=base, cookies={SESSION_COOKIE: session}, timeout=30) as browser:
            yield browser
    finally:
        server.should_exit = True
        await serving
        sock.close()


class Events:
    """The events of an open stream, each with when it came; `ended` once the stream ended."""

    def __init__(self, response: httpx.Response) -> None:
        self.seen: list[tuple[float, str, str]] = []  # (monotonic time, event, data)
        self.ended: float | None = None
        self.reading = asyncio.create_task(self._read(response))

    async def _read(self, response: httpx.Response) -> None:
        event, data = "", []
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                event = line.partition(":")[2].strip()
            elif line.startswith("data:"):
                data.append(line.partition(":")[2].strip())
            elif not line and event:
                self.seen.append((time.monotonic(), event, "\n".join(data)))
                event, data = "", []
        self.ended = time.monotonic()

    async def first(self, name: str) -> str:
        async with asyncio.timeout(10):
            while not any(e == name for _, e, _ in self.seen):
                assert not self.reading.done(), f"the stream ended before any {name!r} event"
                await asyncio.sleep(0.02)
        return next(d for _, e, d in self.seen if e == name)

    async def end(self) -> float:
        """Waits for the stream to end (at most its whole life) and returns when it did."""
        async with asyncio.timeout(STREAM_SECONDS + 10):
            await self.reading
        assert self.ended is not None
        return self.ended

    def after(self, moment: float, name_start: str) -> list[str]:
        return [e for at, e, _ in self.seen if at > moment and e.startswith(name_start)]


def add_saga(fake_platform, company_id: str) -> str:
    created = Timestamp()
    created.FromDatetime(datetime.now(UTC) - timedelta(seconds=75))
    saga = bookings_pb2.Saga(
        id=str(uuid.uuid4()),
        booking_id=str(uuid.uuid4()),
        kind="booking",
        state=bookings_pb2.SAGA_STATE_RUNNING,
        current_step="wallet",
        attempt=1,
        company_id=company_id,
        create_time=created,
        update_time=created,
    )
    fake_platform.bookings.sagas[saga.id] = saga
    return saga.id


async def test_an_open_saga_stream_ends_and_sends_no_more_rows_once_its_session_is_logged_out(
    http, make_account, ops_login, fake_platform, quick_streams
):
    operator = await make_account("PLATFORM_ADMIN")
    company = str(uuid.uuid4())
    saga_id = add_saga(fake_platform, company)
    session = await ops_login(operator)

    async with (
        served(http, session) as browser,
        browser.stream("GET", "/ops/sagas/live", params={"range": "all", "company_id": company}) as stream,
    ):
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = Events(stream)
        rows = await events.first("rows")
        logged_out = await http.post("/ops/logout")  # the same session, from another tab
        logged_out_at = time.monotonic()
        ended_at = await events.end()

    assert saga_id in rows
    assert logged_out.status_code == 303
    assert events.after(logged_out_at + GRACE, "") == []
    assert ended_at - logged_out_at < ENDS_WITHIN
    again = await http.get(
        "/ops/sagas/live", params={"company_id": company}, headers={"Cookie": f"{SESSION_COOKIE}={session}"}
    )
    assert again.status_code == 303 and again.headers["location"].startswith("/ops/login")


async def test_an_open_saga_stream_ends_once_its_admin_is_demoted_to_staff(
    http, make_account, ops_login, fake_platform, gateway_db, quick_streams
):
    company = str(uuid.uuid4())
    admin = await make_account("COMPANY_ADMIN", company_id=company)
    add_saga(fake_platform, company)
    session = await ops_login(admin)

    async with (
        served(http, session) as browser,
        browser.stream("GET", "/ops/sagas/live", params={"range": "all"}) as stream,
    ):
        assert stream.status_code == 200
        events = Events(stream)
        await events.first("rows")
        async with gateway_db.transaction() as conn:
            await conn.execute(update(users).where(users.c.id == admin.user_id).values(role="STAFF"))
        demoted_at = time.monotonic()
        ended_at = await events.end()

    assert events.after(demoted_at + GRACE, "") == []
    assert ended_at - demoted_at < ENDS_WITHIN


async def test_an_open_holds_stream_ends_and_sends_no_more_holds_once_its_session_is_logged_out(
    http, make_account, ops_login, gateway_db, monkeypatch, quick_streams
):
    company, resource = str(uuid.uuid4()), str(uuid.uuid4())
    staff = await make_account("STAFF", company_id=company)
    other = await UserStore(gateway_db).create_user(
        email=f"bob-{uuid.uuid4().hex[:8]}@example.com",
        password="correct horse battery staple",
        role="STAFF",
        company_id=company,
        display_name="Bob",
    )

    async def kayak(request, company_id):
        return [cal.Resource(resource, "Kayak", "INTERVAL")]

    monkeypatch.setattr(cal, "company_resources", kayak)  # the stand-in catalog lists none
    session = await ops_login(staff)
    params = {"date": "2031-03-04", "company_id": company}

    async with (
        served(http, session) as browser,
        browser.stream("GET", "/ops/calendar/leases/live", params=params) as stream,
    ):
        assert stream.status_code == 200
        events = Events(stream)
        first = await events.first(f"holds-{resource}")
        logged_out = await http.post("/ops/logout")
        logged_out_at = time.monotonic()
        await asyncio.sleep(GRACE)
        # Another member of staff holds a period of the day: a stream still open would show it.
        start = datetime(2031, 3, 4, 10, 0, tzinfo=UTC)
        await Leases(gateway_db).acquire(
            Wanted(company_id=company, resource_id=resource, start=start, end=start + timedelta(hours=1)),
            other.id,
        )
        ended_at = await events.end()

    assert "Held" not in first
    assert logged_out.status_code == 303
    assert events.after(logged_out_at + GRACE, "holds-") == []
    assert ended_at - logged_out_at < ENDS_WITHIN


async def test_the_saga_stream_of_a_company_out_of_reach_is_the_page_s_404_at_once(
    http, make_account, ops_login, fake_platform, quick_streams
):
    company, other = str(uuid.uuid4()), str(uuid.uuid4())
    admin = await make_account("COMPANY_ADMIN", company_id=company)
    add_saga(fake_platform, other)
    session = await ops_login(admin)
    page = await http.get("/ops/sagas", params={"company_id": other})

    async with (
        served(http, session) as browser,
        browser.stream("GET", "/ops/sagas/live", params={"company_id": other}) as stream,
    ):
        status, kind = stream.status_code, stream.headers["content-type"]
        body = (await stream.aread()).decode()

    assert page.status_code == 404 and page.json()["code"] == "COMPANY_NOT_FOUND"
    assert status == 404 and kind.startswith("application/problem+json")
    assert '"COMPANY_NOT_FOUND"' in body


async def test_a_permanent_refusal_of_bookings_ends_the_saga_stream_instead_of_asking_again(
    http, make_account, ops_login, monkeypatch, quick_streams
):
    admin = await make_account("COMPANY_ADMIN")
    session = await ops_login(admin)
    asked = 0

    async def refused(*args, **kwargs):
        nonlocal asked
        asked += 1
        raise RpcProblem(403, "PERMISSION_DENIED", "Not yours.", retryable=False)

    monkeypatch.setattr(sagas, "saga_dashboard_in_scope", refused)

    async with (
        served(http, session) as browser,
        browser.stream("GET", "/ops/sagas/live", params={"range": "all"}) as stream,
    ):
        assert stream.status_code == 200
        events = Events(stream)
        opened_at = time.monotonic()
        ended_at = await events.end()

    assert asked == 1
    assert ended_at - opened_at < ENDS_WITHIN
    assert events.seen == []
