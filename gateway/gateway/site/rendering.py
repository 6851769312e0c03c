"""What the public site's pages share: their Jinja2 environment (autoescaping, the console's
filters), the response headers (the console's Content-Security-Policy: only the gateway's own
scripts, styles and streams), the CSRF token of a visitor, reading a posted form, the cookie
that holds a guest's manage token, and the error page.

CSRF: a visitor has no session, so the site uses a double-submit token bound to a random
cookie (`site_csrf`: HttpOnly, SameSite=Strict, path /site); a form carries the HMAC of that
cookie under a key derived from the JWT secret, and a POST without the cookie or with another
token is refused with 403. SameSite=Strict alone would already keep a cross-site form from
sending the cookie; the token also refuses a same-site attacker that cannot read the cookie.

The manage token of a guest's booking is never part of an address: it is set as the cookie
`site_manage`, HttpOnly, SameSite=Strict, Secure on https, whose path is the booking's own pages
(`/site/{company_id}/bookings/{booking_id}`), so the browser sends it to nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from gateway.console.rendering import CONSOLE_CSP, STATIC_PATH, iso, money, show_time
from gateway.deps import tokens_of
from gateway.problems import Problem, QueryProblem

TEMPLATES = Path(__file__).resolve().parent / "templates"
SITE_PATH = "/site"
CSRF_COOKIE = "site_csrf"
CSRF_FIELD = "csrf_token"
MANAGE_COOKIE = "site_manage"
MAX_FORM_BYTES = 8192
MAX_FORM_FIELDS = 40
# The console's policy, but pictures of the catalog may come from the company's own https host.
SITE_CSP = CONSOLE_CSP.replace("img-src 'self' data:", "img-src 'self' data: https:")

environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters.update(iso=iso, when=show_time, money=money)
environment.globals.update(static=STATIC_PATH)


def render(template: str, **context: Any) -> str:
    return environment.get_template(template).render(**context)


def secure_headers(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = SITE_CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


# ----- CSRF -----


def _csrf_of(request: Request, seed: str) -> str:
    key = hashlib.sha256(b"gateway-site-csrf\x00" + tokens_of(request).secret.encode()).digest()
    digest = hmac.new(key, seed.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def csrf_seed(request: Request) -> tuple[str, bool]:
    """The visitor's CSRF cookie value, and whether it is new (to be set on the response)."""
    seed = request.cookies.get(CSRF_COOKIE, "")
    if 20 <= len(seed) <= 100 and seed.isascii() and seed.replace("-", "").replace("_", "").isalnum():
        return seed, False
    return secrets.token_urlsafe(32), True


def check_csrf(request: Request, form: dict[str, list[str]]) -> None:
    seed = request.cookies.get(CSRF_COOKIE, "")
    sent = first(form, CSRF_FIELD)
    if not seed or not hmac.compare_digest(sent.encode(), _csrf_of(request, seed).encode()):
        raise Problem(
            403,
            "CSRF_TOKEN_INVALID",
            "This form has expired or was not sent from this site. Go back, reload the page and try again.",
        )


def page(request: Request, template: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A site page: rendered with the visitor's CSRF token, never cached nor framed."""
    seed, new = csrf_seed(request)
    context.setdefault("now", datetime.now(UTC))
    context.setdefault("csrf", _csrf_of(request, seed))
    response = HTMLResponse(render(template, **context), status_code=status_code)
    if new:
        response.set_cookie(
            CSRF_COOKIE,
            seed,
            path=SITE_PATH,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
    secure_headers(response)
    return response


def fragment(template: str, **context: Any) -> HTMLResponse:
    """A part of a page for htmx to swap in."""
    return secure_headers(HTMLResponse(render(template, **context)))  # type: ignore[return-value]


ERROR_TITLES = {
    400: "That did not work",
    403: "This form cannot be accepted",
    404: "Not found",
    409: "That is not possible now",
    413: "Too much",
    415: "That did not work",
    422: "That did not work",
    429: "Too many attempts",
    503: "Please try again in a moment",
}


def error_page(request: Request, problem: Problem, *, company: Any = None) -> HTMLResponse:
    """A problem as a readable page with its status and its code (never the problem+json of the
    API); an address whose query string the page does not take (gateway.problems.QueryProblem) is
    said in words, with a link to the page without the parameters named."""
    status = problem.status if 400 <= problem.status < 600 else 500
    if status >= 500 and status != 503:
        status = 503
    title, detail, retry = ERROR_TITLES.get(status, "That did not work"), problem.detail, ""
    if isinstance(problem, QueryProblem):
        title, detail, retry = "This address is not right", _query_detail(problem), _without(request, problem)
    response = page(
        request,
        "error.html",
        status_code=status,
        title=title,
        detail=detail,
        code=problem.code,
        retry=retry,
        company=company,
    )
    for name, value in (problem.headers or {}).items():
        if name.lower() == "retry-after":
            response.headers[name] = value
    return response


def _query_fields(problem: Problem) -> list[str]:
    return list(dict.fromkeys(e["field"] for e in problem.errors or () if e.get("field")))


def _query_detail(problem: Problem) -> str:
    names = ", ".join(f"'{name}'" for name in _query_fields(problem))
    if problem.code == "UNKNOWN_PARAMETER":
        return (
            f"The address asks for something this page does not have ({names}): the link may be "
            "mistyped or out of date."
        )
    return f"Part of the address cannot be read ({names}): the link may be mistyped or out of date."


def _without(request: Request, problem: Problem) -> str:
    """The same page (path-only, as sent) without the query parameters the problem names."""
    named = set(_query_fields(problem))
    path = (request.scope.get("raw_path") or request.url.path.encode()).split(b"?", 1)[0]
    kept = [(name, value) for name, value in request.query_params.multi_items() if name not in named]
    return "/" + path.decode("latin-1").lstrip("/") + (f"?{urlencode(kept)}" if kept else "")


def not_found(what: str = "page") -> Problem:
    return Problem(404, "NOT_FOUND", f"There is no such {what} here, or it is no longer available.")


# ----- forms -----


async def read_form(request: Request) -> dict[str, list[str]]:
    """A posted form (urlencoded, at most MAX_FORM_BYTES and MAX_FORM_FIELDS), every value of
    every field."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise Problem(415, "UNSUPPORTED_MEDIA_TYPE", "Send the form from its page.")
    raw = await request.body()
    if len(raw) > MAX_FORM_BYTES:
        raise Problem(413, "PAYLOAD_TOO_LARGE", "The form is too large.")
    try:
        return parse_qs(raw.decode(), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise Problem(400, "VALIDATION_FAILED", "The form is not valid.") from None


def first(form: dict[str, list[str]], name: str, default: str = "") -> str:
    values = form.get(name)
    return values[0] if values else default


# ----- the manage cookie -----


def booking_path(company_id: str, booking_id: str) -> str:
    return f"{SITE_PATH}/{company_id}/bookings/{booking_id}"


def set_manage_cookie(
    request: Request, response: Response, company_id: str, booking_id: str, token: str, max_age: int
) -> None:
    response.set_cookie(
        MANAGE_COOKIE,
        token,
        max_age=max_age,
        path=booking_path(company_id, booking_id),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
