"""E-mail notifications and calendar feeds, against the real platform: the gateway sends its
e-mails to the local SMTP sink the test platform starts (plumbing.mailsink), and the tests
read what was delivered there.

- A confirmation reaches the customer with a text and an HTML part and a booking.ics whose UID
  and period are the booking's; the company's admin gets a staff copy. The time from the
  saga's confirmation (the booking's update_time) to the e-mail's arrival is printed.
- A sink that answers the first two attempts 451 still gets the message exactly once, after
  the retries (the first retry after NOTIFICATIONS_FIRST_RETRY_SECONDS in tests).
- A rejected booking's e-mail says why in words; a cancellation's carries METHOD:CANCEL, and
  the refund's e-mail follows; a 5xx refusal makes the message FAILED with its error shown on
  the console page (to its company's admins, not another company's).
- A missed check-in: once the lifecycle sweep marks the booking NO_SHOW, the customer gets a
  "You missed your booking" e-mail (text + HTML, no .ics) saying what the policy kept, and a
  webhook endpoint subscribed to `booking.no_show` gets a delivery of it.
- Check-in reminders: a confirmed booking starting inside the window (3 hours here) gets one
  reminder e-mail however often the job runs; one starting later is not yet due.
- Calendar feeds: created by a company admin (the URL answered once), they answer VEVENTs for
  the confirmed bookings; revoked, 404; another company's feed id is refused.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import cast
from zoneinfo import ZoneInfo

import httpx
import pytest
from icalendar import Calendar
from sqlalchemy import text

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2
from bookings.service.lifecycle import Lifecycle
from gateway.clients import Clients
from gateway.notifications.delivery import Notifier
from gateway.notifications.mailer import SMTPUTF8_NOT_SUPPORTED
from gateway.notifications.reminders import Reminders
from plumbing.mailsink import Received, parts
from plumbing.testing import eventually

pytestmark = pytest.mark.e2e


async def login(platform, role: str, company_id: str | None) -> tuple[httpx.AsyncClient, str]:
    email = f"{role.lower().replace('_', '-')}-{uuid.uuid4().hex[:8]}@example.com"
    await platform.users.create_user(email=email, password="secret-pass", role=role, company_id=company_id)
    client = httpx.AsyncClient(base_url=platform.gateway_url, timeout=30)
    token = await client.post("/v1/auth/token", json={"email": email, "password": "secret-pass"})
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return client, email


def once() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def email_of(platform, customer_id: str) -> str:
    reply = await platform.catalog.GetCustomer(catalog_pb2.GetCustomerRequest(customer_id=customer_id))
    return str(reply.customer.email)


async def mail_to(platform, address: str, count: int = 1, subject_prefix: str = "") -> list[Received]:
    async def arrived() -> list[Received] | None:
        found = [r for r in platform.mail.to(address) if r.message["Subject"].startswith(subject_prefix)]
        return found if len(found) >= count else None

    return await eventually(arrived, message=f"no e-mail '{subject_prefix}...' reached {address}")


async def rows_of(platform, booking_id: str) -> list[dict]:
    async with platform.db.transaction() as conn:
        rows = await conn.execute(
            text(
                "SELECT * FROM gateway.notification_messages WHERE booking_id = :b"
                " ORDER BY created_at, recipient"
            ),
            {"b": booking_id},
        )
        return [dict(r._mapping) for r in rows]


async def book(tenant, customer, **payment) -> str:
    session = await tenant.session(price_minor=2000)
    booked = await customer.book(session.id, **payment)
    assert booked.status_code in (200, 201, 202), booked.text
    return str(booked.json()["id"])


def seconds(value: str) -> datetime:
    """An API time as iCalendar holds it: to the second."""
    return datetime.fromisoformat(value).replace(microsecond=0)


async def apart() -> None:
    """An .ics's SEQUENCE counts tenths of a second from the booking's creation
    (content.revision): two revisions within the same tenth tie. The tests that compare
    sequences leave a little more between revisions than a saga's round may take."""
    await asyncio.sleep(0.15)


def calendar_of(received: Received) -> Calendar:
    return Calendar.from_ical(parts(received.message)["attachments"]["booking.ics"])


