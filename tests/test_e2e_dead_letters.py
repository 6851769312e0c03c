"""Dead letters through the gateway, on the real platform: a saga command the wallet cannot
decode is terminated, lands in the DLQ, is listed by an operator, replayed once (and reaches
the wallet's consumer again), and a second replay is refused."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from plumbing import messaging
from plumbing.testing import eventually

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


async def login(platform, role: str, company_id: str | None = None) -> httpx.AsyncClient:
    email = f"{role}-{uuid.uuid4().hex[:10]}@example.com"
    await platform.users.create_user(email=email, password="secret-pass", role=role, company_id=company_id)
    client = httpx.AsyncClient(base_url=platform.gateway_url, timeout=30)
    token = await client.post("/v1/auth/token", json={"email": email, "password": "secret-pass"})
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return client


async def find_dead_letter(http: httpx.AsyncClient, service: str, message_id: str):
    async def listed() -> dict | None:
        token, found = None, None
        while True:
            params = {"service": service, "page_size": 200, **({"page_token": token} if token else {})}
            page = await http.get("/v1/ops/dead-letters", params=params)
            assert page.status_code == 200, page.text
            body = page.json()
            found = next((d for d in body["dead_letters"] if d["original_message_id"] == message_id), found)
            token = body["next_page_token"]
            if not token:
                return found

    return await eventually(listed, interval=0.1, message=f"no dead letter for {message_id}")


async def test_an_operator_lists_a_dead_letter_and_replays_it_once(platform, nats_url):
    operator = await login(platform, "PLATFORM_ADMIN")
    nc = await messaging.connect(nats_url, "dead-letter-test")
    message_id = f"poison-{uuid.uuid4()}"
    try:
        await nc.jetstream().publish(
            messaging.command_subject("wallet"), b"\x0a\xff", headers={"Nats-Msg-Id": message_id}
        )
        letter = await find_dead_letter(operator, "wallet", message_id)
        assert letter["service"] == "wallet"
        assert letter["consumer"] == "wallet"
        assert letter["reason"] == "TERMINATED"
        assert letter["original_subject"] == "saga.cmd.wallet"
        assert letter["original_stream"] == "SAGA"
        assert letter["deliveries"] == 1
        assert letter["summary"].startswith("undecodable StepCommand")
        assert letter["replayed"] is False

        replay = await operator.post(
            f"/v1/ops/dead-letters/wallet/{letter['id']}/replay", headers={"Idempotency-Key": "k1"}
        )
        assert replay.status_code == 200, replay.text
        replayed = replay.json()
        assert replayed["replayed"] is True and replayed["replay_time"]
        # The wallet's consumer got it again (and gave up on it again: it is still poison).
        again = await find_dead_letter(operator, "wallet", replayed["replay_message_id"])
        assert again["id"] != letter["id"]

        same_key = await operator.post(
            f"/v1/ops/dead-letters/wallet/{letter['id']}/replay", headers={"Idempotency-Key": "k1"}
        )
        assert same_key.status_code == 200
        assert same_key.json()["replay_message_id"] == replayed["replay_message_id"]
        second = await operator.post(f"/v1/ops/dead-letters/wallet/{letter['id']}/replay")
        assert second.status_code == 409
        assert second.headers["content-type"] == "application/problem+json"
        assert second.json()["code"] == "ALREADY_REPLAYED"

        page = await operator.get("/ops/dead-letters", params={"service": "wallet"})
        assert page.status_code == 200
        assert "text/html" in page.headers["content-type"]
        assert f"<code>{letter['id']}</code>" in page.text
        everything = await operator.get("/ops/dead-letters")
        assert everything.status_code == 200
        assert all(
            f'<h2 id="service-{s}">{s}</h2>' in everything.text
            for s in ("bookings", "wallet", "passes", "payments")
        )

        discard = await operator.post(f"/v1/ops/dead-letters/wallet/{again['id']}/discard")
        assert discard.status_code == 204
        missing = await operator.post(f"/v1/ops/dead-letters/wallet/{again['id']}/replay")
        assert missing.status_code == 404
        assert missing.json()["code"] == "DEAD_LETTER_NOT_FOUND"
    finally:
        await nc.close()
        await operator.aclose()


async def test_dead_letters_are_for_platform_operators_only(platform):
    company_operator = await login(platform, "COMPANY_ADMIN", company_id=str(uuid.uuid4()))
    operator = await login(platform, "PLATFORM_ADMIN")
    try:
        refused = await company_operator.get("/v1/ops/dead-letters", params={"service": "wallet"})
        assert refused.status_code == 403
        assert refused.json()["code"] == "PERMISSION_DENIED"
        anonymous = await httpx.AsyncClient(base_url=platform.gateway_url, timeout=30).get(
            "/v1/ops/dead-letters", params={"service": "wallet"}
        )
        assert anonymous.status_code == 401
        unknown = await operator.get("/v1/ops/dead-letters", params={"service": "catalog"})
        assert unknown.status_code == 400
        assert unknown.json()["code"] == "VALIDATION_FAILED"
        bad_id = await operator.post("/v1/ops/dead-letters/wallet/abc/replay")
        assert bad_id.status_code == 400
        for service in ("bookings", "passes", "payments"):
            listed = await operator.get("/v1/ops/dead-letters", params={"service": service})
            assert listed.status_code == 200, listed.text
    finally:
        await company_operator.aclose()
        await operator.aclose()


async def page_session(platform, role: str, company_id: str | None = None) -> httpx.AsyncClient:
    """A browser-like client logged in through the /ops login form (it keeps the cookie)."""
    email = f"{role}-{uuid.uuid4().hex[:10]}@example.com"
    await platform.users.create_user(email=email, password="secret-pass", role=role, company_id=company_id)
    client = httpx.AsyncClient(base_url=platform.gateway_url, timeout=30)
    logged_in = await client.post("/ops/login", data={"email": email, "password": "secret-pass"})
    assert logged_in.status_code == 303, logged_in.text
    return client


async def test_the_dead_letter_page_s_forms_need_the_session_s_csrf_token_and_a_platform_operator(
    platform, nats_url
):
    api = await login(platform, "PLATFORM_ADMIN")
    operator = await page_session(platform, "PLATFORM_ADMIN")
    company_operator = await page_session(platform, "COMPANY_ADMIN", company_id=str(uuid.uuid4()))
    nc = await messaging.connect(nats_url, "dead-letter-form-test")
    message_id = f"poison-{uuid.uuid4()}"
    try:
        await nc.jetstream().publish(
            messaging.command_subject("wallet"), b"\x0a\xff", headers={"Nats-Msg-Id": message_id}
        )
        letter = await find_dead_letter(api, "wallet", message_id)
        page = await operator.get("/ops/dead-letters", params={"service": "wallet"})
        assert page.status_code == 200
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        forged = {"csrf_token": "forged", "request_key": "k"}
        valid = {"csrf_token": token.group(1), "request_key": str(uuid.uuid4()), "back": "service=wallet"}
        replay = f"/ops/dead-letters/wallet/{letter['id']}/replay"

        missing = await operator.post(replay, data={"request_key": "k"})
        wrong = await operator.post(f"/ops/dead-letters/wallet/{letter['id']}/discard", data=forged)
        not_platform = await company_operator.post(replay, data=forged)
        company_page = await company_operator.get("/ops/dead-letters")
        replayed = await operator.post(replay, data=valid)
        again = await operator.post(replay, data={**valid, "request_key": str(uuid.uuid4())})
        unknown = await operator.post("/ops/dead-letters/wallet/99999999/replay", data=valid)
        after = await operator.get(replayed.headers["location"])

        for refused in (missing, wrong):
            assert refused.status_code == 403
            assert refused.json()["code"] == "CSRF_TOKEN_INVALID"
        assert not_platform.status_code == 403 and not_platform.json()["code"] == "PERMISSION_DENIED"
        assert company_page.status_code == 403
        assert replayed.status_code == 303
        assert replayed.headers["location"] == "/ops/dead-letters?service=wallet&done=replay"
        assert "Replayed: the message was published again" in after.text
        assert again.headers["location"].endswith("done=replay&error=ALREADY_REPLAYED")
        assert unknown.headers["location"].endswith("done=replay&error=DEAD_LETTER_NOT_FOUND")
    finally:
        await nc.close()
        for client in (api, operator, company_operator):
            await client.aclose()
