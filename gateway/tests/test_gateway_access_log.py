"""`python -m gateway` as a real process with its real uvicorn access log: tokens sent in the
address or in headers never reach a log line."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from gateway.logredact import redact, redact_span_address
from gateway.users import UserStore

pytestmark = pytest.mark.integration


async def test_the_access_log_holds_no_token_from_the_address_or_the_headers(
    tmp_path: Path, database_url, fake_platform, gateway_db, jwt_secret
):
    email = f"log-{uuid.uuid4().hex[:8]}@example.com"
    await UserStore(gateway_db).create_user(email=email, password="log-pw", role="PLATFORM_ADMIN")
    port_file, log_file = tmp_path / "gateway.port", tmp_path / "gateway.log"
    env = {
        **os.environ,
        **{
            f"{name}_ADDR": fake_platform.address
            for name in ("CATALOG", "BOOKINGS", "WALLET", "PASSES", "PAYMENTS")
        },
        "GATEWAY_DATABASE_URL": database_url,
        "JWT_SECRET": jwt_secret,
        "GATEWAY_PORT": "0",
        "PORT_FILE": str(port_file),
        "LOG_LEVEL": "info",
    }
    secrets = [f"secret-{name}-{uuid.uuid4().hex}" for name in ("a", "b", "c", "d", "e", "f", "g")]
    feed_token = uuid.uuid4().hex  # a calendar feed's address is its secret
    bare_feed_token = uuid.uuid4().hex
    h, i = (f"secret-{name}-{uuid.uuid4().hex}" for name in ("h", "i"))
    with log_file.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "gateway", env=env, stdout=log, stderr=log
        )
    try:
        # Waits for the process, however slow the machine is; nothing here measures speed.
        for _ in range(1200):
            if port_file.exists() and port_file.read_text():
                break
            assert process.returncode is None, "the gateway exited early"
            await asyncio.sleep(0.05)
        port = port_file.read_text()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            login = await client.post("/v1/auth/token", json={"email": email, "password": "log-pw"})
            assert login.status_code == 200
            jwt, refresh = login.json()["access_token"], login.json()["refresh_token"]
            a, b, c, d, e, f, g = secrets
            await client.get("/ops/sagas", params={"token": jwt, "state": "RUNNING"})
            await client.get(f"/ops/dead-letters?access_token={a}&api_key={b}")
            await client.get(f"/healthz?password={c}&%74oken={d}&Signature={e}")
            await client.get("/v1/ops/sagas", headers={"Authorization": f"Bearer {jwt}"})
            await client.get("/ops/sagas", headers={"Cookie": f"gateway_ops_session={f}"})
            await client.get(f"/v1/sessions?key={g}")
            feed = await client.get(f"/feeds/calendar/calf_{feed_token}.ics")
            assert feed.status_code == 404
            # The same feed token behind two slashes, percent-encoded, or without its prefix.
            await client.get(f"/feeds/calendar//calf_{feed_token}.ics")
            await client.get(f"/feeds//calendar/%63alf_{feed_token}.ics")
            await client.get(f"/feeds/calendar/{bare_feed_token}.ics")
            # A parameter no list names (a refresh token in the address), and secrets by shape.
            await client.get(f"/v1/wallet?refresh={refresh}", headers={"Authorization": f"Bearer {jwt}"})
            await client.get(f"/ops/login?next=%2Fops%2Fsagas%3Fsession%3D{h}")
            await client.get(f"/v1/sessions?company_id=whsec_{i}")
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 60) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    logged = log_file.read_text()
    assert '"GET /healthz?' in logged  # the access log was written
    assert "/ops/sagas?token=[REDACTED]&state=RUNNING" in logged
    assert "password=[REDACTED]" in logged and "%74oken=[REDACTED]" in logged
    assert '"GET /feeds/calendar/[REDACTED] HTTP/1.1' in logged
    assert '"GET /v1/wallet?refresh=[REDACTED] HTTP/1.1' in logged
    for secret in [jwt, "log-pw", feed_token, bare_feed_token, refresh, h, i, *secrets]:
        assert secret not in logged
    assert refresh.split(".")[1] not in logged  # not even the secret half
    assert jwt.split(".")[2] not in logged  # not even the signature alone


def test_redaction_keeps_what_is_not_secret():
    line = '127.0.0.1:5 - "GET /ops/sagas?state=RUNNING&page_token=abc&company_id=c1 HTTP/1.1" 200'
    encoded = '"GET /ops/login?next=%2Fops%2Fsagas%3Fstate%3DRUNNING HTTP/1.1" 303'

    assert redact(line) == line
    assert redact(encoded) == encoded
    # A parameter not known to be safe keeps its name, never its value.
    assert redact("GET /v1/wallet?tokens=1&refresh=x&state=A") == (
        "GET /v1/wallet?tokens=[REDACTED]&refresh=[REDACTED]&state=A"
    )
    assert redact("Authorization: Basic dXNlcjpwYXNz") == "Authorization: [REDACTED]"
    assert redact("sent Bearer abc.def") == "sent Bearer [REDACTED]"
    assert redact("GET /feeds/calendar/calf_x-Y_z.ics?top=1") == "GET /feeds/calendar/[REDACTED]?top=1"


def test_the_span_s_address_is_redacted_like_a_log_line():
    class Span:
        def __init__(self, attributes: dict[str, str]) -> None:
            self.attributes = attributes

        def set_attribute(self, name: str, value: str) -> None:
            self.attributes[name] = value

    token = "calf_" + uuid.uuid4().hex
    span = Span(
        {
            "url.path": f"/feeds/calendar//{token}.ics",
            "url.query": "refresh=0b7c8f9e-1111-2222-3333-444455556666.abcdefghijklmnopqrstuvwxyz",
            "http.target": f"/feeds//calendar/%63{token[1:]}.ics",
        }
    )

    redact_span_address(span, {})

    assert token not in str(span.attributes) and token[1:] not in str(span.attributes)
    assert "abcdefghijklmnopqrstuvwxyz" not in span.attributes["url.query"]
