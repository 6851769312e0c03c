"""Errors as RFC 9457 problem+json, and the explicit mapping of gRPC statuses onto them.

Every error response of the gateway goes through `problem_response`, so clients always get
`application/problem+json` with a stable UPPER_SNAKE `code`; a browser opening a console or
site address (it accepts text/html, and is no htmx request) gets the same problem as a page.
"""

from __future__ import annotations

import http
import logging
from typing import Any

import grpc
import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from sqlalchemy import exc as sqlalchemy_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from plumbing.grpc_server import database_unreachable, error_info

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:bookingplatform:problem:"


class Problem(Exception):
    """An error answered as problem+json. Raise it anywhere in a request."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": TYPE_PREFIX + self.code,
            "title": http.HTTPStatus(self.status).phrase,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


def problem_response(problem: Problem, instance: str | None = None) -> JSONResponse:
    return JSONResponse(
        problem.body(instance), status_code=problem.status, media_type=PROBLEM_JSON, headers=problem.headers
    )


# The pydantic error type of gateway.edge's date checks.
INVALID_DATE = "invalid_date"


def is_date_error(error_type: str) -> bool:
    """Validation errors answered as INVALID_DATE: the edge's range checks and pydantic's own
    date/time parsing errors."""
    return error_type == INVALID_DATE or error_type.startswith(("date", "datetime", "timezone"))


def unauthenticated(detail: str) -> Problem:
    return Problem(401, "UNAUTHENTICATED", detail, headers={"WWW-Authenticate": 'Bearer realm="gateway"'})


# The reason a service gives when a request id it has seen comes with another request.
KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"

# gRPC status -> (HTTP status, code used when the server sent no ErrorInfo reason).
# FAILED_PRECONDITION is 409: the request is well formed but the current state of the
# resource (a full session, a booking that cannot be cancelled any more) refuses it; the
# client can re-read the resource and decide. 422 is kept for requests the gateway itself
# finds semantically wrong (IDEMPOTENCY_KEY_REUSED).
_STATUS_MAP: dict[grpc.StatusCode, tuple[int, str]] = {
    grpc.StatusCode.INVALID_ARGUMENT: (400, "INVALID_ARGUMENT"),
    grpc.StatusCode.OUT_OF_RANGE: (400, "OUT_OF_RANGE"),
    grpc.StatusCode.NOT_FOUND: (404, "NOT_FOUND"),
    grpc.StatusCode.ALREADY_EXISTS: (409, "ALREADY_EXISTS"),
    grpc.StatusCode.FAILED_PRECONDITION: (409, "FAILED_PRECONDITION"),
    grpc.StatusCode.ABORTED: (409, "ABORTED"),
    grpc.StatusCode.UNAUTHENTICATED: (401, "UNAUTHENTICATED"),
    grpc.StatusCode.PERMISSION_DENIED: (403, "PERMISSION_DENIED"),
}

# Statuses after which the same request may succeed later: the gateway does not remember
# them under an Idempotency-Key. DEADLINE_EXCEEDED and UNAVAILABLE are ambiguous (the
# service may have acted), which is safe because every mutating RPC is idempotent on its
# request_id.
RETRYABLE_CODES = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.CANCELLED,
    }
)


# Where the error handler notes, in the request's state, that a service refused the request
# for overload: (reason, Retry-After seconds); gateway.admission then refuses the same writes
# at the edge for a moment.
OVERLOADED_DOWNSTREAM = "overloaded_downstream"


class QueryProblem(Problem):
    """A query string the route does not take (a parameter it does not declare, one given twice,
    a value it cannot read): 400 naming each parameter in `errors` (`field`). The API answers
    it as any problem; a page of a company's site shows it in words, as its own page
    (gateway.site.rendering.error_page)."""


class RpcProblem(Problem):
    """A Problem that came from a failed gRPC call; `retryable` tells the idempotency layer,
    `overloaded` (Retry-After seconds) says the service refused it for overload."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        retryable: bool,
        overloaded: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(status, code, detail, **kwargs)
        self.retryable = retryable
        self.overloaded = overloaded


def field_violations(error: grpc.RpcError) -> list[dict[str, str]]:
    """The BadRequest field violations of a failed call, as problem `errors`."""
    try:
        status = rpc_status.from_call(error)  # type: ignore[arg-type]
    except ValueError:
        return []
    if status is None:
        return []
    found: list[dict[str, str]] = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            found.extend({"field": v.field, "message": v.description} for v in bad_request.field_violations)
    return found


def _error_info(error: grpc.RpcError) -> error_details_pb2.ErrorInfo | None:
    try:
        return error_info(error)
    except ValueError:  # trailing status that does not match the call's code
        return None


def _reason(error: grpc.RpcError) -> str | None:
    info = _error_info(error)
    return info.reason if info is not None else None


