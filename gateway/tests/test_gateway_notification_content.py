"""What the notifications' e-mails say, without I/O: the subjects, the reason of a rejection in
words, the HTML escaped, the .ics (UID, period, METHOD:CANCEL) and the retry schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from gateway.notifications import content
from gateway.notifications.delivery import retry_delay_seconds

START = datetime(2026, 12, 8, 17, 30, tzinfo=UTC)


def facts(**changes: object) -> content.BookingFacts:
    values: dict = {
        "booking_id": "6f1c1d52-7a70-4a0e-9d1c-3f3b1c0e9a11",
        "company_id": "c",
        "company_name": "Studio <b>Nord</b> & Co",
        "time_zone": "Europe/Berlin",
        "resource_name": "Yoga\r\nBcc: someone@example.com",
        "start": START,
        "end": START + timedelta(hours=1),
        "quantity": 2,
        "currency": "EUR",
        "total_minor": 4050,
        "status": "CONFIRMED",
        "customer_name": "Ann",
    }
    values.update(changes)
    return content.BookingFacts(**values)


def test_a_confirmation_has_a_subject_on_one_line_local_times_and_an_ics_of_the_booking() -> None:
    email = content.render("booking_confirmed", facts(), audience="CUSTOMER", organizer="bookings@x.test")

    assert "\n" not in email.subject and "\r" not in email.subject
    assert email.subject.startswith("Booking confirmed: Yoga Bcc:")
    assert "Tue 08 Dec 2026, 18:30 - 19:30 (Europe/Berlin)" in email.text
    assert "40.50 EUR" in email.text
    assert email.ics is not None
    calendar = Calendar.from_ical(email.ics)
    assert str(calendar["METHOD"]) == "PUBLISH"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == "booking-6f1c1d52-7a70-4a0e-9d1c-3f3b1c0e9a11@booking-platform"
    assert event.decoded("DTSTART") == START and event.decoded("DTEND") == START + timedelta(hours=1)


def test_the_html_part_escapes_what_the_company_wrote_and_the_text_part_keeps_it() -> None:
    email = content.render("booking_confirmed", facts(), audience="CUSTOMER", organizer="b@x.test")

    assert "Studio &lt;b&gt;Nord&lt;/b&gt; &amp; Co" in email.html and "<b>Nord</b>" not in email.html
    assert "Studio <b>Nord</b> & Co" in email.text


def test_a_cancellation_cancels_the_same_event_and_a_staff_copy_says_whose_it_is() -> None:
    email = content.render("booking_cancelled", facts(), audience="STAFF", organizer="b@x.test")

    assert email.subject.startswith("[Studio <b>Nord</b> & Co] Booking cancelled:")
    assert "Copy for the staff of Studio <b>Nord</b> & Co: booking of Ann." in email.text
    assert email.ics is not None
    calendar = Calendar.from_ical(email.ics)
    assert str(calendar["METHOD"]) == "CANCEL"
    (event,) = calendar.walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]).startswith("booking-6f1c1d52")


def test_a_rejection_says_why_in_words_and_carries_no_calendar() -> None:
    declined = content.render(
        "booking_rejected", facts(reject_reason="CARD_DECLINED"), audience="CUSTOMER", organizer="b@x.test"
    )
    unknown = content.render(
        "booking_rejected", facts(reject_reason="SOMETHING_NEW"), audience="CUSTOMER", organizer="b@x.test"
    )

    assert "We could not complete your booking: the card was declined by the bank." in declined.text
    assert declined.ics is None
    assert "the booking could not be completed (SOMETHING_NEW)." in unknown.text


def test_a_refund_shows_its_split_and_a_payment_due_its_amount() -> None:
    refund = content.Refund(percent=50, card_minor=1000, wallet_minor=250, credits=1)
    refunded = content.render(
        "refund_completed", facts(refund=refund), audience="CUSTOMER", organizer="b@x.test"
    )
    due = content.render(
        "payment_due", facts(amount_due_minor=1999), audience="CUSTOMER", organizer="b@x.test"
    )

    assert "50 % of what was paid" in refunded.text
    assert "- to your card: 10.00 EUR" in refunded.text and "- to your wallet: 2.50 EUR" in refunded.text
    assert "- to your pass: 1 credit(s)" in refunded.text and "front desk" not in refunded.text
    assert "19.99 EUR is still to pay" in due.text


def test_money_to_hand_back_at_the_desk_is_not_called_a_completed_refund() -> None:
    # A desk-paid booking's cancellation "completes" at once: no saga step moves the cash,
    # the customer still has to collect it at the front desk.
    at_desk = content.render(
        "refund_completed",
        facts(refund=content.Refund(percent=100, desk_minor=4050)),
        audience="CUSTOMER",
        organizer="b@x.test",
    )
    mixed = content.render(
        "refund_completed",
        facts(refund=content.Refund(percent=100, wallet_minor=1000, desk_minor=3050)),
        audience="CUSTOMER",
        organizer="b@x.test",
    )

    assert at_desk.subject.startswith("Refund to collect at the front desk: Yoga")
    for email in (at_desk, mixed):
        assert "complete" not in email.subject.lower() + email.text.lower() + email.html.lower()
    assert "40.50 EUR is yours to collect at the front desk of Studio <b>Nord</b> & Co" in at_desk.text
    assert "40.50 EUR is yours to collect at the front desk of Studio &lt;b&gt;Nord" in at_desk.html
    assert "Refunded already:\n- to your wallet: 10.00 EUR" in mixed.text
    assert "30.50 EUR is yours to collect at the front desk" in mixed.text


def test_a_no_show_tells_the_customer_they_missed_it_and_what_the_policy_kept() -> None:
    paid = content.render(
        "booking_no_show", facts(status="NO_SHOW"), audience="CUSTOMER", organizer="b@x.test"
    )
    free = content.render(
        "booking_no_show", facts(status="NO_SHOW", total_minor=0), audience="CUSTOMER", organizer="b@x.test"
    )

    assert paid.subject.startswith("You missed your booking: Yoga")
    assert "You missed your booking" in paid.text and "You missed your booking" in paid.html
    assert "not refunded; the 40.50 EUR paid is kept by Studio <b>Nord</b> & Co." in paid.text
    assert "the 40.50 EUR paid is kept by Studio &lt;b&gt;Nord&lt;/b&gt; &amp; Co." in paid.html
    assert "nothing was charged" in free.text and "kept by" not in free.text
    assert paid.ics is None
    assert content.EVENT_TYPE_OF_KIND[content.KIND_OF_SUBJECT["no_show"]] == "booking.no_show"


def test_an_overturned_no_show_corrects_the_you_missed_it_e_mail() -> None:
    kind = content.KIND_OF_SUBJECT["no_show_overturned"]
    email = content.render(kind, facts(status="CHECKED_IN"), audience="CUSTOMER", organizer="b@x.test")

    assert email.subject.startswith("Correction: your attendance is recorded: Yoga")
    assert "you were there" in email.text and "not a no-show" in email.text
    assert "Studio &lt;b&gt;Nord&lt;/b&gt; &amp; Co has recorded that you were there" in email.html
    assert email.ics is None and kind not in content.STAFF_KINDS


def test_an_endpoint_disabled_notice_shows_the_address_without_credentials_or_query() -> None:
    email = content.render_endpoint_disabled(
        url="https://user:pw@hooks.example.com:8443/in?token=s3cret#x",
        disabled_at=datetime(2026, 12, 6, 4, 0, tzinfo=UTC),
        failures=12,
    )

    shown = "https://hooks.example.com:8443/in"
    assert email.subject == f"Webhook endpoint disabled: {shown}"
    assert f"Your webhook endpoint {shown} was disabled after a day of failures" in email.text
    assert "(12 attempts)" in email.text and "Sun 06 Dec 2026, 04:00 UTC" in email.text
    assert "Re-enable it at /ops/webhooks" in email.text and "/ops/webhooks" in email.html
    for leaked in ("s3cret", "pw@", "user"):
        assert leaked not in email.subject + email.text + email.html
    assert email.ics is None
    assert content.shown_url("http://[::1]:9/x?y") == "http://[::1]:9/x"


def test_a_check_in_reminder_says_when_check_in_closes_in_the_companys_time() -> None:
    email = content.render(
        "check_in_reminder",
        facts(check_in_deadline=START + timedelta(minutes=15)),
        audience="CUSTOMER",
        organizer="b@x.test",
    )
    no_check_in = content.render("check_in_reminder", facts(), audience="CUSTOMER", organizer="b@x.test")

    assert email.subject.startswith("Reminder: Yoga")
    assert "your booking starts Tue 08 Dec 2026, 18:30 (Europe/Berlin)" in email.text
    assert "closes at Tue 08 Dec 2026, 18:45: a booking nobody checked in for" in email.text
    assert "Check-in opens an hour before the start." in no_check_in.text
    assert email.ics is None and "Your booking is coming up" in email.html


def test_retries_double_from_the_first_delay_up_to_an_hour() -> None:
    assert [retry_delay_seconds(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert retry_delay_seconds(30) == 3600
    assert [retry_delay_seconds(n, first=0.5) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]


def test_the_customer_is_told_how_to_manage_the_booking_and_the_staff_copy_is_not() -> None:
    linked = content.render(
        "booking_confirmed",
        facts(),
        audience="CUSTOMER",
        organizer="b@x.test",
        public_url="https://book.example.com",
    )
    link = "https://book.example.com/site/c/find?reference=6f1c1d52-7a70-4a0e-9d1c-3f3b1c0e9a11"
    assert f"Manage or cancel it: {link} (with this e-mail address)." in linked.text
    assert f'<a href="{link}">find my booking</a>' in linked.html

    worded = content.render("booking_confirmed", facts(), audience="CUSTOMER", organizer="b@x.test")
    assert '"Find my booking", with the booking reference above and this e-mail address' in worded.text
    assert "find?reference=" not in worded.text + worded.html

    staff = content.render(
        "booking_confirmed", facts(), audience="STAFF", organizer="b@x.test", public_url="https://b.test"
    )
    rejected = content.render(
        "booking_rejected", facts(), audience="CUSTOMER", organizer="b@x.test", public_url="https://b.test"
    )
    for email in (staff, rejected):
        assert "Manage or cancel" not in email.text + email.html


def test_each_revision_of_a_booking_supersedes_the_one_before_in_a_calendar() -> None:
    created_at = datetime(2026, 12, 1, 8, 59, 59, 700_000, tzinfo=UTC)
    confirmed_at = created_at + timedelta(milliseconds=400)
    old = content.Change(old_start=START, old_end=START + timedelta(hours=1), old_total_minor=4050)
    booked = facts(created_at=created_at)
    changed = facts(end=START + timedelta(hours=2), total_minor=8100, change=old, created_at=created_at)

    def event(kind: str, booking: content.BookingFacts, at: datetime):
        email = content.render(kind, booking, audience="CUSTOMER", organizer="b@x.test", revised_at=at)
        assert email.ics is not None
        (found,) = Calendar.from_ical(email.ics).walk("VEVENT")
        return found

    # The change in the same second as the confirmation (a client extending at once).
    confirmation = event("booking_confirmed", booked, confirmed_at)
    change = event("booking_changed", changed, confirmed_at + timedelta(milliseconds=300))
    cancellation = event("booking_cancelled", changed, created_at + timedelta(days=3000))

    assert str(change["UID"]) == str(confirmation["UID"]) == str(cancellation["UID"])
    assert change.decoded("DTEND") == START + timedelta(hours=2)
    sequences = [int(e["SEQUENCE"]) for e in (confirmation, change, cancellation)]
    assert sequences == sorted(set(sequences))  # rising, none repeated
    assert sequences[:2] == [4, 7]  # tenths of a second from the booking's creation
    assert sequences[2] < 2**31  # an icalendar INTEGER, even 8 years on


def _content_lines(ics: str | bytes) -> list[str]:
    """The .ics's content lines, unfolded, split where a strict reader splits: at CR or LF."""
    text = ics.decode() if isinstance(ics, bytes) else ics
    unfolded = text.replace("\r\n ", "").replace("\r\n\t", "")
    return [line for line in unfolded.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line]


