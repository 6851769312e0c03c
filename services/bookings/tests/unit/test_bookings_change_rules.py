"""Pricing a booking's new period: kept nights keep their price, extras scale, refunds split."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from bookings.domain.changes import (
    PeriodChange,
    Scale,
    booked_night_prices,
    interval_base,
    keep_by_policy,
    nightly_lines,
    refund_split,
    rescale_extras,
)
from bookings.domain.model import (
    Booking,
    BookingModel,
    BookingStatus,
    ExtraLine,
    PaymentPlan,
    cancellation_refund,
)
from bookings.domain.reservations import PricedNight

MONDAY = date(2031, 3, 3)
START = datetime(2031, 3, 3, 8, tzinfo=UTC)


def test_kept_nights_keep_their_booked_price_and_added_nights_cost_the_catalog_price_now():
    booked = booked_night_prices((("Night of 2031-03-03", 1, 9000), ("Breakfast x2", 2, 2000)))
    catalog = (
        PricedNight(MONDAY, 12000),
        PricedNight(MONDAY + timedelta(days=1), 11000),
    )

    lines = nightly_lines(booked, MONDAY, MONDAY + timedelta(days=2), catalog)

    assert lines == (("Night of 2031-03-03", 1, 9000), ("Night of 2031-03-04", 1, 11000))


def test_an_interval_at_an_unchanged_rate_is_priced_pro_rata_for_its_new_period():
    assert (
        interval_base(3000, 1200, START, START + timedelta(hours=2, minutes=30), START + timedelta(hours=3))
        == 3600
    )
    assert (
        interval_base(3000, 1200, START, START + timedelta(hours=2, minutes=30), START + timedelta(hours=1))
        == 1200
    )


def test_an_interval_booked_at_an_older_rate_keeps_it_for_the_booked_part():
    # Booked 2 h for 2000 (1000/h); the rate is now 1200/h.
    assert interval_base(2000, 1200, START, START + timedelta(hours=2), START + timedelta(hours=3)) == 3200
    assert interval_base(2000, 1200, START, START + timedelta(hours=2), START + timedelta(hours=1)) == 1000


def test_extras_per_night_and_per_hour_scale_and_the_others_stay():
    extras = [
        ExtraLine("breakfast", "Breakfast", 4, 1000),  # 2 guests x 2 nights
        ExtraLine("cleaning", "Cleaning", 1, 5000),
        ExtraLine("gone", "No longer offered", 2, 700),
    ]
    units = {"breakfast": "PER_GUEST_NIGHT", "cleaning": "PER_BOOKING"}

    scaled = rescale_extras(extras, units, Scale(nights=2, guests=2), Scale(nights=3, guests=2))

    assert [(line.extra_id, line.quantity, line.unit_price_minor) for line in scaled] == [
        ("breakfast", 6, 1000),
        ("cleaning", 1, 5000),
        ("gone", 2, 700),
    ]


def test_a_refund_goes_to_the_card_first_then_the_wallet_never_beyond_what_each_paid():
    assert refund_split(3000, card_paid_minor=2000, wallet_paid_minor=5000) == (2000, 1000)
    assert refund_split(3000, card_paid_minor=0, wallet_paid_minor=1000) == (0, 1000)


def test_a_change_survives_the_saga_data_round_trip():
    change = PeriodChange(
        change_id="x",
        booking_id="b",
        request_id="r",
        booking_model="INTERVAL",
        old_end=START + timedelta(hours=2),
        new_end=START + timedelta(hours=3),
        old_total_minor=2400,
        new_total_minor=3600,
        new_base_minor=3600,
        quote_lines=(("3 h 0 min", 180, 3600),),
        extras=(),
        old_blocked=(START, START + timedelta(hours=2, minutes=30)),
        new_blocked=(START, START + timedelta(hours=3, minutes=30)),
    )
    assert PeriodChange.from_data(change.to_data()) == change
    assert (change.difference_minor, change.extends) == (1200, True)


def cabin(**paid) -> Booking:
    """4 nights at 33.33 booked with a 100 % window until 48 h and 50 % until 24 h before."""
    return Booking(
        id="b",
        company_id="c",
        customer_id="u",
        resource_id="r",
        session_id="",
        booking_model=BookingModel.NIGHTLY,
        quantity=1,
        start_time=START,
        end_time=START + timedelta(days=4),
        status=BookingStatus.CONFIRMED,
        total_minor=13332,
        base_minor=13332,
        currency="EUR",
        plan=PaymentPlan(use_wallet=True, payment_method_id="m"),
        saga_id="g",
        free_cancellation_until=START,
        cancellation_windows=((2880, 100), (1440, 50)),
        **paid,
    )


def shortening(booking: Booking, nights: int) -> PeriodChange:
    return PeriodChange(
        change_id="x",
        booking_id="b",
        request_id="r",
        booking_model="NIGHTLY",
        old_end=booking.end_time,
        new_end=START + timedelta(days=nights),
        old_total_minor=booking.total_minor,
        new_total_minor=3333 * nights,
        new_base_minor=3333 * nights,
        quote_lines=(),
        extras=(),
    )


def test_a_shortening_refunds_the_removed_nights_at_the_percent_a_cancellation_would():
    booking = cabin(card_charged_minor=11832, wallet_debited_minor=1000, bonus_debited_minor=500)
    in_half_window = START - timedelta(hours=46)

    change = keep_by_policy(shortening(booking, 1), booking, in_half_window)

    # 99.99 removed, all of it card money: 49.99 back (rounded down), 50.00 kept.
    assert (change.refund_percent, change.refund_card_minor, change.refund_wallet_minor) == (50, 4999, 0)
    assert (change.kept_card_minor, change.kept_wallet_minor) == (5000, 0)
    assert PeriodChange.from_data(change.to_data()) == change
    # Then cancelled: the kept 50.00 is not refunded again, so shortening first never pays.
    settled = replace(booking, card_charged_minor=11832 - 4999, kept_card_minor=5000, total_minor=3333)
    refund = cancellation_refund(settled, in_half_window)
    outright = cancellation_refund(booking, in_half_window)
    assert (refund.card_minor, refund.wallet_minor) == (916, 750)
    assert 4999 + refund.card_minor + refund.wallet_minor <= outright.card_minor + outright.wallet_minor


def test_a_shortening_in_the_free_period_refunds_everything_and_after_the_last_window_nothing():
    booking = cabin(card_charged_minor=3000, wallet_debited_minor=10332)
    free = keep_by_policy(shortening(booking, 1), booking, START - timedelta(days=3))
    late = keep_by_policy(shortening(booking, 1), booking, START - timedelta(hours=2))
    assert (
        free.refund_card_minor,
        free.refund_wallet_minor,
        free.kept_card_minor,
        free.kept_wallet_minor,
    ) == (
        3000,
        6999,
        0,
        0,
    )
    assert (
        late.refund_card_minor,
        late.refund_wallet_minor,
        late.kept_card_minor,
        late.kept_wallet_minor,
    ) == (
        0,
        0,
        3000,
        6999,
    )
    lengthened = PeriodChange(**{**shortening(booking, 5).__dict__, "new_total_minor": 16665})
    assert keep_by_policy(lengthened, booking, START - timedelta(hours=2)) == lengthened
