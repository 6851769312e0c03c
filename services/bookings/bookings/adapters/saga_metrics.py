"""The sagas' figures for Prometheus (plumbing.metrics serves them): how many sagas are in
each kind and state, how many wait for an operator, and the time to terminal of those that
finished lately. Read from the sagas table every OBSERVE_SECONDS by one cheap query each
(an index-only count and a percentile over the last minutes), so the figures are the
database's truth whichever replica reports them, and no transaction pays for them.

And this process's admission to the saga (service/saga_backlog.py): each queue's expected
wait as last read, and the creates refused and warned for a backlog."""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import Counter, Gauge
from sqlalchemy import text

from plumbing.db import Database

log = logging.getLogger(__name__)

OBSERVE_SECONDS = 15.0
RECENT_MINUTES = 15

SAGA_QUEUE_WAIT = Gauge(
    "bp_saga_queue_expected_wait_seconds",
    "How long a new saga step would wait in each queue of the saga (a participant's commands,"
    " bookings' replies), as this process last read it.",
    ("queue",),
)
SAGA_BACKLOG_ANSWERS = Counter(
    "bp_saga_backlog_answers_total",
    "Creates refused for a backlog of the saga's queues (refused), and admitted with a request"
    " to hold back further creates (hold_back).",
    ("answer",),
)

SAGAS = Gauge("bp_sagas", "Sagas by kind and state (terminal states only grow).", ("kind", "state"))
SAGAS_NEEDING_ATTENTION = Gauge("bp_sagas_needing_attention", "Sagas flagged for an operator.")
TIME_TO_TERMINAL = Gauge(
    "bp_saga_time_to_terminal_seconds",
    "Time from a saga's start to COMPLETED or COMPENSATED, of the sagas that finished in the"
    f" last {RECENT_MINUTES} minutes.",
    ("quantile",),
)

_BY_STATE = text("SELECT kind, state, count(*) AS n FROM bookings.sagas GROUP BY kind, state")
_ATTENTION = text("SELECT count(*) FROM bookings.sagas WHERE needs_attention")
_TIME_TO_TERMINAL = text(
    "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - created_at)) AS p50,"
    " percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - created_at)) AS p95"
    " FROM bookings.sagas"
    " WHERE state IN ('COMPLETED', 'COMPENSATED')"
    f" AND updated_at > now() - interval '{RECENT_MINUTES} minutes'"
)


async def observe(db: Database) -> None:
    async with db.transaction() as conn:
        by_state = (await conn.execute(_BY_STATE)).all()
        attention = (await conn.execute(_ATTENTION)).scalar_one()
        quantiles = (await conn.execute(_TIME_TO_TERMINAL)).one()
    for row in by_state:
        SAGAS.labels(row.kind, row.state).set(row.n)
    SAGAS_NEEDING_ATTENTION.set(attention)
    TIME_TO_TERMINAL.labels("0.5").set(quantiles.p50 or 0.0)
    TIME_TO_TERMINAL.labels("0.95").set(quantiles.p95 or 0.0)


async def observe_forever(db: Database, interval: float = OBSERVE_SECONDS) -> None:
    while True:
        try:
            await observe(db)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the database restarting: the next round tells
            log.debug("saga metrics not read: %s", error)
        await asyncio.sleep(interval)