async def test_a_confirmed_booking_emails_the_customer_text_html_and_ics_and_the_staff_a_copy(
    platform, tenant
):
    admin, admin_email = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    customer = await tenant.customer(main_minor=10_000)
    address = await email_of(platform, customer.id)

    booking_id = await book(tenant, customer, use_wallet=True)
    booking = await customer.wait_for(booking_id, "CONFIRMED")

    (mail,) = await mail_to(platform, address)
    confirmed_at = datetime.fromisoformat(booking["update_time"])
    latency_ms = (mail.at - confirmed_at.timestamp()) * 1000
    print(f"notifications: confirmation (booking update_time) -> e-mail at the sink {latency_ms:.0f} ms")

    message = mail.message
    assert message["Subject"].startswith("Booking confirmed: Studio")
    assert message["From"].addresses[0].addr_spec == "bookings@platform.test"
    got = parts(message)
    assert "Your booking is confirmed" in got["text"] and booking_id in got["text"]
    assert "<html" in got["html"] and "Your booking is confirmed" in got["html"]
    assert set(got["attachments"]) == {"booking.ics"}
    calendar = calendar_of(mail)
    assert str(calendar["METHOD"]) == "PUBLISH"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"booking-{booking_id}@booking-platform"
    assert event.decoded("DTSTART") == seconds(booking["start_time"])
    assert event.decoded("DTEND") == seconds(booking["end_time"])
    assert str(event["STATUS"]) == "CONFIRMED"

    (copy,) = await mail_to(platform, admin_email, subject_prefix="[Test Studio] Booking confirmed")
    assert "Copy for the staff of Test Studio" in parts(copy.message)["text"]
    assert str(calendar_of(copy).walk("VEVENT")[0]["UID"]) == f"booking-{booking_id}@booking-platform"

    async def recorded() -> list[dict] | None:
        # The sink has both; the dispatcher records SENT once the server's answer is back.
        rows = [r for r in await rows_of(platform, booking_id) if r["event_type"] == "booking.confirmed"]
        return rows if rows and all(r["status"] != "PENDING" for r in rows) else None

    rows = await eventually(recorded, message="the e-mails' outcomes were never recorded")
    assert {(r["recipient"], r["audience"], r["status"], r["attempts"]) for r in rows} == {
        (address, "CUSTOMER", "SENT", 1),
        (admin_email, "STAFF", "SENT", 1),
    }
    assert len(platform.mail.to(address)) == 1
    await admin.aclose()


async def test_a_sink_refusing_the_first_two_attempts_gets_the_message_exactly_once(platform, tenant):
    customer = await tenant.customer(main_minor=10_000)
    address = await email_of(platform, customer.id)
    platform.mail.refuse(address, "451 4.3.0 Mailbox busy, try again later", "452 4.2.2 Over quota for now")

    booking_id = await book(tenant, customer, use_wallet=True)
    await customer.wait_for(booking_id, "CONFIRMED")

    await mail_to(platform, address)

    async def sent() -> dict | None:
        rows = [r for r in await rows_of(platform, booking_id) if r["recipient"] == address]
        return rows[0] if rows and rows[0]["status"] == "SENT" else None

    row = await eventually(sent, message="the e-mail was never recorded as sent")
    assert row["attempts"] == 3 and row["last_error"] is None
    assert [answer[:3] for to, answer in platform.mail.refused if to == address] == ["451", "452"]
    assert len(platform.mail.to(address)) == 1
    assert row["sent_at"] is not None and row["sent_at"] > row["created_at"]


async def test_a_rejected_booking_email_says_why_in_words(platform, tenant):
    customer = await tenant.customer(main_minor=1000)
    address = await email_of(platform, customer.id)
    booking_id = await book(tenant, customer, use_wallet=True, card_token="4000000000000002")
    booking = await customer.wait_for(booking_id, "REJECTED", "CONFIRMED")
    assert booking["reject_reason"] == "CARD_DECLINED"

    (mail,) = await mail_to(platform, address, subject_prefix="Booking not completed")
    got = parts(mail.message)
    assert "the card was declined by the bank" in got["text"]
    assert "the card was declined by the bank" in got["html"]
    assert got["attachments"] == {}


async def test_a_pay_later_booking_of_a_cancelled_session_says_the_session_and_its_reason(platform, tenant):
    """A pay-later booking still unpaid when the company cancelled its session ended REJECTED
    FORCED_BY_OPERATOR with no cancel_reason, its e-mail saying "our team stopped the booking"
    where the session's other bookings were CANCELLED with "Teacher ill"."""
    customer = await tenant.customer()  # nothing in the wallet: pay later waits for funds
    address = await email_of(platform, customer.id)
    session = await tenant.session(price_minor=2000)
    booked = await customer.book(session.id, use_wallet=True, pay_later=True)
    assert booked.status_code == 202, booked.text
    booking_id = booked.json()["id"]
    await customer.wait_for(booking_id, "PENDING_PAYMENT")

    await platform.catalog.CancelSession(
        catalog_pb2.CancelSessionRequest(
            request_id=str(uuid.uuid4()), session_id=session.id, reason="Teacher ill"
        )
    )

    final = await customer.wait_for(booking_id, "REJECTED")
    assert final["reject_reason"] == "SESSION_CANCELLED"
    stored = (
        await platform.bookings.GetBooking(bookings_pb2.GetBookingRequest(booking_id=booking_id))
    ).booking
    assert stored.cancel_reason == "Teacher ill"
    (mail,) = await mail_to(platform, address, subject_prefix="Booking not completed")
    got = parts(mail.message)
    for body in (got["text"], got["html"]):
        assert "the session was cancelled." in body and "Teacher ill" in body, body
        assert "our team stopped the booking" not in body


async def test_a_cancellation_email_carries_method_cancel_and_the_refund_follows(platform, tenant):
    customer = await tenant.customer(main_minor=10_000)
    address = await email_of(platform, customer.id)
    booking_id = await book(tenant, customer, use_wallet=True)
    await customer.wait_for(booking_id, "CONFIRMED")
    await apart()
    cancelled = await customer.cancel(booking_id)
    assert cancelled.status_code in (200, 202), cancelled.text

    (mail,) = await mail_to(platform, address, subject_prefix="Booking cancelled")
    calendar = calendar_of(mail)
    assert str(calendar["METHOD"]) == "CANCEL"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"booking-{booking_id}@booking-platform"
    assert str(event["STATUS"]) == "CANCELLED"
    (confirmation,) = await mail_to(platform, address, subject_prefix="Booking confirmed")
    confirmed_event = calendar_of(confirmation).walk("VEVENT")[0]
    assert int(event["SEQUENCE"]) > int(confirmed_event["SEQUENCE"])  # supersedes the confirmation

    (refund,) = await mail_to(platform, address, subject_prefix="Refund completed")
    assert "100 % of what was paid" in parts(refund.message)["text"]
    assert "to your wallet: 20.00 EUR" in parts(refund.message)["text"]


