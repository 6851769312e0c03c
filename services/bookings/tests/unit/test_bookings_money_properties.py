"""Properties of the money arithmetic and the time window of bookings (hypothesis): a quote
either stays inside the shared bounds with its sums exact or is refused AMOUNT_TOO_LARGE,
never anything else; pro-rata, refunds and splits never go negative nor past what was paid;
any date of the window has local-day bounds in UTC across DST, dates outside are refused."""

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookings.domain.availability import local_day_bounds, parse_day
from bookings.domain.changes import refund_split
from bookings.domain.policy import refund_by_percent
from bookings.domain.reservations import EngineQuote, ExtraOffer, QuoteLine, extra_lines, interval_price
from plumbing import money
from plumbing.errors import InvalidArgument

UNITS = ("PER_BOOKING", "PER_NIGHT", "PER_GUEST", "PER_HOUR", "PER_GUEST_NIGHT")
START = datetime(2030, 1, 1, tzinfo=UTC)
ZONES = (ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"))

prices = st.integers(min_value=0, max_value=money.MAX_PRICE_MINOR)
quantities = st.integers(min_value=1, max_value=money.MAX_QUANTITY)


@given(
    base_price=prices,
    places=quantities,
    extras=st.lists(st.tuples(prices, quantities, st.sampled_from(UNITS)), max_size=4),
    nights=st.integers(min_value=1, max_value=366),
    guests=quantities,
    hours=st.integers(min_value=1, max_value=24 * 366),
)
def test_a_quote_is_exact_and_bounded_or_refused_as_too_large(
    base_price, places, extras, nights, guests, hours
):
    offers = {
        f"x{index}": ExtraOffer(f"x{index}", f"extra {index}", price, "EUR", unit)
        for index, (price, _quantity, unit) in enumerate(extras)
    }
    wanted = tuple((f"x{index}", quantity) for index, (_price, quantity, _unit) in enumerate(extras))
    lines = extra_lines(wanted, offers, "EUR", nights=nights, guests=guests, hours=hours)
    multiplier = {
        "PER_NIGHT": nights,
        "PER_GUEST": guests,
        "PER_HOUR": hours,
        "PER_GUEST_NIGHT": guests * nights,
    }
    expected_lines = [quantity * multiplier.get(unit, 1) for _price, quantity, unit in extras]
    assert [line.quantity for line in lines] == expected_lines
    base = base_price * places
    amounts = [price * count for (price, _q, _u), count in zip(extras, expected_lines, strict=True)]
    true_total = base + sum(amounts)
    too_large = (
        true_total > money.MAX_AMOUNT_MINOR
        or base > money.MAX_AMOUNT_MINOR
        or any(count > money.MAX_LINE_QUANTITY for count in expected_lines)
        or any(amount > money.MAX_AMOUNT_MINOR for amount in amounts)
    )
    try:
        quote = EngineQuote(
            lines=(QuoteLine("places", places, base),),
            extras=lines,
            base_minor=base,
            currency="EUR",
            start=START,
            end=START + timedelta(hours=1),
        )
    except InvalidArgument as refused:
        assert refused.reason == money.AMOUNT_TOO_LARGE
        assert too_large
        return
    assert not too_large
    assert 0 <= quote.total_minor == true_total <= money.MAX_AMOUNT_MINOR
    assert quote.total_minor == sum(line.amount_minor for line in quote.all_lines())


@given(quantity=st.integers(min_value=money.MAX_QUANTITY + 1, max_value=2**31 - 1))
def test_a_quantity_past_the_bound_is_refused(quantity):
    offers = {"x": ExtraOffer("x", "extra", 100, "EUR", "PER_BOOKING")}
    with pytest.raises(InvalidArgument) as refused:
        extra_lines((("x", quantity),), offers, "EUR")
    assert refused.value.reason == "INVALID_QUANTITY"


@given(
    rate=prices,
    first=st.integers(min_value=0, max_value=366 * 24 * 60),
    second=st.integers(min_value=0, max_value=366 * 24 * 60),
)
def test_pro_rata_is_the_exact_ceiling_and_splitting_a_period_costs_at_most_one_unit_more(
    rate, first, second
):
    middle, end = START + timedelta(minutes=first), START + timedelta(minutes=first + second)
    whole = interval_price(rate, START, end)
    assert whole == -(
        -Fraction(rate * (first + second), 60).numerator // Fraction(rate * (first + second), 60).denominator
    )
    assert 0 <= whole <= rate * (first + second) // 60 + 1
    parts = interval_price(rate, START, middle) + interval_price(rate, middle, end)
    assert whole <= parts <= whole + 1


@given(paid=st.integers(min_value=0, max_value=money.MAX_AMOUNT_MINOR), percent=st.integers(0, 100))
def test_a_refund_by_percentage_is_never_negative_nor_more_than_was_paid(paid, percent):
    refund = refund_by_percent(paid, percent)
    assert 0 <= refund <= paid
    assert refund == paid * percent // 100
    assert refund_by_percent(paid, 100) == paid and refund_by_percent(paid, 0) == 0


@given(
    amount=st.integers(min_value=0, max_value=money.MAX_AMOUNT_MINOR),
    card=st.integers(min_value=-10, max_value=money.MAX_AMOUNT_MINOR),
    wallet=st.integers(min_value=-10, max_value=money.MAX_AMOUNT_MINOR),
)
def test_a_shortening_refund_splits_card_first_never_past_what_each_paid(amount, card, wallet):
    to_card, to_wallet = refund_split(amount, card_paid_minor=card, wallet_paid_minor=wallet)
    assert 0 <= to_card <= max(card, 0) and 0 <= to_wallet <= max(wallet, 0)
    assert to_card + to_wallet == min(amount, max(card, 0) + max(wallet, 0))


window_days = st.dates(min_value=date(1970, 1, 1), max_value=date(2199, 12, 31))


@given(day=window_days, zone=st.sampled_from(ZONES))
def test_any_local_day_of_the_window_has_utc_bounds_of_23_24_or_25_hours(day, zone):
    parsed = parse_day(day.isoformat(), "date")
    start, end = local_day_bounds(parsed, zone)
    assert start.tzinfo is not None and start < end
    assert end - start in (timedelta(hours=23), timedelta(hours=24), timedelta(hours=25))
    assert start.astimezone(zone).date() == day
    assert start.astimezone(zone).hour == 0 or start.astimezone(zone).hour == 1  # midnight may not exist


@given(
    day=st.one_of(
        st.dates(max_value=date(1969, 12, 31)),
        st.dates(min_value=date(2200, 1, 1)),
    )
)
def test_a_date_outside_the_window_is_invalid_date_never_an_overflow(day):
    with pytest.raises(InvalidArgument) as refused:
        parse_day(day.isoformat().rjust(10, "0"), "date")
    assert refused.value.reason == "INVALID_DATE"
