"""Properties of catalog prices and local time (hypothesis): a price is accepted exactly when
it lies in 0..MAX_PRICE_MINOR, a stay's total is the exact sum of its nights, and any date
of the window turns into UTC check-in/out instants across DST without raising."""

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.domain import localtime, pricing, rules
from catalog.domain.model import Money, NightPrice, PriceSource
from plumbing import money
from plumbing.errors import InvalidArgument

ZONES = ("Europe/Berlin", "America/New_York")
window_days = st.dates(min_value=date(2000, 1, 1), max_value=date(2199, 12, 1))


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_a_price_is_accepted_exactly_inside_the_bound(amount):
    if 0 <= amount <= money.MAX_PRICE_MINOR:
        assert rules.price(amount, "EUR").amount_minor == amount
        return
    with pytest.raises(InvalidArgument) as refused:
        rules.price(amount, "EUR")
    assert refused.value.reason == ("INVALID_PRICE" if amount < 0 else money.AMOUNT_TOO_LARGE)


@given(st.lists(st.integers(min_value=0, max_value=money.MAX_PRICE_MINOR), min_size=1, max_size=366))
def test_a_stay_total_is_the_exact_sum_of_its_nights(prices):
    first = date(2030, 1, 1)
    nights = [
        NightPrice(first + timedelta(days=index), Money(price, "EUR"), PriceSource.DAILY)
        for index, price in enumerate(prices)
    ]
    total = pricing.total(nights, "EUR")
    assert total.amount_minor == sum(prices)
    assert 0 <= total.amount_minor <= 366 * money.MAX_PRICE_MINOR


@given(
    day=window_days,
    nights=st.integers(min_value=1, max_value=30),
    zone=st.sampled_from(ZONES),
    minutes=st.integers(min_value=0, max_value=23 * 60 + 59),
)
def test_any_date_of_the_window_converts_to_utc_across_dst(day, nights, zone, minutes):
    parsed = rules.local_date(day.isoformat(), "start_date")
    wall = time(minutes // 60, minutes % 60)
    instant = localtime.local_to_utc(parsed, wall, zone)
    assert instant.utcoffset() == timedelta(0)
    local = localtime.utc_to_local(instant, zone)
    # A wall time in a spring-forward gap moves forward by the gap; otherwise it is kept.
    assert local.date() == day
    shift = local.replace(tzinfo=None) - datetime.combine(parsed, wall)
    assert timedelta(0) <= shift <= timedelta(hours=1)
    start, end = localtime.local_day_bounds(parsed, zone)
    assert end - start in (timedelta(hours=23), timedelta(hours=24), timedelta(hours=25))
    assert len(localtime.nights(parsed, parsed + timedelta(days=nights))) == nights


@given(st.one_of(st.dates(max_value=date(1969, 12, 31)), st.dates(min_value=date(2200, 1, 1))))
def test_a_date_outside_the_window_is_invalid_date(day):
    with pytest.raises(InvalidArgument) as refused:
        rules.local_date(day.isoformat().rjust(10, "0"), "start_date")
    assert refused.value.reason == "INVALID_DATE"
