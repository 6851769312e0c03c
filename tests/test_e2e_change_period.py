"""Changing a booking's period through the real platform: the end moves when availability
allows, re-priced, and the difference is charged or refunded by a change saga of its own."""

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta

import grpc
import httpx
import pytest
from google.protobuf.json_format import MessageToDict
from google.protobuf.struct_pb2 import Struct
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.payments.v1 import payments_pb2
from bookingplatform.wallet.v1 import wallet_pb2
from plumbing.grpc_server import error_reason
from plumbing.testing import eventually
from tests.test_e2e_reservation_engine import (
    attempt,
    cabins,
    cancel_when_confirmed,
    cancelled_booking,
    company,
    count,
    customer_with_money,
    kayak,
    rental,
    settled,
    stay,
)

pytestmark = pytest.mark.e2e


async def change(platform, booking, *, check_out: date | None = None, end: datetime | None = None, key=None):
    request = bookings_pb2.ChangeBookingPeriodRequest(
        request_id=key or str(uuid.uuid4()),
        booking_id=booking.id,
        customer_id=booking.customer_id,
        check_out_date=check_out.isoformat() if check_out else "",
    )
    if end is not None:
        request.end_time.FromDatetime(end)
    try:
        return (await platform.bookings.ChangeBookingPeriod(request)).booking, None
    except grpc.aio.AioRpcError as error:
        return None, error_reason(error)


async def change_done(platform, booking_id):
    """The booking once no change of it is running any more."""

    async def no_change_running() -> bool:
        running = await count(
            platform,
            "SELECT count(*) FROM bookings.bookings WHERE id = :b AND changing_saga_id IS NOT NULL",
            b=booking_id,
        )
        return running == 0

    await eventually(no_change_running, message="the change never finished")
    return (await platform.bookings.GetBooking(bookings_pb2.GetBookingRequest(booking_id=booking_id))).booking


async def main_balance(platform, company_id, customer_id) -> int:
    wallet = (
        await platform.wallet.GetWallet(
            wallet_pb2.GetWalletRequest(company_id=company_id, customer_id=customer_id)
        )
    ).wallet
    return wallet.main_balance.amount_minor


async def nights_held(platform, booking_id) -> int:
    return await count(
        platform, "SELECT count(*) FROM bookings.unit_nights WHERE booking_id = :b", b=booking_id
    )


async def change_sagas(platform, booking_id) -> list[tuple[str, str]]:
    async with platform.db.transaction() as conn:
        rows = await conn.execute(
            text(
                "SELECT state, data->>'reason' FROM bookings.sagas WHERE booking_id = :b AND kind = 'change'"
            ),
            {"b": booking_id},
        )
        return [(row[0], row[1]) for row in rows]


async def confirmed_stay(platform, customer, resource, check_in: date, nights: int):
    booking, reason = await attempt(
        platform, stay(customer.id, resource.id, check_in, check_in + timedelta(days=nights))
    )
    assert booking is not None, reason
    confirmed = await settled(platform, booking.id)
    assert confirmed.status == bookings_pb2.BOOKING_STATUS_CONFIRMED
    return confirmed


async def test_a_stay_extended_by_a_night_is_charged_from_the_wallet_and_holds_the_night(platform):
    co = await company(platform)
    resource, _ = await cabins(platform, co.id, nightly=10000)
    guest = await customer_with_money(platform, co.id, amount=50000)
    check_in = date.today() + timedelta(days=60)
    booking = await confirmed_stay(platform, guest, resource, check_in, 2)
    key = str(uuid.uuid4())

    answered, reason = await change(platform, booking, check_out=check_in + timedelta(days=3), key=key)
    assert reason is None
    assert answered.status == bookings_pb2.BOOKING_STATUS_CONFIRMED
    extended = await change_done(platform, booking.id)

    assert extended.check_out_date == (check_in + timedelta(days=3)).isoformat()
    assert extended.total_price.amount_minor == 30000
    assert extended.wallet_debited_minor == 30000
    assert extended.end_time.ToDatetime() > booking.end_time.ToDatetime()
    assert extended.status == bookings_pb2.BOOKING_STATUS_CONFIRMED
    assert await main_balance(platform, co.id, guest.id) == 20000
    assert await nights_held(platform, booking.id) == 3
    assert await change_sagas(platform, booking.id) == [("COMPLETED", "")]
    # A retry with the same request id changes nothing more; another end with it is refused.
    again, _ = await change(platform, booking, check_out=check_in + timedelta(days=3), key=key)
    assert again.total_price.amount_minor == 30000
    _, reused = await change(platform, booking, check_out=check_in + timedelta(days=4), key=key)
    assert reused == "IDEMPOTENCY_KEY_REUSED"
    assert len(await change_sagas(platform, booking.id)) == 1
    # Someone else cannot book the added night.
    other = await customer_with_money(platform, co.id)
    _, taken = await attempt(
        platform, stay(other.id, resource.id, check_in + timedelta(days=2), check_in + timedelta(days=3))
    )
    assert taken == "UNAVAILABLE"


