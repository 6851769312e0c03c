"""Operator saga filters and actions (retry a step, force compensation): JSON and the HTML forms."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from bookingplatform.bookings.v1 import bookings_pb2
from gateway.pages.sagas import csrf_token

pytestmark = pytest.mark.integration


def add_saga(
    fake_platform,
    company_id: str,
    *,
    state=bookings_pb2.SAGA_STATE_RUNNING,
    current_step: str = "wallet",
    needs_attention: bool = False,
    reason: str = "",
) -> str:
    created = Timestamp()
    created.FromDatetime(datetime.now(UTC) - timedelta(seconds=75))
    saga = bookings_pb2.Saga(
        id=str(uuid.uuid4()),
        booking_id=str(uuid.uuid4()),
        kind="booking",
        state=state,
        current_step=current_step,
        attempt=2,
        company_id=company_id,
        create_time=created,
        update_time=created,
        needs_attention=needs_attention,
        reason=reason,
        steps=[bookings_pb2.SagaStep(step=current_step, kind="command", action="execute", attempt=2)],
    )
    fake_platform.bookings.sagas[saga.id] = saga
    return saga.id


def actions_on(fake_platform, saga_id: str) -> list[tuple[str, str]]:
    return [(name, reason) for name, sid, reason in fake_platform.bookings.saga_actions if sid == saga_id]


# ----- JSON -----


async def test_the_saga_list_filters_by_step_age_and_attention(http, make_account, fake_platform):
    operator = await make_account("PLATFORM_ADMIN")
    company = str(uuid.uuid4())
    flagged = add_saga(
        fake_platform,
        company,
        state=bookings_pb2.SAGA_STATE_FINALIZING,
        current_step="payments",
        needs_attention=True,
        reason="CAPTURE_FAILING",
    )
    add_saga(fake_platform, company, current_step="payments")
    add_saga(fake_platform, company, state=bookings_pb2.SAGA_STATE_AWAITING_PAYMENT)

    listed = await http.get(
        "/v1/ops/sagas",
        params={
            "company_id": company,
            "current_step": "payments",
            "min_age_seconds": 60,
            "needs_attention": "true",
        },
        headers=operator.headers,
    )
    sent = fake_platform.bookings.last_list_sagas
    awaiting = await http.get(
        "/v1/ops/sagas", params={"company_id": company, "state": "AWAITING_PAYMENT"}, headers=operator.headers
    )

    assert listed.status_code == 200, listed.text
    assert [s["id"] for s in listed.json()["sagas"]] == [flagged]
    assert (sent.current_step, sent.min_age_seconds, sent.needs_attention) == ("payments", 60, True)
    saga = listed.json()["sagas"][0]
    assert (saga["needs_attention"], saga["reason"]) == (True, "CAPTURE_FAILING")
    assert [s["state"] for s in awaiting.json()["sagas"]] == ["AWAITING_PAYMENT"]
    unfiltered = await http.get("/v1/ops/sagas", params={"company_id": company}, headers=operator.headers)
    sent = fake_platform.bookings.last_list_sagas
    assert (sent.current_step, sent.min_age_seconds, sent.needs_attention) == ("", 0, False)
    assert {s["reason"] for s in unfiltered.json()["sagas"]} == {"CAPTURE_FAILING", None}
    for bad in ({"min_age_seconds": -1}, {"min_age_seconds": "old"}, {"current_step": "Wallet!"}):
        refused = await http.get("/v1/ops/sagas", params=bad, headers=operator.headers)
        assert refused.status_code == 400, bad
        assert refused.json()["code"] == "VALIDATION_FAILED"


async def test_an_operator_retries_the_current_step_with_a_reason(http, make_account, fake_platform):
    company = str(uuid.uuid4())
    operator = await make_account("COMPANY_ADMIN", company_id=company)
    saga_id = add_saga(fake_platform, company, needs_attention=True)

    reply = await http.post(
        f"/v1/ops/sagas/{saga_id}/retry", json={"reason": "  wallet was down  "}, headers=operator.headers
    )

    assert reply.status_code == 200, reply.text
    saga = reply.json()
    assert (saga["id"], saga["attempt"], saga["needs_attention"]) == (saga_id, 3, False)
    assert saga["steps"][-1] == {
        "step": "wallet",
        "kind": "operator",
        "action": "retry",
        "attempt": 2,
        "outcome": "wallet was down",
        "message_id": None,
        "create_time": None,
        "amount_minor": 0,
        "bonus_minor": 0,
        "reference": None,
    }
    assert actions_on(fake_platform, saga_id) == [("RetrySagaStep", "wallet was down")]


async def test_an_operator_force_compensates_a_saga_before_its_pivot(http, make_account, fake_platform):
    operator = await make_account("PLATFORM_ADMIN")
    saga_id = add_saga(fake_platform, str(uuid.uuid4()), state=bookings_pb2.SAGA_STATE_AWAITING_PAYMENT)

    reply = await http.post(
        f"/v1/ops/sagas/{saga_id}/force-compensate",
        json={"reason": "customer asked by phone"},
        headers=operator.headers,
    )

    assert reply.status_code == 200, reply.text
    saga = reply.json()
    assert (saga["state"], saga["reason"]) == ("COMPENSATING", "FORCED_BY_OPERATOR")
    assert (saga["steps"][-1]["kind"], saga["steps"][-1]["outcome"]) == (
        "operator",
        "customer asked by phone",
    )
    assert actions_on(fake_platform, saga_id) == [("ForceCompensateSaga", "customer asked by phone")]


@pytest.mark.parametrize("action", ["retry", "force-compensate"])
async def test_a_reason_is_required(http, make_account, fake_platform, action):
    operator = await make_account("PLATFORM_ADMIN")
    saga_id = add_saga(fake_platform, str(uuid.uuid4()))

    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 501}, {"reason": "ok", "extra": 1}):
        reply = await http.post(f"/v1/ops/sagas/{saga_id}/{action}", json=body, headers=operator.headers)
        assert reply.status_code == 400, body
        assert reply.json()["code"] == "VALIDATION_FAILED"
    no_body = await http.post(f"/v1/ops/sagas/{saga_id}/{action}", headers=operator.headers)
    assert no_body.status_code == 400
    assert no_body.json()["errors"][0]["field"] in ("", "body")
    assert actions_on(fake_platform, saga_id) == []


@pytest.mark.parametrize("action", ["retry", "force-compensate"])
async def test_operator_actions_stay_in_the_operators_company(http, make_account, fake_platform, action):
    company, other = str(uuid.uuid4()), str(uuid.uuid4())
    operator = await make_account("COMPANY_ADMIN", company_id=company)
    others_saga = add_saga(fake_platform, other)
    customer = await make_account(company_id=other)

    hidden = await http.post(
        f"/v1/ops/sagas/{others_saga}/{action}", json={"reason": "why not"}, headers=operator.headers
    )
    unknown = await http.post(
        f"/v1/ops/sagas/{uuid.uuid4()}/{action}", json={"reason": "why not"}, headers=operator.headers
    )
    as_customer = await http.post(
        f"/v1/ops/sagas/{others_saga}/{action}", json={"reason": "why not"}, headers=customer.headers
    )
    anonymous = await http.post(f"/v1/ops/sagas/{others_saga}/{action}", json={"reason": "why not"})

    for reply in (hidden, unknown):
        assert reply.status_code == 404
        assert reply.json()["code"] == "SAGA_NOT_FOUND"
    assert hidden.json()["detail"] == unknown.json()["detail"]
    assert as_customer.status_code == 403
    assert anonymous.status_code == 401
    # The scope is checked before the action: bookings was never asked to act on it.
    assert actions_on(fake_platform, others_saga) == []


async def test_refusals_of_bookings_map_to_409(http, make_account, fake_platform):
    operator = await make_account("PLATFORM_ADMIN")
    company = str(uuid.uuid4())
    confirmed = add_saga(fake_platform, company, state=bookings_pb2.SAGA_STATE_FINALIZING)
    finished = add_saga(fake_platform, company, state=bookings_pb2.SAGA_STATE_COMPLETED, current_step="")

    past_pivot = await http.post(
        f"/v1/ops/sagas/{confirmed}/force-compensate", json={"reason": "too late"}, headers=operator.headers
    )
    nothing_to_retry = await http.post(
        f"/v1/ops/sagas/{finished}/retry", json={"reason": "again"}, headers=operator.headers
    )

    assert past_pivot.status_code == 409
    assert past_pivot.headers["content-type"] == "application/problem+json"
    assert past_pivot.json()["code"] == "SAGA_PAST_PIVOT"
    assert nothing_to_retry.status_code == 409
    assert nothing_to_retry.json()["code"] == "SAGA_FINISHED"


# ----- HTML -----

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def log_in(http, operator) -> str:
    """Logs in through the /ops login form; the client keeps the session cookie (returned)."""
    reply = await http.post("/ops/login", data={"email": operator.email, "password": operator.password})
    assert reply.status_code == 303, reply.text
    return str(http.cookies["gateway_ops_session"])


async def open_detail(http, operator, saga_id: str) -> tuple[str, str]:
    """Logs in, opens the detail page; returns its HTML and CSRF token."""
    await log_in(http, operator)
    page = await http.get(f"/ops/sagas/{saga_id}")
    assert page.status_code == 200, page.text
    tokens = set(CSRF.findall(page.text))
    assert len(tokens) == 1
    return page.text, tokens.pop()


async def post_form(http, saga_id: str, action: str, data: dict):
    return await http.post(f"/ops/sagas/{saga_id}/{action}", data=data)


@pytest.fixture
async def page_http(http):
    yield http
    http.cookies.clear()


async def test_the_list_page_shows_attention_and_reason_and_filters(page_http, make_account, fake_platform):
    http = page_http
    operator = await make_account("PLATFORM_ADMIN")
    company = str(uuid.uuid4())
    flagged = add_saga(
        fake_platform, company, current_step="payments", needs_attention=True, reason="CAPTURE_FAILING"
    )
    add_saga(fake_platform, company, state=bookings_pb2.SAGA_STATE_COMPENSATED, reason="CARD_DECLINED")

    await log_in(http, operator)
    page = await http.get("/ops/sagas", params={"company_id": company})
    filtered = await http.get(
        "/ops/sagas",
        params={
            "company_id": company,
            "state": "",
            "current_step": "payments",
            "min_age_seconds": "30",
            "needs_attention": "true",
        },
    )
    sent = fake_platform.bookings.last_list_sagas
    empty = await http.get(
        "/ops/sagas", params={"current_step": "", "min_age_seconds": "", "needs_attention": ""}
    )
    bad_age = await http.get("/ops/sagas", params={"min_age_seconds": "-5"})
    bad_step = await http.get("/ops/sagas", params={"current_step": "place"})

    assert page.status_code == 200
    assert 'class="attention"' in page.text
    assert "needs attention" in page.text and "CAPTURE_FAILING" in page.text and "CARD_DECLINED" in page.text
    assert 'name="current_step"' in page.text and 'name="min_age_seconds"' in page.text
    assert 'name="needs_attention"' in page.text
    assert filtered.status_code == 200
    assert (sent.current_step, sent.min_age_seconds, sent.needs_attention) == ("payments", 30, True)
    assert f"/ops/sagas/{flagged}" in filtered.text
    assert '<option value="payments" selected>' in filtered.text
    assert 'value="30"' in filtered.text and 'value="true" checked' in filtered.text
    assert empty.status_code == 200
    for refused in (bad_age, bad_step):
        assert refused.status_code == 400
        assert refused.json()["code"] == "VALIDATION_FAILED"


async def test_the_detail_page_retry_form_redirects_back_to_the_page(page_http, make_account, fake_platform):
    http = page_http
    operator = await make_account("PLATFORM_ADMIN")
    saga_id = add_saga(fake_platform, str(uuid.uuid4()), needs_attention=True, reason="CAPTURE_FAILING")

    html, token = await open_detail(http, operator, saga_id)
    posted = await post_form(http, saga_id, "retry", {"csrf_token": token, "reason": "provider back up"})
    after = await http.get(posted.headers["location"])

    assert f'action="/ops/sagas/{saga_id}/retry"' in html
    assert f'action="/ops/sagas/{saga_id}/force-compensate"' in html
    assert "Needs attention" in html and "CAPTURE_FAILING" in html
    assert posted.status_code == 303
    assert posted.headers["location"] == f"/ops/sagas/{saga_id}?action=retry"
    assert actions_on(fake_platform, saga_id) == [("RetrySagaStep", "provider back up")]
    assert after.status_code == 200
    assert "Retry step: the current step was re-sent." in after.text
    assert "provider back up" in after.text  # the operator entry in the step log


async def test_a_refused_form_shows_the_error_on_the_detail_page(page_http, make_account, fake_platform):
    http = page_http
    operator = await make_account("PLATFORM_ADMIN")
    saga_id = add_saga(fake_platform, str(uuid.uuid4()), state=bookings_pb2.SAGA_STATE_FINALIZING)

    _, token = await open_detail(http, operator, saga_id)
    posted = await post_form(http, saga_id, "force-compensate", {"csrf_token": token, "reason": "too late"})
    after = await http.get(posted.headers["location"])
    blank = await post_form(http, saga_id, "retry", {"csrf_token": token, "reason": "  "})

    assert posted.status_code == 303
    assert posted.headers["location"] == f"/ops/sagas/{saga_id}?action=force-compensate&error=SAGA_PAST_PIVOT"
    assert after.status_code == 200
    assert "notice-error" in after.text
    assert "Force compensate refused" in after.text and "SAGA_PAST_PIVOT" in after.text
    assert "Cancel the booking instead." in after.text
    assert blank.status_code == 303
    assert blank.headers["location"].endswith("error=REASON_REQUIRED")
    assert actions_on(fake_platform, saga_id) == [("ForceCompensateSaga", "too late")]


async def test_the_forms_refuse_a_missing_or_foreign_csrf_token(page_http, make_account, fake_platform):
    http = page_http
    operator, other_operator = await make_account("PLATFORM_ADMIN"), await make_account("PLATFORM_ADMIN")
    saga_id = add_saga(fake_platform, str(uuid.uuid4()))
    _, other_token = await open_detail(http, other_operator, saga_id)
    _, token = await open_detail(http, operator, saga_id)
    session = http.cookies["gateway_ops_session"]

    missing = await post_form(http, saga_id, "force-compensate", {"reason": "csrf"})
    foreign = await post_form(
        http, saga_id, "force-compensate", {"csrf_token": other_token, "reason": "csrf"}
    )
    forged = await post_form(http, saga_id, "retry", {"csrf_token": token[:-2] + "AA", "reason": "csrf"})
    as_json = await http.post(f"/ops/sagas/{saga_id}/retry", json={"csrf_token": token, "reason": "csrf"})
    http.cookies.clear()
    no_cookie = await post_form(http, saga_id, "retry", {"csrf_token": token, "reason": "csrf"})
    token_in_address = await http.post(
        f"/ops/sagas/{saga_id}/retry",
        params={"token": operator.token},
        data={"csrf_token": token, "reason": "csrf"},
    )

    assert token != other_token
    assert token == csrf_token("gateway-tests-secret-0123456789abcdef-0123456789", session)
    for reply in (missing, foreign, forged):
        assert reply.status_code == 403
        assert reply.json()["code"] == "CSRF_TOKEN_INVALID"
    assert as_json.status_code == 415
    assert no_cookie.status_code == 401
    # The forms declare no `token` parameter: one in the address is refused as unknown.
    assert token_in_address.status_code == 400
    assert token_in_address.json()["code"] == "UNKNOWN_PARAMETER"
    assert actions_on(fake_platform, saga_id) == []


async def test_the_forms_stay_in_the_operators_company(page_http, make_account, fake_platform):
    http = page_http
    company, other = str(uuid.uuid4()), str(uuid.uuid4())
    operator = await make_account("COMPANY_ADMIN", company_id=company)
    mine, others = add_saga(fake_platform, company), add_saga(fake_platform, other)
    _, token = await open_detail(http, operator, mine)

    hidden = await post_form(http, others, "force-compensate", {"csrf_token": token, "reason": "not mine"})

    assert hidden.status_code == 404
    assert hidden.json()["code"] == "SAGA_NOT_FOUND"
    assert actions_on(fake_platform, others) == []


async def test_the_detail_page_shows_only_known_notices_escaped(page_http, make_account, fake_platform):
    http = page_http
    operator = await make_account("PLATFORM_ADMIN")
    saga_id = add_saga(fake_platform, str(uuid.uuid4()))

    injected = await http.get(
        f"/ops/sagas/{saga_id}",
        params={"action": "retry", "error": "<script>alert(1)</script>"},
        headers=operator.headers,
    )
    unknown_code = await http.get(
        f"/ops/sagas/{saga_id}",
        params={"action": "retry", "error": "SOMETHING_NEW", "refresh": "0"},
        headers=operator.headers,
    )

    assert injected.status_code == 200
    assert "<script>alert" not in injected.text and 'class="notice' not in injected.text
    assert "The bookings service refused the action." in unknown_code.text
    assert "SOMETHING_NEW" in unknown_code.text
    # No page reloads itself (a reason can be typed at leisure); `refresh` of old links is accepted.
    assert 'http-equiv="refresh"' not in unknown_code.text
