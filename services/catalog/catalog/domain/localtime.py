"""Local dates and times of day in a company's IANA time zone, turned into UTC instants.

Everything is stored in UTC; the company's zone is applied only at the edges (check-in and
check-out times of day, the local dates of nights, alignment of rentals). Pure functions
over `zoneinfo`, no I/O.

The rule for wall-clock times that do not map to exactly one instant:
- a time that does not exist (in the gap of a spring-forward change, e.g. 02:30 on the last
  Sunday of March in Europe/Berlin) is shifted forward by the length of the gap: 02:30 is
  read as 03:30 local summer time (the instant one hour after 01:30 winter time). This is
  what PEP 495 gives for `fold=0` and what a guest expects ("as soon as the clock allows").
- a time that exists twice (in the overlap of a fall-back change, e.g. 02:30 on the last
  Sunday of October in Europe/Berlin) is read as its first occurrence (the earlier instant,
  still on summer time).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60


class Resolution(enum.Enum):
    """How a local wall-clock time was turned into an instant."""

    EXACT = "EXACT"  # the time exists once
    SHIFTED_FORWARD = "SHIFTED_FORWARD"  # in a gap: moved forward by the gap's length
    FIRST_OF_TWO = "FIRST_OF_TWO"  # in an overlap: the earlier of the two instants


@dataclass(frozen=True)
class ResolvedTime:
    instant: datetime  # UTC
    resolution: Resolution


def resolve_local(day: date, time_of_day: time, zone: str | ZoneInfo) -> ResolvedTime:
    """The UTC instant of a local date and time of day in `zone` (see the module's rule)."""
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    wall = datetime.combine(day, time_of_day.replace(tzinfo=None, fold=0))
    first = wall.replace(tzinfo=tz, fold=0)
    second = wall.replace(tzinfo=tz, fold=1)
    first_utc = first.astimezone(UTC)
    if first.utcoffset() == second.utcoffset():
        return ResolvedTime(first_utc, Resolution.EXACT)
    # The two folds differ: either the time is in an overlap (both round-trip to the wall
    # time) or in a gap (neither does).
    if first_utc.astimezone(tz).replace(tzinfo=None) == wall:
        return ResolvedTime(first_utc, Resolution.FIRST_OF_TWO)
    # In a gap, fold=0 applies the offset from before the change: the instant lands after
    # the gap, shifted forward by its length (02:30 CET == 03:30 CEST).
    return ResolvedTime(first_utc, Resolution.SHIFTED_FORWARD)


def local_to_utc(day: date, time_of_day: time, zone: str | ZoneInfo) -> datetime:
    """`resolve_local(...).instant`: the UTC instant of a local date and time of day."""
    return resolve_local(day, time_of_day, zone).instant


def utc_to_local(instant: datetime, zone: str | ZoneInfo) -> datetime:
    """The local (aware) time in `zone` of a UTC instant."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime")
    return instant.astimezone(zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone))


def local_day_bounds(day: date, zone: str | ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) in UTC of a local calendar day: 23 hours on a spring-forward day, 25 on a
    fall-back day. A midnight that does not exist is shifted forward like any other time."""
    return local_to_utc(day, time(0, 0), zone), local_to_utc(day + timedelta(days=1), time(0, 0), zone)


def stay_instants(
    check_in_date: date,
    check_out_date: date,
    check_in_time: time,
    check_out_time: time,
    zone: str | ZoneInfo,
) -> tuple[datetime, datetime]:
    """The UTC [check-in, check-out) of a nightly stay from its local dates and times."""
    if check_out_date <= check_in_date:
        raise ValueError("check-out date must be after check-in date")
    return (
        local_to_utc(check_in_date, check_in_time, zone),
        local_to_utc(check_out_date, check_out_time, zone),
    )


def nights(check_in_date: date, check_out_date: date) -> list[date]:
    """The local dates of the nights of a stay: check-in date up to the day before check-out."""
    return [check_in_date + timedelta(days=n) for n in range((check_out_date - check_in_date).days)]


def is_aligned(instant: datetime, zone: str | ZoneInfo, granularity_minutes: int) -> bool:
    """True when the local wall-clock time of `instant` is a whole multiple of
    `granularity_minutes` after local midnight (0 = any whole minute). On a DST day this
    counts the local clock, so 03:00 right after a spring-forward change is aligned to 60."""
    local = utc_to_local(instant, zone)
    if local.second or local.microsecond:
        return False
    if granularity_minutes <= 0:
        return True
    return (local.hour * 60 + local.minute) % granularity_minutes == 0


def parse_time_of_day(value: str) -> time:
    """A local time of day "HH:MM" (24 hours); ValueError otherwise."""
    if len(value) != 5 or value[2] != ":" or not (value[:2] + value[3:]).isdigit():
        raise ValueError(f"not an HH:MM time: {value!r}")
    return time(int(value[:2]), int(value[3:]))


def format_time_of_day(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"
