"""From booking events to e-mails, through an outbox.

The consumer (durable `gateway-notifications` on `bookings.events.>`, through its own inbox,
`gateway.notification_inbox`) reads what the e-mail needs outside any transaction (the
`prepare` phase: bookings' GetBooking, the catalog's company, resource and customer or guest),
renders it (gateway.notifications.content) and, in the inbox transaction, writes one message
row per recipient - the customer or guest, and for some kinds the company's staff (its active
company admins and its contact address) - `ON CONFLICT (event_id, recipient) DO NOTHING`.

The dispatcher claims due rows with `FOR UPDATE SKIP LOCKED` (several gateway replicas share
the work), a booking's messages to one recipient one after the other in their events' order,
leases each by moving `next_attempt_at` LEASE_SECONDS on and counting the attempt, commits,
sends it by SMTP, and records the outcome with an update conditional on that very attempt:
SENT, a retry after an exponential back-off, or FAILED (a 5xx answer at once, any other
failure a day after the event).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
from google.protobuf.json_format import MessageToDict
from google.protobuf.struct_pb2 import Struct
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from gateway.booking_events import start_pair
from gateway.clients import Clients
from gateway.notifications import content, mailer, tables
from plumbing.db import Database
from plumbing.inbox_consumer import Delivery, InboxConsumer
from plumbing.tasks import wait_for_event

log = logging.getLogger(__name__)

DURABLE = "gateway-notifications"
LEASE_SECONDS = 120
FIRST_RETRY_SECONDS = 30.0
LONGEST_RETRY_SECONDS = 3600.0
GIVE_UP_AFTER = timedelta(days=1)
BATCH = 20
RESOURCE_NAME_SECONDS = 60.0
RESOURCE_NAMES_KEPT = 10_000


def retry_delay_seconds(attempts: int, first: float = FIRST_RETRY_SECONDS) -> float:
    """first, 2 x first, 4 x first, ... at most an hour between attempts (attempts = those made)."""
    return float(min(first * 2 ** max(attempts - 1, 0), LONGEST_RETRY_SECONDS))


# ---- the consumer -------------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """One event's e-mails, rendered: the customer's (None without an address) and the staff's."""

    kind: str
    event_type: str
    company_id: str
    booking_id: str
    occurred_at: datetime
    customer_email: str | None
    company_email: str | None
    customer: content.Email
    staff: content.Email | None


def _time(ts: Any) -> datetime | None:
    return ts.ToDatetime(tzinfo=UTC) if ts.seconds else None


def _refund(data: dict[str, Any]) -> content.Refund:
    refund = data.get("refund") or {}
    return content.Refund(**{k: int(refund.get(k) or 0) for k in content.Refund.__dataclass_fields__})


