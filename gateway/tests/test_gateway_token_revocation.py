"""Access tokens end with the account's deactivation, role change or password change, on every
gateway process, and a deactivated account's console session ends with it
(gateway.token_revocations)."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import jwt
import pytest

from gateway import token_revocations
from gateway.auth import ALGORITHM, ISSUER
from plumbing.testing import eventually

pytestmark = pytest.mark.integration

NEW_PASSWORD = "a brand new passphrase of some length"


@pytest.fixture(autouse=True)
def patient_revocation_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """A read of the revocations that a busy machine holds up past its 2 s timeout keeps the
    epochs read before: the revoked token would be let through once more. These tests are of
    what a read finds, not of how long it may take: they give it a minute."""
    monkeypatch.setattr(token_revocations, "READ_TIMEOUT_SECONDS", 60.0)


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def deactivate(http: httpx.AsyncClient, admin, user_id: str, **change) -> httpx.Response:
    read = await http.get(f"/v1/admin/users/{user_id}", headers=admin.headers)
    assert read.status_code == 200, read.text
    headers = {**admin.headers, **key(), "If-Match": read.headers["ETag"]}
    return await http.patch(f"/v1/admin/users/{user_id}", json=change or {"active": False}, headers=headers)


async def list_customers(http: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    return await http.get("/v1/admin/users?role=CUSTOMER", headers=headers)


async def test_a_deactivated_staff_member_s_token_is_refused_at_once(http, make_account):
    admin = await make_account("COMPANY_ADMIN")
    staff = await make_account("STAFF", company_id=admin.company_id)
    before = await list_customers(http, staff.headers)

    changed = await deactivate(http, admin, staff.user_id)
    after = await list_customers(http, staff.headers)

    assert before.status_code == 200, before.text
    assert changed.status_code == 200, changed.text
    assert after.status_code == 401, after.text
    assert after.json()["code"] == "TOKEN_REVOKED"
    assert "invalid_token" in after.headers["WWW-Authenticate"]
    # The admin's own token, and other accounts', are untouched.
    assert (await list_customers(http, admin.headers)).status_code == 200


async def test_another_gateway_process_refuses_the_token_within_its_read_interval(
    http, make_account, make_client, clients
):
    admin = await make_account("COMPANY_ADMIN")
    staff = await make_account("STAFF", company_id=admin.company_id)
    async with make_client(clients) as replica:  # another app: its own revocations
        # The replica has read the revocations once and holds them for up to a second.
        assert (await list_customers(replica, staff.headers)).status_code == 200
        assert (await deactivate(http, admin, staff.user_id)).status_code == 200

        answers: list[int] = []

        async def refused() -> httpx.Response | None:
            reply = await list_customers(replica, staff.headers)
            answers.append(reply.status_code)
            return reply if reply.status_code != 200 else None

        reply = await eventually(
            refused, interval=0.1, message=lambda: f"the replica never refused the token: {answers}"
        )
        assert (reply.status_code, reply.json()["code"]) == (401, "TOKEN_REVOKED"), answers
        # Once refused, refused for good: nothing reads the old epoch back. Past the replica's
        # one second of holding the epochs, so the next request reads them again.
        await asyncio.sleep(1.2)
        assert (await list_customers(replica, staff.headers)).status_code == 401


async def test_a_demoted_admin_s_token_goes_and_a_refresh_brings_the_new_role(http, make_account):
    first = await make_account("COMPANY_ADMIN")
    second = await make_account("COMPANY_ADMIN", company_id=first.company_id)
    login = await http.post("/v1/auth/token", json={"email": second.email, "password": second.password})
    old_headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert (await http.get("/v1/admin/api-keys", headers=old_headers)).status_code == 200

    demoted = await deactivate(http, first, second.user_id, role="STAFF")
    with_old_token = await http.get("/v1/admin/api-keys", headers=old_headers)
    refreshed = await http.post("/v1/auth/refresh", json={"refresh_token": login.json()["refresh_token"]})
    new_headers = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}

    assert demoted.status_code == 200, demoted.text
    assert (with_old_token.status_code, with_old_token.json()["code"]) == (401, "TOKEN_REVOKED")
    assert refreshed.status_code == 200, refreshed.text
    assert (await http.get("/v1/admin/api-keys", headers=new_headers)).status_code == 403
    assert (await list_customers(http, new_headers)).status_code == 200


async def test_changing_the_password_ends_every_token_of_the_account(http, make_account):
    customer = await make_account("CUSTOMER")
    elsewhere = await http.post(
        "/v1/auth/token", json={"email": customer.email, "password": customer.password}
    )
    elsewhere_headers = {"Authorization": f"Bearer {elsewhere.json()['access_token']}"}

    changed = await http.post(
        "/v1/auth/password",
        json={"current_password": customer.password, "new_password": NEW_PASSWORD},
        headers=customer.headers,
    )
    login = await http.post("/v1/auth/token", json={"email": customer.email, "password": NEW_PASSWORD})

    assert changed.status_code == 204, changed.text
    for headers in (customer.headers, elsewhere_headers):
        reply = await http.get("/v1/bookings", headers=headers)
        assert (reply.status_code, reply.json()["code"]) == (401, "TOKEN_REVOKED")
    assert login.status_code == 200, login.text
    # The new login's token is of the new epoch: it is let through.
    fresh = await http.get(
        "/v1/bookings", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
    )
    assert fresh.status_code == 200, fresh.text


async def test_a_token_without_an_epoch_is_refused_after_a_revocation_and_a_forged_epoch_always(
    http, make_account, jwt_secret
):
    admin = await make_account("COMPANY_ADMIN")
    staff = await make_account("STAFF", company_id=admin.company_id)
    claims = jwt.decode(staff.token, jwt_secret, algorithms=[ALGORITHM], issuer=ISSUER)

    def signed(**change: object) -> dict[str, str]:
        token = jwt.encode({**claims, **change}, jwt_secret, algorithm=ALGORITHM)
        return {"Authorization": f"Bearer {token}"}

    without_epoch = {k: v for k, v in claims.items() if k != "epoch"}
    legacy = {"Authorization": f"Bearer {jwt.encode(without_epoch, jwt_secret, algorithm=ALGORITHM)}"}
    assert (await list_customers(http, legacy)).status_code == 200
    for forged in ("1", 1.5, None, [2]):
        reply = await list_customers(http, signed(epoch=forged))
        assert (reply.status_code, reply.json()["code"]) == (401, "UNAUTHENTICATED"), forged

    assert (await deactivate(http, admin, staff.user_id)).status_code == 200
    assert (await list_customers(http, legacy)).json()["code"] == "TOKEN_REVOKED"
    assert (await list_customers(http, signed(epoch=claims["epoch"]))).json()["code"] == "TOKEN_REVOKED"


async def test_a_deactivated_admin_s_console_session_ends_at_once(http, make_account, ops_login):
    first = await make_account("COMPANY_ADMIN")
    second = await make_account("COMPANY_ADMIN", company_id=first.company_id)
    await ops_login(second)
    page = "/ops/manage/resources/new?model=NIGHTLY"
    before = await http.get(page)
    # `http` holds second's session cookie; the change is made with first's bearer token.
    changed = await deactivate(http, first, second.user_id)
    after = await http.get(page)

    assert before.status_code == 200, before.text
    assert changed.status_code == 200, changed.text
    assert after.status_code == 303
    assert after.headers["location"].startswith("/ops/login")


def bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def test_logging_out_ends_the_login_s_access_token_and_the_other_logins_go_on(http, make_account):
    customer = await make_account("CUSTOMER")
    credentials = {"email": customer.email, "password": customer.password}
    phone = (await http.post("/v1/auth/token", json=credentials)).json()
    laptop = (await http.post("/v1/auth/token", json=credentials)).json()
    assert (await http.get("/v1/bookings", headers=bearer(phone))).status_code == 200

    out = await http.post("/v1/auth/logout", json={"refresh_token": phone["refresh_token"]})
    after = await http.get("/v1/bookings", headers=bearer(phone))
    # An access token names its login (the refresh token family): the laptop's login goes on.
    laptop_after = await http.get("/v1/bookings", headers=bearer(laptop))
    phone_refresh = await http.post("/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]})
    refreshed = await http.post("/v1/auth/refresh", json={"refresh_token": laptop["refresh_token"]})

    assert out.status_code == 204
    assert (after.status_code, after.json()["code"]) == (401, "TOKEN_REVOKED")
    assert laptop_after.status_code == 200, laptop_after.text
    assert phone_refresh.status_code == 401
    assert refreshed.status_code == 200, refreshed.text
    assert (await http.get("/v1/bookings", headers=bearer(refreshed.json()))).status_code == 200
    # A logout of a login already logged out revokes nothing more.
    again = await http.post("/v1/auth/logout", json={"refresh_token": phone["refresh_token"]})
    assert again.status_code == 204
    assert (await http.get("/v1/bookings", headers=bearer(refreshed.json()))).status_code == 200


async def test_a_reused_refresh_token_ends_the_access_tokens_of_its_login(http, make_account):
    customer = await make_account("CUSTOMER")
    first = (
        await http.post("/v1/auth/token", json={"email": customer.email, "password": customer.password})
    ).json()
    other = (
        await http.post("/v1/auth/token", json={"email": customer.email, "password": customer.password})
    ).json()
    rotated = (await http.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})).json()
    assert (await http.get("/v1/bookings", headers=bearer(rotated))).status_code == 200

    reused = await http.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})

    assert reused.json()["code"] == "REFRESH_TOKEN_REUSED"
    # Whoever holds the copy and the rightful holder alike: no access token of the login is let in.
    for tokens in (first, rotated):
        reply = await http.get("/v1/bookings", headers=bearer(tokens))
        assert (reply.status_code, reply.json()["code"]) == (401, "TOKEN_REVOKED")
    # The account's other login, made before, is not the stolen one: it goes on.
    assert (await http.get("/v1/bookings", headers=bearer(other))).status_code == 200
