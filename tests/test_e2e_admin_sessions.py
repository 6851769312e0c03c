"""The back office's sessions over HTTP: a recurring series across a DST change keeps its
local time, a session shows its bookings, a resize below the places held is refused with
nothing changed, and the rest of a series is cancelled."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from bookingplatform.catalog.v1 import catalog_pb2

pytestmark = pytest.mark.e2e

BERLIN = ZoneInfo("Europe/Berlin")


def next_dst_change(after: date) -> date:
    """The first local day after `after` whose offset differs from the day before."""
    day = after
    while True:
        today = datetime(day.year, day.month, day.day, 12, tzinfo=BERLIN).utcoffset()
        nxt = day + timedelta(days=1)
        if datetime(nxt.year, nxt.month, nxt.day, 12, tzinfo=BERLIN).utcoffset() != today:
            return nxt
        day = nxt


async def login(tenant, role: str, company_id: str | None) -> httpx.AsyncClient:
    email = f"{role.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    await tenant.platform.users.create_user(
        email=email, password="secret-pass", role=role, company_id=company_id
    )
    client = httpx.AsyncClient(base_url=tenant.platform.gateway_url, timeout=30)
    token = await client.post("/v1/auth/token", json={"email": email, "password": "secret-pass"})
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return client


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def test_a_series_across_dst_is_sold_resized_only_within_its_bookings_and_cancelled(tenant, platform):
    admin = await login(tenant, "COMPANY_ADMIN", tenant.company_id)
    staff = await login(tenant, "STAFF", tenant.company_id)
    # The first occurrence 8 days before the change is still to come (a series skips the past).
    change = next_dst_change(datetime.now(UTC).date() + timedelta(days=9))
    first = change - timedelta(days=8)  # two occurrences before the change, one after
    body = {
        "resource_id": tenant.resource_id,
        "start_date": first.isoformat(),
        "start_time": "09:00",
        "duration_minutes": 60,
        "rrule": "FREQ=WEEKLY;COUNT=3",
        "capacity": 4,
        "price": {"amount_minor": 1500, "currency_code": "EUR"},
    }
    created = await admin.post("/v1/admin/session-series", json=body, headers=key())
    assert created.status_code == 201, created.text
    series = created.json()
    starts = [datetime.fromisoformat(s["start_time"]) for s in series["sessions"]]
    assert [s.astimezone(BERLIN).strftime("%H:%M") for s in starts] == ["09:00"] * 3
    assert len({s.utcoffset() for s in starts}) == 1  # answered in UTC
    assert len({s.astimezone(BERLIN).utcoffset() for s in starts}) == 2  # across the change
    assert {s["series_id"] for s in series["sessions"]} == {series["series_id"]}
    endless = await admin.post(
        "/v1/admin/session-series", json={**body, "rrule": "FREQ=DAILY"}, headers=key()
    )
    assert (endless.status_code, endless.json()["code"]) == (400, "INVALID_RRULE")

    # A customer takes two places of the first occurrence.
    session_id = series["sessions"][0]["id"]
    customer = await tenant.customer(main_minor=10_000)
    booked = await customer.book(session_id, quantity=2, use_wallet=True)
    assert booked.status_code == 202, booked.text
    await customer.wait_for(booked.json()["id"], "CONFIRMED")

    read = await staff.get(f"/v1/admin/sessions/{session_id}")
    assert read.status_code == 200, read.text
    detail = read.json()
    assert (detail["active_bookings"], detail["booked_places"]) == (1, 2)
    assert [b["id"] for b in detail["bookings"]] == [booked.json()["id"]]
    etag = read.headers["ETag"]

    # Staff may read but not change; a change needs the ETag read.
    assert (
        await staff.patch(f"/v1/admin/sessions/{session_id}", json={"capacity": 6}, headers=key())
    ).status_code == 403
    missing = await admin.patch(f"/v1/admin/sessions/{session_id}", json={"capacity": 6}, headers=key())
    assert (missing.status_code, missing.json()["code"]) == (428, "PRECONDITION_REQUIRED")

    below = await admin.patch(
        f"/v1/admin/sessions/{session_id}", json={"capacity": 1}, headers={**key(), "If-Match": etag}
    )
    assert (below.status_code, below.json()["code"]) == (409, "CAPACITY_BELOW_BOOKED")
    moved = await admin.patch(
        f"/v1/admin/sessions/{session_id}",
        json={
            "start_time": series["sessions"][0]["end_time"],
            "end_time": series["sessions"][1]["start_time"],
        },
        headers={**key(), "If-Match": etag},
    )
    assert (moved.status_code, moved.json()["code"]) == (409, "SESSION_HAS_BOOKINGS")
    unchanged = (await staff.get(f"/v1/admin/sessions/{session_id}")).json()
    assert (unchanged["capacity"], unchanged["etag"], unchanged["start_time"]) == (
        4,
        detail["etag"],
        detail["start_time"],
    )

    resized = await admin.patch(
        f"/v1/admin/sessions/{session_id}",
        json={"capacity": 2, "price": {"amount_minor": 1800, "currency_code": "EUR"}},
        headers={**key(), "If-Match": etag},
    )
    assert resized.status_code == 200, resized.text
    assert (resized.json()["capacity"], resized.json()["price"]["amount_minor"]) == (2, 1800)
    stale = await admin.patch(
        f"/v1/admin/sessions/{session_id}", json={"capacity": 3}, headers={**key(), "If-Match": etag}
    )
    assert (stale.status_code, stale.json()["code"]) == (412, "PRECONDITION_FAILED")
    full = await customer.book(session_id, quantity=1, use_wallet=True)
    assert full.status_code == 409, full.text

    # The sessions of the period, with their bookings; the bookings of the day per resource.
    listed = await staff.get(
        "/v1/admin/sessions",
        params={
            "resource_id": tenant.resource_id,
            "from": series["sessions"][0]["start_time"],
            "to": (starts[-1] + timedelta(minutes=1)).isoformat(),
        },
    )
    assert listed.status_code == 200, listed.text
    page = listed.json()
    assert [s["id"] for s in page["sessions"]] == [s["id"] for s in series["sessions"]]
    assert [s["active_bookings"] for s in page["sessions"]] == [1, 0, 0]
    assert page["has_more"] is False
    day = starts[0].astimezone(BERLIN).date().isoformat()
    of_day = await staff.get(f"/v1/admin/resources/{tenant.resource_id}/bookings", params={"date": day})
    assert of_day.status_code == 200, of_day.text
    assert [b["id"] for b in of_day.json()["bookings"]] == [booked.json()["id"]]

    # The rest of the series from its second occurrence.
    cancelled = await admin.post(
        f"/v1/admin/sessions/{series['sessions'][1]['id']}/cancel",
        json={"reason": "Studio closed", "scope": "following"},
        headers=key(),
    )
    assert cancelled.status_code == 200, cancelled.text
    assert [s["id"] for s in cancelled.json()["sessions"]] == [s["id"] for s in series["sessions"][1:]]
    assert {s["status"] for s in cancelled.json()["sessions"]} == {"CANCELLED"}

    # Another company's admin does not see the session.
    other = await login(tenant, "COMPANY_ADMIN", str(await _another_company(platform)))
    foreign = await other.get(f"/v1/admin/sessions/{session_id}")
    assert foreign.status_code == 404
    for client in (admin, staff, other, customer.http):
        await client.aclose()


async def _another_company(platform) -> str:
    reply = await platform.catalog.CreateCompany(
        catalog_pb2.CreateCompanyRequest(name="Elsewhere", time_zone="Europe/Berlin", currency_code="EUR")
    )
    return reply.company.id


async def test_a_pass_product_is_created_changed_at_its_etag_and_archived(tenant):
    admin = await login(tenant, "COMPANY_ADMIN", tenant.company_id)
    staff = await login(tenant, "STAFF", tenant.company_id)
    body = {
        "name": "10 classes",
        "credits": 10,
        "validity_days": 90,
        "price": {"amount_minor": 9900, "currency_code": "EUR"},
    }
    assert (await staff.post("/v1/admin/pass-products", json=body, headers=key())).status_code == 403
    created = await admin.post("/v1/admin/pass-products", json=body, headers=key())
    assert created.status_code == 201, created.text
    product = created.json()
    path = f"/v1/admin/pass-products/{product['id']}"
    etag = created.headers["ETag"]

    changed = await admin.patch(
        path, json={"credits": 12, "resource_ids": [tenant.resource_id]}, headers={**key(), "If-Match": etag}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["credits"], changed.json()["resource_ids"]) == (12, [tenant.resource_id])
    stale = await admin.patch(path, json={"credits": 1}, headers={**key(), "If-Match": etag})
    assert (stale.status_code, stale.json()["code"]) == (412, "PRECONDITION_FAILED")
    assert (await staff.get(path)).json()["credits"] == 12

    archived = await admin.post(f"{path}/archive", headers={**key(), "If-Match": changed.headers["ETag"]})
    assert archived.status_code == 200, archived.text
    assert archived.json()["archive_time"] is not None
    listed = await staff.get("/v1/admin/pass-products")
    assert product["id"] not in [p["id"] for p in listed.json()["products"]]
    everything = await staff.get("/v1/admin/pass-products", params={"show_archived": "true"})
    assert product["id"] in [p["id"] for p in everything.json()["products"]]
    for client in (admin, staff):
        await client.aclose()


async def test_a_pass_product_is_priced_in_the_companys_currency_and_limited_to_its_own_resources(
    tenant, platform
):
    admin = await login(tenant, "COMPANY_ADMIN", tenant.company_id)
    body = {"name": "Card", "credits": 5, "validity_days": 30, "price": {"amount_minor": 4500}}
    for currency in ("USD", "BTC", "XXX"):
        priced = await admin.post(
            "/v1/admin/pass-products",
            json={**body, "price": {"amount_minor": 4500, "currency_code": currency}},
            headers=key(),
        )
        assert (priced.status_code, priced.json()["code"]) == (400, "CURRENCY_MISMATCH"), priced.text
    created = await admin.post(
        "/v1/admin/pass-products",
        json={**body, "price": {"amount_minor": 4500, "currency_code": "EUR"}},
        headers=key(),
    )
    assert created.status_code == 201, created.text
    path, etag = f"/v1/admin/pass-products/{created.json()['id']}", created.headers["ETag"]
    repriced = await admin.patch(
        path,
        json={"price": {"amount_minor": 100, "currency_code": "USD"}},
        headers={**key(), "If-Match": etag},
    )
    assert (repriced.status_code, repriced.json()["code"]) == (400, "CURRENCY_MISMATCH")

    elsewhere = await _another_company(platform)
    foreign = await platform.catalog.CreateResource(
        catalog_pb2.CreateResourceRequest(
            request_id=str(uuid.uuid4()),
            company_id=elsewhere,
            name="Room X",
            booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
        )
    )
    for resources in ([foreign.resource.id], [str(uuid.uuid4())]):
        limited = await admin.patch(
            path, json={"resource_ids": resources}, headers={**key(), "If-Match": etag}
        )
        assert (limited.status_code, limited.json()["code"]) == (404, "RESOURCE_NOT_FOUND"), limited.text
    own = await admin.patch(
        path, json={"resource_ids": [tenant.resource_id]}, headers={**key(), "If-Match": etag}
    )
    assert own.status_code == 200 and own.json()["resource_ids"] == [tenant.resource_id]
