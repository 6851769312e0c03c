"""Login rate limits (per address, per account) and argon2 off the event loop: real PostgreSQL,
the real app over ASGI, the real `limits` counters."""

from __future__ import annotations

import asyncio
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

import httpx
import pytest
from argon2 import PasswordHasher

from gateway import users as users_module
from gateway.app import create_app
from gateway.settings import Settings
from gateway.users import UserStore
from plumbing.testing import eventually

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery staple"


@pytest.fixture
async def gateway(
    database_url, fake_platform, clients, gateway_db, jwt_secret
) -> AsyncIterator[Callable[..., Any]]:
    """A gateway app with the given settings overrides, as an HTTP client."""
    opened: list[httpx.AsyncClient] = []
    address = fake_platform.address

    def make(**overrides: Any) -> httpx.AsyncClient:
        settings = Settings(
            catalog_addr=address,
            bookings_addr=address,
            wallet_addr=address,
            passes_addr=address,
            payments_addr=address,
            database_url=database_url,
            jwt_secret=jwt_secret,
            **overrides,
        )
        app = create_app(settings, clients=clients, db=gateway_db)
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://gateway"
        )
        opened.append(client)
        return client

    yield make
    for client in opened:
        await client.aclose()


class RecordingHasher(PasswordHasher):
    """The real argon2 hasher, recording what it verified and on which thread it hashed."""

    def __init__(self) -> None:
        super().__init__()
        self.verified: list[str] = []
        self.hashed_on: list[int] = []
        self.before_verify: Callable[[], None] = lambda: None

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.verified.append(str(password))
        self.before_verify()
        return super().verify(hash, password)

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.hashed_on.append(threading.get_ident())
        return super().hash(password, salt=salt)


@pytest.fixture
def hasher(monkeypatch) -> RecordingHasher:
    recording = RecordingHasher()
    monkeypatch.setattr(users_module, "_hasher", recording)
    return recording


@pytest.fixture
def verifications(hasher) -> list[str]:
    return hasher.verified


async def new_user(gateway_db, role: str = "PLATFORM_ADMIN") -> str:
    email = f"limits-{uuid.uuid4().hex[:12]}@example.com"
    await UserStore(gateway_db).create_user(email=email, password=PASSWORD, role=role)  # type: ignore[arg-type]
    return email


async def login(
    http: httpx.AsyncClient, email: str, password: str = PASSWORD, **kwargs: Any
) -> httpx.Response:
    return await http.post("/v1/auth/token", json={"email": email, "password": password}, **kwargs)


def assert_rate_limited(reply: httpx.Response, window_seconds: int) -> None:
    assert reply.status_code == 429
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["code"] == "RATE_LIMITED"
    assert 1 <= int(reply.headers["retry-after"]) <= window_seconds


async def test_an_account_is_refused_after_five_failures_without_hashing_the_password(
    gateway, gateway_db, verifications
):
    http = gateway(login_limit_per_ip="100/minute")
    email, other = await new_user(gateway_db), await new_user(gateway_db)

    failures = [await login(http, email, "wrong") for _ in range(5)]
    verified_before = len(verifications)
    refused = await login(http, email)
    refused_other_case = await login(http, "  " + email.upper())
    other_account = await login(http, other)

    assert [r.status_code for r in failures] == [401] * 5
    assert_rate_limited(refused, 60)
    assert_rate_limited(refused_other_case, 60)
    assert len(verifications) == verified_before + 1  # only the other account's password
    assert other_account.status_code == 200


async def test_a_successful_login_clears_the_accounts_failures(gateway, gateway_db):
    http = gateway(login_limit_per_ip="100/minute")
    email = await new_user(gateway_db)

    first = [await login(http, email, "wrong") for _ in range(4)]
    success = await login(http, email)
    after = [await login(http, email, "wrong") for _ in range(4)]

    assert [r.status_code for r in first + after] == [401] * 8
    assert success.status_code == 200