def problem_from_rpc(error: grpc.aio.AioRpcError, service: str) -> RpcProblem:
    """The explicit mapping of a failed gRPC call onto problem+json."""
    code = error.code()
    retryable = code in RETRYABLE_CODES
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        log.warning("%s call failed: %s %s", service, code.name, error.details())
        return RpcProblem(
            503,
            "SERVICE_UNAVAILABLE",
            f"The {service} service is unavailable or too slow; retry later.",
            retryable=True,
            headers={"Retry-After": "1"},
        )
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        return _overloaded(error, service)
    mapped = _STATUS_MAP.get(code)
    if mapped is None:
        log.error("%s call failed: %s %s", service, code.name, error.details())
        return RpcProblem(500, "INTERNAL", "An internal error occurred.", retryable=retryable)
    status, default_code = mapped
    reason = _reason(error)
    if reason == KEY_REUSED:
        # A service's request id met another request: the client's Idempotency-Key was reused,
        # which no retry mends (the gateway's own store answers the same, gateway.idempotency).
        status, retryable = 422, False
    errors = field_violations(error) if code == grpc.StatusCode.INVALID_ARGUMENT else None
    return RpcProblem(
        status,
        reason or default_code,
        error.details() or http.HTTPStatus(status).phrase,
        retryable=retryable,
        errors=errors or None,
    )


# The longest Retry-After suggested, in seconds (the gateway's own OVERLOADED and a service's).
MAX_RETRY_AFTER = 30


def _overloaded(error: grpc.aio.AioRpcError, service: str) -> RpcProblem:
    """A service refusing work it cannot do in time (e.g. bookings' `SAGA_BACKLOG`): 503 with
    its reason and its Retry-After, like the gateway's own `OVERLOADED`."""
    info = _error_info(error)
    reason = info.reason if info is not None and info.reason else "OVERLOADED"
    try:
        retry_after = int(info.metadata.get("retry_after_seconds", "1")) if info is not None else 1
    except ValueError:
        retry_after = 1
    retry_after = min(max(retry_after, 1), MAX_RETRY_AFTER)
    log.info("%s refused a call for overload: %s", service, reason)
    return RpcProblem(
        503,
        reason,
        error.details() or f"The {service} service is at its limit; retry later.",
        retryable=True,
        overloaded=retry_after,
        headers={"Retry-After": str(retry_after)},
    )


def _field_of(location: tuple[Any, ...]) -> str:
    parts = list(location)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    field = ""
    for part in parts:
        if isinstance(part, int):
            field += f"[{part}]"
        else:
            field += f".{part}" if field else str(part)
    return field


PROBLEM_SCHEMA_REF = "#/components/schemas/ProblemDetails"
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


# What the 503 of a write under /v1/ says: gateway.admission refuses it too.
OVERLOADED_503 = (
    "Service Unavailable: a service or the gateway's database is out of reach "
    "(`SERVICE_UNAVAILABLE`), the gateway is at its limit of writes in flight "
    "(`OVERLOADED`), or a booking's payment steps would wait too long to be carried out "
    "(`SAGA_BACKLOG`); each with `Retry-After`."
)
_WRITES = frozenset({"post", "put", "patch", "delete"})


def _tidy_openapi(schema: dict[str, Any]) -> None:
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses: dict[str, Any] = operation.get("responses", {})
            for status, response in list(responses.items()):
                documented = response.get("content", {}).get("application/json", {}).get("schema", {})
                if documented.get("$ref", "").endswith("/HTTPValidationError"):
                    del responses[status]  # FastAPI's 422: validation errors are 400 problems here
                elif status.isdigit() and int(status) >= 400:
                    response["content"] = {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}}
            # The Idempotency-Key parameter is optional to FastAPI so that a missing key is
            # answered 400 IDEMPOTENCY_KEY_REQUIRED (routes.common), not a validation error;
            # the OpenAPI states it required where the route refuses to run without it.
            for parameter in operation.get("parameters", []):
                if (
                    parameter.get("in") == "header"
                    and parameter.get("name", "").lower() == "idempotency-key"
                    and parameter.get("description", "").startswith("Required")
                ):
                    parameter["required"] = True
            # gateway.edge answers 400 on every route (unknown query parameter, NUL).
            responses.setdefault(
                "400",
                {
                    "description": "Bad Request",
                    "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}},
                },
            )
            # Every route but the health probes reaches a service or the gateway's own
            # database (logins, Idempotency-Keys, ops sessions), either of which can be out
            # of reach: 503 SERVICE_UNAVAILABLE.
            if "health" not in operation.get("tags", []):
                responses.setdefault(
                    "503",
                    {
                        "description": "Service Unavailable",
                        "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}},
                    },
                )
                if method in _WRITES and path.startswith("/v1/"):
                    responses["503"]["description"] = OVERLOADED_503
    components = schema.get("components", {}).get("schemas", {})
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        components.pop(name, None)


