"""The audit log over HTTP: a customer's booking and an admin's change, each recorded by its own
service in the change's transaction, reach the gateway's one log with who made them (user,
role, company) and the request that did; a company admin sees only their company's entries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bookingplatform.catalog.v1 import catalog_pb2
from plumbing import messaging
from plumbing.testing import eventually

pytestmark = pytest.mark.e2e


async def login(platform, role: str, company_id: str | None) -> tuple[httpx.AsyncClient, str]:
    email = f"{role.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    user = await platform.users.create_user(
        email=email, password="secret-pass", role=role, company_id=company_id
    )
    client = httpx.AsyncClient(base_url=platform.gateway_url, timeout=30)
    token = await client.post("/v1/auth/token", json={"email": email, "password": "secret-pass"})
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return client, user.id


async def entries(client: httpx.AsyncClient, **params: str) -> list[dict]:
    response = await client.get("/v1/admin/audit", params=params)
    assert response.status_code == 200, response.text
    return response.json()["entries"]


async def test_a_customers_booking_and_an_admins_change_show_in_one_log_with_actor_role_company_and_request(
    platform, tenant
):
    admin, admin_id = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    customer = await tenant.customer(main_minor=10_000)
    session = await tenant.session(price_minor=2000)

    booking_request = f"e2e-book-{uuid.uuid4().hex}"
    booked = await customer.http.post(
        "/v1/bookings",
        headers={"Idempotency-Key": str(uuid.uuid4()), "X-Request-ID": booking_request},
        json={"session_id": session.id, "quantity": 1, "payment": {"use_wallet": True}},
    )
    assert booked.status_code in (200, 201, 202), booked.text
    assert booked.headers["x-request-id"] == booking_request
    booking_id = booked.json()["id"]

    extra = await admin.get(f"/v1/admin/extras/{tenant.extra_id}")
    assert extra.status_code == 200, extra.text
    update_request = f"e2e-extra-{uuid.uuid4().hex}"
    renamed = await admin.patch(
        f"/v1/admin/extras/{tenant.extra_id}",
        headers={
            "Idempotency-Key": str(uuid.uuid4()),
            "If-Match": extra.headers["etag"],
            "X-Request-ID": update_request,
        },
        json={"name": "Yoga mat"},
    )
    assert renamed.status_code == 200, renamed.text

    async def both_logged() -> list[dict] | None:
        found = await entries(admin)
        requests = {entry["request_id"] for entry in found}
        return found if {booking_request, update_request} <= requests else None

    found = await eventually(both_logged, message="the entries never reached the gateway's log")
    booking_entry = next(e for e in found if e["request_id"] == booking_request)
    assert booking_entry["service"] == "bookings"
    assert (booking_entry["entity_type"], booking_entry["entity_id"]) == ("booking", booking_id)
    assert booking_entry["action"] == "create"
    assert booking_entry["actor_role"] == "CUSTOMER"
    assert booking_entry["actor_user_id"] not in (None, admin_id)
    assert booking_entry["company_id"] == tenant.company_id
    assert booking_entry["changed"]["after"]["customer_id"] == customer.id

    extra_entry = next(e for e in found if e["request_id"] == update_request)
    assert extra_entry["service"] == "catalog"
    assert (extra_entry["entity_type"], extra_entry["entity_id"]) == ("extra", tenant.extra_id)
    assert (extra_entry["actor_user_id"], extra_entry["actor_role"]) == (admin_id, "COMPANY_ADMIN")
    assert extra_entry["company_id"] == tenant.company_id
    # Only what changed: the name (and the version catalog keeps), not the price left alone.
    assert extra_entry["changed"]["before"]["name"] == "Mat hire"
    assert extra_entry["changed"]["after"]["name"] == "Yoga mat"
    assert "price" not in extra_entry["changed"]["after"]

    # Filters: by entity and id, by actor, by action, by time.
    by_booking = await entries(admin, entity="booking", entity_id=booking_id)
    assert by_booking and {e["entity_id"] for e in by_booking} == {booking_id}
    assert {e["id"] for e in await entries(admin, actor=admin_id)} >= {extra_entry["id"]}
    assert all(e["actor_user_id"] == admin_id for e in await entries(admin, actor=admin_id))
    assert {e["action"] for e in await entries(admin, action="create")} == {"create"}
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert await entries(admin, **{"from": later}) == []
    assert extra_entry["id"] in {e["id"] for e in await entries(admin, to=later)}


async def test_a_company_admin_sees_only_their_company_and_pages_through_it(platform, tenant):
    own_admin, _ = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    customer = await tenant.customer(main_minor=10_000)
    booked = []
    for _ in range(3):
        session = await tenant.session(price_minor=1000)
        response = await customer.book(session.id, use_wallet=True)
        assert response.status_code in (200, 201, 202), response.text
        booked.append(response.json()["id"])

    async def all_logged() -> bool:
        return set(booked) <= {e["entity_id"] for e in await entries(own_admin, entity="booking")}

    await eventually(all_logged, message="the bookings never reached the gateway's log")

    # Another company's admin: none of these entries, and the company itself is not found.
    other_company = (
        await platform.catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                request_id=str(uuid.uuid4()), name="Other", time_zone="Europe/Berlin", currency_code="EUR"
            )
        )
    ).company
    other_admin, _ = await login(platform, "COMPANY_ADMIN", other_company.id)
    seen = await entries(other_admin)
    assert all(e["company_id"] == other_company.id for e in seen)
    assert not set(booked) & {e["entity_id"] for e in seen}
    refused = await other_admin.get("/v1/admin/audit", params={"company_id": tenant.company_id})
    assert refused.status_code == 404
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "COMPANY_NOT_FOUND"

    # A platform admin sees every company's, and one company's on asking.
    platform_admin, _ = await login(platform, "PLATFORM_ADMIN", None)
    theirs = await entries(platform_admin, company_id=tenant.company_id, entity="booking")
    assert set(booked) <= {e["entity_id"] for e in theirs}

    # Staff and customers may not read the log.
    staff, _ = await login(platform, "STAFF", tenant.company_id)
    assert (await staff.get("/v1/admin/audit")).status_code == 403
    assert (await customer.http.get("/v1/admin/audit")).status_code == 403

    # Pages of one entry each walk the company's booking entries newest first, each once.
    walked: list[dict] = []
    token = None
    while True:
        params = {"entity": "booking", "page_size": "1"} | ({"page_token": token} if token else {})
        page = (await own_admin.get("/v1/admin/audit", params=params)).json()
        walked.extend(page["entries"])
        assert page["has_more"] == (page["next_page_token"] is not None)
        if not page["has_more"]:
            break
        token = page["next_page_token"]
    assert [e["entity_id"] for e in walked] == [
        e["entity_id"] for e in await entries(own_admin, entity="booking")
    ]
    assert len({e["id"] for e in walked}) == len(walked) >= 3
    times = [e["occurred_at"] for e in walked]
    assert times == sorted(times, reverse=True)

    bad = await own_admin.get("/v1/admin/audit", params={"page_token": "not-a-token"})
    assert bad.status_code == 400 and bad.json()["code"] == "INVALID_PAGE_TOKEN"


async def test_a_platform_admins_dead_letter_replay_and_discard_are_in_the_log(platform, nats_url):
    operator, operator_id = await login(platform, "PLATFORM_ADMIN", None)
    nc = await messaging.connect(nats_url, "audit-dead-letter-test")
    ids = [f"poison-{uuid.uuid4()}", f"poison-{uuid.uuid4()}"]
    try:
        for message_id in ids:
            await nc.jetstream().publish(
                messaging.command_subject("wallet"), b"\x0a\xff", headers={"Nats-Msg-Id": message_id}
            )
    finally:
        await nc.close()

    async def dead_letter_of(message_id: str) -> str | None:
        token = None
        while True:
            params = {"service": "wallet", "page_size": "200"} | ({"page_token": token} if token else {})
            body = (await operator.get("/v1/ops/dead-letters", params=params)).json()
            found = [d["id"] for d in body["dead_letters"] if d["original_message_id"] == message_id]
            if found:
                return found[0]
            token = body["next_page_token"]
            if not token:
                return None

    replayed = await eventually(lambda: dead_letter_of(ids[0]), message="no dead letter to replay")
    discarded = await eventually(lambda: dead_letter_of(ids[1]), message="no dead letter to discard")
    replay = await operator.post(
        f"/v1/ops/dead-letters/wallet/{replayed}/replay", headers={"X-Request-ID": f"replay-{replayed}"}
    )
    assert replay.status_code == 200, replay.text
    discard = await operator.post(f"/v1/ops/dead-letters/wallet/{discarded}/discard")
    assert discard.status_code == 204, discard.text

    logged = await entries(operator, entity="dead_letter", actor=operator_id)
    assert {(e["entity_id"], e["action"]) for e in logged} == {
        (f"wallet:{replayed}", "replay"),
        (f"wallet:{discarded}", "discard"),
    }
    replay_entry = next(e for e in logged if e["action"] == "replay")
    assert (replay_entry["service"], replay_entry["actor_role"]) == ("gateway", "PLATFORM_ADMIN")
    assert replay_entry["request_id"] == f"replay-{replayed}"
    assert replay_entry["changed"]["after"]["replay_message_id"] == replay.json()["replay_message_id"]
