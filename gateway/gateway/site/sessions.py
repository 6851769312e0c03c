"""The site session of a signed-in customer: the cookie `site_session`, a JWT signed with a key
derived from `JWT_SECRET` for the site only (audience `site-customer`: no API token, no ops
session, no guest link) naming the user, the company and the customer; HttpOnly,
SameSite=Strict, Secure on https, path `/site/{company_id}`, so it is good on that company's
site only, for SESSION_SECONDS."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

import jwt
from fastapi import Request
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from gateway.deps import tokens_of
from gateway.problems import Problem
from gateway.site.rendering import SITE_PATH
from gateway.tables import users
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

    def principal(self) -> Principal:
        return Principal(
            role=Role.CUSTOMER, company_id=self.company_id, user_id=self.user_id, customer_id=self.customer_id
        )


def _key(request: Request) -> bytes:
    return hashlib.sha256(b"gateway-site-session\x00" + tokens_of(request).secret.encode()).digest()


def issue(request: Request, customer: SiteCustomer) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": customer.user_id,
        "company_id": customer.company_id,
        "customer_id": customer.customer_id,
        "email": customer.email,
        "epoch": customer.token_epoch,
        "iat": now,
        "exp": now + SESSION_SECONDS,
    }
    return jwt.encode(claims, _key(request), algorithm="HS256")


def signed_in(request: Request, company_id: str) -> SiteCustomer | None:
    """The customer of this company's site session, or None (no, forged, expired or another
    company's cookie)."""
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
            options={"require": ["exp", "sub", "aud", "iss"]},
        )
    except jwt.InvalidTokenError:
        return None
    values = [claims.get(name) for name in ("sub", "company_id", "customer_id", "email")]
    if not all(isinstance(value, str) and value for value in values):
        return None
    user_id, company, customer_id, email = (str(value) for value in values)
    epoch = claims.get("epoch", 0)
    if company != company_id or type(epoch) is not int:
        return None
    return SiteCustomer(
        user_id=user_id, company_id=company, customer_id=customer_id, email=email, token_epoch=epoch
    )


def cookie_path(company_id: str) -> str:
    return f"{SITE_PATH}/{company_id}"


async def active_customer(request: Request, company_id: str) -> SiteCustomer | None:
    """`signed_in`, and only while the account is not deactivated and has not signed out
    everywhere since (a password change; one read by primary key): such a cookie opens
    nothing any more."""
    customer = signed_in(request, company_id)
    if customer is None:
        return None
    try:
        async with request.app.state.db.transaction() as conn:
            query = select(users.c.deactivated_at, users.c.token_epoch).where(users.c.id == customer.user_id)
            row = (await conn.execute(query)).first()
    except (SQLAlchemyError, OSError):
        raise Problem(
            503, "SERVICE_UNAVAILABLE", "Your account cannot be checked just now; try again."
        ) from None
    if row is None or row.deactivated_at is not None or row.token_epoch > customer.token_epoch:
        return None
    return customer
