"""Operator saga views: JSON and the server-rendered pages."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from bookingplatform.bookings.v1 import bookings_pb2
from gateway.sessions import safe_next

pytestmark = pytest.mark.integration


def add_saga(
    fake_platform, company_id: str, state=bookings_pb2.SAGA_STATE_RUNNING, outcome="SUCCEEDED"
) -> str:
    created = Timestamp()
    created.FromDatetime(datetime.now(UTC) - timedelta(seconds=75))
    saga = bookings_pb2.Saga(
        id=str(uuid.uuid4()),
        booking_id=str(uuid.uuid4()),
        kind="booking",
        state=state,
        current_step="wallet",
        attempt=2,
        company_id=company_id,
        create_time=created,
        update_time=created,
        steps=[
            bookings_pb2.SagaStep(
                step="passes", kind="command", action="execute", attempt=1, outcome="", message_id="m-1"
            ),
            bookings_pb2.SagaStep(
                step="passes", kind="reply", action="execute", attempt=1, outcome=outcome, message_id="m-2"
            ),
        ],
    )
    fake_platform.bookings.sagas[saga.id] = saga
    return saga.id


async def test_an_operator_lists_sagas_by_state_and_reads_one_with_its_step_log(
    http, make_account, fake_platform
):
    operator = await make_account("PLATFORM_ADMIN")
    company = str(uuid.uuid4())
    running = add_saga(fake_platform, company)
    add_saga(fake_platform, company, state=bookings_pb2.SAGA_STATE_COMPLETED)

    listed = await http.get(
        "/v1/ops/sagas", params={"state": "RUNNING", "company_id": company}, headers=operator.headers
    )
    one = await http.get(f"/v1/ops/sagas/{running}", headers=operator.headers)

    assert listed.status_code == 200
    assert [s["id"] for s in listed.json()["sagas"]] == [running]
    assert fake_platform.bookings.last_list_sagas.state == bookings_pb2.SAGA_STATE_RUNNING
    saga = one.json()
    assert (saga["state"], saga["current_step"], saga["attempt"]) == ("RUNNING", "wallet", 2)
    assert [(s["kind"], s["outcome"]) for s in saga["steps"]] == [("command", ""), ("reply", "SUCCEEDED")]
    bad_state = await http.get("/v1/ops/sagas", params={"state": "DONE"}, headers=operator.headers)
    assert bad_state.status_code == 400
    assert bad_state.json()["code"] == "VALIDATION_FAILED"


async def test_a_company_operator_sees_only_their_company(http, make_account, fake_platform):
    company, other = str(uuid.uuid4()), str(uuid.uuid4())
    operator = await make_account("COMPANY_ADMIN", company_id=company)
    others_saga = add_saga(fake_platform, other)

    listed = await http.get("/v1/ops/sagas", headers=operator.headers)
    forbidden = await http.get("/v1/ops/sagas", params={"company_id": other}, headers=operator.headers)
    hidden = await http.get(f"/v1/ops/sagas/{others_saga}", headers=operator.headers)

    assert listed.status_code == 200
    assert fake_platform.bookings.last_list_sagas.company_id == company
    assert forbidden.status_code == 404 and forbidden.json()["code"] == "COMPANY_NOT_FOUND"
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "SAGA_NOT_FOUND"


async def test_an_operator_logs_in_sees_the_saga_pages_and_logs_out(http, make_account, fake_platform):
    operator = await make_account("PLATFORM_ADMIN")
    company = str(uuid.uuid4())
    saga_id = add_saga(fake_platform, company)

    anonymous = await http.get("/ops/sagas", params={"company_id": company})
    form = await http.get(anonymous.headers["location"])
    logged_in = await http.post(
        "/ops/login",
        data={
            "email": operator.email,
            "password": operator.password,
            "next": f"/ops/sagas?company_id={company}",
        },
    )
    cookie = logged_in.headers["set-cookie"].lower()
    session = http.cookies["gateway_ops_session"]
    page = await http.get(logged_in.headers["location"])
    detail = await http.get(f"/ops/sagas/{saga_id}")
    empty_filter = await http.get("/ops/sagas", params={"state": "", "company_id": ""})
    logged_out = await http.post("/ops/logout")
    after_logout = await http.get("/ops/sagas")
    kept_copy = await http.get("/ops/sagas", headers={"Cookie": f"gateway_ops_session={session}"})

    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/ops/login?next=%2Fops%2Fsagas%3Fcompany_id%3D" + company
    assert form.status_code == 200 and 'action="/ops/login"' in form.text and 'type="password"' in form.text
    assert f'name="next" value="/ops/sagas?company_id={company}"' in form.text
    assert logged_in.status_code == 303
    assert logged_in.headers["location"] == f"/ops/sagas?company_id={company}"
    assert "gateway_ops_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert "path=/ops" in cookie and "max-age=1800" in cookie
    assert "secure" not in cookie  # plain HTTP here: a Secure cookie would never come back
    assert operator.token not in logged_in.headers["set-cookie"]  # a session token, not the API token
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    # Live rows over Server-Sent Events instead of a page that reloads itself.
    assert 'http-equiv="refresh"' not in page.text
    assert f'sse-connect="/ops/sagas/live?range=24h&amp;company_id={company}"' in page.text
    assert f'href="/ops/sagas/{saga_id}"' in page.text
    assert "RUNNING" in page.text and "wallet" in page.text
    # The saga is 75 s old when made; the page may render it a few seconds later on a busy machine.
    assert re.search(r"\b1m (1[5-9]|[2-5]\d)s\b", page.text)
    assert 'action="/ops/logout"' in page.text
    assert detail.status_code == 200
    assert "Step log" in detail.text and "m-2" in detail.text and "SUCCEEDED" in detail.text
    assert empty_filter.status_code == 200
    assert logged_out.status_code == 303 and logged_out.headers["location"] == "/ops/login"
    assert 'gateway_ops_session=""' in logged_out.headers["set-cookie"]
    assert after_logout.status_code == 303 and after_logout.headers["location"].startswith("/ops/login")
    assert kept_copy.status_code == 303 and kept_copy.headers["location"].startswith("/ops/login")


async def test_the_session_cookie_is_no_api_token_and_the_api_token_is_no_session(
    http, make_account, ops_login
):
    operator = await make_account("PLATFORM_ADMIN")
    session = await ops_login(operator)
    http.cookies.clear()

    as_bearer = await http.get("/v1/ops/sagas", headers={"Authorization": f"Bearer {session}"})
    api_token_as_cookie = await http.get(
        "/ops/sagas", headers={"Cookie": f"gateway_ops_session={operator.token}"}
    )

    assert as_bearer.status_code == 401
    assert api_token_as_cookie.status_code == 303
    assert api_token_as_cookie.headers["location"].startswith("/ops/login")


async def test_a_token_in_the_address_grants_nothing_and_is_dropped_from_it(http, make_account):
    operator = await make_account("PLATFORM_ADMIN")

    with_token = await http.get(
        "/ops/sagas", params={"token": operator.token, "state": "RUNNING"}, follow_redirects=False
    )
    followed = await http.get(with_token.headers["location"])
    dead_letters = await http.get("/ops/dead-letters", params={"token": operator.token})

    assert with_token.status_code == 303
    assert with_token.headers["location"] == "/ops/sagas?state=RUNNING"
    assert "set-cookie" not in with_token.headers
    assert followed.status_code == 303 and followed.headers["location"].startswith("/ops/login")
    assert dead_letters.status_code == 303 and dead_letters.headers["location"] == "/ops/dead-letters"


async def test_a_customer_cannot_log_into_the_ops_pages(http, make_account):
    customer = await make_account()

    refused = await http.post("/ops/login", data={"email": customer.email, "password": customer.password})
    wrong = await http.post("/ops/login", data={"email": customer.email, "password": "nope"})
    as_customer = await http.get("/ops/sagas", headers=customer.headers)

    assert refused.status_code == 403
    assert "These pages are for company staff and admins." in refused.text
    assert "set-cookie" not in refused.headers
    assert wrong.status_code == 401 and "wrong" in wrong.text
    assert "gateway_ops_session" not in http.cookies
    assert as_customer.status_code == 403


async def test_the_login_form_is_rate_limited_and_sends_nowhere_but_the_ops_pages(http, make_account):
    operator = await make_account("PLATFORM_ADMIN")

    elsewhere = await http.post(
        "/ops/login",
        data={"email": operator.email, "password": operator.password, "next": "//evil.example/ops/"},
    )
    failures = [
        await http.post("/ops/login", data={"email": operator.email, "password": "wrong"}) for _ in range(5)
    ]
    limited = await http.post("/ops/login", data={"email": operator.email, "password": operator.password})

    assert elsewhere.status_code == 303 and elsewhere.headers["location"] == "/ops/sagas"
    assert [r.status_code for r in failures] == [401] * 5
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert "Too many login attempts" in limited.text


async def test_the_login_s_next_is_judged_as_a_browser_resolves_it(http, make_account):
    operator = await make_account("PLATFORM_ADMIN")
    company = uuid.uuid4()
    assert safe_next("/ops/calendar?day=2030-01-01") == "/ops/calendar?day=2030-01-01"
    for hostile in (
        f"/ops/%2e%2e/site/{company}/",
        "/ops/%2E%2E/ops/sagas",
        "/ops/../site/x",
        "/ops/./sagas",
        "/ops/.%2e/x",
        "/ops/x%2f..%2f..%2fsite",
        "/ops/%5cevil.example",
        "/ops/%252e%252e/x",
        "/ops/%6cogin",
    ):
        assert safe_next(hostile) == "/ops/sagas", hostile

    shown = await http.get(f"/ops/login?next=/ops/%252e%252e/site/{company}/")
    signed = await http.post(
        "/ops/login",
        data={"email": operator.email, "password": operator.password, "next": f"/ops/%2e%2e/site/{company}/"},
    )
    assert shown.status_code == 200 and 'name="next" value="/ops/sagas"' in shown.text
    assert signed.status_code == 303 and signed.headers["location"] == "/ops/sagas"


async def test_the_saga_page_escapes_what_it_shows(http, make_account, fake_platform):
    operator = await make_account("PLATFORM_ADMIN")
    saga_id = add_saga(fake_platform, str(uuid.uuid4()), outcome="<script>alert(1)</script>")

    detail = await http.get(f"/ops/sagas/{saga_id}", headers=operator.headers)

    assert "<script>" not in detail.text
    assert "&lt;script&gt;" in detail.text


async def test_the_saga_page_needs_an_operator(http, make_account):
    customer = await make_account()

    anonymous = await http.get("/ops/sagas")
    as_customer = await http.get("/ops/sagas", headers=customer.headers)

    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/ops/login?next=%2Fops%2Fsagas"
    assert as_customer.status_code == 403
