"""The console's webhooks page registers and deletes endpoints through the API's own handlers:
a company admin's new endpoint answers its signing secret on that page only (no redirect, not
on the list after, `no-store`); the API's refusals (a private address, no event type) are shown
beside their fields with the form kept; deleting asks first and writes the API's audit entry;
staff are refused; another company's endpoint is not deleted."""

from __future__ import annotations

import re
import uuid

from gateway.pages.sagas import csrf_token

PUBLIC = "https://93.184.215.14/hooks/bookings"


def fresh(token: str) -> dict[str, str]:
    """A form's hidden fields: the CSRF token and a new one-time key (each page renders one)."""
    return {"csrf_token": token, "request_key": str(uuid.uuid4())}


async def test_an_admin_registers_an_endpoint_sees_its_secret_once_and_deletes_it(
    http, make_account, ops_login, jwt_secret
):
    admin = await make_account("COMPANY_ADMIN")
    token = csrf_token(jwt_secret, await ops_login(admin))

    page = await http.get("/ops/webhooks")
    assert page.status_code == 200 and 'id="endpoint-form"' in page.text
    assert 'value="booking.confirmed" checked' in page.text

    private = await http.post(
        "/ops/webhooks/endpoints",
        data={**fresh(token), "url": "https://127.0.0.1/x", "event_types": ["booking.confirmed"]},
    )
    assert private.status_code == 400 and 'id="url-error"' in private.text
    assert "public addresses only" in private.text and 'value="https://127.0.0.1/x"' in private.text
    assert 'value="booking.confirmed" checked' in private.text
    assert 'value="booking.rejected" checked' not in private.text
    none = await http.post("/ops/webhooks/endpoints", data={**fresh(token), "url": PUBLIC})
    assert none.status_code == 400 and 'id="event_types-error"' in none.text

    made = await http.post(
        "/ops/webhooks/endpoints",
        data={
            **fresh(token),
            "url": PUBLIC,
            "description": "CRM",
            "event_types": ["booking.confirmed", "booking.cancelled"],
        },
    )
    assert made.status_code == 200 and not made.history, made.text
    assert made.headers["cache-control"] == "no-store"
    secret = re.search(r'id="new-endpoint-secret" type="text" readonly value="([^"]+)"', made.text).group(1)
    assert len(secret) >= 32 and secret not in str(made.url)

    listed = await http.get("/ops/webhooks")
    assert PUBLIC in listed.text and "booking.cancelled, booking.confirmed" in listed.text
    assert secret not in listed.text
    endpoints = await http.get("/v1/admin/webhooks/endpoints", headers=admin.headers)
    [endpoint] = endpoints.json()["endpoints"]
    assert endpoint["description"] == "CRM"
    assert f'data-confirm="Delete the endpoint {PUBLIC}' in listed.text

    deleted = await http.post(
        f"/ops/webhooks/endpoints/{endpoint['id']}/delete", data={**fresh(token), "back": "/ops/webhooks"}
    )
    assert deleted.status_code == 303 and deleted.headers["location"] == "/ops/webhooks?done=delete"
    assert (await http.get("/v1/admin/webhooks/endpoints", headers=admin.headers)).json()["endpoints"] == []
    audit = await http.get("/v1/admin/audit", params={"entity": "webhook_endpoint"}, headers=admin.headers)
    actions = [e["action"] for e in audit.json()["entries"]]
    assert "webhook_endpoint.create" in actions and "webhook_endpoint.delete" in actions


async def test_staff_and_other_companies_are_refused(http, make_account, ops_login, jwt_secret):
    theirs = await make_account("COMPANY_ADMIN")
    made = await http.post(
        "/v1/admin/webhooks/endpoints",
        json={"url": PUBLIC, "event_types": ["booking.confirmed"]},
        headers={**theirs.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert made.status_code == 201, made.text
    admin = await make_account("COMPANY_ADMIN")
    admin_token = csrf_token(jwt_secret, await ops_login(admin))

    other = await http.post(f"/ops/webhooks/endpoints/{made.json()['id']}/delete", data=fresh(admin_token))
    assert other.status_code == 303 and "error=WEBHOOK_ENDPOINT_NOT_FOUND" in other.headers["location"]
    assert (
        len((await http.get("/v1/admin/webhooks/endpoints", headers=theirs.headers)).json()["endpoints"]) == 1
    )

    staff = await make_account("STAFF", company_id=theirs.company_id)
    staff_token = csrf_token(jwt_secret, await ops_login(staff))
    for path, data in {
        "/ops/webhooks/endpoints": {"url": PUBLIC, "event_types": "booking.confirmed"},
        f"/ops/webhooks/endpoints/{made.json()['id']}/delete": {},
    }.items():
        reply = await http.post(path, data={**fresh(staff_token), **data})
        assert reply.status_code == 403, (path, reply.text)
    assert (
        len((await http.get("/v1/admin/webhooks/endpoints", headers=theirs.headers)).json()["endpoints"]) == 1
    )


async def test_the_new_forms_need_the_session_s_csrf_token(http, make_account, ops_login):
    admin = await make_account("COMPANY_ADMIN")
    await ops_login(admin)
    for path, data in {
        "/ops/webhooks/endpoints": {"url": PUBLIC, "event_types": "booking.confirmed"},
        f"/ops/webhooks/endpoints/{uuid.uuid4()}/delete": {"back": "/ops/webhooks"},
    }.items():
        for reply in (
            await http.post(path, data=data),
            await http.post(path, data={**data, "csrf_token": "x"}),
        ):
            assert reply.status_code == 403, (path, reply.text)
            assert reply.json()["code"] == "CSRF_TOKEN_INVALID"
