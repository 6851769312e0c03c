"""What an e-mail says: from the facts about one booking (gathered by the consumer through the
services) to a subject, a text part, an HTML part and, for a confirmation or a cancellation,
an iCalendar attachment. Pure functions, no I/O.

The templates are Jinja2 (`notifications/templates/<kind>.txt` and `.html`); the HTML ones are
autoescaped, the text ones are not (they are no markup). Times are shown in the company's time
zone. No secret goes into an e-mail: no token. The customer's copy tells how to manage the
booking: the company site's "Find my booking" (reference + e-mail address), linked when the
gateway's public address is known (GATEWAY_PUBLIC_URL).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
from icalendar import Calendar, Event, vCalAddress, vText

TEMPLATES = Path(__file__).resolve().parent / "templates"
PRODID = "-//Booking platform//Notifications//EN"

# The subject's last token -> the kind of e-mail (a template name). Cancelling is a step on the
# way to cancelled (that e-mail follows), not one of its own.
KIND_OF_SUBJECT = {
    "confirmed": "booking_confirmed",
    "rejected": "booking_rejected",
    "cancelled": "booking_cancelled",
    "refund_completed": "refund_completed",
    "pending_payment": "payment_due",
    "no_show": "booking_no_show",
    # Staff overturned a no-show (the customer came after all): corrects "you missed it".
    "no_show_overturned": "booking_no_show_overturned",
    # A stay's or rental's new period and the money it moved (its refund included: a
    # shortening sends no refund_completed, so this one e-mail tells it).
    "changed": "booking_changed",
    # An extension that could not be paid, undone: the period kept, the one asked for, why.
    "change_failed": "booking_change_failed",
}
# Event types as the webhooks name them (gateway.webhooks.events), shown on the console page.
EVENT_TYPE_OF_KIND = {
    "booking_confirmed": "booking.confirmed",
    "booking_rejected": "booking.rejected",
    "booking_cancelled": "booking.cancelled",
    "refund_completed": "refund.completed",
    "payment_due": "booking.payment_due",
    "booking_no_show": "booking.no_show",
    "booking_no_show_overturned": "booking.no_show_overturned",
    "booking_changed": "booking.changed",
    "booking_change_failed": "booking.change_failed",
    "check_in_reminder": "booking.check_in_reminder",
}
# The company's staff get a copy of these; the customer or guest gets every kind.
STAFF_KINDS = frozenset({"booking_confirmed", "booking_cancelled"})
# These carry the booking as an .ics (METHOD:CANCEL for the cancellation); a change's carries
# the new period under the same UID, so a calendar holding the confirmation moves the event.
CALENDAR_KINDS = frozenset({"booking_confirmed", "booking_cancelled", "booking_changed"})

SUBJECTS = {
    "booking_confirmed": "Booking confirmed: {resource}, {when}",
    "booking_rejected": "Booking not completed: {resource}, {when}",
    "booking_cancelled": "Booking cancelled: {resource}, {when}",
    "refund_completed": "Refund completed: {resource}, {when}",
    # A refund with money paid at the desk: the cancellation is done, the cash is not back yet.
    "refund_at_desk": "Refund to collect at the front desk: {resource}, {when}",
    "payment_due": "Payment due: {resource}, {when}",
    "booking_no_show": "You missed your booking: {resource}, {when}",
    "booking_no_show_overturned": "Correction: your attendance is recorded: {resource}, {when}",
    "booking_changed": "Your booking was changed: {resource}, {when}",
    "booking_change_failed": "Your change could not be made: {resource}, {when}",
    "check_in_reminder": "Reminder: {resource}, {when}",
}
STAFF_SUBJECT_PREFIX = "[{company}] "

# A rejected booking's reason code, in words for the customer.
REASONS = {
    "CARD_DECLINED": "the card was declined by the bank.",
    "CARD_EXPIRED": "the card has expired.",
    "AUTHENTICATION_FAILED": "the card payment could not be authenticated (3-D Secure failed).",
    "AUTHENTICATION_TIMEOUT": (
        "the card payment was not authenticated in time (the 3-D Secure step was not completed)."
    ),
    "PAYMENT_INCOMPLETE": "the payment was not completed.",
    "INSUFFICIENT_FUNDS": "the wallet did not hold enough money.",
    "INSUFFICIENT_CREDITS": "the pass had not enough credits left.",
    "PASS_EXPIRED": "the pass has expired.",
    "ENTITLEMENT_NOT_FOUND": "the pass could not be found.",
    "SESSION_FULL": "the session is fully booked.",
    "NO_CAPACITY": "there is no place left at that time.",
    "SESSION_CANCELLED": "the session was cancelled.",
    "SESSION_NOT_FOUND": "the session no longer exists.",
    "FORCED_BY_OPERATOR": "our team stopped the booking.",
    "STEP_TIMED_OUT": "a payment step took too long; nothing was charged.",
}


def reason_in_words(code: str | None) -> str:
    if not code:
        return "the booking could not be completed."
    return REASONS.get(code, f"the booking could not be completed ({code}).")


@dataclass(frozen=True)
class Refund:
    percent: int = 0
    card_minor: int = 0
    wallet_minor: int = 0
    credits: int = 0
    desk_minor: int = 0

    @classmethod
    def of(cls, refund: Any) -> Refund:
        """Bookings' refund: a booking's `refund` or a PreviewCancellationResponse (same fields)."""
        return cls(
            percent=refund.percent,
            card_minor=refund.card_minor,
            wallet_minor=refund.wallet_minor,
            credits=refund.credits,
            desk_minor=refund.desk_minor,
        )

    def where(self, currency: str) -> list[str]:
        """Where it goes, one part per place ("20.00 EUR to your wallet", "1 pass credit back
        on your pass", ...), as the refund e-mail lists them: nothing for a place that gets
        nothing (a wallet-paid booking is no card refund); empty when nothing comes back."""
        parts = []
        if self.card_minor:
            parts.append(f"{money(self.card_minor, currency)} to your card")
        if self.wallet_minor:
            parts.append(f"{money(self.wallet_minor, currency)} to your wallet")
        if self.credits:
            parts.append(f"{self.credits} pass credit{'s' if self.credits != 1 else ''} back on your pass")
        if self.desk_minor:
            parts.append(f"{money(self.desk_minor, currency)} to collect at the front desk")
        return parts


@dataclass(frozen=True)
class Change:
    """A change of period as its event told it (`data.change`): the period before, and the
    money it moved by source. The new period and total are the facts' own `start`, `end` and
    `total_minor`, taken from the event too (the booking may have moved on since). A change
    that could not be made (`change_failed`) tells its `reason` and no money: the facts' period
    and total are then the old ones (the booking keeps them), `new_*` what was asked for."""

    old_start: datetime | None = None
    old_end: datetime | None = None
    old_total_minor: int = 0
    new_start: datetime | None = None
    new_end: datetime | None = None
    new_total_minor: int = 0
    reason: str = ""
    charged_card_minor: int = 0
    charged_wallet_minor: int = 0  # main and bonus
    charged_bonus_minor: int = 0
    refund_percent: int = 0
    refunded_card_minor: int = 0
    refunded_wallet_minor: int = 0  # main and bonus
    refunded_bonus_minor: int = 0
    kept_card_minor: int = 0
    kept_wallet_minor: int = 0

    @property
    def charged_minor(self) -> int:
        return self.charged_card_minor + self.charged_wallet_minor

    @property
    def refunded_minor(self) -> int:
        return self.refunded_card_minor + self.refunded_wallet_minor

    @property
    def kept_minor(self) -> int:
        return self.kept_card_minor + self.kept_wallet_minor


@dataclass(frozen=True)
class BookingFacts:
    """What the e-mails about one booking need, read from bookings and catalog."""

    booking_id: str
    company_id: str
    company_name: str
    time_zone: str
    resource_name: str
    start: datetime | None
    end: datetime | None
    quantity: int
    currency: str
    total_minor: int
    status: str
    customer_name: str = ""
    reject_reason: str | None = None
    amount_due_minor: int = 0
    cancel_reason: str = ""
    company_email: str = ""
    company_phone: str = ""
    company_address: str = ""
    refund: Refund = field(default_factory=Refund)
    check_in_deadline: datetime | None = None
    change: Change | None = None
    # When the booking was made: its .ics revisions count from it (`revision`).
    created_at: datetime | None = None

    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.time_zone or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def local(self, at: datetime | None) -> str:
        if at is None:
            return "-"
        return at.astimezone(self.zone()).strftime("%a %d %b %Y, %H:%M")

    @property
    def when(self) -> str:
        return self.local(self.start)

    @property
    def period(self) -> str:
        return self.span(self.start, self.end)

    @property
    def old_period(self) -> str:
        """A changed booking's period before the change."""
        return self.span(self.change.old_start, self.change.old_end) if self.change else "-"

    @property
    def asked_period(self) -> str:
        """The period a change asked for (of a change that could not be made, the one not had)."""
        return self.span(self.change.new_start, self.change.new_end) if self.change else "-"

    def span(self, start: datetime | None, end: datetime | None) -> str:
        if start is None:
            return "-"
        if end is None:
            return self.local(start)
        local_end = end.astimezone(self.zone())
        same_day = local_end.date() == start.astimezone(self.zone()).date()
        shown_end = local_end.strftime("%H:%M") if same_day else self.local(end)
        return f"{self.local(start)} - {shown_end} ({self.time_zone or 'UTC'})"


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str
    ics: str | None


def money(minor: int, currency: str) -> str:
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d} {currency}".strip()


