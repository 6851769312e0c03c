"""From booking events to signed POSTs.

The consumer (durable `gateway-webhooks` on `bookings.events.>`) stores each event once and,
in the same statement, one delivery row per enabled endpoint of the company that subscribes
to its type: the event id and `(endpoint_id, event_id)` are keys (`ON CONFLICT DO NOTHING`),
so a redelivered event adds nothing and no inbox row is needed.

The dispatcher claims due deliveries with `FOR UPDATE SKIP LOCKED` (several gateway replicas
share the work), skipping any whose endpoint has an earlier delivery of the same booking still
pending (ordered per booking), leases each by moving `next_attempt_at` LEASE_SECONDS on and
counting the attempt, commits, posts it (httpx; the whole attempt within TIMEOUT_SECONDS and
well within the lease, reading at most outbound.ANSWER_BYTES of the answer: see
gateway.webhooks.outbound), and records the outcome with an update conditional on that very
attempt (a late outcome of an attempt whose lease was taken over changes nothing). Deliveries
run concurrently, each on its own: at most MAX_IN_FLIGHT per gateway process, PER_ENDPOINT per
endpoint and PER_COMPANY per company, and a slot that frees is filled at once by a new claim,
so a slow endpoint (or a company's many slow endpoints) holds up only its own deliveries, never
another's. The outcome is: success, a retry after an exponential back-off, or, a day after the
event, FAILED. An endpoint whose
attempts have all failed for a day is disabled, and that is recorded in the audit log and, in
the same transaction, an e-mail to the company's admins is written into the notifications'
outbox (gateway.notifications).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from google.protobuf.json_format import MessageToDict
from google.protobuf.struct_pb2 import Struct
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway import audit_log
from gateway.booking_events import ConcurrentDispatch, start_pair
from gateway.notifications.delivery import write_endpoint_disabled
from gateway.webhooks import outbound, signing, tables
from gateway.webhooks.addresses import guarded_client
from gateway.webhooks.events import event_body, event_type_of
from gateway.webhooks.urls import check_destination
from plumbing.db import Database
from plumbing.errors import ServiceError
from plumbing.inbox_consumer import Delivery, InboxConsumer

log = logging.getLogger(__name__)

DURABLE = "gateway-webhooks"
# A whole attempt (the address's check, connecting, sending, the status and at most
# outbound.ANSWER_BYTES of the body) ends within this: a 2xx within it is success.
TIMEOUT_SECONDS = 10.0
# A claimed delivery is the claimer's for this long; a gateway that dies mid-POST leaves it
# to be tried again after that. An attempt ends outbound.LEASE_MARGIN_SECONDS before it at the
# latest, so one delivery is never in flight twice.
LEASE_SECONDS = 60
FIRST_RETRY_SECONDS = 30
LONGEST_RETRY_SECONDS = 3600
GIVE_UP_AFTER = timedelta(days=1)
DISABLE_AFTER = timedelta(days=1)
# Deliveries in flight per gateway process, per endpoint and per company (of this process).
MAX_IN_FLIGHT = 64
PER_ENDPOINT = 4
PER_COMPANY = 16
# Due deliveries a claim looks at (locked while it decides) to find those that fit the limits.
SCAN = 4 * MAX_IN_FLIGHT
USER_AGENT = "booking-platform-webhooks/1"


def retry_delay_seconds(attempts: int) -> int:
    """30 s, 1 min, 2 min, ... at most an hour between attempts (attempts = those made)."""
    return min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), LONGEST_RETRY_SECONDS)


# ---- the consumer -------------------------------------------------------------------------

# The event and one delivery per subscribed endpoint, in one statement (the event's insert
# is a CTE; the deliveries' foreign key is checked at the statement's end, when it is there).
# A redelivered event finds both already stored and changes nothing.
_STORE_EVENT = text(
    "WITH event AS ("
    " INSERT INTO gateway.webhook_events (id, company_id, booking_id, type, body, occurred_at)"
    " VALUES (:event_id, CAST(:company_id AS uuid), CAST(:booking_id AS uuid), :event_type, :body,"
    " :occurred_at) ON CONFLICT DO NOTHING)"
    " INSERT INTO gateway.webhook_deliveries"
    " (id, endpoint_id, event_id, company_id, booking_id, event_type)"
    " SELECT gen_random_uuid(), e.id, :event_id, e.company_id, CAST(:booking_id AS uuid), :event_type"
    " FROM gateway.webhook_endpoints e"
    " WHERE e.company_id = CAST(:company_id AS uuid) AND e.enabled AND :event_type = ANY(e.event_types)"
    " ORDER BY e.id"
    " ON CONFLICT (endpoint_id, event_id) DO NOTHING"
)


async def _store(conn: AsyncConnection, delivery: Delivery[Struct, None]) -> None:
    await _store_all(conn, [delivery])


async def _store_all(conn: AsyncConnection, deliveries: Sequence[Delivery[Struct, None]]) -> None:
    """The events of a fetched batch, sent together (one round trip)."""
    events = [values for delivery in deliveries if (values := _event_values(delivery)) is not None]
    if events:
        await conn.execute(_STORE_EVENT, events)


def _event_values(delivery: Delivery[Struct, None]) -> dict[str, Any] | None:
    """The statement's values for an event; None for an event no endpoint can subscribe to."""
    data: dict[str, Any] = MessageToDict(delivery.message)
    event_type = event_type_of(delivery.msg.subject)
    if event_type is None:
        return None
    event_id = delivery.message_id
    return {
        "event_id": event_id,
        "company_id": data["company_id"],
        "booking_id": data["booking_id"],
        "event_type": event_type,
        "body": event_body(event_id, event_type, data),
        "occurred_at": datetime.fromisoformat(data["occurred_at"]),
    }


