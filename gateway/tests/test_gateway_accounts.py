"""Accounts: refresh rotation and reuse detection, logout, password change and reset, invites,
API keys, one e-mail in two companies, and the tenancy of the admin routes."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from gateway.auth import AnyPrincipal, TokenIssuer
from gateway.logredact import redact
from gateway.token_revocations import TokenRevocations
from gateway.users import User, UserStore
from plumbing.principal import Role, current_principal
from plumbing.testing import eventually

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery staple"


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def login(http: httpx.AsyncClient, email: str, password: str = PASSWORD, company_id: str | None = None):
    body = {"email": email, "password": password}
    if company_id:
        body["company_id"] = company_id
    return await http.post("/v1/auth/token", json=body)


async def test_a_refresh_token_is_single_use_and_a_reused_one_revokes_its_whole_family(http, make_account):
    account = await make_account()
    first = (await login(http, account.email)).json()

    second = await http.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    me = await http.get("/v1/wallet", headers={"Authorization": f"Bearer {rotated['access_token']}"})
    assert me.status_code != 401

    reused = await http.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    assert reused.json()["code"] == "REFRESH_TOKEN_REUSED"
    # The thief's reuse also ends the rightful holder's newer token of the same login.
    after = await http.post("/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert after.status_code == 401
    assert after.json()["code"] == "INVALID_REFRESH_TOKEN"

    other_login = (await login(http, account.email)).json()
    untouched = await http.post("/v1/auth/refresh", json={"refresh_token": other_login["refresh_token"]})
    assert untouched.status_code == 200


async def test_logout_revokes_the_login_and_a_forged_refresh_token_is_refused(http, make_account):
    account = await make_account()
    tokens = (await login(http, account.email)).json()

    out = await http.post("/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    again = await http.post("/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    refused = await http.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    forged_id, _, _ = tokens["refresh_token"].partition(".")
    forged = await http.post("/v1/auth/refresh", json={"refresh_token": f"{forged_id}.guess"})
    garbage = await http.post("/v1/auth/refresh", json={"refresh_token": "not-a-token"})

    assert (out.status_code, again.status_code) == (204, 204)
    assert refused.status_code == 401
    assert forged.status_code == 401 and forged.json()["code"] == "INVALID_REFRESH_TOKEN"
    assert garbage.status_code == 401


async def test_no_table_holds_a_refresh_token_an_invite_token_or_an_api_key(http, make_account, gateway_db):
    admin = await make_account("COMPANY_ADMIN")
    tokens = (await login(http, admin.email)).json()
    invite = (
        await http.post(
            "/v1/admin/invites",
            json={"email": "x@example.com", "role": "STAFF"},
            headers={**admin.headers, **key()},
        )
    ).json()
    api_key = (
        await http.post(
            "/v1/admin/api-keys", json={"name": "crm", "role": "STAFF"}, headers={**admin.headers, **key()}
        )
    ).json()
    secrets = [
        tokens["refresh_token"].split(".")[1],
        invite["token"].split(".")[1],
        api_key["key"].split("_")[2],
    ]

    async with gateway_db.transaction() as conn:
        dump = (
            await conn.execute(
                text(
                    "SELECT string_agg(t::text, ' ') FROM ("
                    " SELECT row_to_json(r)::text AS t FROM gateway.refresh_tokens r"
                    " UNION ALL SELECT row_to_json(i)::text FROM gateway.invites i"
                    " UNION ALL SELECT row_to_json(k)::text FROM gateway.api_keys k"
                    " UNION ALL SELECT row_to_json(a)::text FROM gateway.idempotency_keys a) s"
                )
            )
        ).scalar_one()
    for secret in secrets:
        assert secret not in dump


async def test_changing_the_password_checks_the_old_one_and_ends_every_refresh_token(http, make_account):
    account = await make_account()
    tokens = (await login(http, account.email)).json()

    wrong = await http.post(
        "/v1/auth/password",
        json={"current_password": "nope", "new_password": "a new long password"},
        headers=account.headers,
    )
    changed = await http.post(
        "/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "a new long password"},
        headers=account.headers,
    )

    assert wrong.status_code == 401
    assert changed.status_code == 204
    assert (await login(http, account.email)).status_code == 401
    assert (await login(http, account.email, "a new long password")).status_code == 200
    stale = await http.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert stale.status_code == 401


async def reset_token_mailed_to(gateway_db, address: str) -> str:
    """The token in the reset e-mail written for `address` (the notifications' outgoing table,
    which the dispatcher sends through SMTP), once written: the reset is opened after the 202."""

    async def mailed() -> list[str]:
        async with gateway_db.transaction() as conn:
            bodies = (
                await conn.execute(
                    text(
                        "SELECT text_body FROM gateway.notification_messages"
                        " WHERE recipient = :address AND event_type = 'account.password_reset'"
                    ),
                    {"address": address},
                )
            ).scalars()
            found = (re.search(r"\b[0-9a-f-]{36}\.[\w-]+", body) for body in bodies)
            return [token.group(0) for token in found if token]

    tokens = await eventually(mailed, message=f"no reset e-mail for {address}")
    assert len(tokens) == 1, tokens
    return tokens[0]


async def test_a_password_reset_token_is_mailed_to_the_account_alone_and_works_once(
    http, make_account, gateway_db
):
    customer = await make_account()
    staff = await make_account("STAFF", company_id=customer.company_id)
    outsider = await make_account("STAFF")
    tokens = (await login(http, customer.email)).json()

    requested = await http.post(
        "/v1/auth/password-reset", json={"email": customer.email, "company_id": customer.company_id}
    )
    unknown = await http.post(
        "/v1/auth/password-reset", json={"email": "nobody@example.com", "company_id": customer.company_id}
    )
    assert (requested.status_code, unknown.status_code) == (202, 202)
    token = await reset_token_mailed_to(gateway_db, customer.email)
    listed = await http.get("/v1/admin/password-resets", headers=staff.headers)
    foreign = await http.get("/v1/admin/password-resets", headers=outsider.headers)
    assert listed.status_code == 200, listed.text
    [reset] = [r for r in listed.json()["password_resets"] if r["email"] == customer.email]
    assert foreign.json()["password_resets"] == []
    # Staff see that a reset is pending, never its token: it would let them take the account.
    assert "token" not in reset and token not in listed.text

    tampered = await http.post(
        "/v1/auth/password-reset/confirm",
        json={"token": token + "x", "new_password": "reset password 1"},
    )
    confirmed = await http.post(
        "/v1/auth/password-reset/confirm", json={"token": token, "new_password": "reset password 1"}
    )
    twice = await http.post(
        "/v1/auth/password-reset/confirm", json={"token": token, "new_password": "reset password 2"}
    )

    assert tampered.status_code == 400
    assert confirmed.status_code == 204
    assert twice.status_code == 400 and twice.json()["code"] == "INVALID_RESET_TOKEN"
    assert (await login(http, customer.email, "reset password 1")).status_code == 200
    assert (
        await http.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    ).status_code == 401
    after = await http.get("/v1/admin/password-resets", headers=staff.headers)
    assert all(r["email"] != customer.email for r in after.json()["password_resets"])


async def test_a_company_admin_invites_staff_who_accept_once_and_staff_may_invite_customers_only(
    http, make_account
):
    admin = await make_account("COMPANY_ADMIN")
    staff = await make_account("STAFF", company_id=admin.company_id)
    email = f"new-staff-{uuid.uuid4().hex[:8]}@example.com"

    no_key = await http.post(
        "/v1/admin/invites", json={"email": email, "role": "STAFF"}, headers=admin.headers
    )
    invited = await http.post(
        "/v1/admin/invites", json={"email": email, "role": "STAFF"}, headers={**admin.headers, **key()}
    )
    by_staff = await http.post(
        "/v1/admin/invites", json={"email": email, "role": "STAFF"}, headers={**staff.headers, **key()}
    )
    assert no_key.status_code == 400
    assert invited.status_code == 201, invited.text
    assert by_staff.status_code == 403
    token = invited.json()["token"]

    accepted = await http.post("/v1/invites/accept", json={"token": token, "password": "staff password 1"})
    twice = await http.post("/v1/invites/accept", json={"token": token, "password": "staff password 1"})
    assert accepted.status_code == 201, accepted.text
    assert twice.status_code == 404 and twice.json()["code"] == "INVITE_NOT_FOUND"

    new_staff = await login(http, email, "staff password 1", admin.company_id)
    assert new_staff.status_code == 200
    users = await http.get("/v1/admin/users", params={"role": "STAFF"}, headers=admin.headers)
    assert email in [u["email"] for u in users.json()["users"]]
    listed = await http.get("/v1/admin/invites", headers=admin.headers)
    [row] = [i for i in listed.json()["invites"] if i["email"] == email]
    assert row["accepted_at"] is not None and "token" not in row


async def test_an_api_key_acts_for_its_company_with_its_role_until_revoked(http, make_account):
    admin = await make_account("COMPANY_ADMIN")
    other = await make_account("COMPANY_ADMIN")
    made = await http.post(
        "/v1/admin/api-keys", json={"name": "crm sync", "role": "STAFF"}, headers={**admin.headers, **key()}
    )
    assert made.status_code == 201, made.text
    created = made.json()
    assert created["key"].startswith(f"bpk_{created['prefix']}_")

    as_key = {"X-API-Key": created["key"]}
    as_header = {"Authorization": f"ApiKey {created['key']}"}
    users = await http.get("/v1/admin/users", headers=as_key)
    users_again = await http.get("/v1/admin/users", headers=as_header)
    keys_by_key = await http.get("/v1/admin/api-keys", headers=as_key)
    foreign = await http.get("/v1/admin/users", params={"company_id": other.company_id}, headers=as_key)
    # A key beside another company's admin token: which one would the request run as? Neither.
    both = await http.get("/v1/admin/users", headers={**as_key, **other.headers})
    assert (users.status_code, users_again.status_code) == (200, 200)
    assert both.status_code == 401 and "one credential" in both.json()["detail"]
    assert keys_by_key.status_code == 403  # a STAFF-scoped key is no company admin
    assert foreign.status_code == 404

    listed = await http.get("/v1/admin/api-keys", headers=admin.headers)
    [row] = [k for k in listed.json()["api_keys"] if k["id"] == created["id"]]
    assert row["last_used_at"] is not None and "key" not in row

    stranger = await http.post(
        f"/v1/admin/api-keys/{created['id']}/revoke", headers={**other.headers, **key()}
    )
    revoked = await http.post(
        f"/v1/admin/api-keys/{created['id']}/revoke", headers={**admin.headers, **key()}
    )
    assert stranger.status_code == 404
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    refused = await http.get("/v1/admin/users", headers=as_key)
    assert refused.status_code == 401
    wrong = await http.get("/v1/admin/users", headers={"X-API-Key": created["key"][:-1] + "0"})
    assert wrong.status_code == 401


async def test_one_e_mail_may_be_a_customer_of_two_companies_and_logs_in_to_each(http, gateway_db):
    store = UserStore(gateway_db)
    email = f"twice-{uuid.uuid4().hex[:8]}@example.com"
    company_a, company_b, company_c = (str(uuid.uuid4()) for _ in range(3))
    for company in (company_a, company_b):
        await store.create_user(
            email=email, password=PASSWORD, role="CUSTOMER", company_id=company, customer_id=str(uuid.uuid4())
        )

    ambiguous = await login(http, email)
    into_a = await login(http, email, company_id=company_a)
    into_b = await login(http, email, company_id=company_b)
    into_c = await login(http, email, company_id=company_c)

    assert ambiguous.status_code == 400 and ambiguous.json()["code"] == "COMPANY_REQUIRED"
    assert (into_a.status_code, into_b.status_code) == (200, 200)
    assert into_c.status_code == 401
    a_headers = {"Authorization": f"Bearer {into_a.json()['access_token']}"}
    me = await http.get("/v1/admin/users", headers=a_headers)
    assert me.status_code == 403  # a customer is no staff


async def test_a_customer_of_company_a_cannot_log_into_company_b(http, make_account):
    customer = await make_account()
    refused = await login(http, customer.email, company_id=str(uuid.uuid4()))
    assert refused.status_code == 401


async def test_admin_routes_refuse_another_company_and_the_wrong_role(http, make_account):
    admin = await make_account("COMPANY_ADMIN")
    staff = await make_account("STAFF", company_id=admin.company_id)
    customer = await make_account(company_id=admin.company_id)
    platform = await make_account("PLATFORM_ADMIN")
    other = str(uuid.uuid4())

    cross = await http.get("/v1/admin/users", params={"company_id": other}, headers=admin.headers)
    cross_invite = await http.post(
        "/v1/admin/invites",
        json={"email": "a@example.com", "role": "CUSTOMER", "company_id": other},
        headers={**admin.headers, **key()},
    )
    staff_keys = await http.get("/v1/admin/api-keys", headers=staff.headers)
    customer_users = await http.get("/v1/admin/users", headers=customer.headers)
    staff_sees_admin = await http.get(f"/v1/admin/users/{admin.user_id}", headers=staff.headers)
    staff_sees_customer = await http.get(f"/v1/admin/users/{customer.user_id}", headers=staff.headers)
    platform_without_company = await http.get("/v1/admin/users", headers=platform.headers)
    platform_names_it = await http.get(
        "/v1/admin/users", params={"company_id": admin.company_id}, headers=platform.headers
    )
    anonymous = await http.get("/v1/admin/users")

    assert cross.status_code == 404 and cross.json()["code"] == "COMPANY_NOT_FOUND"
    assert cross_invite.status_code == 404
    assert staff_keys.status_code == 403
    assert customer_users.status_code == 403
    assert staff_sees_admin.status_code == 404
    assert staff_sees_customer.status_code == 200
    assert platform_without_company.status_code == 400
    assert platform_names_it.status_code == 200
    assert {u["id"] for u in platform_names_it.json()["users"]} >= {
        admin.user_id,
        staff.user_id,
        customer.user_id,
    }
    assert anonymous.status_code == 401


async def test_every_authenticated_request_runs_as_its_principal(jwt_secret, gateway_db):
    app = FastAPI()
    app.state.tokens = TokenIssuer(jwt_secret)
    app.state.token_revocations = TokenRevocations(gateway_db, token_lifetime_seconds=900)

    @app.get("/whoami")
    async def whoami(principal: AnyPrincipal) -> dict[str, str | None]:
        seen = current_principal()
        return {"role": seen.role.value, "company_id": seen.company_id, "user_id": seen.user_id}

    company = str(uuid.uuid4())
    token = TokenIssuer(jwt_secret).issue(
        User(id="u-1", email="s@example.com", role=Role.STAFF, company_id=company, customer_id=None)
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        seen = (await client.get("/whoami", headers={"Authorization": f"Bearer {token}"})).json()

    assert seen == {"role": "STAFF", "company_id": company, "user_id": "u-1"}
    assert current_principal().role is Role.SERVICE


async def test_the_openapi_document_declares_bearer_and_api_key_security(http):
    schema = (await http.get("/openapi.json")).json()
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["HTTPBearer"].items()
    assert schemes["APIKeyHeader"]["in"] == "header" and schemes["APIKeyHeader"]["name"] == "X-API-Key"
    assert schema["paths"]["/v1/admin/api-keys"]["post"]["operationId"] == "createApiKey"


async def test_account_changes_are_in_the_audit_log_with_their_actor(http, make_account, gateway_db):
    admin = await make_account("COMPANY_ADMIN")
    made = await http.post(
        "/v1/admin/api-keys", json={"name": "audited", "role": "STAFF"}, headers={**admin.headers, **key()}
    )
    await http.post(f"/v1/admin/api-keys/{made.json()['id']}/revoke", headers={**admin.headers, **key()})
    invited = await http.post(
        "/v1/admin/invites",
        json={"email": "audit@example.com", "role": "STAFF"},
        headers={**admin.headers, **key()},
    )

    async with gateway_db.transaction() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT entity_type, action, actor_user_id, actor_role, company_id,"
                    " changed::text AS changed"
                    " FROM gateway.audit_log WHERE entity_id IN (:key, :invite) ORDER BY occurred_at"
                ),
                {"key": made.json()["id"], "invite": invited.json()["id"]},
            )
        ).all()
    assert [(r.entity_type, r.action) for r in rows] == [
        ("api_key", "create"),
        ("api_key", "revoke"),
        ("invite", "create"),
    ]
    assert {(r.actor_user_id, r.actor_role, r.company_id) for r in rows} == {
        (admin.user_id, "COMPANY_ADMIN", admin.company_id)
    }
    assert all(made.json()["key"] not in r.changed and invited.json()["token"] not in r.changed for r in rows)


async def test_an_admin_of_two_companies_names_the_company_at_the_ops_login(http, gateway_db):
    store = UserStore(gateway_db)
    email = f"two-desks-{uuid.uuid4().hex[:8]}@example.com"
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    for company in (first, second):
        await store.create_user(email=email, password=PASSWORD, role="COMPANY_ADMIN", company_id=company)

    ambiguous = await http.post("/ops/login", data={"email": email, "password": PASSWORD})
    bad = await http.post("/ops/login", data={"email": email, "password": PASSWORD, "company_id": "nope"})
    named = await http.post("/ops/login", data={"email": email, "password": PASSWORD, "company_id": second})

    assert ambiguous.status_code == 400 and "several companies" in ambiguous.text
    assert bad.status_code == 400
    assert named.status_code == 303


def test_an_api_key_never_reaches_a_log_line():
    api_key = "bpk_0123456789ab_" + "c" * 64
    for line in (
        f"GET /v1/admin/users?x={api_key} 200",
        f"Authorization: ApiKey {api_key}",
        f"ApiKey {api_key}",
    ):
        assert api_key not in redact(line) and "[REDACTED]" in redact(line)


async def test_a_login_form_posted_from_another_site_opens_no_session(http, make_account):
    # Login CSRF: another site's form would log the victim's browser into the attacker's account.
    account = await make_account("COMPANY_ADMIN")
    form = {"email": account.email, "password": account.password}

    forged = await http.post("/ops/login", data=form, headers={"Sec-Fetch-Site": "cross-site"})
    assert forged.status_code == 403 and "gateway_ops_session" not in forged.cookies
    ours = await http.post("/ops/login", data=form, headers={"Sec-Fetch-Site": "same-origin"})
    assert ours.status_code == 303 and ours.cookies.get("gateway_ops_session")


@pytest.mark.parametrize("scope", ["COMPANY_ADMIN", "STAFF"])
async def test_an_api_key_cannot_invite_anyone_so_it_cannot_make_itself_a_person(http, make_account, scope):
    admin = await make_account("COMPANY_ADMIN")
    made = await http.post(
        "/v1/admin/api-keys", json={"name": "sync", "role": scope}, headers={**admin.headers, **key()}
    )
    assert made.status_code == 201, made.text
    as_key = {"X-API-Key": made.json()["key"]}
    for role in ("COMPANY_ADMIN", "STAFF", "CUSTOMER"):
        email = f"by-key-{uuid.uuid4().hex[:8]}@example.com"
        invited = await http.post(
            "/v1/admin/invites", json={"email": email, "role": role}, headers={**as_key, **key()}
        )
        assert invited.status_code == 403, invited.text
        assert invited.json()["code"] == "PERMISSION_DENIED" and "token" not in invited.json()
    listed = await http.get("/v1/admin/invites", headers=admin.headers)
    assert not [i for i in listed.json()["invites"] if i["email"].startswith("by-key-")]
    # The other routes that hand out a person's credentials or change a person refuse it alike.
    resets = await http.get("/v1/admin/password-resets", headers=as_key)
    keys = await http.post(
        "/v1/admin/api-keys", json={"name": "x", "role": "STAFF"}, headers={**as_key, **key()}
    )
    assert (resets.status_code, resets.json()["code"]) == (403, "PERMISSION_DENIED")
    assert keys.status_code == 403
    # People still invite.
    by_admin = await http.post(
        "/v1/admin/invites",
        json={"email": f"person-{uuid.uuid4().hex[:8]}@example.com", "role": "STAFF"},
        headers={**admin.headers, **key()},
    )
    assert by_admin.status_code == 201, by_admin.text


async def test_a_pending_invitation_is_revoked_once_by_people_who_may_see_it_and_its_code_stops_working(
    http, make_account, gateway_db
):
    admin = await make_account("COMPANY_ADMIN")
    staff = await make_account("STAFF", company_id=admin.company_id)
    outsider = await make_account("COMPANY_ADMIN")
    platform = await make_account("PLATFORM_ADMIN")

    async def invite(by, role: str) -> dict:
        made = await http.post(
            "/v1/admin/invites",
            json={"email": f"revoked-{uuid.uuid4().hex[:8]}@example.com", "role": role},
            headers={**by.headers, **key()},
        )
        assert made.status_code == 201, made.text
        return made.json()

    def revoke(by_headers: dict[str, str], invite_id: str, **headers: str):
        return http.post(f"/v1/admin/invites/{invite_id}/revoke", headers={**by_headers, **headers})

    colleague, customer, accepted = (
        await invite(admin, "STAFF"),
        await invite(staff, "CUSTOMER"),
        await invite(admin, "STAFF"),
    )
    made_key = await http.post(
        "/v1/admin/api-keys",
        json={"name": "sync", "role": "COMPANY_ADMIN"},
        headers={**admin.headers, **key()},
    )
    as_key = {"X-API-Key": made_key.json()["key"]}

    no_key = await revoke(admin.headers, colleague["id"])
    by_api_key = await revoke(as_key, colleague["id"], **key())
    stranger = await revoke(outsider.headers, colleague["id"], **key())
    staff_on_staff = await revoke(staff.headers, colleague["id"], **key())
    unknown = await revoke(admin.headers, str(uuid.uuid4()), **key())
    assert no_key.status_code == 400
    assert (by_api_key.status_code, by_api_key.json()["code"]) == (403, "PERMISSION_DENIED")
    # Another company's invitation, and for staff an invitation of staff, as if it did not exist.
    for refused in (stranger, staff_on_staff, unknown):
        assert (refused.status_code, refused.json()["code"]) == (404, "INVITE_NOT_FOUND"), refused.text

    revoked = await revoke(admin.headers, colleague["id"], **key())
    again = await revoke(admin.headers, colleague["id"], **key())
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None and "token" not in revoked.json()
    assert again.status_code == 200 and again.json()["revoked_at"] == revoked.json()["revoked_at"]
    refused = await http.post(
        "/v1/invites/accept", json={"token": colleague["token"], "password": "staff password 1"}
    )
    assert (refused.status_code, refused.json()["code"]) == (404, "INVITE_NOT_FOUND")
    listed = await http.get("/v1/admin/invites", headers=admin.headers)
    [row] = [i for i in listed.json()["invites"] if i["id"] == colleague["id"]]
    assert row["revoked_at"] == revoked.json()["revoked_at"]

    # Staff revoke a customer's invitation; a platform admin any company's.
    by_staff = await revoke(staff.headers, customer["id"], **key())
    assert by_staff.status_code == 200 and by_staff.json()["revoked_at"] is not None
    taken = await http.post(
        "/v1/invites/accept", json={"token": accepted["token"], "password": "staff password 1"}
    )
    assert taken.status_code == 201, taken.text
    too_late = await revoke(platform.headers, accepted["id"], **key())
    assert (too_late.status_code, too_late.json()["code"]) == (409, "INVITE_ALREADY_ACCEPTED")
    pending = await invite(outsider, "STAFF")
    by_platform = await revoke(platform.headers, pending["id"], **key())
    assert by_platform.status_code == 200 and by_platform.json()["company_id"] == outsider.company_id

    # One audit entry per revocation, by whom, in the company; a second revoke writes none.
    async with gateway_db.transaction() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT entity_id::text AS id, actor_user_id, company_id::text AS company_id"
                    " FROM gateway.audit_log WHERE entity_type = 'invite' AND action = 'revoke'"
                    " AND entity_id IN (:a, :b, :c, :d)"
                ),
                {"a": colleague["id"], "b": customer["id"], "c": accepted["id"], "d": pending["id"]},
            )
        ).all()
    assert sorted((r.id, r.actor_user_id, r.company_id) for r in rows) == sorted(
        [
            (colleague["id"], admin.user_id, admin.company_id),
            (customer["id"], staff.user_id, admin.company_id),
            (pending["id"], platform.user_id, outsider.company_id),
        ]
    )
