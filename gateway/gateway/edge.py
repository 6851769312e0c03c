"""Input hardening at the edge, in one place for every route.

- `EdgeDate` / `EdgeDateTime`: the only date and time types of requests. Python's datetime
  overflows near years 1 and 9999 once an offset is applied, and the services store
  timestamps as PostgreSQL `timestamptz`; so anything outside 1970-01-01..2200-01-01 and any
  time without a UTC offset is refused (400 `INVALID_DATE`) before it is converted.
- `edge_guard`: an app-wide dependency. PostgreSQL text cannot hold NUL, so a NUL anywhere
  in the path, the query, the Idempotency-Key or a JSON/form body is refused (400
  `VALIDATION_FAILED`) before any store or service sees it; and a query parameter the route
  does not declare is refused (400 `UNKNOWN_PARAMETER`) instead of being silently ignored;
  one that takes a single value given twice, or a whole number not in plain digits, is 400
  `VALIDATION_FAILED` naming it.
- `TrailingSlash`: the app does not redirect a path with a trailing slash itself (Starlette
  builds that redirect's address from the request's Host header, which a client chooses: a
  cache in front would keep a redirect to any host; and a client following it sends a POST's
  body there). A GET or HEAD ending in `/` is answered 308 with a path-only Location (the
  same host, whatever the header says); any other method is 404 problem+json as any unknown
  path.
- `CrashGuard`: an unexpected exception becomes a problem+json 500 sent by the app itself,
  so uvicorn keeps the connection open (Starlette's error middleware re-raises after
  answering, and uvicorn then closes the connection).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.problems import INVALID_DATE, Problem, QueryProblem, problem_response
from plumbing import validation

log = logging.getLogger(__name__)
F = TypeVar("F")

# The services' window (plumbing.validation), with its end accepted here: a time of exactly
# 2200-01-01T00:00Z passes the edge and the service answers for it.
FIRST_DATE = validation.EARLIEST_DATE
LAST_DATE = validation.LATEST_DATE
_FIRST_TIME = validation.EARLIEST
_LAST_TIME = validation.LATEST
_RANGE = f"between {FIRST_DATE.isoformat()} and {LAST_DATE.isoformat()}"


def _date_in_range(value: date) -> date:
    if not FIRST_DATE <= value <= LAST_DATE:
        raise PydanticCustomError(INVALID_DATE, f"dates must be {_RANGE}")
    return value


def _time_in_range(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError(INVALID_DATE, "times need a UTC offset, e.g. 2026-05-01T10:00:00Z")
    # The wall-clock part first: converting a year-1 or year-9999 time to UTC can overflow.
    if not FIRST_DATE <= value.date() <= LAST_DATE or not _FIRST_TIME <= value.astimezone(UTC) <= _LAST_TIME:
        raise PydanticCustomError(INVALID_DATE, f"times must be {_RANGE} (UTC)")
    return value


def _whole_number(value: Any) -> Any:
    # JSON's true and false, and numbers written with a decimal point or an exponent (10.0,
    # 1e3), are not what a client means by a count or an amount of minor units: pydantic
    # would take them as 1, 10 and 1000. A string is accepted only as plain digits (the
    # console's forms send them): pydantic would also read "1.0", " 1", "+1" and "1_0" (as 10).
    if isinstance(value, bool | float) or (isinstance(value, str) and not _DIGITS.fullmatch(value)):
        raise PydanticCustomError("int_type", "must be a whole number, without a decimal point or exponent")
    return value


_DIGITS = re.compile(r"-?[0-9]{1,19}")


# Every count and amount a request carries (places, guests, capacities, minutes, credits, cents).
WholeNumber = Annotated[int, BeforeValidator(_whole_number)]

EdgeDate = Annotated[
    date,
    AfterValidator(_date_in_range),
    Field(description=f"ISO-8601 date {_RANGE}.", examples=["2030-05-01"]),
]
EdgeDateTime = Annotated[
    datetime,
    AfterValidator(_time_in_range),
    Field(
        description=f"ISO-8601 time with a UTC offset, {_RANGE}.",
        examples=["2030-05-01T10:00:00Z"],
    ),
]


# ----- the app-wide guard -----

_NUL = "\x00"


def _nul_problem(field: str) -> Problem:
    return Problem(
        400,
        "VALIDATION_FAILED",
        "The request is not valid.",
        errors=[{"field": field, "message": "must not contain a NUL character"}],
    )


def _nul_path(value: Any, path: str) -> str | None:
    """Where a NUL is in a parsed JSON value (key or string), or None."""
    if isinstance(value, str):
        return path if _NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if _NUL in key:
                return here
            found = _nul_path(item, here)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_path(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


class _RepeatedKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _object_without_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _RepeatedKey(key)
        found[key] = value
    return found


def _repeated_key_problem(key: str) -> Problem:
    return Problem(
        400,
        "VALIDATION_FAILED",
        "The request is not valid.",
        errors=[{"field": key.replace(_NUL, ""), "message": "appears more than once in the same object"}],
    )


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


async def _check_body(request: Request) -> None:
    body = await request.body()  # cached on the request: the route reads the same bytes
    if not body:
        return
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if _is_json(content_type):
        # A key given twice in one object: JSON parsers keep either one (Python's the last),
        # so what the client meant is unknown; refused rather than guessed.
        try:
            json.loads(body, object_pairs_hook=_object_without_repeats)
        except _RepeatedKey as repeated:
            raise _repeated_key_problem(repeated.key) from None
        except (ValueError, UnicodeDecodeError, RecursionError):
            pass  # not JSON, or nested too deep: judged below and by the route's own parsing
    # Cheap test first: a NUL is either a raw zero byte or the JSON escape \u0000.
    if b"\x00" not in body and b"\\u0000" not in body and b"%00" not in body:
        return
    if content_type == "application/x-www-form-urlencoded":
        for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
            if _NUL in name or _NUL in value:
                raise _nul_problem(name.replace(_NUL, ""))
        return
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        if b"\x00" in body:
            raise _nul_problem("body") from None
        return  # not JSON: the route's own parsing refuses it
    found = _nul_path(parsed, "")
    if found is not None:
        raise _nul_problem(found.replace(_NUL, "") or "body")


@dataclass(frozen=True)
class DeclaredQuery:
    """What a route (and its dependencies) declares of the query string, by wire names."""

    names: frozenset[str]
    repeatable: frozenset[str]  # lists: `?status=A&status=B`
    whole_numbers: frozenset[str]  # ints: digits only, as WholeNumber in bodies


_declared_cache: dict[int, DeclaredQuery] = {}


def _without_none(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, UnionType):
        arguments = [arg for arg in get_args(annotation) if arg is not type(None)]
        return arguments[0] if len(arguments) == 1 else annotation
    return annotation


def _is_sequence(annotation: Any) -> bool:
    return get_origin(_without_none(annotation)) in (list, set, tuple, frozenset)


def _declared_query(dependant: Dependant) -> DeclaredQuery:
    names: set[str] = set()
    repeatable: set[str] = set()
    whole_numbers: set[str] = set()
    pending = [dependant]
    while pending:
        current = pending.pop()
        for param in current.query_params:
            names.add(param.alias)
            annotation = param.field_info.annotation
            if _is_sequence(annotation):
                repeatable.add(param.alias)
            elif _without_none(annotation) is int:
                whole_numbers.add(param.alias)
        pending.extend(current.dependencies)
    return DeclaredQuery(frozenset(names), frozenset(repeatable), frozenset(whole_numbers))


def declared_query(route: APIRoute) -> DeclaredQuery:
    found = _declared_cache.get(id(route))
    if found is None:
        found = _declared_cache[id(route)] = _declared_query(route.dependant)
    return found


ANY_QUERY = "_edge_any_query"


def any_query(endpoint: F) -> F:
    """Marks a route whose answer does not depend on its query string (the site's 404 page for
    an address no page matches): its query is not checked, so that address is the 404 it is."""
    setattr(endpoint, ANY_QUERY, True)
    return endpoint


def _check_query(items: list[tuple[str, str]], declared: DeclaredQuery) -> None:
    given = [name for name, _ in items]
    unknown = sorted(set(given) - declared.names)
    if unknown:
        raise QueryProblem(
            400,
            "UNKNOWN_PARAMETER",
            "Unknown query parameter(s): " + ", ".join(unknown) + ".",
            errors=[{"field": name, "message": "not a parameter of this endpoint"} for name in unknown],
        )
    # Starlette keeps the last of a repeated parameter: `?page_size=1&page_size=200` would
    # mean whatever the last one says, so one that takes a single value is refused twice; and
    # an int is read as plain digits (pydantic reads "1.0", "+1" and "1_0" as numbers).
    errors = [
        {"field": name, "message": "given more than once; this parameter takes one value"}
        for name in sorted({name for name in given if given.count(name) > 1} - declared.repeatable)
    ]
    errors += [
        {"field": name, "message": "must be a whole number, written in plain digits"}
        for name, value in items
        if name in declared.whole_numbers and not _DIGITS.fullmatch(value)
    ]
    if errors:
        raise QueryProblem(400, "VALIDATION_FAILED", "The request is not valid.", errors=errors)


async def edge_guard(request: Request) -> None:
    """Runs before every route's own dependencies: NULs and the query string's parameters."""
    if _NUL in request.scope["path"]:
        raise _nul_problem("path")
    items = request.query_params.multi_items()
    for name, value in items:
        if _NUL in name or _NUL in value:
            raise _nul_problem(name.replace(_NUL, ""))
    key = request.headers.get("idempotency-key")
    if key is not None and _NUL in key:
        raise _nul_problem("Idempotency-Key")
    route = request.scope.get("route")
    if isinstance(route, APIRoute) and not getattr(route.endpoint, ANY_QUERY, False):
        _check_query(items, declared_query(route))
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        await _check_body(request)


# ----- trailing slashes -----


class TrailingSlash:
    """GET /site/acme/ -> 308 Location: /site/acme (path-only: never a host from a header)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope.get("method") not in ("GET", "HEAD")
            or len(path) < 2
            or not path.endswith("/")
            or path.startswith("/static/")
            # "/\\evil.example" is read by browsers as "//evil.example", another host: not redirected.
            or "\\" in path
        ):
            await self.app(scope, receive, send)
            return
        # The path as sent (still percent-encoded: a decoded %0d%0a would split the header);
        # all its leading slashes but one go, since "//evil.example" is another host's address.
        raw = (scope.get("raw_path") or path.encode("utf-8")).split(b"?", 1)[0]
        location = b"/" + raw.strip(b"/")
        if scope.get("query_string"):
            location += b"?" + scope["query_string"]
        await send(
            {
                "type": "http.response.start",
                "status": 308,
                "headers": [(b"location", location), (b"content-length", b"0")],
            }
        )
        await send({"type": "http.response.body", "body": b""})


# ----- crashes -----


class CrashGuard:
    """Answers an unexpected exception with a problem+json 500 from inside the app.

    Starlette's outermost error middleware also answers 500 but then re-raises, and uvicorn
    closes a kept-alive connection when the app raises; answering here keeps it open."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as error:
            if started:  # too late for another answer: let the server deal with it
                raise
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"), exc_info=error)
            response = problem_response(
                Problem(500, "INTERNAL", "An internal error occurred."), scope.get("path")
            )
            await response(scope, receive, send)
