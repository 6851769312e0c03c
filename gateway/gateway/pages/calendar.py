"""The business console (HTML under /ops/calendar, for a company's staff and admins, and
platform admins naming the company): a month heatmap of occupancy, the day view with its
units, sessions and bookings, and the front desk's actions from it.

- The month: bookings' GetAvailability (occupancy per resource per local day, computed in
  bookings' database by one set-based query per booking model) and the catalog's resources
  for their names: one call each per page view, whatever the number of bookings. An archived
  resource is shown (marked) in a month it has bookings, as the day view shows it on their days.
- The day: the company's bookings overlapping the local day (ListBookings with `date`, the
  period index), the day's sessions, each nightly resource's units and each interval
  resource's free slots; each confirmed booking's cancel confirmation shows bookings' own
  answer (PreviewCompanyCancellations: one call for the day, the rule CancelBooking applies),
  or its refusal.
- Leases (gateway.leases): the booking form of a free cell holds its period, opening a
  booking's cancellation holds the booking's (the page's script), the day view shows what the
  others hold live (SSE), and every submit takes the lease itself, so a conflicting one is
  refused by the database and not only by the page; a save releases it.
- The actions (check in, cancel, book for a customer) are POST forms with the session's CSRF
  token that call the back office's own route handlers (`routes.admin_bookings`, under the
  form's one-time key as Idempotency-Key), so the rules are the API's; htmx swaps the booking's
  card in place, and without JavaScript the form answers a 303 back to the day.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from gateway.auth import OPS_ROLES, Principal, company_in_reach
from gateway.console import calendar as cal
from gateway.console.rendering import page_response, render
from gateway.deps import clients_of, rpc, tokens_of
from gateway.leases.console import (
    HEARTBEAT_SECONDS,
    LEASES,
    Lease,
    LeaseHeld,
    Wanted,
    booking_wanted,
    by_resource,
    day_bounds,
    held_text,
    hold,
    leases_of,
    release_quietly,
    target_wanted,
)
from gateway.pages.html import SKIPPED_TIME, local_instant, read_form
from gateway.pages.sagas import CODE, Notice, check_csrf, csrf_token, page_csrf
from gateway.problems import Problem
from gateway.routes.admin_bookings import (
    cancel_booking_by_company,
    check_in_booking_at_desk,
    create_booking_for_customer,
)
from gateway.routes.admin_customers import list_customers
from gateway.routes.admin_sessions import ACTIVE_STATUSES
from gateway.routes.common import Idempotent
from gateway.schemas import short_name
from gateway.schemas_admin_front_desk import ReasonBody, StaffBookingBody
from gateway.sessions import PageStaff, form_staff
from plumbing.principal import Role, acting_as

router = APIRouter()

BASE = "/ops/calendar"
# GetAvailability takes at most 500 resources; a page lists at most this many.
MAX_RESOURCES = 500
# The day view of the whole company shows this many resources per page.
DAY_RESOURCES_PER_PAGE = 25
# The day view reads at most this many bookings (pages of 200) and sessions.
MAX_DAY_BOOKINGS = 1000
MAX_DAY_SESSIONS = 1000
# Names of the day's customers are read at most this many at a time, and for at most this many.
NAME_LOOKUPS_AT_ONCE = 16
MAX_NAMED_CUSTOMERS = 200
# Bookings' cancellation previews of the day's confirmed bookings: this many per call (bookings'
# PreviewCompanyCancellations takes at most 200).
PREVIEWS_PER_CALL = 200
CUSTOMER_CHOICES = 10
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The day view does not show rejected bookings (they never held anything).
SHOWN_STATUSES = [
    s
    for s in bookings_pb2.BookingStatus.values()
    if s not in (bookings_pb2.BOOKING_STATUS_UNSPECIFIED, bookings_pb2.BOOKING_STATUS_REJECTED)
]
DONE = {
    "check-in": "Checked in.",
    "cancel": "Cancellation started: the refund is on its way.",
    "book": "Booked.",
}
REFUSALS = {
    "CHECK_IN_NOT_OPEN": "Check-in opens 60 minutes before the start.",
    "CHECK_IN_CLOSED": "The check-in deadline has passed.",
    "BOOKING_NOT_CANCELLABLE": "This booking cannot be cancelled in its state.",
    "BOOKING_ALREADY_STARTED": "The booked time has begun.",
    "BOOKING_FINALIZING": "The booking is still being confirmed; try again in a moment.",
    "BOOKING_NOT_CONFIRMED": "Only a confirmed booking can be checked in.",
    "SESSION_NOT_OPEN": "The session is cancelled.",
    "SESSION_STARTED": "The session has already started.",
    "REASON_REQUIRED": "Say why the company cancels.",
    "REASON_TOO_LONG": "Say it in 500 characters at most.",
    "ALREADY_CANCELLED": "This booking is already cancelled.",
    "CUSTOMER_REQUIRED": "Pick a customer first.",
    "SESSION_FULL": "No place is left in this session.",
    "VALIDATION_FAILED": "Some field is not valid.",
    "TIME_SKIPPED": SKIPPED_TIME + ".",
    "UNAVAILABLE": "It is taken for part of that time (or no unit is free for every night).",
    "START_IN_PAST": "That time has already begun.",
    "LEAD_TIME_NOT_MET": "The resource's policy closes bookings earlier before the start.",
    "BEYOND_HORIZON": "The resource's policy does not open bookings that far ahead.",
    "STAY_TOO_SHORT": "The stay is shorter than the policy's minimum.",
    "STAY_TOO_LONG": "The stay is longer than the policy's maximum.",
    "DURATION_TOO_SHORT": "The rental is shorter than the policy's minimum.",
    "DURATION_TOO_LONG": "The rental is longer than the policy's maximum.",
    "TOO_MANY_PLACES": "More places than the policy allows in one booking.",
    "TOO_MANY_GUESTS": "More guests than a unit holds.",
    "MAX_ACTIVE_BOOKINGS": "The customer already has as many active bookings as the policy allows.",
    "CUSTOMER_NOT_FOUND": "No such customer in this company.",
    "LEASE_HELD": "Another staff member holds this period (shown on the day view); try again once "
    "they save or cancel, or their hold expires.",
}

CompanyQuery = Annotated[str | None, Query(max_length=64)]
IdQuery = Annotated[str | None, Query(max_length=64)]


def _invalid(field_name: str, message: str) -> Problem:
    return Problem(
        400,
        "VALIDATION_FAILED",
        "The request is not valid.",
        errors=[{"field": field_name, "message": message}],
    )


def _uuid(value: str | None, field_name: str) -> str | None:
    if not value:
        return None
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise _invalid(field_name, "a UUID") from None


def _uuid_or_none(value: str | None) -> str | None:
    try:
        return _uuid(value, "id")
    except Problem:
        return None


def _day(value: str | None, field_name: str = "date") -> date:
    if not value or not DAY.match(value):
        raise _invalid(field_name, "a date YYYY-MM-DD")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise _invalid(field_name, "a date YYYY-MM-DD") from None
    if not 1970 <= day.year <= 2199:
        raise _invalid(field_name, "a date between 1970 and 2199")
    return day


# ----- the company and its resources -----


@dataclass(frozen=True)
class Company:
    id: str
    name: str
    zone: ZoneInfo
    zone_name: str
    currency: str


@dataclass(frozen=True)
class Resource:
    id: str
    name: str
    model: str  # TIME_SLOT, NIGHTLY, INTERVAL
    # Archived: takes no new booking, but the bookings made before it stand (and are shown).
    archived: bool = False

    @property
    def unit(self) -> str:
        return cal.UNITS.get(self.model, "")


def _company_id(principal: Principal, wanted: str | None) -> str | None:
    """The company the pages show: the one named when in reach, else the caller's own; None
    for a platform admin who named none (the page asks for one)."""
    named = _uuid(wanted, "company_id")
    if named is not None:
        return company_in_reach(principal, named)
    if principal.role is Role.PLATFORM_ADMIN or principal.company_id is None:
        return None
    return principal.company_id


async def _company(request: Request, company_id: str) -> Company:
    reply = await rpc(
        "catalog",
        clients_of(request).catalog.GetCompany(catalog_pb2.GetCompanyRequest(company_id=company_id)),
    )
    try:
        zone = ZoneInfo(reply.company.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return Company(company_id, reply.company.name, zone, reply.company.time_zone, reply.company.currency_code)


async def company_resources(
    request: Request, company_id: str, *, with_archived: bool = False
) -> list[Resource]:
    """The company's resources (at most MAX_RESOURCES), as the console lists them; the
    archived ones too (marked) when asked."""
    found: list[Resource] = []
    query = catalog_pb2.ListResourcesRequest(
        company_id=company_id, page_size=200, show_archived=with_archived
    )
    while len(found) < MAX_RESOURCES:
        reply = await rpc("catalog", clients_of(request).catalog.ListResources(query))
        found += [
            Resource(
                r.id,
                r.name,
                short_name(catalog_pb2.BookingModel, r.booking_model, "BOOKING_MODEL_"),
                archived=r.HasField("archive_time"),
            )
            for r in reply.resources
        ]
        if not reply.next_page_token:
            break
        query.page_token = reply.next_page_token
    return found[:MAX_RESOURCES]


def _local_today(company: Company) -> date:
    return datetime.now(company.zone).date()


def _query(**values: Any) -> str:
    kept = {k: str(v) for k, v in values.items() if v not in (None, "")}
    return f"?{urlencode(kept)}" if kept else ""


# ----- the month -----


@dataclass(frozen=True)
class Row:
    resource: Resource | None  # None: the company
    cells: list[cal.Cell]
    booked: int = 0
    capacity: int = 0

    @property
    def percent(self) -> int | None:
        return round(100 * self.booked / self.capacity) if self.capacity else None


def shown_in_month(rows: list[Row]) -> list[Row]:
    """The resources a month shows: every active one, and an archived one with bookings that
    month (as the day view shows it on the days of its bookings: archiving refuses nothing,
    so the bookings made before stand and count in the month's occupancy)."""
    return [row for row in rows if row.resource and (not row.resource.archived or row.booked)]


@router.get(BASE, response_class=HTMLResponse, include_in_schema=False)
async def calendar_page(
    request: Request,
    principal: PageStaff,
    month: Annotated[str | None, Query(max_length=16)] = None,
    resource_id: IdQuery = None,
    company_id: CompanyQuery = None,
) -> HTMLResponse:
    company_key = _company_id(principal, company_id)
    if company_key is None:
        return page_response(request, "calendar.html", operator=principal, section="calendar", company=None)
    asked = cal.parse_month(month, date.today()) if month else None
    if month and asked is None:
        raise _invalid("month", "a month YYYY-MM")
    chosen = _uuid(resource_id, "resource_id")
    company, listed = await asyncio.gather(
        _company(request, company_key), company_resources(request, company_key, with_archived=True)
    )
    first = asked or _local_today(company).replace(day=1)
    days = cal.month_days(first)
    rows: list[Row] = []
    if listed:
        # Archived resources are asked too (bookings counts what a named resource holds,
        # archived or not), and shown only when they have bookings this month.
        reply = await rpc(
            "bookings",
            clients_of(request).bookings.GetAvailability(
                bookings_pb2.GetAvailabilityRequest(
                    company_id=company.id,
                    resource_ids=[r.id for r in listed],
                    start_date=days[0].isoformat(),
                    end_date=days[-1].isoformat(),
                )
            ),
        )
        by_id = {item.resource_id: item for item in reply.resources}
        for resource in listed:
            item = by_id.get(resource.id)
            figures = {d.date: (d.capacity, d.booked) for d in item.days} if item else {}
            cells = [cal.Cell(day, *figures.get(day.isoformat(), (0, 0)), resource.unit) for day in days]
            rows.append(
                Row(resource, cells, sum(c.booked for c in cells), sum(max(0, c.capacity) for c in cells))
            )
    rows = shown_in_month(rows)
    resources = [row.resource for row in rows if row.resource]
    if chosen is not None and chosen not in {r.id for r in resources}:
        raise Problem(404, "RESOURCE_NOT_FOUND", "No such resource.")
    totals = cal.unit_totals([(row.resource.unit, row.cells) for row in rows if row.resource], days)
    company_row = Row(None, cal.company_cells([row.cells for row in rows], days, totals))
    unit_rows = [
        (unit, Row(None, cells, sum(c.booked for c in cells), sum(c.capacity for c in cells)))
        for unit, cells in totals
    ]
    shown = next((row for row in rows if row.resource and row.resource.id == chosen), company_row)
    by_day = {cell.day: cell for cell in shown.cells}
    key = cal.month_key(first)
    company_arg = company.id if principal.role is Role.PLATFORM_ADMIN else None

    def month_url(months: int) -> str:
        return BASE + _query(
            month=cal.month_key(cal.shift_month(first, months)), resource_id=chosen, company_id=company_arg
        )

    def day_url(day: date, resource: str | None = chosen) -> str:
        return f"{BASE}/day" + _query(date=day.isoformat(), resource_id=resource, company_id=company_arg)

    return page_response(
        request,
        "calendar.html",
        operator=principal,
        section="calendar",
        company=company,
        month=first,
        month_key=key,
        month_title=first.strftime("%B %Y"),
        weekdays=("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
        weeks=[[by_day.get(day) if day else None for day in week] for week in cal.weeks(first)],
        today=_local_today(company),
        resources=resources,
        chosen=shown.resource,
        rows=rows,
        company_row=company_row,
        unit_rows=unit_rows,
        days=days,
        previous_url=month_url(-1),
        next_url=month_url(1),
        this_month_url=BASE + _query(resource_id=chosen, company_id=company_arg),
        month_of=lambda resource=None: BASE + _query(month=key, resource_id=resource, company_id=company_arg),
        day_url=day_url,
        company_arg=company_arg or "",
        levels=range(6),
    )


# ----- the day -----


@dataclass
class Card:
    """One booking as the day view shows it."""

    id: str
    status: str
    customer_id: str
    customer: str
    resource_id: str
    session_id: str
    unit_id: str
    quantity: int
    guests: int
    start: datetime | None
    end: datetime | None
    check_in_date: str
    check_out_date: str
    checked_in: datetime | None
    check_in_deadline: datetime | None
    total_minor: int
    currency: str
    saga_id: str
    booked_by_staff: bool
    # The cancel confirmation: bookings' answer (with_refunds), or why it would refuse.
    refund_percent: int = 0
    refund_lines: list[str] = field(default_factory=list)
    cancel_refused: str = ""
    request_key: str = field(default_factory=lambda: str(uuid.uuid4()))
    notice: Notice | None = None

    @property
    def can_check_in(self) -> bool:
        """Offered on a confirmed booking; bookings judges the window (from 60 minutes before
        the start until the deadline and its grace) and the refusal is shown."""
        return self.status == "CONFIRMED"

    @property
    def can_cancel(self) -> bool:
        return self.status == "CONFIRMED"

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


def _span(start: datetime | None, end: datetime | None, zone: ZoneInfo) -> str:
    """From-until in the company's time (an en dash between): 09:00 to 10:30, a whole day
    00:00 to 24:00, and the end's date when it ends on another day."""
    if start is None or end is None:
        return "-"
    first, last = start.astimezone(zone), end.astimezone(zone)
    if last.date() == first.date():
        return f"{first:%H:%M}\u2013{last:%H:%M}"
    if last.date() == first.date() + timedelta(days=1) and last.time() == time(0):
        return f"{first:%H:%M}\u201324:00"
    return f"{first:%H:%M}\u2013{last:%d %b %H:%M}"


def _money(minor: int, currency: str) -> str:
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d} {currency}"


def refund_lines(preview: bookings_pb2.PreviewCancellationResponse) -> list[str]:
    """Bookings' answer to what the company's cancellation gives back now, in words: the page
    computes no refund of its own."""
    currency = preview.currency_code
    lines = []
    if preview.card_minor:
        lines.append(f"{_money(preview.card_minor, currency)} to the card")
    if preview.wallet_minor:
        lines.append(f"{_money(preview.wallet_minor, currency)} to the wallet")
    if preview.credits:
        lines.append(f"{preview.credits} pass credit{'s' if preview.credits != 1 else ''} returned")
    if preview.desk_minor:
        lines.append(f"{_money(preview.desk_minor, currency)} to hand back at the desk")
    return lines or ["nothing to refund"]


async def with_refunds(request: Request, company_id: str, cards: list[Card]) -> None:
    """Fills in the cancel confirmation of each card that offers one with bookings' answer
    (PreviewCompanyCancellations: the company's cancellation, the rule CancelBooking applies,
    one call for up to 200 cards); a refusal is said instead."""
    offered = {card.id: card for card in cards if card.can_cancel}
    ids = sorted(offered)
    chunks = [ids[start : start + PREVIEWS_PER_CALL] for start in range(0, len(ids), PREVIEWS_PER_CALL)]
    answers = await asyncio.gather(
        *(
            rpc(
                "bookings",
                clients_of(request).bookings.PreviewCompanyCancellations(
                    bookings_pb2.PreviewCompanyCancellationsRequest(company_id=company_id, booking_ids=chunk)
                ),
            )
            for chunk in chunks
        )
    )
    for answer in answers:
        for entry in answer.previews:
            card = offered.get(entry.booking_id)
            if card is None:
                continue
            if entry.refused_reason:
                card.cancel_refused = REFUSALS.get(entry.refused_reason, entry.refused_message)
            else:
                card.refund_percent = entry.preview.percent
                card.refund_lines = refund_lines(entry.preview)


def _time(message: Any, name: str) -> datetime | None:
    if not message.HasField(name):
        return None
    stamp: Any = getattr(message, name)
    return stamp.ToDatetime(tzinfo=UTC)


def card_of(b: bookings_pb2.Booking, names: dict[str, str]) -> Card:
    return Card(
        id=b.id,
        status=short_name(bookings_pb2.BookingStatus, b.status, "BOOKING_STATUS_"),
        customer_id=b.customer_id,
        customer=names.get(b.customer_id, ""),
        resource_id=b.resource_id,
        session_id=b.session_id,
        unit_id=b.unit_id,
        quantity=b.quantity,
        guests=b.guests,
        start=_time(b, "start_time"),
        end=_time(b, "end_time"),
        check_in_date=b.check_in_date,
        check_out_date=b.check_out_date,
        checked_in=_time(b, "checked_in_time"),
        check_in_deadline=_time(b, "check_in_deadline_time"),
        total_minor=b.total_price.amount_minor,
        currency=b.total_price.currency_code,
        saga_id=b.saga_id,
        booked_by_staff=bool(b.booked_by_user_id),
    )


async def _customer_names(request: Request, ids: set[str]) -> dict[str, str]:
    """Names (and e-mails) of the day's customers, read a few at a time."""
    gate = asyncio.Semaphore(NAME_LOOKUPS_AT_ONCE)

    async def one(customer_id: str) -> tuple[str, str]:
        async with gate:
            try:
                reply = await clients_of(request).catalog.GetCustomer(
                    catalog_pb2.GetCustomerRequest(customer_id=customer_id)
                )
            except Exception:  # a name is a convenience: the id is shown instead
                return customer_id, ""
        c = reply.customer
        return customer_id, f"{c.display_name} <{c.email}>" if c.email else c.display_name

    found = await asyncio.gather(*(one(i) for i in sorted(ids)[:MAX_NAMED_CUSTOMERS]))
    return dict(found)


async def _day_bookings(request: Request, company_id: str, day: date) -> list[bookings_pb2.Booking]:
    query = bookings_pb2.ListBookingsRequest(
        company_id=company_id, date=day.isoformat(), statuses=SHOWN_STATUSES, page_size=200
    )
    found: list[bookings_pb2.Booking] = []
    while len(found) < MAX_DAY_BOOKINGS:
        reply = await rpc("bookings", clients_of(request).bookings.ListBookings(query))
        found += reply.bookings
        if not reply.next_page_token:
            break
        query.page_token = reply.next_page_token
    return found


async def _day_sessions(
    request: Request, company_id: str, lower: datetime, upper: datetime, resource_id: str = ""
) -> list[catalog_pb2.Session]:
    # Archived resources' sessions too: an archived resource shown for its bookings shows them
    # in their sessions (the sessions of resources not shown are dropped by build_day).
    query = catalog_pb2.ListSessionsRequest(
        company_id=company_id, resource_id=resource_id, page_size=200, show_archived=True
    )
    query.start_time_from.FromDatetime(lower)
    query.start_time_to.FromDatetime(upper)
    found: list[catalog_pb2.Session] = []
    while len(found) < MAX_DAY_SESSIONS:
        reply = await rpc("catalog", clients_of(request).catalog.ListSessions(query))
        found += reply.sessions
        if not reply.next_page_token:
            break
        query.page_token = reply.next_page_token
    return found


@dataclass
class SessionSlot:
    id: str
    start: datetime
    end: datetime
    capacity: int
    booked: int
    open: bool
    price_minor: int
    cards: list[Card]

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)


