"""The management pages' guards (/ops/manage): staff read resources and sessions but their
forms that change them are refused (403, as the API refuses staff), every form needs the
session's CSRF token, another company's resource or session is a 404 page, and hostile form
input is a 4xx, never a 500."""

from __future__ import annotations

import uuid

from google.protobuf.timestamp_pb2 import Timestamp

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2
from gateway.pages.sagas import csrf_token


def stamp(seconds: int) -> Timestamp:
    return Timestamp(seconds=seconds)


def _resource(fake_platform, company_id: str, name: str = "Studio") -> str:
    resource = catalog_pb2.Resource(
        id=str(uuid.uuid4()),
        company_id=company_id,
        name=name,
        booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
        capacity=12,
        etag="1",
        version=1,
    )
    resource.policy.horizon_days = 365
    fake_platform.catalog.resources[resource.id] = resource
    return resource.id


def _session(fake_platform, company_id: str, resource_id: str) -> str:
    session = catalog_pb2.Session(
        id=str(uuid.uuid4()),
        company_id=company_id,
        resource_id=resource_id,
        start_time=stamp(1_900_000_000),
        end_time=stamp(1_900_003_600),
        capacity=10,
        price=money_pb2.Money(amount_minor=1500, currency_code="EUR"),
        status=catalog_pb2.SESSION_STATUS_OPEN,
        etag="1",
    )
    fake_platform.catalog.sessions[session.id] = session
    return session.id


async def test_staff_read_a_resource_and_its_sessions_but_change_nothing(
    http, make_account, ops_login, fake_platform, jwt_secret
):
    staff = await make_account("STAFF")
    resource = _resource(fake_platform, staff.company_id, "Yoga room <b>")
    session = _session(fake_platform, staff.company_id, resource)
    cookie = await ops_login(staff)
    form = {"csrf_token": csrf_token(jwt_secret, cookie), "request_key": str(uuid.uuid4())}

    page = await http.get(f"/ops/manage/resources/{resource}")
    sessions = await http.get(f"/ops/manage/resources/{resource}/sessions?from=2030-03-17")
    new = await http.get("/ops/manage/resources/new?model=NIGHTLY")
    refused = [
        await http.post("/ops/manage/resources", data={**form, "name": "x", "booking_model": "TIME_SLOT"}),
        await http.post(f"/ops/manage/resources/{resource}", data={**form, "name": "x", "etag": "1"}),
        await http.post(f"/ops/manage/resources/{resource}/archive", data={**form, "etag": "1"}),
        await http.post(f"/ops/manage/resources/{resource}/sessions", data=form),
        await http.post(f"/ops/manage/resources/{resource}/series", data=form),
        await http.post(f"/ops/manage/sessions/{session}/cancel", data={**form, "reason": "x"}),
        await http.post(f"/ops/manage/sessions/{session}", data={**form, "capacity": "3"}),
        await http.post("/ops/manage/passes", data={**form, "name": "x"}),
        await http.post(f"/ops/manage/passes/{uuid.uuid4()}/archive", data={**form, "etag": "1"}),
    ]

    assert page.status_code == 200, page.text
    assert "Yoga room &lt;b&gt;" in page.text and "Only a company admin may change a resource." in page.text
    assert 'action="/ops/manage/resources/' not in page.text
    assert sessions.status_code == 200 and f'data-session="{session}"' in sessions.text
    assert "Cancel the session" not in sessions.text
    assert new.status_code == 403
    for reply in refused:
        assert reply.status_code == 403, (reply.request.url, reply.text)
        assert reply.json()["code"] == "PERMISSION_DENIED"


