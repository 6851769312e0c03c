"""The console's forms without a session (login, invitation, password reset) refuse a post from
another site also when the browser sends no Sec-Fetch-Site: a foreign Origin, `Origin: null` or,
without Origin, a foreign Referer is refused; our own origin (GATEWAY_PUBLIC_URL's when set) and
a post with neither header (a script) are not (a tester: Origin: http://evil.example and no
Sec-Fetch-Site was accepted)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from gateway.app import create_app
from gateway.pages.origin import origin_of
from gateway.settings import Settings

pytestmark = pytest.mark.integration

FOREIGN = (
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Origin": "https://gateway"},  # another scheme is another origin
    {"Origin": "http://gateway.evil.example"},
    {"Referer": "http://evil.example/ops/login"},
    {"Referer": "http://gateway:8080/ops/login"},
    {"Origin": "http://evil.example", "Referer": "http://gateway/ops/login"},
)


def test_an_origin_is_scheme_host_and_port_without_the_default_one():
    assert origin_of("HTTP://Gateway:80/ops/login?x=1") == "http://gateway"
    assert origin_of("https://book.example.com:8443/x") == "https://book.example.com:8443"
    for none in ("null", "", "data:text/html,x", "//evil.example", "http://", "http://x:99999/"):
        assert origin_of(none) is None, none


async def test_a_foreign_origin_or_referer_is_refused_on_the_console_s_forms(http, make_account):
    operator = await make_account("PLATFORM_ADMIN")
    login = {"email": operator.email, "password": operator.password}
    for headers in FOREIGN:
        for path, fields in (
            ("/ops/login", login),
            ("/ops/invite", {"code": "x", "password": "a long password", "password_confirm": "x"}),
            ("/ops/password-reset", {"email": operator.email}),
            ("/ops/password-reset/confirm", {"code": "x", "password": "p", "password_confirm": "p"}),
        ):
            refused = await http.post(path, data=fields, headers=headers)
            assert refused.status_code == 403, (path, headers, refused.text)
            assert "gateway_ops_session" not in refused.cookies

    for headers in (
        {},
        {"Origin": "http://gateway"},
        {"Origin": "http://GATEWAY:80"},
        {"Referer": "http://gateway/ops/login?next=%2Fops%2Fsagas"},
        {"Sec-Fetch-Site": "same-origin", "Origin": "http://gateway"},
    ):
        http.cookies.clear()
        ours = await http.post("/ops/login", data=login, headers=headers)
        assert ours.status_code == 303 and ours.cookies.get("gateway_ops_session"), headers


async def test_the_own_origin_is_the_public_url_s_when_set(
    database_url: str, fake_platform: Any, clients: Any, gateway_db: Any, make_account: Any, jwt_secret: str
) -> None:
    operator = await make_account("PLATFORM_ADMIN")
    login = {"email": operator.email, "password": operator.password}
    address = fake_platform.address
    settings = Settings(
        catalog_addr=address,
        bookings_addr=address,
        wallet_addr=address,
        passes_addr=address,
        payments_addr=address,
        database_url=database_url,
        jwt_secret=jwt_secret,
        public_url="https://book.example.com",
    )
    app = create_app(settings, clients=clients, db=gateway_db)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        ours = await http.post("/ops/login", data=login, headers={"Origin": "https://book.example.com"})
        http.cookies.clear()
        host = await http.post("/ops/login", data=login, headers={"Origin": "http://gateway"})
    assert ours.status_code == 303
    assert host.status_code == 403
