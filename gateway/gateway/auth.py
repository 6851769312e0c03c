"""Bearer tokens (JWT HS256) and the FastAPI dependencies that require them."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, Request

from gateway.problems import Problem, unauthenticated
from gateway.users import ROLES, Role, User

ALGORITHM = "HS256"
ISSUER = "bookingplatform-gateway"


@dataclass(frozen=True)
class Principal:
    """Who is calling, from a verified token."""

    user_id: str
    role: Role
    company_id: str | None
    customer_id: str | None


@dataclass(frozen=True)
class CustomerPrincipal:
    """A customer caller: always has a company and a customer."""

    user_id: str
    company_id: str
    customer_id: str


class TokenIssuer:
    def __init__(self, secret: str, ttl_seconds: int = 3600) -> None:
        self.secret = secret
        self.ttl_seconds = ttl_seconds

    def issue(self, user: User, *, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        claims = {
            "iss": ISSUER,
            "sub": user.id,
            "role": user.role,
            "company_id": user.company_id,
            "customer_id": user.customer_id,
            "iat": issued,
            "exp": issued + self.ttl_seconds,
        }
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require": ["exp", "sub", "role", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise unauthenticated("The token has expired.") from None
        except jwt.InvalidTokenError:
            raise unauthenticated("The token is not valid.") from None
        role = claims.get("role")
        if role not in ROLES or not isinstance(claims.get("sub"), str):
            raise unauthenticated("The token is not valid.")
        return Principal(
            user_id=claims["sub"],
            role=role,
            company_id=claims.get("company_id") or None,
            customer_id=claims.get("customer_id") or None,
        )


def _issuer(request: Request) -> TokenIssuer:
    issuer: TokenIssuer = request.app.state.tokens
    return issuer


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthenticated("The Authorization header must be 'Bearer <token>'.")
    return token.strip()


async def current_principal(request: Request) -> Principal:
    token = bearer_token(request)
    if token is None:
        raise unauthenticated("A bearer token is required.")
    return _issuer(request).verify(token)


async def current_customer(principal: Annotated[Principal, Depends(current_principal)]) -> CustomerPrincipal:
    if principal.role != "customer" or not principal.customer_id or not principal.company_id:
        raise Problem(403, "PERMISSION_DENIED", "This endpoint is for customers.")
    return CustomerPrincipal(principal.user_id, principal.company_id, principal.customer_id)


async def current_operator(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if principal.role != "operator":
        raise Problem(403, "PERMISSION_DENIED", "This endpoint is for operators.")
    return principal


Customer = Annotated[CustomerPrincipal, Depends(current_customer)]
Operator = Annotated[Principal, Depends(current_operator)]