async def test_another_company_s_resource_and_session_are_a_404_page(
    http, make_account, ops_login, fake_platform, jwt_secret
):
    admin = await make_account("COMPANY_ADMIN")
    theirs = str(uuid.uuid4())
    resource = _resource(fake_platform, theirs)
    session = _session(fake_platform, theirs, resource)
    cookie = await ops_login(admin)
    form = {"csrf_token": csrf_token(jwt_secret, cookie), "request_key": str(uuid.uuid4())}

    page = await http.get(f"/ops/manage/resources/{resource}")
    sessions = await http.get(f"/ops/manage/resources/{resource}/sessions")
    unknown = await http.get(f"/ops/manage/resources/{uuid.uuid4()}")
    edit = await http.post(
        f"/ops/manage/resources/{resource}", data={**form, "name": "Mine now", "etag": "1"}
    )
    cancel = await http.post(f"/ops/manage/sessions/{session}/cancel", data={**form, "reason": "x"})
    change = await http.post(f"/ops/manage/sessions/{session}", data={**form, "capacity": "3", "etag": "1"})

    for reply in (page, sessions, unknown, edit, cancel, change):
        assert reply.status_code == 404, (reply.request.url, reply.text)
        assert reply.headers["content-type"].startswith("text/html")
        assert "<h1>Not found</h1>" in reply.text
    assert fake_platform.catalog.resources[resource].name == "Studio"
    assert fake_platform.catalog.sessions[session].status == catalog_pb2.SESSION_STATUS_OPEN


async def test_every_form_needs_the_session_s_csrf_token(http, make_account, ops_login, fake_platform):
    admin = await make_account("COMPANY_ADMIN")
    resource = _resource(fake_platform, admin.company_id)
    session = _session(fake_platform, admin.company_id, resource)
    await ops_login(admin)
    customer = str(uuid.uuid4())

    posts = {
        "/ops/manage/resources": {"name": "x", "booking_model": "TIME_SLOT"},
        f"/ops/manage/resources/{resource}": {"name": "x", "etag": "1"},
        f"/ops/manage/resources/{resource}/archive": {"etag": "1"},
        f"/ops/manage/resources/{resource}/hourly-rate": {"hourly_rate": "10"},
        f"/ops/manage/resources/{resource}/rate-plans": {"name": "x"},
        f"/ops/manage/resources/{resource}/rate-plans/{uuid.uuid4()}/prices": {"from": "2030-01-01"},
        f"/ops/manage/resources/{resource}/units": {"name": "x"},
        f"/ops/manage/resources/{resource}/units/{uuid.uuid4()}/archive": {"etag": "1"},
        f"/ops/manage/resources/{resource}/sessions": {"capacity": "1"},
        f"/ops/manage/resources/{resource}/series": {"capacity": "1"},
        f"/ops/manage/sessions/{session}/cancel": {"reason": "x"},
        f"/ops/manage/sessions/{session}": {"capacity": "3"},
        "/ops/manage/customers": {"display_name": "x", "email": "x@example.com"},
        "/ops/manage/passes": {"name": "x"},
        f"/ops/manage/passes/{uuid.uuid4()}/archive": {"etag": "1"},
        f"/ops/manage/customers/{customer}": {"display_name": "x"},
        f"/ops/manage/customers/{customer}/wallet": {"amount": "10", "reason": "x"},
        f"/ops/manage/customers/{customer}/passes": {"product_id": str(uuid.uuid4()), "sale": "GRANT"},
    }
    for path, data in posts.items():
        missing = await http.post(path, data=data)
        forged = await http.post(path, data={**data, "csrf_token": "forged"})
        for reply in (missing, forged):
            assert reply.status_code == 403, (path, reply.text)
            assert reply.json()["code"] == "CSRF_TOKEN_INVALID"


