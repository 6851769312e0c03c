"""Pricing a booking's new period: kept nights keep their price, extras scale, refunds split."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from bookings.domain.changes import (
    MAX_STRETCHES,
    PeriodChange,
    Scale,
    Stretch,
    booked_night_prices,
    booked_stretches,
    keep_by_policy,
    nightly_lines,
    refund_split,
    rescale_extras,
    stretched_to,
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


def rental_base(
    base_minor: int, rate: int, old_end: datetime, new_end: datetime, recorded: tuple = ()
) -> tuple[Stretch, ...]:
    return stretched_to(booked_stretches(START, old_end, base_minor, recorded), rate, new_end)


def base_of(stretches: tuple[Stretch, ...]) -> int:
    return sum(stretch.amount_minor for stretch in stretches)


def test_an_interval_at_an_unchanged_rate_is_priced_pro_rata_for_its_new_period():
    longer = rental_base(3000, 1200, START + timedelta(hours=2, minutes=30), START + timedelta(hours=3))
    assert longer == (Stretch(START, START + timedelta(hours=3), 3600),)
    shorter = rental_base(3000, 1200, START + timedelta(hours=2, minutes=30), START + timedelta(hours=1))
    assert base_of(shorter) == 1200


def test_an_interval_booked_at_an_older_rate_keeps_it_for_the_booked_part():
    # Booked 2 h for 2000 (1000/h); the rate is now 1200/h.
    two_hours = START + timedelta(hours=2)
    longer = rental_base(2000, 1200, two_hours, START + timedelta(hours=3))
    assert longer == (Stretch(START, two_hours, 2000), Stretch(two_hours, START + timedelta(hours=3), 1200))
    assert base_of(rental_base(2000, 1200, two_hours, START + timedelta(hours=1))) == 1000


def test_a_lower_rate_never_reprices_the_hours_already_bought():
    """The tester's cycles: 8 h at 10.00/h, the rate lowered to 5.00/h, extended by 15 min and
    shortened back: 80.00 again (it was 78.78, creeping to the new rate each cycle)."""
    eight = START + timedelta(hours=8)
    extended = stretched_to(booked_stretches(START, eight, 8000, ()), 500, eight + timedelta(minutes=15))
    assert base_of(extended) == 8125
    back = stretched_to(extended, 500, eight)
    assert back == (Stretch(START, eight, 8000),)
    for _ in range(5):
        back = stretched_to(stretched_to(back, 500, eight + timedelta(minutes=15)), 500, eight)
    assert base_of(back) == 8000


def test_a_rate_lowered_then_raised_again_gives_back_only_what_the_added_hours_cost():
    """1 h at 10.00, extended to 4 h at 1.00/h (13.00), the rate 10.00/h again, shortened to
    1 h: 10.00 (3.00 back), not 3.25 (6.75 back)."""
    one, four = START + timedelta(hours=1), START + timedelta(hours=4)
    extended = stretched_to(booked_stretches(START, one, 1000, ()), 100, four)
    assert extended == (Stretch(START, one, 1000), Stretch(one, four, 300))
    assert stretched_to(extended, 1000, one) == (Stretch(START, one, 1000),)


def test_a_stretch_cut_partway_gives_back_its_share_rounded_for_the_company():
    one, four = START + timedelta(hours=1), START + timedelta(hours=4)
    stretches = booked_stretches(START, four, 1301, ((one, 1000), (four, 301)))
    # 100 of the 180 minutes of the 3.01 stretch removed: 301 * 100 // 180 = 167 back.
    cut = stretched_to(stretches, 5000, one + timedelta(minutes=80))
    assert cut == (Stretch(START, one, 1000), Stretch(one, one + timedelta(minutes=80), 134))
    # Into the first stretch: the later one is dropped whole, the first gives back pro rata.
    assert stretched_to(stretches, 5000, START + timedelta(minutes=20)) == (
        Stretch(START, START + timedelta(minutes=20), 1000 - 1000 * 40 // 60),
    )


def test_an_extension_at_the_rate_of_the_last_stretch_grows_it_and_the_stretches_stay_few():
    one = START + timedelta(hours=1)
    stretches = booked_stretches(START, one, 1000, ())
    end = one
    for _ in range(3 * MAX_STRETCHES):  # rate changes at every extension
        end += timedelta(minutes=7)
        stretches = stretched_to(stretches, 1000 + len(stretches) * 37, end)
    assert len(stretches) == MAX_STRETCHES
    assert stretches[-1].end == end
    # At an unchanged rate, a cut's rounding (a cent at most) does not start a new stretch.
    # 90 min at 1.07/h cost 1.61; cut to 14 min it keeps 0.26 where 14 min cost 0.25 now.
    ninety = START + timedelta(minutes=90)
    cut = stretched_to(booked_stretches(START, ninety, 161, ()), 107, START + timedelta(minutes=14))
    assert cut == (Stretch(START, START + timedelta(minutes=14), 26),)
    assert stretched_to(cut, 107, ninety) == (Stretch(START, ninety, 26 + 136),)


def test_extras_per_night_and_per_hour_scale_and_the_others_stay():
    extras = [
        ExtraLine("breakfast", "Breakfast", 4, 1000, "PER_GUEST_NIGHT"),  # 2 guests x 2 nights
        ExtraLine("dinner", "Dinner", 2, 3000, "PER_NIGHT"),
        ExtraLine("cleaning", "Cleaning", 1, 5000, "PER_BOOKING"),
        ExtraLine("towels", "Towels", 2, 700, "PER_GUEST"),
    ]

    scaled = rescale_extras(extras, Scale(nights=2, guests=2), Scale(nights=3, guests=2))

    assert [(line.extra_id, line.quantity, line.unit_price_minor, line.pricing_unit) for line in scaled] == [
        ("breakfast", 6, 1000, "PER_GUEST_NIGHT"),
        ("dinner", 3, 3000, "PER_NIGHT"),
        ("cleaning", 1, 5000, "PER_BOOKING"),
        ("towels", 2, 700, "PER_GUEST"),
    ]


def test_an_extra_scales_by_the_unit_it_was_bought_with_not_the_catalogs_now():
    """Repro A/B: a guide bought per booking (x4 on a 4-hour rental, x1 on another) stays as
    bought when the rental changes, whatever the catalog's unit is by then; a guide bought per
    hour scales with the hours."""
    per_booking = [ExtraLine("guide4", "Guide4", 4, 5000, "PER_BOOKING")]
    assert rescale_extras(per_booking, Scale(hours=4), Scale(hours=3)) == tuple(per_booking)
    assert rescale_extras(per_booking, Scale(hours=4), Scale(hours=6)) == tuple(per_booking)
    per_hour = [ExtraLine("guide", "Guide", 4, 100, "PER_HOUR")]
    assert [line.quantity for line in rescale_extras(per_hour, Scale(hours=4), Scale(hours=1))] == [1]
    one_hour = [ExtraLine("guide", "Guide", 1, 100, "PER_HOUR")]
    assert [line.quantity for line in rescale_extras(one_hour, Scale(hours=1), Scale(hours=6))] == [6]
    # A quantity that does not fit its unit stays as bought.
    odd = [ExtraLine("guide", "Guide", 3, 100, "PER_HOUR")]
    assert rescale_extras(odd, Scale(hours=2), Scale(hours=4)) == tuple(odd)


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
        new_stretches=((START + timedelta(hours=2), 2400), (START + timedelta(hours=3), 1200)),
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
