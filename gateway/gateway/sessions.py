"""Cookie sessions of the console (/ops): log in with e-mail and password, log out.

Operators (platform and company admins) and a company's staff log in; the operator pages
(`PageOperator`, `form_operator`: sagas, dead letters) refuse staff with 403, the business
pages (`PageStaff`, `form_staff`: the calendar and day view) admit all three.

The cookie holds a short-lived JWT (audience `gateway-ops`, so it is no API bearer token) naming
a row of `gateway.ops_sessions`; every page checks the row, so logging out (revoked_at) ends
the session even for a copy of the cookie. Tokens are never taken from the address any more:
an address with `?token=` is redirected to itself without it (an address ends up in browser
history, proxies and logs). A bearer header still works for scripts.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Annotated
from urllib.parse import unquote, urlencode

import jwt
from fastapi import Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select

from gateway.accounts import open_session_row, revoke_session_row
from gateway.auth import (
    ALGORITHM,
    CONSOLE_ROLES,
    ISSUER,
    OPS_ROLES,
    Principal,
    TokenIssuer,
    bearer_token,
    verified_principal,
)
from gateway.local_paths import path_stays_under
from gateway.problems import Problem, unauthenticated
from gateway.tables import ops_sessions, users
from gateway.users import USER_ROLES, User
from plumbing.db import Database
from plumbing.ids import is_uuid
from plumbing.principal import Role, acting_as

SESSION_COOKIE = "gateway_ops_session"
SESSION_AUDIENCE = "gateway-ops"
COOKIE_PATH = "/ops"
LOGIN_PATH = "/ops/login"
HOME_PATH = "/ops/sagas"
# Where staff land after logging in (the operator pages are not theirs).
BUSINESS_HOME_PATH = "/ops/calendar"


class LoginRedirect(Exception):
    """Answered with a 303 to `location` (the login page, or the same page without `?token=`)."""

    def __init__(self, location: str, *, clear_cookie: bool = False) -> None:
        super().__init__(location)
        self.location = location
        self.clear_cookie = clear_cookie


async def login_redirect_response(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRedirect)
    response = RedirectResponse(exc.location, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    if exc.clear_cookie:
        clear_session_cookie(response)
    return response


def set_session_cookie(request: Request, response: Response, token: str, max_age: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        # Behind a TLS-terminating proxy the scheme comes from a trusted X-Forwarded-Proto.
        secure=request.url.scheme == "https",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")


def safe_next(value: str | None) -> str:
    """Where to go after logging in: only a page of ours under /ops (never another site, nor a
    path a browser resolves out of /ops: `/ops/%2e%2e/site/...`, see `local_paths`)."""
    path = value.split("?", 1)[0] if value else ""
    if (
        not value
        or len(value) > 2048
        or not path_stays_under(path, "/ops/")
        or unquote(path).startswith(LOGIN_PATH)
        or "//" in value
        or "\\" in value
        or not value.isprintable()
    ):
        return HOME_PATH
    return value


def _here(request: Request, *, without: str | None = None) -> str:
    query = [(k, v) for k, v in request.query_params.multi_items() if k != without]
    return request.url.path + (f"?{urlencode(query)}" if query else "")


def landing_path(role: Role, next_path: str) -> str:
    """Where a user goes after logging in: `next_path`, except that staff asked to go to the
    operators' home page (the default) land on the business console instead."""
    if role not in OPS_ROLES and next_path == HOME_PATH:
        return BUSINESS_HOME_PATH
    return next_path


def login_location(next_path: str) -> str:
    return f"{LOGIN_PATH}?{urlencode({'next': next_path})}"


class OpsSessions:
    def __init__(self, db: Database, issuer: TokenIssuer, ttl_seconds: int) -> None:
        self.db = db
        self.issuer = issuer
        self.ttl_seconds = ttl_seconds

    async def open(self, user: User) -> str:
        """Records a session for an operator and returns the cookie's signed token."""
        issued = int(time.time())
        async with self.db.transaction() as conn:
            session_id = await open_session_row(conn, user.id, self.ttl_seconds)
        claims = {
            "iss": ISSUER,
            "aud": SESSION_AUDIENCE,
            "sub": user.id,
            "sid": session_id,
            "role": str(user.role),
            "company_id": user.company_id,
            "iat": issued,
            "exp": issued + self.ttl_seconds,
        }
        return jwt.encode(claims, self.issuer.secret, algorithm=ALGORITHM)

    def _claims(self, token: str) -> dict[str, object] | None:
        try:
            claims: dict[str, object] = jwt.decode(
                token,
                self.issuer.secret,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                audience=SESSION_AUDIENCE,
                options={"require": ["exp", "sub", "sid", "role", "iss", "aud"]},
            )
        except jwt.InvalidTokenError:
            return None
        if claims.get("role") not in USER_ROLES or not isinstance(claims.get("sid"), str):
            return None
        if not is_uuid(claims["sid"]):
            return None
        return claims

    async def principal(self, token: str) -> Principal | None:
        """The user of a live session (signed, not expired, not logged out, of an active
        account still of a console role), else None; the role is read from the user row, so a
        changed role or a deactivation takes effect at once."""
        claims = self._claims(token)
        if claims is None:
            return None
        async with self.db.transaction() as conn:
            live = (
                await conn.execute(
                    select(users.c.role, users.c.company_id)
                    .select_from(ops_sessions.join(users, users.c.id == ops_sessions.c.user_id))
                    .where(
                        ops_sessions.c.id == claims["sid"],
                        ops_sessions.c.revoked_at.is_(None),
                        ops_sessions.c.expires_at > func.now(),
                        users.c.deactivated_at.is_(None),
                    )
                )
            ).first()
        if live is None or live.role not in CONSOLE_ROLES:
            return None
        return Principal(
            user_id=str(claims["sub"]),
            role=Role(live.role),
            company_id=str(live.company_id) if live.company_id else None,
        )

    async def close(self, token: str) -> None:
        """Logs a session out for good (a forged or expired token changes nothing)."""
        claims = self._claims(token)
        if claims is None:
            return
        async with self.db.transaction() as conn:
            await revoke_session_row(conn, str(claims["sid"]))