def consumer(db: Database) -> InboxConsumer[Struct, None]:
    return InboxConsumer(
        name=DURABLE,
        db=db,
        inbox=None,  # the event's id and (endpoint, event) are keys: a redelivery adds nothing
        decode=Struct.FromString,
        apply=_store,
        apply_many=_store_all,
        span_name=lambda event: "store booking event for webhooks",
    )


# ---- the dispatcher ---------------------------------------------------------------------

# Due deliveries, oldest first, but for endpoints and companies already at their limit in this
# process; of those, what fits each endpoint's and then each company's free slots (the counts
# in flight come as arrays), at most :batch (the process's free slots).
_CLAIM = text(
    "WITH busy_endpoints AS (SELECT * FROM unnest(CAST(:endpoint_ids AS uuid[]),"
    "  CAST(:endpoint_counts AS int[])) AS b(id, n)),"
    " busy_companies AS (SELECT * FROM unnest(CAST(:company_ids AS uuid[]),"
    "  CAST(:company_counts AS int[])) AS b(id, n)),"
    " candidates AS ("
    " SELECT d.id, d.endpoint_id, d.company_id, d.next_attempt_at, d.seq FROM gateway.webhook_deliveries d"
    " JOIN gateway.webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled"
    " WHERE d.status = 'PENDING' AND d.next_attempt_at <= now()"
    " AND d.endpoint_id <> ALL(CAST(:endpoint_full AS uuid[]))"
    " AND d.company_id <> ALL(CAST(:company_full AS uuid[]))"
    " AND NOT EXISTS (SELECT 1 FROM gateway.webhook_deliveries p"
    "  WHERE p.endpoint_id = d.endpoint_id AND p.booking_id = d.booking_id"
    "  AND p.status = 'PENDING' AND p.seq < d.seq)"
    " ORDER BY d.next_attempt_at LIMIT :scan"
    " FOR UPDATE OF d SKIP LOCKED),"
    " per_endpoint AS ("
    " SELECT c.*, row_number() OVER (PARTITION BY c.endpoint_id ORDER BY c.next_attempt_at, c.seq)"
    "  + coalesce(b.n, 0) AS taken FROM candidates c LEFT JOIN busy_endpoints b ON b.id = c.endpoint_id),"
    " per_company AS ("
    " SELECT c.id, c.next_attempt_at, row_number() OVER (PARTITION BY c.company_id"
    "  ORDER BY c.next_attempt_at, c.seq) + coalesce(b.n, 0) AS taken"
    " FROM per_endpoint c LEFT JOIN busy_companies b ON b.id = c.company_id"
    " WHERE c.taken <= :per_endpoint),"
    " due AS (SELECT id FROM per_company WHERE taken <= :per_company"
    " ORDER BY next_attempt_at LIMIT :batch)"
    " UPDATE gateway.webhook_deliveries d"
    " SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => :lease)"
    " FROM due, gateway.webhook_endpoints e, gateway.webhook_events ev"
    " WHERE d.id = due.id AND e.id = d.endpoint_id AND ev.id = d.event_id"
    " RETURNING d.id, d.attempts, d.event_id, d.endpoint_id, d.company_id, e.url, e.secret, ev.body"
)

