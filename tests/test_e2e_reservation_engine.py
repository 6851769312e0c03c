"""The three booking models through the bookings API, with real catalog, wallet and saga:
nightly stays and interval rentals book, price, conflict and release like time slots.
"""

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import grpc
import httpx
import pytest
from sqlalchemy import text

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from plumbing.grpc_server import error_reason
from plumbing.testing import eventually
from tests.conftest import eur

pytestmark = pytest.mark.e2e


async def company(platform, time_zone="Europe/Berlin"):
    return (
        await platform.catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(name="Engine Co", time_zone=time_zone, currency_code="EUR")
        )
    ).company


async def customer_with_money(tenant_platform, company_id, amount=1_000_000):
    from bookingplatform.wallet.v1 import wallet_pb2

    customer = (
        await tenant_platform.catalog.CreateCustomer(
            catalog_pb2.CreateCustomerRequest(
                company_id=company_id, display_name="Guest", email=f"{uuid.uuid4().hex[:8]}@example.com"
            )
        )
    ).customer
    await tenant_platform.wallet.TopUpWallet(
        wallet_pb2.TopUpWalletRequest(
            request_id=str(uuid.uuid4()),
            company_id=company_id,
            customer_id=customer.id,
            amount=eur(amount),
            balance_kind=wallet_pb2.BALANCE_KIND_MAIN,
        )
    )
    return customer


async def cabins(platform, company_id, *, units=1, nightly=10000, policy=None):
    resource = (
        await platform.catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                company_id=company_id,
                name="Lakeside cabin",
                booking_model=catalog_pb2.BOOKING_MODEL_NIGHTLY,
                policy=policy or catalog_pb2.ResourcePolicy(),
            )
        )
    ).resource
    for number in range(units):
        await platform.catalog.CreateUnit(
            catalog_pb2.CreateUnitRequest(resource_id=resource.id, name=f"Cabin {number + 1}")
        )
    plan = (
        await platform.catalog.CreateRatePlan(
            catalog_pb2.CreateRatePlanRequest(
                resource_id=resource.id, name="Standard", default_nightly_price=eur(nightly)
            )
        )
    ).rate_plan
    return resource, plan


async def kayak(platform, company_id, *, hourly=1200, policy=None):
    resource = (
        await platform.catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                company_id=company_id,
                name="Kayak",
                booking_model=catalog_pb2.BOOKING_MODEL_INTERVAL,
                policy=policy or catalog_pb2.ResourcePolicy(),
                hourly_rate=eur(hourly),
            )
        )
    ).resource
    return resource


def stay(customer_id, resource_id, check_in: date, check_out: date, **extra):
    return bookings_pb2.CreateBookingRequest(
        request_id=str(uuid.uuid4()),
        customer_id=customer_id,
        resource_id=resource_id,
        check_in_date=check_in.isoformat(),
        check_out_date=check_out.isoformat(),
        payment_plan=bookings_pb2.PaymentPlan(use_wallet=True),
        **extra,
    )


def rental(customer_id, resource_id, start: datetime, end: datetime):
    request = bookings_pb2.CreateBookingRequest(
        request_id=str(uuid.uuid4()),
        customer_id=customer_id,
        resource_id=resource_id,
        payment_plan=bookings_pb2.PaymentPlan(use_wallet=True),
    )
    request.start_time.FromDatetime(start)
    request.end_time.FromDatetime(end)
    return request


async def get_booking(platform, booking_id):
    return (await platform.bookings.GetBooking(bookings_pb2.GetBookingRequest(booking_id=booking_id))).booking


async def settled(platform, booking_id):
    """The booking once its payment saga decided it (no longer PENDING)."""

    async def decided():
        booking = await get_booking(platform, booking_id)
        return booking if booking.status != bookings_pb2.BOOKING_STATUS_PENDING else None

    return await eventually(decided, message=f"booking {booking_id} stayed PENDING")


async def cancel_when_confirmed(platform, booking_id) -> None:
    """Cancels, retrying while the booking's steps after the pivot still run (BOOKING_FINALIZING)."""

    async def accepted() -> bool:
        try:
            await platform.bookings.CancelBooking(
                bookings_pb2.CancelBookingRequest(request_id="c", booking_id=booking_id)
            )
        except grpc.aio.AioRpcError as error:
            assert error_reason(error) == "BOOKING_FINALIZING"
            return False
        return True

    await eventually(accepted, message="the booking never finished confirming")


