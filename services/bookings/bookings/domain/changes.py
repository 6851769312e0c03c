"""Changing the period of a booking: the end moves, the start stays. Pure rules.

Pricing follows the rules of a new booking, with one difference that keeps the price honest:
what the booking keeps keeps the price it was booked at. Nights already booked keep their
snapshot price (the quote lines); added nights are priced by the catalog now; removed nights
give back what they cost. A rental keeps each stretch of time it bought as its own price line,
as a stay keeps its nights (`Stretch`, stored in `bookings.stretch_ends` /
`stretch_amounts_minor`): an extension buys a new stretch at today's hourly rate (or grows the
last one when that was bought at today's rate), and a shortening drops whole stretches from the
end and gives back the pro rata part of the one it cuts, at that stretch's own price. A lower
rate no longer reprices hours already paid: extending and shortening back returns to the price
before, whatever the rate did meanwhile.

Extras priced per night, per guest-night or per hour scale with the new period at the unit
price and by the pricing unit they were bought with (both kept in `booking_extras`; the
catalog's unit now is never asked); per-booking and per-guest extras stay as they are.

A shortening cancels the time it removes: what that time cost comes back at the percent a
cancellation would refund now (`model.refund_percent`, the booking's saved windows), each
source's share rounded down; the rest is kept by the company, as a cancellation keeps it, and
no later refund gives it back (`Booking.kept_card_minor` / `kept_wallet_minor`). Otherwise
shortening to the minimum and then cancelling refunded more than cancelling outright.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from bookings.domain.model import Booking, ExtraLine, refund_percent
from bookings.domain.policy import refund_by_percent
from bookings.domain.reservations import (
    PricedNight,
    QuoteLine,
    check_quote_amounts,
    interval_price,
    nights_between,
)

NIGHT_LINE_PREFIX = "Night of "


@dataclass(frozen=True)
class Scale:
    """What per-unit extras are multiplied by."""

    nights: int = 1
    guests: int = 1
    hours: int = 1


def extra_multiplier(pricing_unit: str, scale: Scale) -> int:
    return {
        "PER_NIGHT": scale.nights,
        "PER_GUEST": scale.guests,
        "PER_HOUR": scale.hours,
        "PER_GUEST_NIGHT": scale.guests * scale.nights,
    }.get(pricing_unit, 1)


def interval_hours(start: datetime, end: datetime) -> int:
    return math.ceil(int((end - start).total_seconds() // 60) / 60)


def rescale_extras(extras: list[ExtraLine], old: Scale, new: Scale) -> tuple[ExtraLine, ...]:
    """The booking's extras for the new period, at their booked unit prices and by the pricing
    unit each was bought with (`ExtraLine.pricing_unit`, stored with the booking), never the
    catalog's unit now: an extra bought per booking stays one per booking after an admin made
    it per hour. An extra whose quantity does not fit its unit stays as bought."""
    lines = []
    for line in extras:
        old_multiplier = extra_multiplier(line.pricing_unit, old)
        if old_multiplier < 1 or line.quantity % old_multiplier:
            lines.append(line)
            continue
        quantity = line.quantity // old_multiplier * extra_multiplier(line.pricing_unit, new)
        lines.append(replace(line, quantity=max(quantity, 1)))
    return tuple(lines)


def booked_night_prices(quote_lines: tuple[tuple[str, int, int], ...]) -> dict[date, int]:
    """The nights of a stay as they were priced when booked (from its quote snapshot)."""
    prices: dict[date, int] = {}
    for description, _quantity, amount in quote_lines:
        if description.startswith(NIGHT_LINE_PREFIX):
            try:
                prices[date.fromisoformat(description.removeprefix(NIGHT_LINE_PREFIX))] = amount
            except ValueError:
                continue
    return prices


def nightly_lines(
    booked: dict[date, int], check_in: date, check_out: date, catalog_nights: tuple[PricedNight, ...]
) -> tuple[tuple[str, int, int], ...]:
    """One line per night of the new stay: the booked price when it was booked, else the
    catalog's price now."""
    catalog = {night.night: night.price_minor for night in catalog_nights}
    return tuple(
        (f"{NIGHT_LINE_PREFIX}{night.isoformat()}", 1, booked.get(night, catalog.get(night, 0)))
        for night in nights_between(check_in, check_out)
    )


# At most this many stretches are kept per rental (CHECK in the database too): beyond, an
# extension is added to the last stretch (its price summed), as it is when that one was
# bought at today's rate. Only rate changes between extensions make new stretches.
MAX_STRETCHES = 100


@dataclass(frozen=True)
class Stretch:
    """A stretch of a rental bought at once: `[start, end)` for `amount_minor`."""

    start: datetime
    end: datetime
    amount_minor: int

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