def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["money"] = money
    return env


_TEXT = _environment(autoescape=False)
_HTML = _environment(autoescape=True)


# The e-mails after which a customer may want to open the booking (to pay, see or cancel it).
MANAGE_KINDS = frozenset(
    {"booking_confirmed", "payment_due", "check_in_reminder", "booking_changed", "booking_change_failed"}
)


def manage_link(public_url: str, company_id: str, booking_id: str) -> str:
    """The company site's Find my booking, the reference filled in (no secret in it)."""
    return f"{public_url}/site/{company_id}/find?reference={booking_id}" if public_url else ""


def _subject_key(kind: str, facts: BookingFacts) -> str:
    """The refund of a desk-paid booking is complete for bookings as soon as it is recorded, but
    the customer still has to collect the cash: its subject must not say it is done."""
    if kind == "refund_completed" and facts.refund.desk_minor:
        return "refund_at_desk"
    return kind


def render(
    kind: str,
    facts: BookingFacts,
    *,
    audience: str,
    organizer: str,
    public_url: str = "",
    revised_at: datetime | None = None,
) -> Email:
    """The e-mail of one kind about one booking, for the customer or for the staff; `revised_at`
    (the event's time) orders its .ics among the booking's others (`revision`)."""
    staff = audience == "STAFF"
    context = {
        "b": facts,
        "staff": staff,
        "reason": reason_in_words(facts.reject_reason),
        "manage": kind in MANAGE_KINDS and not staff,
        "manage_url": manage_link(public_url, facts.company_id, facts.booking_id),
    }
    subject = SUBJECTS[_subject_key(kind, facts)].format(resource=facts.resource_name, when=facts.when)
    if audience == "STAFF":
        subject = STAFF_SUBJECT_PREFIX.format(company=facts.company_name) + subject
    ics = None
    if kind in CALENDAR_KINDS and facts.start is not None and facts.end is not None:
        ics = booking_calendar(
            facts,
            cancelled=kind == "booking_cancelled",
            organizer=organizer,
            revised_at=revised_at or datetime.now(UTC),
        )
    return Email(
        subject=" ".join(subject.split()),  # no header injection through a name
        text=_TEXT.get_template(f"{kind}.txt").render(**context),
        html=_HTML.get_template(f"{kind}.html").render(**context),
        ics=ics,
    )