async def test_an_unknown_email_is_limited_like_a_known_one(gateway, verifications):
    http = gateway(login_limit_per_ip="100/minute")
    nobody = f"nobody-{uuid.uuid4().hex[:8]}@example.com"

    replies = [await login(http, nobody, "guess") for _ in range(6)]

    assert [r.status_code for r in replies[:5]] == [401] * 5
    assert_rate_limited(replies[5], 60)
    assert len(verifications) == 5


async def test_an_address_is_refused_after_ten_attempts_failed_or_not(gateway, gateway_db, verifications):
    http = gateway()
    emails = [await new_user(gateway_db) for _ in range(5)]

    successes = [await login(http, email) for email in emails]
    failures = [await login(http, email, "wrong") for email in emails]
    verified_before = len(verifications)
    refused = await login(http, emails[0])

    assert [r.status_code for r in successes] == [200] * 5
    assert [r.status_code for r in failures] == [401] * 5
    assert_rate_limited(refused, 60)
    assert len(verifications) == verified_before


async def test_x_forwarded_for_counts_only_from_a_trusted_proxy(gateway, gateway_db):
    direct = gateway(login_limit_per_ip="2/minute")
    proxied = gateway(login_limit_per_ip="2/minute", trusted_proxies=("127.0.0.1",))
    email = await new_user(gateway_db)

    # Not behind a proxy: a forged header does not buy a fresh address.
    spoofed = [await login(direct, email, headers={"X-Forwarded-For": f"203.0.113.{n}"}) for n in range(1, 4)]
    # Behind a trusted proxy (the ASGI client is 127.0.0.1): each forwarded client counts alone.
    first_client = [await login(proxied, email, headers={"X-Forwarded-For": "203.0.113.7"}) for _ in range(3)]
    second_client = await login(proxied, email, headers={"X-Forwarded-For": "198.51.100.9"})

    assert [r.status_code for r in spoofed[:2]] == [200, 200]
    assert_rate_limited(spoofed[2], 60)
    assert [r.status_code for r in first_client[:2]] == [200, 200]
    assert_rate_limited(first_client[2], 60)
    assert second_client.status_code == 200


async def test_the_account_limit_lifts_when_its_window_has_passed(gateway, gateway_db):
    # A window well beyond the failed login's argon2 verification (~0.35 s, seconds on a busy
    # machine), so the next login still meets the slot it took; an address budget the polling
    # below never uses up, so only the account's limit can refuse.
    http = gateway(login_limit_per_ip="1000/minute", login_limit_per_account="1 per 5 seconds")
    email = await new_user(gateway_db)

    started = time.monotonic()
    failed = await login(http, email, "wrong")
    refused = await login(http, email)

    assert failed.status_code == 401
    assert_rate_limited(refused, 5)

    async def let_in() -> httpx.Response | None:
        reply = await login(http, email)
        return reply if reply.status_code != 429 else None

    # Refused attempts take no slot, so the lock ends one window after the last failure.
    later = await eventually(let_in, interval=0.2, message="the account's limit never lifted")
    assert later.status_code == 200
    assert time.monotonic() - started >= 4.5  # not before its window had passed


async def test_the_event_loop_answers_while_passwords_are_being_verified(gateway, gateway_db, hasher):
    """Each verification blocks its thread until /healthz has answered: were argon2 run on the
    event loop, /healthz could never be served and the logins would not finish."""
    http = gateway()
    email = await new_user(gateway_db)
    started, release = threading.Event(), threading.Event()

    def gate() -> None:
        started.set()
        if not release.wait(timeout=30):
            raise RuntimeError("never released: the event loop was blocked")

    hasher.before_verify = gate

    logins = [asyncio.create_task(login(http, email)) for _ in range(3)]
    assert await asyncio.to_thread(started.wait, 30)
    health = await http.get("/healthz")
    pending_while_healthy = sum(not task.done() for task in logins)
    release.set()
    replies = await asyncio.gather(*logins)

    assert health.status_code == 200
    assert pending_while_healthy == 3
    assert [r.status_code for r in replies] == [200] * 3


async def test_user_creation_hashes_off_the_event_loop(gateway_db, hasher):
    await new_user(gateway_db)

    assert hasher.hashed_on
    assert threading.get_ident() not in hasher.hashed_on


