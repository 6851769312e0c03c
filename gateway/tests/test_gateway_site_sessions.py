"""The public site's customer sessions (gateway.site.sessions) and its rate-limit pages: signing
out ends the session on the server, so a copy of the cookie kept from before opens nothing (on
any replica); the sign-in page's 429 says the limiter's wait and carries it in Retry-After."""

from __future__ import annotations

import hashlib
import re
import time

import httpx
import jwt
import pytest

from gateway.site import views

pytestmark = pytest.mark.integration

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def _csrf(http: httpx.AsyncClient, path: str) -> str:
    page = await http.get(path)
    assert page.status_code == 200, page.text
    found = CSRF.search(page.text)
    assert found, page.text
    return found.group(1)


async def _sign_in(http: httpx.AsyncClient, company_id: str, email: str, password: str) -> httpx.Response:
    login = f"/site/{company_id}/account/login"
    csrf = await _csrf(http, login)
    return await http.post(login, data={"csrf_token": csrf, "email": email, "password": password})


def _signed_out(answer: httpx.Response, company_id: str) -> bool:
    return answer.status_code == 303 and answer.headers["location"] == f"/site/{company_id}/account/login"


async def test_a_site_cookie_kept_from_before_signing_out_opens_nothing(
    http, make_account, make_client, clients
):
    ann = await make_account("CUSTOMER")
    me = ann.company_id
    account = f"/site/{me}/account"
    signed = await _sign_in(http, me, ann.email, ann.password)
    assert signed.status_code == 303 and signed.headers["location"] == account
    kept = http.cookies["site_session"]
    mine = await http.get(account)
    assert mine.status_code == 200 and "My account" in mine.text
    async with make_client(clients) as phone:  # another browser, on another replica
        assert (await _sign_in(phone, me, ann.email, ann.password)).status_code == 303

        csrf = CSRF.search(mine.text)
        assert csrf
        out = await http.post(f"{account}/logout", data={"csrf_token": csrf.group(1)})
        assert out.status_code == 303 and out.headers["location"] == f"/site/{me}"
        assert 'site_session=""' in out.headers["set-cookie"]
        assert _signed_out(await http.get(account), me)

        # The copy, sent from anywhere: signed out, shown as a guest, never a 500.
        async with make_client(clients) as thief:
            thief.cookies.set("site_session", kept, path=f"/site/{me}")
            assert _signed_out(await thief.get(account), me)
            login = await thief.get(f"{account}/login")
            assert login.status_code == 200 and "<h1>Sign in</h1>" in login.text
            assert f'href="/site/{me}/account"' not in login.text  # no "My account" in the layout
            # Signing out again with it changes nothing and fails nothing.
            csrf_again = CSRF.search(login.text)
            assert csrf_again
            again = await thief.post(f"{account}/logout", data={"csrf_token": csrf_again.group(1)})
            assert again.status_code == 303

        # Only that session ended: the other browser is still signed in.
        still = await phone.get(account)
        assert still.status_code == 200 and "My account" in still.text


async def test_a_site_cookie_without_a_session_row_opens_nothing(http, make_account, jwt_secret):
    """A cookie signed with the site's key but naming no session (as issued before sessions were
    recorded) is signed out."""
    ann = await make_account("CUSTOMER")
    now = int(time.time())
    claims = {
        "iss": "bookingplatform-gateway",
        "aud": "site-customer",
        "sub": ann.user_id,
        "company_id": ann.company_id,
        "customer_id": ann.customer_id,
        "email": ann.email,
        "epoch": 0,
        "iat": now,
        "exp": now + 600,
    }
    key = hashlib.sha256(b"gateway-site-session\x00" + jwt_secret.encode()).digest()
    http.cookies.set(
        "site_session", jwt.encode(claims, key, algorithm="HS256"), path=f"/site/{ann.company_id}"
    )
    assert _signed_out(await http.get(f"/site/{ann.company_id}/account"), ann.company_id)


async def test_the_site_s_sign_in_429_says_the_limiter_s_wait_and_carries_it_in_retry_after(
    http, make_account
):
    ann = await make_account("CUSTOMER")
    login = f"/site/{ann.company_id}/account/login"
    csrf = await _csrf(http, login)
    answers = [
        await http.post(login, data={"csrf_token": csrf, "email": ann.email, "password": "wrong"})
        for _ in range(6)
    ]
    # GATEWAY_LOGIN_LIMIT_PER_ACCOUNT: 5/minute.
    assert [answer.status_code for answer in answers] == [401] * 5 + [429]
    refused = answers[-1]
    wait = int(refused.headers["retry-after"])
    assert 1 <= wait <= 60
    assert f"Too many attempts: try again in {views.wait(wait)}." in refused.text
    assert "wait a minute" not in refused.text


def test_waits_read_in_words_rounded_up():
    assert views.wait(0) == "1 second"
    assert views.wait(1) == "1 second"
    assert views.wait(45) == "45 seconds"
    assert views.wait(60) == "1 minute"
    assert views.wait(61) == "2 minutes"
    assert views.wait(3541) == "1 hour"
    assert views.wait(3600) == "1 hour"
    assert views.wait(3661) == "1 hour 2 minutes"
