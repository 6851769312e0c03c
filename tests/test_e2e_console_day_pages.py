"""The console's day view of a company with many resources, over HTTP on the real platform: a
page of 25 resources at a time, with where it is in the list and links to the next and the
previous page; a page beyond the last shows the last; a malformed page number is a 4xx page."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from tests.conftest import eur

pytestmark = pytest.mark.e2e

PASSWORD = "day-pages-secret"
SECTION = re.compile(r'<section class="resource-day" aria-labelledby="res-([0-9a-f-]{36})"')


async def test_the_day_view_shows_a_company_s_resources_25_at_a_time(platform) -> None:
    company = (
        await platform.catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                request_id=str(uuid.uuid4()),
                name="Many Rooms",
                time_zone="Europe/Berlin",
                currency_code="EUR",
            )
        )
    ).company
    made = []
    for number in range(27):
        made.append(
            (
                await platform.catalog.CreateResource(
                    catalog_pb2.CreateResourceRequest(
                        request_id=str(uuid.uuid4()),
                        company_id=company.id,
                        name=f"Room {number:02d}",
                        booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
                    )
                )
            ).resource.id
        )
    email = f"desk-{uuid.uuid4().hex[:8]}@example.com"
    await platform.users.create_user(email=email, password=PASSWORD, role="STAFF", company_id=company.id)
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=60) as http:
        assert (await http.post("/ops/login", data={"email": email, "password": PASSWORD})).status_code == 303

        first = await http.get("/ops/calendar/day", params={"date": "2030-03-17"})
        assert first.status_code == 200, first.text
        on_first = SECTION.findall(first.text)
        assert len(on_first) == 25 and "Resources 1\N{EN DASH}25 of 27" in first.text
        assert "/ops/calendar/day?date=2030-03-17&amp;page=2" in first.text
        assert "Previous resources" not in first.text

        second = await http.get("/ops/calendar/day", params={"date": "2030-03-17", "page": "2"})
        on_second = SECTION.findall(second.text)
        assert len(on_second) == 2 and "Resources 26\N{EN DASH}27 of 27" in second.text
        assert set(on_first) | set(on_second) == set(made) and not set(on_first) & set(on_second)
        assert "page=1" in second.text and "Next resources" not in second.text
        # The next day keeps the page.
        assert "/ops/calendar/day?date=2030-03-18&amp;page=2" in second.text

        beyond = await http.get("/ops/calendar/day", params={"date": "2030-03-17", "page": "40"})
        assert SECTION.findall(beyond.text) == on_second
        for bad in ("0", "-1", "x", "9" * 30):
            refused = await http.get("/ops/calendar/day", params={"date": "2030-03-17", "page": bad})
            assert 400 <= refused.status_code < 500, (bad, refused.status_code)


BOOK_CSRF = re.compile(
    r'action="/ops/calendar/bookings"[^>]*>\s*<input type="hidden" name="csrf_token" value="([^"]+)"'
)


async def _desk(platform, tenant) -> tuple[httpx.AsyncClient, str]:
    """A staff member of the tenant logged into the console, and a rental (10.00 EUR an hour)."""
    rental = (
        await platform.catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                request_id=str(uuid.uuid4()),
                company_id=tenant.company_id,
                name="Rowing boat",
                booking_model=catalog_pb2.BOOKING_MODEL_INTERVAL,
                policy=catalog_pb2.ResourcePolicy(),
                hourly_rate=eur(1000),
            )
        )
    ).resource.id
    email = f"desk-{uuid.uuid4().hex[:8]}@example.com"
    await platform.users.create_user(
        email=email, password=PASSWORD, role="STAFF", company_id=tenant.company_id
    )
    http = httpx.AsyncClient(base_url=platform.gateway_url, timeout=60)
    assert (await http.post("/ops/login", data={"email": email, "password": PASSWORD})).status_code == 303
    return http, rental


async def test_a_rental_in_the_hour_the_clocks_skip_is_a_field_error_and_real_instants_are_booked(
    platform, tenant
) -> None:
    # 2027-03-28, Europe/Berlin: the clocks go from 02:00 to 03:00, so 02:00 and 03:00 both
    # read as 01:00 UTC; the form once let it through and the console's hold failed (a 500).
    http, rental = await _desk(platform, tenant)
    customer = await tenant.customer()
    try:
        page = await http.get("/ops/calendar/book", params={"date": "2027-03-28", "resource_id": rental})
        assert page.status_code == 200, page.text
        found = BOOK_CSRF.search(page.text)
        assert found, page.text
        form = {
            "csrf_token": found.group(1),
            "date": "2027-03-28",
            "kind": "INTERVAL",
            "resource_id": rental,
            "customer_id": customer.id,
            "payment": "desk-CASH",
        }
        for start, end, wrong in (("02:00", "03:00", "start_time"), ("01:00", "02:30", "end_time")):
            posted = await http.post(
                "/ops/calendar/bookings",
                data={**form, "request_key": str(uuid.uuid4()), "start_time": start, "end_time": end},
            )
            assert posted.status_code == 303, (start, end, posted.status_code, posted.text)
            location = posted.headers["location"]
            assert "error=TIME_SKIPPED" in location and f"field={wrong}" in location, location
            shown = await http.get(location)
            assert shown.status_code == 200, shown.text
            assert "this time does not exist that day (clocks go forward)" in shown.text
            assert f'name="{wrong}" type="time"' in shown.text
            assert re.search(rf'id="{wrong}"[^>]*aria-invalid="true"', shown.text), shown.text
        # A form opened at 01:30 ends an hour of real time later (03:30, not 02:30); a start
        # the clocks skip is refused on its field.
        opened = await http.get(
            "/ops/calendar/book",
            params={"date": "2027-03-28", "resource_id": rental, "start": "2027-03-28T01:30:00+01:00"},
        )
        assert 'name="start_time" type="time" value="01:30"' in opened.text, opened.text
        assert 'name="end_time" type="time" value="03:30"' in opened.text, opened.text
        skipped = await http.get(
            "/ops/calendar/book",
            params={"date": "2027-03-28", "resource_id": rental, "start": "2027-03-28T02:30"},
        )
        assert skipped.status_code == 400, skipped.text
        assert skipped.json()["errors"][0]["field"] == "start", skipped.text
        # 01:00 to 04:00 local is two real hours (00:00 to 02:00 UTC): booked as such.
        booked = await http.post(
            "/ops/calendar/bookings",
            data={**form, "request_key": str(uuid.uuid4()), "start_time": "01:00", "end_time": "04:00"},
        )
        assert booked.status_code == 303 and "done=book" in booked.headers["location"], booked.headers
        booking_id = re.search(r"booking_id=([0-9a-f-]{36})", booked.headers["location"])
        assert booking_id
        made = await customer.http.get(f"/v1/bookings/{booking_id.group(1)}")
        assert made.status_code == 200, made.text
        assert made.json()["start_time"].startswith("2027-03-28T00:00:00")
        assert made.json()["end_time"].startswith("2027-03-28T02:00:00")
        assert made.json()["total_price"]["amount_minor"] == 2000
    finally:
        await http.aclose()


FIELD = re.compile(r"<(input|select)\b([^>]*)>")


def _posted_fields(html: str) -> dict[str, str]:
    """What the browser posts of the booking form as rendered: its inputs (the customer's radio
    lives outside it, `form="book-form"`), a radio or checkbox only when checked."""
    start = html.index('id="book-form"')
    body = html[html.rindex("<form", 0, start) : html.index("</form>", start)]
    outside = [m for m in FIELD.finditer(html) if 'form="book-form"' in m.group(2)]
    fields: dict[str, str] = {}
    for match in [*FIELD.finditer(body), *outside]:
        attributes = dict(re.findall(r'([a-z-]+)="([^"]*)"', match.group(2)))
        if "name" not in attributes:
            continue
        if attributes.get("type") in ("radio", "checkbox") and " checked" not in match.group(2):
            continue
        fields[attributes["name"]] = attributes.get("value", "")
    return fields


async def test_a_platform_admin_books_a_stay_s_unit_with_the_form_as_rendered(platform, tenant) -> None:
    # The form has 11 fields for a platform admin and a unit: the pages once read 10 at most
    # and answered 400 "The form is not valid.".
    cabin = (
        await platform.catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                request_id=str(uuid.uuid4()),
                company_id=tenant.company_id,
                name="Lake cabin",
                booking_model=catalog_pb2.BOOKING_MODEL_NIGHTLY,
            )
        )
    ).resource.id
    unit = (
        await platform.catalog.CreateUnit(
            catalog_pb2.CreateUnitRequest(request_id=str(uuid.uuid4()), resource_id=cabin, name="Cabin 2")
        )
    ).unit.id
    await platform.catalog.CreateRatePlan(
        catalog_pb2.CreateRatePlanRequest(
            request_id=str(uuid.uuid4()), resource_id=cabin, name="Standard", default_nightly_price=eur(8000)
        )
    )
    customer = await tenant.customer()
    email = (
        await platform.catalog.GetCustomer(catalog_pb2.GetCustomerRequest(customer_id=customer.id))
    ).customer.email
    admin = f"root-{uuid.uuid4().hex[:8]}@example.com"
    await platform.users.create_user(email=admin, password=PASSWORD, role="PLATFORM_ADMIN", company_id=None)
    night = (datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(days=30)).date().isoformat()
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=60) as http:
        assert (await http.post("/ops/login", data={"email": admin, "password": PASSWORD})).status_code == 303
        page = await http.get(
            "/ops/calendar/book",
            params={
                "date": night,
                "resource_id": cabin,
                "unit_id": unit,
                "company_id": tenant.company_id,
                "q": email,
            },
        )
        assert page.status_code == 200, page.text
        fields = _posted_fields(page.text)
        assert len(fields) == 11 and fields["unit_id"] == unit and fields["customer_id"] == customer.id, (
            fields
        )

        posted = await http.post("/ops/calendar/bookings", data=fields)

        assert posted.status_code == 303, posted.text
        assert "done=book" in posted.headers["location"], posted.headers["location"]
        booking_id = re.search(r"booking_id=([0-9a-f-]{36})", posted.headers["location"])
        assert booking_id
    made = (
        await platform.bookings.GetBooking(bookings_pb2.GetBookingRequest(booking_id=booking_id.group(1)))
    ).booking
    assert made.unit_id == unit and made.check_in_date == night, made
    assert made.status == bookings_pb2.BOOKING_STATUS_CONFIRMED and made.desk_paid_minor == 8000, made


async def test_an_archived_resource_is_shown_marked_on_the_day_of_its_bookings(platform, tenant) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    session = await tenant.session(capacity=5)
    customer = await tenant.customer(main_minor=10_000)
    booked = await customer.book(session.id, use_wallet=True)
    assert booked.status_code == 202, booked.text
    booking_id = booked.json()["id"]
    await customer.wait_for(booking_id, "CONFIRMED")
    idle = (
        await platform.catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                request_id=str(uuid.uuid4()),
                company_id=tenant.company_id,
                name="Old studio",
                booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
            )
        )
    ).resource.id
    # Archiving refuses nothing: the booking made before stays CONFIRMED.
    for resource_id in (tenant.resource_id, idle):
        await platform.catalog.ArchiveResource(
            catalog_pb2.ArchiveResourceRequest(request_id=str(uuid.uuid4()), resource_id=resource_id)
        )
    day = session.start_time.ToDatetime(tzinfo=berlin).date().isoformat()
    email = f"desk-{uuid.uuid4().hex[:8]}@example.com"
    await platform.users.create_user(
        email=email, password=PASSWORD, role="STAFF", company_id=tenant.company_id
    )
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=60) as http:
        assert (await http.post("/ops/login", data={"email": email, "password": PASSWORD})).status_code == 303
        for params in ({"date": day}, {"date": day, "resource_id": tenant.resource_id}):
            page = await http.get("/ops/calendar/day", params=params)
            assert page.status_code == 200, page.text
            # Shown, marked archived, with its booking and nothing more to book; the archived
            # resource without a booking that day is not shown.
            assert SECTION.findall(page.text) == [tenant.resource_id], params
            section = page.text.split(f'aria-labelledby="res-{tenant.resource_id}"', 1)[1]
            assert '<span class="badge">archived</span>' in section
            assert booking_id in section and session.id in section
            assert "Book a place for a customer" not in section
        other_day = (session.start_time.ToDatetime(tzinfo=berlin) + timedelta(days=1)).date().isoformat()
        quiet = await http.get("/ops/calendar/day", params={"date": other_day})
        assert tenant.resource_id not in SECTION.findall(quiet.text)


async def test_the_cancel_confirmation_shows_bookings_answer_for_each_source(platform, tenant) -> None:
    """The staff's cancel confirmation on the day view is bookings' PreviewCancellation by the
    company (also the back office's cancellation preview), not a rule of the console's own."""
    berlin = ZoneInfo("Europe/Berlin")
    session = await tenant.session(capacity=5, price_minor=4000)
    mixed = await tenant.customer(main_minor=1000, bonus_minor=500)
    by_pass = await tenant.customer()
    entitlement_id = await tenant.grant_pass(by_pass.id, credits=5)
    bookings = {}
    for who, payment in (
        (mixed, {"use_wallet": True, "card_token": "4242424242424242"}),
        (by_pass, {"entitlement_id": entitlement_id}),
    ):
        created = await who.book(session.id, quantity=2 if who is by_pass else 1, **payment)
        assert created.status_code == 202, created.text
        bookings[who.id] = (await who.wait_for(created.json()["id"], "CONFIRMED"))["id"]
    cancelled = await tenant.customer(main_minor=4000)
    made = await cancelled.book(session.id, use_wallet=True)
    assert made.status_code == 202, made.text
    gone = (await cancelled.wait_for(made.json()["id"], "CONFIRMED"))["id"]
    assert (await cancelled.cancel(gone)).status_code in (200, 202)
    await cancelled.wait_for(gone, "CANCELLED")

    email = f"desk-{uuid.uuid4().hex[:8]}@example.com"
    await platform.users.create_user(
        email=email, password=PASSWORD, role="STAFF", company_id=tenant.company_id
    )
    day = session.start_time.ToDatetime(tzinfo=berlin).date().isoformat()
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=60) as http:
        token = await http.post("/v1/auth/token", json={"email": email, "password": PASSWORD})
        assert token.status_code == 200, token.text
        api = {"Authorization": f"Bearer {token.json()['access_token']}"}
        previews = {}
        for booking_id in bookings.values():
            answer = await http.get(f"/v1/admin/bookings/{booking_id}/cancellation-preview", headers=api)
            assert answer.status_code == 200, answer.text
            previews[booking_id] = answer.json()
        refused = await http.get(f"/v1/admin/bookings/{gone}/cancellation-preview", headers=api)
        assert refused.status_code == 409, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["code"] == "BOOKING_NOT_CANCELLABLE"

        assert (await http.post("/ops/login", data={"email": email, "password": PASSWORD})).status_code == 303
        page = await http.get("/ops/calendar/day", params={"date": day})
        assert page.status_code == 200, page.text

    def confirmation(booking_id: str) -> str:
        card = page.text.split(f'id="booking-{booking_id}"', 1)[1].split("</li>", 1)[0]
        found = re.search(r"gives back (\d+) %: <span class=\"refund\">([^<]*)</span>", card)
        assert found, card
        return f"{found.group(1)} %: {found.group(2)}"

    paid_twice = previews[bookings[mixed.id]]
    assert (paid_twice["card"]["amount_minor"], paid_twice["wallet"]["amount_minor"]) == (2500, 1500)
    assert confirmation(bookings[mixed.id]) == "100 %: 25.00 EUR to the card; 15.00 EUR to the wallet"
    assert previews[bookings[by_pass.id]]["credits"] == 2
    assert confirmation(bookings[by_pass.id]) == "100 %: 2 pass credits returned"
    # A cancelled booking offers no cancellation at all.
    cancelled_card = page.text.split(f'id="booking-{gone}"', 1)[1].split("</li>", 1)[0]
    assert "Confirm cancellation" not in cancelled_card
