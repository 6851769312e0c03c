"""CPU of a write the gateway refuses under overload (503 OVERLOADED), through the gateway's
ASGI app in this process: what admission control spends on each request it turns away.
Figures only; nothing is asserted.

    .venv/bin/python bench/refusal_cost.py [--requests 1000] [--rounds 9]

The app is `gateway.app.create_app` as the process builds it (tracing set up as
`python -m gateway` sets it up, no exporter), its write limiter full, so every
`POST /v1/bookings` is refused; no service, database or network is involved (httpx's ASGI
transport). The same client against a minimal ASGI app that answers the same 503 at once is
measured too, and subtracted: the figure is the gateway's own share. uvicorn's HTTP parsing
is not included (it is the same whatever the app does). Run it in two trees to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid

import httpx

from gateway import app as gateway_app
from gateway.admission import Limiter
from gateway.settings import Settings
from plumbing.telemetry import setup_tracing

BODY = {"session_id": str(uuid.uuid4()), "payment": {"use_wallet": True}}


async def minimal_app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    """Answers every request with a refusal's status, headers and body, doing nothing else."""
    body = json.dumps({"type": "about:blank", "status": 503, "code": "OVERLOADED", "detail": "busy"}).encode()
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"retry-after", b"1"),
        (b"x-request-id", b"0"),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def cpu_of_requests(http: httpx.AsyncClient, requests: int) -> float:
    """This process's CPU seconds per refused POST, over `requests` of them."""
    started = time.process_time()
    for _ in range(requests):
        answer = await http.post("/v1/bookings", json=BODY, headers={"Idempotency-Key": "bench"})
    assert answer.status_code == 503, answer.text
    return (time.process_time() - started) / requests


def client_of(app) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()

    setup_tracing("gateway")
    full = Limiter(1, 0, 0.0)
    await full.acquire()  # its only slot taken: every write is refused at once
    gateway_app.write_limiter = lambda settings: full  # type: ignore[assignment]
    nowhere = "127.0.0.1:9"  # never called: a refusal reaches no service
    settings = Settings(
        catalog_addr=nowhere,
        bookings_addr=nowhere,
        wallet_addr=nowhere,
        passes_addr=nowhere,
        payments_addr=nowhere,
        database_url="postgresql://bench@127.0.0.1:9/none",
        jwt_secret="refusal-cost-" + uuid.uuid4().hex,
    )
    # The machine's speed drifts within minutes: each round measures both, one after the
    # other, and the figure is the median of the rounds' differences.
    rounds = []
    async with client_of(gateway_app.create_app(settings)) as gateway, client_of(minimal_app) as minimal:
        await cpu_of_requests(gateway, 200)  # warm up: the middleware stack is built on first use
        await cpu_of_requests(minimal, 200)
        for _ in range(args.rounds):
            rounds.append(
                (await cpu_of_requests(gateway, args.requests), await cpu_of_requests(minimal, args.requests))
            )
    both = statistics.median(g for g, _ in rounds)
    client = statistics.median(m for _, m in rounds)
    own = statistics.median(g - m for g, m in rounds)
    print(
        f"refused write, gateway app + client: {both * 1e6:.0f} us CPU; client + minimal app: {client * 1e6:.0f} us"
    )
    print(
        f"RESULT refusal_us={own * 1e6:.0f}  (the gateway app's own CPU per refused write, median of {args.rounds} rounds)"
    )


if __name__ == "__main__":
    asyncio.run(main())
