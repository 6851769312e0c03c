"""Headers every response carries, whatever answers it (gateway.app.NoSniff)."""

from __future__ import annotations

import uuid

import httpx
import pytest

pytestmark = pytest.mark.integration


async def test_every_response_says_nosniff(http: httpx.AsyncClient, make_account):
    customer = await make_account("CUSTOMER")
    replies = {
        "api": await http.get("/v1/bookings", headers=customer.headers),
        "api error": await http.get("/v1/bookings"),
        "validation error": await http.post("/v1/auth/token", json={}),
        "health": await http.get("/healthz"),
        "openapi": await http.get("/openapi.json"),
        "console page": await http.get("/ops/login"),
        "site page": await http.get(f"/site/{uuid.uuid4()}"),
        "static": await http.get("/static/console.css"),
        "unknown route": await http.get("/no/such/page"),
        "wrong method": await http.delete("/healthz"),
        "trailing slash": await http.get("/ops/login/"),
        "preflight": await http.options(
            "/v1/bookings",
            headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"},
        ),
    }

    assert replies["api"].status_code == 200 and replies["static"].status_code == 200
    assert replies["unknown route"].status_code == 404
    missing = {
        what: r.status_code
        for what, r in replies.items()
        if r.headers.get_list("x-content-type-options") != ["nosniff"]
    }
    assert missing == {}
