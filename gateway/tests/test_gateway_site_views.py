"""The public site's words (gateway.site.views): cancellation terms, durations, the map link, a
booking's status and reason. The refund a cancellation gives now is bookings' answer
(PreviewCancellation), not the site's."""

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


def _cancelled(**refund: int) -> bookings_pb2.Booking:
    return bookings_pb2.Booking(
        id="b1",
        company_id="c1",
        status=bookings_pb2.BOOKING_STATUS_CANCELLED,
        session_id="s1",
        quantity=1,
        total_price=money_pb2.Money(amount_minor=2000, currency_code="EUR"),
        refund=bookings_pb2.RefundRequest(status=bookings_pb2.REFUND_STATUS_REFUNDED, **refund),
    )


def test_a_cancelled_booking_s_refund_says_where_it_went_as_the_refund_e_mail_does():
    """A wallet-paid booking's refund went to the wallet: the page said "0.00 EUR to your card"."""

    def said(**refund: int) -> list[str]:
        return views.booking_view(_cancelled(**refund), "Yoga", views.zone("UTC")).lines

    assert said(percent=100, wallet_minor=2000) == ["Refund (100%): 20.00 EUR to your wallet — done"]
    assert said(percent=100, credits=1) == ["Refund (100%): 1 pass credit back on your pass — done"]
    assert said(percent=50, card_minor=600, wallet_minor=400) == [
        "Refund (50%): 6.00 EUR to your card, 4.00 EUR to your wallet — done"
    ]
    assert said(percent=100, desk_minor=2000) == [
        "Refund (100%): 20.00 EUR to collect at the front desk — done"
    ]
    assert said(percent=0) == []


def test_a_period_names_the_day_once_when_it_ends_the_same_day():
    tz = views.zone("Europe/Berlin")
    start = datetime(2030, 3, 5, 17, 0, tzinfo=UTC)
    assert views.period(start, start + timedelta(hours=1), tz) == "Tue 5 Mar 2030, 18:00\u201319:00"
    assert (
        views.period(start, start + timedelta(days=1), tz) == "Tue 5 Mar 2030, 18:00 to Wed 6 Mar 2030, 18:00"
    )
