"""Transactional outbox and inbox (docs/saga.md).

The outbox row is written in the same transaction as the effect; a relay claims unsent
rows with FOR UPDATE SKIP LOCKED, publishes them with `Nats-Msg-Id` = the row id and
marks them sent. Rows are kept after publishing (JetStream may lose an acknowledged
write on an OS crash; saga deadlines re-send). An `on_published` hook runs in the
transaction that marks rows sent, with their ids: bookings starts a saga step's deadline
there, so a command still waiting in the outbox (NATS down) never times out. The inbox
records each received message id in the transaction of its effect, so a redelivery is
skipped.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import nats.errors
from google.protobuf.message import Message
from nats.js import JetStreamContext
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from sqlalchemy import (
    Column,
    DateTime,
    Index,
    LargeBinary,
    MetaData,
    Table,
    Text,
    TextClause,
    bindparam,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import BindParameter

from plumbing.db import Database, one_of
from plumbing.failpoints import failpoint
from plumbing.grpc_server import database_unreachable
from plumbing.metrics import observe_backlog, observe_published
from plumbing.tasks import wait_for_event
from plumbing.telemetry import extract_trace_context, inject_trace_headers

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)

BACKLOG_OBSERVE_SECONDS = 15.0


def outbox_table(metadata: MetaData) -> Table:
    return Table(
        "outbox",
        metadata,
        Column("id", Text, primary_key=True),
        Column("subject", Text, nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True)),
        Index(
            "ix_outbox_unpublished",
            "created_at",
            postgresql_where=text("published_at IS NULL"),
        ),
        # What plumbing.retention's pass reads (rows arrive in time order: BRIN is enough).
        Index("ix_outbox_created_brin", "created_at", postgresql_using="brin"),
    )


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "inbox",
        metadata,
        Column("message_id", Text, primary_key=True),
        Column("subject", Text, nullable=False),
        Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Index("ix_inbox_received_brin", "received_at", postgresql_using="brin"),
    )


# The statements of every message are built once per table, their values bound at execution:
# SQLAlchemy compiles a `postgresql.insert(...).on_conflict_do_nothing()` again on every
# execution (the construct has no cache key), and building any statement per call costs as
# much again (bench/statement_cost.py).


@functools.cache
def _inbox_insert(inbox: Table) -> TextClause:
    return text(
        f"INSERT INTO {inbox.fullname} (message_id, subject) VALUES (:message_id, :subject) "
        "ON CONFLICT DO NOTHING RETURNING message_id"
    )


@functools.cache
def outbox_insert(outbox: Table) -> TextClause:
    """The outbox row of one message (`id`, `subject`, `payload`, `headers`); a row already
    there under the id (a retried transaction's) is kept."""
    return text(
        f"INSERT INTO {outbox.fullname} (id, subject, payload, headers) "
        "VALUES (:id, :subject, :payload, :headers) ON CONFLICT DO NOTHING"
    ).bindparams(bindparam("payload", type_=LargeBinary), bindparam("headers", type_=JSONB))


@dataclass(frozen=True)
class OutboxRow:
    """A message as its outbox row, for a writer that puts it into a statement of its own
    (`outbox_rows_sql`): one statement for an effect and its messages instead of two."""

    id: str
    subject: str
    payload: bytes
    headers: dict[str, str]


def outbox_row(subject: str, message: Message, *, message_id: str | None = None) -> OutboxRow:
    """The row `Outbox.add` writes: the id stable across retries when given, the caller's
    trace context in the headers."""
    headers: dict[str, str] = {}
    inject_trace_headers(headers)
    return OutboxRow(message_id or str(uuid.uuid4()), subject, message.SerializeToString(), headers)


def outbox_rows_sql(outbox: Table, count: int) -> str:
    """The INSERT of `count` outbox rows, to be a CTE of a bigger statement; its parameters
    are `outbox_rows_values` (prefixed `outbox_`) and its bind types `outbox_rows_params`."""
    rows = ", ".join(
        f"(:outbox_id_{n}, :outbox_subject_{n}, :outbox_payload_{n}, :outbox_headers_{n})"
        for n in range(count)
    )
    return (
        f"INSERT INTO {outbox.fullname} (id, subject, payload, headers) VALUES {rows} ON CONFLICT DO NOTHING"
    )


def outbox_rows_params(count: int) -> list[BindParameter[Any]]:
    return [
        bindparam(f"outbox_{column}_{n}", type_=kind)
        for n in range(count)
        for column, kind in (("payload", LargeBinary()), ("headers", JSONB()))
    ]


def outbox_rows_values(rows: Sequence[OutboxRow]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for n, row in enumerate(rows):
        values[f"outbox_id_{n}"] = row.id
        values[f"outbox_subject_{n}"] = row.subject
        values[f"outbox_payload_{n}"] = row.payload
        values[f"outbox_headers_{n}"] = row.headers
    return values


async def record_in_inbox(conn: AsyncConnection, inbox: Table, message_id: str, subject: str) -> bool:
    """True when the message is new; False for a redelivery already applied."""
    inserted = await conn.execute(_inbox_insert(inbox), {"message_id": message_id, "subject": subject})
    return inserted.first() is not None


@functools.cache
def _inbox_insert_all(inbox: Table) -> TextClause:
    # One statement whatever the count (arrays, not a VALUES list): prepared once.
    return text(
        f"INSERT INTO {inbox.fullname} (message_id, subject)"
        " SELECT * FROM unnest(CAST(:message_ids AS text[]), CAST(:subjects AS text[]))"
        " ON CONFLICT DO NOTHING RETURNING message_id"
    )


async def record_all_in_inbox(
    conn: AsyncConnection, inbox: Table, messages: Sequence[tuple[str, str]]
) -> set[str]:
    """The inbox rows of several (message_id, subject) in one statement: the ids that are new
    (a redelivery already applied is not; an id given twice is new once)."""
    inserted = await conn.execute(
        _inbox_insert_all(inbox),
        {
            "message_ids": [message_id for message_id, _ in messages],
            "subjects": [subject for _, subject in messages],
        },
    )
    return {row.message_id for row in inserted}


@functools.cache
def _outbox_insert_all(outbox: Table, count: int) -> TextClause:
    return text(outbox_rows_sql(outbox, count)).bindparams(*outbox_rows_params(count))


async def insert_outbox_rows(conn: AsyncConnection, outbox: Table, rows: Sequence[OutboxRow]) -> None:
    """Writes outbox rows (`outbox_row`) in the caller's transaction, one statement; a row
    already there under its id (a retried transaction's) is kept."""
    if rows:
        await conn.execute(_outbox_insert_all(outbox, len(rows)), outbox_rows_values(rows))


def _outage(error: BaseException) -> bool:
    """NATS or the database out of reach, as opposed to a bug. A publish while NATS is down
    times out (nats.errors.TimeoutError is also the builtin TimeoutError)."""
    return isinstance(error, nats.errors.Error | TimeoutError) or database_unreachable(error)


def _describe(error: BaseException) -> str:
    if database_unreachable(error):
        return f"database unreachable: {type(error).__name__}"
    return f"NATS unreachable: {type(error).__name__}"


PublishedHook = Callable[[AsyncConnection, list[str]], Awaitable[None]]


class Outbox:
    """Writes messages in a caller's transaction and relays them to JetStream."""

    def __init__(
        self,
        table: Table,
        *,
        batch_size: int = 200,
        idle_poll_seconds: float = 0.2,
        on_published: PublishedHook | None = None,
    ) -> None:
        self.table = table
        self.batch_size = batch_size
        self.idle_poll_seconds = idle_poll_seconds
        self.on_published = on_published
        self._wakeup = asyncio.Event()
        self._insert = outbox_insert(table)
        self._claim = (
            select(table.c.id, table.c.subject, table.c.payload, table.c.headers, table.c.created_at)
            .where(table.c.published_at.is_(None))
            .order_by(table.c.created_at)
            .limit(batch_size)
            .with_for_update(skip_locked=True)
        )
        self._mark_published = update(table).where(one_of(table.c.id, "ids")).values(published_at=func.now())
        # The backlog for the metrics: from the partial index of unsent rows alone.
        self._backlog = select(
            func.count(), func.coalesce(func.extract("epoch", func.now() - func.min(table.c.created_at)), 0)
        ).where(table.c.published_at.is_(None))
        self._backlog_observed = 0.0

    async def add(
        self,
        conn: AsyncConnection,
        subject: str,
        message: Message,
        *,
        message_id: str | None = None,
    ) -> str:
        """Queues a message in the caller's transaction; the id is stable across retries."""
        row = outbox_row(subject, message, message_id=message_id)
        await conn.execute(
            self._insert,
            {"id": row.id, "subject": row.subject, "payload": row.payload, "headers": row.headers},
        )
        return row.id

    async def add_all(self, conn: AsyncConnection, rows: Sequence[OutboxRow]) -> None:
        """Queues several messages (`outbox_row`) in the caller's transaction, one statement."""
        await insert_outbox_rows(conn, self.table, rows)

    def wake(self) -> None:
        """Tells the relay that a transaction with outbox rows committed."""
        self._wakeup.set()

    async def relay_forever(self, db: Database, js: JetStreamContext) -> None:
        outage: str | None = None  # why publishing stopped, while it is stopped
        while True:
            try:
                while await self.relay_batch(db, js) == self.batch_size:
                    pass
                if outage is not None:
                    log.info("outbox relay: publishing again (%s is over)", outage)
                    outage = None
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if not _outage(error):
                    log.exception("outbox relay failed; retrying")
                elif outage is None:
                    # NATS or PostgreSQL out of reach is expected (a restart, a network cut) and
                    # the rows wait in the table: one line per outage, not a trace every retry.
                    outage = _describe(error)
                    log.warning("outbox relay cannot publish (%s); retrying until it can", outage)
                else:
                    log.debug("outbox relay still cannot publish (%s)", _describe(error))
                await asyncio.sleep(1.0)
            await self._observe_backlog(db)
            await wait_for_event(self._wakeup, self.idle_poll_seconds)
            self._wakeup.clear()

    async def _observe_backlog(self, db: Database) -> None:
        """Unsent rows and the age of the oldest, every BACKLOG_OBSERVE_SECONDS (metrics)."""
        if time.monotonic() - self._backlog_observed < BACKLOG_OBSERVE_SECONDS:
            return
        self._backlog_observed = time.monotonic()
        try:
            async with db.transaction() as conn:
                count, oldest = (await conn.execute(self._backlog)).one()
        except Exception as error:  # an outage: the relay's own loop says so
            log.debug("outbox backlog not read: %s", error)
            return
        observe_backlog(self.table.schema or "", int(count), float(oldest))

    async def relay_batch(self, db: Database, js: JetStreamContext) -> int:
        """Publishes one batch of unsent rows; returns how many were claimed."""
        async with db.transaction() as conn:
            rows = (await conn.execute(self._claim)).all()
            if not rows:
                return 0
            results = await asyncio.gather(*(_publish(js, row) for row in rows), return_exceptions=True)
            failpoint("relay.after_publish_before_mark")
            published = [
                row.id
                for row, result in zip(rows, results, strict=True)
                if not isinstance(result, BaseException)
            ]
            failures = [result for result in results if isinstance(result, BaseException)]
            if published:
                await conn.execute(self._mark_published, {"ids": published})
                if self.on_published is not None:
                    await self.on_published(conn, published)
        for row, result in zip(rows, results, strict=True):
            if not isinstance(result, BaseException):
                observe_published(row.subject, row.created_at)
        if failures:
            raise failures[0]
        return len(rows)


async def _publish(js: JetStreamContext, row: Any) -> None:
    """One row to JetStream, acknowledged; its span hangs from the transaction that wrote the
    row (the `traceparent` kept with it), so the publish shows in the booking's trace."""
    with tracer.start_as_current_span(
        f"publish {row.subject}", context=extract_trace_context(row.headers), kind=SpanKind.PRODUCER
    ) as span:
        span.set_attribute("messaging.system", "nats")
        span.set_attribute("messaging.destination.name", row.subject)
        span.set_attribute("messaging.message.id", row.id)
        await js.publish(row.subject, row.payload, headers={**row.headers, "Nats-Msg-Id": row.id})
