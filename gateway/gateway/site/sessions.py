"""The site session of a signed-in customer: the cookie `site_session`, a JWT signed with a key
derived from `JWT_SECRET` for the site only (audience `site-customer`: no API token, no ops
session, no guest link) naming the user, the company, the customer and a session row; HttpOnly,
SameSite=Strict, Secure on https, path `/site/{company_id}`, so it is good on that company's
site only, for SESSION_SECONDS.

Like the console's sessions (gateway.sessions), every session is a row of
`gateway.ops_sessions` (id, user, expiry, revoked_at: no secret is stored; the table holds the
cookie sessions of the console and of the site), named by the cookie's `sid` and checked on
every page that acts for the customer (`active_customer`). Signing out sets `revoked_at`, so a
copy of the cookie kept from before opens nothing any more; a password change or a deactivation
revokes the rows too (gateway.accounts), and raises the account's token epoch, also checked.
A row cannot serve as a console session: the console's token has its own key and audience, and
the console admits no customer.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass

import jwt
from fastapi import Request
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from gateway.accounts import open_session_row, revoke_session_row
from gateway.deps import tokens_of
from gateway.problems import Problem
from gateway.site.rendering import SITE_PATH
from gateway.tables import ops_sessions, users
from plumbing.ids import is_uuid
from plumbing.principal import Principal, Role

SESSION_COOKIE = "site_session"
AUDIENCE = "site-customer"
ISSUER = "bookingplatform-gateway"
SESSION_SECONDS = 2 * 3600


@dataclass(frozen=True)
class SiteCustomer:
    user_id: str
    company_id: str
    customer_id: str
    email: str
    # The account's token epoch at sign-in: a password change or a deactivation raises it and
    # ends the session (gateway.token_revocations).
    token_epoch: int = 0
    # The session's row in gateway.ops_sessions (signing out revokes it).
    session_id: str = ""

    def principal(self) -> Principal:
        return Principal(
            role=Role.CUSTOMER, company_id=self.company_id, user_id=self.user_id, customer_id=self.customer_id
        )


def _key(request: Request) -> bytes:
    return hashlib.sha256(b"gateway-site-session\x00" + tokens_of(request).secret.encode()).digest()


def _unavailable(what: str) -> Problem:
    return Problem(503, "SERVICE_UNAVAILABLE", f"{what} did not go through just now; try again.")


async def open_session(request: Request, customer: SiteCustomer) -> str:
    """Records a session of the customer and returns the cookie's signed token."""
    try:
        async with request.app.state.db.transaction() as conn:
            session_id = await open_session_row(conn, customer.user_id, SESSION_SECONDS)
    except (SQLAlchemyError, OSError):
        raise _unavailable("Signing in") from None
    return session_token(request, customer, session_id)


def session_token(request: Request, customer: SiteCustomer, session_id: str) -> str:
    """The cookie's signed token of a session recorded (`open_session_row`) by the caller: a
    sign-up records it in the transaction that makes the account."""
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": customer.user_id,
        "sid": session_id,
        "company_id": customer.company_id,
        "customer_id": customer.customer_id,
        "email": customer.email,
        "epoch": customer.token_epoch,
        "iat": now,
        "exp": now + SESSION_SECONDS,
    }
    return jwt.encode(claims, _key(request), algorithm="HS256")


def signed_in(request: Request, company_id: str) -> SiteCustomer | None:
    """The customer named by this company's site cookie, or None (no, forged, expired or another
    company's cookie). The signature only: whether the session is still live (not signed out)
    is `active_customer`'s to say."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 4096:
        return None
    try:
        claims = jwt.decode(
            token,
            _key(request),
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "sub", "sid", "aud", "iss"]},
        )
    except jwt.InvalidTokenError:
        return None
    values = [claims.get(name) for name in ("sub", "sid", "company_id", "customer_id", "email")]
    if not all(isinstance(value, str) and value for value in values):
        return None
    user_id, session_id, company, customer_id, email = (str(value) for value in values)
    epoch = claims.get("epoch", 0)
    if company != company_id or type(epoch) is not int or not is_uuid(user_id) or not is_uuid(session_id):
        return None
    # As PostgreSQL reads them (uuid.UUID also reads forms it does not).
    user_id, session_id = str(uuid.UUID(user_id)), str(uuid.UUID(session_id))
    return SiteCustomer(
        user_id=user_id,
        company_id=company,
        customer_id=customer_id,
        email=email,
        token_epoch=epoch,
        session_id=session_id,
    )


def cookie_path(company_id: str) -> str:
    return f"{SITE_PATH}/{company_id}"


async def active_customer(request: Request, company_id: str) -> SiteCustomer | None:
    """`signed_in`, and only while its session is live (not signed out, not expired), the
    account not deactivated and not signed out everywhere since (a password change); one read
    by primary key: such a cookie opens nothing any more. The answer is kept for the request,
    so the page's layout shows a refused cookie as a guest (`checked_customer`)."""
    customer = signed_in(request, company_id)
    if customer is None:
        request.state.site_customer = None
        return None
    try:
        async with request.app.state.db.transaction() as conn:
            query = (
                select(users.c.deactivated_at, users.c.token_epoch)
                .select_from(ops_sessions.join(users, users.c.id == ops_sessions.c.user_id))
                .where(
                    ops_sessions.c.id == customer.session_id,
                    ops_sessions.c.user_id == customer.user_id,
                    ops_sessions.c.revoked_at.is_(None),
                    ops_sessions.c.expires_at > func.now(),
                )
            )
            row = (await conn.execute(query)).first()
    except (SQLAlchemyError, OSError):
        raise Problem(
            503, "SERVICE_UNAVAILABLE", "Your account cannot be checked just now; try again."
        ) from None
    if row is None or row.deactivated_at is not None or row.token_epoch > customer.token_epoch:
        customer = None
    request.state.site_customer = customer
    return customer


def checked_customer(request: Request, company_id: str) -> SiteCustomer | None:
    """Who the page's layout shows signed in: `active_customer`'s answer when this request asked
    it, else the cookie's signature alone (pages that act for nobody read no session)."""
    if hasattr(request.state, "site_customer"):
        checked: SiteCustomer | None = request.state.site_customer
        return checked if checked is not None and checked.company_id == company_id else None
    return signed_in(request, company_id)


async def close_session(request: Request, company_id: str) -> None:
    """Signs the cookie's session out for good (a forged, expired or another company's cookie
    changes nothing); 503 when the database cannot record it, so the customer is not told
    they are signed out while the session lives on."""
    customer = signed_in(request, company_id)
    if customer is None:
        return
    try:
        async with request.app.state.db.transaction() as conn:
            await revoke_session_row(conn, customer.session_id, customer.user_id)
    except (SQLAlchemyError, OSError):
        raise _unavailable("Signing out") from None
    request.state.site_customer = None
