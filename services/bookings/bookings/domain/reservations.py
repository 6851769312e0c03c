"""The reservation engine's rules for nightly stays and interval rentals, pure.

Time slots (sessions with capacity) are in `model.py`. Which rules apply is chosen by the
resource's booking model, never by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bookings.domain.model import PRICING_UNITS, ExtraLine
from bookings.domain.policy import Policy
from plumbing import money, validation
from plumbing.errors import FailedPrecondition, InvalidArgument

NIGHT_EXTRA_UNITS = ("PER_NIGHT", "PER_GUEST_NIGHT")

# The longest rental of the platform, whatever the resource's policy says (its
# max_duration_minutes 0 means "up to this", and catalog keeps a policy's minutes within it):
# a leap year, as a stay's 366 nights. A longer one is DURATION_TOO_LONG.
MAX_RENTAL_MINUTES = 366 * 24 * 60


@dataclass(frozen=True)
class PricedNight:
    night: date
    price_minor: int


@dataclass(frozen=True)
class QuoteLine:
    description: str
    quantity: int
    amount_minor: int


@dataclass(frozen=True)
class EngineQuote:
    """What a booking request costs; the booking keeps it as its price snapshot."""

    lines: tuple[QuoteLine, ...]
    extras: tuple[ExtraLine, ...]
    base_minor: int
    currency: str
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        # Every quote is built here, so no price times quantity past the bounds is ever
        # stored (bigint) or sent to a participant: AMOUNT_TOO_LARGE, nothing written.
        check_quote_amounts(self.all_lines(), self.total_minor)

    @property
    def total_minor(self) -> int:
        return self.base_minor + sum(line.total_minor for line in self.extras)

    def all_lines(self) -> tuple[QuoteLine, ...]:
        extra_lines = tuple(
            QuoteLine(f"{line.name} x{line.quantity}", line.quantity, line.total_minor)
            for line in self.extras
        )
        return self.lines + extra_lines


@dataclass(frozen=True)
class ExtraOffer:
    extra_id: str
    name: str
    price_minor: int
    currency: str
    pricing_unit: str  # PER_BOOKING, PER_NIGHT, PER_GUEST, PER_HOUR, PER_GUEST_NIGHT


def check_quote_amounts(lines: tuple[QuoteLine, ...], total_minor: int) -> None:
    """Every line's count and amount and the total inside plumbing.money's bounds."""
    for line in lines:
        if line.quantity > money.MAX_LINE_QUANTITY:
            raise InvalidArgument(
                money.AMOUNT_TOO_LARGE,
                f"{line.description}: at most {money.MAX_LINE_QUANTITY} units in one line",
                field="extras",
            )
        money.check_amount(line.amount_minor, "total")
    money.check_amount(total_minor, "total")


def parse_date(value: str, field: str) -> date:
    """A date "YYYY-MM-DD" in 1970..2199, else INVALID_DATE (plumbing's shared window)."""
    return validation.parse_date(value, field)


def nights_between(check_in: date, check_out: date) -> list[date]:
    return [check_in + timedelta(days=offset) for offset in range((check_out - check_in).days)]


def check_stay(policy: Policy, check_in: date, check_out: date, guests: int) -> list[date]:
    """The nights of a stay, if the policy allows it."""
    if check_out <= check_in:
        raise InvalidArgument(
            "INVALID_DATE_RANGE", "check-out must be after check-in", field="check_out_date"
        )
    nights = nights_between(check_in, check_out)
    if guests < 1:
        raise InvalidArgument("INVALID_GUESTS", "guests must be at least 1", field="guests")
    money.check_quantity(guests, "guests", "INVALID_GUESTS")
    if policy.max_guests_per_unit and guests > policy.max_guests_per_unit:
        raise FailedPrecondition(
            "TOO_MANY_GUESTS", f"at most {policy.max_guests_per_unit} guests", field="guests"
        )
    if policy.min_nights and len(nights) < policy.min_nights:
        raise FailedPrecondition("STAY_TOO_SHORT", f"stays are at least {policy.min_nights} nights")
    if policy.max_nights and len(nights) > policy.max_nights:
        raise FailedPrecondition("STAY_TOO_LONG", f"stays are at most {policy.max_nights} nights")
    return nights


def check_interval(
    policy: Policy, start: datetime, end: datetime, zone: ZoneInfo
) -> tuple[datetime, datetime]:
    """The period an interval booking blocks (buffers included), if the policy allows it.

    Alignment is checked on the local clock, so a :30 time zone aligns like everyone else.
    """
    if end <= start:
        raise InvalidArgument("INVALID_TIME_RANGE", "end must be after start", field="end_time")
    # Whole minutes always (a granularity of 0 is any whole minute, as catalog's alignment):
    # a rental is priced and counted by the minute, so it is at least one minute long.
    granularity = policy.granularity_minutes or 1
    for instant, field in ((start, "start_time"), (end, "end_time")):
        local = instant.astimezone(zone)
        if local.second or local.microsecond or (local.hour * 60 + local.minute) % granularity:
            raise InvalidArgument(
                "MISALIGNED_TIME",
                f"times must fall on a {granularity}-minute boundary",
                field=field,
            )
    minutes = (end - start).total_seconds() / 60
    if policy.min_duration_minutes and minutes < policy.min_duration_minutes:
        raise FailedPrecondition("DURATION_TOO_SHORT", f"at least {policy.min_duration_minutes} minutes")
    longest = min(policy.max_duration_minutes or MAX_RENTAL_MINUTES, MAX_RENTAL_MINUTES)
    if minutes > longest:
        raise FailedPrecondition("DURATION_TOO_LONG", f"at most {longest} minutes", field="end_time")
    return (
        start - timedelta(minutes=policy.buffer_before_minutes),
        end + timedelta(minutes=policy.buffer_after_minutes),
    )


def interval_price(hourly_rate_minor: int, start: datetime, end: datetime) -> int:
    """Pro rata by the minute, rounded up to a whole minor unit: the customer pays what they use.
    Integer arithmetic: a float loses whole units past 2**53."""
    minutes = int((end - start).total_seconds() // 60)
    return -(-hourly_rate_minor * minutes // 60)


def check_distinct_extras(extra_ids: Iterable[str]) -> None:
    """DUPLICATE_EXTRA (INVALID_ARGUMENT) when an extra is asked for twice."""
    seen: set[str] = set()
    for extra_id in extra_ids:
        if extra_id in seen:
            raise InvalidArgument(
                "DUPLICATE_EXTRA",
                f"extra {extra_id} is listed twice: give it once, with the quantity wanted",
                field="extras",
            )
        seen.add(extra_id)


def extra_lines(
    wanted: tuple[tuple[str, int], ...],
    offers: dict[str, ExtraOffer],
    currency: str,
    *,
    nights: int = 1,
    guests: int = 1,
    hours: int = 1,
) -> tuple[ExtraLine, ...]:
    """Prices extras by their unit: per booking, night, guest, hour or guest-night.

    Each extra at most once per request (its quantity says how many): a second line of the
    same extra is DUPLICATE_EXTRA, for a quote as for a booking, so no booking keeps two rows
    of one extra (`booking_extras`' key is the booking and the extra)."""
    check_distinct_extras(extra_id for extra_id, _ in wanted)
    lines = []
    for extra_id, quantity in wanted:
        offer = offers.get(extra_id)
        if offer is None:
            raise InvalidArgument("EXTRA_NOT_FOUND", f"extra {extra_id} is not offered", field="extras")
        if quantity < 1:
            raise InvalidArgument("INVALID_QUANTITY", "extra quantity must be at least 1", field="extras")
        money.check_quantity(quantity, "extras", "INVALID_QUANTITY")
        if offer.currency != currency:
            raise FailedPrecondition("CURRENCY_MISMATCH", "extra priced in another currency")
        # Kept with the line: a later change of the period scales it by this unit, whatever
        # the catalog says then (an unknown unit is priced, and kept, per booking).
        unit = offer.pricing_unit if offer.pricing_unit in PRICING_UNITS else "PER_BOOKING"
        multiplier = {
            "PER_NIGHT": nights,
            "PER_GUEST": guests,
            "PER_HOUR": hours,
            "PER_GUEST_NIGHT": guests * nights,
        }.get(unit, 1)
        lines.append(ExtraLine(extra_id, offer.name, quantity * multiplier, offer.price_minor, unit))
    return tuple(lines)
