"""The console's day view of a company with many resources, over HTTP on the real platform: a
page of 25 resources at a time, with where it is in the list and links to the next and the
previous page; a page beyond the last shows the last; a malformed page number is a 4xx page."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from bookingplatform.catalog.v1 import catalog_pb2

pytestmark = pytest.mark.e2e

PASSWORD = "day-pages-secret"
SECTION = re.compile(r'<section class="resource-day" aria-labelledby="res-([0-9a-f-]{36})"')


async def test_the_day_view_shows_a_company_s_resources_25_at_a_time(platform) -> None:
    company = (
        await platform.catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                request_id=str(uuid.uuid4()),
                name="Many Rooms",
                time_zone="Europe/Berlin",
                currency_code="EUR",
            )
        )
    ).company
    made = []
    for number in range(27):
        made.append(
            (
                await platform.catalog.CreateResource(
                    catalog_pb2.CreateResourceRequest(
                        request_id=str(uuid.uuid4()),
                        company_id=company.id,
                        name=f"Room {number:02d}",
                        booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
                    )
                )
            ).resource.id
        )
    email = f"desk-{uuid.uuid4().hex[:8]}@example.com"
    await platform.users.create_user(email=email, password=PASSWORD, role="STAFF", company_id=company.id)
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=60) as http:
        assert (await http.post("/ops/login", data={"email": email, "password": PASSWORD})).status_code == 303

        first = await http.get("/ops/calendar/day", params={"date": "2030-03-17"})
        assert first.status_code == 200, first.text
        on_first = SECTION.findall(first.text)
        assert len(on_first) == 25 and "Resources 1\N{EN DASH}25 of 27" in first.text
        assert "/ops/calendar/day?date=2030-03-17&amp;page=2" in first.text
        assert "Previous resources" not in first.text

        second = await http.get("/ops/calendar/day", params={"date": "2030-03-17", "page": "2"})
        on_second = SECTION.findall(second.text)
        assert len(on_second) == 2 and "Resources 26\N{EN DASH}27 of 27" in second.text
        assert set(on_first) | set(on_second) == set(made) and not set(on_first) & set(on_second)
        assert "page=1" in second.text and "Next resources" not in second.text
        # The next day keeps the page.
        assert "/ops/calendar/day?date=2030-03-18&amp;page=2" in second.text

        beyond = await http.get("/ops/calendar/day", params={"date": "2030-03-17", "page": "40"})
        assert SECTION.findall(beyond.text) == on_second
        for bad in ("0", "-1", "x", "9" * 30):
            refused = await http.get("/ops/calendar/day", params={"date": "2030-03-17", "page": bad})
            assert 400 <= refused.status_code < 500, (bad, refused.status_code)
