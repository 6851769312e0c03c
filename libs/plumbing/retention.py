"""Retention: rows whose work is done are deleted once they are old enough to be of no use,
so that no table grows with every message or request for ever.

Each process lists its rules (`RetentionRule`: a table, the timestamp its age counts from,
how long to keep it, and what "done" means for a row) and runs `retention_forever`. A pass
deletes in short transactions of at most `batch_size` rows each, chosen with `FOR UPDATE SKIP
LOCKED`, so it never waits for a row a request holds, and two replicas sweeping at once share
the work instead of queueing on each other. A rule never deletes a row that is not done (an
unpublished outbox row, an idempotency claim still in flight): that is the rule's `done`
condition, in the same statement as the age.

Why the standard windows are safe (`message_rules`): an inbox row stops a redelivered message
from acting twice; JetStream redelivers an unacknowledged message for at most a consumer's
`max_deliver` attempts (minutes) and its duplicate window is two minutes, and a relay that
publishes a row again does so within seconds of the first time. Seven days is far beyond all of
them. A published outbox row is only a record once its message is in the stream.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Column, ColumnElement, Delete, Table, delete, func, select, true, tuple_

from plumbing.db import Database

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 1000
MESSAGE_RECORDS_KEPT = timedelta(days=7)


@dataclass(frozen=True)
class RetentionRule:
    table: Table
    # The row's age counts from this timestamp; an index on it (BRIN for an append-only
    # table) keeps a pass from reading the whole table.
    aged_from: Column[object]
    keep: timedelta
    # Only rows for which this holds are ever deleted (None: every row old enough).
    done: ColumnElement[bool] | None = None

    @property
    def name(self) -> str:
        return self.table.fullname

    def statement(self, batch_size: int) -> Delete:
        """Deletes one batch of old, done rows (built once per rule: values are bound)."""
        key = list(self.table.primary_key.columns)
        if not key:
            raise ValueError(f"{self.name} has no primary key")
        victims = (
            select(*key)
            .where(self.aged_from < func.now() - self.keep, self.done if self.done is not None else true())
            .limit(batch_size)
            .with_for_update(skip_locked=True)
        )
        return delete(self.table).where(tuple_(*key).in_(victims))


def message_rules(outbox: Table | None, inbox: Table | None) -> list[RetentionRule]:
    """The outbox and inbox of plumbing.outbox: published outbox rows and inbox rows, after
    seven days (see the module's docstring for why that is safe)."""
    rules = []
    if outbox is not None:
        rules.append(
            RetentionRule(
                outbox, outbox.c.created_at, MESSAGE_RECORDS_KEPT, done=outbox.c.published_at.is_not(None)
            )
        )
    if inbox is not None:
        rules.append(RetentionRule(inbox, inbox.c.received_at, MESSAGE_RECORDS_KEPT))
    return rules


class Retention:
    def __init__(self, db: Database, rules: Sequence[RetentionRule], batch_size: int = DEFAULT_BATCH_SIZE):
        self.db = db
        self.rules = list(rules)
        self.batch_size = batch_size
        self._statements = [rule.statement(batch_size) for rule in self.rules]

    async def sweep(self, *, strict: bool = False) -> dict[str, int]:
        """One pass over every rule, to the end of what is old enough; the rows deleted per
        table. A rule that fails is logged and the others still run (`strict`: it raises)."""
        deleted: dict[str, int] = {}
        for rule, statement in zip(self.rules, self._statements, strict=True):
            total = 0
            try:
                while True:
                    async with self.db.transaction() as conn:
                        count = (await conn.execute(statement)).rowcount
                    total += count
                    if count < self.batch_size:
                        break
            except Exception:
                if strict:
                    raise
                log.exception("retention: deleting old rows of %s failed (tried again next pass)", rule.name)
            deleted[rule.name] = total
            if total:
                log.info("retention: %d old rows of %s deleted", total, rule.name)
        return deleted

    async def run_forever(self, interval_seconds: float) -> None:
        """A pass now and then every `interval_seconds` (a tenth of it at random added, so
        replicas started together do not sweep together); none when the interval is 0."""
        while interval_seconds > 0:
            await self.sweep()
            await asyncio.sleep(interval_seconds * (1 + random.random() / 10))