def sessions_of(request: Request) -> OpsSessions:
    sessions: OpsSessions = request.app.state.ops_sessions
    return sessions


def _ops_admin(principal: Principal) -> Principal:
    if principal.role not in OPS_ROLES:
        raise Problem(403, "PERMISSION_DENIED", "These pages are for platform and company admins.")
    return principal


def _console_user(principal: Principal) -> Principal:
    if principal.role not in CONSOLE_ROLES:
        raise Problem(403, "PERMISSION_DENIED", "These pages are for company staff and admins.")
    return principal


async def console_principal(request: Request) -> Principal | None:
    """Who a console request's credentials name: a bearer token (scripts; 401 when it is not
    valid) or the session cookie's live session; None without either."""
    bearer = bearer_token(request)
    if bearer:
        return await verified_principal(request, bearer)
    cookie = request.cookies.get(SESSION_COOKIE)
    return await sessions_of(request).principal(cookie) if cookie else None


async def _page_principal(
    request: Request, token: str | None, admit: Callable[[Principal], Principal]
) -> Principal:
    if token is not None:
        raise LoginRedirect(_here(request, without="token"))
    principal = await console_principal(request)
    if principal is None:
        raise LoginRedirect(
            login_location(_here(request)), clear_cookie=bool(request.cookies.get(SESSION_COOKIE))
        )
    return admit(principal)


async def page_operator(
    request: Request,
    # Declared (not only read) so that the edge's unknown-parameter check lets it through.
    token: Annotated[str | None, Query(include_in_schema=False)] = None,
) -> AsyncIterator[Principal]:
    """For the operator pages: a bearer header (scripts) or the session cookie of a platform
    or company admin (staff: 403). An old `?token=` link is sent to the same page without it;
    no session sends the browser to the login page. The page's service calls run as the
    admin (`acting_as`)."""
    principal = await _page_principal(request, token, _ops_admin)
    with acting_as(principal.as_plumbing()):
        yield principal


async def page_staff(
    request: Request,
    token: Annotated[str | None, Query(include_in_schema=False)] = None,
) -> AsyncIterator[Principal]:
    """For the business pages (calendar, day view): like `page_operator`, and staff too."""
    principal = await _page_principal(request, token, _console_user)
    with acting_as(principal.as_plumbing()):
        yield principal


async def _form_principal(request: Request, admit: Callable[[Principal], Principal]) -> tuple[Principal, str]:
    bearer = bearer_token(request)
    if bearer:
        return admit(await verified_principal(request, bearer)), bearer
    cookie = request.cookies.get(SESSION_COOKIE)
    principal = await sessions_of(request).principal(cookie) if cookie else None
    if principal is None or cookie is None:
        raise unauthenticated("Log in at /ops/login first.")
    return admit(principal), cookie


async def form_operator(request: Request) -> tuple[Principal, str]:
    """The admin posting a form, and the token its CSRF token is bound to: a bearer header
    or the session cookie, never the address (a token in a form's URL would bypass SameSite).
    Staff are refused (403). The caller runs its service calls
    `with acting_as(principal.as_plumbing())`."""
    return await _form_principal(request, _ops_admin)


async def form_staff(request: Request) -> tuple[Principal, str]:
    """Like `form_operator`, for the business pages' forms: staff too."""
    return await _form_principal(request, _console_user)


def page_session_token(request: Request) -> str:
    """The token a page was authenticated with (as `page_operator` chose it)."""
    return bearer_token(request) or request.cookies.get(SESSION_COOKIE) or ""


PageOperator = Annotated[Principal, Depends(page_operator)]
PageStaff = Annotated[Principal, Depends(page_staff)]