async def a_session_needing_check_in(tenant) -> str:
    """A 20.00 EUR session two days ahead whose resource asks for check-in within 15 minutes
    of the start (a no-show 10 minutes after that)."""
    resource = (
        await tenant.platform.catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                request_id=str(uuid.uuid4()),
                company_id=tenant.company_id,
                name="Climbing wall",
                booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
                policy=catalog_pb2.ResourcePolicy(check_in_deadline_minutes=15, no_show_grace_minutes=10),
            )
        )
    ).resource
    start = datetime.now(UTC) + timedelta(days=2)
    request = catalog_pb2.CreateSessionRequest(
        request_id=str(uuid.uuid4()),
        resource_id=resource.id,
        capacity=5,
        price=money_pb2.Money(amount_minor=2000, currency_code="EUR"),
    )
    request.start_time.FromDatetime(start)
    request.end_time.FromDatetime(start + timedelta(hours=1))
    return (await tenant.platform.catalog.CreateSession(request)).session.id


async def test_a_missed_booking_emails_the_customer_what_the_policy_kept_and_fires_booking_no_show(
    platform, tenant
):
    admin, _ = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    # Nobody listens there: the delivery row is what shows the event reached the endpoint.
    endpoint = await admin.post(
        "/v1/admin/webhooks/endpoints",
        headers=once(),
        json={"url": "http://127.0.0.1:9/no-show", "event_types": ["booking.no_show"]},
    )
    assert endpoint.status_code == 201, endpoint.text
    customer = await tenant.customer(main_minor=2000)
    address = await email_of(platform, customer.id)
    created = await customer.book(await a_session_needing_check_in(tenant), use_wallet=True)
    assert created.status_code == 202, created.text
    booking_id = created.json()["id"]
    await customer.wait_for(booking_id, "CONFIRMED")

    # As if the check-in had closed 26 minutes after the start without the customer.
    async with platform.db.transaction() as conn:
        await conn.execute(
            text(
                "UPDATE bookings.bookings SET"
                " end_time = end_time + (now() - interval '26 minutes' - start_time),"
                " check_in_deadline = check_in_deadline + (now() - interval '26 minutes' - start_time),"
                " no_show_at = no_show_at + (now() - interval '26 minutes' - start_time),"
                " start_time = now() - interval '26 minutes'"
                " WHERE id = :id"
            ),
            {"id": booking_id},
        )
    await Lifecycle(platform.db).sweep()
    await customer.wait_for(booking_id, "NO_SHOW")

    (mail,) = await mail_to(platform, address, subject_prefix="You missed your booking: Climbing wall")
    got = parts(mail.message)
    assert "You missed your booking" in got["text"] and booking_id in got["text"]
    assert "a missed booking is not refunded; the 20.00 EUR paid is kept by Test Studio." in got["text"]
    assert "<html" in got["html"] and "What the policy kept:" in got["html"]
    assert got["attachments"] == {}
    [row] = [r for r in await rows_of(platform, booking_id) if r["event_type"] == "booking.no_show"]
    assert (row["recipient"], row["audience"]) == (address, "CUSTOMER")

    async def delivered() -> bool:
        async with platform.db.transaction() as conn:
            found = await conn.execute(
                text(
                    "SELECT event_type FROM gateway.webhook_deliveries"
                    " WHERE endpoint_id = :e AND booking_id = :b"
                ),
                {"e": endpoint.json()["id"], "b": booking_id},
            )
            return [r.event_type for r in found] == ["booking.no_show"]

    await eventually(delivered, message="no booking.no_show delivery for the endpoint")


async def test_a_no_show_overturned_by_the_desk_e_mails_the_customer_a_correction(platform, tenant):
    # The customer was told "You missed your booking"; the desk then records they came: the
    # customer must not be left with that e-mail as the last word.
    admin, _ = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    customer = await tenant.customer(main_minor=2000)
    address = await email_of(platform, customer.id)
    created = await customer.book(await a_session_needing_check_in(tenant), use_wallet=True)
    assert created.status_code == 202, created.text
    booking_id = created.json()["id"]
    await customer.wait_for(booking_id, "CONFIRMED")
    await starts_in(platform, booking_id, -0.5)

    def override(no_show: bool, reason: str):
        path = f"/v1/admin/bookings/{booking_id}/no-show"
        return admin.post(path, headers=once(), json={"no_show": no_show, "reason": reason})

    marked = await override(True, "not seen at the door")
    assert marked.status_code == 200, marked.text
    await mail_to(platform, address, subject_prefix="You missed your booking: Climbing wall")
    overturned = await override(False, "was in the changing room")
    assert overturned.status_code == 200 and overturned.json()["status"] == "CHECKED_IN", overturned.text

    (mail,) = await mail_to(platform, address, subject_prefix="Correction: your attendance is recorded")
    got = parts(mail.message)
    assert "you were there" in got["text"] and "not a no-show" in got["text"] and booking_id in got["text"]
    assert "<html" in got["html"] and got["attachments"] == {}
    kinds = [r["event_type"] for r in await rows_of(platform, booking_id) if r["recipient"] == address]
    assert kinds.count("booking.no_show_overturned") == 1


