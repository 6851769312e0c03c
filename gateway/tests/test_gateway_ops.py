"""Operator saga views: JSON and the server-rendered pages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from bookingplatform.bookings.v1 import bookings_pb2

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
    operator = await make_account("operator")
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
    operator = await make_account("operator", company_id=company)
    others_saga = add_saga(fake_platform, other)

    listed = await http.get("/v1/ops/sagas", headers=operator.headers)
    forbidden = await http.get("/v1/ops/sagas", params={"company_id": other}, headers=operator.headers)
    hidden = await http.get(f"/v1/ops/sagas/{others_saga}", headers=operator.headers)

    assert listed.status_code == 200
    assert fake_platform.bookings.last_list_sagas.company_id == company
    assert forbidden.status_code == 403
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "SAGA_NOT_FOUND"


async def test_the_saga_page_takes_the_token_once_then_uses_a_cookie(http, make_account, fake_platform):
    operator = await make_account("operator")
    company = str(uuid.uuid4())
    saga_id = add_saga(fake_platform, company)

    page = await http.get("/ops/sagas", params={"token": operator.token, "company_id": company})

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<meta http-equiv="refresh" content="2">' in page.text
    assert f'href="/ops/sagas/{saga_id}"' in page.text
    assert "RUNNING" in page.text and "wallet" in page.text and "1m 15s" in page.text
    assert "gateway_token=" in page.headers["set-cookie"]
    assert "httponly" in page.headers["set-cookie"].lower()
    http.cookies.set("gateway_token", operator.token)
    try:
        detail = await http.get(f"/ops/sagas/{saga_id}")
        empty_filter = await http.get("/ops/sagas", params={"state": "", "company_id": ""})
    finally:
        http.cookies.clear()
    assert detail.status_code == 200
    assert "Step log" in detail.text and "m-2" in detail.text and "SUCCEEDED" in detail.text
    assert empty_filter.status_code == 200


async def test_the_saga_page_escapes_what_it_shows(http, make_account, fake_platform):
    operator = await make_account("operator")
    saga_id = add_saga(fake_platform, str(uuid.uuid4()), outcome="<script>alert(1)</script>")

    detail = await http.get(f"/ops/sagas/{saga_id}", params={"token": operator.token})

    assert "<script>" not in detail.text
    assert "&lt;script&gt;" in detail.text


async def test_the_saga_page_needs_an_operator_token(http, make_account):
    customer = await make_account()

    anonymous = await http.get("/ops/sagas")
    as_customer = await http.get("/ops/sagas", params={"token": customer.token})

    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert as_customer.status_code == 403