ENDPOINT_DISABLED = "webhook_endpoint.disabled"
ENDPOINT_DISABLED_SUBJECT = "Webhook endpoint disabled: {url}"
WEBHOOKS_PAGE = "/ops/webhooks"


def shown_url(url: str) -> str:
    """An endpoint's address as an e-mail shows it: scheme, host, port and path; no user or
    password, no query and no fragment (a receiver may keep a token there)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(an address that could not be read)"
    if ":" in host:
        host = f"[{host}]"
    return urlunsplit((parts.scheme, host + port, parts.path, "", ""))


def render_endpoint_disabled(*, url: str, disabled_at: datetime, failures: int) -> Email:
    """The notice to a company's admins that the webhooks' dispatcher disabled an endpoint
    whose every attempt failed for a day."""
    context = {
        "url": shown_url(url),
        "disabled_at": disabled_at.astimezone(UTC).strftime("%a %d %b %Y, %H:%M UTC"),
        "failures": failures,
        "page": WEBHOOKS_PAGE,
    }
    return Email(
        subject=" ".join(ENDPOINT_DISABLED_SUBJECT.format(url=context["url"]).split()),
        text=_TEXT.get_template("webhook_endpoint_disabled.txt").render(**context),
        html=_HTML.get_template("webhook_endpoint_disabled.html").render(**context),
        ics=None,
    )


SIGNUP_CODE = "account.signup_code"
SIGNUP_CODE_SUBJECT = "Your sign-up code for {company}"


def render_signup_code(*, company: str, code: str) -> Email:
    """The code that proves an address is the signer-up's when it is already a customer's."""
    context = {"company": company, "code": code}
    return Email(
        subject=" ".join(SIGNUP_CODE_SUBJECT.format(company=company).split()),
        text=_TEXT.get_template("signup_code.txt").render(**context),
        html=_HTML.get_template("signup_code.html").render(**context),
        ics=None,
    )


PASSWORD_RESET = "account.password_reset"
PASSWORD_RESET_SUBJECT = "Reset your password at {company}"


def render_password_reset(*, company: str, token: str, code_url: str) -> Email:
    """The reset token, to the account's own address only: whoever reads it may set the
    password, so no one else (staff included) is shown it. `code_url` is the page to type it
    on (the company site's for a customer, the console's for staff): the token is never put in
    that address (an address ends up in browser history, proxies and logs)."""
    context = {"company": company, "token": token, "code_url": code_url}
    return Email(
        subject=" ".join(PASSWORD_RESET_SUBJECT.format(company=company).split()),
        text=_TEXT.get_template("password_reset.txt").render(**context),
        html=_HTML.get_template("password_reset.html").render(**context),
        ics=None,
    )


INVITATION = "account.invitation"
INVITATION_SUBJECT = "{inviter} invited you to {company}"
# How each role reads in the invitation.
_ROLE_NAMES = {"COMPANY_ADMIN": "company admin", "STAFF": "staff member", "CUSTOMER": "customer"}


def render_invitation(
    *,
    company: str,
    inviter: str,
    role: str,
    expires_at: datetime,
    time_zone: str,
    accept_url: str,
    code: str,
) -> Email:
    """An invitation: who invites whom into which company as what, until when, and how to
    accept. The code is typed on the accept page, never put in its address (an address ends up
    in browser history, proxies and logs), as a reset token is."""
    try:
        zone = ZoneInfo(time_zone) if time_zone else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    context = {
        "company": company,
        "inviter": inviter,
        "role": _ROLE_NAMES.get(role, role.lower()),
        "expires_at": expires_at.astimezone(zone).strftime("%a %d %b %Y, %H:%M") + f" ({zone.key})",
        "accept_url": accept_url,
        "code": code,
    }
    return Email(
        subject=" ".join(INVITATION_SUBJECT.format(inviter=inviter, company=company).split()),
        text=_TEXT.get_template("invitation.txt").render(**context),
        html=_HTML.get_template("invitation.html").render(**context),
        ics=None,
    )


def event_uid(booking_id: str) -> str:
    """One booking's UID in every calendar: the .ics attachments and the feeds."""
    return f"booking-{booking_id}@booking-platform"


