"""PATCH /v1/admin/users/{id}: a company admin changes a staff account's role or deactivates it
at the version read; a deactivated account cannot log in or refresh; the company never loses
its last active company admin (the database decides, even for two admins demoting each other
at once); every change is audited."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from sqlalchemy import text

from gateway import accounts
from gateway.users import UserStore
from plumbing.principal import Principal, Role, acting_as

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery staple"


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def login(http: httpx.AsyncClient, email: str) -> httpx.Response:
    return await http.post("/v1/auth/token", json={"email": email, "password": PASSWORD})


async def patch(http: httpx.AsyncClient, admin, user_id: str, etag: str | None, **body) -> httpx.Response:
    headers = {**admin.headers, **key()}
    if etag is not None:
        headers["If-Match"] = etag
    return await http.patch(f"/v1/admin/users/{user_id}", json=body, headers=headers)


async def etag_of(http: httpx.AsyncClient, admin, user_id: str) -> str:
    read = await http.get(f"/v1/admin/users/{user_id}", headers=admin.headers)
    assert read.status_code == 200, read.text
    return read.headers["ETag"]


async def test_an_admin_promotes_and_deactivates_staff_who_then_cannot_log_in_or_refresh(
    http, make_account, gateway_db
):
    admin = await make_account("COMPANY_ADMIN")
    staff = await make_account("STAFF", company_id=admin.company_id)
    refresh = (await login(http, staff.email)).json()["refresh_token"]
    read = await etag_of(http, admin, staff.user_id)

    missing = await patch(http, admin, staff.user_id, None, role="COMPANY_ADMIN")
    promoted = await patch(http, admin, staff.user_id, read, role="COMPANY_ADMIN")
    stale = await patch(http, admin, staff.user_id, read, active=False)
    deactivated = await patch(http, admin, staff.user_id, promoted.headers["ETag"], active=False)

    assert (missing.status_code, missing.json()["code"]) == (428, "PRECONDITION_REQUIRED")
    assert promoted.status_code == 200, promoted.text
    assert (promoted.json()["role"], promoted.json()["active"]) == ("COMPANY_ADMIN", True)
    assert (stale.status_code, stale.json()["code"]) == (412, "PRECONDITION_FAILED")
    assert deactivated.status_code == 200, deactivated.text
    assert deactivated.json()["active"] is False
    refused_refresh = await http.post("/v1/auth/refresh", json={"refresh_token": refresh})
    assert refused_refresh.status_code == 401
    assert (await login(http, staff.email)).status_code == 401

    reactivated = await patch(
        http, admin, staff.user_id, deactivated.headers["ETag"], active=True, role="STAFF"
    )
    assert (reactivated.json()["role"], reactivated.json()["active"]) == ("STAFF", True)
    assert (await login(http, staff.email)).status_code == 200

    async with gateway_db.transaction() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT actor_user_id, actor_role, company_id, changed FROM gateway.audit_log"
                    " WHERE entity_type = 'user' AND entity_id = :id AND action = 'update'"
                    " ORDER BY occurred_at, id"
                ),
                {"id": staff.user_id},
            )
        ).all()
    assert [r.changed for r in rows] == [
        {"before": {"role": "STAFF"}, "after": {"role": "COMPANY_ADMIN"}},
        {"before": {"active": True}, "after": {"active": False}},
        {"before": {"role": "COMPANY_ADMIN", "active": False}, "after": {"role": "STAFF", "active": True}},
    ]
    assert {(r.actor_user_id, r.actor_role, r.company_id) for r in rows} == {
        (admin.user_id, "COMPANY_ADMIN", admin.company_id)
    }


async def test_the_last_active_company_admin_can_be_neither_demoted_nor_deactivated(http, make_account):
    admin = await make_account("COMPANY_ADMIN")
    etag = await etag_of(http, admin, admin.user_id)

    demoted = await patch(http, admin, admin.user_id, etag, role="STAFF")
    deactivated = await patch(http, admin, admin.user_id, etag, active=False)

    assert (demoted.status_code, demoted.json()["code"]) == (409, "LAST_COMPANY_ADMIN")
    assert (deactivated.status_code, deactivated.json()["code"]) == (409, "LAST_COMPANY_ADMIN")
    assert (await etag_of(http, admin, admin.user_id)) == etag  # nothing changed


async def test_two_admins_demoting_each_other_at_once_leave_one_admin(http, make_account):
    first = await make_account("COMPANY_ADMIN")
    second = await make_account("COMPANY_ADMIN", company_id=first.company_id)
    first_etag = await etag_of(http, first, first.user_id)
    second_etag = await etag_of(http, first, second.user_id)

    answers = await asyncio.gather(
        patch(http, first, second.user_id, second_etag, role="STAFF"),
        patch(http, second, first.user_id, first_etag, active=False),
    )

    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    assert [a.json()["code"] for a in answers if a.status_code == 409] == ["LAST_COMPANY_ADMIN"]


async def test_only_admins_of_the_users_company_change_staff_accounts(http, make_account):
    admin = await make_account("COMPANY_ADMIN")
    staff = await make_account("STAFF", company_id=admin.company_id)
    customer = await make_account("CUSTOMER", company_id=admin.company_id)
    stranger = await make_account("COMPANY_ADMIN")
    platform = await make_account("PLATFORM_ADMIN")
    etag = await etag_of(http, admin, staff.user_id)

    by_stranger = await patch(http, stranger, staff.user_id, etag, active=False)
    by_staff = await patch(http, staff, staff.user_id, etag, role="COMPANY_ADMIN")
    on_customer = await patch(
        http, admin, customer.user_id, await etag_of(http, admin, customer.user_id), active=False
    )
    empty = await patch(http, admin, staff.user_id, etag)
    bad_role = await patch(http, admin, staff.user_id, etag, role="CUSTOMER")
    by_platform = await patch(http, platform, staff.user_id, etag, active=False)

    assert (by_stranger.status_code, by_stranger.json()["code"]) == (404, "USER_NOT_FOUND")
    assert by_staff.status_code == 403
    assert (on_customer.status_code, on_customer.json()["code"]) == (409, "NOT_A_STAFF_ACCOUNT")
    assert (empty.status_code, empty.json()["code"]) == (400, "VALIDATION_FAILED")
    assert (bad_role.status_code, bad_role.json()["code"]) == (400, "VALIDATION_FAILED")
    assert (by_platform.status_code, by_platform.json()["active"]) == (200, False)


async def test_many_pairs_of_admins_demoting_each_other_at_once_always_leave_one(gateway_db):
    # Straight at the database, many pairs at once: the window between a pair's two
    # transactions is what the admins' lock closes.
    pairs = []
    for _ in range(10):
        company = str(uuid.uuid4())
        made = [
            await UserStore(gateway_db).create_user(
                email=f"admin-{uuid.uuid4().hex[:10]}@example.com",
                password=PASSWORD,
                role="COMPANY_ADMIN",
                company_id=company,
            )
            for _ in range(2)
        ]
        pairs.append((company, made[0].id, made[1].id))

    async def demote(company: str, user_id: str) -> str:
        try:
            await accounts.update_user(
                gateway_db,
                company_id=company,
                user_id=user_id,
                expected_version=1,
                role=Role.STAFF,
                active=None,
            )
        except accounts.UserChangeRefused as refused:
            return refused.reason
        return "DEMOTED"

    with acting_as(Principal(role=Role.PLATFORM_ADMIN, user_id=str(uuid.uuid4()))):
        outcomes = await asyncio.gather(
            *(demote(company, user) for company, first, second in pairs for user in (first, second))
        )

    assert [sorted(outcomes[i : i + 2]) for i in range(0, len(outcomes), 2)] == [
        ["DEMOTED", "LAST_COMPANY_ADMIN"]
    ] * len(pairs)
