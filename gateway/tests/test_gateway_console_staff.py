"""A company's staff log into the console and land on the business pages; the operator pages
(sagas, their forms, dead letters) refuse them, while company admins keep both."""

from __future__ import annotations

import uuid


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
