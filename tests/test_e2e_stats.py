"""Business statistics over HTTP on the real platform: `GET /v1/admin/stats` follows bookings
confirmed and cancelled (wallet money, bonus first, kept or refunded), the console's stats page
shows the very same figures, another company's admin, staff and customers are refused, and
wrong periods are problem+json errors. Then the audit log viewer's filters and links.

The read model is written in the transaction of each booking change, so once the customer
sees a booking CONFIRMED or CANCELLED the figures already hold it: no waiting on them."""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from plumbing.testing import eventually
from tests.conftest import Tenant

pytestmark = pytest.mark.e2e

PRICE = 2000


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


def period() -> dict[str, str]:
    today = datetime.now(UTC).date()
    return {"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=6)).isoformat()}


async def stats(client: httpx.AsyncClient, **params: str) -> dict:
    response = await client.get("/v1/admin/stats", params={**period(), **params})
    assert response.status_code == 200, response.text
    return response.json()


def page_figures(page: str) -> dict[str, str]:
    """The page's key figures: data-figure name -> the figure (money as its minor units)."""
    figures = {}
    pattern = r'data-figure="(totals\.[a-z_.]+|occupancy\.[a-z_]+)"(?: data-minor="(-?\d+)")?>([^<]*)<'
    for name, minor, text in re.findall(pattern, page):
        figures[name] = minor or html.unescape(text).strip()
    return figures


def json_figures(answer: dict) -> dict[str, str]:
    totals, occupancy = answer["totals"], answer["occupancy"]
    figures = {f"totals.{k}": str(v) for k, v in totals.items() if k not in ("revenue", "minutes_sold")}
    figures |= {f"totals.revenue.{k}": str(v) for k, v in totals["revenue"].items()}
    figures |= {f"occupancy.{k}": str(v) for k, v in occupancy.items()}
    return figures


async def test_the_figures_follow_bookings_confirmed_and_cancelled_and_the_page_shows_them(platform, tenant):
    admin, _ = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    # The session first: the catalog's capacity is cached for 10 s (a new session shows late).
    customer = await tenant.customer(main_minor=10_000, bonus_minor=500)
    session = await tenant.session(capacity=10, price_minor=PRICE)
    before = await stats(admin)
    assert before["totals"]["confirmed"] == 0
    assert [r["name"] for r in before["resources"]] == ["Studio"]
    kept = await customer.book(session.id, quantity=2, use_wallet=True)
    assert kept.status_code in (200, 201, 202), kept.text
    await customer.wait_for(kept.json()["id"], "CONFIRMED")
    after_one = await stats(admin)
    totals = after_one["totals"]
    assert (totals["confirmed"], totals["active"], totals["cancelled"], totals["places_sold"]) == (1, 1, 0, 2)
    # 2 x 20.00 from the wallet, its bonus first.
    assert totals["revenue"] == {
        "wallet_main_minor": 2 * PRICE - 500,
        "wallet_bonus_minor": 500,
        "pass_minor": 0,
        "card_minor": 0,
        "desk_minor": 0,
        "total_minor": 2 * PRICE,
    }
    [studio] = after_one["resources"]
    assert (studio["sold"], studio["capacity"], studio["occupancy_percent"]) == (2, 10, 20.0)

    cancelled = await customer.book(session.id, quantity=1, use_wallet=True)
    await customer.wait_for(cancelled.json()["id"], "CONFIRMED")
    assert (await stats(admin))["totals"]["confirmed"] == 2
    response = await customer.cancel(cancelled.json()["id"])
    assert response.status_code in (200, 202), response.text
    await customer.wait_for(cancelled.json()["id"], "CANCELLED")
    answer = await stats(admin)
    totals = answer["totals"]
    assert (totals["confirmed"], totals["active"], totals["cancelled"], totals["no_show"]) == (2, 1, 1, 0)
    assert totals["places_sold"] == 2
    assert totals["revenue"]["total_minor"] == 2 * PRICE  # the cancelled one refunded in full
    local_day = session.start_time.ToDatetime(UTC).astimezone(_berlin()).date().isoformat()
    [day] = [d for d in answer["days"] if d["figures"]["confirmed"]]
    assert day["date"] == local_day and day["figures"]["cancelled"] == 1
    assert sum(d["figures"]["revenue"]["total_minor"] for d in answer["days"]) == 2 * PRICE
    assert answer["currency"] == "EUR" and answer["time_zone"] == "Europe/Berlin"
    only = await stats(admin, resource_id=tenant.resource_id)
    assert only["totals"] == totals and only["resource_id"] == tenant.resource_id

    # The console's page (the admin's bearer works there as a session does) says the same.
    page = await admin.get("/ops/stats", params=period())
    assert page.status_code == 200, page.text
    shown = page_figures(page.text)
    assert shown == json_figures(answer)
    assert "Studio" in page.text and "data-stats-chart=" in page.text


async def test_other_companies_staff_customers_and_bad_periods_are_refused(platform, tenant):
    admin, _ = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    other = await _another_company(platform)
    other_admin, _ = await login(platform, "COMPANY_ADMIN", other)
    foreign = await other_admin.get("/v1/admin/stats", params={**period(), "company_id": tenant.company_id})
    assert (foreign.status_code, foreign.json()["code"]) == (404, "COMPANY_NOT_FOUND")
    assert foreign.headers["content-type"].startswith("application/problem+json")
    foreign_resource = await other_admin.get(
        "/v1/admin/stats", params={**period(), "resource_id": tenant.resource_id}
    )
    assert (foreign_resource.status_code, foreign_resource.json()["code"]) == (404, "RESOURCE_NOT_FOUND")
    foreign_page = await other_admin.get("/ops/stats", params={**period(), "company_id": tenant.company_id})
    assert foreign_page.status_code == 404

    staff, _ = await login(platform, "STAFF", tenant.company_id)
    assert (await staff.get("/v1/admin/stats", params=period())).status_code == 403
    customer = await tenant.customer()
    assert (await customer.http.get("/v1/admin/stats", params=period())).status_code == 403
    assert (
        await httpx.AsyncClient(base_url=platform.gateway_url, timeout=30).get(
            "/v1/admin/stats", params=period()
        )
    ).status_code == 401

    platform_admin, _ = await login(platform, "PLATFORM_ADMIN", None)
    unnamed = await platform_admin.get("/v1/admin/stats", params=period())
    assert (unnamed.status_code, unnamed.json()["code"]) == (400, "COMPANY_REQUIRED")
    named = await platform_admin.get("/v1/admin/stats", params={**period(), "company_id": tenant.company_id})
    assert named.status_code == 200 and named.json()["company_id"] == tenant.company_id
    chooser = await platform_admin.get("/ops/stats")
    assert chooser.status_code == 200 and '<select id="company_id"' in chooser.text  # the company picker

    cases = {
        ("2031-02-30", "2031-03-01"): "INVALID_DATE",
        ("1969-12-31", "1970-01-02"): "INVALID_DATE",
        ("2031-03-02", "2031-03-01"): "INVALID_DATE_RANGE",
        ("2031-01-01", "2032-01-02"): "INVALID_DATE_RANGE",
    }
    for (start, end), code in cases.items():
        response = await admin.get("/v1/admin/stats", params={"from": start, "to": end})
        assert (response.status_code, response.json()["code"]) == (400, code), (start, end, response.text)
    missing = await admin.get("/v1/admin/stats", params={"from": "2031-01-01"})
    assert missing.status_code == 400
    year = await admin.get("/v1/admin/stats", params={"from": "2032-01-01", "to": "2032-12-31"})
    assert year.status_code == 200 and len(year.json()["days"]) == 366
    wrong_page = await admin.get("/ops/stats", params={"from": "2031-02-30", "to": "2031-03-01"})
    assert wrong_page.status_code == 400 and "INVALID_DATE" in wrong_page.text


async def test_the_audit_viewer_filters_by_actor_entity_action_and_period_and_links_the_entity(
    platform, tenant
):
    admin, admin_id = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    customer = await tenant.customer(main_minor=10_000)
    session = await tenant.session(price_minor=PRICE)
    booked = await customer.book(session.id, use_wallet=True)
    booking_id = booked.json()["id"]
    await customer.wait_for(booking_id, "CONFIRMED")
    extra = await admin.get(f"/v1/admin/extras/{tenant.extra_id}")
    renamed = await admin.patch(
        f"/v1/admin/extras/{tenant.extra_id}",
        headers={"Idempotency-Key": str(uuid.uuid4()), "If-Match": extra.headers["etag"]},
        json={"name": "Yoga mat"},
    )
    assert renamed.status_code == 200, renamed.text

    async def logged() -> list[dict] | None:
        found = (await admin.get("/v1/admin/audit")).json()["entries"]
        kinds = {entry["entity_type"] for entry in found}
        return found if {"booking", "extra"} <= kinds else None

    entries = await eventually(logged, message="the entries never reached the gateway's log")
    page = await admin.get("/ops/audit")
    assert page.status_code == 200, page.text
    assert _rows(page.text) == [entry["id"] for entry in entries]
    # The booking links to its sagas (the saga search), the actor to the log filtered by them.
    assert f'href="/ops/sagas?q={booking_id}&amp;range=all" data-entity-link' in page.text
    assert f"actor={admin_id}" in page.text

    by_actor = await admin.get("/ops/audit", params={"actor": admin_id})
    assert _rows(by_actor.text) == [e["id"] for e in entries if e["actor_user_id"] == admin_id]
    by_entity = await admin.get("/ops/audit", params={"entity": "booking", "entity_id": booking_id})
    assert _rows(by_entity.text) == [e["id"] for e in entries if e["entity_id"] == booking_id]
    action = next(e["action"] for e in entries if e["entity_type"] == "extra")
    by_action = await admin.get("/ops/audit", params={"action": action})
    assert _rows(by_action.text) == [e["id"] for e in entries if e["action"] == action]
    today = datetime.now(UTC).date()
    in_period = await admin.get("/ops/audit", params={"from": today.isoformat(), "to": today.isoformat()})
    assert _rows(in_period.text) == [e["id"] for e in entries]
    earlier = (today - timedelta(days=3)).isoformat()
    before = await admin.get("/ops/audit", params={"from": earlier, "to": earlier})
    assert _rows(before.text) == [] and "No entry matches" in before.text
    wrong = await admin.get("/ops/audit", params={"from": "2031-13-01"})
    assert wrong.status_code == 400 and "INVALID_DATE" in wrong.text

    # Another company's admin sees none of it, and cannot name the company.
    other_admin, _ = await login(platform, "COMPANY_ADMIN", await _another_company(platform))
    assert _rows((await other_admin.get("/ops/audit")).text) == []
    assert (await other_admin.get("/ops/audit", params={"company_id": tenant.company_id})).status_code == 404
    staff, _ = await login(platform, "STAFF", tenant.company_id)
    assert (await staff.get("/ops/audit")).status_code == 403


async def test_the_audit_viewer_pages_with_a_cursor(platform, tenant):
    admin, admin_id = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    for n in range(3):
        extra = await admin.get(f"/v1/admin/extras/{tenant.extra_id}")
        renamed = await admin.patch(
            f"/v1/admin/extras/{tenant.extra_id}",
            headers={"Idempotency-Key": str(uuid.uuid4()), "If-Match": extra.headers["etag"]},
            json={"name": f"Mat {n}"},
        )
        assert renamed.status_code == 200, renamed.text

    async def all_three() -> list[dict] | None:
        found = (await admin.get("/v1/admin/audit", params={"actor": admin_id})).json()["entries"]
        return found if len(found) == 3 else None

    api = await eventually(all_three, message="the three changes never reached the gateway's log")
    seen: list[str] = []
    url: str | None = f"/ops/audit?actor={admin_id}"
    import gateway.pages.audit as audit_page

    size = audit_page.PAGE_SIZE
    audit_page.PAGE_SIZE = 2  # the server runs in this process: two entries a page
    try:
        while url:
            page = await admin.get(html.unescape(url))
            assert page.status_code == 200, page.text
            seen += _rows(page.text)
            found = re.search(r'href="([^"]+)" rel="next"', page.text)
            url = found.group(1) if found else None
    finally:
        audit_page.PAGE_SIZE = size
    assert seen == [entry["id"] for entry in api]


async def test_the_read_model_equals_a_recount_of_every_booking_the_platform_holds(platform):
    """Whatever ran before in this session (bookings, cancellations, period changes, no-shows
    of the other e2e tests): the sums the trigger kept equal every booking counted afresh."""
    from sqlalchemy import text

    from bookings.adapters.tables import STATS_FIGURES

    sums = ", ".join(f"sum({name})::bigint" for name in STATS_FIGURES)
    nonzero = " OR ".join(f"sum({name}) <> 0" for name in STATS_FIGURES)
    async with platform.db.transaction() as conn:
        kept = await conn.execute(
            text(
                f"SELECT company_id, hour, resource_id, unit_id, {sums} FROM bookings.stats_hourly"
                f" GROUP BY 1, 2, 3, 4 HAVING {nonzero} ORDER BY 1, 2, 3, 4"
            )
        )
        kept_rows = [tuple(row) for row in kept]
        recount = await conn.execute(
            text(
                f"SELECT c.company_id, c.hour, c.resource_id, c.unit_id, {sums}"
                " FROM bookings.bookings AS b, LATERAL bookings.stats_contribution(b, 1) AS c"
                f" GROUP BY 1, 2, 3, 4 HAVING {nonzero} ORDER BY 1, 2, 3, 4"
            )
        )
        assert kept_rows == [tuple(row) for row in recount]


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr data-entry="([^"]+)"', page)


async def _another_company(platform) -> str:
    from bookingplatform.catalog.v1 import catalog_pb2

    company = (
        await platform.catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                request_id=str(uuid.uuid4()), name="Other", time_zone="UTC", currency_code="EUR"
            )
        )
    ).company
    return str(company.id)


def _berlin():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Berlin")


_ = Tenant  # the fixture's type, for readers