async def test_a_correction_never_reaches_the_inbox_before_the_e_mail_it_corrects(platform, tenant):
    # The "you missed it" e-mail is refused once (a busy mailbox) and retried: its correction,
    # written meanwhile, waits for it instead of arriving first and being contradicted.
    admin, _ = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    customer = await tenant.customer(main_minor=2000)
    address = await email_of(platform, customer.id)
    created = await customer.book(await a_session_needing_check_in(tenant), use_wallet=True)
    assert created.status_code == 202, created.text
    booking_id = created.json()["id"]
    await customer.wait_for(booking_id, "CONFIRMED")
    await mail_to(platform, address, subject_prefix="Booking confirmed")
    await starts_in(platform, booking_id, -0.5)
    platform.mail.refuse(address, "451 4.3.0 Mailbox busy, try again later")
    path = f"/v1/admin/bookings/{booking_id}/no-show"

    marked = await admin.post(path, headers=once(), json={"no_show": True, "reason": "not seen"})
    assert marked.status_code == 200, marked.text
    await eventually(
        lambda: any(to == address for to, _ in platform.mail.refused),
        message="the no-show e-mail was never tried",
    )
    overturned = await admin.post(path, headers=once(), json={"no_show": False, "reason": "came late"})
    assert overturned.status_code == 200, overturned.text
    await mail_to(platform, address, subject_prefix="Correction: your attendance is recorded")

    subjects = [r.message["Subject"] for r in platform.mail.to(address)]
    missed = [i for i, s in enumerate(subjects) if s.startswith("You missed your booking")]
    corrected = [i for i, s in enumerate(subjects) if s.startswith("Correction: your attendance")]
    assert len(missed) == 1 and len(corrected) == 1, subjects
    assert missed[0] < corrected[0], subjects


async def starts_in(platform, booking_id: str, hours: float) -> None:
    """Moves the booking's times together so that it starts `hours` from now."""
    async with platform.db.transaction() as conn:
        await conn.execute(
            text(
                "UPDATE bookings.bookings SET"
                " end_time = end_time + (now() + make_interval(secs => :s) - start_time),"
                " check_in_deadline = check_in_deadline + (now() + make_interval(secs => :s) - start_time),"
                " no_show_at = no_show_at + (now() + make_interval(secs => :s) - start_time),"
                " start_time = now() + make_interval(secs => :s)"
                " WHERE id = :id"
            ),
            {"id": booking_id, "s": hours * 3600},
        )


async def test_a_booking_starting_within_the_window_gets_one_check_in_reminder(platform, tenant):
    customer = await tenant.customer(main_minor=10_000)
    address = await email_of(platform, customer.id)
    session_id = await a_session_needing_check_in(tenant)
    soon, later = [await customer.book(session_id, use_wallet=True) for _ in range(2)]
    for created in (soon, later):
        assert created.status_code == 202, created.text
        await customer.wait_for(created.json()["id"], "CONFIRMED")
    await starts_in(platform, soon.json()["id"], 2)
    await starts_in(platform, later.json()["id"], 5)
    clients = cast(Clients, SimpleNamespace(bookings=platform.bookings, catalog=platform.catalog))
    reminders = Reminders(platform.db, Notifier(clients, sender="bookings@platform.test"), hours=3)

    due = {b.id for b in await reminders.due(datetime.now(UTC))}
    await reminders.run_once()
    await reminders.run_once()

    assert soon.json()["id"] in due and later.json()["id"] not in due
    rows = [
        r
        for r in await rows_of(platform, soon.json()["id"])
        if r["event_type"] == "booking.check_in_reminder"
    ]
    assert [(r["recipient"], r["event_id"]) for r in rows] == [
        (address, f"booking.check_in_reminder:{soon.json()['id']}")
    ]

    # The gateway's own job (a 24-hour window) may remind `later` too: that e-mail is another.
    def reminded() -> list[Received] | None:
        found = [
            r
            for r in platform.mail.to(address)
            if r.message["Subject"].startswith("Reminder: ") and soon.json()["id"] in parts(r.message)["text"]
        ]
        return found or None

    (mail,) = await eventually(reminded, message="no reminder reached the customer")
    got = parts(mail.message)
    assert "A reminder: your booking starts" in got["text"]
    assert "Check-in opens an hour before the start and closes at" in got["text"]
    assert "<html" in got["html"] and "Your booking is coming up" in got["html"]


