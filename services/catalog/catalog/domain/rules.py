"""Validation of request values: each rule returns the clean value or raises InvalidArgument."""

from __future__ import annotations

import functools
import itertools
import re
import uuid
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta

from catalog.domain import errors, localtime, recurrence
from catalog.domain.model import (
    DEFAULT_CHECK_IN_TIME,
    DEFAULT_CHECK_OUT_TIME,
    BookingModel,
    CancellationWindow,
    Money,
    PolicyLimits,
    PricingUnit,
    ResourcePolicy,
)
from plumbing import money, paging, text, validation
from plumbing.errors import InvalidArgument

MAX_NAME_LENGTH = 200
MAX_REQUEST_ID_LENGTH = 200
MAX_EMAIL_LENGTH = 254
MAX_TIME_ZONE_LENGTH = 64
MAX_REASON_LENGTH = 500
# Policy bounds: minute values up to a leap year, nights up to a year, at most 10 windows.
MAX_POLICY_MINUTES = 366 * 24 * 60
MAX_NIGHTS = 366
MAX_CANCELLATION_WINDOWS = 10
# Dates: a stay or a priced range spans at most MAX_STAY_NIGHTS; a price list or a
# listing at most MAX_PRICE_DAYS.
MAX_STAY_NIGHTS = 366
MAX_PRICE_DAYS = 800
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2199, 12, 31)

_CURRENCY = re.compile(r"[A-Z]{3}")


def request_id(value: str) -> str | None:
    """The idempotency key; empty means the request is not idempotent."""
    if not value:
        return None
    if len(value) > MAX_REQUEST_ID_LENGTH:
        raise InvalidArgument(
            errors.INVALID_REQUEST_ID,
            f"request_id is longer than {MAX_REQUEST_ID_LENGTH} characters",
            field="request_id",
        )
    return value


def same_parent(existing: uuid.UUID, requested: uuid.UUID, request_id: str | None) -> None:
    """A request_id names one row under one parent: reused under another it is refused, so a
    guessed key never returns a row of another company or resource."""
    if existing != requested:
        raise errors.request_id_reused(request_id or "")


def name(value: str, field: str = "name") -> str:
    cleaned = value.strip()
    if not cleaned:
        raise InvalidArgument(errors.INVALID_NAME, f"{field} is required", field=field)
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidArgument(
            errors.INVALID_NAME, f"{field} is longer than {MAX_NAME_LENGTH} characters", field=field
        )
    if not text.is_name(cleaned):
        # The gateway refuses these too; a caller of this service past it is refused here.
        raise InvalidArgument(
            errors.INVALID_NAME,
            f"{field} must be one line of readable characters: no control character or line break,"
            " no bidirectional override or isolate, not only invisible characters",
            field=field,
        )
    return cleaned


# Files of a time zone database that are no zone: the host's own setting, the POSIX rules'
# template, and a placeholder. ZoneInfo opens them, PostgreSQL does not know them (a company set
# to "localtime" made every query of its local days fail).
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory", "posix", "right"})


def time_zone(value: str, field: str = "time_zone") -> str:
    """An IANA time zone name that this host's time zone database lists, e.g. Europe/Berlin."""
    if not value or len(value) > MAX_TIME_ZONE_LENGTH:
        raise InvalidArgument(errors.INVALID_TIME_ZONE, f"{field} must be an IANA time zone", field=field)
    if value.split("/")[0] in _NOT_ZONES or value not in _known_zones():
        raise InvalidArgument(
            errors.INVALID_TIME_ZONE, f"{field} is not an IANA time zone: {value!r}", field=field
        )
    return value


@functools.cache
def _known_zones() -> frozenset[str]:
    # The zones the database lists (read once: walking it costs milliseconds).
    return frozenset(zoneinfo.available_timezones())


def currency_code(value: str, field: str = "currency_code") -> str:
    """An ISO 4217 code: three upper-case letters."""
    if not _CURRENCY.fullmatch(value):
        raise InvalidArgument(
            errors.INVALID_CURRENCY, f"{field} must be three upper-case letters (ISO 4217)", field=field
        )
    return value


def email(value: str, field: str = "email") -> str | None:
    """An e-mail address, or None when empty."""
    cleaned = value.strip()
    if not cleaned:
        return None
    if len(cleaned) > MAX_EMAIL_LENGTH or not text.is_email(cleaned, dotted=True):
        raise InvalidArgument(errors.INVALID_EMAIL, f"{field} is not an e-mail address", field=field)
    return cleaned


