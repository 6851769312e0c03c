"""HTTP Idempotency-Key: the first result per (principal, key) is stored and replayed.

The claim is an `INSERT ... ON CONFLICT DO NOTHING`: of N concurrent requests with one key
exactly one inserts the row and calls downstream; the others see the row and answer
409 IDEMPOTENCY_KEY_IN_USE while it is in flight, or the stored response once it is done.
A claim whose holder died is taken over after a lease (the downstream RPCs are idempotent
on the same request_id, so a takeover cannot act twice).
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi.responses import Response
from sqlalchemy import Interval, bindparam, text
from sqlalchemy.dialects.postgresql import JSONB

from gateway.problems import Problem, RpcProblem, problem_response
from plumbing.db import Database

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
_STORED_HEADERS = ("content-type", "location")


def check_key(key: str | None) -> str:
    if key is None or key.strip() == "":
        raise Problem(400, "IDEMPOTENCY_KEY_REQUIRED", f"The {HEADER} header is required for this request.")
    if len(key) > MAX_KEY_LENGTH or not all("!" <= ch <= "~" for ch in key):
        raise Problem(
            400,
            "VALIDATION_FAILED",
            "The request is not valid.",
            errors=[{"field": HEADER, "message": f"1 to {MAX_KEY_LENGTH} visible ASCII characters"}],
        )
    return key


def request_hash(method: str, path: str, body: Any) -> str:
    canonical = json.dumps(
        {"method": method.upper(), "path": path, "body": body}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Claim:
    principal: str
    key: str
    token: str


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: str
    headers: dict[str, str]

    def replay(self) -> Response:
        headers = {name: value for name, value in self.headers.items() if name != "content-type"}
        headers[REPLAYED_HEADER] = "true"
        return Response(
            content=self.body.encode(),
            status_code=self.status_code,
            media_type=self.headers.get("content-type", "application/json"),
            headers=headers,
        )


# Prebuilt: a PostgreSQL INSERT construct is compiled again at every execution, and this
# store runs on every write. Each statement is atomic alone, so each runs on an autocommit
# connection (one round trip, no BEGIN/COMMIT).
_CLAIM = text(
    "INSERT INTO gateway.idempotency_keys (principal, key, request_hash, claim_token)"
    " VALUES (:principal, :key, :request_hash, :token)"
    " ON CONFLICT (principal, key) DO NOTHING RETURNING claim_token"
)
# A claim left by a crashed holder is taken over once its lease is over.
_TAKE_OVER = text(
    "UPDATE gateway.idempotency_keys SET claim_token = :token, claimed_at = now()"
    " WHERE principal = :principal AND key = :key AND status_code IS NULL"
    " AND request_hash = :request_hash AND claimed_at < now() - :lease"
    " RETURNING claim_token"
).bindparams(bindparam("lease", type_=Interval()))
_STORED = text(
    "SELECT request_hash, status_code, response_body, response_headers"
    " FROM gateway.idempotency_keys WHERE principal = :principal AND key = :key"
)
_COMPLETE = text(
    "UPDATE gateway.idempotency_keys SET status_code = :status_code, response_body = :body,"
    " response_headers = :headers, completed_at = now()"
    " WHERE principal = :principal AND key = :key AND claim_token = :token AND status_code IS NULL"
).bindparams(bindparam("headers", type_=JSONB))
_RELEASE = text(
    "DELETE FROM gateway.idempotency_keys"
    " WHERE principal = :principal AND key = :key AND claim_token = :token AND status_code IS NULL"
)


class IdempotencyStore:
    def __init__(self, db: Database, *, lease_seconds: float = 60.0) -> None:
        self.db = db
        self.lease = timedelta(seconds=lease_seconds)

    async def claim(self, principal: str, key: str, fingerprint: str) -> Claim | StoredResponse:
        """Claims the key, or returns the stored response; raises 409/422 otherwise."""
        row_key = {"principal": principal, "key": key}
        for _ in range(5):
            token = str(uuid.uuid4())
            claim = {**row_key, "request_hash": fingerprint, "token": token}
            async with self.db.autocommit() as conn:
                if (await conn.execute(_CLAIM, claim)).first() is not None:
                    return Claim(principal, key, token)
                if (await conn.execute(_TAKE_OVER, {**claim, "lease": self.lease})).first() is not None:
                    log.warning("took over the stale idempotency claim %s of %s", key, principal)
                    return Claim(principal, key, token)
                row = (await conn.execute(_STORED, row_key)).first()
            if row is None:
                continue  # released between our insert and our read: try again
            if row.request_hash != fingerprint:
                raise Problem(
                    422,
                    "IDEMPOTENCY_KEY_REUSED",
                    f"This {HEADER} was already used with a different request.",
                )
            if row.status_code is None:
                raise Problem(
                    409,
                    "IDEMPOTENCY_KEY_IN_USE",
                    f"A request with this {HEADER} is still being processed; retry later.",
                    headers={"Retry-After": "1"},
                )
            return StoredResponse(row.status_code, row.response_body or "", dict(row.response_headers or {}))
        raise Problem(
            409,
            "IDEMPOTENCY_KEY_IN_USE",
            f"The {HEADER} is contended; retry later.",
            headers={"Retry-After": "1"},
        )

    async def complete(self, claim: Claim, response: Response) -> None:
        headers = {name: response.headers[name] for name in _STORED_HEADERS if name in response.headers}
        async with self.db.autocommit() as conn:
            stored = await conn.execute(
                _COMPLETE,
                {
                    "principal": claim.principal,
                    "key": claim.key,
                    "token": claim.token,
                    "status_code": response.status_code,
                    "body": bytes(response.body).decode(),
                    "headers": headers,
                },
            )
        if stored.rowcount == 0:
            log.warning("idempotency claim %s of %s was lost before completion", claim.key, claim.principal)

    async def release(self, claim: Claim) -> None:
        async with self.db.autocommit() as conn:
            await conn.execute(
                _RELEASE, {"principal": claim.principal, "key": claim.key, "token": claim.token}
            )


async def run_once(
    store: IdempotencyStore,
    *,
    principal: str,
    key: str | None,
    fingerprint: str,
    instance: str,
    call: Callable[[], Awaitable[Response]],
) -> Response:
    """Runs `call` at most once per (principal, key) and returns/replays its response.

    Answers (success or a business refusal) are stored; a retryable downstream failure or
    an unexpected error releases the claim, so a retry with the same key goes through.
    """
    outcome = await store.claim(principal, check_key(key), fingerprint)
    if isinstance(outcome, StoredResponse):
        return outcome.replay()
    try:
        response = await call()
    except RpcProblem as problem:
        if problem.retryable:
            await store.release(outcome)
            raise
        response = problem_response(problem, instance)
    except Problem as problem:
        response = problem_response(problem, instance)
    except BaseException:
        await store.release(outcome)
        raise
    await store.complete(outcome, response)
    return response
