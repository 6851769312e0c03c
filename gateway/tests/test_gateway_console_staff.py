"""A company's staff log into the console and land on the business pages; the operator pages
(sagas, their forms, dead letters) refuse them, while company admins keep both."""

from __future__ import annotations

import uuid

from bookingplatform.bookings.v1 import bookings_pb2
from gateway.pages.sagas import csrf_token


async def test_staff_log_in_and_land_on_the_calendar(http, make_account):
    staff = await make_account("STAFF")

    reply = await http.post("/ops/login", data={"email": staff.email, "password": staff.password})
    to_sagas = await http.post(
        "/ops/login",
        data={"email": staff.email, "password": staff.password, "next": "/ops/calendar?month=2027-01"},
    )

    assert reply.status_code == 303 and reply.headers["location"] == "/ops/calendar"
    assert "gateway_ops_session" in http.cookies
    assert to_sagas.status_code == 303 and to_sagas.headers["location"] == "/ops/calendar?month=2027-01"


async def test_the_operator_pages_refuse_staff_by_cookie_and_by_bearer(http, make_account, ops_login):
    staff = await make_account("STAFF")
    await ops_login(staff)

    sagas = await http.get("/ops/sagas")
    saga = await http.get(f"/ops/sagas/{uuid.uuid4()}")
    dead_letters = await http.get("/ops/dead-letters")
    retry = await http.post(f"/ops/sagas/{uuid.uuid4()}/retry", data={"reason": "x", "csrf_token": "x"})
    replay = await http.post("/ops/dead-letters/wallet/1/replay", data={"csrf_token": "x"})
    by_bearer = await http.get("/ops/sagas", headers=staff.headers)

    for refused in (sagas, saga, dead_letters, retry, replay, by_bearer):
        assert refused.status_code == 403, (refused.request.url, refused.text)
        assert refused.json()["code"] == "PERMISSION_DENIED"


async def test_a_company_admin_still_lands_on_the_sagas(http, make_account):
    admin = await make_account("COMPANY_ADMIN")

    reply = await http.post("/ops/login", data={"email": admin.email, "password": admin.password})

    assert reply.status_code == 303 and reply.headers["location"] == "/ops/sagas"


async def test_the_calendar_asks_for_a_login_and_refuses_customers(http, make_account):
    customer = await make_account()

    anonymous = await http.get("/ops/calendar?month=2027-01")
    as_customer = await http.get("/ops/calendar", headers=customer.headers)
    form = await http.post(f"/ops/calendar/bookings/{uuid.uuid4()}/check-in", data={"csrf_token": "x"})

    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/ops/login?next=%2Fops%2Fcalendar%3Fmonth%3D2027-01"
    assert as_customer.status_code == 403
    assert form.status_code == 401


async def test_staff_forms_of_the_calendar_need_the_session_s_csrf_token(http, make_account, ops_login):
    staff = await make_account("STAFF")
    await ops_login(staff)

    forged = await http.post(f"/ops/calendar/bookings/{uuid.uuid4()}/check-in", data={"csrf_token": "forged"})
    bad_month = await http.get("/ops/calendar?month=2027-13")

    assert forged.status_code == 403 and forged.json()["code"] == "CSRF_TOKEN_INVALID"
    assert bad_month.status_code == 400 and bad_month.json()["errors"][0]["field"] == "month"


async def test_a_platform_admin_is_asked_which_company_s_calendar(http, make_account, ops_login):
    operator = await make_account("PLATFORM_ADMIN")
    await ops_login(operator)

    chooser = await http.get("/ops/calendar")

    assert chooser.status_code == 200
    assert 'name="company_id"' in chooser.text and "Show its calendar" in chooser.text


def _desk_booking(fake_platform, status: int) -> str:
    """A booking in the fake bookings service (whose company is uuid5 of its customer)."""
    customer = str(uuid.uuid4())
    booking = fake_platform.bookings.create(
        bookings_pb2.CreateBookingRequest(request_id=str(uuid.uuid4()), customer_id=customer, quantity=1)
    ).booking
    fake_platform.bookings.bookings[booking.id].status = status
    return booking.id


async def test_without_javascript_a_check_in_form_acts_once_and_comes_back_to_the_day(
    http, make_account, ops_login, fake_platform, jwt_secret
):
    confirmed = _desk_booking(fake_platform, bookings_pb2.BOOKING_STATUS_CONFIRMED)
    company = fake_platform.bookings.bookings[confirmed].company_id
    pending = fake_platform.bookings.create(
        bookings_pb2.CreateBookingRequest(
            request_id=str(uuid.uuid4()), customer_id=fake_platform.bookings.bookings[confirmed].customer_id
        )
    ).booking.id
    staff = await make_account("STAFF", company_id=company)
    session = await ops_login(staff)
    form = {
        "csrf_token": csrf_token(jwt_secret, session),
        "request_key": str(uuid.uuid4()),
        "date": "2030-03-17",
    }

    calls = sum(fake_platform.bookings.check_in_calls.values())
    first = await http.post(f"/ops/calendar/bookings/{confirmed}/check-in", data=form)
    again = await http.post(f"/ops/calendar/bookings/{confirmed}/check-in", data=form)
    calls_of_the_two = sum(fake_platform.bookings.check_in_calls.values()) - calls
    refused = await http.post(
        f"/ops/calendar/bookings/{pending}/check-in", data={**form, "request_key": str(uuid.uuid4())}
    )

    assert first.status_code == 303
    assert first.headers["location"] == (
        f"/ops/calendar/day?date=2030-03-17&done=check-in&booking_id={confirmed}"
    )
    assert again.headers["location"] == first.headers["location"]
    assert calls_of_the_two == 1  # the same form twice: one check-in
    assert fake_platform.bookings.bookings[confirmed].status == bookings_pb2.BOOKING_STATUS_CHECKED_IN
    assert refused.status_code == 303 and refused.headers["location"].endswith("&error=BOOKING_NOT_CONFIRMED")


async def _nav_links(http, make_account, ops_login, role: str) -> set[str]:  # type: ignore[no-untyped-def]
    account = await make_account(role)
    await ops_login(account)
    page = await http.get("/ops/push")
    assert page.status_code == 200, page.text
    nav = page.text.split('<nav aria-label="Console">', 1)[1].split("</nav>", 1)[0]
    links = {part.split('"', 1)[0] for part in nav.split('href="')[1:]}
    # A company's people also get their company's public site; a platform admin has none.
    site = f"/site/{account.company_id}" if account.company_id else None
    assert (site in links) if site else not any(link.startswith("/site/") for link in links)
    return links - {site}


async def test_the_navigation_offers_each_role_only_the_pages_it_may_open(http, make_account, ops_login):
    business = {"/ops/calendar", "/ops/manage/resources", "/ops/push"}
    admin_pages = business | {"/ops/sagas", "/ops/stats", "/ops/audit", "/ops/notifications", "/ops/webhooks"}

    # Calendar feeds are a company member's own: a platform admin (no company) has none.
    assert await _nav_links(http, make_account, ops_login, "STAFF") == business | {"/ops/feeds"}
    # The Team page (its staff, admins and invitations) is a company admin's.
    assert await _nav_links(http, make_account, ops_login, "COMPANY_ADMIN") == admin_pages | {
        "/ops/feeds",
        "/ops/team",
    }
    platform_admin = await _nav_links(http, make_account, ops_login, "PLATFORM_ADMIN")
    assert platform_admin == admin_pages | {"/ops/dead-letters"}