async def cancelled_booking(platform, booking_id):
    """The booking once its cancellation saga has given everything back."""

    async def cancelled():
        booking = await get_booking(platform, booking_id)
        return booking if booking.status == bookings_pb2.BOOKING_STATUS_CANCELLED else None

    return await eventually(cancelled, message=f"booking {booking_id} was never cancelled")


async def attempt(platform, request):
    try:
        return (await platform.bookings.CreateBooking(request)).booking, None
    except grpc.aio.AioRpcError as error:
        return None, error_reason(error)


async def count(platform, sql, **params):
    async with platform.db.transaction() as conn:
        return (await conn.execute(text(sql), params)).scalar_one()


async def test_a_stay_is_priced_per_night_with_daily_prices_and_overrides(platform):
    co = await company(platform)
    resource, plan = await cabins(platform, co.id, nightly=10000)
    check_in = date.today() + timedelta(days=30)
    await platform.catalog.SetDailyPrices(
        catalog_pb2.SetDailyPricesRequest(
            resource_id=resource.id,
            rate_plan_id=plan.id,
            prices=[
                catalog_pb2.DailyPrice(date=(check_in + timedelta(days=1)).isoformat(), price=eur(15000))
            ],
        )
    )
    request = bookings_pb2.QuoteBookingRequest(
        resource_id=resource.id,
        check_in_date=check_in.isoformat(),
        check_out_date=(check_in + timedelta(days=3)).isoformat(),
    )
    quote = (await platform.bookings.QuoteBooking(request)).quote

    assert [line.amount.amount_minor for line in quote.lines] == [10000, 15000, 10000]
    assert quote.total.amount_minor == 35000
    berlin = ZoneInfo("Europe/Berlin")
    assert quote.start_time.ToDatetime(tzinfo=UTC).astimezone(berlin).hour == 15  # default check-in time
    assert quote.end_time.ToDatetime(tzinfo=UTC).astimezone(berlin).hour == 11

    guest = await customer_with_money(platform, co.id)
    booking, _ = await attempt(platform, stay(guest.id, resource.id, check_in, check_in + timedelta(days=3)))
    confirmed = await settled(platform, booking.id)
    assert confirmed.status == bookings_pb2.BOOKING_STATUS_CONFIRMED
    assert confirmed.total_price.amount_minor == 35000
    assert (confirmed.check_in_date, confirmed.unit_id != "") == (check_in.isoformat(), True)


async def test_concurrent_stays_for_the_last_unit_nights_get_exactly_the_free_units(platform):
    co = await company(platform)
    resource, _ = await cabins(platform, co.id, units=2)
    check_in = date.today() + timedelta(days=40)
    guests = [await customer_with_money(platform, co.id) for _ in range(8)]

    results = await asyncio.gather(
        *(attempt(platform, stay(g.id, resource.id, check_in, check_in + timedelta(days=2))) for g in guests)
    )

    won = [booking for booking, _ in results if booking is not None]
    refused = [reason for booking, reason in results if booking is None]
    assert len(won) == 2
    assert refused == ["UNAVAILABLE"] * 6
    assert len({b.unit_id for b in [await settled(platform, b.id) for b in won]}) == 2
    held = await count(
        platform, "SELECT count(*) FROM bookings.unit_nights WHERE resource_id = :r", r=resource.id
    )
    assert held == 4  # 2 units x 2 nights, nothing left over from the losers


