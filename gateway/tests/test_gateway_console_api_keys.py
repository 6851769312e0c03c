"""The console's API keys page (/ops/manage/api-keys): company admins list, make and revoke
their company's keys through the API's own handlers; staff are refused as the API refuses them;
a new key's secret is on the page that answers the POST only (no redirect, not in the list
afterwards, not logged, `no-store`); another company's key is a 404 page."""

from __future__ import annotations

import logging
import re
import uuid

from gateway.pages.sagas import csrf_token


def fresh(token: str) -> dict[str, str]:
    """A form's hidden fields: the CSRF token and a new one-time key (each page renders one)."""
    return {"csrf_token": token, "request_key": str(uuid.uuid4())}


async def test_staff_are_refused_the_page_and_its_forms(http, make_account, ops_login, jwt_secret):
    staff = await make_account("STAFF")
    token = csrf_token(jwt_secret, await ops_login(staff))

    page = await http.get("/ops/manage/api-keys")
    made = await http.post("/ops/manage/api-keys", data={**fresh(token), "name": "x", "role": "STAFF"})
    revoke = await http.post(f"/ops/manage/api-keys/{uuid.uuid4()}/revoke", data=fresh(token))
    tabs = await http.get("/ops/manage/extras")

    assert page.status_code == 403
    for reply in (made, revoke):
        assert reply.status_code == 403, reply.text
        assert reply.json()["code"] == "PERMISSION_DENIED"
    assert "/ops/manage/api-keys" not in tabs.text


async def test_an_admin_makes_a_key_seen_once_and_revokes_it(
    http, make_account, ops_login, jwt_secret, caplog
):
    admin = await make_account("COMPANY_ADMIN")
    token = csrf_token(jwt_secret, await ops_login(admin))

    # The API's refusal beside its field, what was typed kept.
    bad = await http.post("/ops/manage/api-keys", data={**fresh(token), "name": "", "role": "COMPANY_ADMIN"})
    assert bad.status_code == 400 and 'id="name-error"' in bad.text
    assert '<option value="COMPANY_ADMIN" selected>' in bad.text

    caplog.set_level(logging.DEBUG)
    made = await http.post("/ops/manage/api-keys", data={**fresh(token), "name": "Widget", "role": "STAFF"})
    assert made.status_code == 200, made.text
    assert made.headers["cache-control"] == "no-store"
    assert str(made.url) == "http://gateway/ops/manage/api-keys" and not made.history
    secret = re.search(
        r'id="new-key-secret" type="text" readonly value="(bpk_[0-9a-f]+_[0-9a-f]+)"', made.text
    )
    assert secret, made.text
    key = secret.group(1)
    assert key not in caplog.text

    # The key is a working one of the company, with the role chosen.
    users = await http.get("/v1/admin/users", headers={"X-API-Key": key})
    assert users.status_code == 200, users.text
    assert (
        await http.patch(f"/v1/admin/users/{admin.user_id}", headers={"X-API-Key": key})
    ).status_code == 403

    listed = await http.get("/ops/manage/api-keys")
    prefix = key.split("_")[1]
    assert listed.status_code == 200 and listed.headers["cache-control"] == "no-store"
    assert f"bpk_{prefix}_" in listed.text and "Widget" in listed.text and "STAFF" in listed.text
    assert key not in listed.text and key.split("_")[2] not in listed.text
    assert "data-confirm=" in listed.text

    key_id = re.search(r'data-key="([0-9a-f-]{36})"', listed.text).group(1)
    revoked = await http.post(f"/ops/manage/api-keys/{key_id}/revoke", data=fresh(token))
    assert revoked.status_code == 303 and revoked.headers["location"] == "/ops/manage/api-keys?done=revoked"
    assert (await http.get("/v1/admin/users", headers={"X-API-Key": key})).status_code == 401
    after = await http.get(revoked.headers["location"])
    assert "API key revoked" in after.text and "revoked</span>" in after.text


async def test_another_company_s_key_is_a_404_page_and_stays(http, make_account, ops_login, jwt_secret):
    theirs = await make_account("COMPANY_ADMIN")
    made = await http.post(
        "/v1/admin/api-keys",
        json={"name": "Theirs", "role": "STAFF"},
        headers={**theirs.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert made.status_code == 201, made.text
    admin = await make_account("COMPANY_ADMIN")
    token = csrf_token(jwt_secret, await ops_login(admin))

    listed = await http.get(f"/ops/manage/api-keys?company_id={theirs.company_id}")
    reply = await http.post(f"/ops/manage/api-keys/{made.json()['id']}/revoke", data=fresh(token))

    assert "Theirs" not in listed.text
    assert reply.status_code == 404 and "<h1>Not found</h1>" in reply.text
    assert (await http.get("/v1/admin/users", headers={"X-API-Key": made.json()["key"]})).status_code == 200


async def test_every_form_needs_the_session_s_csrf_token(http, make_account, ops_login):
    admin = await make_account("COMPANY_ADMIN")
    await ops_login(admin)
    for path, data in {
        "/ops/manage/api-keys": {"name": "x", "role": "STAFF"},
        f"/ops/manage/api-keys/{uuid.uuid4()}/revoke": {"request_key": str(uuid.uuid4())},
    }.items():
        for reply in (
            await http.post(path, data=data),
            await http.post(path, data={**data, "csrf_token": "x"}),
        ):
            assert reply.status_code == 403, (path, reply.text)
            assert reply.json()["code"] == "CSRF_TOKEN_INVALID"