def _slot_of(s: catalog_pb2.Session) -> SessionSlot:
    return SessionSlot(
        s.id,
        s.start_time.ToDatetime(tzinfo=UTC),
        s.end_time.ToDatetime(tzinfo=UTC),
        s.capacity,
        0,
        s.status == catalog_pb2.SESSION_STATUS_OPEN,
        s.price.amount_minor,
        [],
    )


@dataclass
class UnitNight:
    id: str
    name: str
    cards: list[Card]

    @property
    def free(self) -> bool:
        return not any(card.active for card in self.cards)


@dataclass
class FreeGap:
    start: datetime
    end: datetime


@dataclass
class ResourceDay:
    resource: Resource
    sessions: list[SessionSlot] = field(default_factory=list)
    units: list[UnitNight] = field(default_factory=list)
    # None: read after the page by htmx (`/ops/calendar/free`), when several are shown.
    gaps: list[FreeGap] | None = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)  # those in no session or unit above


def _stays_that_night(card: Card, day: date) -> bool:
    return bool(card.check_in_date and card.check_out_date) and (
        card.check_in_date <= day.isoformat() < card.check_out_date
    )


async def free_gaps(request: Request, resource_id: str, day: date) -> list[FreeGap]:
    """An interval resource's free times of the day, as bookings' policy allows them."""
    try:
        reply = await rpc(
            "bookings",
            clients_of(request).bookings.ListFreeSlots(
                bookings_pb2.ListFreeSlotsRequest(resource_id=resource_id, date=day.isoformat())
            ),
        )
    except Problem:  # no policy for it yet, or a past day: no free cell to offer
        return []
    return [
        FreeGap(s.start_time.ToDatetime(tzinfo=UTC), s.end_time.ToDatetime(tzinfo=UTC)) for s in reply.slots
    ]


