"""From booking events to Web Push messages on the company's staff devices.

The consumer (durable `gateway-push` on `bookings.events.>`, through its own inbox
`gateway.push_inbox`) stores each event a device is told about (a booking confirmed,
cancelled, or waiting for its payment) once, with the notification it shows, when the company
has a device, and in the same transaction one delivery row per subscription of the company's
admins and staff whose account is active (`ON CONFLICT (subscription_id, event_id) DO
NOTHING`).

The dispatcher claims due deliveries with `FOR UPDATE SKIP LOCKED` (gateway replicas share the
work), leases each by moving `next_attempt_at` LEASE_SECONDS on and counting the attempt,
commits, then encrypts the notification for the device (aes128gcm, pywebpush's WebPusher),
signs the request with the gateway's VAPID key (py_vapid) and posts it to the push service
(httpx, never following a redirect; the whole attempt within TIMEOUT_SECONDS and well within
the lease, reading at most ANSWER_BYTES of the answer: gateway.webhooks.outbound), and records
the outcome with an update conditional on that very attempt (a late outcome of an attempt whose
lease was taken over changes nothing). Deliveries run concurrently, each on its own: at most MAX_IN_FLIGHT per
gateway process, PER_SUBSCRIPTION per subscription (device) and PER_COMPANY per company (the
event's), and a slot that frees is filled at once by a new claim, so a slow or hanging push
service (or a company's many slow devices) holds up only its own deliveries, never another
company's. The outcome is: sent; retried after an exponential back-off (a 429, a 5xx, no answer) until
an hour after the event (a notification about a booking goes stale: one still pending then is
FAILED as STALE without being sent); FAILED at once for another 4xx. A 404 or 410 means the
subscription is gone (unsubscribed, expired): it is deleted with its deliveries. The device's
keys and the endpoint (which identifies the device) are never logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from google.protobuf.json_format import MessageToDict
from google.protobuf.struct_pb2 import Struct
from pywebpush import WebPusher, WebPushException
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.booking_events import ConcurrentDispatch, start_pair
from gateway.push import tables
from gateway.push.urls import check_endpoint
from gateway.push.vapid import VapidKey
from gateway.webhooks import outbound
from gateway.webhooks.addresses import guarded_client
from plumbing.db import Database
from plumbing.errors import ServiceError
from plumbing.inbox_consumer import Delivery, InboxConsumer

log = logging.getLogger(__name__)

DURABLE = "gateway-push"
# A whole attempt (the endpoint's check, encrypting, connecting, sending, the status and at
# most outbound.ANSWER_BYTES of the body) ends within this.
TIMEOUT_SECONDS = 10.0
# An attempt ends outbound.LEASE_MARGIN_SECONDS before its lease at the latest.
LEASE_SECONDS = 60
FIRST_RETRY_SECONDS = 10
LONGEST_RETRY_SECONDS = 600
GIVE_UP_AFTER = timedelta(hours=1)
# How long the push service keeps a message for a device that is offline.
TTL_SECONDS = 3600
# Deliveries in flight per gateway process, per subscription and per company (of this process).
MAX_IN_FLIGHT = 64
PER_SUBSCRIPTION = 4
PER_COMPANY = 16
# Due deliveries a claim looks at (locked while it decides) to find those that fit the limits.
SCAN = 4 * MAX_IN_FLIGHT
GONE = (404, 410)

# The subject's last token -> (type, title, what the body says).
NOTIFIED = {
    "confirmed": ("booking.confirmed", "Booking confirmed", "is confirmed."),
    "cancelled": ("booking.cancelled", "Booking cancelled", "was cancelled."),
    "pending_payment": ("booking.payment_due", "Payment due", "waits for its payment."),
}


def retry_delay_seconds(attempts: int) -> int:
    """10 s, 20 s, 40 s, ... at most 10 minutes between attempts (attempts = those made)."""
    return min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), LONGEST_RETRY_SECONDS)


def notification(event_id: str, subject: str, data: dict[str, Any]) -> tuple[str, str] | None:
    """(event type, the notification's JSON) of a booking event staff are told about, else None.
    The JSON is what the service worker (static/sw.js) shows: title, body, the console page to
    open on a click, and a tag (one notification per booking on the device)."""
    known = NOTIFIED.get(subject.rsplit(".", 1)[-1])
    if known is None:
        return None
    event_type, title, says = known
    booking_id = str(data["booking_id"])
    payload = {
        "title": title,
        "body": f"Booking {booking_id[:8]} {says}",
        "url": f"/ops/push/open?booking_id={booking_id}",
        "tag": f"booking-{booking_id}",
        "type": event_type,
        "booking_id": booking_id,
        "event_id": event_id,
        "occurred_at": data["occurred_at"],
    }
    return event_type, json.dumps(payload, separators=(",", ":"), sort_keys=True)


# ---- the consumer -------------------------------------------------------------------------

# The devices told about a company's bookings: those of its admins and staff whose account is
# still active and of that company (a deactivated account's device is told nothing more).
_LIVE_SUBSCRIPTIONS = (
    " FROM gateway.push_subscriptions s JOIN gateway.users u ON u.id = s.user_id"
    " WHERE s.company_id = :company_id AND u.company_id = s.company_id"
    " AND u.role IN ('COMPANY_ADMIN', 'STAFF') AND u.deactivated_at IS NULL"
)
_ANY_DEVICE = text("SELECT EXISTS (SELECT 1" + _LIVE_SUBSCRIPTIONS + ")")
_NEW_DELIVERIES = text(
    "INSERT INTO gateway.push_deliveries (id, subscription_id, event_id)"
    " SELECT gen_random_uuid(), s.id, :event_id" + _LIVE_SUBSCRIPTIONS + " ORDER BY s.id"
    " ON CONFLICT (subscription_id, event_id) DO NOTHING"
)


async def _store(conn: AsyncConnection, delivery: Delivery[Struct, None]) -> None:
    data: dict[str, Any] = MessageToDict(delivery.message)
    shown = notification(delivery.message_id, delivery.msg.subject, data)
    if shown is None:
        return
    company = {"company_id": data["company_id"]}
    if not (await conn.execute(_ANY_DEVICE, company)).scalar_one():
        return  # nobody of the company has a device: nothing to keep
    event_type, payload = shown
    await conn.execute(
        upsert(tables.events)
        .values(
            id=delivery.message_id,
            company_id=data["company_id"],
            booking_id=data["booking_id"],
            type=event_type,
            payload=payload,
            occurred_at=datetime.fromisoformat(data["occurred_at"]),
        )
        .on_conflict_do_nothing()
    )
    await conn.execute(_NEW_DELIVERIES, {"event_id": delivery.message_id, **company})


def consumer(db: Database) -> InboxConsumer[Struct, None]:
    return InboxConsumer(
        name=DURABLE,
        db=db,
        inbox=tables.inbox,
        decode=Struct.FromString,
        apply=_store,
        span_name=lambda event: "store booking event for push",
    )


# ---- the dispatcher ---------------------------------------------------------------------

# Pending deliveries an hour old are not sent any more (the gateway was down, say): stale.
_EXPIRE = text(
    "UPDATE gateway.push_deliveries SET status = 'FAILED', completed_at = now(), last_error = 'STALE'"
    " WHERE status = 'PENDING' AND next_attempt_at <= now()"
    " AND created_at <= now() - CAST(:give_up AS interval)"
)
# Due deliveries, oldest first, but for subscriptions and companies (the event's) already at
# their limit in this process; of those, what fits each subscription's and then each company's
# free slots (the counts in flight come as arrays), at most :batch (the process's free slots).
_CLAIM = text(
    "WITH busy_subscriptions AS (SELECT * FROM unnest(CAST(:subscription_ids AS uuid[]),"
    "  CAST(:subscription_counts AS int[])) AS b(id, n)),"
    " busy_companies AS (SELECT * FROM unnest(CAST(:company_ids AS uuid[]),"
    "  CAST(:company_counts AS int[])) AS b(id, n)),"
    " candidates AS ("
    " SELECT d.id, d.subscription_id, ev.company_id, d.next_attempt_at FROM gateway.push_deliveries d"
    " JOIN gateway.push_events ev ON ev.id = d.event_id"
    " WHERE d.status = 'PENDING' AND d.next_attempt_at <= now()"
    " AND d.subscription_id <> ALL(CAST(:subscription_full AS uuid[]))"
    " AND ev.company_id <> ALL(CAST(:company_full AS uuid[]))"
    # A booking's pushes reach a device in the order they happened: one waits while an
    # earlier one of the same booking to the same device is pending (in flight or retrying),
    # else a 'cancelled' could arrive first and be replaced by the 'confirmed' (one tag).
    " AND NOT EXISTS (SELECT 1 FROM gateway.push_deliveries p"
    "  JOIN gateway.push_events pe ON pe.id = p.event_id"
    "  WHERE p.subscription_id = d.subscription_id AND p.status = 'PENDING'"
    "  AND pe.booking_id = ev.booking_id AND (pe.occurred_at, p.id) < (ev.occurred_at, d.id))"
    " ORDER BY d.next_attempt_at LIMIT :scan"
    " FOR UPDATE OF d SKIP LOCKED),"
    " per_subscription AS ("
    " SELECT c.*, row_number() OVER (PARTITION BY c.subscription_id ORDER BY c.next_attempt_at, c.id)"
    "  + coalesce(b.n, 0) AS taken"
    " FROM candidates c LEFT JOIN busy_subscriptions b ON b.id = c.subscription_id),"
    " per_company AS ("
    " SELECT c.id, c.next_attempt_at, row_number() OVER (PARTITION BY c.company_id"
    "  ORDER BY c.next_attempt_at, c.id) + coalesce(b.n, 0) AS taken"
    " FROM per_subscription c LEFT JOIN busy_companies b ON b.id = c.company_id"
    " WHERE c.taken <= :per_subscription),"
    " due AS (SELECT id FROM per_company WHERE taken <= :per_company"
    " ORDER BY next_attempt_at LIMIT :batch)"
    " UPDATE gateway.push_deliveries d"
    " SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => :lease)"
    " FROM due, gateway.push_subscriptions s, gateway.push_events ev"
    " WHERE d.id = due.id AND s.id = d.subscription_id AND ev.id = d.event_id"
    " RETURNING d.id, d.attempts, d.subscription_id, ev.company_id, s.endpoint, s.p256dh, s.auth,"
    " ev.payload"
)
_SENT = text(
    "UPDATE gateway.push_deliveries SET status = 'SUCCEEDED', completed_at = now(),"
    " last_status_code = :code, last_error = NULL"
    " WHERE id = :id AND attempts = :attempt AND status = 'PENDING' RETURNING subscription_id"
)
_SUBSCRIPTION_SENT = text("UPDATE gateway.push_subscriptions SET last_success_at = now() WHERE id = :id")
# Retried after the back-off while the event is fresh and the failure is one to retry.
_FAILED = text(
    "UPDATE gateway.push_deliveries SET"
    " status = CASE WHEN :final OR created_at <= now() - CAST(:give_up AS interval)"
    "  THEN 'FAILED' ELSE 'PENDING' END,"
    " completed_at = CASE WHEN :final OR created_at <= now() - CAST(:give_up AS interval) THEN now() END,"
    " next_attempt_at = now() + make_interval(secs => :delay),"
    " last_status_code = :code, last_error = :error"
    " WHERE id = :id AND attempts = :attempt AND status = 'PENDING' RETURNING id"
)
_GONE = text("DELETE FROM gateway.push_subscriptions WHERE id = :id")


@dataclass(frozen=True)
class Claimed:
    id: str
    attempt: int
    subscription_id: str
    company_id: str
    endpoint: str
    p256dh: str
    auth: str
    payload: str
    # The event loop's time by which its attempt must have ended (outbound.lease_ends).
    lease_end: float = field(default=math.inf, compare=False)

    def __repr__(self) -> str:  # the device's keys and endpoint stay out of any log
        return f"Claimed(id={self.id!r}, attempt={self.attempt})"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    # Bytes of the answer's body read (at most outbound.ANSWER_BYTES; none of it is kept).
    answer_bytes: int = 0

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code in GONE

    @property
    def final(self) -> bool:
        """A 4xx but 408 and 429 will not change on a retry (e.g. 413, 400, 403)."""
        return (
            self.status_code is not None
            and 400 <= self.status_code < 500
            and self.status_code not in (408, 429)
        )


class Dispatcher(ConcurrentDispatch[Claimed]):
    kind = "push delivery"
    max_in_flight = MAX_IN_FLIGHT

    def __init__(
        self,
        db: Database,
        vapid: VapidKey,
        *,
        allow_loopback: bool,
        poll_seconds: float = 1.0,
        http: httpx.AsyncClient | None = None,
        timeout_seconds: float = TIMEOUT_SECONDS,
    ) -> None:
        super().__init__(poll_seconds)
        self.db = db
        self.vapid = vapid
        self.allow_loopback = allow_loopback
        self.timeout_seconds = timeout_seconds
        # Connects only to the address it judged (no DNS rebinding between the check and the push).
        self.http = http or guarded_client(
            timeout=TIMEOUT_SECONDS, refusal="INVALID_PUSH_ENDPOINT", loopback=allow_loopback
        )

    async def claim(self, limit: int = MAX_IN_FLIGHT) -> list[Claimed]:
        """Fails what went stale, then leases up to `limit` due deliveries that fit the limits
        beside those in flight."""
        values = {
            "batch": limit,
            "scan": SCAN,
            "lease": float(LEASE_SECONDS),
            "per_subscription": PER_SUBSCRIPTION,
            "per_company": PER_COMPANY,
            **self.in_flight_by("subscription", lambda c: c.subscription_id, PER_SUBSCRIPTION),
            **self.in_flight_by("company", lambda c: c.company_id, PER_COMPANY),
        }
        # Before the transaction: the database's lease starts at or after it.
        lease_end = outbound.lease_ends(asyncio.get_running_loop().time(), LEASE_SECONDS)
        async with self.db.transaction() as conn:
            await conn.execute(_EXPIRE, {"give_up": GIVE_UP_AFTER})
            rows = await conn.execute(_CLAIM, values)
            return [
                Claimed(
                    str(r.id),
                    r.attempts,
                    str(r.subscription_id),
                    str(r.company_id),
                    r.endpoint,
                    r.p256dh,
                    r.auth,
                    r.payload,
                    lease_end,
                )
                for r in rows
            ]

    def request(self, claimed: Claimed) -> tuple[bytes, dict[str, str]]:
        """The encrypted body (aes128gcm, for the device's keys) and the headers of one push."""
        pusher = WebPusher(
            {"endpoint": claimed.endpoint, "keys": {"p256dh": claimed.p256dh, "auth": claimed.auth}}
        )
        body: bytes = pusher.encode(claimed.payload.encode(), "aes128gcm")["body"]
        return body, {
            "Authorization": self.vapid.authorization(claimed.endpoint),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(TTL_SECONDS),
            "Urgency": "high",
        }

    async def post(self, claimed: Claimed) -> Outcome:
        """One attempt, cut at its deadline (a TIMEOUT, retried like any failure); the status
        decides it, of the body at most outbound.ANSWER_BYTES is read."""
        try:
            async with asyncio.timeout_at(outbound.attempt_deadline(self.timeout_seconds, claimed.lease_end)):
                await check_endpoint(claimed.endpoint, allow_loopback=self.allow_loopback)
                # Encrypting makes an ephemeral P-256 key and an ECDH: CPU work, off the event loop.
                body, headers = await asyncio.to_thread(self.request, claimed)
                answer = await outbound.post(self.http, claimed.endpoint, content=body, headers=headers)
        except ServiceError as refused:
            return Outcome(None, refused.reason)
        except (WebPushException, ValueError) as bad_keys:  # keys the device sent are not usable
            return Outcome(None, f"INVALID_SUBSCRIPTION_KEYS ({type(bad_keys).__name__})")
        except (TimeoutError, httpx.TimeoutException):
            return Outcome(None, "TIMEOUT")
        except httpx.HTTPError as failure:
            # The class only: an error's text may repeat the endpoint.
            return Outcome(None, f"CONNECTION_FAILED ({type(failure).__name__})")
        ok = 200 <= answer.status_code < 300
        return Outcome(answer.status_code, None if ok else f"HTTP {answer.status_code}", answer.body_bytes)

    async def record(self, claimed: Claimed, outcome: Outcome) -> bool:
        """Records the attempt's outcome only while it is the delivery's latest attempt and the
        delivery is pending (the updates are conditional on it): a late outcome of an attempt
        whose lease another claim took over writes nothing. True when recorded (a subscription
        gone is dropped whatever the attempt)."""
        values = {"id": claimed.id, "attempt": claimed.attempt, "code": outcome.status_code}
        async with self.db.transaction() as conn:
            if outcome.gone:
                await conn.execute(_GONE, {"id": claimed.subscription_id})
                log.info(
                    "push subscription %s dropped: the push service answered %s",
                    claimed.subscription_id,
                    outcome.status_code,
                )
                return True
            if outcome.ok:
                recorded = (await conn.execute(_SENT, values)).first() is not None
                if recorded:
                    await conn.execute(_SUBSCRIPTION_SENT, {"id": claimed.subscription_id})
            else:
                changed = await conn.execute(
                    _FAILED,
                    {
                        **values,
                        "error": outcome.error,
                        "final": outcome.final,
                        "delay": float(retry_delay_seconds(claimed.attempt)),
                        "give_up": GIVE_UP_AFTER,
                    },
                )
                recorded = changed.first() is not None
            if not recorded:
                log.warning(
                    "push delivery %s attempt %s: outcome not recorded, its lease was taken over",
                    claimed.id,
                    claimed.attempt,
                )
            return recorded

    async def deliver(self, claimed: Claimed) -> None:
        await self.record(claimed, await self.post(claimed))


async def start(
    nats_url: str, db: Database, vapid: VapidKey, *, allow_loopback: bool, poll_seconds: float = 1.0
) -> tuple[Dispatcher, Callable[[], Awaitable[None]]]:
    """Consumes booking events and dispatches pushes until the answered stop is awaited."""
    dispatcher = Dispatcher(db, vapid, allow_loopback=allow_loopback, poll_seconds=poll_seconds)
    stop = await start_pair(
        nats_url,
        name="gateway-push",
        durable=DURABLE,
        store=consumer(db),
        dispatcher=dispatcher,
        closers=[dispatcher.http.aclose],
    )
    return dispatcher, stop
