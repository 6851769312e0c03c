"""A weekly series whose local time does not exist on a day (the hour the clocks skip in spring)
has that occurrence start after the gap (RFC 5545): the API's answer lists it and the console's
sessions page says so after the series is created, instead of moving it silently."""

from __future__ import annotations

import uuid

from bookingplatform.catalog.v1 import catalog_pb2
from gateway.pages.sagas import csrf_token


def _resource(fake_platform, company_id: str) -> str:
    resource = catalog_pb2.Resource(
        id=str(uuid.uuid4()),
        company_id=company_id,
        name="Studio",
        booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
        capacity=12,
        etag="1",
        version=1,
    )
    resource.policy.horizon_days = 365
    fake_platform.catalog.resources[resource.id] = resource
    return resource.id


def _series(token: str, start_date: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "request_key": str(uuid.uuid4()),
        "day_SU": "1",
        "start_date": start_date,
        "start_time": "02:30",
        "weeks": "3",
        "duration_minutes": "60",
        "capacity": "10",
        "price": "15.00",
    }


async def test_the_console_says_which_occurrence_of_a_series_moved_and_when_it_starts(
    http, make_account, ops_login, fake_platform, jwt_secret
):
    admin = await make_account("COMPANY_ADMIN")
    resource = _resource(fake_platform, admin.company_id)
    token = csrf_token(jwt_secret, await ops_login(admin))

    created = await http.post(f"/ops/manage/resources/{resource}/series", data=_series(token, "2027-03-21"))
    assert created.status_code == 303, created.text
    page = await http.get(created.headers["location"])
    assert page.status_code == 200, page.text
    assert "Series created." in page.text
    assert "28 Mar 2027: 02:30 does not exist that day; the session starts at 03:30." in page.text

    plain = await http.post(f"/ops/manage/resources/{resource}/series", data=_series(token, "2027-04-04"))
    assert plain.status_code == 303, plain.text
    assert "moved=" not in plain.headers["location"]
    assert "data-moved" not in (await http.get(plain.headers["location"])).text


async def test_a_moved_note_is_only_ever_a_date_and_two_times(http, make_account, ops_login, fake_platform):
    admin = await make_account("COMPANY_ADMIN")
    resource = _resource(fake_platform, admin.company_id)
    await ops_login(admin)
    page = await http.get(
        f"/ops/manage/resources/{resource}/sessions",
        params={"moved": "2027-02-31T02:30-03:30,<b>x</b>,2027-03-28T02:30-03:30"},
    )
    assert page.status_code == 200, page.text
    assert page.text.count("data-moved") == 1
    assert "<b>x</b>" not in page.text


async def test_the_series_route_answers_the_moved_occurrences(http, make_account, fake_platform):
    admin = await make_account("COMPANY_ADMIN")
    resource = _resource(fake_platform, admin.company_id)
    reply = await http.post(
        "/v1/admin/session-series",
        json={
            "resource_id": resource,
            "start_date": "2027-03-21",
            "start_time": "02:30",
            "duration_minutes": 60,
            "rrule": "FREQ=WEEKLY;COUNT=3",
            "capacity": 10,
            "price": {"amount_minor": 1500, "currency_code": "EUR"},
        },
        headers={**admin.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert reply.status_code == 201, reply.text
    [moved] = reply.json()["moved_occurrences"]
    assert {k: v for k, v in moved.items() if k != "session_id"} == {
        "local_date": "2027-03-28",
        "requested_local_time": "02:30",
        "local_start_time": "03:30",
    }