async def test_extending_into_a_taken_night_is_unavailable_and_changes_nothing(platform):
    co = await company(platform)
    resource, _ = await cabins(platform, co.id, units=1, nightly=10000)
    first = await customer_with_money(platform, co.id, amount=50000)
    second = await customer_with_money(platform, co.id, amount=50000)
    check_in = date.today() + timedelta(days=70)
    booking = await confirmed_stay(platform, first, resource, check_in, 2)
    await confirmed_stay(platform, second, resource, check_in + timedelta(days=2), 1)

    answered, reason = await change(platform, booking, check_out=check_in + timedelta(days=3))

    assert (answered, reason) == (None, "UNAVAILABLE")
    unchanged = (
        await platform.bookings.GetBooking(bookings_pb2.GetBookingRequest(booking_id=booking.id))
    ).booking
    assert unchanged.check_out_date == booking.check_out_date
    assert unchanged.total_price.amount_minor == 20000
    assert unchanged.end_time == booking.end_time
    assert await nights_held(platform, booking.id) == 2
    assert await change_sagas(platform, booking.id) == []
    assert await main_balance(platform, co.id, first.id) == 30000
    # The policy's limits apply to the new period too.
    _, too_short = await change(platform, booking, check_out=check_in)
    assert too_short == "INVALID_DATE_RANGE"