async def test_a_stay_kept_on_an_archived_unit_leaves_the_free_units_as_availability_shows(platform):
    """Availability and the booking path count the same units, those not archived: with Cabin 1
    archived under a kept stay and Cabin 3 archived empty, the nights show one unit free (they
    showed none), it sells once on Cabin 2, and then nothing: never on an archived unit."""
    co = await company(platform)
    resource, _ = await cabins(platform, co.id, units=0)
    units = [
        (
            await platform.catalog.CreateUnit(
                catalog_pb2.CreateUnitRequest(resource_id=resource.id, name=f"Cabin {number}")
            )
        ).unit
        for number in (1, 2, 3)
    ]
    check_in = date.today() + timedelta(days=45)
    check_out = check_in + timedelta(days=2)
    guests = [await customer_with_money(platform, co.id) for _ in range(3)]
    kept, reason = await attempt(
        platform, stay(guests[0].id, resource.id, check_in, check_out, unit_id=units[0].id)
    )
    assert kept is not None, reason
    for unit in (units[0], units[2]):
        await platform.catalog.ArchiveUnit(catalog_pb2.ArchiveUnitRequest(unit_id=unit.id))

    async def free_units() -> list[int]:
        reply = await platform.bookings.GetAvailability(
            bookings_pb2.GetAvailabilityRequest(
                company_id=co.id,
                resource_ids=[resource.id],
                start_date=check_in.isoformat(),
                end_date=(check_out - timedelta(days=1)).isoformat(),
            )
        )
        return [day.capacity - day.booked for day in reply.resources[0].days]

    assert await free_units() == [1, 1]
    sold, reason = await attempt(platform, stay(guests[1].id, resource.id, check_in, check_out))
    assert sold is not None, reason
    assert (await settled(platform, sold.id)).unit_id == units[1].id
    assert await free_units() == [0, 0]
    assert (await attempt(platform, stay(guests[2].id, resource.id, check_in, check_out)))[1] == "UNAVAILABLE"
    named = stay(guests[2].id, resource.id, check_in, check_out, unit_id=units[2].id)
    assert (await attempt(platform, named))[1] == "UNIT_NOT_FOUND"


async def test_a_stay_overlapping_one_night_conflicts_and_a_cancelled_stay_frees_its_nights(platform):
    co = await company(platform)
    resource, _ = await cabins(platform, co.id, units=1, nightly=10000)
    check_in = date.today() + timedelta(days=50)
    first_guest = await customer_with_money(platform, co.id)
    second_guest = await customer_with_money(platform, co.id)

    first, _ = await attempt(
        platform, stay(first_guest.id, resource.id, check_in, check_in + timedelta(days=2))
    )
    assert (await settled(platform, first.id)).status == bookings_pb2.BOOKING_STATUS_CONFIRMED
    overlapping, reason = await attempt(
        platform,
        stay(second_guest.id, resource.id, check_in + timedelta(days=1), check_in + timedelta(days=3)),
    )
    assert overlapping is None and reason == "UNAVAILABLE"

    await cancel_when_confirmed(platform, first.id)

    async def nights_released() -> bool:
        held = await count(
            platform, "SELECT count(*) FROM bookings.unit_nights WHERE booking_id = :b", b=first.id
        )
        return held == 0

    await eventually(nights_released, message="the cancelled stay kept its nights")
    again, reason = await attempt(
        platform,
        stay(second_guest.id, resource.id, check_in + timedelta(days=1), check_in + timedelta(days=3)),
    )
    assert again is not None, reason
    assert (await settled(platform, again.id)).status == bookings_pb2.BOOKING_STATUS_CONFIRMED


async def test_a_night_across_the_spring_forward_change_is_one_night_of_23_hours(platform):
    co = await company(platform, "Europe/Berlin")
    resource, _ = await cabins(platform, co.id)
    # Clocks go forward in Berlin on the last Sunday of March.
    year = date.today().year + 1
    last_sunday = max(date(year, 3, day) for day in range(25, 32) if date(year, 3, day).weekday() == 6)
    check_in = last_sunday - timedelta(days=1)
    quote = (
        await platform.bookings.QuoteBooking(
            bookings_pb2.QuoteBookingRequest(
                resource_id=resource.id,
                check_in_date=check_in.isoformat(),
                check_out_date=last_sunday.isoformat(),
            )
        )
    ).quote
    start = quote.start_time.ToDatetime(tzinfo=UTC)
    end = quote.end_time.ToDatetime(tzinfo=UTC)
    assert len(quote.lines) == 1
    assert end - start == timedelta(hours=19)  # 15:00 CET to 11:00 CEST: 20 h on the clock, 19 h real
    berlin = ZoneInfo("Europe/Berlin")
    assert (start.astimezone(berlin).hour, end.astimezone(berlin).hour) == (15, 11)


