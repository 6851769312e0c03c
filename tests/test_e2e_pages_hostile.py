"""No page answers 5xx, whatever it is sent: every server-rendered route the OpenAPI fuzzer
does not see (the console, the public site, the calendar feeds, the push and webhook pages)
is called with hostile path parameters, hostile values of its own query parameters and
hostile form bodies, anonymously, as a customer, as staff and as a platform admin, against
the real platform. Each answer must be a 2xx, 3xx or 4xx; the figures are printed."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from gateway.app import create_app
from gateway.settings import Settings

pytestmark = pytest.mark.e2e

PASSWORD = "hostile-pass-1"
# The OpenAPI's own routes are fuzzed by tests/test_fuzz_gateway_openapi.py; these are not pages.
SKIPPED = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
HOSTILE_IDS = [
    "x",
    str(uuid.UUID(int=0)),
    str(uuid.uuid4()),
    "%00",
    "..%2F..%2Fetc%2Fpasswd",
    "a" * 3000,
    "%F0%9F%98%80",
    "1e309",
    "-1",
]
HOSTILE_VALUES = ["", "%00", "9999-99-99", "0001-01-01", "-1", "1" * 400, "<script>x</script>", "%FF%FE"]


def page_routes() -> list[tuple[str, str, Route]]:
    """(method, path, route) of every route outside the OpenAPI schema."""
    settings = Settings(
        catalog_addr="127.0.0.1:1",
        bookings_addr="127.0.0.1:1",
        wallet_addr="127.0.0.1:1",
        passes_addr="127.0.0.1:1",
        payments_addr="127.0.0.1:1",
        database_url="postgresql://127.0.0.1:1/unused",
        jwt_secret="x" * 40,
    )

    def walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[Any, str]]:
        for route in routes:
            if type(route).__name__ == "_IncludedRouter":
                yield from walk(route.original_router.routes, prefix + route.include_context.prefix)
            else:
                yield route, prefix

    found = []
    for route, prefix in walk(create_app(settings).routes):
        methods = getattr(route, "methods", None) or set()
        path = prefix + getattr(route, "path", "")
        if getattr(route, "include_in_schema", True) or path in SKIPPED:
            continue
        found += [(method, path, route) for method in sorted(methods - {"HEAD"})]
    return found


def query_names(route: Any) -> list[str]:
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return []
    names: list[str] = []

    def collect(d: Any) -> None:
        names.extend(p.alias for p in d.query_params)
        for sub in d.dependencies:
            collect(sub)

    collect(dependant)
    return [n for n in dict.fromkeys(names) if n != "token"]


def concrete(path: str, value: str) -> str:
    parts = []
    for part in path.split("/"):
        if part.startswith("{") and "}" in part:
            parts.append(value + part[part.index("}") + 1 :])
        else:
            parts.append(part)
    return "/".join(parts)


async def call(http: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> int:
    """The status only; a stream (SSE) is closed as soon as its headers arrive."""
    async with http.stream(method, url, **kwargs) as response:
        return response.status_code


async def logged_in(platform, role: str, company_id: str | None) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    email = f"hostile-{uuid.uuid4().hex[:10]}@example.com"
    await platform.users.create_user(email=email, password=PASSWORD, role=role, company_id=company_id)
    client = httpx.AsyncClient(base_url=platform.gateway_url, timeout=60)
    answer = await client.post("/ops/login", data={"email": email, "password": PASSWORD})
    assert answer.status_code == 303, answer.text
    return client


async def test_no_page_answers_5xx_to_hostile_input(platform, tenant) -> None:
    routes = page_routes()
    assert len(routes) >= 40, "the console, site and feed routes are found"
    anonymous = httpx.AsyncClient(base_url=platform.gateway_url, timeout=60)
    staff = await logged_in(platform, "STAFF", tenant.company_id)
    admin = await logged_in(platform, "PLATFORM_ADMIN", None)
    customer = await tenant.customer()
    callers = {"anonymous": anonymous, "customer": customer.http, "staff": staff, "platform admin": admin}
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    try:
        for method, path, route in routes:
            names = query_names(route)
            for caller, http in callers.items():
                # The tenant's real id too: past the 404, into the pages' own checks.
                for index, value in enumerate([*HOSTILE_IDS, tenant.company_id]):
                    url = concrete(path, value)
                    hostile = HOSTILE_VALUES[index % len(HOSTILE_VALUES)]
                    params = {name: hostile for name in names}
                    if method == "GET":
                        status = await call(http, method, url, params=params)
                    else:
                        form = {"csrf_token": hostile, "reason": hostile, "email": hostile, **params}
                        status = await call(http, method, url, data=form)
                    statuses[status] += 1
                    if status >= 500:
                        failures.append(f"{method} {url} as {caller}: {status}")
    finally:
        for client in (anonymous, staff, admin):
            await client.aclose()
    cases = sum(statuses.values())
    # Repeated at the end of the session by tests/conftest.py (FIGURE_PREFIXES).
    print(
        f"hostile pages: {len(routes)} routes x {len(callers)} callers x {len(HOSTILE_IDS) + 1} inputs ="
        f" {cases} cases; statuses {dict(sorted(statuses.items()))}; 5xx: {len(failures)}"
    )
    assert not failures, failures[:20]