def test_names_with_line_breaks_controls_or_bidi_are_escaped_in_every_calendar_text() -> None:
    # Names stored before the edge refused them (or written past it) must render, escaped: a
    # line break in X-WR-CALNAME was a 500 (icalendar refuses a raw one), a bare CR a new
    # content line to some readers.
    injected = "x\rX-INJECTED:yes\rBEGIN:VEVENT\rSUMMARY:fake"
    company = "Nord\r\nX-COMPANY:yes\x0b\u202eCo"
    event = content.booking_event(
        booking_id="b1",
        summary="Room\nX-SUMMARY:yes x 2",
        start=START,
        end=START + timedelta(hours=1),
        location=company,
        description="Booking b1\nline two\x1b",
        stamp=START,
        revised_at=START,
        created_at=START,
        organizer="bookings@x.test",
        organizer_name=company,
    )
    feed = content.feed_calendar(f"{company}: {injected}", [event])

    lines = _content_lines(feed)
    names = sorted(line.split(":", 1)[0].split(";", 1)[0] for line in lines)
    expected = "BEGIN BEGIN END END VERSION PRODID METHOD X-WR-CALNAME SUMMARY DTSTART DTEND DTSTAMP UID"
    expected += " SEQUENCE DESCRIPTION LOCATION ORGANIZER STATUS"
    assert names == sorted(expected.split()), lines
    text = feed.decode()
    for unsafe in ("\x0b", "\x1b", "\u202e"):
        assert unsafe not in text
    parsed = Calendar.from_ical(feed)
    assert (
        str(parsed["X-WR-CALNAME"])
        == "Nord X-COMPANY:yes \ufffdCo: x X-INJECTED:yes BEGIN:VEVENT SUMMARY:fake"
    )
    (read,) = parsed.walk("VEVENT")
    assert str(read["SUMMARY"]) == "Room X-SUMMARY:yes x 2"
    assert str(read["DESCRIPTION"]) == "Booking b1\nline two\ufffd"
    assert str(read["LOCATION"]) == "Nord X-COMPANY:yes \ufffdCo"
    assert str(read["ORGANIZER"].params["CN"]) == "Nord X-COMPANY:yes \ufffdCo"

    # An e-mail's .ics too: company and resource names with CR/LF stay on their lines.
    email = content.render(
        "booking_confirmed",
        facts(company_name=company, company_address="Quay 1\r\nX-ADDRESS:yes"),
        audience="CUSTOMER",
        organizer="bookings@x.test",
    )
    assert email.ics is not None
    attached = _content_lines(email.ics)
    assert not [line for line in attached if line.startswith(("X-COMPANY", "X-ADDRESS", "Bcc"))], attached
    (sent,) = Calendar.from_ical(email.ics).walk("VEVENT")
    assert str(sent["SUMMARY"]) == "Yoga Bcc: someone@example.com (Nord X-COMPANY:yes \ufffdCo)"