def customer_email(value: str, guest: bool) -> str | None:
    """A guest may have no e-mail address; a registered customer must have one."""
    cleaned = email(value)
    if cleaned is None and not guest:
        raise InvalidArgument(
            errors.EMAIL_REQUIRED, "email is required for a customer who is not a guest", field="email"
        )
    return cleaned


def booking_model(value: str | None) -> BookingModel:
    """The booking model by name; None stands for UNSPECIFIED or an unknown value."""
    try:
        return BookingModel(value)
    except ValueError:
        allowed = ", ".join(model.value for model in BookingModel)
        raise InvalidArgument(
            errors.INVALID_BOOKING_MODEL, f"booking_model must be one of {allowed}", field="booking_model"
        ) from None


@dataclass(frozen=True)
class PolicyInput(PolicyLimits):
    """A policy as a request carries it, before validation (0 / empty = not set)."""

    # (minutes_before_start, refund_percent) pairs in any order.
    cancellation_windows: tuple[tuple[int, int], ...] = ()
    # "HH:MM" local times of day.
    check_in_time: str = ""
    check_out_time: str = ""


# Policy fields that only one booking model uses; any other model must leave them 0/empty.
MODEL_ONLY_FIELDS: dict[BookingModel, tuple[str, ...]] = {
    BookingModel.INTERVAL: (
        "min_duration_minutes",
        "max_duration_minutes",
        "granularity_minutes",
        "buffer_before_minutes",
        "buffer_after_minutes",
    ),
    BookingModel.NIGHTLY: (
        "min_nights",
        "max_nights",
        "check_in_time",
        "check_out_time",
        "max_guests_per_unit",
    ),
}
_MINUTE_FIELDS = (
    "lead_time_minutes",
    "free_cancellation_minutes",
    "min_duration_minutes",
    "max_duration_minutes",
    "granularity_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "check_in_deadline_minutes",
    "no_show_grace_minutes",
)
_COUNT_FIELDS = (
    "horizon_days",
    "max_places_per_booking",
    "max_active_bookings_per_customer",
    "max_guests_per_unit",
)


def _bad_policy(key: str, message: str) -> InvalidArgument:
    return InvalidArgument(errors.INVALID_POLICY, f"policy.{key} {message}", field=f"policy.{key}")


def policy(booking_model: BookingModel, given: PolicyInput) -> ResourcePolicy:
    """The validated policy of a resource of `booking_model`: every refusal is INVALID_POLICY
    naming the field (`policy.<name>`, `policy.cancellation_windows[<i>].<name>`).

    Windows are sorted widest first; when none are given they are derived from the
    deprecated free_cancellation_minutes, and when some are given that field is ignored:
    the result's free_cancellation_minutes is always the one the windows imply. A NIGHTLY
    policy gets check-in 15:00 / check-out 11:00 when unset.
    """
    for key in _MINUTE_FIELDS:
        value = getattr(given, key)
        if value < 0:
            raise _bad_policy(key, "must not be negative")
        if value > MAX_POLICY_MINUTES:
            raise _bad_policy(key, f"must be at most {MAX_POLICY_MINUTES} minutes (366 days)")
    for key in _COUNT_FIELDS:
        if getattr(given, key) < 0:
            raise _bad_policy(key, "must not be negative")
    for key in ("min_nights", "max_nights"):
        value = getattr(given, key)
        if not 0 <= value <= MAX_NIGHTS:
            raise _bad_policy(key, f"must be between 0 and {MAX_NIGHTS}")
    for model, keys in MODEL_ONLY_FIELDS.items():
        if model is booking_model:
            continue
        for key in keys:
            if getattr(given, key):
                raise _bad_policy(key, f"applies to {model.value} resources only, not {booking_model.value}")
    if given.max_duration_minutes and given.min_duration_minutes > given.max_duration_minutes:
        raise _bad_policy("min_duration_minutes", "must not be above max_duration_minutes")
    if given.max_nights and given.min_nights > given.max_nights:
        raise _bad_policy("min_nights", "must not be above max_nights")
    step = given.granularity_minutes
    if step:
        if localtime.MINUTES_PER_DAY % step:
            raise _bad_policy("granularity_minutes", "must divide 1440 (a day) evenly, e.g. 15, 30, 60")
        for key in ("min_duration_minutes", "max_duration_minutes"):
            if getattr(given, key) % step:
                raise _bad_policy(key, f"must be a multiple of granularity_minutes ({step})")
    windows = cancellation_windows(given.cancellation_windows)
    if not windows:
        windows = ResourcePolicy(
            free_cancellation_minutes=given.free_cancellation_minutes
        ).effective_cancellation_windows()
    check_in = check_out = None
    if booking_model is BookingModel.NIGHTLY:
        check_in = _time_of_day(given.check_in_time, "check_in_time") or DEFAULT_CHECK_IN_TIME
        check_out = _time_of_day(given.check_out_time, "check_out_time") or DEFAULT_CHECK_OUT_TIME
        if check_out > check_in:
            raise _bad_policy(
                "check_out_time", "must not be after check_in_time (the unit is free before the next arrival)"
            )
    limits = {field.name: getattr(given, field.name) for field in fields(PolicyLimits)}
    # The windows decide; the deprecated field only reports what they imply.
    implied = ResourcePolicy(cancellation_windows=windows).effective_free_cancellation_minutes()
    limits["free_cancellation_minutes"] = implied
    return ResourcePolicy(
        **limits, cancellation_windows=windows, check_in_time=check_in, check_out_time=check_out
    )