_SUCCEEDED = text(
    "UPDATE gateway.webhook_deliveries SET status = 'SUCCEEDED', completed_at = now(),"
    " last_status_code = :code, last_response_ms = :ms, last_error = NULL"
    " WHERE id = :id AND attempts = :attempt AND status = 'PENDING' RETURNING endpoint_id"
)
# Retried after the back-off, or FAILED (given up) a day after the event was stored.
_FAILED = text(
    "UPDATE gateway.webhook_deliveries SET"
    " status = CASE WHEN created_at <= now() - CAST(:give_up AS interval) THEN 'FAILED' ELSE 'PENDING' END,"
    " completed_at = CASE WHEN created_at <= now() - CAST(:give_up AS interval) THEN now() END,"
    " next_attempt_at = now() + make_interval(secs => :delay),"
    " last_status_code = :code, last_response_ms = :ms, last_error = :error"
    " WHERE id = :id AND attempts = :attempt AND status = 'PENDING' RETURNING endpoint_id"
)
_ENDPOINT_SUCCEEDED = text(
    "UPDATE gateway.webhook_endpoints SET consecutive_failures = 0, failing_since = NULL WHERE id = :id"
)
# Every attempt failed since `failing_since` and that is a day ago: the endpoint is disabled
# (once: only while enabled); answers the row when this very update disabled it.
_ENDPOINT_FAILED = text(
    "WITH old AS (SELECT id, enabled FROM gateway.webhook_endpoints WHERE id = :id FOR UPDATE)"
    " UPDATE gateway.webhook_endpoints e SET consecutive_failures = e.consecutive_failures + 1,"
    " failing_since = coalesce(e.failing_since, now()),"
    " enabled = e.enabled AND coalesce(e.failing_since > now() - CAST(:disable_after AS interval), true),"
    " disabled_reason = CASE WHEN e.enabled AND e.failing_since <= now() - CAST(:disable_after AS interval)"
    "  THEN 'FAILING' ELSE e.disabled_reason END,"
    " updated_at = now()"
    " FROM old WHERE e.id = old.id"
    " RETURNING e.company_id, e.consecutive_failures, e.updated_at,"
    " (old.enabled AND NOT e.enabled) AS disabled_now"
)


