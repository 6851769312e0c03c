"""Database access: one async engine per service, transactions as context managers.

Repositories take the `AsyncConnection` of the current transaction, so an effect, its
outbox message and its inbox record commit together.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
from psycopg.pq import ConnStatus
from sqlalchemy import ColumnElement, any_, bindparam, event, exc
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from plumbing.config import sqlalchemy_url
from plumbing.metrics import watch_pool


class _NoResultRows(logging.Filter):
    """SQLAlchemy logs every result row at DEBUG; a row can hold a secret (a card token read by
    payments, a password hash), so rows never reach a log line, whatever the log level."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg != "Row %r"


_ENGINE_LOGGER = logging.getLogger("sqlalchemy.engine.Engine")
if not any(isinstance(f, _NoResultRows) for f in _ENGINE_LOGGER.filters):
    _ENGINE_LOGGER.addFilter(_NoResultRows())


def one_of(column: ColumnElement[object], name: str) -> ColumnElement[bool]:
    """`column = ANY(:name)`, the list bound as one array parameter (pass a list).

    An expanding `IN` renders one statement text per list length: SQLAlchemy builds it again
    at each execution and PostgreSQL parses and plans each length apart (psycopg prepares a
    text only after several uses of it). One array keeps one text, compiled and prepared once,
    which matters on the hot paths that pass a batch's ids (relays, inboxes, lock queries)."""
    return column == any_(bindparam(name, type_=ARRAY(column.type)))


# The execution option naming the schema a Database belongs to: plumbing.audit writes the
# caller's audit entry into `<schema>.audit_log` of the connection it is handed.
SCHEMA_OPTION = "service_schema"


# A connection attempt to a host that drops packets would otherwise wait for the kernel's
# TCP timeout (minutes) while a request holds its caller; a busy local server still answers
# well within these.
CONNECT_TIMEOUT_SECONDS = 10
# How long a transaction waits for a pooled connection before failing (DATABASE_UNAVAILABLE).
POOL_TIMEOUT_SECONDS = 30.0
# Connections a pool keeps open, and how many more it opens for a burst (closed again when
# returned). Under load a service has more than 10 transactions at once: with 10 kept and 10
# for bursts, the pool opened and closed connections all the time (0.16 per booking in the
# throughput bench, each a backend the server starts, whose prepared statements are lost).
# 16 kept and 4 more: the same 20 at most per process, nearly all of them kept.
POOL_SIZE = 16
POOL_OVERFLOW = 4
# A pooled connection older than this is replaced at its next checkout: one a firewall or a
# NAT forgot silently (no close ever reaches us) does not outlive it.
POOL_RECYCLE_SECONDS = 1800


def closed_while_pooled(connection: psycopg.AsyncConnection[object]) -> bool:
    """True when the server closed this idle connection (a restart, an administrator, an
    idle timeout): told by what already waits in its socket, without a round trip.

    A server closing a connection sends a FATAL error and shuts the socket; libpq reads
    both without blocking (its socket never blocks) and marks the connection BAD on the
    end of the stream. Reading twice takes the FATAL message and then the end."""
    pgconn = connection.pgconn
    try:
        for _ in range(2):
            if pgconn.status != ConnStatus.OK:
                return True
            pgconn.consume_input()
    except psycopg.OperationalError:
        return True
    return pgconn.status != ConnStatus.OK


def _refuse_closed_connections(
    dbapi_connection: object, record: ConnectionPoolEntry, proxy: PoolProxiedConnection
) -> None:
    """The pool's checkout hook: a connection the server closed while it was pooled is
    refused, and the pool opens a new one in its place before handing it out. Each pooled
    connection answers for itself (after a restart every one of them is found closed)."""
    driver = record.driver_connection
    if isinstance(driver, psycopg.AsyncConnection) and closed_while_pooled(driver):
        raise exc.DisconnectionError("the server closed this connection while it was pooled")


class Database:
    def __init__(
        self,
        url: str,
        *,
        pool_size: int = POOL_SIZE,
        application_name: str = "",
        schema: str | None = None,
        connect_timeout: int = CONNECT_TIMEOUT_SECONDS,
        pool_timeout: float = POOL_TIMEOUT_SECONDS,
    ) -> None:
        """`schema` is the service's own schema; by default the application name up to its
        first `-` ("payments-sweeper" -> "payments")."""
        connect_args: dict[str, str | int] = {"connect_timeout": connect_timeout}
        if application_name:
            connect_args["application_name"] = application_name
        self.schema = schema or application_name.partition("-")[0] or None
        self.engine: AsyncEngine = create_async_engine(
            sqlalchemy_url(url),
            execution_options={SCHEMA_OPTION: self.schema} if self.schema else {},
            pool_size=pool_size,
            max_overflow=min(pool_size, POOL_OVERFLOW),
            pool_timeout=pool_timeout,
            # No pre-ping: it cost a round trip on every checkout (13 per booking). A
            # connection the server closed while pooled is refused at checkout by what its
            # socket already holds (_refuse_closed_connections); one that breaks in use fails
            # its transaction as DATABASE_UNAVAILABLE (callers retry: request ids make that
            # safe, a consumer's message is redelivered) and SQLAlchemy invalidates the pool's
            # older connections, so the retry gets a fresh one.
            pool_recycle=POOL_RECYCLE_SECONDS,
            connect_args=connect_args,
            # Statement parameters (card tokens, password hashes, ...) never appear in a log
            # line or in the text of a database error.
            hide_parameters=True,
        )
        event.listen(self.engine.sync_engine.pool, "checkout", _refuse_closed_connections)
        pool = self.engine.sync_engine.pool
        watch_pool(application_name, lambda: int(getattr(pool, "checkedout", lambda: 0)()))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """One transaction: committed when the block ends, rolled back when it raises."""
        async with self.engine.begin() as conn:
            yield conn

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncConnection]:
        """A connection on which every statement commits by itself: one round trip for a
        single atomic statement (an upsert, a conditional update) where a transaction takes
        three (BEGIN, the statement, COMMIT). Only for statements that need no other."""
        async with self.engine.connect() as conn:
            yield await conn.execution_options(isolation_level="AUTOCOMMIT")

    async def close(self) -> None:
        await self.engine.dispose()
