"""Database access: one async engine per service, transactions as context managers.

Repositories take the `AsyncConnection` of the current transaction, so an effect, its
outbox message and its inbox record commit together.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from plumbing.config import sqlalchemy_url


class _NoResultRows(logging.Filter):
    """SQLAlchemy logs every result row at DEBUG; a row can hold a secret (a card token read by
    payments, a password hash), so rows never reach a log line, whatever the log level."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg != "Row %r"


_ENGINE_LOGGER = logging.getLogger("sqlalchemy.engine.Engine")
if not any(isinstance(f, _NoResultRows) for f in _ENGINE_LOGGER.filters):
    _ENGINE_LOGGER.addFilter(_NoResultRows())


# The execution option naming the schema a Database belongs to: plumbing.audit writes the
# caller's audit entry into `<schema>.audit_log` of the connection it is handed.
SCHEMA_OPTION = "service_schema"


# A connection attempt to a host that drops packets would otherwise wait for the kernel's
# TCP timeout (minutes) while a request holds its caller; a busy local server still answers
# well within these.
CONNECT_TIMEOUT_SECONDS = 10
# How long a transaction waits for a pooled connection before failing (DATABASE_UNAVAILABLE).
POOL_TIMEOUT_SECONDS = 30.0


class Database:
    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
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
            max_overflow=pool_size,
            pool_timeout=pool_timeout,
            pool_pre_ping=True,
            connect_args=connect_args,
            # Statement parameters (card tokens, password hashes, ...) never appear in a log
            # line or in the text of a database error.
            hide_parameters=True,
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """One transaction: committed when the block ends, rolled back when it raises."""
        async with self.engine.begin() as conn:
            yield conn

    async def close(self) -> None:
        await self.engine.dispose()