def cancellation_windows(pairs: Sequence[tuple[int, int]]) -> tuple[CancellationWindow, ...]:
    """Windows widest first: at most 10, minutes 0..366 days and distinct, refunds 0..100 and
    never higher for a later cancellation than for an earlier one."""
    if len(pairs) > MAX_CANCELLATION_WINDOWS:
        raise _bad_policy("cancellation_windows", f"has more than {MAX_CANCELLATION_WINDOWS} windows")
    for index, (minutes, percent) in enumerate(pairs):
        key = f"cancellation_windows[{index}]"
        if not 0 <= minutes <= MAX_POLICY_MINUTES:
            raise _bad_policy(f"{key}.minutes_before_start", f"must be between 0 and {MAX_POLICY_MINUTES}")
        if not 0 <= percent <= 100:
            raise _bad_policy(f"{key}.refund_percent", "must be between 0 and 100")
    ordered = sorted(pairs, key=lambda pair: -pair[0])
    for (wider, wider_percent), (narrower, narrower_percent) in itertools.pairwise(ordered):
        if wider == narrower:
            raise _bad_policy("cancellation_windows", f"has two windows of {wider} minutes")
        if narrower_percent > wider_percent:
            raise _bad_policy(
                "cancellation_windows",
                f"refunds more {narrower} minutes before the start ({narrower_percent} %) than "
                f"{wider} minutes before it ({wider_percent} %)",
            )
    return tuple(CancellationWindow(minutes, percent) for minutes, percent in ordered)


def _time_of_day(value: str, key: str) -> time | None:
    if not value:
        return None
    try:
        return localtime.parse_time_of_day(value)
    except ValueError:
        raise _bad_policy(key, f"must be a local time of day HH:MM (24 hours), not {value!r}") from None


def pricing_unit(value: str | None) -> PricingUnit:
    """The pricing unit by name; None (UNSPECIFIED) is PER_BOOKING, unknown is refused."""
    if value is None:
        return PricingUnit.PER_BOOKING
    try:
        return PricingUnit(value)
    except ValueError:
        allowed = ", ".join(unit.value for unit in PricingUnit)
        raise InvalidArgument(
            errors.INVALID_PRICING_UNIT, f"pricing_unit must be one of {allowed}", field="pricing_unit"
        ) from None


def reason(value: str, field: str = "reason") -> str:
    cleaned = value.strip()
    if not cleaned:
        raise InvalidArgument(errors.INVALID_REASON, f"{field} is required", field=field)
    if len(cleaned) > MAX_REASON_LENGTH:
        raise InvalidArgument(
            errors.INVALID_REASON, f"{field} is longer than {MAX_REASON_LENGTH} characters", field=field
        )
    if not text.is_description(cleaned):
        raise InvalidArgument(
            errors.INVALID_REASON,
            f"{field} holds a control character or a bidirectional override or isolate",
            field=field,
        )
    return cleaned


def local_date(value: str, field: str) -> date:
    """A local date "YYYY-MM-DD" between 2000 and 2199 (inside plumbing's shared window)."""
    parsed = validation.parse_date(value, field)
    if not EARLIEST_DATE <= parsed <= LATEST_DATE:
        raise InvalidArgument(
            errors.INVALID_DATE, f"{field} must be between {EARLIEST_DATE} and {LATEST_DATE}", field=field
        )
    return parsed