# SEQUENCE is a 32-bit INTEGER (RFC 5545 3.3.8).
_LARGEST_SEQUENCE = 2**31 - 1


def revision(at: datetime, since: datetime) -> int:
    """An event's SEQUENCE: the tenths of a second from the booking's creation (`since`) to the
    revision's time (`at`). A calendar replaces the event it holds only with one of a higher
    SEQUENCE (RFC 5545 3.8.7.4), and a booking's confirmation, changes and cancellation happen
    in that order, each at its own event's time: so each .ics sent, and the feed's copy (its
    booking's update time), supersedes the ones before it without a counter kept anywhere. A
    change follows its confirmation by a saga's round at least (well over a tenth); 32 bits
    hold 6.8 years of a booking's life, and later revisions keep the largest."""
    tenths = int((at - since).total_seconds() * 10)
    return min(max(0, tenths), _LARGEST_SEQUENCE)


# What no calendar text holds raw, whatever a stored name says: the controls other than a tab
# and the line breaks vText escapes (RFC 5545 TEXT allows none), and the line separators and
# bidirectional overrides and isolates (a name shown reversed).
_UNSAFE_IN_ICS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


class _Text(vText):
    """A TEXT escaped as RFC 5545 3.3.11 says and nothing more: every backslash "\\\\" (first),
    then ";", "," and a line break "\\n". icalendar's vText first reads the two characters "\\N"
    of a text as a line break, so a name holding them showed a new line in calendar clients."""

    def to_ical(self) -> bytes:
        escaped = self.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
        return escaped.encode("utf-8")  # what vText encodes a str in