async def test_a_shortened_rental_refunds_the_difference_and_frees_the_time_for_others(platform, tenant):
    policy = catalog_pb2.ResourcePolicy(granularity_minutes=30, buffer_after_minutes=30)
    boat = await kayak(platform, tenant.company_id, hourly=1200, policy=policy)
    rower = await tenant.customer(main_minor=10000)
    other = await customer_with_money(platform, tenant.company_id)
    start = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0) + timedelta(days=10)
    made = await rower.http.post(
        "/v1/bookings",
        headers={"Idempotency-Key": str(uuid.uuid4())},
        json={
            "resource_id": boat.id,
            "start_time": start.isoformat(),
            "end_time": (start + timedelta(hours=3)).isoformat(),
            "payment": {"use_wallet": True},
        },
    )
    assert made.status_code == 202, made.text
    booking = await rower.wait_for(made.json()["id"], "CONFIRMED")
    assert booking["total_price"]["amount_minor"] == 3600
    _, blocked = await attempt(
        platform,
        rental(
            other.id, boat.id, start + timedelta(hours=1, minutes=30), start + timedelta(hours=2, minutes=30)
        ),
    )
    assert blocked == "UNAVAILABLE"

    shortened = await rower.http.post(
        f"/v1/bookings/{booking['id']}/change",
        headers={"Idempotency-Key": str(uuid.uuid4())},
        json={"end_time": (start + timedelta(hours=1)).isoformat()},
    )

    assert shortened.status_code == 202, shortened.text
    assert shortened.json()["end_time"] == (start + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert shortened.json()["total_price"]["amount_minor"] == 1200
    done = await change_done(platform, booking["id"])
    assert (done.wallet_debited_minor, done.total_price.amount_minor) == (1200, 1200)
    assert (await rower.wallet())["main_balance"]["amount_minor"] == 8800
    # The freed time (after the 30-minute buffer) is bookable by someone else now.
    freed, reason = await attempt(
        platform,
        rental(
            other.id, boat.id, start + timedelta(hours=1, minutes=30), start + timedelta(hours=2, minutes=30)
        ),
    )
    assert reason is None
    assert (await settled(platform, freed.id)).status == bookings_pb2.BOOKING_STATUS_CONFIRMED
    # The buffer still follows the shorter rental.
    _, in_buffer = await attempt(
        platform,
        rental(other.id, boat.id, start + timedelta(hours=1), start + timedelta(hours=1, minutes=30)),
    )
    assert in_buffer == "UNAVAILABLE"


async def test_an_extension_the_wallet_cannot_pay_is_reverted_and_the_booking_keeps_its_period(platform):
    co = await company(platform)
    resource, _ = await cabins(platform, co.id, nightly=10000)
    guest = await customer_with_money(platform, co.id, amount=20000)
    check_in = date.today() + timedelta(days=80)
    booking = await confirmed_stay(platform, guest, resource, check_in, 2)

    _, reason = await change(platform, booking, check_out=check_in + timedelta(days=3))
    assert reason is None
    reverted = await change_done(platform, booking.id)

    assert reverted.status == bookings_pb2.BOOKING_STATUS_CONFIRMED
    assert reverted.check_out_date == booking.check_out_date
    assert reverted.end_time == booking.end_time
    assert (reverted.total_price.amount_minor, reverted.wallet_debited_minor) == (20000, 20000)
    assert await nights_held(platform, booking.id) == 2
    assert await change_sagas(platform, booking.id) == [("COMPENSATED", "INSUFFICIENT_FUNDS")]
    assert await main_balance(platform, co.id, guest.id) == 0
    # The night it held for a moment is free again.
    other = await customer_with_money(platform, co.id)
    night, _ = await attempt(
        platform, stay(other.id, resource.id, check_in + timedelta(days=2), check_in + timedelta(days=3))
    )
    assert (await settled(platform, night.id)).status == bookings_pb2.BOOKING_STATUS_CONFIRMED


async def test_two_concurrent_changes_of_one_booking_let_exactly_one_through(platform):
    co = await company(platform)
    resource, _ = await cabins(platform, co.id, nightly=10000)
    guest = await customer_with_money(platform, co.id, amount=100000)
    check_in = date.today() + timedelta(days=90)
    booking = await confirmed_stay(platform, guest, resource, check_in, 2)
    targets = [check_in + timedelta(days=3), check_in + timedelta(days=4)]

    results = await asyncio.gather(*(change(platform, booking, check_out=target) for target in targets))

    winners = [target for target, (answered, _) in zip(targets, results, strict=True) if answered is not None]
    refused = [reason for answered, reason in results if answered is None]
    assert len(winners) == 1
    assert refused[0] in ("CHANGE_IN_PROGRESS", "UNAVAILABLE")
    final = await change_done(platform, booking.id)
    nights = (winners[0] - check_in).days
    assert final.check_out_date == winners[0].isoformat()
    assert final.total_price.amount_minor == nights * 10000
    assert await nights_held(platform, booking.id) == nights
    assert await main_balance(platform, co.id, guest.id) == 100000 - nights * 10000


async def test_cancelling_an_extended_stay_refunds_the_extension_too(platform):
    co = await company(platform)
    resource, _ = await cabins(platform, co.id, nightly=10000)
    guest = await customer_with_money(platform, co.id, amount=50000)
    check_in = date.today() + timedelta(days=100)
    booking = await confirmed_stay(platform, guest, resource, check_in, 1)
    await change(platform, booking, check_out=check_in + timedelta(days=2))
    assert (await change_done(platform, booking.id)).total_price.amount_minor == 20000

    await platform.bookings.CancelBooking(
        bookings_pb2.CancelBookingRequest(request_id="c", booking_id=booking.id)
    )
    cancelled = await cancelled_booking(platform, booking.id)

    assert cancelled.refund.wallet_minor == 20000
    assert await main_balance(platform, co.id, guest.id) == 50000
    assert await nights_held(platform, booking.id) == 0
    _, finished = await change(platform, booking, check_out=check_in + timedelta(days=3))
    assert finished == "BOOKING_NOT_CHANGEABLE"


async def card_stay(platform, co, resource, check_in: date, nights: int):
    guest = await customer_with_money(platform, co.id, amount=1)  # the card pays
    request = stay(guest.id, resource.id, check_in, check_in + timedelta(days=nights))
    method = await platform.payments.CreatePaymentMethod(
        payments_pb2.CreatePaymentMethodRequest(
            request_id=str(uuid.uuid4()),
            company_id=co.id,
            customer_id=guest.id,
            card_token="4242424242424242",
        )
    )
    request.payment_plan.CopyFrom(bookings_pb2.PaymentPlan(payment_method_id=method.payment_method.id))
    booking, reason = await attempt(platform, request)
    assert booking is not None, reason
    confirmed = await settled(platform, booking.id)
    assert confirmed.status == bookings_pb2.BOOKING_STATUS_CONFIRMED
    return confirmed


async def change_when_captured(platform, booking, **target) -> str | None:
    """Changes the booking, retrying while its own card payment is still being captured."""
    key = str(uuid.uuid4())
    answers: list[str | None] = []

    async def answered() -> bool:
        _, reason = await change(platform, booking, key=key, **target)
        answers.append(reason)
        return reason != "BOOKING_FINALIZING"

    await eventually(answered, message="the booking never finished confirming")
    return answers[-1]


async def card_payments(platform, booking_id) -> list[tuple[str, int, int]]:
    async with platform.db.transaction() as conn:
        rows = await conn.execute(
            text(
                "SELECT status, amount_minor, refunded_minor FROM payments.payments "
                "WHERE booking_id = :b ORDER BY created_at"
            ),
            {"b": booking_id},
        )
        return [(row[0], row[1], row[2]) for row in rows]


async def test_an_extension_paid_by_card_authorizes_and_captures_a_second_payment(platform):
    co = await company(platform)
    resource, _ = await cabins(platform, co.id, nightly=10000)
    check_in = date.today() + timedelta(days=110)
    booking = await card_stay(platform, co, resource, check_in, 1)
    assert await change_when_captured(platform, booking, check_out=check_in + timedelta(days=2)) is None
    extended = await change_done(platform, booking.id)

    assert (extended.total_price.amount_minor, extended.card_charged_minor) == (20000, 20000)
    assert await card_payments(platform, booking.id) == [("CAPTURED", 10000, 0), ("CAPTURED", 10000, 0)]


async def test_cancelling_a_stay_extended_by_card_refunds_both_card_payments(platform):
    co = await company(platform)
    resource, _ = await cabins(platform, co.id, nightly=10000)
    check_in = date.today() + timedelta(days=120)
    booking = await card_stay(platform, co, resource, check_in, 1)
    assert await change_when_captured(platform, booking, check_out=check_in + timedelta(days=2)) is None
    assert (await change_done(platform, booking.id)).card_charged_minor == 20000

    await cancel_when_confirmed(platform, booking.id)
    cancelled = await cancelled_booking(platform, booking.id)

    assert cancelled.refund.card_minor == 20000
    assert sum(refunded for _, _, refunded in await card_payments(platform, booking.id)) == 20000


async def test_a_change_of_a_rental_keeps_the_rules_of_a_create(platform, tenant):
    """A confirmed rental changed to one second long completed with a total of 0.00, and a
    fractional-second end was taken: a change's new end is held to the create's rules (whole
    minutes, minimum and maximum length, the platform's 366 days, the horizon)."""
    policy = catalog_pb2.ResourcePolicy(horizon_days=60)
    boat = await kayak(platform, tenant.company_id, hourly=1200, policy=policy)
    rower = await tenant.customer(main_minor=100_000)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=10)
    made = await rower.http.post(
        "/v1/bookings",
        headers={"Idempotency-Key": str(uuid.uuid4())},
        json={
            "resource_id": boat.id,
            "start_time": start.isoformat(),
            "end_time": (start + timedelta(hours=3)).isoformat(),
            "payment": {"use_wallet": True},
        },
    )
    assert made.status_code == 202, made.text
    booking = await rower.wait_for(made.json()["id"], "CONFIRMED")

    async def change_to(end: datetime) -> httpx.Response:
        return await rower.http.post(
            f"/v1/bookings/{booking['id']}/change",
            headers={"Idempotency-Key": str(uuid.uuid4())},
            json={"end_time": end.isoformat()},
        )

    for end, status, code in (
        (start + timedelta(seconds=1), 400, "MISALIGNED_TIME"),
        (start + timedelta(hours=1, microseconds=500_000), 400, "MISALIGNED_TIME"),
        (start + timedelta(days=61), 409, "BEYOND_HORIZON"),
    ):
        refused = await change_to(end)
        assert (refused.status_code, refused.json()["code"]) == (status, code), refused.text
    unchanged = await rower.wait_for(booking["id"], "CONFIRMED")
    assert (unchanged["end_time"], unchanged["total_price"]["amount_minor"]) == (booking["end_time"], 3600)
    assert await change_sagas(platform, booking["id"]) == []
    # Within the rules the change goes through as before.
    shortened = await change_to(start + timedelta(minutes=1))
    assert shortened.status_code == 202, shortened.text
    assert shortened.json()["total_price"]["amount_minor"] == 20
    done = await change_done(platform, booking["id"])
    assert (done.wallet_debited_minor, done.total_price.amount_minor) == (20, 20)
    assert (await rower.wallet())["main_balance"]["amount_minor"] == 100_000 - 20
    assert await change_sagas(platform, booking["id"]) == [("COMPLETED", "")]