def date_range(start: str, end: str, max_days: int) -> tuple[date, date]:
    """A non-empty local [start, end) of at most `max_days` days."""
    first, last = local_date(start, "start_date"), local_date(end, "end_date")
    if last <= first:
        raise InvalidArgument(
            errors.INVALID_DATE_RANGE, "end_date must be after start_date", field="end_date"
        )
    if last - first > timedelta(days=max_days):
        raise InvalidArgument(
            errors.INVALID_DATE_RANGE, f"the range spans more than {max_days} days", field="end_date"
        )
    return first, last


def price(amount_minor: int | None, currency: str, field: str = "price") -> Money:
    """A non-negative price; None means the request had no price."""
    if amount_minor is None:
        raise InvalidArgument(errors.INVALID_PRICE, f"{field} is required", field=field)
    if amount_minor < 0:
        raise InvalidArgument(
            errors.INVALID_PRICE, f"{field} must not be negative", field=f"{field}.amount_minor"
        )
    # Bookings multiplies a price by places, nights, guests and hours: the shared bound keeps
    # every such product inside what PostgreSQL stores.
    money.check_price(amount_minor, f"{field}.amount_minor")
    return Money(amount_minor=amount_minor, currency_code=currency_code(currency, f"{field}.currency_code"))


def utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(UTC)


def time_range(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """A non-empty [start, end) interval in UTC."""
    if start is None:
        raise InvalidArgument(errors.INVALID_TIME_RANGE, "start_time is required", field="start_time")
    if end is None:
        raise InvalidArgument(errors.INVALID_TIME_RANGE, "end_time is required", field="end_time")
    start, end = utc(start), utc(end)
    if end <= start:
        raise InvalidArgument(
            errors.INVALID_TIME_RANGE, "end_time must be after start_time", field="end_time"
        )
    return start, end


# A session lasts at most a day, as a series' occurrence does.
MAX_SESSION_LENGTH = timedelta(minutes=recurrence.MAX_DURATION_MINUTES)
# How far in the past a new or moved session may start. The console offers only a time still
# to come by its own clock; the request then travels (and may be retried) to a host whose clock
# may differ a little, so a start that was to come when asked is not refused on arrival.
PAST_START_TOLERANCE = timedelta(minutes=5)


def session_times(
    start: datetime | None, end: datetime | None, *, now: datetime
) -> tuple[datetime, datetime]:
    """A session's [start, end) in UTC: at most a day long, starting no earlier than `now`
    (give or take `PAST_START_TOLERANCE`). A session in 1970 or lasting decades is a typo."""
    start, end = time_range(start, end)
    if end - start > MAX_SESSION_LENGTH:
        raise InvalidArgument(
            errors.SESSION_TOO_LONG, "a session lasts at most 1440 minutes", field="end_time"
        )
    if start < now - PAST_START_TOLERANCE:
        raise InvalidArgument(errors.SESSION_IN_PAST, "start_time has already passed", field="start_time")
    return start, end


def occurrences_to_come(
    occurrences: Sequence[recurrence.Occurrence], *, now: datetime
) -> list[recurrence.Occurrence]:
    """A series' occurrences that a one-off session could still be created at (by
    `session_times`' rule): a series started in the past is created from now on, and one with
    every occurrence gone already creates nothing and is refused."""
    to_come = [o for o in occurrences if o.start_time >= now - PAST_START_TOLERANCE]
    if not to_come:
        raise InvalidArgument(
            errors.SESSION_IN_PAST, "every occurrence of the series has already started", field="start_date"
        )
    return to_come


def capacity(value: int) -> int:
    if value < 1:
        raise InvalidArgument(errors.INVALID_CAPACITY, "capacity must be at least 1", field="capacity")
    return value


@dataclass(frozen=True)
class SessionCursor:
    """Where a page of sessions ends: the keyset (start_time, id) of its last session."""

    start_time: datetime
    id: uuid.UUID

    def encode(self) -> str:
        return paging.encode_page_token(self.start_time, self.id)

    @classmethod
    def decode(cls, token: str) -> SessionCursor | None:
        """The cursor of a token this list issued; None for "" (the first page)."""
        key = paging.decode_page_token(token, datetime, uuid.UUID)
        if key is None:
            return None
        start_time, session_id = key
        return cls(start_time=start_time.astimezone(UTC), id=session_id)