async def test_a_message_refused_for_good_is_failed_and_shown_to_its_company_admins_only(platform, tenant):
    admin, _ = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    customer = await tenant.customer(main_minor=10_000)
    address = await email_of(platform, customer.id)
    platform.mail.refuse(address, "550 5.1.1 No such mailbox here")
    booking_id = await book(tenant, customer, use_wallet=True)
    await customer.wait_for(booking_id, "CONFIRMED")

    async def failed() -> dict | None:
        rows = [r for r in await rows_of(platform, booking_id) if r["recipient"] == address]
        return rows[0] if rows and rows[0]["status"] == "FAILED" else None

    row = await eventually(failed, message="the refused e-mail never became FAILED")
    assert row["attempts"] == 1 and row["last_error"].startswith("SMTP 550")
    assert platform.mail.to(address) == []

    page = await admin.get("/ops/notifications", params={"booking_id": booking_id})
    assert page.status_code == 200, page.text
    assert address in page.text and "FAILED" in page.text and "SMTP 550" in page.text
    failed_only = await admin.get("/ops/notifications", params={"status": "FAILED"})
    assert address in failed_only.text

    other_company = (
        await platform.catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                request_id=str(uuid.uuid4()), name="Other", time_zone="UTC", currency_code="EUR"
            )
        )
    ).company
    stranger, _ = await login(platform, "COMPANY_ADMIN", other_company.id)
    theirs = await stranger.get("/ops/notifications", params={"booking_id": booking_id})
    assert theirs.status_code == 200 and address not in theirs.text
    await admin.aclose()
    await stranger.aclose()


async def test_a_non_ascii_mailbox_the_server_cannot_take_is_failed_at_once_not_retried(platform, tenant):
    """The test sink offers no SMTPUTF8 (aiosmtpd's default), which a local part of letters
    needs: the message was retried for a day as a connection failure. Now it is FAILED after
    its one attempt, with the reason on the console."""
    admin, _ = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    customer = await tenant.customer(main_minor=10_000)
    address = f"josé-{uuid.uuid4().hex[:8]}@example.com"
    read = (
        await platform.catalog.GetCustomer(catalog_pb2.GetCustomerRequest(customer_id=customer.id))
    ).customer
    read.email = address
    update = catalog_pb2.UpdateCustomerRequest(customer=read, expected_version=read.version)
    update.update_mask.paths.append("email")
    await platform.catalog.UpdateCustomer(update)
    booking_id = await book(tenant, customer, use_wallet=True)
    await customer.wait_for(booking_id, "CONFIRMED")

    async def failed() -> dict | None:
        rows = [r for r in await rows_of(platform, booking_id) if r["recipient"] == address]
        return rows[0] if rows and rows[0]["status"] == "FAILED" else None

    row = await eventually(failed, message="the e-mail to a non-ASCII mailbox never became FAILED")
    assert row["attempts"] == 1 and row["last_error"] == SMTPUTF8_NOT_SUPPORTED
    assert row["completed_at"] is not None and row["sent_at"] is None
    assert platform.mail.to(address) == []
    page = await admin.get("/ops/notifications", params={"booking_id": booking_id})
    assert "SMTPUTF8_NOT_SUPPORTED" in page.text
    await admin.aclose()


async def test_calendar_feeds_answer_confirmed_bookings_until_revoked_and_stay_in_their_company(
    platform, tenant
):
    admin, _ = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    customer = await tenant.customer(main_minor=10_000)
    confirmed = await book(tenant, customer, use_wallet=True)
    booking = await customer.wait_for(confirmed, "CONFIRMED")

    key = once()
    created = await admin.post(
        "/v1/admin/calendar-feeds", headers=key, json={"resource_id": tenant.resource_id, "name": "Studio"}
    )
    assert created.status_code == 201, created.text
    feed = created.json()
    assert feed["resource_id"] == tenant.resource_id and feed["url"].startswith(platform.gateway_url)
    token = feed["url"].rsplit("/", 1)[1].removesuffix(".ics")
    # Answered once: a replay of the create, the list, and the database never hold it.
    replay = await admin.post(
        "/v1/admin/calendar-feeds", headers=key, json={"resource_id": tenant.resource_id, "name": "Studio"}
    )
    assert replay.status_code == 201 and replay.json()["url"] is None and replay.json()["id"] == feed["id"]
    listed = await admin.get("/v1/admin/calendar-feeds")
    assert listed.status_code == 200 and token not in listed.text
    assert [f["id"] for f in listed.json()["feeds"]] == [feed["id"]]
    async with platform.db.transaction() as conn:
        stored = (
            await conn.execute(text("SELECT * FROM gateway.calendar_feeds WHERE id = :i"), {"i": feed["id"]})
        ).one()
        assert token not in str(tuple(stored)) and len(stored.token_hash) == 64
        kept = await conn.execute(
            text("SELECT 1 FROM gateway.idempotency_keys WHERE response_body LIKE :t"), {"t": f"%{token}%"}
        )
        assert kept.first() is None

    whole = await admin.post("/v1/admin/calendar-feeds", headers=once(), json={"name": "Everything"})
    assert whole.status_code == 201 and whole.json()["resource_id"] is None

    anonymous = httpx.AsyncClient(timeout=30)
    for url in (feed["url"], whole.json()["url"]):
        answer = await anonymous.get(url)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("text/calendar")
        events = {str(e["UID"]): e for e in Calendar.from_ical(answer.content).walk("VEVENT")}
        event = events[f"booking-{confirmed}@booking-platform"]
        assert event.decoded("DTSTART") == seconds(booking["start_time"])

    # Another company's admin can neither see nor revoke the feed; a feed of another
    # company's resource is refused.
    other_company = (
        await platform.catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                request_id=str(uuid.uuid4()), name="Other", time_zone="UTC", currency_code="EUR"
            )
        )
    ).company
    stranger, _ = await login(platform, "COMPANY_ADMIN", other_company.id)
    refused = await stranger.delete(f"/v1/admin/calendar-feeds/{feed['id']}", headers=once())
    assert refused.status_code == 404 and refused.json()["code"] == "CALENDAR_FEED_NOT_FOUND"
    assert (await stranger.get("/v1/admin/calendar-feeds")).json()["feeds"] == []
    foreign = await stranger.post(
        "/v1/admin/calendar-feeds", headers=once(), json={"resource_id": tenant.resource_id}
    )
    assert foreign.status_code == 404 and foreign.json()["code"] == "RESOURCE_NOT_FOUND"
    assert (await anonymous.get(feed["url"])).status_code == 200

    revoked = await admin.delete(f"/v1/admin/calendar-feeds/{feed['id']}", headers=once())
    assert revoked.status_code == 204, revoked.text
    gone = await anonymous.get(feed["url"])
    assert (
        gone.status_code == 404
        and gone.json()["code"] == "CALENDAR_FEED_NOT_FOUND"
        and token not in gone.text
    )
    assert (await anonymous.get(feed["url"].replace(token, token[:-2] + "xx"))).status_code == 404
    listed = (await admin.get("/v1/admin/calendar-feeds")).json()["feeds"]
    assert {f["id"]: f["revoked_at"] is not None for f in listed} == {
        feed["id"]: True,
        whole.json()["id"]: False,
    }
    for client in (admin, stranger, anonymous):
        await client.aclose()