async def test_a_change_cannot_make_a_rental_longer_than_a_year(platform, tenant):
    boat = await kayak(platform, tenant.company_id, hourly=1)
    rower = await tenant.customer(main_minor=100_000)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=10)
    booking, reason = await attempt(platform, rental(rower.id, boat.id, start, start + timedelta(days=300)))
    assert booking is not None, reason
    confirmed = await settled(platform, booking.id)
    assert confirmed.status == bookings_pb2.BOOKING_STATUS_CONFIRMED
    _, refused = await change(platform, confirmed, end=start + timedelta(days=366, minutes=1))
    assert refused == "DURATION_TOO_LONG"
    _, beyond_2199 = await change(platform, confirmed, end=start.replace(year=2199))
    assert beyond_2199 == "DURATION_TOO_LONG"


async def stats_kept(platform, resource_id) -> int:
    """The money the statistics say the company keeps from the resource's bookings."""
    return await count(
        platform,
        "SELECT coalesce(sum(wallet_minor + bonus_minor + card_minor), 0) FROM bookings.stats_hourly"
        " WHERE resource_id = :r",
        r=resource_id,
    )


async def test_shortening_then_cancelling_refunds_no_more_than_cancelling_outright(platform):
    """Past the free-cancellation period the removed nights come back at the cancellation's
    percent (50 % here), not in full; the rest is kept, and a later cancellation does not give
    it back: shortening to the minimum first no longer beats the policy."""
    co = await company(platform)
    windows = [
        catalog_pb2.CancellationWindow(minutes_before_start=30 * 24 * 60, refund_percent=100),
        catalog_pb2.CancellationWindow(minutes_before_start=0, refund_percent=50),
    ]
    resource, _ = await cabins(
        platform, co.id, nightly=3333, policy=catalog_pb2.ResourcePolicy(cancellation_windows=windows)
    )
    guest = await customer_with_money(platform, co.id, amount=13332)
    check_in = date.today() + timedelta(days=10)  # inside the 50 % window
    booking = await confirmed_stay(platform, guest, resource, check_in, 4)

    _, reason = await change(platform, booking, check_out=check_in + timedelta(days=1))
    assert reason is None
    shortened = await change_done(platform, booking.id)

    # 99.99 removed: 49.99 back (rounded down as a cancellation rounds), 50.00 kept.
    assert shortened.total_price.amount_minor == 3333
    assert await main_balance(platform, co.id, guest.id) == 4999
    assert shortened.wallet_debited_minor == 13332 - 4999
    assert await stats_kept(platform, resource.id) == 13332 - 4999
    await cancel_when_confirmed(platform, booking.id)
    cancelled = await cancelled_booking(platform, booking.id)
    assert (cancelled.refund.percent, cancelled.refund.wallet_minor) == (50, 1666)
    await eventually(
        lambda: _balance_is(platform, co.id, guest.id, 4999 + 1666), message="the refund never arrived"
    )
    # Cancelling the 4 nights outright gave back 66.66: 66.65 now, never more.
    assert 4999 + 1666 <= 13332 // 2
    assert await stats_kept(platform, resource.id) == 13332 - 4999 - 1666


async def _balance_is(platform, company_id, customer_id, expected: int) -> bool:
    return await main_balance(platform, company_id, customer_id) == expected


async def _admin_of(platform, company_id: str) -> httpx.AsyncClient:
    email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    await platform.users.create_user(
        email=email, password="secret-pass", role="COMPANY_ADMIN", company_id=company_id
    )
    client = httpx.AsyncClient(base_url=platform.gateway_url, timeout=30)
    token = await client.post("/v1/auth/token", json={"email": email, "password": "secret-pass"})
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return client


async def _set_hourly_rate(admin: httpx.AsyncClient, rower, resource_id: str, rate: int) -> None:
    """The admin sets the rate over HTTP; returns once bookings prices new rentals at it."""
    read = await admin.get(f"/v1/admin/resources/{resource_id}")
    assert read.status_code == 200, read.text
    updated = await admin.put(
        f"/v1/admin/resources/{resource_id}/hourly-rate",
        json={"hourly_rate": {"amount_minor": rate, "currency_code": "EUR"}},
        headers={"Idempotency-Key": str(uuid.uuid4()), "If-Match": read.headers["ETag"]},
    )
    assert updated.status_code == 200, updated.text
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=200)

    async def priced_at_rate() -> bool:
        quote = await rower.http.post(
            "/v1/quotes",
            json={
                "resource_id": resource_id,
                "start_time": start.isoformat(),
                "end_time": (start + timedelta(hours=1)).isoformat(),
            },
        )
        assert quote.status_code == 200, quote.text
        return quote.json()["total"]["amount_minor"] == rate

    await eventually(priced_at_rate, message="bookings never saw the new hourly rate")


