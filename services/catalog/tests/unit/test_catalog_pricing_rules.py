"""Night prices resolve override > daily price > default; price lists and date ranges are checked."""

import uuid
from datetime import date

import pytest

from catalog.domain import errors, pricing
from catalog.domain.commands import (
    CreateExtra,
    CreateResource,
    DailyPriceInput,
    GetPricing,
    ListDailyPrices,
    SetDailyPrices,
)
from catalog.domain.model import DailyPrice, Money, NightPrice, PriceSource, PricingUnit
from plumbing.errors import InvalidArgument

D1, D2, D3, D4 = (date(2031, 3, d) for d in (28, 29, 30, 31))


def eur(amount: int) -> Money:
    return Money(amount, "EUR")


def test_each_night_takes_its_override_else_its_daily_price_else_the_default():
    stored = [
        DailyPrice(D2, eur(150)),
        DailyPrice(D3, eur(160)),
        DailyPrice(D3, eur(99), override=True),
        DailyPrice(D4, eur(80), override=True),
    ]
    nights = pricing.resolve_nights([D1, D2, D3, D4], eur(120), stored)
    assert nights == [
        NightPrice(D1, eur(120), PriceSource.DEFAULT),
        NightPrice(D2, eur(150), PriceSource.DAILY),
        NightPrice(D3, eur(99), PriceSource.OVERRIDE),
        NightPrice(D4, eur(80), PriceSource.OVERRIDE),
    ]
    assert pricing.total(nights, "EUR") == eur(449)


def test_a_total_of_no_nights_is_zero_and_a_foreign_price_is_an_error():
    assert pricing.total([], "EUR") == eur(0)
    with pytest.raises(ValueError):
        pricing.total([NightPrice(D1, Money(1, "USD"), PriceSource.DAILY)], "EUR")


def prices(*entries: DailyPriceInput, **overrides) -> SetDailyPrices:
    values = {"request_id": "", "resource_id": str(uuid.uuid4()), "rate_plan_id": str(uuid.uuid4())}
    return SetDailyPrices.parse(**{**values, **overrides}, prices=list(entries))


def entry(day: str = "2031-03-28", amount: int | None = 100, currency: str = "EUR", override: bool = False):
    return DailyPriceInput(date=day, amount_minor=amount, currency_code=currency, override=override)


def test_a_price_list_may_set_a_daily_price_and_an_override_of_one_date_and_clear_another():
    command = prices(entry(), entry(override=True, amount=90), entry("2031-03-29", amount=None))
    assert command.prices == (
        DailyPrice(D1, eur(100)),
        DailyPrice(D1, eur(90), override=True),
        DailyPrice(D2, None),
    )


@pytest.mark.parametrize(
    ("entries", "reason", "field"),
    [
        ([], errors.INVALID_DAILY_PRICES, "prices"),
        ([entry()] * 801, errors.INVALID_DAILY_PRICES, "prices"),
        ([entry(), entry(amount=5)], errors.INVALID_DAILY_PRICES, "prices[1].date"),
        ([entry("2031-02-30")], errors.INVALID_DATE, "prices[0].date"),
        ([entry("1999-12-31")], errors.INVALID_DATE, "prices[0].date"),
        ([entry(amount=-1)], errors.INVALID_PRICE, "prices[0].price.amount_minor"),
        ([entry(currency="eur")], errors.INVALID_CURRENCY, "prices[0].price.currency_code"),
    ],
)
def test_a_bad_price_list_is_refused_naming_the_entry(entries, reason, field):
    with pytest.raises(InvalidArgument) as raised:
        prices(*entries)
    assert (raised.value.reason, raised.value.field) == (reason, field)


@pytest.mark.parametrize(
    ("start", "end", "reason", "field"),
    [
        ("2031-03-28", "2031-03-28", errors.INVALID_DATE_RANGE, "end_date"),
        ("2031-03-29", "2031-03-28", errors.INVALID_DATE_RANGE, "end_date"),
        ("2031-01-01", "2032-01-03", errors.INVALID_DATE_RANGE, "end_date"),  # 367 nights
        ("", "2031-03-28", errors.INVALID_DATE, "start_date"),
        ("2031-03-28", "tomorrow", errors.INVALID_DATE, "end_date"),
    ],
)
def test_a_stay_is_one_to_366_nights(start, end, reason, field):
    query = GetPricing.parse(resource_id=str(uuid.uuid4()), rate_plan_id="", start_date=start, end_date=end)
    with pytest.raises(InvalidArgument) as raised:
        query.stay()
    assert (raised.value.reason, raised.value.field) == (reason, field)


def test_a_stay_and_a_price_listing_have_their_dates():
    query = GetPricing.parse(
        resource_id=str(uuid.uuid4()), rate_plan_id="", start_date="2031-01-01", end_date="2032-01-02"
    )
    assert query.stay() == (date(2031, 1, 1), date(2032, 1, 2))
    assert query.rate_plan_id is None
    listing = ListDailyPrices.parse(
        resource_id=str(uuid.uuid4()),
        rate_plan_id=str(uuid.uuid4()),
        start_date="2031-01-01",
        end_date="2033-03-11",
    )
    assert listing.end_date == date(2033, 3, 11)
    with pytest.raises(InvalidArgument):
        ListDailyPrices.parse(
            resource_id=str(uuid.uuid4()),
            rate_plan_id=str(uuid.uuid4()),
            start_date="2031-01-01",
            end_date="2033-03-12",
        )


def test_an_extra_is_priced_per_booking_unless_told_otherwise():
    values = {"request_id": "", "company_id": str(uuid.uuid4()), "name": "Tax", "price_amount_minor": 250}
    assert CreateExtra.parse(**values, price_currency_code="EUR").pricing_unit is PricingUnit.PER_BOOKING
    per_guest_night = CreateExtra.parse(**values, price_currency_code="EUR", pricing_unit="PER_GUEST_NIGHT")
    assert per_guest_night.pricing_unit is PricingUnit.PER_GUEST_NIGHT
    with pytest.raises(InvalidArgument) as raised:
        CreateExtra.parse(**values, price_currency_code="EUR", pricing_unit="7")
    assert (raised.value.reason, raised.value.field) == (errors.INVALID_PRICING_UNIT, "pricing_unit")


def test_only_an_interval_resource_may_have_an_hourly_rate():
    values = {"request_id": "", "company_id": str(uuid.uuid4()), "name": "Kayak", "policy": None}
    command = CreateResource.parse(
        **values, booking_model="INTERVAL", hourly_rate_amount_minor=1500, hourly_rate_currency_code="EUR"
    )
    assert command.hourly_rate == eur(1500)
    with pytest.raises(InvalidArgument) as raised:
        CreateResource.parse(
            **values, booking_model="NIGHTLY", hourly_rate_amount_minor=1500, hourly_rate_currency_code="EUR"
        )
    assert (raised.value.reason, raised.value.field) == (errors.INVALID_PRICE, "hourly_rate")
    with pytest.raises(InvalidArgument) as raised:
        CreateResource.parse(
            **values, booking_model="INTERVAL", hourly_rate_amount_minor=-1, hourly_rate_currency_code="EUR"
        )
    assert (raised.value.reason, raised.value.field) == (errors.INVALID_PRICE, "hourly_rate.amount_minor")
