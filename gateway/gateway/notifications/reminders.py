"""Check-in reminders: an e-mail to the customer or guest `reminder_hours` (GATEWAY_REMINDER_HOURS,
24 by default) before a confirmed booking starts.

A periodic job of the gateway's notifier (every `reminder_sweep_seconds`) asks the services
what is due - the catalog's companies, then each company's CONFIRMED bookings whose time
overlaps the window from now to now + `hours` (bookings' ListBookings) - keeps those starting
inside it, and writes one message row per booking into the notifications' outbox, sent by
the dispatcher like the other e-mails. The business key is the event id
`booking.check_in_reminder:<booking id>`: each booking is reminded once, however many
replicas run the job and however often; a booking made inside the window is reminded at the
next run. Nothing is kept in memory: a restart loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from gateway.notifications import content
from gateway.notifications.delivery import _NEW_MESSAGE, Notifier
from plumbing.db import Database

log = logging.getLogger(__name__)

KIND = "check_in_reminder"
EVENT_TYPE = content.EVENT_TYPE_OF_KIND[KIND]
PAGE_SIZE = 200

_WRITTEN = text("SELECT 1 FROM gateway.notification_messages WHERE event_id = :event_id LIMIT 1")


def event_id(booking_id: str) -> str:
    return f"{EVENT_TYPE}:{booking_id}"


class Reminders:
    def __init__(self, db: Database, notifier: Notifier, *, hours: float) -> None:
        self.db = db
        self.notifier = notifier
        self.window = timedelta(hours=hours)

    async def _companies(self) -> AsyncIterator[str]:
        token = ""
        while True:
            reply = await self.notifier.clients.catalog.ListCompanies(
                catalog_pb2.ListCompaniesRequest(page_size=PAGE_SIZE, page_token=token)
            )
            for company in reply.companies:
                yield str(company.id)
            token = reply.next_page_token
            if not token:
                return

    async def due(self, now: datetime) -> list[bookings_pb2.Booking]:
        """The confirmed bookings starting after `now` and at most `hours` later."""
        found = []
        until = now + self.window
        async for company_id in self._companies():
            token = ""
            while True:
                request = bookings_pb2.ListBookingsRequest(
                    company_id=company_id,
                    statuses=[bookings_pb2.BOOKING_STATUS_CONFIRMED],
                    page_size=PAGE_SIZE,
                    page_token=token,
                )
                request.start_time.FromDatetime(now)
                request.end_time.FromDatetime(until)
                reply = await self.notifier.clients.bookings.ListBookings(request)
                found += [b for b in reply.bookings if now < b.start_time.ToDatetime(tzinfo=UTC) <= until]
                token = reply.next_page_token
                if not reply.has_more or not token:
                    break
        return found

    async def remind(self, booking: bookings_pb2.Booking) -> bool:
        """Writes the booking's reminder unless it exists; True when this call wrote it."""
        key = event_id(booking.id)
        async with self.db.transaction() as conn:
            if (await conn.execute(_WRITTEN, {"event_id": key})).first() is not None:
                return False
        data = {
            "booking_id": booking.id,
            "company_id": booking.company_id,
            "customer_id": booking.customer_id,
        }
        found = await self.notifier.facts(data)
        if found is None:
            return False
        facts, email_address = found
        if email_address is None:
            return False
        email = content.render(
            KIND,
            facts,
            audience="CUSTOMER",
            organizer=self.notifier.sender,
            public_url=self.notifier.public_url,
        )
        async with self.db.transaction() as conn:
            written = await conn.execute(
                _NEW_MESSAGE,
                {
                    "id": str(uuid.uuid4()),
                    "event_id": key,
                    "event_type": EVENT_TYPE,
                    "company_id": facts.company_id,
                    "booking_id": facts.booking_id,
                    "recipient": email_address,
                    "audience": "CUSTOMER",
                    "subject": email.subject,
                    "text_body": email.text,
                    "html_body": email.html,
                    "ics": None,
                    "occurred_at": datetime.now(UTC),
                },
            )
        return bool(written.rowcount)

    async def run_once(self) -> int:
        """One look for due bookings; answers how many reminders it wrote."""
        written = 0
        for booking in await self.due(datetime.now(UTC)):
            try:
                written += await self.remind(booking)
            except Exception:
                log.exception(
                    "check-in reminder of booking %s not written; the next run tries again", booking.id
                )
        if written:
            log.info("check-in reminders: %d written", written)
        return written


async def run_forever(reminders: Reminders, interval: float, wake: asyncio.Event) -> None:
    """The job: one look every `interval` seconds; the dispatcher is woken when it wrote some."""
    while True:
        try:
            if await reminders.run_once():
                wake.set()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("check-in reminders failed; trying again")
        await asyncio.sleep(interval)