@dataclass(frozen=True)
class Claimed:
    id: str
    attempt: int
    event_id: str
    endpoint_id: str
    company_id: str
    url: str
    secret: str
    body: str
    # The event loop's time by which its attempt must have ended (outbound.lease_ends).
    lease_end: float = field(default=math.inf, compare=False)


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    response_ms: int
    error: str | None
    # Bytes of the answer's body read (at most outbound.ANSWER_BYTES; none of it is kept).
    answer_bytes: int = 0

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Dispatcher(ConcurrentDispatch[Claimed]):
    kind = "webhook delivery"
    max_in_flight = MAX_IN_FLIGHT

    def __init__(
        self,
        db: Database,
        *,
        allow_private_urls: bool,
        poll_seconds: float = 1.0,
        http: httpx.AsyncClient | None = None,
        timeout_seconds: float = TIMEOUT_SECONDS,
    ) -> None:
        super().__init__(poll_seconds)
        self.db = db
        self.allow_private_urls = allow_private_urls
        self.timeout_seconds = timeout_seconds
        # Connects only to the address it judged (no DNS rebinding between the check and the POST).
        self.http = http or (
            # Private addresses allowed (development, tests) still never go through a proxy
            # named by the environment: a delivery reaches the address it was given or fails.
            httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False, trust_env=False)
            if allow_private_urls
            else guarded_client(timeout=TIMEOUT_SECONDS, refusal="WEBHOOK_URL_NOT_PUBLIC")
        )

    async def claim(self, limit: int = MAX_IN_FLIGHT) -> list[Claimed]:
        """Leases up to `limit` due deliveries that fit the limits beside those in flight."""
        values = {
            "batch": limit,
            "scan": SCAN,
            "lease": float(LEASE_SECONDS),
            "per_endpoint": PER_ENDPOINT,
            "per_company": PER_COMPANY,
            **self.in_flight_by("endpoint", lambda c: c.endpoint_id, PER_ENDPOINT),
            **self.in_flight_by("company", lambda c: c.company_id, PER_COMPANY),
        }
        # Before the transaction: the database's lease starts at or after it.
        lease_end = outbound.lease_ends(asyncio.get_running_loop().time(), LEASE_SECONDS)
        async with self.db.transaction() as conn:
            rows = await conn.execute(_CLAIM, values)
            return [
                Claimed(
                    str(r.id),
                    r.attempts,
                    r.event_id,
                    str(r.endpoint_id),
                    str(r.company_id),
                    r.url,
                    r.secret,
                    r.body,
                    lease_end,
                )
                for r in rows
            ]

    async def post(self, claimed: Claimed) -> Outcome:
        """One attempt, cut at its deadline (a TIMEOUT, retried like any failure); the status
        decides it, of the body at most outbound.ANSWER_BYTES is read."""
        started = time.monotonic()
        try:
            async with asyncio.timeout_at(outbound.attempt_deadline(self.timeout_seconds, claimed.lease_end)):
                await check_destination(claimed.url, allow_private=self.allow_private_urls)
                body = claimed.body.encode()
                answer = await outbound.post(
                    self.http,
                    claimed.url,
                    content=body,
                    headers={
                        "Content-Type": "application/json",
                        "User-Agent": USER_AGENT,
                        signing.ID_HEADER: claimed.event_id,
                        signing.SIGNATURE_HEADER: signing.sign(claimed.secret, body, int(time.time())),
                    },
                )
            error = None if 200 <= answer.status_code < 300 else f"HTTP {answer.status_code}"
            return Outcome(answer.status_code, _ms(started), error, answer.body_bytes)
        except ServiceError as refused:
            return Outcome(None, _ms(started), refused.reason)
        except (TimeoutError, httpx.TimeoutException):
            return Outcome(None, _ms(started), "TIMEOUT")
        except httpx.HTTPError as failure:
            # The class only: an error's text may repeat the address, which may hold a token.
            return Outcome(None, _ms(started), f"CONNECTION_FAILED ({type(failure).__name__})")

    async def record(self, claimed: Claimed, outcome: Outcome) -> bool:
        """Records the attempt's outcome and its row in the delivery log, only while the attempt
        is the delivery's latest and still pending (the updates are conditional on it): a late
        outcome of an attempt whose lease another claim took over writes nothing. True when
        recorded."""
        values = {
            "id": claimed.id,
            "attempt": claimed.attempt,
            "code": outcome.status_code,
            "ms": outcome.response_ms,
        }
        async with self.db.transaction() as conn:
            if outcome.ok:
                recorded = (await conn.execute(_SUCCEEDED, values)).first() is not None
            else:
                changed = await conn.execute(
                    _FAILED,
                    {
                        **values,
                        "error": outcome.error,
                        "delay": float(retry_delay_seconds(claimed.attempt)),
                        "give_up": GIVE_UP_AFTER,
                    },
                )
                recorded = changed.first() is not None
            if not recorded:
                log.warning(
                    "webhook delivery %s attempt %s: outcome not recorded, its lease was taken over",
                    claimed.id,
                    claimed.attempt,
                )
                return False
            await conn.execute(
                insert(tables.attempts).values(
                    delivery_id=claimed.id,
                    attempt=claimed.attempt,
                    status_code=outcome.status_code,
                    response_ms=outcome.response_ms,
                    error=outcome.error,
                )
            )
            if outcome.ok:
                await conn.execute(_ENDPOINT_SUCCEEDED, {"id": claimed.endpoint_id})
                return True
            endpoint = (
                await conn.execute(
                    _ENDPOINT_FAILED, {"id": claimed.endpoint_id, "disable_after": DISABLE_AFTER}
                )
            ).first()
            if endpoint is not None and endpoint.disabled_now:
                log.warning(
                    "webhook endpoint %s disabled: every attempt failed for a day", claimed.endpoint_id
                )
                await conn.execute(
                    insert(audit_log.audit_log).values(
                        id=str(uuid.uuid4()),
                        service="gateway",
                        company_id=str(endpoint.company_id),
                        actor_role="SERVICE",
                        entity_type="webhook_endpoint",
                        entity_id=claimed.endpoint_id,
                        action="webhook_endpoint.disable",
                        changed={"before": {"enabled": True}, "after": {"enabled": False}},
                        reason=f"every attempt failed for a day ({endpoint.consecutive_failures} attempts)",
                    )
                )
                # The company's admins are told by e-mail (sent by the notifier when SMTP is set).
                await write_endpoint_disabled(
                    conn,
                    company_id=str(endpoint.company_id),
                    endpoint_id=claimed.endpoint_id,
                    url=claimed.url,
                    disabled_at=endpoint.updated_at,
                    failures=endpoint.consecutive_failures,
                )
            return True

    async def deliver(self, claimed: Claimed) -> None:
        await self.record(claimed, await self.post(claimed))


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


async def start(
    nats_url: str, db: Database, *, allow_private_urls: bool, poll_seconds: float = 1.0
) -> tuple[Dispatcher, Callable[[], Awaitable[None]]]:
    """Consumes booking events and dispatches deliveries until the answered stop is awaited."""
    dispatcher = Dispatcher(db, allow_private_urls=allow_private_urls, poll_seconds=poll_seconds)
    stop = await start_pair(
        nats_url,
        name="gateway-webhooks",
        durable=DURABLE,
        store=consumer(db),
        dispatcher=dispatcher,
        closers=[dispatcher.http.aclose],
    )
    return dispatcher, stop
