"""Pytest fixtures on real infrastructure: a fresh PostgreSQL database (embedded, or on
the server of DATABASE_URL) migrated for every service, and a NATS server with JetStream.

Loaded by the root conftest.py as a plugin; nothing here mocks a database or a broker.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import psycopg
import pytest
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from sqlalchemy import event

from plumbing.devstack import Infrastructure, drop_database, ensure_database, start_infrastructure, start_nats
from plumbing.migrations import migrate_all
from plumbing.telemetry import setup_tracing

if TYPE_CHECKING:
    from plumbing.db import Database

T = TypeVar("T")

# How long a test waits for something asynchronous (a saga, a relay, a NATS delivery, a
# subprocess) before calling it stuck. Generous on purpose: a busy CI machine or a laptop
# running other test suites can be many times slower than a quiet one, and a condition that
# holds returns at once, so a long deadline costs nothing when things work.
EVENTUALLY_TIMEOUT = 60.0


# The embedded test PostgreSQL's connection limit. A test session keeps many pools open at
# once (the platform's five services and gateway, the session-wide catalog, wallet and
# gateway fixtures, a module's own services), each up to pool_size + max_overflow (20); on a
# busy machine more requests overlap, the pools hold more connections, and PostgreSQL's
# default of 100 runs out ("sorry, too many clients already").
TEST_MAX_CONNECTIONS = 500


def make_room(database_url: str, pgdata: Path, connections: int = TEST_MAX_CONNECTIONS) -> None:
    """Raises the embedded server's max_connections: a restart through pgserver's pg_ctl (same
    socket, same options, same log file), after which pgserver's handle is told the new postmaster, so it
    still stops it at the end."""
    import pgserver
    from pgserver import _commands
    from pgserver.utils import PostmasterInfo

    server = pgserver.get_server(pgdata)  # the handle start_infrastructure holds
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"ALTER SYSTEM SET max_connections = {int(connections)}")
    # -l again: pg_ctl keeps the server's options but not its log file, and without it the
    # server's log (what bench/booking_throughput.py counts statements from) goes nowhere.
    restart = ["-w", "-m", "fast", "-l", str(pgdata / "log"), "restart"]
    _commands.pg_ctl(restart, pgdata=pgdata, user=server.system_user)  # type: ignore[attr-defined]
    server._postmaster_info = PostmasterInfo.read_from_pgdata(pgdata)


@pytest.fixture(scope="session")
def infrastructure() -> Iterator[Infrastructure]:
    with tempfile.TemporaryDirectory(prefix="bp-test-") as data_dir:
        infra = start_infrastructure(Path(data_dir), database="booking_test", fresh=True)
        try:
            if not os.environ.get("DATABASE_URL"):
                make_room(infra.database_url, Path(data_dir) / "pg")
            migrate_all(infra.database_url)
            yield infra
        finally:
            infra.stop()


@pytest.fixture(scope="session")
def database_url(infrastructure: Infrastructure) -> str:
    return infrastructure.database_url


@pytest.fixture(scope="session")
def nats_url(infrastructure: Infrastructure) -> str:
    return infrastructure.nats_url


@pytest.fixture(scope="session", autouse=True)
def _no_proxy_for_loopback() -> None:
    # grpc honours http_proxy; tests only ever talk to loopback.
    os.environ.setdefault("no_grpc_proxy", "127.0.0.1,localhost")


@contextlib.asynccontextmanager
async def isolated_infrastructure(database_url: str, prefix: str) -> AsyncIterator[tuple[str, str]]:
    """A database of its own (on the same server, migrated) and a NATS server of its own.

    For tests that run a service whose background loops (outbox relays, sweepers) must
    not meet another test's rows or messages: yields (database_url, nats_url).
    """
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    own_database = ensure_database(database_url, name)
    await asyncio.to_thread(migrate_all, own_database)
    with tempfile.TemporaryDirectory(prefix=f"bp-{prefix}-") as nats_dir:
        nats = start_nats(Path(nats_dir))
        try:
            yield own_database, nats.url
        finally:
            nats.stop()
            await asyncio.to_thread(drop_database, database_url, name)


async def eventually(
    condition: Callable[[], T | Awaitable[T]],
    *,
    timeout: float = EVENTUALLY_TIMEOUT,
    interval: float = 0.05,
    message: str | Callable[[], Any] = "the condition never held",
) -> T:
    """Polls `condition` (sync or async) until it returns something truthy and returns that.

    For tests of asynchronous behaviour: wait on the condition itself, never on a fixed
    sleep. After `timeout` seconds it fails with `message` (a callable is asked for the
    text then, e.g. to show the last state seen) and the last value the condition returned.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if loop.time() >= deadline:
            text = message() if callable(message) else message
            raise AssertionError(f"{text} (waited {timeout:g} s; last value: {value!r})")
        await asyncio.sleep(interval)


class SpanRecorder(SpanProcessor):
    """Keeps the spans that end while a test records (`with recorder.recording() as spans`).
    The test process's one tracer provider records nothing otherwise: a whole session's spans
    would fill the memory."""

    def __init__(self) -> None:
        self._spans: list[ReadableSpan] | None = None

    def on_end(self, span: ReadableSpan) -> None:
        if self._spans is not None:
            self._spans.append(span)

    @contextlib.contextmanager
    def recording(self) -> Iterator[list[ReadableSpan]]:
        spans: list[ReadableSpan] = []
        self._spans = spans
        try:
            yield spans
        finally:
            self._spans = None


SPANS = SpanRecorder()


def pytest_configure(config: pytest.Config) -> None:
    """Every service of the in-process test platform traces through one SDK provider, as a
    deployed process does through its own (plumbing.telemetry)."""
    setup_tracing("tests", record=True).add_span_processor(SPANS)


@pytest.fixture
def span_recorder() -> SpanRecorder:
    return SPANS


class StatementRecorder:
    """The statements one database's engine sends while the block runs (BEGIN and COMMIT are
    not sent through a cursor), those starting with a `skip` prefix (e.g. "SAVEPOINT") left
    out. It listens to that engine only: other tests' services run in the same process."""

    def __init__(self, db: Database, *, skip: tuple[str, ...] = ()) -> None:
        self.engine = db.engine.sync_engine
        self.skip = skip
        self.seen: list[str] = []

    def _record(self, conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        if not (self.skip and statement.lstrip().upper().startswith(self.skip)):
            self.seen.append(statement)

    def __enter__(self) -> StatementRecorder:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc_info: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)