async def test_an_interval_is_priced_by_the_minute_and_blocks_its_buffers(platform):
    co = await company(platform)
    policy = catalog_pb2.ResourcePolicy(
        granularity_minutes=30, min_duration_minutes=60, buffer_after_minutes=30, max_duration_minutes=480
    )
    boat = await kayak(platform, co.id, hourly=1200, policy=policy)
    rower = await customer_with_money(platform, co.id)
    day = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0) + timedelta(days=10)

    booking, _ = await attempt(platform, rental(rower.id, boat.id, day, day + timedelta(hours=2, minutes=30)))
    confirmed = await settled(platform, booking.id)
    assert confirmed.total_price.amount_minor == 3000

    # The 30-minute buffer after 10:30 keeps 10:30-11:00 blocked; 11:00 is free.
    _, blocked = await attempt(
        platform, rental(rower.id, boat.id, day + timedelta(hours=2, minutes=30), day + timedelta(hours=4))
    )
    assert blocked == "UNAVAILABLE"
    after, _ = await attempt(
        platform, rental(rower.id, boat.id, day + timedelta(hours=3), day + timedelta(hours=4))
    )
    assert after is not None

    _, misaligned = await attempt(
        platform, rental(rower.id, boat.id, day + timedelta(hours=5, minutes=10), day + timedelta(hours=7))
    )
    assert misaligned == "MISALIGNED_TIME"
    _, short = await attempt(
        platform, rental(rower.id, boat.id, day + timedelta(hours=6), day + timedelta(hours=6, minutes=30))
    )
    assert short == "DURATION_TOO_SHORT"


async def test_concurrent_rentals_of_the_same_interval_give_it_to_exactly_one(platform):
    co = await company(platform)
    boat = await kayak(platform, co.id)
    rowers = [await customer_with_money(platform, co.id) for _ in range(8)]
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=12)

    results = await asyncio.gather(
        *(
            attempt(
                platform, rental(r.id, boat.id, start + timedelta(minutes=15 * i), start + timedelta(hours=2))
            )
            for i, r in enumerate(rowers)
        )
    )

    winners = [b for b, _ in results if b is not None]
    assert len(winners) == 1
    assert sorted(reason for b, reason in results if b is None) == ["UNAVAILABLE"] * 7
    held = await count(
        platform, "SELECT count(*) FROM bookings.interval_holds WHERE resource_id = :r", r=boat.id
    )
    assert held == 1


async def test_the_policy_limits_active_bookings_per_customer(platform):
    co = await company(platform)
    boat = await kayak(platform, co.id, policy=catalog_pb2.ResourcePolicy(max_active_bookings_per_customer=1))
    rower = await customer_with_money(platform, co.id)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=14)

    first, _ = await attempt(platform, rental(rower.id, boat.id, start, start + timedelta(hours=1)))
    _, reason = await attempt(
        platform, rental(rower.id, boat.id, start + timedelta(hours=3), start + timedelta(hours=4))
    )

    assert first is not None
    assert reason == "MAX_ACTIVE_BOOKINGS"


async def test_cancellation_windows_refund_by_how_early_the_customer_cancels(platform):
    co = await company(platform)
    windows = [
        catalog_pb2.CancellationWindow(minutes_before_start=7 * 24 * 60, refund_percent=100),
        catalog_pb2.CancellationWindow(minutes_before_start=0, refund_percent=50),
    ]
    resource, _ = await cabins(
        platform, co.id, nightly=10000, policy=catalog_pb2.ResourcePolicy(cancellation_windows=windows)
    )
    guest = await customer_with_money(platform, co.id, amount=20000)
    check_in = date.today() + timedelta(days=3)  # inside the 50 % window
    booking, _ = await attempt(platform, stay(guest.id, resource.id, check_in, check_in + timedelta(days=1)))
    await settled(platform, booking.id)

    await cancel_when_confirmed(platform, booking.id)
    cancelled = await cancelled_booking(platform, booking.id)
    assert cancelled.refund.percent == 50
    assert cancelled.refund.wallet_minor == 5000
    held = await count(
        platform, "SELECT count(*) FROM bookings.unit_nights WHERE booking_id = :b", b=booking.id
    )
    assert held == 0