@pytest.mark.parametrize("variable", ["GATEWAY_LOGIN_LIMIT_PER_IP", "GATEWAY_LOGIN_LIMIT_PER_ACCOUNT"])
def test_a_login_limit_that_is_not_a_rate_is_refused_at_start(monkeypatch, variable):
    for name in ("CATALOG", "BOOKINGS", "WALLET", "PASSES", "PAYMENTS"):
        monkeypatch.setenv(f"{name}_ADDR", "127.0.0.1:1")
    monkeypatch.setenv("GATEWAY_DATABASE_URL", "postgresql://localhost/none")
    monkeypatch.setenv("JWT_SECRET", "x" * 40)
    monkeypatch.setenv("GATEWAY_TRUSTED_PROXIES", "10.0.0.1, 10.1.0.0/16")
    assert Settings.from_env().trusted_proxies == ("10.0.0.1", "10.1.0.0/16")

    monkeypatch.setenv(variable, "lots")

    with pytest.raises(RuntimeError, match=variable):
        Settings.from_env()


async def change_password(http: httpx.AsyncClient, token: str, current: str) -> httpx.Response:
    return await http.post(
        "/v1/auth/password",
        json={"current_password": current, "new_password": "a brand new passphrase"},
        headers={"Authorization": f"Bearer {token}"},
    )


async def test_a_password_change_guesses_the_current_password_no_faster_than_a_login(
    gateway, gateway_db, verifications
):
    """A customer's token (a free sign-up) looping wrong current passwords: the account's
    limit refuses the sixth before argon2 runs, and the account's logins share that budget."""
    http = gateway(login_limit_per_ip="100/minute")
    email = f"limits-{uuid.uuid4().hex[:12]}@example.com"
    await UserStore(gateway_db).create_user(
        email=email,
        password=PASSWORD,
        role="CUSTOMER",
        company_id=str(uuid.uuid4()),
        customer_id=str(uuid.uuid4()),
    )
    token = (await login(http, email)).json()["access_token"]

    guesses = [await change_password(http, token, f"wrong{n}") for n in range(5)]
    verified_before = len(verifications)
    refused = await change_password(http, token, PASSWORD)
    login_refused = await login(http, email)

    assert [r.status_code for r in guesses] == [401] * 5
    assert_rate_limited(refused, 60)
    assert_rate_limited(login_refused, 60)
    assert len(verifications) == verified_before  # refused before any argon2


async def test_password_changes_count_against_the_address_like_logins(gateway, gateway_db, verifications):
    http = gateway(login_limit_per_ip="3/minute", login_limit_per_account="100/minute")
    email = await new_user(gateway_db)
    token = (await login(http, email)).json()["access_token"]

    guesses = [await change_password(http, token, f"wrong{n}") for n in range(2)]
    verified_before = len(verifications)
    refused = await change_password(http, token, "wrong3")

    assert [r.status_code for r in guesses] == [401] * 2
    assert_rate_limited(refused, 60)
    assert len(verifications) == verified_before


async def test_a_right_current_password_clears_the_account_s_failures(gateway, gateway_db):
    http = gateway(login_limit_per_ip="100/minute")
    email = await new_user(gateway_db)
    token = (await login(http, email)).json()["access_token"]

    failures = [await change_password(http, token, "wrong") for _ in range(4)]
    changed = await change_password(http, token, PASSWORD)
    after = [await login(http, email, "wrong") for _ in range(4)]

    assert [r.status_code for r in failures + after] == [401] * 8
    assert changed.status_code == 204


async def sign_up(http: httpx.AsyncClient, company_id: str, email: str) -> httpx.Response:
    return await http.post(
        f"/v1/companies/{company_id}/signup",
        json={"email": email, "password": PASSWORD, "display_name": "Sign Up"},
    )


