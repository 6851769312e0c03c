"""What the calendar pages need of the leases, without importing them (gateway.pages.calendar
imports this): the store of the app, the period a booking form or a booking holds, and the
words of a refusal."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request

from gateway.leases.store import (
    HEARTBEAT_SECONDS,
    LEASE_SECONDS,
    Lease,
    LeaseHeld,
    Leases,
    LeaseUserUnknown,
    Wanted,
)
from gateway.problems import Problem

__all__ = ["HEARTBEAT_SECONDS", "LEASE_SECONDS", "Lease", "LeaseHeld", "Wanted"]

LEASES = "/ops/calendar/leases"


def leases_of(request: Request) -> Leases:
    """The app's lease store (made at the first use, on the app's database)."""
    state = request.app.state
    leases: Leases | None = getattr(state, "leases", None)
    if leases is None:
        leases = state.leases = Leases(state.db)
    return leases


def night_of(day: date, zone: ZoneInfo, nights: int = 1) -> tuple[datetime, datetime]:
    """The local days from `day` for `nights`, as UTC instants (a unit's nights)."""
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=max(1, nights)), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def target_wanted(target: Any, company_id: str, zone: ZoneInfo, day: date, *, nights: int = 1) -> Wanted:
    """What the booking form of a free cell holds: the session's time on its resource, the
    unit's (or the resource's, for any unit) nights from the day, or the interval."""
    name = target.resource.name
    if target.kind == "TIME_SLOT":
        s = target.session
        label = f"{name} {s.start.astimezone(zone):%H:%M}\u2013{s.end.astimezone(zone):%H:%M}"
        return Wanted(company_id, target.resource.id, s.start, s.end, "BOOK", label=label)
    if target.kind == "NIGHTLY":
        start, end = night_of(day, zone, nights)
        what = target.unit_name or f"{name} (any unit)"
        label = f"{what}, {nights} night{'s' if nights != 1 else ''} from {day.isoformat()}"
        return Wanted(
            company_id, target.resource.id, start, end, "BOOK", unit_id=target.unit_id or None, label=label
        )
    label = f"{name} {target.start.astimezone(zone):%H:%M}\u2013{target.end.astimezone(zone):%H:%M}"
    return Wanted(company_id, target.resource.id, target.start, target.end, "BOOK", label=label)


def booking_wanted(booking: Any, zone: ZoneInfo, resource_name: str = "") -> Wanted:
    """What an edit of a booking (check-in, cancellation) holds: its period on its unit or
    resource, or the booking alone when it is a place in a session."""
    name = resource_name or "Booking"
    if booking.check_in_date and booking.check_out_date:
        first, last = date.fromisoformat(booking.check_in_date), date.fromisoformat(booking.check_out_date)
        start, end = night_of(first, zone, (last - first).days)
        label = f"{name}: the stay {first.isoformat()} → {last.isoformat()}"
    else:
        start = booking.start_time.ToDatetime(tzinfo=UTC)
        end = booking.end_time.ToDatetime(tzinfo=UTC)
        if end <= start:
            end = start + timedelta(minutes=1)
        label = f"{name}: the booking {start.astimezone(zone):%H:%M}\u2013{end.astimezone(zone):%H:%M}"
    return Wanted(
        booking.company_id,
        booking.resource_id,
        start,
        end,
        "EDIT",
        unit_id=booking.unit_id or None,
        booking_id=booking.id,
        label=label,
        # A session's booking is held alone: the session's other places stay bookable.
        subject=booking.id if booking.session_id else None,
    )


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """A local day as UTC instants."""
    return night_of(day, zone, 1)


def by_resource(leases: list[Lease]) -> dict[str, list[Lease]]:
    grouped: dict[str, list[Lease]] = {}
    for lease in leases:
        grouped.setdefault(lease.resource_id, []).append(lease)
    return grouped


def held_text(lease: Lease, zone: ZoneInfo) -> str:
    """The refusal's sentence: who holds what since when, and until when at the latest."""
    doing = "books" if lease.purpose == "BOOK" else "edits"
    since = lease.acquired_at.astimezone(zone).strftime("%H:%M:%S")
    until = lease.expires_at.astimezone(zone).strftime("%H:%M:%S")
    return (
        f"{lease.holder} {doing} {lease.label or 'this period'} (since {since}). "
        f"Try again once they save or cancel, or after {until} if their page is gone."
    )


def held_problem(held: LeaseHeld, zone: ZoneInfo) -> Problem:
    lease = held.lease
    return Problem(
        409,
        "LEASE_HELD",
        held_text(lease, zone),
        extra={
            "holder": lease.holder,
            "held_since": lease.acquired_at.isoformat(),
            "expires_at": lease.expires_at.isoformat(),
        },
    )


async def hold(request: Request, wanted: Wanted, user_id: str | None) -> Lease:
    """The caller's lease on `wanted` (LeaseHeld when another holds it); a caller that is no
    person (an API key) cannot hold one."""
    if not user_id:
        raise Problem(403, "LEASE_NEEDS_USER", "Only a person logged in to the console can hold a period.")
    try:
        return await leases_of(request).acquire(wanted, user_id)
    except LeaseUserUnknown:
        raise Problem(
            403, "LEASE_NEEDS_USER", "Only a person logged in to the console can hold a period."
        ) from None


async def release_quietly(request: Request, lease: Lease | None) -> None:
    """Releases after a save; a failure only leaves the lease to expire."""
    if lease is None:
        return
    try:
        await leases_of(request).release(lease.id, lease.holder_user_id)
    except Exception:  # the lease expires by itself within LEASE_SECONDS
        return