async def test_through_the_gateway_a_public_quote_then_a_stay_and_a_rental_are_booked(tenant):
    platform = tenant.platform
    resource, _ = await cabins(platform, tenant.company_id, units=1, nightly=9000)
    boat = await kayak(platform, tenant.company_id, hourly=1500)
    guest = await tenant.customer(main_minor=100_000)
    check_in = date.today() + timedelta(days=20)
    stay_body = {
        "resource_id": resource.id,
        "check_in_date": check_in.isoformat(),
        "check_out_date": (check_in + timedelta(days=2)).isoformat(),
        "guests": 2,
    }

    public = await guest.http.post("/v1/quotes", json=stay_body, headers={"Authorization": ""})
    assert public.status_code == 200, public.text
    assert public.json()["total"] == {"amount_minor": 18000, "currency_code": "EUR"}
    assert len(public.json()["lines"]) == 2

    booked = await guest.http.post(
        "/v1/bookings",
        headers={"Idempotency-Key": str(uuid.uuid4())},
        json={**stay_body, "payment": {"use_wallet": True}},
    )
    assert booked.status_code == 202, booked.text
    confirmed = await guest.wait_for(booked.json()["id"], "CONFIRMED")
    assert confirmed["booking_model"] == "NIGHTLY"
    assert confirmed["total_price"]["amount_minor"] == 18000

    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=5)
    rental_body = {
        "resource_id": boat.id,
        "start_time": start.isoformat(),
        "end_time": (start + timedelta(minutes=90)).isoformat(),
        "payment": {"use_wallet": True},
    }
    rented = await guest.http.post(
        "/v1/bookings", headers={"Idempotency-Key": str(uuid.uuid4())}, json=rental_body
    )
    assert rented.status_code == 202, rented.text
    assert (await guest.wait_for(rented.json()["id"], "CONFIRMED"))["total_price"]["amount_minor"] == 2250
    clash = await guest.http.post(
        "/v1/bookings", headers={"Idempotency-Key": str(uuid.uuid4())}, json=rental_body
    )
    assert clash.status_code == 409
    assert clash.json()["code"] == "UNAVAILABLE"

    neither = await guest.http.post("/v1/quotes", json={"quantity": 1})
    assert neither.status_code == 400
    assert neither.json()["code"] == "VALIDATION_FAILED"


async def test_a_time_slot_across_the_autumn_change_books_its_real_hours(tenant):
    # Clocks go back in Berlin on the last Sunday of October: 02:00-03:00 happens twice.
    year = date.today().year + 1
    last_sunday = max(date(year, 10, day) for day in range(25, 32) if date(year, 10, day).weekday() == 6)
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(last_sunday.year, 10, last_sunday.day, 1, 30, tzinfo=berlin)  # CEST
    end = datetime(last_sunday.year, 10, last_sunday.day, 3, 30, tzinfo=berlin)  # CET, 3 h later
    request = catalog_pb2.CreateSessionRequest(resource_id=tenant.resource_id, capacity=2, price=eur(1000))
    request.start_time.FromDatetime(start.astimezone(UTC))
    request.end_time.FromDatetime(end.astimezone(UTC))
    session = (await tenant.platform.catalog.CreateSession(request)).session
    night_owl = await tenant.customer(main_minor=5000)

    created = await night_owl.book(session.id, use_wallet=True)
    booking = await night_owl.wait_for(created.json()["id"], "CONFIRMED")

    starts = datetime.fromisoformat(booking["start_time"])
    ends = datetime.fromisoformat(booking["end_time"])
    assert ends - starts == timedelta(hours=3)
    assert (starts.astimezone(berlin).hour, ends.astimezone(berlin).hour) == (1, 3)