async def test_a_staff_member_s_own_feed_is_theirs_to_revoke_and_dies_with_their_account(platform, tenant):
    admin, _ = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    staff, staff_email = await login(platform, "STAFF", tenant.company_id)
    colleague, _ = await login(platform, "STAFF", tenant.company_id)
    customer = await tenant.customer(main_minor=10_000)
    confirmed = await book(tenant, customer, use_wallet=True)
    await customer.wait_for(confirmed, "CONFIRMED")

    made = await staff.post("/v1/me/calendar-feeds", headers=once(), json={"name": "My shifts"})
    assert made.status_code == 201, made.text
    mine = made.json()
    assert mine["resource_id"] is None and mine["user_id"] and mine["url"]
    anonymous = httpx.AsyncClient(timeout=30)
    answer = await anonymous.get(mine["url"])
    assert answer.status_code == 200, answer.text
    uids = {str(e["UID"]) for e in Calendar.from_ical(answer.content).walk("VEVENT")}
    assert f"booking-{confirmed}@booking-platform" in uids

    # Their own list holds it (never the URL); a colleague's does not, nor can they revoke it;
    # the company admin sees it among the company's.
    assert [f["id"] for f in (await staff.get("/v1/me/calendar-feeds")).json()["feeds"]] == [mine["id"]]
    assert (await colleague.get("/v1/me/calendar-feeds")).json()["feeds"] == []
    refused = await colleague.delete(f"/v1/me/calendar-feeds/{mine['id']}", headers=once())
    assert refused.status_code == 404 and refused.json()["code"] == "CALENDAR_FEED_NOT_FOUND"
    company_feeds = (await admin.get("/v1/admin/calendar-feeds")).json()["feeds"]
    assert {f["id"]: f["user_id"] for f in company_feeds}[mine["id"]] == mine["user_id"]
    # Another company's resource is not found (API keys and platform admins: the security matrix).
    other = (
        await platform.catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                request_id=str(uuid.uuid4()), name="Other", time_zone="UTC", currency_code="EUR"
            )
        )
    ).company
    stranger, _ = await login(platform, "STAFF", other.id)
    foreign = await stranger.post(
        "/v1/me/calendar-feeds", headers=once(), json={"resource_id": tenant.resource_id}
    )
    assert foreign.status_code == 404 and foreign.json()["code"] == "RESOURCE_NOT_FOUND"

    # Deactivating the account silences every feed of it at once; reactivating brings it back.
    read = await admin.get(f"/v1/admin/users/{mine['user_id']}")
    deactivated = await admin.patch(
        f"/v1/admin/users/{mine['user_id']}",
        headers={**once(), "If-Match": read.headers["ETag"]},
        json={"active": False},
    )
    assert deactivated.status_code == 200, deactivated.text
    silenced = await anonymous.get(mine["url"])
    assert silenced.status_code == 404 and silenced.json()["code"] == "CALENDAR_FEED_NOT_FOUND"
    reactivated = await admin.patch(
        f"/v1/admin/users/{mine['user_id']}",
        headers={**once(), "If-Match": deactivated.headers["ETag"]},
        json={"active": True},
    )
    assert reactivated.status_code == 200, reactivated.text
    assert (await anonymous.get(mine["url"])).status_code == 200

    # Revoked by its owner: gone for good.
    staff, _ = await login_again(platform, staff_email)
    revoked = await staff.delete(f"/v1/me/calendar-feeds/{mine['id']}", headers=once())
    assert revoked.status_code == 204, revoked.text
    assert (await anonymous.get(mine["url"])).status_code == 404
    for client in (admin, staff, colleague, stranger, anonymous):
        await client.aclose()


