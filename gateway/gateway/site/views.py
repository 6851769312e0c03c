"""What the site's pages show, in words: times in the company's zone, money with its currency,
a resource's cancellation terms, the status of a booking and why it was rejected. (The refund a
cancellation would give now is bookings' PreviewCancellation, put in words by the cancel page.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from gateway.notifications.content import Refund
from gateway.schemas import short_name

MODEL_LABELS = {
    "TIME_SLOT": "Classes and tours: book places in a session",
    "NIGHTLY": "Stays: book nights",
    "INTERVAL": "Rentals: book by the hour",
}

STATUS_WORDS = {
    "PENDING": "We are confirming your booking…",
    "PENDING_PAYMENT": "Your place is held; the payment is still due.",
    "CONFIRMED": "Your booking is confirmed.",
    "REJECTED": "Your booking could not be made.",
    "CANCELLING": "Your booking is being cancelled and refunded…",
    "CANCELLED": "Your booking is cancelled.",
    "CHECKED_IN": "You have checked in.",
    "COMPLETED": "Your booking is completed. Thank you!",
    "NO_SHOW": "The booking was marked as a no-show.",
}

REASON_WORDS = {
    "CARD_DECLINED": "Your bank declined the card. No money was taken; try another card.",
    "CARD_INSUFFICIENT_FUNDS": "The card has insufficient funds. No money was taken.",
    "CARD_EXPIRED": "The card has expired. No money was taken; try another card.",
    "AUTHENTICATION_FAILED": "The card check (3-D Secure) was refused or not completed in time. "
    "No money was taken.",
    "SESSION_FULL": "The session filled up before your booking: there are no places left.",
    "NO_UNIT_AVAILABLE": "Nothing is free for those dates any more.",
    "SLOT_TAKEN": "That time was taken before your booking.",
    "INSUFFICIENT_FUNDS": "There was not enough money in the wallet.",
    "PAYMENT_PLAN_INSUFFICIENT": "The chosen payment did not cover the price.",
    "PAYMENTS_UNAVAILABLE": "The card payment could not be made just now. No money was taken; "
    "please try again.",
    "PROVIDER_UNAVAILABLE": "The card provider did not answer. No money was taken; please try again.",
    "SESSION_CANCELLED": "The company cancelled this session.",
}


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local(value: datetime | None, tz: ZoneInfo) -> str:
    """Tue 8 Dec 2026, 18:00 in the company's time zone."""
    if value is None:
        return ""
    moment = value.astimezone(tz)
    return f"{moment:%a} {moment.day} {moment:%b %Y, %H:%M}"


def period(start: datetime | None, end: datetime | None, tz: ZoneInfo) -> str:
    """Tue 8 Dec 2026, 18:00-19:00 on one day; both in full across days."""
    if start is None or end is None:
        return local(start, tz)
    first, last = start.astimezone(tz), end.astimezone(tz)
    if first.date() == last.date():
        return f"{local(start, tz)}\u2013{last:%H:%M}"
    return f"{local(start, tz)} to {local(end, tz)}"


def local_date(value: str) -> str:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return value
    return f"{day:%a} {day.day} {day:%b %Y}"


def stamp(message: Any, name: str) -> datetime | None:
    if not message.HasField(name):
        return None
    value: datetime = getattr(message, name).ToDatetime(tzinfo=UTC)
    return value


def amount(minor: int, currency: str) -> str:
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d} {currency}"


def duration(minutes: int) -> str:
    """90 -> 1 hour 30 minutes; 2880 -> 2 days."""
    parts = []
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    for count, unit in ((days, "day"), (hours, "hour"), (mins, "minute")):
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
    return " ".join(parts) or "0 minutes"


