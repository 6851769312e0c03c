"""CORS per company: a browser page of a company's own site (an origin listed in the company's
`allowed_origins`, catalog's Company) may call the company's public API cross-origin; no other
origin gets CORS headers, so browsers keep other sites out.

The company of a request is the one its address names: `/v1/public/companies/{id}/...` or the
`company_id` query parameter (sessions, availability). The origins are read through the catalog
client and kept for `ttl_seconds` per company, so a change in the back office applies within
that time and a page's burst of calls asks the catalog once.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from urllib.parse import parse_qs

import grpc
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bookingplatform.catalog.v1 import catalog_pb2
from gateway.clients import Clients

log = logging.getLogger(__name__)

_COMPANY_PATH = re.compile(r"^/v1/public/companies/([0-9a-fA-F-]{36})/")
ALLOW_METHODS = "GET, POST"
ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key"
EXPOSE_HEADERS = "Location, Retry-After, Idempotent-Replayed, X-Request-ID"
MAX_AGE_SECONDS = "600"


def company_of(scope: Scope) -> str | None:
    """The company a request's address names, as a canonical UUID string."""
    found = _COMPANY_PATH.match(scope.get("path", ""))
    candidates = [found.group(1)] if found else []
    candidates += parse_qs(scope.get("query_string", b"").decode("latin-1")).get("company_id", [])[:1]
    for candidate in candidates:
        try:
            return str(uuid.UUID(candidate))
        except ValueError:
            return None
    return None


class CompanyCors:
    def __init__(
        self, app: ASGIApp, clients: Callable[[], Clients | None], ttl_seconds: float = 60.0
    ) -> None:
        self.app = app
        self.clients = clients
        self.ttl_seconds = ttl_seconds
        self._origins: dict[str, tuple[float, frozenset[str]]] = {}

    async def allowed_origins(self, company_id: str) -> frozenset[str]:
        cached = self._origins.get(company_id)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        clients = self.clients()
        if clients is None:
            return frozenset()
        try:
            reply = await clients.catalog.GetCompany(catalog_pb2.GetCompanyRequest(company_id=company_id))
            origins = frozenset(reply.company.allowed_origins)
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.NOT_FOUND:
                return frozenset()  # not cached: the catalog answers again soon
            origins = frozenset()
        except Exception:  # a channel closing at shutdown: this runs in front of the error handlers
            log.warning("the allowed origins of company %s were not read", company_id, exc_info=True)
            return frozenset()
        if len(self._origins) > 10_000:
            self._origins.clear()  # a crude bound: ids in addresses are the caller's choice
        self._origins[company_id] = (now + self.ttl_seconds, origins)
        return origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        company = company_of(scope) if origin else None
        if origin is None or company is None or origin not in await self.allowed_origins(company):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            preflight = Response(
                status_code=204,
                headers={
                    "Access-Control-Allow-Origin": origin,
                    "Access-Control-Allow-Methods": ALLOW_METHODS,
                    "Access-Control-Allow-Headers": ALLOW_HEADERS,
                    "Access-Control-Max-Age": MAX_AGE_SECONDS,
                    "Vary": "Origin",
                },
            )
            await preflight(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                out["Access-Control-Allow-Origin"] = origin
                out["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
                out.add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, send_with_cors)
