"""Price resolution of nights: an override wins over a daily price, which wins over the
rate plan's default nightly price. Pure; the dates are local dates of the company."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from catalog.domain.model import DailyPrice, Money, NightPrice, PriceSource


def resolve_nights(nights: Iterable[date], default: Money, stored: Iterable[DailyPrice]) -> list[NightPrice]:
    """The price of each night in order: its override, else its daily price, else `default`."""
    daily: dict[date, Money] = {}
    overrides: dict[date, Money] = {}
    for entry in stored:
        if entry.price is not None:
            (overrides if entry.override else daily)[entry.date] = entry.price
    resolved = []
    for night in nights:
        if night in overrides:
            resolved.append(NightPrice(night, overrides[night], PriceSource.OVERRIDE))
        elif night in daily:
            resolved.append(NightPrice(night, daily[night], PriceSource.DAILY))
        else:
            resolved.append(NightPrice(night, default, PriceSource.DEFAULT))
    return resolved


def total(nights: list[NightPrice], currency_code: str) -> Money:
    """The sum of the nights; every price is in `currency_code` (the company's)."""
    if any(night.price.currency_code != currency_code for night in nights):
        raise ValueError("nights priced in another currency")
    return Money(sum(night.price.amount_minor for night in nights), currency_code)