async def test_hostile_input_is_refused_without_a_500(
    http, make_account, ops_login, fake_platform, jwt_secret
):
    admin = await make_account("COMPANY_ADMIN")
    resource = _resource(fake_platform, admin.company_id)
    cookie = await ops_login(admin)
    token = csrf_token(jwt_secret, cookie)

    replies = [
        await http.get("/ops/manage/resources/not-a-uuid"),
        await http.get(f"/ops/manage/resources/{resource}/sessions?from=2030-02-31"),
        await http.get(f"/ops/manage/resources/{resource}/sessions?from=<script>"),
        await http.get(f"/ops/manage/resources/{resource}/sessions?days=100000"),
        await http.post(
            f"/ops/manage/resources/{resource}/series",
            data={"csrf_token": token, "day_MO": "1", "start_date": "2030-02-31", "weeks": "x" * 50},
        ),
        await http.post(
            f"/ops/manage/resources/{resource}/sessions",
            data={"csrf_token": token, "date": "2030-01-01", "start_time": "25:00", "price": "NaN"},
        ),
        await http.post(
            f"/ops/manage/resources/{resource}/sessions",
            content=b"csrf_token=" + token.encode() + b"&date=%ff%fe",
            headers={"content-type": "application/x-www-form-urlencoded"},
        ),
        await http.post(f"/ops/manage/resources/{resource}/sessions", json={"csrf_token": token}),
        await http.post(
            "/ops/manage/resources",
            data={"csrf_token": token, "name": "", "booking_model": "NIGHTLY", "policy.min_nights": "1e99"},
        ),
    ]

    for reply in replies:
        assert 400 <= reply.status_code < 500, (reply.request.url, reply.status_code, reply.text[:300])
    # The refused create shows the errors beside their fields, with what was typed.
    create = replies[-1]
    assert 'id="policy-min_nights-error"' in create.text and 'aria-invalid="true"' in create.text
    series = replies[4]
    assert 'id="start_date-error"' in series.text or 'id="weeks-error"' in series.text


async def test_a_session_in_the_past_or_of_no_length_is_refused_never_adjusted(
    http, make_account, ops_login, fake_platform, jwt_secret
):
    admin = await make_account("COMPANY_ADMIN")
    resource = _resource(fake_platform, admin.company_id)
    token = csrf_token(jwt_secret, await ops_login(admin))
    before = len(fake_platform.catalog.sessions)
    typed = {"csrf_token": token, "start_time": "10:00", "capacity": "5", "price": "10"}

    past = await http.post(
        f"/ops/manage/resources/{resource}/sessions",
        data={**typed, "date": "2020-01-01", "duration_minutes": "60"},
    )
    negative = await http.post(
        f"/ops/manage/resources/{resource}/sessions",
        data={**typed, "date": "2031-01-01", "duration_minutes": "-5"},
    )

    assert past.status_code == 400 and 'id="one-start-error"' in past.text
    assert negative.status_code == 400 and 'id="one-length-error"' in negative.text
    assert len(fake_platform.catalog.sessions) == before  # nothing made, not a 1-minute session


async def test_cancelling_a_cancelled_booking_from_the_day_view_says_so_and_starts_nothing(
    http, make_account, ops_login, fake_platform, jwt_secret
):
    admin = await make_account("COMPANY_ADMIN")
    token = csrf_token(jwt_secret, await ops_login(admin))
    booking = bookings_pb2.Booking(
        id=str(uuid.uuid4()),
        company_id=admin.company_id,
        customer_id=str(uuid.uuid4()),
        resource_id=_resource(fake_platform, admin.company_id),
        start_time=stamp(1_900_000_000),
        end_time=stamp(1_900_003_600),
        status=bookings_pb2.BOOKING_STATUS_CANCELLED,
    )
    fake_platform.bookings.bookings[booking.id] = booking
    form = {"csrf_token": token, "request_key": str(uuid.uuid4()), "reason": "again"}

    again = await http.post(f"/ops/calendar/bookings/{booking.id}/cancel", data=form)

    assert again.status_code == 303
    assert "error=ALREADY_CANCELLED" in again.headers["location"]
    assert "done=cancel" in again.headers["location"]  # the day view shows the refusal, not "started"