# Free times are read with the page for at most this many interval resources; more are each
# fetched by htmx once the page is shown (a ListFreeSlots is a policy read and a query each).
INLINE_FREE_GAPS = 2


def shown_on_day(resources: list[Resource], bookings: list[bookings_pb2.Booking]) -> list[Resource]:
    """The resources a day shows: every active one, and an archived one that has bookings that
    day. Archiving refuses nothing, so its bookings made before stand (CONFIRMED, to be
    checked in); hiding it with them would leave them seen by nobody."""
    booked = {b.resource_id for b in bookings}
    return [r for r in resources if not r.archived or r.id in booked]


async def build_day(
    request: Request,
    company: Company,
    resources: list[Resource],
    day: date,
    found: list[bookings_pb2.Booking],
) -> tuple[list[ResourceDay], int]:
    """Every shown resource's day: sessions with their bookings (`found`: the day's bookings of
    the company), units with the night's stays, free gaps (or None: fetched after the page),
    and the number of bookings of the day."""
    lower = datetime.combine(day, time(0), tzinfo=company.zone).astimezone(UTC)
    upper = datetime.combine(day + timedelta(days=1), time(0), tzinfo=company.zone).astimezone(UTC)
    wanted = {r.id for r in resources}
    nightly = [r for r in resources if r.model == "NIGHTLY"]
    interval = [r for r in resources if r.model == "INTERVAL"]
    has_slots = any(r.model == "TIME_SLOT" for r in resources)

    async def units_of(resource: Resource) -> list[catalog_pb2.Unit]:
        reply = await rpc(
            "catalog",
            clients_of(request).catalog.ListUnits(catalog_pb2.ListUnitsRequest(resource_id=resource.id)),
        )
        return list(reply.units)

    async def no_sessions() -> list[catalog_pb2.Session]:
        return []

    async def gaps_of(resource: Resource) -> list[FreeGap] | None:
        if resource.archived:  # no new booking: no free time to offer
            return []
        if len(interval) > INLINE_FREE_GAPS:
            return None
        return await free_gaps(request, resource.id, day)

    sessions, units, gaps = await asyncio.gather(
        _day_sessions(request, company.id, lower, upper, resources[0].id if len(resources) == 1 else "")
        if has_slots
        else no_sessions(),
        asyncio.gather(*(units_of(r) for r in nightly)),
        asyncio.gather(*(gaps_of(r) for r in interval)),
    )
    found = [b for b in found if b.resource_id in wanted]
    names = await _customer_names(request, {b.customer_id for b in found})
    cards = [card_of(b, names) for b in found]
    await with_refunds(request, company.id, cards)
    cards.sort(key=lambda c: (c.start or lower, c.id))
    by_resource = {r.id: ResourceDay(r) for r in resources}
    slots: dict[str, SessionSlot] = {}
    for s in sessions:
        if s.resource_id not in by_resource:
            continue
        slots[s.id] = _slot_of(s)
        by_resource[s.resource_id].sessions.append(slots[s.id])
    unit_rows: dict[str, UnitNight] = {}
    for resource, listed in zip(nightly, units, strict=True):
        for u in listed:
            if u.HasField("archive_time"):
                continue
            unit_rows[u.id] = UnitNight(u.id, u.name, [])
            by_resource[resource.id].units.append(unit_rows[u.id])
    for resource, free in zip(interval, gaps, strict=True):
        by_resource[resource.id].gaps = free
    for card in cards:
        held = slots.get(card.session_id)
        unit = unit_rows.get(card.unit_id)
        if held is not None:
            held.cards.append(card)
            if card.active:
                held.booked += card.quantity
        elif unit is not None and _stays_that_night(card, day):
            unit.cards.append(card)
        else:
            by_resource[card.resource_id].cards.append(card)
    return [by_resource[r.id] for r in resources], len(cards)


