"""The catalog's back office over HTTP: a platform admin creates and suspends a company, its
admin sets up resources of the three booking models with units, extras, rate plans, daily
prices and an hourly rate; updates carry the ETag read (412 stale, 428 missing), staff read
but change nothing, another company's admin finds nothing, and archived resources leave the list."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2
from plumbing.testing import eventually

pytestmark = pytest.mark.e2e


async def login(platform, role: str, company_id: str | None) -> httpx.AsyncClient:
    email = f"{role.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    await platform.users.create_user(email=email, password="secret-pass", role=role, company_id=company_id)
    client = httpx.AsyncClient(base_url=platform.gateway_url, timeout=30)
    token = await client.post("/v1/auth/token", json={"email": email, "password": "secret-pass"})
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return client


def key(**headers: str) -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4()), **headers}


def if_match(response: httpx.Response) -> dict[str, str]:
    return key(**{"If-Match": response.headers["ETag"]})


def eur(minor: int) -> dict:
    return {"amount_minor": minor, "currency_code": "EUR"}


async def test_a_business_sets_up_its_catalog_over_http(platform):
    root = await login(platform, "PLATFORM_ADMIN", None)
    created = await root.post(
        "/v1/admin/companies",
        json={"name": "Lakeside Leisure", "time_zone": "Europe/Berlin", "currency_code": "EUR"},
        headers=key(),
    )
    assert created.status_code == 201, created.text
    company = created.json()
    assert company["state"] == "ACTIVE"
    admin = await login(platform, "COMPANY_ADMIN", company["id"])
    staff = await login(platform, "STAFF", company["id"])
    stranger = await login(platform, "COMPANY_ADMIN", str(uuid.uuid4()))

    # The company's admin fills in its profile at the version read.
    read = await admin.get(f"/v1/admin/companies/{company['id']}")
    assert read.status_code == 200
    profile = {"description": "Cabins, kayaks and yoga", "allowed_origins": ["https://lakeside.example.com"]}
    missing = await admin.patch(f"/v1/admin/companies/{company['id']}", json=profile, headers=key())
    assert (missing.status_code, missing.json()["code"]) == (428, "PRECONDITION_REQUIRED")
    updated = await admin.patch(f"/v1/admin/companies/{company['id']}", json=profile, headers=if_match(read))
    assert updated.status_code == 200, updated.text
    assert updated.json()["allowed_origins"] == ["https://lakeside.example.com"]
    stale = await admin.patch(
        f"/v1/admin/companies/{company['id']}", json={"name": "X"}, headers=if_match(read)
    )
    assert (stale.status_code, stale.json()["code"]) == (412, "PRECONDITION_FAILED")
    hidden = await stranger.get(f"/v1/admin/companies/{company['id']}")
    assert (hidden.status_code, hidden.json()["code"]) == (404, "COMPANY_NOT_FOUND")

    # Resources of the three booking models.
    studio = await admin.post(
        "/v1/admin/resources",
        json={
            "name": "Studio",
            "booking_model": "TIME_SLOT",
            "description": "Bright, 20 mats",
            "image_urls": ["https://img.example.com/studio.jpg"],
            "amenities": ["showers"],
            "capacity": 20,
            "policy": {"cancellation_windows": [{"minutes_before_start": 1440, "refund_percent": 100}]},
        },
        headers=key(),
    )
    assert studio.status_code == 201, studio.text
    assert studio.json()["amenities"] == ["showers"] and studio.json()["capacity"] == 20
    cabin = await admin.post(
        "/v1/admin/resources",
        json={
            "name": "Lake cabin",
            "booking_model": "NIGHTLY",
            "policy": {"min_nights": 2, "check_in_time": "16:00"},
        },
        headers=key(),
    )
    assert cabin.status_code == 201, cabin.text
    assert cabin.json()["policy"]["check_in_time"] == "16:00"
    kayak = await admin.post(
        "/v1/admin/resources",
        json={"name": "Kayak", "booking_model": "INTERVAL", "hourly_rate": eur(1200)},
        headers=key(),
    )
    assert kayak.status_code == 201, kayak.text
    wrong_rule = await admin.post(
        "/v1/admin/resources",
        json={"name": "Bad", "booking_model": "INTERVAL", "policy": {"min_nights": 1}},
        headers=key(),
    )
    assert (wrong_rule.status_code, wrong_rule.json()["code"]) == (400, "INVALID_POLICY")

    kayak_read = await admin.get(f"/v1/admin/resources/{kayak.json()['id']}")
    rate = await admin.put(
        f"/v1/admin/resources/{kayak.json()['id']}/hourly-rate",
        json={"hourly_rate": eur(1500)},
        headers=if_match(kayak_read),
    )
    assert rate.status_code == 200, rate.text
    assert rate.json()["hourly_rate"]["amount_minor"] == 1500

    # Staff read the catalog but change no price or policy.
    assert (await staff.get(f"/v1/admin/resources/{kayak.json()['id']}")).status_code == 200
    refused = await staff.put(
        f"/v1/admin/resources/{kayak.json()['id']}/hourly-rate",
        json={"hourly_rate": eur(1)},
        headers=if_match(rate),
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "PERMISSION_DENIED")
    foreign = await stranger.patch(
        f"/v1/admin/resources/{kayak.json()['id']}", json={"name": "Mine now"}, headers=if_match(rate)
    )
    assert foreign.status_code == 404

    # Units, a rate plan with daily prices and an override, and an extra.
    cabin_id = cabin.json()["id"]
    units = [
        await admin.post(f"/v1/admin/resources/{cabin_id}/units", json={"name": f"Cabin {n}"}, headers=key())
        for n in (1, 2)
    ]
    assert [u.status_code for u in units] == [201, 201]
    renamed = await admin.patch(
        f"/v1/admin/units/{units[0].json()['id']}",
        json={"name": "Cabin 1 (lake view)"},
        headers=if_match(units[0]),
    )
    assert renamed.status_code == 200, renamed.text
    archived_unit = await admin.post(
        f"/v1/admin/units/{units[1].json()['id']}/archive", headers=if_match(units[1])
    )
    assert archived_unit.json()["archived"] is True
    listed_units = await staff.get(f"/v1/admin/resources/{cabin_id}/units")
    assert [u["name"] for u in listed_units.json()["units"]] == ["Cabin 1 (lake view)"]

    plan = await admin.post(
        f"/v1/admin/resources/{cabin_id}/rate-plans",
        json={"name": "Standard", "default_nightly_price": eur(9000)},
        headers=key(),
    )
    assert plan.status_code == 201, plan.text
    prices_url = f"/v1/admin/resources/{cabin_id}/rate-plans/{plan.json()['id']}/prices"
    july = {
        "prices": [
            {"date": "2031-07-01", "price": eur(11000)},
            {"date": "2031-07-01", "price": eur(15000), "override": True},
        ]
    }
    unversioned = await admin.put(prices_url, json=july, headers=key())
    assert (unversioned.status_code, unversioned.json()["code"]) == (428, "PRECONDITION_REQUIRED")
    prices = await admin.put(prices_url, json=july, headers=if_match(plan))
    assert prices.status_code == 200, prices.text
    assert prices.headers["ETag"] != plan.headers["ETag"]  # the prices are part of the plan's version
    stale = await admin.put(
        prices_url, json={"prices": [{"date": "2031-07-02", "price": eur(1)}]}, headers=if_match(plan)
    )
    assert (stale.status_code, stale.json()["code"]) == (412, "PRECONDITION_FAILED")
    stored = await staff.get(prices_url, params={"from": "2031-07-01", "to": "2031-07-02"})
    assert [(p["price"]["amount_minor"], p["override"]) for p in stored.json()["prices"]] == [
        (11000, False),
        (15000, True),
    ]
    repriced = await admin.patch(
        f"/v1/admin/rate-plans/{plan.json()['id']}",
        json={"default_nightly_price": eur(9500)},
        headers=if_match(prices),
    )
    assert repriced.json()["default_nightly_price"]["amount_minor"] == 9500

    extra = await admin.post(
        "/v1/admin/extras",
        json={"name": "Towel", "price": eur(300), "pricing_unit": "PER_GUEST"},
        headers=key(),
    )
    assert extra.status_code == 201, extra.text
    await admin.post(f"/v1/admin/extras/{extra.json()['id']}/archive", headers=if_match(extra))
    assert (await staff.get("/v1/admin/extras")).json()["extras"] == []

    # The currency is fixed now that the company prices things.
    read = await admin.get(f"/v1/admin/companies/{company['id']}")
    locked = await admin.patch(
        f"/v1/admin/companies/{company['id']}", json={"currency_code": "CHF"}, headers=if_match(read)
    )
    assert (locked.status_code, locked.json()["code"]) == (409, "CURRENCY_LOCKED")

    # An archived resource leaves the list.
    studio_read = await admin.get(f"/v1/admin/resources/{studio.json()['id']}")
    archived = await admin.post(
        f"/v1/admin/resources/{studio.json()['id']}/archive", headers=if_match(studio_read)
    )
    assert archived.json()["archived"] is True
    listed = await staff.get("/v1/admin/resources")
    assert {r["name"] for r in listed.json()["resources"]} == {"Lake cabin", "Kayak"}
    every = await staff.get("/v1/admin/resources", params={"include_archived": "true", "page_size": 2})
    assert every.json()["has_more"] is True
    second = await staff.get(
        "/v1/admin/resources",
        params={"include_archived": "true", "page_size": 2, "page_token": every.json()["next_page_token"]},
    )
    names = [r["name"] for r in every.json()["resources"] + second.json()["resources"]]
    assert names == ["Studio", "Lake cabin", "Kayak"]

    # Only the platform suspends, and lists every company.
    assert (await admin.get("/v1/admin/companies")).status_code == 403
    read = await admin.get(f"/v1/admin/companies/{company['id']}")
    suspended = await root.post(
        f"/v1/admin/companies/{company['id']}/suspend",
        json={"reason": "Unpaid invoices"},
        headers=if_match(read),
    )
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["state"] == "SUSPENDED"
    resumed = await root.post(f"/v1/admin/companies/{company['id']}/resume", headers=if_match(suspended))
    assert resumed.json()["state"] == "ACTIVE"

    for client in (root, admin, staff, stranger):
        await client.aclose()


async def test_a_suspended_company_and_an_archived_resource_take_no_new_bookings(tenant, platform):
    root = await login(platform, "PLATFORM_ADMIN", None)
    admin = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    session = await tenant.session(capacity=5)
    customer = await tenant.customer(main_minor=10_000)
    booked = await customer.book(session.id, use_wallet=True)
    assert booked.status_code == 202, booked.text

    read = await root.get(f"/v1/admin/companies/{tenant.company_id}")
    suspended = await root.post(
        f"/v1/admin/companies/{tenant.company_id}/suspend", json={"reason": "Audit"}, headers=if_match(read)
    )
    assert suspended.status_code == 200, suspended.text

    async def refused_as(reason: str) -> bool:
        # Bookings reads the company and resource through its catalog cache, which drops them
        # when catalog's company_updated / resource_updated arrives (a booking planned before
        # that is one made before the change): the refusal comes with the event.
        answer = await customer.book(session.id, use_wallet=True)
        return (answer.status_code, answer.json().get("code")) == (409, reason)

    await eventually(lambda: refused_as("COMPANY_SUSPENDED"))
    resumed = await root.post(f"/v1/admin/companies/{tenant.company_id}/resume", headers=if_match(suspended))
    assert resumed.status_code == 200, resumed.text

    resource = await admin.get(f"/v1/admin/resources/{tenant.resource_id}")
    archived = await admin.post(
        f"/v1/admin/resources/{tenant.resource_id}/archive", headers=if_match(resource)
    )
    assert archived.status_code == 200, archived.text
    await eventually(lambda: refused_as("RESOURCE_ARCHIVED"))
    # The booking made before is the customer's still: archive refuses nothing of it.
    await customer.wait_for(booked.json()["id"], "CONFIRMED")
    cancelled = await customer.cancel(booked.json()["id"])
    assert cancelled.status_code in (200, 202), cancelled.text
    for client in (root, admin):
        await client.aclose()


async def test_a_suspended_companys_sessions_are_not_found_by_the_public_but_listed_to_its_staff(
    tenant, platform
):
    root = await login(platform, "PLATFORM_ADMIN", None)
    staff = await login(platform, "STAFF", tenant.company_id)
    anyone = httpx.AsyncClient(base_url=platform.gateway_url, timeout=30)
    session = await tenant.session(capacity=5)
    public = await anyone.get("/v1/sessions", params={"company_id": tenant.company_id})
    assert public.status_code == 200, public.text
    assert [s["id"] for s in public.json()["sessions"]] == [session.id]

    read = await root.get(f"/v1/admin/companies/{tenant.company_id}")
    suspended = await root.post(
        f"/v1/admin/companies/{tenant.company_id}/suspend", json={"reason": "Audit"}, headers=if_match(read)
    )
    assert suspended.status_code == 200, suspended.text
    # The public finds the company's sessions as it finds its site: not at all.
    hidden = await anyone.get("/v1/sessions", params={"company_id": tenant.company_id})
    assert hidden.status_code == 404, hidden.text
    assert hidden.json()["code"] == "COMPANY_NOT_FOUND"
    assert (await anyone.get(f"/site/{tenant.company_id}")).status_code == 404
    # Its staff still see what they run.
    own = await staff.get("/v1/admin/sessions")
    assert own.status_code == 200, own.text
    assert [s["id"] for s in own.json()["sessions"]] == [session.id]

    resumed = await root.post(f"/v1/admin/companies/{tenant.company_id}/resume", headers=if_match(suspended))
    assert resumed.status_code == 200, resumed.text
    again = await anyone.get("/v1/sessions", params={"company_id": tenant.company_id})
    assert [s["id"] for s in again.json()["sessions"]] == [session.id]
    for client in (root, staff, anyone):
        await client.aclose()


async def test_what_a_suspended_company_offers_is_not_found_by_the_public_but_read_by_its_staff(
    tenant, platform
):
    root = await login(platform, "PLATFORM_ADMIN", None)
    staff = await login(platform, "STAFF", tenant.company_id)
    anyone = httpx.AsyncClient(base_url=platform.gateway_url, timeout=30)
    session = await tenant.session(capacity=5)
    kayak = (
        await platform.catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                company_id=tenant.company_id,
                name="Kayak",
                booking_model=catalog_pb2.BOOKING_MODEL_INTERVAL,
                hourly_rate=money_pb2.Money(amount_minor=1200, currency_code="EUR"),
            )
        )
    ).resource
    day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    reads = {
        "session": lambda: anyone.get(f"/v1/sessions/{session.id}"),
        "availability": lambda: anyone.get(
            "/v1/availability", params={"company_id": tenant.company_id, "start_date": day, "end_date": day}
        ),
        "free slots": lambda: anyone.get(f"/v1/resources/{kayak.id}/free-slots", params={"date": day}),
    }
    for name, read in reads.items():
        answer = await read()
        assert (name, answer.status_code) == (name, 200), answer.text

    company = await root.get(f"/v1/admin/companies/{tenant.company_id}")
    suspended = await root.post(
        f"/v1/admin/companies/{tenant.company_id}/suspend",
        json={"reason": "Audit"},
        headers=if_match(company),
    )
    assert suspended.status_code == 200, suspended.text

    async def not_found(name: str, code: str) -> bool:
        # Bookings reads the company through its catalog cache, dropped by catalog's
        # company_updated event: the availability is refused once the event has arrived.
        answer = await reads[name]()
        return (answer.status_code, answer.json().get("code")) == (404, code)

    # The public finds none of it, as it finds the company's site: not at all.
    for name, code in (
        ("session", "SESSION_NOT_FOUND"),
        ("availability", "COMPANY_NOT_FOUND"),
        ("free slots", "RESOURCE_NOT_FOUND"),
    ):
        await eventually(lambda name=name, code=code: not_found(name, code))
    # Its staff still read what they run.
    for path in (f"/v1/admin/resources/{kayak.id}", f"/v1/admin/resources/{tenant.resource_id}"):
        assert (await staff.get(path)).status_code == 200
    own = await staff.get("/v1/admin/sessions")
    assert [s["id"] for s in own.json()["sessions"]] == [session.id]

    resumed = await root.post(f"/v1/admin/companies/{tenant.company_id}/resume", headers=if_match(suspended))
    assert resumed.status_code == 200, resumed.text

    async def found_again() -> bool:
        return [(await read()).status_code for read in reads.values()] == [200] * len(reads)

    await eventually(found_again)
    for client in (root, staff, anyone):
        await client.aclose()


async def test_a_resource_whose_profile_is_refused_is_not_created(platform):
    # The profile is created with the resource: an image address catalog refuses was a 400
    # that left a resource without its profile behind (and one more at every retry).
    root = await login(platform, "PLATFORM_ADMIN", None)
    created = await root.post(
        "/v1/admin/companies",
        json={"name": "Orphan Check", "time_zone": "UTC", "currency_code": "EUR"},
        headers=key(),
    )
    assert created.status_code == 201, created.text
    admin = await login(platform, "COMPANY_ADMIN", created.json()["id"])

    refused = await admin.post(
        "/v1/admin/resources",
        json={
            "name": "Bad image",
            "booking_model": "TIME_SLOT",
            "description": "d",
            "image_urls": ["javascript:alert(7)"],
            "capacity": 5,
        },
        headers=key(),
    )
    good = await admin.post(
        "/v1/admin/resources", json={"name": "Good", "booking_model": "TIME_SLOT"}, headers=key()
    )
    listed = await admin.get("/v1/admin/resources")

    assert (refused.status_code, refused.json()["code"]) == (400, "INVALID_IMAGE_URL")
    assert good.status_code == 201, good.text
    assert [r["id"] for r in listed.json()["resources"]] == [good.json()["id"]]

    async def resource_entries() -> list | None:  # the audit copy follows over NATS
        audit = await admin.get("/v1/admin/audit")
        assert audit.status_code == 200, audit.text
        found = [e["entity_id"] for e in audit.json()["entries"] if e["entity_type"] == "resource"]
        return found or None

    assert await eventually(resource_entries, message="no audit entry") == [good.json()["id"]]
