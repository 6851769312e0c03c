"""Booking rules: what can be booked, what a plan can pay, what a cancellation refunds."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bookings.domain.model import (
    Booking,
    BookingModel,
    BookingStatus,
    ExtraLine,
    PaymentPlan,
    Quote,
    SessionOffer,
    cancellation_refund,
    check_bookable,
    check_company_cancel_replay,
    check_payment_plan,
    quote_time_slot,
    refund_percent,
)
from plumbing.errors import ServiceError

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def offer(**changes):
    values = dict(
        session_id="s",
        company_id="c",
        resource_id="r",
        start_time=NOW + timedelta(days=1),
        end_time=NOW + timedelta(days=1, hours=1),
        capacity=10,
        price_minor=1500,
        currency="EUR",
        is_open=True,
        max_places_per_booking=4,
        free_cancellation_minutes=60,
        lead_time_minutes=30,
    )
    values.update(changes)
    return SessionOffer(**values)


def reason_of(call):
    with pytest.raises(ServiceError) as raised:
        call()
    return raised.value.reason


def test_the_quote_is_places_times_price_plus_extras():
    quote = quote_time_slot(offer(), 3, (ExtraLine("e", "Mat", 2, 250, "PER_BOOKING"),))
    assert (quote.base_minor, quote.total_minor) == (4500, 5000)


@pytest.mark.parametrize(
    ("session", "quantity", "reason"),
    [
        (offer(is_open=False), 1, "SESSION_NOT_OPEN"),
        (offer(start_time=NOW - timedelta(minutes=1)), 1, "SESSION_STARTED"),
        (offer(start_time=NOW + timedelta(minutes=10)), 1, "LEAD_TIME_NOT_MET"),
        (offer(), 5, "TOO_MANY_PLACES"),
        (offer(capacity=2, max_places_per_booking=0), 3, "SESSION_FULL"),
        (offer(), 0, "INVALID_QUANTITY"),
    ],
)
def test_a_session_refuses_what_its_rules_forbid(session, quantity, reason):
    assert reason_of(lambda: check_bookable(session, quantity, NOW)) == reason


def test_a_pass_alone_cannot_pay_for_extras():
    mat = ExtraLine("e", "Mat", 1, 200, "PER_BOOKING")
    with_extras = Quote(base_minor=1500, extras=(mat,), currency="EUR")
    assert reason_of(lambda: check_payment_plan(PaymentPlan(entitlement_id="p"), with_extras)) == (
        "PAYMENT_PLAN_INSUFFICIENT"
    )
    check_payment_plan(PaymentPlan(entitlement_id="p"), Quote(1500, (), "EUR"))
    check_payment_plan(PaymentPlan(entitlement_id="p", use_wallet=True), with_extras)


def booking(status=BookingStatus.CONFIRMED):
    start = NOW + timedelta(hours=5)
    return Booking(
        id="b",
        company_id="c",
        customer_id="u",
        resource_id="r",
        session_id="s",
        booking_model=BookingModel.TIME_SLOT,
        quantity=1,
        start_time=start,
        end_time=start + timedelta(hours=1),
        status=status,
        total_minor=1000,
        base_minor=1000,
        currency="EUR",
        plan=PaymentPlan(use_wallet=True),
        saga_id="g",
        free_cancellation_until=start - timedelta(hours=2),
    )


def test_cancelling_before_the_free_deadline_refunds_everything_and_after_it_nothing():
    assert refund_percent(booking(), NOW) == 100
    assert refund_percent(booking(), NOW + timedelta(hours=4)) == 0


def test_a_started_or_unconfirmed_booking_cannot_be_cancelled():
    assert reason_of(lambda: refund_percent(booking(), NOW + timedelta(hours=6))) == "BOOKING_ALREADY_STARTED"
    assert reason_of(lambda: refund_percent(booking(BookingStatus.PENDING), NOW)) == "BOOKING_NOT_CANCELLABLE"


def test_a_cancellation_refunds_each_source_s_share_and_pass_credits_only_in_full():
    paid = replace(
        booking(),
        quantity=2,
        plan=PaymentPlan(entitlement_id="e-1"),
        pass_credits=2,
        card_charged_minor=1001,
        wallet_debited_minor=300,
        bonus_debited_minor=201,
        desk_paid_minor=999,
        cancellation_windows=((2880, 100), (60, 50)),
    )
    start = paid.start_time

    def now_before(delta: timedelta) -> tuple[int, int, int, int, int]:
        refund = cancellation_refund(paid, start - delta)
        return refund.percent, refund.card_minor, refund.wallet_minor, refund.credits, refund.desk_minor

    assert now_before(timedelta(days=3)) == (100, 1001, 501, 2, 999)
    # Rounded down per source; a pass's credits come back only with a full refund.
    assert now_before(timedelta(hours=2)) == (50, 500, 250, 0, 499)
    assert now_before(timedelta(minutes=30)) == (0, 0, 0, 0, 0)
    by_company = cancellation_refund(paid, start - timedelta(minutes=30), by_company=True)
    assert (by_company.percent, by_company.card_minor, by_company.credits) == (100, 1001, 2)
    assert reason_of(lambda: cancellation_refund(paid, start)) == "BOOKING_ALREADY_STARTED"
    # A pass named but no pass step run (nothing to pay): no credit was taken, none goes back.
    free = replace(paid, pass_credits=0, card_charged_minor=0, wallet_debited_minor=0, bonus_debited_minor=0)
    assert cancellation_refund(free, start - timedelta(days=3)).credits == 0


def test_the_company_replays_only_its_own_cancellation_for_the_same_reason():
    by_customer = replace(booking(BookingStatus.CANCELLED), cancel_reason="")
    by_company = replace(booking(BookingStatus.CANCELLED), cancel_reason="storm")
    assert check_company_cancel_replay(by_company, " storm ") is None
    assert reason_of(lambda: check_company_cancel_replay(by_company, "flood")) == "BOOKING_NOT_CANCELLABLE"
    assert reason_of(lambda: check_company_cancel_replay(by_customer, "storm")) == "BOOKING_NOT_CANCELLABLE"
    assert reason_of(lambda: check_company_cancel_replay(by_customer, "")) == "BOOKING_NOT_CANCELLABLE"