async def test_a_company_that_changes_its_time_zone_gets_availability_and_free_slots_in_the_new_one(tenant):
    """Bookings kept a company's time zone for good: after PATCH time_zone, availability still
    counted a rental on the old zone's day and free slots were the old zone's day, on its
    hours (quoting one was MISALIGNED_TIME in a half-hour zone). Now catalog's company_updated
    drops the cached zone."""
    platform = tenant.platform
    boat = await kayak(platform, tenant.company_id, policy=catalog_pb2.ResourcePolicy(granularity_minutes=60))
    rower = await tenant.customer(main_minor=100_000)
    berlin, kolkata = ZoneInfo("Europe/Berlin"), ZoneInfo("Asia/Kolkata")
    day = date.today() + timedelta(days=9)
    start = datetime(day.year, day.month, day.day, 22, tzinfo=berlin)  # the next day in Kolkata
    made = await rower.http.post(
        "/v1/bookings",
        headers={"Idempotency-Key": str(uuid.uuid4())},
        json={
            "resource_id": boat.id,
            "start_time": start.isoformat(),
            "end_time": (start + timedelta(hours=1)).isoformat(),
            "payment": {"use_wallet": True},
        },
    )
    assert made.status_code == 202, made.text
    await rower.wait_for(made.json()["id"], "CONFIRMED")
    next_day = day + timedelta(days=1)
    email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    await platform.users.create_user(
        email=email, password="secret-pass", role="COMPANY_ADMIN", company_id=tenant.company_id
    )
    token = await rower.http.post("/v1/auth/token", json={"email": email, "password": "secret-pass"})
    admin = {"Authorization": f"Bearer {token.json()['access_token']}"}

    async def booked_days() -> list[str]:
        answer = await rower.http.get(
            "/v1/availability",
            params={
                "company_id": tenant.company_id,
                "resource_id": boat.id,
                "start_date": day.isoformat(),
                "end_date": next_day.isoformat(),
            },
        )
        assert answer.status_code == 200, answer.text
        return [d["date"] for d in answer.json()["resources"][0]["days"] if d["booked"]]

    async def free_slots(on: date) -> list[tuple[datetime, datetime]]:
        answer = await rower.http.get(f"/v1/resources/{boat.id}/free-slots", params={"date": on.isoformat()})
        assert answer.status_code == 200, answer.text
        return [
            (datetime.fromisoformat(s["start_time"]), datetime.fromisoformat(s["end_time"]))
            for s in answer.json()["slots"]
        ]

    async def listed_on(on: date) -> list[str]:
        answer = await rower.http.get(
            "/v1/ops/bookings", params={"date": on.isoformat(), "resource_id": boat.id}, headers=admin
        )
        assert answer.status_code == 200, answer.text
        return [b["id"] for b in answer.json()["bookings"]]

    # Read in Berlin first, so whatever bookings caches holds the old zone.
    assert await booked_days() == [day.isoformat()]
    assert (await free_slots(next_day))[0][0] == datetime(
        next_day.year, next_day.month, next_day.day, tzinfo=berlin
    )
    assert await listed_on(day) == [made.json()["id"]]

    company = await rower.http.get(f"/v1/admin/companies/{tenant.company_id}", headers=admin)
    assert company.status_code == 200, company.text
    changed = await rower.http.patch(
        f"/v1/admin/companies/{tenant.company_id}",
        json={"time_zone": "Asia/Kolkata"},
        headers={**admin, "If-Match": company.headers["ETag"], "Idempotency-Key": str(uuid.uuid4())},
    )
    assert changed.status_code == 200, changed.text

    async def in_kolkata() -> bool:
        return await booked_days() == [next_day.isoformat()]

    await eventually(in_kolkata, message="availability still counts the rental on the old zone's day")
    slots = await free_slots(next_day)
    midnight = datetime(next_day.year, next_day.month, next_day.day, tzinfo=kolkata)
    assert slots[0][0] == midnight
    assert all(t.astimezone(kolkata).minute == 0 for slot in slots for t in slot), slots
    assert await listed_on(next_day) == [made.json()["id"]]
    first_start, first_end = slots[0]
    quoted = await rower.http.post(
        "/v1/quotes",
        json={
            "resource_id": boat.id,
            "start_time": first_start.isoformat(),
            "end_time": min(first_end, first_start + timedelta(hours=1)).isoformat(),
        },
    )
    assert quoted.status_code == 200, quoted.text