async def login_again(platform, email: str) -> tuple[httpx.AsyncClient, str]:
    client = httpx.AsyncClient(base_url=platform.gateway_url, timeout=30)
    token = await client.post("/v1/auth/token", json={"email": email, "password": "secret-pass"})
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return client, email


async def test_time_from_confirmation_to_the_inbox_one_booking_at_a_time(platform, tenant):
    """Figures, not a limit: the saga's confirmation (the booking's update_time) -> the message
    row written (created_at) -> the e-mail at the sink, for a few bookings one after another."""
    customer = await tenant.customer(main_minor=100_000)
    address = await email_of(platform, customer.id)
    total, stored = [], []
    for n in range(1, 6):
        booking_id = await book(tenant, customer, use_wallet=True)
        booking = await customer.wait_for(booking_id, "CONFIRMED")
        mails = await mail_to(platform, address, count=n)
        confirmed = datetime.fromisoformat(booking["update_time"]).timestamp()
        (row,) = [r for r in await rows_of(platform, booking_id) if r["recipient"] == address]
        total.append((mails[-1].at - confirmed) * 1000)
        stored.append((row["created_at"].timestamp() - confirmed) * 1000)
    total.sort()
    stored.sort()
    print(
        f"notifications: confirmation -> e-mail at the sink, {len(total)} bookings one at a time:"
        f" p50 {total[len(total) // 2]:.0f} ms, max {total[-1]:.0f} ms"
        f" (of which confirmation -> message row p50 {stored[len(stored) // 2]:.0f} ms)"
    )


async def test_a_guest_gets_the_confirmation_with_no_secret_in_it_or_in_the_stored_row(platform, tenant):
    guest_email = f"guest-{uuid.uuid4().hex[:10]}@example.com"
    session = await tenant.session(price_minor=2000)
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=30) as http:
        created = await http.post(
            f"/v1/public/companies/{tenant.company_id}/sessions/{session.id}/bookings",
            headers={"Idempotency-Key": str(uuid.uuid4())},
            json={
                "guest": {"name": "Ada Guest", "email": guest_email},
                "quantity": 1,
                "card_token": "tok_visa",
            },
        )
        assert created.status_code == 202, created.text
        token = created.json()["manage_token"]
        booking_id = created.json()["booking"]["id"]

        (mail,) = await mail_to(platform, guest_email, subject_prefix="Booking confirmed")

    got = parts(mail.message)
    assert booking_id in got["text"] and "Ada Guest" not in got["text"]  # the staff copy names them
    assert str(calendar_of(mail).walk("VEVENT")[0]["UID"]) == f"booking-{booking_id}@booking-platform"
    assert token not in mail.raw.decode(errors="replace")
    assert "token" not in got["html"].lower() and "?" not in "".join(
        part.split('"')[0] for part in got["html"].split('href="')[1:]
    )
    for row in await rows_of(platform, booking_id):
        assert token not in str(row)


async def test_an_e_mail_refused_for_now_for_a_day_is_given_up_as_failed(platform, tenant):
    customer = await tenant.customer(main_minor=10_000)
    address = await email_of(platform, customer.id)
    platform.mail.refuse(address, *["421 4.7.0 Try again later"] * 1000)
    booking_id = await book(tenant, customer, use_wallet=True)
    await customer.wait_for(booking_id, "CONFIRMED")

    async def failed_once() -> dict | None:
        rows = [r for r in await rows_of(platform, booking_id) if r["recipient"] == address]
        return rows[0] if rows and rows[0]["status"] == "PENDING" and rows[0]["last_error"] else None

    row = await eventually(failed_once, message="the first refusal was never recorded")
    assert row["last_error"] == "SMTP 421 4.7.0 Try again later"
    # A day passes (the test moves the message's birth back instead of waiting).
    async with platform.db.transaction() as conn:
        await conn.execute(
            text(
                "UPDATE gateway.notification_messages SET created_at = created_at - interval '25 hours'"
                " WHERE id = :id"
            ),
            {"id": row["id"]},
        )

    async def given_up() -> dict | None:
        rows = [r for r in await rows_of(platform, booking_id) if r["recipient"] == address]
        return rows[0] if rows[0]["status"] == "FAILED" else None

    failed = await eventually(given_up, message="the message was never given up")
    assert failed["attempts"] >= 2 and failed["completed_at"] is not None and failed["sent_at"] is None
    assert failed["last_error"] == "SMTP 421 4.7.0 Try again later"
    assert platform.mail.to(address) == []


