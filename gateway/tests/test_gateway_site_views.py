"""The public site's words (gateway.site.views): cancellation terms, the refund a cancellation
gives now (the same rule as bookings'), durations, the map link, a booking's status and reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2
from gateway.site import views


def _policy(*windows: tuple[int, int], free: int = 0) -> catalog_pb2.ResourcePolicy:
    return catalog_pb2.ResourcePolicy(
        free_cancellation_minutes=free,
        cancellation_windows=[
            catalog_pb2.CancellationWindow(minutes_before_start=m, refund_percent=p) for m, p in windows
        ],
    )


def test_durations_read_as_days_hours_and_minutes():
    assert views.duration(90) == "1 hour 30 minutes"
    assert views.duration(2 * 24 * 60) == "2 days"
    assert views.duration(24 * 60 + 60) == "1 day 1 hour"
    assert views.duration(0) == "0 minutes"


def test_cancellation_terms_in_words():
    assert views.terms_in_words(_policy(free=60)) == [
        "Cancel at least 1 hour before the start: a full refund.",
        "Less than 1 hour before the start: no refund.",
        "Once the booked time has begun, it can no longer be cancelled.",
    ]
    assert views.terms_in_words(_policy((2880, 50), (10080, 100)))[:3] == [
        "Cancel at least 7 days before the start: a full refund.",
        "Cancel at least 2 days before the start: 50% refunded.",
        "Less than 2 days before the start: no refund.",
    ]
    assert views.terms_in_words(_policy(free=0))[0] == "Cancel any time before the start: a full refund."


def test_the_refund_now_is_the_widest_window_reached():
    windows = views.windows_of(_policy((10080, 100), (2880, 50)))
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert views.refund_percent(windows, now + timedelta(days=8), now) == 100
    assert views.refund_percent(windows, now + timedelta(days=3), now) == 50
    assert views.refund_percent(windows, now + timedelta(days=1), now) == 0
    assert views.refund_percent(windows, now - timedelta(minutes=1), now) == 0
    assert views.refund_percent(windows, None, now) == 0


def test_the_map_link_is_a_plain_openstreetmap_search():
    assert (
        views.map_link("Am Ufer 3, Berlin")
        == "https://www.openstreetmap.org/search?query=Am+Ufer+3%2C+Berlin"
    )


def test_a_rejected_booking_says_why_in_words():
    booking = bookings_pb2.Booking(
        id="b1",
        company_id="c1",
        status=bookings_pb2.BOOKING_STATUS_REJECTED,
        reject_reason="CARD_DECLINED",
        session_id="s1",
        quantity=2,
        total_price=money_pb2.Money(amount_minor=3000, currency_code="EUR"),
    )
    view = views.booking_view(booking, "Yoga", views.zone("Europe/Berlin"))
    assert view.status == "REJECTED" and view.terminal and not view.can_cancel
    assert view.reason.startswith("Your bank declined the card.")
    assert view.what == "Yoga, 2 places" and view.total == "30.00 EUR"
    booking.reject_reason = "SOMETHING_NEW"
    assert views.booking_view(booking, "Yoga", views.zone("UTC")).reason == "Something new."


def test_a_period_names_the_day_once_when_it_ends_the_same_day():
    tz = views.zone("Europe/Berlin")
    start = datetime(2030, 3, 5, 17, 0, tzinfo=UTC)
    assert views.period(start, start + timedelta(hours=1), tz) == "Tue 5 Mar 2030, 18:00\u201319:00"
    assert (
        views.period(start, start + timedelta(days=1), tz) == "Tue 5 Mar 2030, 18:00 to Wed 6 Mar 2030, 18:00"
    )


def test_the_refund_now_is_each_source_s_share_as_bookings_gives_it():
    now = datetime(2030, 1, 1, tzinfo=UTC)
    windows = [(2880, 100), (60, 50)]
    booking = bookings_pb2.Booking(
        quantity=2,
        card_charged_minor=1001,
        wallet_debited_minor=300,
        bonus_debited_minor=201,
        desk_paid_minor=999,
        payment_plan=bookings_pb2.PaymentPlan(entitlement_id="e-1"),
    )
    booking.start_time.FromDatetime(now + timedelta(days=3))
    full = views.refund_now(booking, windows, now)
    booking.start_time.FromDatetime(now + timedelta(hours=2))
    half = views.refund_now(booking, windows, now)
    booking.start_time.FromDatetime(now + timedelta(minutes=30))
    none = views.refund_now(booking, windows, now)

    assert full == views.RefundNow(percent=100, card_minor=1001, wallet_minor=501, credits=2, desk_minor=999)
    # Rounded down per source; a pass's credits come back only with a full refund.
    assert half == views.RefundNow(percent=50, card_minor=500, wallet_minor=250, credits=0, desk_minor=499)
    assert none == views.RefundNow(percent=0, card_minor=0, wallet_minor=0, credits=0, desk_minor=0)


def test_a_booking_s_saved_windows_are_read_only_when_its_message_carries_them():
    # bookings.v1.Booking has no cancellation_windows yet: the page falls back to the policy.
    assert views.booking_windows(bookings_pb2.Booking()) is None