def ics_text(value: str, *, one_line: bool = True) -> vText:
    """A text for an .ics property or parameter, escaped as RFC 5545 says (`_Text`: a line break
    becomes the two characters \\n, never a new content line; a backslash is escaped, so a
    name's own "\\N" reads back as written). Names, summaries and places are one line (their
    line breaks become spaces); a description keeps its lines. Other control, separator and bidi
    characters become U+FFFD. Names stored before the input was checked render so too."""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    if one_line:
        text = " ".join(text.split())
    return _Text(_UNSAFE_IN_ICS.sub("\ufffd", text))


def _calendar(method: str | None, name: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", ics_text(name))
    return calendar


def booking_event(
    *,
    booking_id: str,
    summary: str,
    start: datetime,
    end: datetime,
    location: str,
    description: str,
    stamp: datetime,
    revised_at: datetime,
    created_at: datetime,
    cancelled: bool = False,
    organizer: str | None = None,
    organizer_name: str = "",
) -> Event:
    event = Event()
    event.add("uid", event_uid(booking_id))
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", end.astimezone(UTC))
    event.add("summary", ics_text(summary))
    if location:
        event.add("location", ics_text(location))
    if description:
        event.add("description", ics_text(description, one_line=False))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("sequence", revision(revised_at, created_at))
    if organizer:
        address = vCalAddress(f"mailto:{organizer}")
        if organizer_name:
            address.params["cn"] = ics_text(organizer_name)
        event.add("organizer", address)
    return event


def booking_calendar(facts: BookingFacts, *, cancelled: bool, organizer: str, revised_at: datetime) -> str:
    """The .ics of an e-mail: the booking's period at the resource, METHOD:CANCEL when cancelled."""
    assert facts.start is not None and facts.end is not None
    calendar = _calendar("CANCEL" if cancelled else "PUBLISH")
    calendar.add_component(
        booking_event(
            booking_id=facts.booking_id,
            summary=f"{facts.resource_name} ({facts.company_name})",
            start=facts.start,
            end=facts.end,
            location=", ".join(p for p in (facts.company_name, facts.company_address) if p),
            description=f"Booking {facts.booking_id}: {facts.quantity} x {facts.resource_name}",
            stamp=datetime.now(UTC),
            revised_at=revised_at,
            created_at=facts.created_at or revised_at,
            cancelled=cancelled,
            organizer=organizer,
            organizer_name=facts.company_name,
        )
    )
    return calendar.to_ical().decode()


def feed_calendar(name: str, events: list[Event]) -> bytes:
    calendar = _calendar("PUBLISH", name)
    for event in events:
        calendar.add_component(event)
    return bytes(calendar.to_ical())
