"""Any address under /site that no page matches is the site's HTML 404 page, never the API's
problem+json (gateway.site.pages.fallback)."""

from __future__ import annotations

import uuid

import httpx
import pytest

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    "path",
    ["/site", "/site/x%2Fy", "/site/not-an-id/nothing", "/site/{company}/account/bookings/x/y"],
)
async def test_an_address_under_site_that_no_page_matches_is_the_site_s_404_page(
    http: httpx.AsyncClient, path
):
    reply = await http.get(path.format(company=uuid.uuid4()))

    assert reply.status_code == 404
    assert reply.headers["content-type"].startswith("text/html")
    assert "no such page" in reply.text


async def test_the_api_s_unknown_addresses_stay_problem_json(http: httpx.AsyncClient):
    reply = await http.get("/v1/no-such-thing")

    assert reply.status_code == 404
    assert reply.headers["content-type"] == "application/problem+json"
