"""The console's month heatmap over HTTP on the real platform: an archived resource with
bookings in the month is shown, marked archived, with its places and the places booked, as the
day view shows it on the days of its bookings; an archived resource without bookings that month
stays hidden."""

from __future__ import annotations

import re
import uuid
from zoneinfo import ZoneInfo

import httpx
import pytest

from bookingplatform.catalog.v1 import catalog_pb2

pytestmark = pytest.mark.e2e

PASSWORD = "month-page-secret"
# A resource's row of the month table: its link (resource_id=...) and its cells up to the total.
ROW = re.compile(
    r'<th scope="row"><a href="[^"]*resource_id=([0-9a-f-]{36})[^"]*">[^<]*</a> <small>[^<]*</small>'
    r'( <span class="badge">archived</span>)?</th>\s*<td class="cal-total">(\d+)/(\d+)'
)


async def test_an_archived_resource_is_shown_marked_in_a_month_of_its_bookings(platform, tenant) -> None:
    session = await tenant.session(capacity=5)
    customer = await tenant.customer(main_minor=10_000)
    booked = await customer.book(session.id, use_wallet=True)
    assert booked.status_code == 202, booked.text
    await customer.wait_for(booked.json()["id"], "CONFIRMED")
    idle = (
        await platform.catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                request_id=str(uuid.uuid4()),
                company_id=tenant.company_id,
                name="Old studio",
                booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
            )
        )
    ).resource.id
    # Archiving refuses nothing: the booking made before stays CONFIRMED.
    for resource_id in (tenant.resource_id, idle):
        await platform.catalog.ArchiveResource(
            catalog_pb2.ArchiveResourceRequest(request_id=str(uuid.uuid4()), resource_id=resource_id)
        )
    month = session.start_time.ToDatetime(tzinfo=ZoneInfo("Europe/Berlin")).strftime("%Y-%m")
    email = f"desk-{uuid.uuid4().hex[:8]}@example.com"
    await platform.users.create_user(
        email=email, password=PASSWORD, role="STAFF", company_id=tenant.company_id
    )
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=60) as http:
        assert (await http.post("/ops/login", data={"email": email, "password": PASSWORD})).status_code == 303
        for params in ({"month": month}, {"month": month, "resource_id": tenant.resource_id}):
            page = await http.get("/ops/calendar", params=params)
            assert page.status_code == 200, page.text
            # Shown, marked archived, with the session's 5 places and the 1 booked; the
            # archived resource without bookings is not.
            rows = {found[0]: found[1:] for found in ROW.findall(page.text)}
            assert rows == {tenant.resource_id: (' <span class="badge">archived</span>', "1", "5")}, params
        hidden = await http.get("/ops/calendar", params={"month": month, "resource_id": idle})
        assert hidden.status_code == 404
