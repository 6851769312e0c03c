"""`python -m gateway` as a real process: uvicorn on a port the OS picks, $PORT_FILE,
a real login and a graceful stop on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from gateway.users import UserStore
from plumbing.testing import EVENTUALLY_TIMEOUT, eventually

pytestmark = pytest.mark.integration


async def test_the_gateway_process_serves_on_the_port_it_reports_and_stops_on_sigterm(
    tmp_path: Path, database_url, fake_platform, gateway_db, jwt_secret
):
    email = f"proc-{uuid.uuid4().hex[:8]}@example.com"
    await UserStore(gateway_db).create_user(email=email, password="pw", role="PLATFORM_ADMIN")
    port_file = tmp_path / "gateway.port"
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
        "LOG_LEVEL": "warning",
    }
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "gateway", env=env)
    try:

        def port_written() -> bool:
            assert process.returncode is None, "the gateway exited early"
            return port_file.exists() and bool(port_file.read_text())

        # Starting a Python process is slow on a busy machine: wait for the port, not a clock.
        await eventually(port_written, message="the gateway never wrote its port")
        port = int(port_file.read_text())
        assert port > 0
        # A busy machine may take longer than one probe's deadline to open the first database
        # connection: readiness is a condition to wait for, as an orchestrator's probe does.
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            assert (await client.get("/healthz")).status_code == 200

            async def ready() -> bool:
                return (await client.get("/readyz")).json()["status"] == "ready"

            await eventually(ready, message="the gateway never became ready")
            token = await client.post("/v1/auth/token", json={"email": email, "password": "pw"})
            assert token.status_code == 200
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), EVENTUALLY_TIMEOUT) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
