"""What every router shares: the documented problem responses, the paging parameters and
the run-once of a mutation under its Idempotency-Key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Header, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from gateway.auth import CustomerPrincipal, Principal
from gateway.deps import idempotency_of
from gateway.idempotency import HEADER, request_hash, run_once
from gateway.schemas import ProblemDetails

PROBLEM = {"model": ProblemDetails, "content": {"application/problem+json": {}}}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: each status it can answer, as problem+json."""
    return {status: PROBLEM for status in statuses}


PageSize = Annotated[int, Query(ge=1, le=200, description="At most 200.")]
PageToken = Annotated[str | None, Query(max_length=1024, description="next_page_token of the previous page.")]
IdempotencyKey = Annotated[
    str | None,
    Header(alias=HEADER, description="Required. The first result per key is stored and replayed."),
]


class Idempotent:
    """A dependency for a mutation that needs an `Idempotency-Key`: `run` calls it at most
    once per (principal, key) and replays the stored answer to a retry (gateway.idempotency).

    The fingerprint is built from the path the route names with its parsed ids, not the raw
    address, so `/v1/bookings/ABC...` and `/v1/bookings/abc...` are one request."""

    def __init__(self, request: Request, idempotency_key: IdempotencyKey = None) -> None:
        self.request = request
        self.key = idempotency_key

    async def run(
        self,
        principal: Principal | CustomerPrincipal,
        call: Callable[[str], Awaitable[Response]],
        *,
        path: str,
        body: BaseModel | None = None,
    ) -> Response:
        """`call(key)` once; `path` is the canonical path, `body` the validated body."""

        async def once() -> Response:
            assert self.key is not None  # run_once refuses a missing key before calling
            return await call(self.key)

        return await run_once(
            idempotency_of(self.request),
            principal=principal.subject,
            key=self.key,
            fingerprint=request_hash(
                self.request.method, path, body.model_dump(mode="json") if body is not None else None
            ),
            instance=self.request.url.path,
            call=once,
        )