async def test_the_front_desk_lists_the_bookings_of_one_local_day_and_free_slots(tenant):
    platform = tenant.platform
    boat = await kayak(platform, tenant.company_id, policy=catalog_pb2.ResourcePolicy(granularity_minutes=60))
    rower = await tenant.customer(main_minor=100_000)
    berlin = ZoneInfo("Europe/Berlin")
    day = date.today() + timedelta(days=9)
    ten = datetime(day.year, day.month, day.day, 10, tzinfo=berlin)
    for start, hours in ((ten, 2), (ten + timedelta(days=1), 1)):
        response = await rower.http.post(
            "/v1/bookings",
            headers={"Idempotency-Key": str(uuid.uuid4())},
            json={
                "resource_id": boat.id,
                "start_time": start.isoformat(),
                "end_time": (start + timedelta(hours=hours)).isoformat(),
                "payment": {"use_wallet": True},
            },
        )
        assert response.status_code == 202, response.text

    free = await rower.http.get(f"/v1/resources/{boat.id}/free-slots", params={"date": day.isoformat()})
    assert free.status_code == 200, free.text
    gaps = [
        (
            datetime.fromisoformat(s["start_time"]).astimezone(berlin).hour,
            datetime.fromisoformat(s["end_time"]).astimezone(berlin).hour,
        )
        for s in free.json()["slots"]
    ]
    assert (0, 10) in gaps and (12, 0) in gaps

    email = f"desk-{uuid.uuid4().hex[:8]}@example.com"
    await platform.users.create_user(
        email=email, password="secret-pass", role="COMPANY_ADMIN", company_id=tenant.company_id
    )
    token = await rower.http.post("/v1/auth/token", json={"email": email, "password": "secret-pass"})
    desk = {"Authorization": f"Bearer {token.json()['access_token']}"}
    listed = await rower.http.get(
        "/v1/ops/bookings", params={"date": day.isoformat(), "resource_id": boat.id}, headers=desk
    )
    assert listed.status_code == 200, listed.text
    assert [
        datetime.fromisoformat(b["start_time"]).astimezone(berlin).hour for b in listed.json()["bookings"]
    ] == [10]
    customer_view = await rower.http.get("/v1/ops/bookings", params={"date": day.isoformat()})
    assert customer_view.status_code == 403


async def test_a_rental_ends_within_the_horizon_and_a_year_and_on_a_whole_minute(tenant):
    """A customer rented a kayak 2026 -> 2199 (pay later: PENDING_PAYMENT, the kayak locked for
    173 years): the end is held to the horizon, a rental to MAX_RENTAL_MINUTES (366 days) when
    the policy sets no maximum, and times to whole minutes; quotes answer as creates do."""
    platform = tenant.platform
    free = await kayak(platform, tenant.company_id, hourly=1200)
    near = await kayak(
        platform, tenant.company_id, hourly=1200, policy=catalog_pb2.ResourcePolicy(horizon_days=30)
    )
    rower = await tenant.customer(main_minor=0)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=10)

    async def ask(path: str, resource_id: str, end: datetime) -> httpx.Response:
        body = {"resource_id": resource_id, "start_time": start.isoformat(), "end_time": end.isoformat()}
        if path == "/v1/bookings":
            body["payment"] = {"use_wallet": True, "pay_later": True}
        return await rower.http.post(path, headers={"Idempotency-Key": str(uuid.uuid4())}, json=body)

    for path in ("/v1/quotes", "/v1/bookings"):
        centuries = await ask(path, free.id, start.replace(year=2199))
        assert (centuries.status_code, centuries.json()["code"]) == (409, "DURATION_TOO_LONG"), centuries.text
        over_a_year = await ask(path, free.id, start + timedelta(days=366, minutes=1))
        assert over_a_year.json()["code"] == "DURATION_TOO_LONG", over_a_year.text
        beyond = await ask(path, near.id, start + timedelta(days=21))
        assert (beyond.status_code, beyond.json()["code"]) == (409, "BEYOND_HORIZON"), beyond.text
        fraction = await ask(path, free.id, start + timedelta(hours=1, seconds=0.5))
        assert (fraction.status_code, fraction.json()["code"]) == (400, "MISALIGNED_TIME"), fraction.text
    a_year = await ask("/v1/quotes", free.id, start + timedelta(days=366))
    assert a_year.status_code == 200, a_year.text
    assert a_year.json()["total"]["amount_minor"] == 366 * 24 * 1200
    within = await ask("/v1/quotes", near.id, start + timedelta(days=20))
    assert within.status_code == 200, within.text
    listed = await rower.http.get("/v1/bookings")
    assert listed.json()["bookings"] == [], listed.text
