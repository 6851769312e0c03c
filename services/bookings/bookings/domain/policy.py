"""A resource's booking rules as bookings sees them (a snapshot of the catalog's policy)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from plumbing.errors import FailedPrecondition, InvalidArgument


@dataclass(frozen=True)
class Policy:
    lead_time_minutes: int = 0
    horizon_days: int = 0
    max_places_per_booking: int = 0
    min_duration_minutes: int = 0
    max_duration_minutes: int = 0
    min_nights: int = 0
    max_nights: int = 0
    granularity_minutes: int = 0
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    max_active_bookings_per_customer: int = 0
    # (minutes before start, refund percent), widest first.
    cancellation_windows: tuple[tuple[int, int], ...] = field(default_factory=tuple)
    check_in_deadline_minutes: int = 0
    no_show_grace_minutes: int = 0
    max_guests_per_unit: int = 0

    def check_timing(self, start: datetime, now: datetime) -> None:
        """Lead time and booking horizon, for every booking model."""
        if start <= now:
            raise FailedPrecondition("START_IN_PAST", "the booked time has already begun")
        if start - now < timedelta(minutes=self.lead_time_minutes):
            raise FailedPrecondition(
                "LEAD_TIME_NOT_MET", f"bookings close {self.lead_time_minutes} minutes before the start"
            )
        if self.horizon_days and start - now > timedelta(days=self.horizon_days):
            raise FailedPrecondition(
                "BEYOND_HORIZON", f"bookings open at most {self.horizon_days} days ahead"
            )

    def check_end_within_horizon(self, end: datetime, now: datetime) -> None:
        """A rental's end lies within the booking horizon as its start does (creates, quotes and
        changes): BEYOND_HORIZON on `end_time`."""
        if self.horizon_days and end - now > timedelta(days=self.horizon_days):
            raise FailedPrecondition(
                "BEYOND_HORIZON",
                f"bookings end at most {self.horizon_days} days ahead",
                field="end_time",
            )

    def check_deadline(self, start: datetime) -> datetime | None:
        """When the customer must have checked in by (no-show grace excluded); None: no check-in."""
        if not self.check_in_deadline_minutes:
            return None
        return start + timedelta(minutes=self.check_in_deadline_minutes)


def refund_percent_by_windows(windows: tuple[tuple[int, int], ...], start: datetime, now: datetime) -> int:
    """The widest window reached wins; none reached (or after the start): nothing back."""
    if now >= start:
        return 0
    minutes_before = (start - now).total_seconds() / 60
    for minutes, percent in sorted(windows, key=lambda window: -window[0]):
        if minutes_before >= minutes:
            return percent
    return 0


def require_positive(value: int, field_name: str, reason: str) -> None:
    if value < 1:
        raise InvalidArgument(reason, f"{field_name} must be at least 1", field=field_name)


def refund_by_percent(paid_minor: int, percent: int) -> int:
    """What a cancellation gives back of what one source paid: `percent` of it, rounded
    down to a whole minor unit, so refunds never add up to more than was paid."""
    if paid_minor < 0 or not 0 <= percent <= 100:
        raise ValueError("a refund is a percentage (0..100) of a non-negative amount")
    return paid_minor * percent // 100