async def _change_over_http(rower, booking_id: str, end: datetime) -> dict:
    changed = await rower.http.post(
        f"/v1/bookings/{booking_id}/change",
        headers={"Idempotency-Key": str(uuid.uuid4())},
        json={"end_time": end.isoformat()},
    )
    assert changed.status_code == 202, changed.text
    return changed.json()


async def test_a_lower_hourly_rate_never_reprices_the_hours_a_rental_already_paid(platform, tenant):
    """M1, the tester's two rentals over HTTP. (1) 8 h at 10.00/h, the rate lowered to 5.00/h,
    extended by 15 min (81.25) and shortened back to 8 h: 80.00 again, not 78.78. (2) 1 h at
    10.00, the rate 1.00/h, extended to 4 h (13.00), the rate 10.00/h again, shortened to 1 h:
    10.00 (3.00 back), not 3.25 (6.75 back). Each stretch bought keeps its price."""
    boat = await kayak(platform, tenant.company_id, hourly=1000)
    admin = await _admin_of(platform, tenant.company_id)
    rower = await tenant.customer(main_minor=100_000)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=20)
    eight = start + timedelta(hours=8)
    later = start + timedelta(days=2)

    async def book(begin: datetime, end: datetime) -> str:
        made = await rower.http.post(
            "/v1/bookings",
            headers={"Idempotency-Key": str(uuid.uuid4())},
            json={
                "resource_id": boat.id,
                "start_time": begin.isoformat(),
                "end_time": end.isoformat(),
                "payment": {"use_wallet": True},
            },
        )
        assert made.status_code == 202, made.text
        return (await rower.wait_for(made.json()["id"], "CONFIRMED"))["id"]

    long_one = await book(start, eight)
    short_one = await book(later, later + timedelta(hours=1))
    assert (await rower.wallet())["main_balance"]["amount_minor"] == 100_000 - 8000 - 1000

    # (1) Lowered to 5.00/h: the added 15 min cost 1.25; shortening back gives exactly that back.
    await _set_hourly_rate(admin, rower, boat.id, 500)
    assert (await _change_over_http(rower, long_one, eight + timedelta(minutes=15)))["status"] == "CONFIRMED"
    assert (await change_done(platform, long_one)).total_price.amount_minor == 8125
    for _ in range(2):
        await _change_over_http(rower, long_one, eight)
        assert (await change_done(platform, long_one)).total_price.amount_minor == 8000
        await _change_over_http(rower, long_one, eight + timedelta(minutes=15))
        assert (await change_done(platform, long_one)).total_price.amount_minor == 8125
    await _change_over_http(rower, long_one, eight)
    long_done = await change_done(platform, long_one)
    assert (long_done.total_price.amount_minor, long_done.wallet_debited_minor) == (8000, 8000)

    # (2) 1.00/h for the 3 added hours, 10.00/h again when they are given up.
    await _set_hourly_rate(admin, rower, boat.id, 100)
    await _change_over_http(rower, short_one, later + timedelta(hours=4))
    assert (await change_done(platform, short_one)).total_price.amount_minor == 1300
    await _set_hourly_rate(admin, rower, boat.id, 1000)
    await _change_over_http(rower, short_one, later + timedelta(hours=1))
    short_done = await change_done(platform, short_one)
    assert (short_done.total_price.amount_minor, short_done.wallet_debited_minor) == (1000, 1000)

    # No money made or lost: the wallet paid exactly the two rentals' prices, and the
    # statistics keep the same.
    await eventually(
        lambda: _balance_is(platform, tenant.company_id, rower.id, 100_000 - 8000 - 1000),
        message="the refunds never arrived",
    )
    assert await stats_kept(platform, boat.id) == 8000 + 1000
    await admin.aclose()


async def test_a_rentals_stretches_are_held_to_its_period_and_price_by_the_database(platform, tenant):
    """Each stretch a changed rental bought is stored with its price; the booking's own row
    CHECK keeps them increasing within its period, ending at its end, non-negative and summing
    to its base price, in the very UPDATE that moves its end."""
    boat = await kayak(platform, tenant.company_id, hourly=1000)
    rower = await customer_with_money(platform, tenant.company_id)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=12)
    booking, reason = await attempt(platform, rental(rower.id, boat.id, start, start + timedelta(hours=2)))
    assert booking is not None, reason
    confirmed = await settled(platform, booking.id)
    _, reason = await change(platform, confirmed, end=start + timedelta(hours=3))
    assert reason is None
    assert (await change_done(platform, booking.id)).total_price.amount_minor == 3000
    async with platform.db.transaction() as conn:
        stored = (
            await conn.execute(
                text("SELECT stretch_ends, stretch_amounts_minor FROM bookings.bookings WHERE id = :b"),
                {"b": booking.id},
            )
        ).one()
    assert (list(stored[0]), list(stored[1])) == ([start + timedelta(hours=3)], [3000])

    two, three = (start + timedelta(hours=2)).isoformat(), (start + timedelta(hours=3)).isoformat()
    refused = {
        "beyond the end": (f"{{{two},{start + timedelta(hours=4)}}}", "{2000,1000}"),
        "before the start": (f"{{{start - timedelta(hours=1)},{three}}}", "{0,3000}"),
        "not in order": (f"{{{three},{two},{three}}}", "{1000,1000,1000}"),
        "a negative price": (f"{{{two},{three}}}", "{3100,-100}"),
        "not the base price": (f"{{{two},{three}}}", "{2000,900}"),
        "one array only": (f"{{{three}}}", None),
    }
    for ends, amounts in refused.values():
        with pytest.raises(IntegrityError, match="ck_bookings_rental_stretches"):
            async with platform.db.transaction() as conn:
                await conn.execute(
                    text(
                        "UPDATE bookings.bookings SET stretch_ends = CAST(:e AS timestamptz[]),"
                        " stretch_amounts_minor = CAST(:a AS bigint[]) WHERE id = :b"
                    ),
                    {"e": ends, "a": amounts, "b": booking.id},
                )