async def test_a_changed_stay_emails_the_customer_the_new_dates_total_and_money_moved_escaped(
    platform, tenant
):
    # "Your booking was changed": the new period and total, what the extension charged, what
    # the shortening refunded and what the company kept under the cancellation terms; the
    # resource's name, hostile here, escaped in the HTML part.
    windows = [
        catalog_pb2.CancellationWindow(minutes_before_start=30 * 24 * 60, refund_percent=100),
        catalog_pb2.CancellationWindow(minutes_before_start=0, refund_percent=50),
    ]
    hostile = 'Cabin <b onmouseover="x()">Lake</b> & Co'
    cabin = (
        await platform.catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                company_id=tenant.company_id,
                name=hostile,
                booking_model=catalog_pb2.BOOKING_MODEL_NIGHTLY,
                policy=catalog_pb2.ResourcePolicy(cancellation_windows=windows),
            )
        )
    ).resource
    await platform.catalog.CreateUnit(catalog_pb2.CreateUnitRequest(resource_id=cabin.id, name="Cabin 1"))
    await platform.catalog.CreateRatePlan(
        catalog_pb2.CreateRatePlanRequest(
            resource_id=cabin.id,
            name="Standard",
            default_nightly_price=money_pb2.Money(amount_minor=10000, currency_code="EUR"),
        )
    )
    customer = await tenant.customer(main_minor=30_000)
    address = await email_of(platform, customer.id)
    check_in = datetime.now(UTC).date() + timedelta(days=10)  # inside the 50 % window
    booked = await customer.http.post(
        "/v1/bookings",
        headers=once(),
        json={
            "resource_id": cabin.id,
            "check_in_date": check_in.isoformat(),
            "check_out_date": (check_in + timedelta(days=2)).isoformat(),
            "payment": {"use_wallet": True},
        },
    )
    assert booked.status_code == 202, booked.text
    booking_id = booked.json()["id"]
    await customer.wait_for(booking_id, "CONFIRMED")

    async def change_to(nights: int) -> dict:
        changed = await customer.http.post(
            f"/v1/bookings/{booking_id}/change",
            headers=once(),
            json={"check_out_date": (check_in + timedelta(days=nights)).isoformat()},
        )
        assert changed.status_code == 202, changed.text
        return changed.json()

    await apart()
    longer = await change_to(3)
    (extended,) = await mail_to(platform, address, subject_prefix="Your booking was changed")
    assert extended.message["Subject"].startswith(f"Your booking was changed: {hostile}, ")
    got = parts(extended.message)
    assert "Your booking was changed." in got["text"]
    assert "Charged for the added time: 100.00 EUR" in got["text"]
    assert "- from your wallet: 100.00 EUR" in got["text"]
    assert "300.00 EUR" in got["text"] and "200.00 EUR" in got["text"]  # now and before
    assert hostile in got["text"]  # plain text is no markup
    assert "<b onmouseover" not in got["html"]
    assert "Cabin &lt;b onmouseover=&#34;x()&#34;&gt;Lake&lt;/b&gt; &amp; Co" in got["html"]
    assert "Charged for the added time: <strong>100.00 EUR</strong>" in got["html"]
    # The .ics moves the confirmation's event: same UID, the new period, a higher SEQUENCE.
    (confirmation,) = await mail_to(platform, address, subject_prefix="Booking confirmed")
    confirmed_event = calendar_of(confirmation).walk("VEVENT")[0]
    changed_event = calendar_of(extended).walk("VEVENT")[0]
    uid = f"booking-{booking_id}@booking-platform"
    assert str(changed_event["UID"]) == str(confirmed_event["UID"]) == uid
    assert changed_event.decoded("DTEND") == confirmed_event.decoded("DTEND") + timedelta(days=1)
    assert int(changed_event["SEQUENCE"]) > int(confirmed_event["SEQUENCE"])
    # The new check-out, in the company's time zone.
    end = datetime.fromisoformat(longer["end_time"])
    assert f"{end.astimezone(ZoneInfo('Europe/Berlin')):%a %d %b %Y, %H:%M}" in got["text"]

    async def changeable() -> dict | None:
        changed = await customer.http.post(
            f"/v1/bookings/{booking_id}/change",
            headers=once(),
            json={"check_out_date": (check_in + timedelta(days=1)).isoformat()},
        )
        if changed.status_code == 409 and changed.json()["code"] == "CHANGE_IN_PROGRESS":
            return None
        assert changed.status_code == 202, changed.text
        return cast(dict, changed.json())

    await apart()
    await eventually(changeable, message="the extension never finished")
    mails = await mail_to(platform, address, count=2, subject_prefix="Your booking was changed")
    got = parts(mails[1].message)
    assert "100.00 EUR" in got["text"] and "300.00 EUR" in got["text"]  # now and before
    assert "The time removed is cancelled under the cancellation terms: 50 % of its price" in got["text"]
    assert "- to your wallet: 100.00 EUR" in got["text"]
    assert "Kept by Test Studio under the cancellation terms: 100.00 EUR" in got["text"]
    assert "Charged for the added time" not in got["text"]
    assert "<b onmouseover" not in got["html"] and "&lt;b onmouseover" in got["html"]
    assert "<li>to your wallet: 100.00 EUR</li>" in got["html"]
    shortened_event = calendar_of(mails[1]).walk("VEVENT")[0]
    assert int(shortened_event["SEQUENCE"]) > int(changed_event["SEQUENCE"])
    assert shortened_event.decoded("DTEND") == confirmed_event.decoded("DTEND") - timedelta(days=1)
    # The customer is told once per change, and no "Refund completed" repeats the shortening's.
    await eventually(lambda: len(platform.mail.to(address)) >= 3, message="the confirmation never came")
    subjects = [r.message["Subject"] for r in platform.mail.to(address)]
    assert sum(s.startswith("Your booking was changed") for s in subjects) == 2
    assert not any(s.startswith("Refund completed") for s in subjects)