async def test_sign_ups_are_limited_per_address_so_taken_e_mails_cannot_be_listed_fast(
    gateway, gateway_db, verifications
):
    """409 EMAIL_TAKEN says an address has an account (staff and admins included): an address
    may try as many sign-ups as it may logins, then 429 before anything is looked up."""
    http = gateway(login_limit_per_ip="3/minute")
    company = str(uuid.uuid4())
    staff = f"staff-{uuid.uuid4().hex[:12]}@example.com"
    await UserStore(gateway_db).create_user(email=staff, password=PASSWORD, role="STAFF", company_id=company)

    taken = [await sign_up(http, company, staff) for _ in range(3)]
    refused = await sign_up(http, company, staff)
    other_company = await sign_up(http, str(uuid.uuid4()), staff)
    login_still = await login(http, staff)

    assert [r.json()["code"] for r in taken] == ["EMAIL_TAKEN"] * 3
    assert_rate_limited(refused, 60)
    assert_rate_limited(other_company, 60)  # the address's budget, whatever the company
    assert login_still.status_code == 200  # a bucket of its own: logins are not spent


async def test_a_password_reset_answers_before_the_account_is_looked_up(gateway, gateway_db, monkeypatch):
    """The reset of an existing account (its company read, the reset and its e-mail written)
    is done after the answer: a 202 for a known address takes what one for an unknown takes."""
    from gateway.routes import auth as auth_routes

    http = gateway()
    company = str(uuid.uuid4())
    email = f"reset-{uuid.uuid4().hex[:12]}@example.com"
    await UserStore(gateway_db).create_user(
        email=email, password=PASSWORD, role="CUSTOMER", company_id=company, customer_id=str(uuid.uuid4())
    )
    release, written = asyncio.Event(), asyncio.Event()
    write = auth_routes.write_password_reset

    async def held_write(*args: Any, **kwargs: Any) -> None:
        await release.wait()
        await write(*args, **kwargs)
        written.set()

    monkeypatch.setattr(auth_routes, "write_password_reset", held_write)

    known = await asyncio.wait_for(
        http.post("/v1/auth/password-reset", json={"email": email, "company_id": company}), 10
    )
    unknown = await asyncio.wait_for(
        http.post("/v1/auth/password-reset", json={"email": "no-" + email, "company_id": company}), 10
    )

    assert (known.status_code, unknown.status_code) == (202, 202)
    assert known.json() == unknown.json()
    assert not written.is_set()
    release.set()
    await asyncio.wait_for(written.wait(), 10)  # and the reset's e-mail is written after all


async def test_typed_codes_are_limited_per_address_on_the_api_and_the_site_as_on_the_console(gateway):
    """An invitation code or a reset token is tried no faster than a password wherever it is
    typed: `POST /v1/invites/accept`, `/v1/auth/password-reset/confirm` and the site's reset code
    page count in the console's bucket (`take_code`), 429 past it; before, they had no limit."""
    site = f"/site/{uuid.uuid4()}/account/password-reset/code"
    new = "a brand new password"

    async def invite(http: httpx.AsyncClient) -> httpx.Response:
        return await http.post("/v1/invites/accept", json={"token": "wrong.code", "password": new})

    async def confirm(http: httpx.AsyncClient) -> httpx.Response:
        return await http.post(
            "/v1/auth/password-reset/confirm", json={"token": "wrong.code", "new_password": new}
        )

    for typed, wrong in ((invite, 404), (confirm, 400)):
        http = gateway(login_limit_per_ip="3/minute")
        tries = [await typed(http) for _ in range(3)]
        assert [r.status_code for r in tries] == [wrong] * 3, tries[0].text
        assert_rate_limited(await typed(http), 60)

    http = gateway(login_limit_per_ip="3/minute")
    form = await http.get(site)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf, form.text
    fields = {"csrf_token": csrf.group(1), "code": "wrong.code", "password": new, "password_confirm": new}
    tries = [await http.post(site, data=fields) for _ in range(3)]
    refused = await http.post(site, data=fields)
    api_too = await confirm(http)  # one bucket for every form a code is typed on
    assert [r.status_code for r in tries] == [400] * 3
    assert refused.status_code == 429 and refused.headers["content-type"].startswith("text/html")
    assert 1 <= int(refused.headers["retry-after"]) <= 60 and "Too many attempts" in refused.text
    assert_rate_limited(api_too, 60)