async def test_a_suspended_company_sells_no_added_time_but_a_shortening_goes_on(platform):
    co = await company(platform)
    resource, _ = await cabins(platform, co.id, nightly=10000)
    guest = await customer_with_money(platform, co.id, amount=80000)
    check_in = date.today() + timedelta(days=60)
    booking = await confirmed_stay(platform, guest, resource, check_in, 3)
    await platform.catalog.SuspendCompany(
        catalog_pb2.SuspendCompanyRequest(request_id=str(uuid.uuid4()), company_id=co.id, reason="Audit")
    )

    later = check_in + timedelta(days=30)

    async def new_stays_refused() -> bool:
        # Bookings reads the company through its catalog cache, dropped when catalog's
        # company_updated arrives: the refusal comes with the event.
        _, reason = await attempt(platform, stay(guest.id, resource.id, later, later + timedelta(days=1)))
        return reason == "COMPANY_SUSPENDED"

    await eventually(new_stays_refused, message="bookings never learnt of the suspension")
    _, extended = await change(platform, booking, check_out=check_in + timedelta(days=4))
    shortened, reason = await change(platform, booking, check_out=check_in + timedelta(days=2))
    assert reason is None
    done = await change_done(platform, shortened.id)

    assert extended == "COMPANY_SUSPENDED"
    assert done.check_out_date == (check_in + timedelta(days=2)).isoformat()
    assert done.total_price.amount_minor == 20000
    assert await nights_held(platform, booking.id) == 2


async def changed_events(platform, booking_id, name: str = "changed") -> list[dict]:
    """The `bookings.events.<name>` rows bookings' outbox holds for the booking, oldest first."""
    async with platform.db.transaction() as conn:
        payloads = (
            await conn.execute(
                text("SELECT payload FROM bookings.outbox WHERE subject = :subject ORDER BY created_at"),
                {"subject": f"bookings.events.{name}"},
            )
        ).scalars()
        events = [MessageToDict(Struct.FromString(payload)) for payload in payloads]
    return [event for event in events if event["booking_id"] == booking_id]


async def test_each_applied_change_publishes_changed_a_reverted_one_change_failed_a_refused_one_none(
    platform,
):
    """bookings.events.changed is written by the transaction that applies the change: an
    extension's at its pivot with what it charged, a shortening's when its refund is done with
    what came back and what the company kept; an extension reverted for lack of money publishes
    bookings.events.change_failed with the reason, in the revert's transaction; a replay and a
    refused change publish nothing."""
    co = await company(platform)
    windows = [
        catalog_pb2.CancellationWindow(minutes_before_start=30 * 24 * 60, refund_percent=100),
        catalog_pb2.CancellationWindow(minutes_before_start=0, refund_percent=50),
    ]
    resource, _ = await cabins(
        platform, co.id, nightly=10000, policy=catalog_pb2.ResourcePolicy(cancellation_windows=windows)
    )
    guest = await customer_with_money(platform, co.id, amount=30000)
    check_in = date.today() + timedelta(days=10)  # inside the 50 % window
    booking = await confirmed_stay(platform, guest, resource, check_in, 2)
    key = str(uuid.uuid4())

    _, reason = await change(platform, booking, check_out=check_in + timedelta(days=3), key=key)
    assert reason is None
    extended = await change_done(platform, booking.id)
    assert extended.total_price.amount_minor == 30000
    (event,) = await changed_events(platform, booking.id)
    assert (event["company_id"], event["customer_id"], event["status"]) == (co.id, guest.id, "CONFIRMED")
    moved = event["change"]
    assert moved["booking_model"] == "NIGHTLY"
    assert moved["old_period"]["check_out_date"] == (check_in + timedelta(days=2)).isoformat()
    assert moved["new_period"]["check_in_date"] == check_in.isoformat()
    assert moved["new_period"]["check_out_date"] == (check_in + timedelta(days=3)).isoformat()
    assert (moved["old_total_minor"], moved["new_total_minor"], moved["currency_code"]) == (
        20000,
        30000,
        "EUR",
    )
    assert moved["charged"] == {"card_minor": 0, "wallet_minor": 10000, "bonus_minor": 0}
    assert moved["refunded"] == {"card_minor": 0, "wallet_minor": 0, "bonus_minor": 0, "percent": 0}
    assert moved["kept"] == {"card_minor": 0, "wallet_minor": 0}

    # The same request again, a change refused at once, and an extension the wallet (now empty)
    # cannot pay, reverted by its saga: nothing more is published.
    again, _ = await change(platform, booking, check_out=check_in + timedelta(days=3), key=key)
    assert again.total_price.amount_minor == 30000
    _, refused = await change(platform, extended, check_out=check_in)
    assert refused == "INVALID_DATE_RANGE"
    _, reason = await change(platform, extended, check_out=check_in + timedelta(days=4))
    assert reason is None
    reverted = await change_done(platform, booking.id)
    assert reverted.total_price.amount_minor == 30000
    assert sorted(await change_sagas(platform, booking.id)) == [
        ("COMPENSATED", "INSUFFICIENT_FUNDS"),
        ("COMPLETED", ""),
    ]
    assert len(await changed_events(platform, booking.id)) == 1
    # The reverted extension is told, once, with its reason: the booking keeps its period.
    (failed,) = await changed_events(platform, booking.id, "change_failed")
    assert (failed["company_id"], failed["customer_id"], failed["status"]) == (co.id, guest.id, "CONFIRMED")
    told = failed["change"]
    assert told["reason"] == "INSUFFICIENT_FUNDS"
    assert told["change_id"] != moved["change_id"]
    assert told["old_period"]["check_out_date"] == (check_in + timedelta(days=3)).isoformat()
    assert told["new_period"]["check_out_date"] == (check_in + timedelta(days=4)).isoformat()
    assert told["old_period"]["end_time"] == reverted.end_time.ToDatetime(tzinfo=UTC).isoformat()
    assert (told["old_total_minor"], told["new_total_minor"], told["currency_code"]) == (30000, 40000, "EUR")
    assert not {"charged", "refunded", "kept"} & set(told)  # nothing was charged: no money moved
    assert failed["occurred_at"] > event["occurred_at"]

    # Shortened to one night in the 50 % window: 200.00 removed, 100.00 back, 100.00 kept.
    _, reason = await change(platform, reverted, check_out=check_in + timedelta(days=1))
    assert reason is None
    shortened = await change_done(platform, booking.id)
    assert await main_balance(platform, co.id, guest.id) == 10000
    first, second = await changed_events(platform, booking.id)
    assert first == event
    moved = second["change"]
    assert moved["old_period"]["check_out_date"] == (check_in + timedelta(days=3)).isoformat()
    assert moved["new_period"]["check_out_date"] == (check_in + timedelta(days=1)).isoformat()
    assert moved["new_period"]["end_time"] == shortened.end_time.ToDatetime(tzinfo=UTC).isoformat()
    assert (moved["old_total_minor"], moved["new_total_minor"]) == (30000, 10000)
    assert moved["charged"] == {"card_minor": 0, "wallet_minor": 0, "bonus_minor": 0}
    assert moved["refunded"] == {"card_minor": 0, "wallet_minor": 10000, "bonus_minor": 0, "percent": 50}
    assert moved["kept"] == {"card_minor": 0, "wallet_minor": 10000}
    assert second["occurred_at"] > first["occurred_at"]
    # A shortening's refund is told by booking.changed only: no refund_completed for it.
    async with platform.db.transaction() as conn:
        refunds = (
            await conn.execute(
                text("SELECT payload FROM bookings.outbox WHERE subject = 'bookings.events.refund_completed'")
            )
        ).scalars()
        refunded_bookings = {Struct.FromString(payload)["booking_id"] for payload in refunds}
    assert booking.id not in refunded_bookings