def wait(seconds: int) -> str:
    """A wait in words, rounded up (never shorter than it is): 45 -> 45 seconds, 61 -> 2 minutes,
    3541 -> 1 hour."""
    if seconds < 60:
        seconds = max(seconds, 1)
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return duration(-(-seconds // 60))


def windows_of(policy: catalog_pb2.ResourcePolicy) -> list[tuple[int, int]]:
    """The refund steps (minutes before the start, percent), widest first, as catalog derives
    them when the resource has none of its own (free_cancellation_minutes)."""
    windows = [(w.minutes_before_start, w.refund_percent) for w in policy.cancellation_windows]
    if not windows:
        free = policy.free_cancellation_minutes
        windows = [(0, 100)] if free == 0 else [(free, 100), (0, 0)]
    return sorted(windows, reverse=True)


def terms_in_words(policy: catalog_pb2.ResourcePolicy) -> list[str]:
    lines = []
    windows = windows_of(policy)
    previous = 0
    for minutes, percent in windows:
        back = {100: "a full refund", 0: "no refund"}.get(percent, f"{percent}% refunded")
        if minutes > 0:
            lines.append(f"Cancel at least {duration(minutes)} before the start: {back}.")
        elif previous:
            lines.append(f"Less than {duration(previous)} before the start: {back}.")
        else:
            lines.append(f"Cancel any time before the start: {back}.")
        previous = minutes
    if windows and windows[-1][0] > 0:
        lines.append(f"Less than {duration(windows[-1][0])} before the start: no refund.")
    lines.append("Once the booked time has begun, it can no longer be cancelled.")
    return lines


@dataclass
class ResourceView:
    id: str
    name: str
    model: str
    model_label: str
    description: str
    amenities: list[str]
    capacity: int
    images: list[str]
    terms: list[str]
    hourly_rate: str
    sessions: list[SessionView] = field(default_factory=list)
    days: list[DayView] = field(default_factory=list)

    @property
    def initial(self) -> str:
        return (self.name.strip()[:1] or "?").upper()


@dataclass
class SessionView:
    id: str
    resource_id: str
    start: str
    period: str
    price: str
    capacity: int
    # Places still free (the session's capacity less the places held; 0: full), where the
    # page asked (the company page does).
    places_left: int | None = None


@dataclass
class DayView:
    date: str
    label: str
    free: int
    capacity: int
    unit: str

    @property
    def level(self) -> str:
        if self.capacity <= 0 or self.free <= 0:
            return "full"
        return "few" if self.free * 4 <= self.capacity else "free"


def resource_view(resource: catalog_pb2.Resource, currency: str) -> ResourceView:
    model = short_name(catalog_pb2.BookingModel, resource.booking_model, "BOOKING_MODEL_")
    images = [url for url in resource.image_urls if url.startswith(("https://", "http://"))]
    rate = ""
    if resource.HasField("hourly_rate") and resource.hourly_rate.amount_minor:
        rate = amount(resource.hourly_rate.amount_minor, resource.hourly_rate.currency_code or currency)
    return ResourceView(
        id=resource.id,
        name=resource.name,
        model=model,
        model_label=MODEL_LABELS.get(model, ""),
        description=resource.description,
        amenities=list(resource.amenities),
        capacity=resource.capacity,
        images=images[:3],
        terms=terms_in_words(resource.policy),
        hourly_rate=rate,
    )


def map_link(address: str) -> str:
    return "https://www.openstreetmap.org/search?" + urlencode({"query": address})


@dataclass
class BookingView:
    id: str
    company_id: str
    status: str
    words: str
    reason: str
    what: str
    when: str
    total: str
    lines: list[str]
    payment_id: str = ""
    terminal: bool = False
    # Still to pay while PENDING_PAYMENT (a wallet that was short, pay later), else "".
    amount_due: str = ""

    @property
    def live(self) -> bool:
        return self.status in ("PENDING", "CANCELLING", "PENDING_PAYMENT")

    @property
    def can_cancel(self) -> bool:
        return self.status == "CONFIRMED"


TERMINAL = frozenset({"REJECTED", "CANCELLED", "COMPLETED", "NO_SHOW"})


def booking_view(
    booking: bookings_pb2.Booking, resource_name: str, tz: ZoneInfo, payment_id: str = ""
) -> BookingView:
    status = short_name(bookings_pb2.BookingStatus, booking.status, "BOOKING_STATUS_")
    currency = booking.total_price.currency_code
    if booking.check_in_date:
        when = f"{local_date(booking.check_in_date)} to {local_date(booking.check_out_date)}"
    else:
        when = period(stamp(booking, "start_time"), stamp(booking, "end_time"), tz)
    if booking.check_in_date:
        what = f"{resource_name}, {booking.guests} guest{'s' if booking.guests != 1 else ''}"
    elif booking.session_id:
        what = f"{resource_name}, {booking.quantity} place{'s' if booking.quantity != 1 else ''}"
    else:
        what = resource_name
    lines = [f"{e.name} x {e.quantity}" for e in booking.extras]
    reason = ""
    if booking.reject_reason:
        reason = REASON_WORDS.get(
            booking.reject_reason, booking.reject_reason.replace("_", " ").capitalize() + "."
        )
    if status == "CANCELLED" and booking.cancel_reason:
        reason = f"The company cancelled it: {booking.cancel_reason}"
    if booking.HasField("refund") and booking.refund.percent:
        # Where it went (card, wallet, pass, desk), as the refund e-mail says it.
        back = Refund.of(booking.refund).where(currency)
        done = " — done" if booking.refund.status == bookings_pb2.REFUND_STATUS_REFUNDED else " — on its way"
        lines.append(f"Refund ({booking.refund.percent}%): {', '.join(back) or 'nothing comes back'}{done}")
    return BookingView(
        id=booking.id,
        company_id=booking.company_id,
        status=status,
        words=STATUS_WORDS.get(status, status),
        reason=reason,
        what=what,
        when=when,
        total=amount(booking.total_price.amount_minor, currency),
        lines=lines,
        payment_id=payment_id,
        terminal=status in TERMINAL,
        amount_due=amount(booking.amount_due_minor, currency) if status == "PENDING_PAYMENT" else "",
    )
