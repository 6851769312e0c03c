"""Availability, pure: local days of a company's time zone and the free slots of an interval
resource. No I/O.

Local times follow the catalog's rule (`catalog.domain.localtime`): a wall-clock time that
does not exist (spring-forward gap) is shifted forward by the gap, one that exists twice
(fall-back overlap) is its first occurrence. A rental's start and end are aligned when their
local wall-clock time is a whole multiple of the granularity after local midnight.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from plumbing import validation
from plumbing.errors import InvalidArgument
from plumbing.ids import parse_id

MINUTES_PER_DAY = 24 * 60
# GetAvailability: end_date is at most this many days after start_date.
MAX_RANGE_DAYS = 92
# GetAvailability: at most this many resources per request.
MAX_RESOURCES = 500
# GetSessionPlaces: at most this many sessions per request.
MAX_SESSIONS = 200


@dataclass(frozen=True)
class DayOccupancy:
    """One resource on one local day: places (slots), units (nightly) or minutes (interval)."""

    day: date
    capacity: int
    booked: int


@dataclass(frozen=True)
class ResourceDays:
    resource_id: str
    booking_model: str
    days: tuple[DayOccupancy, ...]


@dataclass(frozen=True)
class SlotRules:
    """The parts of an INTERVAL resource's policy that shape its free slots."""

    granularity_minutes: int = 0
    min_duration_minutes: int = 0
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    lead_time_minutes: int = 0
    horizon_days: int = 0


def parse_day(value: str, field: str) -> date:
    """A local date "YYYY-MM-DD" (exactly that form) in 1970..2199, else INVALID_DATE."""
    return validation.parse_date(value, field)


def check_range(start: date, end: date) -> list[date]:
    """The local dates of [start, end], end inclusive, at most MAX_RANGE_DAYS after start."""
    if end < start:
        raise InvalidArgument(
            "INVALID_DATE_RANGE", "end_date must not be before start_date", field="end_date"
        )
    if (end - start).days > MAX_RANGE_DAYS:
        raise InvalidArgument(
            "INVALID_DATE_RANGE",
            f"end_date is at most {MAX_RANGE_DAYS} days after start_date",
            field="end_date",
        )
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


def unique_resource_ids(values: Iterable[str]) -> list[str]:
    """The requested resource ids, validated, in request order without repeats."""
    return _unique_ids(values, "resource_ids", MAX_RESOURCES, "TOO_MANY_RESOURCES")


def unique_session_ids(values: Iterable[str]) -> list[str]:
    """The requested session ids, validated, in request order without repeats."""
    return _unique_ids(values, "session_ids", MAX_SESSIONS, "TOO_MANY_SESSIONS")


def _unique_ids(values: Iterable[str], field: str, most: int, too_many: str) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(parse_id(value, field), None)
    if len(seen) > most:
        things = field.removesuffix("_ids") + "s"
        raise InvalidArgument(too_many, f"at most {most} {things} per request", field=field)
    return list(seen)


@dataclass(frozen=True)
class SessionPlaces:
    session_id: str
    booked: int
    capacity: int  # 0: nobody booked it yet (the catalog's capacity holds)


def local_instant(day: date, minute_of_day: int, zone: ZoneInfo, *, fold: int = 0) -> datetime:
    """The UTC instant of a local wall-clock time (`minute_of_day` may be 1440: next midnight)."""
    day = day + timedelta(days=minute_of_day // MINUTES_PER_DAY)
    minute = minute_of_day % MINUTES_PER_DAY
    wall = datetime.combine(day, time(minute // 60, minute % 60)).replace(tzinfo=zone, fold=fold)
    return wall.astimezone(UTC)


def local_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) in UTC of a local day: 23 hours on a spring-forward day, 25 on a fall-back day."""
    return local_instant(day, 0, zone), local_instant(day, MINUTES_PER_DAY, zone)


def day_minutes(day: date, zone: ZoneInfo) -> int:
    """Minutes of a local day (1440, or 1380 / 1500 on a daylight-saving change)."""
    start, end = local_day_bounds(day, zone)
    return int((end - start).total_seconds() // 60)


def is_aligned(instant: datetime, zone: ZoneInfo, granularity_minutes: int) -> bool:
    local = instant.astimezone(zone)
    if local.second or local.microsecond:
        return False
    return granularity_minutes <= 0 or (local.hour * 60 + local.minute) % granularity_minutes == 0


def aligned_grid(day: date, zone: ZoneInfo, granularity_minutes: int) -> list[datetime]:
    """Every aligned instant of a local day, its start and next midnight included, in order.

    Both occurrences of a wall-clock time in a fall-back overlap are on the grid; a time in a
    spring-forward gap is shifted forward and kept only when the shifted time is aligned.
    """
    step = granularity_minutes if granularity_minutes > 0 else 1
    instants = set()
    for minute in range(0, MINUTES_PER_DAY + 1, step):
        for fold in (0, 1):
            instant = local_instant(day, minute, zone, fold=fold)
            if is_aligned(instant, zone, granularity_minutes):
                instants.add(instant)
    return sorted(instants)


def free_slots(
    blocked: Sequence[tuple[datetime, datetime]],
    day: date,
    zone: ZoneInfo,
    rules: SlotRules,
    *,
    min_minutes: int,
    now: datetime,
) -> list[tuple[datetime, datetime]]:
    """The free intervals of a local day in which a rental may lie, in order.

    `blocked` are the periods held by other rentals, their buffers included. A new rental
    [s, e) blocks [s - buffer_before, e + buffer_after], which must not overlap them, so a
    gap [g0, g1) offers [g0 + buffer_before, g1 - buffer_after]. The slot is clipped to the
    local day, to `now` plus the lead time and snapped inward to the granularity; it is kept
    when at least `min_minutes` long (and at least a minute) and when it starts within the
    booking horizon.
    """
    day_start, day_end = local_day_bounds(day, zone)
    before = timedelta(minutes=rules.buffer_before_minutes)
    after = timedelta(minutes=rules.buffer_after_minutes)
    window_start, window_end = day_start - before, day_end + after
    earliest = now + timedelta(minutes=rules.lead_time_minutes)
    latest_start = now + timedelta(days=rules.horizon_days) if rules.horizon_days else None
    grid = aligned_grid(day, zone, rules.granularity_minutes)
    shortest = timedelta(minutes=max(min_minutes, 1))

    gaps: list[tuple[datetime, datetime]] = []
    cursor = window_start
    for lower, upper in sorted(blocked):
        if upper <= cursor:
            continue
        if lower > cursor:
            gaps.append((cursor, min(lower, window_end)))
        cursor = max(cursor, upper)
        if cursor >= window_end:
            break
    if cursor < window_end:
        gaps.append((cursor, window_end))

    slots = []
    for gap_start, gap_end in gaps:
        start = max(gap_start + before, day_start, earliest)
        end = min(gap_end - after, day_end)
        first = bisect.bisect_left(grid, start)
        last = bisect.bisect_right(grid, end) - 1
        if first >= len(grid) or last < 0:
            continue
        start, end = grid[first], grid[last]
        if end - start < shortest:
            continue
        if latest_start is not None and start > latest_start:
            continue
        slots.append((start, end))
    return slots