def booked_stretches(
    start: datetime, end: datetime, base_minor: int, recorded: tuple[tuple[datetime, int], ...]
) -> tuple[Stretch, ...]:
    """The stretches a rental bought, one after the other from its start: `recorded` holds each
    one's (end, amount). A rental with none recorded (never changed, or changed before
    stretches were kept: its base price may mix two rates) is one stretch of its whole period
    at its base price."""
    if not recorded:
        return (Stretch(start, end, base_minor),)
    stretches, begin = [], start
    for stretch_end, amount in recorded:
        stretches.append(Stretch(begin, stretch_end, amount))
        begin = stretch_end
    return tuple(stretches)


def stretched_to(
    stretches: tuple[Stretch, ...], hourly_rate_minor: int, new_end: datetime
) -> tuple[Stretch, ...]:
    """The rental's stretches once its end moves to `new_end`.

    Longer: the added time is bought at today's rate (`interval_price`, rounded up). When the
    last stretch was bought at today's rate, it grows instead (re-priced pro rata as a whole,
    as a new booking of it would be; within a cent of today's rate, from a cut's rounding, or
    at `MAX_STRETCHES`, its price and the added time's are summed); else the added time is a
    stretch of its own.

    Shorter: whole stretches after `new_end` are dropped, giving back what each cost; the
    stretch `new_end` cuts gives back `amount * removed_minutes // minutes` (rounded down, in
    the company's favour, never more than it cost) and keeps the rest. So a shortening gives
    back what the removed time was bought for, never today's rate applied to time bought before.
    """
    last = stretches[-1]
    if new_end > last.end:
        added = interval_price(hourly_rate_minor, last.end, new_end)
        at_rate = interval_price(hourly_rate_minor, last.start, last.end)
        if at_rate == last.amount_minor:
            grown = Stretch(last.start, new_end, interval_price(hourly_rate_minor, last.start, new_end))
        elif abs(at_rate - last.amount_minor) <= 1 or len(stretches) >= MAX_STRETCHES:
            grown = Stretch(last.start, new_end, last.amount_minor + added)
        else:
            return (*stretches, Stretch(last.end, new_end, added))
        return (*stretches[:-1], grown)
    kept: list[Stretch] = []
    for stretch in stretches:
        if stretch.end <= new_end:
            kept.append(stretch)
        elif stretch.start < new_end:
            removed = int((stretch.end - new_end).total_seconds() // 60)
            back = stretch.amount_minor * removed // max(stretch.minutes, 1)
            kept.append(Stretch(stretch.start, new_end, stretch.amount_minor - back))
    return tuple(kept)


def stretch_lines(stretches: tuple[Stretch, ...]) -> tuple[tuple[str, int, int], ...]:
    """One price line per stretch, as a stay has one per night."""
    return tuple(interval_line(s.start, s.end, s.amount_minor) for s in stretches)


def interval_line(start: datetime, end: datetime, base: int) -> tuple[str, int, int]:
    minutes = int((end - start).total_seconds() // 60)
    return (f"{minutes // 60} h {minutes % 60} min", minutes, base)


def quote_lines(
    base_lines: tuple[tuple[str, int, int], ...], extras: tuple[ExtraLine, ...]
) -> tuple[tuple[str, int, int], ...]:
    return base_lines + tuple(
        (f"{line.name} x{line.quantity}", line.quantity, line.total_minor) for line in extras
    )


def refund_split(amount_minor: int, *, card_paid_minor: int, wallet_paid_minor: int) -> tuple[int, int]:
    """What a shortening gives back to the card, then the wallet, never more than each paid.
    What a pass covered is not money: it is not given back."""
    card = min(amount_minor, max(card_paid_minor, 0))
    wallet = min(amount_minor - card, max(wallet_paid_minor, 0))
    return card, wallet


@dataclass(frozen=True)
class PeriodChange:
    """A booking's end moving: everything the service needs to apply it or to revert it
    exactly, kept in the change saga's data."""

    change_id: str
    booking_id: str
    request_id: str
    booking_model: str
    old_end: datetime
    new_end: datetime
    old_total_minor: int
    new_total_minor: int
    new_base_minor: int
    quote_lines: tuple[tuple[str, int, int], ...]
    extras: tuple[tuple[str, int], ...]  # (extra_id, quantity) for the new period
    old_check_out: date | None = None
    new_check_out: date | None = None
    # Interval rentals: the blocked range (buffers included) before and after.
    old_blocked: tuple[datetime, datetime] | None = None
    new_blocked: tuple[datetime, datetime] | None = None
    # A shortening: what its refund gives back to each source, and what the company keeps of
    # the removed time's money (`keep_by_policy`).
    refund_percent: int = 100
    refund_card_minor: int = 0
    refund_wallet_minor: int = 0
    kept_card_minor: int = 0
    kept_wallet_minor: int = 0
    # Interval rentals: the stretches of the new period, each one's (end, amount)
    # (`stretched_to`); empty in a change saved before stretches were kept.
    new_stretches: tuple[tuple[datetime, int], ...] = ()

    def __post_init__(self) -> None:
        # A longer period at the booked prices can pass the bounds a new booking keeps.
        check_quote_amounts(
            tuple(QuoteLine(*line) for line in self.quote_lines),
            self.new_total_minor,
        )

    @property
    def difference_minor(self) -> int:
        return self.new_total_minor - self.old_total_minor

    @property
    def extends(self) -> bool:
        return self.new_end > self.old_end

    @property
    def target(self) -> str:
        """What the request asked for: a retry with the same request id must ask the same."""
        return self.new_check_out.isoformat() if self.new_check_out else self.new_end.isoformat()

    def with_blocked(self, old: tuple[datetime, datetime], new: tuple[datetime, datetime]) -> PeriodChange:
        return PeriodChange(**{**self.__dict__, "old_blocked": old, "new_blocked": new})

    def to_data(self) -> dict[str, Any]:
        def stamp(value: datetime | date | None) -> str | None:
            return value.isoformat() if value is not None else None

        return {
            "change_id": self.change_id,
            "booking_id": self.booking_id,
            "request_id": self.request_id,
            "booking_model": self.booking_model,
            "old_end": stamp(self.old_end),
            "new_end": stamp(self.new_end),
            "old_total_minor": self.old_total_minor,
            "new_total_minor": self.new_total_minor,
            "new_base_minor": self.new_base_minor,
            "quote_lines": [list(line) for line in self.quote_lines],
            "extras": [list(extra) for extra in self.extras],
            "old_check_out": stamp(self.old_check_out),
            "new_check_out": stamp(self.new_check_out),
            "old_blocked": [stamp(v) for v in self.old_blocked] if self.old_blocked else None,
            "new_blocked": [stamp(v) for v in self.new_blocked] if self.new_blocked else None,
            "refund_percent": self.refund_percent,
            "refund_card_minor": self.refund_card_minor,
            "refund_wallet_minor": self.refund_wallet_minor,
            "kept_card_minor": self.kept_card_minor,
            "kept_wallet_minor": self.kept_wallet_minor,
            "new_stretches": [[end.isoformat(), amount] for end, amount in self.new_stretches],
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> PeriodChange:
        def day(value: str | None) -> date | None:
            return date.fromisoformat(value) if value else None

        def span(value: list[str] | None) -> tuple[datetime, datetime] | None:
            return (datetime.fromisoformat(value[0]), datetime.fromisoformat(value[1])) if value else None

        return cls(
            change_id=data["change_id"],
            booking_id=data["booking_id"],
            request_id=data["request_id"],
            booking_model=data["booking_model"],
            old_end=datetime.fromisoformat(data["old_end"]),
            new_end=datetime.fromisoformat(data["new_end"]),
            old_total_minor=int(data["old_total_minor"]),
            new_total_minor=int(data["new_total_minor"]),
            new_base_minor=int(data["new_base_minor"]),
            quote_lines=tuple((str(d), int(q), int(a)) for d, q, a in data["quote_lines"]),
            extras=tuple((str(e), int(q)) for e, q in data["extras"]),
            old_check_out=day(data.get("old_check_out")),
            new_check_out=day(data.get("new_check_out")),
            old_blocked=span(data.get("old_blocked")),
            new_blocked=span(data.get("new_blocked")),
            # Changes saved before the shortening's percent existed refunded in full.
            refund_percent=int(data.get("refund_percent", 100)),
            refund_card_minor=int(data.get("refund_card_minor", 0)),
            refund_wallet_minor=int(data.get("refund_wallet_minor", 0)),
            kept_card_minor=int(data.get("kept_card_minor", 0)),
            kept_wallet_minor=int(data.get("kept_wallet_minor", 0)),
            new_stretches=tuple(
                (datetime.fromisoformat(end), int(amount)) for end, amount in data.get("new_stretches", ())
            ),
        )


def keep_by_policy(change: PeriodChange, booking: Booking, now: datetime) -> PeriodChange:
    """A shortening's money: the removed time's cost (card first, then wallet, never more than
    each paid for the booking's time; a pass's cover is not money) comes back at the percent a
    cancellation at `now` would refund, each source's share rounded down as a cancellation
    rounds it; the rest is kept. A lengthening or a change of nothing refunds nothing."""
    if change.difference_minor >= 0:
        return change
    percent = refund_percent(booking, now)
    card, wallet = refund_split(
        -change.difference_minor,
        card_paid_minor=booking.refundable_card_minor,
        wallet_paid_minor=booking.refundable_wallet_minor,
    )
    card_back, wallet_back = refund_by_percent(card, percent), refund_by_percent(wallet, percent)
    return replace(
        change,
        refund_percent=percent,
        refund_card_minor=card_back,
        refund_wallet_minor=wallet_back,
        kept_card_minor=card - card_back,
        kept_wallet_minor=wallet - wallet_back,
    )