def document_problems(app: FastAPI) -> None:
    """The OpenAPI tells the truth about errors: every 4xx/5xx is application/problem+json
    (ProblemDetails), FastAPI's default 422 HTTPValidationError is gone (request validation
    answers 400), and every operation lists 400."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _tidy_openapi(generate())  # FastAPI's generator caches its result in app.openapi_schema
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


# What a lost, refused or exhausted database connection raises (plumbing.grpc_server.
# database_unreachable tells them from a failing statement).
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    sqlalchemy_exc.DBAPIError,
    sqlalchemy_exc.TimeoutError,
    psycopg.OperationalError,
    ConnectionError,
)


# Paths of the pages (the console, the companies' sites): a browser opening one is shown an
# error as a page, a client asking for JSON (an API call, htmx, fetch) gets the problem+json.
PAGE_PREFIXES = ("/ops/", "/site/")


def _wants_a_page(request: Request) -> bool:
    path = request.url.path
    return (
        (path.startswith(PAGE_PREFIXES) or path == "/ops")
        and "text/html" in request.headers.get("accept", "")
        and request.headers.get("hx-request") != "true"
    )


def _site_page(request: Request) -> bool:
    """Whether the request is for a page of a company's site (a route under /site answering
    HTML; not its event stream): its errors are the site's own pages whatever the client
    accepts, as the refusals of its routes are (site.common.guarded), so the edge's refusal of
    its query string, made before the route runs, is a page too."""
    path = request.url.path
    if path != "/site" and not path.startswith("/site/"):
        return False
    response_class = getattr(request.scope.get("route"), "response_class", None)
    response_class = getattr(response_class, "value", response_class)  # FastAPI's DefaultPlaceholder
    return isinstance(response_class, type) and issubclass(response_class, HTMLResponse)


def error_page(request: Request, problem: Problem) -> Response:
    """The problem as a page: the site's own error page on a company's site, else a console page
    (its status, what happened and its code, a way back)."""
    # The pages' modules, only when a page is shown (they import this one).
    if request.url.path.startswith("/site/"):
        from gateway.site.rendering import error_page as site_error_page

        return site_error_page(request, problem)
    from gateway.console.rendering import page_response

    response = page_response(
        request,
        "error_page.html",
        status_code=problem.status,
        title=http.HTTPStatus(problem.status).phrase,
        detail=problem.detail,
        status=problem.status,
        code=problem.code,
    )
    response.headers.update(problem.headers or {})
    return response


def answer(request: Request, problem: Problem) -> Response:
    """The problem as problem+json, or as a page to a browser opening a page's address (and on
    a page of a company's site, to any client)."""
    if _wants_a_page(request) or _site_page(request):
        return error_page(request, problem)
    return problem_response(problem, request.url.path)


def install_handlers(app: FastAPI) -> None:
    """problem+json for our errors, request validation, unknown routes and crashes; a page
    for a browser opening a console or site address (PAGE_PREFIXES)."""

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        if isinstance(exc, RpcProblem) and exc.overloaded is not None:
            setattr(request.state, OVERLOADED_DOWNSTREAM, (exc.code, exc.overloaded))
        return answer(request, exc)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        found = list(exc.errors())
        errors = [{"field": _field_of(tuple(e.get("loc", ()))), "message": e.get("msg", "")} for e in found]
        # Only the query string is wrong (e.g. a value too long): a page says it of its address.
        in_query = bool(found) and all(tuple(e.get("loc", ()))[:1] == ("query",) for e in found)
        kind = QueryProblem if in_query else Problem
        if found and all(is_date_error(str(e.get("type", ""))) for e in found):
            problem = kind(400, "INVALID_DATE", "A date or time is not valid.", errors=errors)
        else:
            problem = kind(400, "VALIDATION_FAILED", "The request is not valid.", errors=errors)
        return answer(request, problem)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        # 400 from FastAPI itself: a body it could not parse (too deep, not UTF-8, ...), the
        # same class of error as malformed JSON.
        codes = {
            404: "NOT_FOUND",
            405: "METHOD_NOT_ALLOWED",
            400: "VALIDATION_FAILED",
            401: "UNAUTHENTICATED",
        }
        code = codes.get(exc.status_code, http.HTTPStatus(exc.status_code).name)
        detail = exc.detail if isinstance(exc.detail, str) else http.HTTPStatus(exc.status_code).phrase
        problem = Problem(exc.status_code, code, detail, headers=dict(exc.headers or {}))
        return answer(request, problem)

    async def on_crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return answer(request, Problem(500, "INTERNAL", "An internal error occurred."))

    async def on_database_error(request: Request, exc: Exception) -> Response:
        if not database_unreachable(exc):  # a failing statement is a bug, not an outage
            return await on_crash(request, exc)
        # PostgreSQL restarting or out of reach (or the pool exhausted): the client may retry;
        # the error's text (which may hold a host name) stays in our log.
        log.warning("database unreachable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        problem = Problem(
            503,
            "SERVICE_UNAVAILABLE",
            "The gateway's database is unavailable; retry later.",
            headers={"Retry-After": "1"},
        )
        return answer(request, problem)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    for database_error in DATABASE_ERRORS:
        app.add_exception_handler(database_error, on_database_error)
    app.add_exception_handler(Exception, on_crash)