def _day_notice(done: str | None, error: str | None) -> Notice | None:
    if done not in DONE:
        return None
    if error:
        if not CODE.match(error):
            return None
        return Notice("error", f"Refused: {REFUSALS.get(error, 'the booking service refused it.')}", error)
    return Notice("ok", DONE[done])


async def _booked_notice(request: Request, principal: Principal, booking_id: str | None) -> Notice | None:
    """After booking from a free cell: where the new booking is (a wallet booking's saga may
    still run, or have rejected it: a rejected booking is not among the day's cards)."""
    wanted = _uuid_or_none(booking_id)
    if wanted is None:
        return None
    try:
        booking = await _read_booking(request, principal, wanted)
    except Problem:
        return None
    status = short_name(bookings_pb2.BookingStatus, booking.status, "BOOKING_STATUS_")
    if status == "REJECTED":
        return Notice("error", "The booking was rejected by its saga.", booking.reject_reason or "")
    if status == "PENDING":
        return Notice("ok", "Booked: the booking saga runs (reload for its outcome).")
    return Notice("ok", f"Booked: {status}.")


@router.get(f"{BASE}/day", response_class=HTMLResponse, include_in_schema=False)
async def day_page(
    request: Request,
    principal: PageStaff,
    date_: Annotated[str | None, Query(alias="date", max_length=16)] = None,
    resource_id: IdQuery = None,
    company_id: CompanyQuery = None,
    done: Annotated[str | None, Query(max_length=16)] = None,
    error: Annotated[str | None, Query(max_length=64)] = None,
    booking_id: IdQuery = None,
    page: Annotated[int, Query(ge=1, le=MAX_RESOURCES)] = 1,
) -> HTMLResponse:
    company_key = _company_id(principal, company_id)
    if company_key is None:
        return page_response(request, "calendar.html", operator=principal, section="calendar", company=None)
    day = _day(date_)
    chosen = _uuid(resource_id, "resource_id")
    company, listed, day_bookings = await asyncio.gather(
        _company(request, company_key),
        company_resources(request, company_key, with_archived=True),
        _day_bookings(request, company_key, day),
    )
    resources = shown_on_day(listed, day_bookings)
    total_resources = len(resources)
    if chosen is not None:
        resources = [r for r in resources if r.id == chosen]
        if not resources:
            raise Problem(404, "RESOURCE_NOT_FOUND", "No such resource.")
    # A company of many resources is shown a page of them at a time (the page of 1,000
    # resources was 760 KiB and half a second to build).
    pages = max(1, -(-len(resources) // DAY_RESOURCES_PER_PAGE))
    page = min(page, pages)
    first = (page - 1) * DAY_RESOURCES_PER_PAGE
    resources = resources[first : first + DAY_RESOURCES_PER_PAGE]
    lower, upper = day_bounds(day, company.zone)
    (shown, count), held = await asyncio.gather(
        build_day(request, company, resources, day, day_bookings),
        leases_of(request).held(company.id, lower, upper),
    )
    holds = by_resource(held)
    company_arg = company.id if principal.role is Role.PLATFORM_ADMIN else None
    return page_response(
        request,
        "calendar_day.html",
        operator=principal,
        section="calendar",
        company=company,
        day=day,
        day_value=day.isoformat(),
        resource_arg=chosen or "",
        day_title=day.strftime("%A %d %B %Y"),
        shown=shown,
        count=count,
        chosen=resources[0] if chosen else None,
        csrf=page_csrf(request),
        notice=await _booked_notice(request, principal, booking_id)
        if done == "book" and not error
        else _day_notice(done, error),
        highlight=_uuid(booking_id, "booking_id") or "",
        saga_links=principal.role in OPS_ROLES,
        month_url=BASE
        + _query(month=cal.month_key(day.replace(day=1)), resource_id=chosen, company_id=company_arg),
        previous_url=f"{BASE}/day"
        + _query(
            date=(day - timedelta(days=1)).isoformat(),
            resource_id=chosen,
            company_id=company_arg,
            page=page if page > 1 else None,
        ),
        next_url=f"{BASE}/day"
        + _query(
            date=(day + timedelta(days=1)).isoformat(),
            resource_id=chosen,
            company_id=company_arg,
            page=page if page > 1 else None,
        ),
        all_url=f"{BASE}/day" + _query(date=day.isoformat(), company_id=company_arg),
        page=page,
        pages=pages,
        first_shown=first + 1,
        last_shown=first + len(resources),
        total_resources=total_resources,
        page_url=lambda number: (
            f"{BASE}/day" + _query(date=day.isoformat(), company_id=company_arg, page=number)
        ),
        free_url=lambda resource: (
            f"{BASE}/free" + _query(date=day.isoformat(), resource_id=resource, company_id=company_arg)
        ),
        day_of=lambda resource: (
            f"{BASE}/day" + _query(date=day.isoformat(), resource_id=resource, company_id=company_arg)
        ),
        book_url=lambda **values: (
            f"{BASE}/book" + _query(date=day.isoformat(), company_id=company_arg, **values)
        ),
        company_arg=company_arg or "",
        local=lambda value: value.astimezone(company.zone).strftime("%H:%M") if value else "-",
        span=lambda start, end: _span(start, end, company.zone),
        local_full=lambda value: value.astimezone(company.zone).strftime("%Y-%m-%d %H:%M") if value else "-",
        money=lambda minor: _money(minor, company.currency),
        now=datetime.now(UTC),
        bookable_night=day >= _local_today(company),
        holds_of=lambda resource: holds.get(resource, []),
        holds_url=f"{LEASES}/live" + _query(date=day.isoformat(), resource_id=chosen, company_id=company_arg),
        me=principal.user_id or "",
        clock=lambda value: value.astimezone(company.zone).strftime("%H:%M:%S"),
        leases_url=LEASES,
    )


@router.get(f"{BASE}/free", response_class=HTMLResponse, include_in_schema=False)
async def free_gaps_part(
    request: Request,
    principal: PageStaff,
    date_: Annotated[str | None, Query(alias="date", max_length=16)] = None,
    resource_id: IdQuery = None,
    company_id: CompanyQuery = None,
) -> HTMLResponse:
    """An interval resource's free times of a day, as the day view's fragment (htmx)."""
    company_key = _company_id(principal, company_id)
    if company_key is None:
        raise Problem(400, "COMPANY_REQUIRED", "Name the company (company_id).")
    day = _day(date_)
    chosen = _uuid(resource_id, "resource_id")
    company, resources = await asyncio.gather(
        _company(request, company_key), company_resources(request, company_key)
    )
    resource = next((r for r in resources if r.id == chosen and r.model == "INTERVAL"), None)
    if resource is None:
        raise Problem(404, "RESOURCE_NOT_FOUND", "No such resource.")
    company_arg = company.id if principal.role is Role.PLATFORM_ADMIN else None
    html = render(
        "_free_gaps.html",
        resource=resource,
        gaps=await free_gaps(request, resource.id, day),
        local=lambda value: value.astimezone(company.zone).strftime("%H:%M") if value else "-",
        span=lambda start, end: _span(start, end, company.zone),
        book_url=lambda **values: (
            f"{BASE}/book" + _query(date=day.isoformat(), company_id=company_arg, **values)
        ),
    )
    response = HTMLResponse(html)
    response.headers["Cache-Control"] = "no-store"
    return response


# ----- the actions: check in, cancel -----


def _problem_code(response: Response) -> str | None:
    """The stable code of a refused call (the handlers answer problem+json), else None."""
    if response.status_code < 400:
        return None
    try:
        body = json.loads(bytes(response.body))
    except ValueError:
        return "SERVICE_UNAVAILABLE"
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, str) and CODE.match(code) else "SERVICE_UNAVAILABLE"


KEY = re.compile(r"^[0-9a-f-]{36}$")


def _form_key(form: dict[str, str], action: str) -> str:
    """The Idempotency-Key of a form's call: the rendering's one-time key (a double submit
    acts once) with the action, so a card's two forms never share one; a fresh one when the
    form sent none of ours."""
    key = form.get("request_key", "")
    return f"calendar-{action}:{key if KEY.match(key) else uuid.uuid4()}"


def _back(form: dict[str, str], **extra: str) -> str:
    """The day view the form came from (only its own fields: a date, a resource, a company)."""
    values: dict[str, str] = {}
    if DAY.match(form.get("date", "")):
        values["date"] = form["date"]
    for name in ("resource_id", "company_id"):
        try:
            values[name] = str(uuid.UUID(form.get(name, "")))
        except ValueError:
            pass
    return f"{BASE}/day" + _query(**values, **extra)


async def _read_booking(request: Request, principal: Principal, booking_id: str) -> bookings_pb2.Booking:
    reply = await rpc(
        "bookings",
        clients_of(request).bookings.GetBooking(bookings_pb2.GetBookingRequest(booking_id=booking_id)),
    )
    if principal.role is not Role.PLATFORM_ADMIN and principal.company_id != reply.booking.company_id:
        raise Problem(404, "BOOKING_NOT_FOUND", "No such booking.")
    return reply.booking


async def _card_action(request: Request, booking_id: uuid.UUID, action: str) -> Response:
    principal, session_token = await form_staff(request)
    with acting_as(principal.as_plumbing()):
        form = await read_form(request)
        check_csrf(request, session_token, form)
        once = Idempotent(request, _form_key(form, action))
        # The edit takes the booking's lease itself: another's hold refuses it (LEASE_HELD).
        before = await _read_booking(request, principal, str(booking_id))
        zone = (await _company(request, before.company_id)).zone
        lease: Lease | None = None
        held: Lease | None = None
        code: str | None = None
        try:
            if principal.user_id:
                lease = await hold(request, booking_wanted(before, zone), principal.user_id)
        except LeaseHeld as refused:
            held, code = refused.lease, "LEASE_HELD"
        try:
            if held is not None:
                pass
            elif action == "check-in":
                answer = await check_in_booking_at_desk(request, booking_id, principal, once)
                code = _problem_code(answer)
            elif before.status == bookings_pb2.BOOKING_STATUS_CANCELLED:
                code = "ALREADY_CANCELLED"  # nothing is started: no "refund on its way"
            else:
                reason = form.get("reason", "").strip()
                try:
                    body = ReasonBody(reason=reason)
                except ValidationError:
                    code = "REASON_TOO_LONG" if reason else "REASON_REQUIRED"
                else:
                    code = _problem_code(
                        await cancel_booking_by_company(request, booking_id, body, principal, once)
                    )
        finally:
            await release_quietly(request, lease)
        if request.headers.get("HX-Request") != "true":
            extra = {"done": action, "booking_id": str(booking_id)}
            if code:
                extra["error"] = code
            return RedirectResponse(_back(form, **extra), status_code=303)
        booking = await _read_booking(request, principal, str(booking_id))
        company = await _company(request, booking.company_id)
        names = await _customer_names(request, {booking.customer_id})
        card = card_of(booking, names)
        await with_refunds(request, booking.company_id, [card])
        card.notice = _day_notice(action, code)
        if held is not None:
            card.notice = Notice("error", f"Refused: {held_text(held, company.zone)}", "LEASE_HELD")
        html = render(
            "_booking_card.html",
            card=card,
            csrf=csrf_token(tokens_of(request).secret, session_token),
            day_value=form.get("date", "") if DAY.match(form.get("date", "")) else "",
            resource_arg=form.get("resource_id", "") if _uuid_or_none(form.get("resource_id")) else "",
            company_arg=form.get("company_id", "") if _uuid_or_none(form.get("company_id")) else "",
            local=lambda value: value.astimezone(company.zone).strftime("%H:%M") if value else "-",
            span=lambda start, end: _span(start, end, company.zone),
            local_full=lambda value: (
                value.astimezone(company.zone).strftime("%Y-%m-%d %H:%M") if value else "-"
            ),
            money=lambda minor: _money(minor, company.currency),
            highlight=str(booking_id),
            saga_links=principal.role in OPS_ROLES,
        )
        response = HTMLResponse(html)
        response.headers["Cache-Control"] = "no-store"
        return response


@router.post(f"{BASE}/bookings/{{booking_id}}/check-in", include_in_schema=False)
async def check_in_form(request: Request, booking_id: uuid.UUID) -> Response:
    return await _card_action(request, booking_id, "check-in")


@router.post(f"{BASE}/bookings/{{booking_id}}/cancel", include_in_schema=False)
async def cancel_form(request: Request, booking_id: uuid.UUID) -> Response:
    return await _card_action(request, booking_id, "cancel")


# ----- booking from a free cell -----


@dataclass(frozen=True)
class Target:
    """What the booking form books: a session, a unit from a night, or an interval."""

    kind: str  # TIME_SLOT, NIGHTLY, INTERVAL
    resource: Resource
    session: SessionSlot | None = None
    unit_id: str = ""
    unit_name: str = ""
    start: datetime | None = None
    end: datetime | None = None


async def _target(
    request: Request,
    company: Company,
    day: date,
    session_id: str | None,
    resource_id: str | None,
    unit_id: str | None,
    start: str | None,
) -> Target:
    resources = {r.id: r for r in await company_resources(request, company.id)}
    if session_id:
        reply = await rpc(
            "catalog",
            clients_of(request).catalog.GetSession(catalog_pb2.GetSessionRequest(session_id=session_id)),
        )
        s = reply.session
        resource = resources.get(s.resource_id)
        if resource is None or s.company_id != company.id:
            raise Problem(404, "SESSION_NOT_FOUND", "No such session.")
        return Target("TIME_SLOT", resource, session=_slot_of(s))
    resource = resources.get(resource_id or "")
    if resource is None:
        raise Problem(404, "RESOURCE_NOT_FOUND", "No such resource.")
    if resource.model == "NIGHTLY":
        name = ""
        if unit_id:
            reply_units = await rpc(
                "catalog",
                clients_of(request).catalog.ListUnits(catalog_pb2.ListUnitsRequest(resource_id=resource.id)),
            )
            name = next((u.name for u in reply_units.units if u.id == unit_id), "")
            if not name:
                raise Problem(404, "UNIT_NOT_FOUND", "No such unit.")
        return Target("NIGHTLY", resource, unit_id=unit_id or "", unit_name=name)
    if resource.model == "INTERVAL":
        begin = datetime.combine(day, time(9), tzinfo=company.zone)
        if start:
            try:
                typed = datetime.fromisoformat(start)
            except ValueError:
                raise _invalid("start", "a date and time") from None
            if typed.tzinfo is None:  # the company's wall clock, as the form's times
                instant = local_instant(typed.date(), typed.time(), company.zone)
                if instant is None:
                    raise _invalid("start", SKIPPED_TIME)
                typed = instant
            begin = typed.astimezone(company.zone)
        # An hour of real time (aware arithmetic in one zone is wall-clock: 01:30 + 1 h would be
        # 02:30, a time that does not exist on the day the clocks go forward).
        end = (begin.astimezone(UTC) + timedelta(hours=1)).astimezone(company.zone)
        return Target("INTERVAL", resource, start=begin, end=end)
    raise Problem(409, "RESOURCE_NOT_BOOKABLE", "This resource has no booking model.")


async def _customer_choices(request: Request, principal: Principal, company_id: str, q: str) -> list[Any]:
    if not q.strip():
        return []
    listed = await list_customers(
        request, principal, q=q.strip(), company_id=uuid.UUID(company_id), page_size=CUSTOMER_CHOICES
    )
    return list(listed.customers)


@router.get(f"{BASE}/customers", response_class=HTMLResponse, include_in_schema=False)
async def customer_choices(
    request: Request,
    principal: PageStaff,
    q: Annotated[str | None, Query(max_length=200)] = None,
    company_id: CompanyQuery = None,
) -> HTMLResponse:
    """The booking form's customer search (htmx swaps the choices in as one types)."""
    company_key = _company_id(principal, company_id)
    if company_key is None:
        raise Problem(400, "COMPANY_REQUIRED", "Name the company (company_id).")
    choices = await _customer_choices(request, principal, company_key, q or "")
    response = HTMLResponse(render("_customer_choices.html", customers=choices, q=q or "", picked=""))
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(f"{BASE}/book", response_class=HTMLResponse, include_in_schema=False)
async def book_page(
    request: Request,
    principal: PageStaff,
    date_: Annotated[str | None, Query(alias="date", max_length=16)] = None,
    session_id: IdQuery = None,
    resource_id: IdQuery = None,
    unit_id: IdQuery = None,
    start: Annotated[str | None, Query(max_length=40)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    company_id: CompanyQuery = None,
    error: Annotated[str | None, Query(max_length=64)] = None,
    field_name: Annotated[str | None, Query(alias="field", max_length=32)] = None,
) -> HTMLResponse:
    company_key = _company_id(principal, company_id)
    if company_key is None:
        return page_response(request, "calendar.html", operator=principal, section="calendar", company=None)
    day = _day(date_)
    company = await _company(request, company_key)
    target = await _target(
        request,
        company,
        day,
        _uuid(session_id, "session_id"),
        _uuid(resource_id, "resource_id"),
        _uuid(unit_id, "unit_id"),
        start,
    )
    company_arg = company.id if principal.role is Role.PLATFORM_ADMIN else ""
    notice = None
    if error and CODE.match(error):
        text = REFUSALS.get(error, "the booking service refused it.")
        if field_name in FIELD_LABELS:  # a field's error names the field
            if error == "VALIDATION_FAILED":
                text = "a time such as 14:30."
            text = f"{FIELD_LABELS[field_name]} ({field_name}): {text}"
        notice = Notice("error", f"Refused: {text}", error)
    # Opening the form holds its period (gateway.leases); another's hold refuses it, by name.
    lease: Lease | None = None
    after_url = after_time = ""
    try:
        if principal.user_id:
            wanted = target_wanted(target, company.id, company.zone, day)
            lease = await hold(request, wanted, principal.user_id)
    except LeaseHeld as refused:
        notice = Notice("error", f"Refused: {held_text(refused.lease, company.zone)}", "LEASE_HELD")
        if target.kind == "INTERVAL" and refused.lease.end.astimezone(company.zone).date() == day:
            # A rental: the same resource from the end of the other's hold may well be free.
            after_url = f"{BASE}/book" + _query(
                date=day.isoformat(),
                resource_id=target.resource.id,
                start=refused.lease.end.astimezone(company.zone).isoformat(),
                company_id=company_arg or None,
            )
            after_time = f"{refused.lease.end.astimezone(company.zone):%H:%M}"
    back_url = f"{BASE}/day" + _query(date=day.isoformat(), company_id=company_arg or None)
    return page_response(
        request,
        "calendar_book.html",
        status_code=409 if notice and notice.code == "LEASE_HELD" else 200,
        lease=lease,
        held=bool(notice and notice.code == "LEASE_HELD"),
        invalid_field=field_name if notice and field_name in FIELD_LABELS else "",
        after_url=after_url,
        after_time=after_time,
        heartbeat_seconds=HEARTBEAT_SECONDS,
        clock=lambda value: value.astimezone(company.zone).strftime("%H:%M:%S"),
        operator=principal,
        section="calendar",
        company=company,
        day=day,
        target=target,
        q=q or "",
        customers=await _customer_choices(request, principal, company.id, q or ""),
        csrf=page_csrf(request),
        request_key=str(uuid.uuid4()),
        company_arg=company_arg,
        notice=notice,
        back_url=back_url,
        local=lambda value: value.astimezone(company.zone).strftime("%H:%M") if value else "",
        span=lambda start, end: _span(start, end, company.zone),
        money=lambda minor: _money(minor, company.currency),
        next_day=(day + timedelta(days=1)).isoformat(),
        search_query=_query(
            date=day.isoformat(),
            session_id=session_id,
            resource_id=resource_id,
            unit_id=unit_id,
            start=start,
            company_id=company_arg or None,
        ),
    )


PAYMENTS = {
    "desk-CASH": {"desk": "CASH"},
    "desk-EXTERNAL": {"desk": "EXTERNAL"},
    "wallet": {"use_wallet": True},
}


class FieldRefused(ValueError):
    """A field of the booking form that names no period: the field and the refusal's code."""

    def __init__(self, field_name: str, code: str) -> None:
        super().__init__(field_name)
        self.field_name = field_name
        self.code = code


# The form's fields that a refusal may name, with their labels (calendar_book.html).
FIELD_LABELS = {"start_time": "From", "end_time": "Until"}


def _local_time(day: date, value: str, zone: ZoneInfo, field_name: str) -> datetime:
    """The instant (UTC) of a local time typed for `day`; a time the clocks skip that day is
    refused (TIME_SKIPPED on the field), never moved to another."""
    try:
        clock = time.fromisoformat(value)
    except ValueError:
        raise FieldRefused(field_name, "VALIDATION_FAILED") from None
    instant = local_instant(day, clock, zone)
    if instant is None:
        raise FieldRefused(field_name, "TIME_SKIPPED")
    return instant


def _rental_period(day: date, form: dict[str, str], zone: ZoneInfo) -> tuple[datetime, datetime]:
    """A rental's start and end (UTC) from the form's local times: an end at or before the
    start (compared as instants: on the day the clocks go back, 02:30 comes twice) is the
    next day's."""
    begin = _local_time(day, form.get("start_time", ""), zone, "start_time")
    end = _local_time(day, form.get("end_time", ""), zone, "end_time")
    if end <= begin:
        end = _local_time(day + timedelta(days=1), form.get("end_time", ""), zone, "end_time")
    if end <= begin:  # never: a day later is always later; kept so no lease can be empty
        raise FieldRefused("end_time", "VALIDATION_FAILED")
    return begin, end


async def _submitted(request: Request, company: Company, day: date, form: dict[str, str]) -> Wanted:
    """What a posted booking form books, as a lease (the form's fields already checked)."""
    target = await _target(
        request,
        company,
        day,
        _uuid(form.get("session_id"), "session_id"),
        _uuid(form.get("resource_id"), "resource_id"),
        _uuid(form.get("unit_id"), "unit_id"),
        None,
    )
    if target.kind == "NIGHTLY":
        nights = max(1, min(int(form.get("nights") or 1), 365))
        return target_wanted(target, company.id, company.zone, day, nights=nights)
    if target.kind == "INTERVAL":
        begin, end = _rental_period(day, form, company.zone)
        target = replace(target, start=begin, end=end)
    return target_wanted(target, company.id, company.zone, day)


@router.post(f"{BASE}/bookings", include_in_schema=False)
async def book_form(request: Request) -> Response:
    """Books for the customer picked, through the front desk's own handler (the same saga);
    then back to the day with the new booking marked, or to the form with the refusal."""
    principal, session_token = await form_staff(request)
    with acting_as(principal.as_plumbing()):
        form = await read_form(request)
        check_csrf(request, session_token, form)
        company_key = _company_id(principal, form.get("company_id") or None)
        if company_key is None:
            raise Problem(400, "COMPANY_REQUIRED", "Name the company (company_id).")
        day = _day(form.get("date"))
        company = await _company(request, company_key)
        again = {
            k: form.get(k, "")
            for k in ("date", "session_id", "resource_id", "unit_id", "start", "company_id")
            if form.get(k)
        }

        def refused(code: str, field_name: str = "") -> Response:
            location = f"{BASE}/book" + _query(**again, error=code, field=field_name or None)
            return RedirectResponse(location, status_code=303)

        if not form.get("customer_id"):
            return refused("CUSTOMER_REQUIRED")
        values: dict[str, Any] = {
            "customer_id": form.get("customer_id"),
            "payment": PAYMENTS.get(form.get("payment", ""), {}),
        }
        try:
            if form.get("session_id"):
                values["session_id"] = form["session_id"]
                values["quantity"] = int(form.get("quantity") or 1)
            else:
                values["resource_id"] = form.get("resource_id")
                if form.get("kind") == "NIGHTLY":
                    nights = int(form.get("nights") or 1)
                    values["check_in_date"] = day.isoformat()
                    values["check_out_date"] = (day + timedelta(days=max(1, min(nights, 365)))).isoformat()
                    values["guests"] = int(form.get("guests") or 1)
                    if form.get("unit_id"):
                        values["unit_id"] = form["unit_id"]
                else:
                    begin, end = _rental_period(day, form, company.zone)
                    values["start_time"] = begin.isoformat()
                    values["end_time"] = end.isoformat()
            body = StaffBookingBody.model_validate(values)
        except FieldRefused as problem:
            return refused(problem.code, problem.field_name)
        except (ValueError, ValidationError):
            return refused("VALIDATION_FAILED")
        once = Idempotent(request, _form_key(form, "book"))
        # The submit holds what it books (replacing the form's own lease): another's hold
        # refuses it here too, not only on the page; the booking made, it is released.
        lease: Lease | None = None
        try:
            if principal.user_id:
                lease = await hold(request, await _submitted(request, company, day, form), principal.user_id)
        except LeaseHeld:
            return refused("LEASE_HELD")
        except FieldRefused as problem:  # a form whose kind is not the resource's
            return refused(problem.code, problem.field_name)
        try:
            answer = await create_booking_for_customer(request, body, principal, once)
        finally:
            await release_quietly(request, lease)
        code = _problem_code(answer)
        if code:
            return refused(code)
        booking_id = json.loads(bytes(answer.body))["id"]
        back = {"date": day.isoformat(), "done": "book", "booking_id": booking_id}
        if form.get("company_id"):
            back["company_id"] = company_key
        return RedirectResponse(f"{BASE}/day" + _query(**back), status_code=303)
