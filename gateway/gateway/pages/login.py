"""The console's login and logout (a cookie session, see gateway.sessions), and the
console's static files under /static.

The login form goes through the same rate limits as `POST /v1/auth/token` and only lets
operators (platform and company admins) and a company's staff in; a customer's correct
password opens no session. Staff land on the business console (the calendar).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gateway.auth import CONSOLE_ROLES
from gateway.console.rendering import page_response, static_files
from gateway.deps import users_of
from gateway.pages.html import read_form
from gateway.pages.origin import cross_site
from gateway.problems import Problem
from gateway.ratelimit import client_address, limiter_of
from gateway.sessions import (
    LOGIN_PATH,
    SESSION_COOKIE,
    clear_session_cookie,
    landing_path,
    safe_next,
    sessions_of,
    set_session_cookie,
)
from gateway.users import CompanyRequired
from plumbing.ids import is_uuid

router = APIRouter()
# The console's stylesheet, scripts and vendored libraries (gateway/static), public like the
# login page itself; mounted on this router so that the app includes them with the pages.
router.mount("/static", static_files(), name="static")

MAX_EMAIL_LENGTH = 320
MAX_PASSWORD_LENGTH = 1024


def login_page_response(
    request: Request,
    next_path: str,
    *,
    email: str = "",
    message: str = "",
    status_code: int = 200,
    reset_done: bool = False,
) -> HTMLResponse:
    return page_response(
        request,
        "login.html",
        status_code=status_code,
        reset_done=reset_done,
        next_path=next_path,
        email=email,
        message=message,
        max_email=MAX_EMAIL_LENGTH,
        max_password=MAX_PASSWORD_LENGTH,
    )


@router.get(LOGIN_PATH, response_class=HTMLResponse, include_in_schema=False)
async def login_page(
    request: Request,
    next_path: Annotated[str | None, Query(alias="next", max_length=2048)] = None,
    reset: Annotated[str | None, Query(max_length=8)] = None,
) -> HTMLResponse:
    # ?reset=done: the forgotten-password page sent the browser here after setting the password.
    return login_page_response(request, safe_next(next_path), reset_done=reset == "done")


@router.post(LOGIN_PATH, include_in_schema=False)
async def log_in(request: Request) -> Response:
    """Checks e-mail and password (rate-limited like the API), opens a session for an operator
    or a company's staff and sends the browser on with the session cookie; anything else
    re-shows the form."""
    form = await read_form(request)
    next_path = safe_next(form.get("next"))
    email = form.get("email", "").strip()[:MAX_EMAIL_LENGTH]
    password = form.get("password", "")
    company_id = form.get("company_id", "").strip() or None

    def again(status: int, message: str, headers: dict[str, str] | None = None) -> HTMLResponse:
        response = login_page_response(request, next_path, email=email, message=message, status_code=status)
        response.headers.update(headers or {})
        return response

    if cross_site(request):
        # A form on another site posting here would log the victim's browser into the
        # attacker's account (login CSRF): what they then do lands in that account. The browser
        # itself says where the form came from (Sec-Fetch-Site, else Origin or Referer).
        return again(403, "Log in from this page.")
    if not email or not password or len(password) > MAX_PASSWORD_LENGTH:
        return again(400, "Enter your e-mail and password.")
    if company_id is not None and not is_uuid(company_id):
        return again(400, "The company id is not valid.")
    try:
        user = await limiter_of(request).authenticate(
            users_of(request), client_address(request), email, password, company_id=company_id
        )
    except CompanyRequired:
        return again(400, "This e-mail has accounts in several companies: enter the company id.")
    except Problem as problem:
        if problem.code != "RATE_LIMITED":
            raise
        return again(429, "Too many login attempts: wait a minute and try again.", problem.headers)
    if user is None:
        return again(401, "The e-mail or the password is wrong.")
    if user.role not in CONSOLE_ROLES:
        return again(403, "These pages are for company staff and admins.")
    sessions = sessions_of(request)
    token = await sessions.open(user)
    response = RedirectResponse(landing_path(user.role, next_path), status_code=303)
    set_session_cookie(request, response, token, sessions.ttl_seconds)
    return response


@router.post("/ops/logout", include_in_schema=False)
async def log_out(request: Request) -> Response:
    """Ends the session for good (the row is revoked) and clears the cookie. No CSRF token is
    needed: the cookie is SameSite=Strict, so a cross-site form arrives without a session."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await sessions_of(request).close(cookie)
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    clear_session_cookie(response)
    return response