def test_a_backslash_in_a_name_is_escaped_so_a_literal_backslash_n_stays_two_characters() -> None:
    # RFC 5545 TEXT: a backslash is "\\\\". icalendar's vText read the name's "\\N" as a line
    # break first, so calendar clients showed "Room" and "2" on two lines.
    resource = "Room \\N2 \\n C:\\Temp\\ 1; a,b"
    company = "Nord \\N Co"
    email = content.render(
        "booking_confirmed",
        facts(resource_name=resource, company_name=company, company_address="Quay \\N 1"),
        audience="CUSTOMER",
        organizer="bookings@x.test",
    )
    assert email.ics is not None
    (sent,) = Calendar.from_ical(email.ics).walk("VEVENT")
    assert str(sent["SUMMARY"]) == f"{resource} ({company})"
    assert "\n" not in str(sent["SUMMARY"]) + str(sent["LOCATION"])

    event = content.booking_event(
        booking_id="b1",
        summary=resource,
        start=START,
        end=START + timedelta(hours=1),
        location=company,
        description=f"{resource}\nline two",
        stamp=START,
        revised_at=START,
        created_at=START,
    )
    feed = content.feed_calendar(f"{company}: feed", [event])
    (read,) = Calendar.from_ical(feed).walk("VEVENT")
    assert str(read["SUMMARY"]) == resource
    assert str(read["LOCATION"]) == company
    assert str(read["DESCRIPTION"]) == f"{resource}\nline two"  # a real line break stays one
    # icalendar leaves an X- property's text escaped: its line, as a calendar client reads it.
    assert "X-WR-CALNAME:Nord \\\\N Co: feed" in _content_lines(feed)


def test_a_rejection_with_the_company_s_reason_keeps_it_on_its_own_line() -> None:
    email = content.render(
        "booking_rejected",
        facts(status="REJECTED", reject_reason="SESSION_CANCELLED", cancel_reason="Teacher ill"),
        audience="CUSTOMER",
        organizer="b@x.test",
    )

    assert "the session was cancelled. Reason given: Teacher ill\nNothing was charged" in email.text