async def _extra(admin: httpx.AsyncClient, name: str, price: int, unit: str) -> str:
    made = await admin.post(
        "/v1/admin/extras",
        headers={"Idempotency-Key": str(uuid.uuid4())},
        json={"name": name, "price": {"amount_minor": price, "currency_code": "EUR"}, "pricing_unit": unit},
    )
    assert made.status_code in (200, 201), made.text
    return str(made.json()["id"])


async def _edit_extra(admin: httpx.AsyncClient, extra_id: str, **fields) -> None:
    read = await admin.get(f"/v1/admin/extras/{extra_id}")
    assert read.status_code == 200, read.text
    updated = await admin.patch(
        f"/v1/admin/extras/{extra_id}",
        headers={"Idempotency-Key": str(uuid.uuid4()), "If-Match": read.headers["ETag"]},
        json=fields,
    )
    assert updated.status_code == 200, updated.text


def _extras_of(booking) -> dict[str, int]:
    return {line.name: line.quantity for line in booking.extras}


async def _units_stored(platform, booking_id: str) -> dict[str, str]:
    async with platform.db.transaction() as conn:
        rows = await conn.execute(
            text("SELECT name, pricing_unit FROM bookings.booking_extras WHERE booking_id = :b"),
            {"b": booking_id},
        )
        return {row[0]: row[1] for row in rows}


async def test_a_changed_rental_keeps_the_pricing_unit_its_extra_was_bought_with(platform, tenant):
    """The tester's repro A and B over HTTP: an extra bought per booking stays one per booking
    when the rental is shortened or extended after an admin made the extra per hour (it was
    scaled by the catalog's unit at the change, at the old booked price)."""
    boat = await kayak(platform, tenant.company_id, hourly=1000)
    admin = await _admin_of(platform, tenant.company_id)
    rower = await tenant.customer(main_minor=100_000)
    guide4 = await _extra(admin, "Guide4", 5000, "PER_BOOKING")
    guide = await _extra(admin, "Guide", 5000, "PER_BOOKING")
    day = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=30)
    other_day = day + timedelta(days=3)

    async def book(start: datetime, extra_id: str, quantity: int) -> dict:
        made = await rower.http.post(
            "/v1/bookings",
            headers={"Idempotency-Key": str(uuid.uuid4())},
            json={
                "resource_id": boat.id,
                "start_time": start.isoformat(),
                "end_time": (start + timedelta(hours=4)).isoformat(),
                "extras": [{"extra_id": extra_id, "quantity": quantity}],
                "payment": {"use_wallet": True},
            },
        )
        assert made.status_code == 202, made.text
        return await rower.wait_for(made.json()["id"], "CONFIRMED")

    a = await book(day, guide4, 4)
    b = await book(other_day, guide, 1)
    assert (a["total_price"]["amount_minor"], b["total_price"]["amount_minor"]) == (24000, 9000)
    await _edit_extra(admin, guide4, pricing_unit="PER_HOUR")
    await _edit_extra(
        admin, guide, pricing_unit="PER_HOUR", price={"amount_minor": 100, "currency_code": "EUR"}
    )

    # A: 09:00-13:00 shortened to 12:00 gives back the hour, 10.00, and keeps the four guides.
    await _change_over_http(rower, a["id"], day + timedelta(hours=3))
    a_done = await change_done(platform, a["id"])
    assert (a_done.total_price.amount_minor, _extras_of(a_done)) == (23000, {"Guide4": 4})

    # B: shortened to 1 h (60.00), then extended to 6 h: 60.00 for the hours, one guide at 50.00.
    await _change_over_http(rower, b["id"], other_day + timedelta(hours=1))
    assert (await change_done(platform, b["id"])).total_price.amount_minor == 6000
    await _change_over_http(rower, b["id"], other_day + timedelta(hours=6))
    b_done = await change_done(platform, b["id"])
    assert (b_done.total_price.amount_minor, _extras_of(b_done)) == (11000, {"Guide": 1})
    assert b_done.wallet_debited_minor == 11000
    await eventually(
        lambda: _balance_is(platform, tenant.company_id, rower.id, 100_000 - 23000 - 11000),
        message="the wallet never settled at the two rentals' prices",
    )
    # The unit is the booking's own, stored with the line when it was bought.
    assert await _units_stored(platform, a["id"]) == {"Guide4": "PER_BOOKING"}
    assert await _units_stored(platform, b["id"]) == {"Guide": "PER_BOOKING"}
    await admin.aclose()