def _at(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _change(data: dict[str, Any]) -> tuple[content.Change, datetime | None, datetime | None, int] | None:
    """A `changed` event's `change`: the old period and the money moved, and the new period's
    start, end and total (what the e-mail shows as the booking now, as the event told it). A
    `change_failed` event's: the same periods and totals, with its `reason` and no money."""
    change = data.get("change")
    if not isinstance(change, dict):
        return None

    def minor(part: str, key: str) -> int:
        found = change.get(part)
        return int(found.get(key) or 0) if isinstance(found, dict) else 0

    old, new = change.get("old_period") or {}, change.get("new_period") or {}
    told = content.Change(
        old_start=_at(old.get("start_time")),
        old_end=_at(old.get("end_time")),
        old_total_minor=int(change.get("old_total_minor") or 0),
        charged_card_minor=minor("charged", "card_minor"),
        charged_wallet_minor=minor("charged", "wallet_minor"),
        charged_bonus_minor=minor("charged", "bonus_minor"),
        refund_percent=minor("refunded", "percent"),
        refunded_card_minor=minor("refunded", "card_minor"),
        refunded_wallet_minor=minor("refunded", "wallet_minor"),
        refunded_bonus_minor=minor("refunded", "bonus_minor"),
        kept_card_minor=minor("kept", "card_minor"),
        kept_wallet_minor=minor("kept", "wallet_minor"),
        new_start=_at(new.get("start_time")),
        new_end=_at(new.get("end_time")),
        new_total_minor=int(change.get("new_total_minor") or 0),
        reason=str(change.get("reason") or ""),
    )
    return told, _at(new.get("start_time")), _at(new.get("end_time")), int(change.get("new_total_minor") or 0)


class Notifier:
    """The consumer's two hooks: read and render (prepare), then write the rows (apply)."""

    def __init__(self, clients: Clients, *, sender: str, public_url: str = "") -> None:
        self.clients = clients
        self.sender = sender
        self.public_url = public_url  # the manage link's base (GATEWAY_PUBLIC_URL), or ""
        # resource id -> (its name, when read): a rename shows in e-mails within a minute.
        self.resource_names: dict[str, tuple[str, float]] = {}

    async def resource_name(self, resource_id: str) -> str:
        cached = self.resource_names.get(resource_id)
        if cached is not None and time.monotonic() - cached[1] < RESOURCE_NAME_SECONDS:
            return cached[0]
        reply = await self.clients.catalog.GetResource(
            catalog_pb2.GetResourceRequest(resource_id=resource_id)
        )
        if len(self.resource_names) >= RESOURCE_NAMES_KEPT:
            self.resource_names.clear()
        self.resource_names[resource_id] = (reply.resource.name, time.monotonic())
        return str(reply.resource.name)

    async def facts(self, data: dict[str, Any]) -> tuple[content.BookingFacts, str | None] | None:
        """The booking as e-mails show it, and the customer's (or guest's) address."""
        # The event names the company and the customer: read them beside the booking; the
        # resource (the booking names it) after, from a short cache (names rarely change).
        try:
            reply, company, customer = await asyncio.gather(
                self.clients.bookings.GetBooking(
                    bookings_pb2.GetBookingRequest(booking_id=data["booking_id"])
                ),
                self.clients.catalog.GetCompany(catalog_pb2.GetCompanyRequest(company_id=data["company_id"])),
                self.clients.catalog.GetCustomer(
                    catalog_pb2.GetCustomerRequest(customer_id=data["customer_id"])
                ),
            )
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise
        booking = reply.booking
        resource_name = await self.resource_name(booking.resource_id)
        c = company.company
        reject_reason = data.get("reject_reason") or booking.reject_reason or None
        facts = content.BookingFacts(
            booking_id=booking.id,
            company_id=booking.company_id,
            company_name=c.name,
            time_zone=c.time_zone,
            resource_name=resource_name,
            start=_time(booking.start_time),
            end=_time(booking.end_time),
            quantity=booking.quantity,
            currency=booking.total_price.currency_code or c.currency_code,
            total_minor=booking.total_price.amount_minor,
            status=bookings_pb2.BookingStatus.Name(booking.status).removeprefix("BOOKING_STATUS_"),
            customer_name=customer.customer.display_name,
            reject_reason=reject_reason,
            amount_due_minor=booking.amount_due_minor,
            cancel_reason=booking.cancel_reason,
            company_email=c.contact_email,
            company_phone=c.contact_phone,
            company_address=c.address,
            refund=_refund(data),
            check_in_deadline=_time(booking.check_in_deadline_time),
            created_at=_time(booking.create_time),
        )
        changed = _change(data)
        if changed is not None and changed[0].reason:
            # A change that could not be made: the booking keeps its period and total, as told.
            told = changed[0]
            facts = replace(
                facts,
                change=told,
                start=told.old_start or facts.start,
                end=told.old_end or facts.end,
                total_minor=told.old_total_minor,
                reject_reason=told.reason,
            )
        elif changed is not None:
            told, start, end, total = changed
            facts = replace(
                facts, change=told, start=start or facts.start, end=end or facts.end, total_minor=total
            )
        return facts, customer.customer.email.strip().lower() or None

    async def prepare(self, delivery: Delivery[Struct, Prepared | None]) -> Prepared | None:
        kind = content.KIND_OF_SUBJECT.get(delivery.subject.rsplit(".", 1)[-1])
        if kind is None:
            return None  # no e-mail for this event (e.g. cancelling: cancelled follows)
        data: dict[str, Any] = MessageToDict(delivery.message)
        found = await self.facts(data)
        if found is None:
            log.warning("notification skipped: booking %s not found", data.get("booking_id"))
            return None
        facts, email = found
        occurred_at = datetime.fromisoformat(data["occurred_at"])
        return Prepared(
            kind=kind,
            event_type=content.EVENT_TYPE_OF_KIND[kind],
            company_id=facts.company_id,
            booking_id=facts.booking_id,
            occurred_at=occurred_at,
            customer_email=email,
            company_email=facts.company_email.strip().lower() or None,
            customer=content.render(
                kind,
                facts,
                audience="CUSTOMER",
                organizer=self.sender,
                public_url=self.public_url,
                revised_at=occurred_at,
            ),
            staff=(
                content.render(kind, facts, audience="STAFF", organizer=self.sender, revised_at=occurred_at)
                if kind in content.STAFF_KINDS
                else None
            ),
        )

    async def apply(self, conn: AsyncConnection, delivery: Delivery[Struct, Prepared | None]) -> None:
        prepared = delivery.prepared
        if prepared is None:
            return
        rows: list[tuple[str, str, content.Email]] = []
        if prepared.customer_email:
            rows.append((prepared.customer_email, "CUSTOMER", prepared.customer))
        if prepared.staff is not None:
            staff = await staff_addresses(conn, prepared.company_id, prepared.company_email)
            rows += [(a, "STAFF", prepared.staff) for a in staff if a != prepared.customer_email]
        for recipient, audience, email in rows:
            await conn.execute(
                _NEW_MESSAGE,
                {
                    "id": str(uuid.uuid4()),
                    "event_id": delivery.message_id,
                    "event_type": prepared.event_type,
                    "company_id": prepared.company_id,
                    "booking_id": prepared.booking_id,
                    "recipient": recipient,
                    "audience": audience,
                    "subject": email.subject,
                    "text_body": email.text,
                    "html_body": email.html,
                    "ics": email.ics,
                    "occurred_at": prepared.occurred_at,
                },
            )


_NEW_MESSAGE = text(
    "INSERT INTO gateway.notification_messages (id, event_id, event_type, company_id, booking_id,"
    " recipient, audience, subject, text_body, html_body, ics, occurred_at)"
    " VALUES (:id, :event_id, :event_type, :company_id, :booking_id, :recipient, :audience,"
    " :subject, :text_body, :html_body, :ics, :occurred_at)"
    " ON CONFLICT (event_id, recipient) DO NOTHING"
)

_STAFF = text(
    "SELECT DISTINCT email FROM gateway.users WHERE company_id = :company_id"
    " AND role = 'COMPANY_ADMIN' AND deactivated_at IS NULL ORDER BY email"
)


async def staff_addresses(conn: AsyncConnection, company_id: str, contact: str | None) -> list[str]:
    """The company's active company admins' addresses (gateway.users) and its contact address
    (the catalog's), each once."""
    rows = await conn.execute(_STAFF, {"company_id": company_id})
    found = [str(r.email) for r in rows]
    return sorted({*found, contact} if contact else set(found))


async def write_endpoint_disabled(
    conn: AsyncConnection,
    *,
    company_id: str,
    endpoint_id: str,
    url: str,
    disabled_at: datetime,
    failures: int,
) -> int:
    """The notice to the company's active admins that a failing webhook endpoint was disabled,
    written in the transaction that disabled it (the webhooks' dispatcher); sent like the
    other e-mails. Once per endpoint and disable time: the business key is the event id
    `webhook_endpoint.disabled:<endpoint id>:<disable time>`. Answers how many rows were new."""
    email = content.render_endpoint_disabled(url=url, disabled_at=disabled_at, failures=failures)
    event_id = f"{content.ENDPOINT_DISABLED}:{endpoint_id}:{disabled_at.astimezone(UTC).isoformat()}"
    written = 0
    for recipient in await staff_addresses(conn, company_id, None):
        result = await conn.execute(
            _NEW_MESSAGE,
            {
                "id": str(uuid.uuid4()),
                "event_id": event_id,
                "event_type": content.ENDPOINT_DISABLED,
                "company_id": company_id,
                "booking_id": None,
                "recipient": recipient,
                "audience": "STAFF",
                "subject": email.subject,
                "text_body": email.text,
                "html_body": email.html,
                "ics": None,
                "occurred_at": disabled_at,
            },
        )
        written += result.rowcount
    return written


async def write_signup_code(
    conn: AsyncConnection, *, company_id: str, company: str, email: str, code: str
) -> bool:
    """The e-mail with a sign-up code (gateway.routes.auth), sent like the others; once per
    code: asking again within its hour sends nothing new. True when it was written now."""
    message = content.render_signup_code(company=company, code=code)
    # Named by a digest of the code, never the code: event ids show in logs and pages.
    digest = hashlib.sha256(code.encode()).hexdigest()[:24]
    result = await conn.execute(
        _NEW_MESSAGE,
        {
            "id": str(uuid.uuid4()),
            "event_id": f"{content.SIGNUP_CODE}:{company_id}:{digest}",
            "event_type": content.SIGNUP_CODE,
            "company_id": company_id,
            "booking_id": None,
            "recipient": email,
            "audience": "CUSTOMER",
            "subject": message.subject,
            "text_body": message.text,
            "html_body": message.html,
            "ics": None,
            "occurred_at": datetime.now(UTC),
        },
    )
    return result.rowcount == 1


async def write_password_reset(
    conn: AsyncConnection,
    *,
    company_id: str,
    company: str,
    email: str,
    audience: str,
    reset_id: str,
    token: str,
    code_url: str,
) -> None:
    """The e-mail with a password reset's token (gateway.routes.auth), in the transaction that
    opens the reset: a reset exists exactly when its e-mail is on its way. `code_url`: the page
    to type the token on."""
    message = content.render_password_reset(company=company, token=token, code_url=code_url)
    await conn.execute(
        _NEW_MESSAGE,
        {
            "id": str(uuid.uuid4()),
            # Named by the reset's id, never its token: event ids show in logs and pages.
            "event_id": f"{content.PASSWORD_RESET}:{reset_id}",
            "event_type": content.PASSWORD_RESET,
            "company_id": company_id,
            "booking_id": None,
            "recipient": email,
            "audience": audience,
            "subject": message.subject,
            "text_body": message.text,
            "html_body": message.html,
            "ics": None,
            "occurred_at": datetime.now(UTC),
        },
    )


async def write_invitation(
    conn: AsyncConnection,
    *,
    company_id: str,
    invite_id: str,
    email: str,
    audience: str,
    message: content.Email,
    code: str,
) -> None:
    """The invitation e-mail (gateway.routes.admin_users), in the transaction that creates the
    invitation: it is on its way exactly when the invitation exists. A retry of the request gives
    the invitation a new code (the old one stops working), so each code has its own e-mail."""
    # Named by the invitation's id and a digest of the code, never the code: event ids show in
    # logs and pages.
    digest = hashlib.sha256(code.encode()).hexdigest()[:24]
    await conn.execute(
        _NEW_MESSAGE,
        {
            "id": str(uuid.uuid4()),
            "event_id": f"{content.INVITATION}:{invite_id}:{digest}",
            "event_type": content.INVITATION,
            "company_id": company_id,
            "booking_id": None,
            "recipient": email,
            "audience": audience,
            "subject": message.subject,
            "text_body": message.text,
            "html_body": message.html,
            "ics": None,
            "occurred_at": datetime.now(UTC),
        },
    )


def consumer(db: Database, notifier: Notifier) -> InboxConsumer[Struct, Prepared | None]:
    return InboxConsumer(
        name=DURABLE,
        db=db,
        inbox=tables.inbox,
        decode=Struct.FromString,
        prepare=notifier.prepare,
        apply=notifier.apply,
        span_name=lambda event: "write booking e-mails",
    )


# ---- the dispatcher ---------------------------------------------------------------------

# A message waits while an earlier one of the same booking to the same recipient is still
# pending (being sent, or retried): a "you missed it" e-mail and its correction, a
# confirmation and its cancellation, reach the inbox in the order they happened, never the
# correction first. Messages of no booking (NULL) wait for nothing.
_CLAIM = text(
    "WITH due AS ("
    " SELECT id FROM gateway.notification_messages m"
    " WHERE status = 'PENDING' AND next_attempt_at <= now()"
    " AND NOT EXISTS (SELECT 1 FROM gateway.notification_messages e"
    "  WHERE e.status = 'PENDING' AND e.booking_id = m.booking_id AND e.recipient = m.recipient"
    "  AND (e.occurred_at, e.created_at, e.id) < (m.occurred_at, m.created_at, m.id))"
    " ORDER BY next_attempt_at LIMIT :batch"
    " FOR UPDATE SKIP LOCKED)"
    " UPDATE gateway.notification_messages m"
    " SET attempts = m.attempts + 1, next_attempt_at = now() + make_interval(secs => :lease)"
    " FROM due WHERE m.id = due.id"
    " RETURNING m.id, m.attempts, m.recipient, m.subject, m.text_body, m.html_body, m.ics, m.event_type"
)
_SENT = text(
    "UPDATE gateway.notification_messages SET status = 'SENT', sent_at = now(), completed_at = now(),"
    " last_error = NULL"
    " WHERE id = :id AND attempts = :attempt AND status = 'PENDING'"
)
# Retried after the back-off; FAILED at once when refused for good, or a day after the event.
_FAILED = text(
    "UPDATE gateway.notification_messages SET"
    " status = CASE WHEN :permanent OR created_at <= now() - CAST(:give_up AS interval)"
    "  THEN 'FAILED' ELSE 'PENDING' END,"
    " completed_at = CASE WHEN :permanent OR created_at <= now() - CAST(:give_up AS interval)"
    "  THEN now() END,"
    " next_attempt_at = now() + make_interval(secs => :delay),"
    " last_error = :error"
    " WHERE id = :id AND attempts = :attempt AND status = 'PENDING'"
    " RETURNING status"
)


class Dispatcher:
    def __init__(
        self,
        db: Database,
        smtp: mailer.SmtpSettings,
        *,
        first_retry_seconds: float = FIRST_RETRY_SECONDS,
        poll_seconds: float = 1.0,
    ) -> None:
        self.db = db
        self.smtp = smtp
        self.first_retry_seconds = first_retry_seconds
        self.poll_seconds = poll_seconds
        self.wakeup = asyncio.Event()

    async def claim(self) -> list[tuple[int, mailer.Outgoing]]:
        async with self.db.transaction() as conn:
            rows = await conn.execute(_CLAIM, {"batch": BATCH, "lease": float(LEASE_SECONDS)})
            return [
                (
                    r.attempts,
                    mailer.Outgoing(
                        id=str(r.id),
                        recipient=r.recipient,
                        subject=r.subject,
                        text=r.text_body,
                        html=r.html_body,
                        ics=r.ics,
                        cancel=r.event_type == "booking.cancelled",
                    ),
                )
                for r in rows
            ]

    async def record(self, outgoing: mailer.Outgoing, attempt: int, outcome: mailer.Outcome) -> None:
        values = {"id": outgoing.id, "attempt": attempt}
        async with self.db.transaction() as conn:
            if outcome.sent:
                await conn.execute(_SENT, values)
                return
            row = (
                await conn.execute(
                    _FAILED,
                    {
                        **values,
                        "error": outcome.error,
                        "permanent": outcome.permanent,
                        "delay": retry_delay_seconds(attempt, self.first_retry_seconds),
                        "give_up": GIVE_UP_AFTER,
                    },
                )
            ).first()
        if row is not None and row.status == "FAILED":
            log.warning("notification %s FAILED after %d attempt(s): %s", outgoing.id, attempt, outcome.error)

    async def deliver(self, attempt: int, outgoing: mailer.Outgoing) -> None:
        await self.record(outgoing, attempt, await mailer.send(outgoing, self.smtp))

    async def run_once(self) -> int:
        claimed = await self.claim()
        results = await asyncio.gather(*(self.deliver(a, o) for a, o in claimed), return_exceptions=True)
        for (_, outgoing), result in zip(claimed, results, strict=True):
            if isinstance(result, Exception):
                # Its lease ends and it is tried again.
                log.warning("notification %s: outcome not recorded (%s)", outgoing.id, type(result).__name__)
        return len(claimed)

    async def run_forever(self) -> None:
        while True:
            self.wakeup.clear()
            try:
                if await self.run_once():
                    continue
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("notification dispatch failed; trying again")
            await wait_for_event(self.wakeup, self.poll_seconds)


async def start(
    nats_url: str,
    db: Database,
    clients: Clients,
    smtp: mailer.SmtpSettings,
    *,
    first_retry_seconds: float = FIRST_RETRY_SECONDS,
    poll_seconds: float = 1.0,
    public_url: str = "",
) -> tuple[Dispatcher, Callable[[], Awaitable[None]]]:
    """Consumes booking events and sends their e-mails until the answered stop is awaited."""
    dispatcher = Dispatcher(db, smtp, first_retry_seconds=first_retry_seconds, poll_seconds=poll_seconds)
    stop = await start_pair(
        nats_url,
        name="gateway-notifications",
        durable=DURABLE,
        store=consumer(db, Notifier(clients, sender=smtp.sender, public_url=public_url)),
        dispatcher=dispatcher,
    )
    return dispatcher, stop