async def test_a_changed_stay_scales_its_extras_by_the_units_they_were_bought_with(platform, tenant):
    """Per night and per guest-night extras scale with the nights by the unit they were bought
    with, a per-booking one stays, whatever units the catalog gives them afterwards."""
    resource, _ = await cabins(platform, tenant.company_id, nightly=10000)
    admin = await _admin_of(platform, tenant.company_id)
    breakfast = await _extra(admin, "Breakfast", 1000, "PER_GUEST_NIGHT")
    dinner = await _extra(admin, "Dinner", 2000, "PER_NIGHT")
    cleaning = await _extra(admin, "Cleaning", 3000, "PER_BOOKING")
    guest = await customer_with_money(platform, tenant.company_id, amount=200_000)
    check_in = date.today() + timedelta(days=40)
    booking, reason = await attempt(
        platform,
        stay(
            guest.id,
            resource.id,
            check_in,
            check_in + timedelta(days=2),
            guests=2,
            extras=[
                bookings_pb2.ExtraRequest(extra_id=extra_id, quantity=1)
                for extra_id in (breakfast, dinner, cleaning)
            ],
        ),
    )
    assert booking is not None, reason
    confirmed = await settled(platform, booking.id)
    # 2 nights 200.00; breakfast 2 guests x 2 nights, dinner 2 nights, cleaning once.
    assert confirmed.total_price.amount_minor == 20000 + 4000 + 4000 + 3000
    await _edit_extra(admin, breakfast, pricing_unit="PER_BOOKING")
    await _edit_extra(admin, dinner, pricing_unit="PER_GUEST")
    await _edit_extra(admin, cleaning, pricing_unit="PER_NIGHT")

    _, reason = await change(platform, confirmed, check_out=check_in + timedelta(days=3))
    assert reason is None
    done = await change_done(platform, booking.id)

    assert _extras_of(done) == {"Breakfast": 6, "Dinner": 3, "Cleaning": 1}
    assert done.total_price.amount_minor == 30000 + 6000 + 6000 + 3000
    assert await _units_stored(platform, booking.id) == {
        "Breakfast": "PER_GUEST_NIGHT",
        "Dinner": "PER_NIGHT",
        "Cleaning": "PER_BOOKING",
    }
    await admin.aclose()


async def test_an_archived_unit_sells_no_added_nights_but_a_shortening_goes_on(platform):
    """A stay on a unit archived afterwards: an extension is refused UNIT_ARCHIVED (it inserted
    new unit_nights on the archived unit, while a new booking naming it is UNIT_NOT_FOUND); a
    shortening goes on, as for an archived resource."""
    co = await company(platform)
    resource, _ = await cabins(platform, co.id, units=2, nightly=10000)
    units = (await platform.catalog.ListUnits(catalog_pb2.ListUnitsRequest(resource_id=resource.id))).units
    guest = await customer_with_money(platform, co.id, amount=80000)
    check_in = date.today() + timedelta(days=70)
    made, reason = await attempt(
        platform, stay(guest.id, resource.id, check_in, check_in + timedelta(days=3), unit_id=units[1].id)
    )
    assert made is not None, reason
    booking = await settled(platform, made.id)
    assert booking.status == bookings_pb2.BOOKING_STATUS_CONFIRMED
    await platform.catalog.ArchiveUnit(
        catalog_pb2.ArchiveUnitRequest(request_id=str(uuid.uuid4()), unit_id=units[1].id)
    )
    later = check_in + timedelta(days=10)
    _, named = await attempt(
        platform, stay(guest.id, resource.id, later, later + timedelta(days=1), unit_id=units[1].id)
    )
    assert named == "UNIT_NOT_FOUND"

    _, extended = await change(platform, booking, check_out=check_in + timedelta(days=4))
    assert extended == "UNIT_ARCHIVED"
    assert await nights_held(platform, booking.id) == 3
    shortened, reason = await change(platform, booking, check_out=check_in + timedelta(days=2))
    assert reason is None
    done = await change_done(platform, shortened.id)
    assert (done.check_out_date, done.total_price.amount_minor) == (
        (check_in + timedelta(days=2)).isoformat(),
        20000,
    )
    assert await nights_held(platform, booking.id) == 2
