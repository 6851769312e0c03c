"""Who is calling: bearer tokens (JWT HS256), and the FastAPI dependencies that require them.

Roles are plumbing's (`plumbing.principal.Role`). Authenticating a request also makes every
gRPC call of the request carry the principal: `authenticated` is a dependency with `yield`
that runs the rest of the request inside `acting_as(principal.as_plumbing())`, and every
role dependency below goes through it, so no route has to remember it.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPBearer

from gateway.accounts import api_key_in_use
from gateway.problems import Problem, unauthenticated
from gateway.token_revocations import TokenRevocations
from gateway.users import USER_ROLES, User
from plumbing.principal import Principal as PlumbingPrincipal
from plumbing.principal import Role, acting_as

ALGORITHM = "HS256"
ISSUER = "bookingplatform-gateway"

# Who may use the operator pages and the sagas' JSON API (/ops, /v1/ops).
OPS_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.COMPANY_ADMIN})
# Who may log into the console at all: the operators, and a company's staff, who see only the
# business pages (calendar, day view); the operator pages refuse them.
CONSOLE_ROLES = OPS_ROLES | {Role.STAFF}


@dataclass(frozen=True)
class Principal:
    """Who is calling, from a verified token or API key."""

    role: Role
    company_id: str | None = None
    user_id: str | None = None
    customer_id: str | None = None
    api_key_id: str | None = None

    def as_plumbing(self) -> PlumbingPrincipal:
        return PlumbingPrincipal(
            role=self.role,
            company_id=self.company_id,
            user_id=self.user_id,
            customer_id=self.customer_id,
            api_key_id=self.api_key_id,
        )

    @property
    def subject(self) -> str:
        """One stable name of the caller (idempotency keys are scoped by it)."""
        return self.user_id or f"api-key:{self.api_key_id}"


@dataclass(frozen=True)
class CustomerPrincipal:
    """A customer caller: always has a company and a customer."""

    user_id: str
    company_id: str
    customer_id: str

    @property
    def subject(self) -> str:
        return self.user_id


class TokenIssuer:
    def __init__(self, secret: str, ttl_seconds: int = 3600) -> None:
        self.secret = secret
        self.ttl_seconds = ttl_seconds

    def issue(self, user: User, *, login: str | None = None, now: float | None = None) -> str:
        """An access token of `user`; `login` (the refresh token family it comes with) lets a
        logout of that login revoke it alone (gateway.token_revocations)."""
        issued = int(now if now is not None else time.time())
        claims: dict[str, object] = {
            "iss": ISSUER,
            "sub": user.id,
            "role": str(user.role),
            "company_id": user.company_id,
            "customer_id": user.customer_id,
            # Refused once the account's epoch is higher (gateway.token_revocations).
            "epoch": user.token_epoch,
            "iat": issued,
            "exp": issued + self.ttl_seconds,
        }
        if login:
            claims["sid"] = login
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> VerifiedToken:
        """The token's caller and epoch when we signed it and it has not expired (whether it
        was revoked since is `verified_principal`'s question)."""
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
        epoch = claims.get("epoch", 0)  # tokens issued before epochs existed: 0
        login = claims.get("sid", "")  # tokens issued without a login (tools, tests): ""
        if (
            role not in USER_ROLES
            or not isinstance(claims.get("sub"), str)
            or type(epoch) is not int
            or not isinstance(login, str)
        ):
            raise unauthenticated("The token is not valid.")
        principal = Principal(
            user_id=claims["sub"],
            role=Role(role),
            company_id=claims.get("company_id") or None,
            customer_id=claims.get("customer_id") or None,
        )
        return VerifiedToken(principal, epoch, login)


@dataclass(frozen=True)
class VerifiedToken:
    principal: Principal
    epoch: int
    login: str = ""


async def verified_principal(request: Request, token: str) -> Principal:
    """The caller of a bearer token we signed, not expired, and not revoked since it was
    issued (401 UNAUTHENTICATED, or TOKEN_REVOKED)."""
    verified = _issuer(request).verify(token)
    revocations: TokenRevocations = request.app.state.token_revocations
    assert verified.principal.user_id is not None
    await revocations.refuse_if_revoked(verified.principal.user_id, verified.epoch, verified.login)
    return verified.principal


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


def _api_key_presented(request: Request) -> str | None:
    """`Authorization: ApiKey <key>` or `X-API-Key: <key>`."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "apikey" and value.strip():
        return value.strip()
    return request.headers.get(API_KEY_HEADER) or None


async def current_principal(request: Request) -> Principal:
    """The verified caller (no `acting_as`: use `authenticated` as a dependency)."""
    presented = _api_key_presented(request)
    if presented is not None and request.headers.get(API_KEY_HEADER) and request.headers.get("authorization"):
        # Two credentials (an API key and a bearer token, or two keys): which one the request
        # runs as would be the server's guess. Refused, as an unreadable credential is.
        raise unauthenticated("Send one credential: an API key or an Authorization header, not both.")
    if presented is not None:
        key = await api_key_in_use(request.app.state.db, presented)
        if key is None:
            raise unauthenticated("The API key is not valid (unknown or revoked).")
        return Principal(role=key.role, company_id=key.company_id, api_key_id=key.id)
    token = bearer_token(request)
    if token is None:
        raise unauthenticated("A bearer token or an API key is required.")
    return await verified_principal(request, token)


API_KEY_HEADER = "X-API-Key"
# Declared for the OpenAPI document only (/docs' Authorize): the header is read above, and
# `Authorization: ApiKey <key>` works as well.
_bearer_scheme = HTTPBearer(
    auto_error=False, bearerFormat="JWT", description="An access token from POST /v1/auth/token."
)
_api_key_scheme = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    description="A company API key (bpk_<prefix>_<secret>), also as `Authorization: ApiKey <key>`.",
)


async def authenticated(
    request: Request,
    _bearer: Annotated[object, Security(_bearer_scheme)] = None,
    _key: Annotated[object, Security(_api_key_scheme)] = None,
) -> AsyncIterator[Principal]:
    """The verified caller; the rest of the request (the route and every gRPC call it makes)
    runs as this principal."""
    principal = await current_principal(request)
    with acting_as(principal.as_plumbing()):
        yield principal


AnyPrincipal = Annotated[Principal, Depends(authenticated)]


def requiring(*roles: Role, message: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting only `roles` (403 PERMISSION_DENIED otherwise)."""
    allowed = frozenset(roles)

    async def dependency(principal: AnyPrincipal) -> Principal:
        if principal.role not in allowed:
            raise Problem(403, "PERMISSION_DENIED", message)
        return principal

    return dependency


def require(principal: Principal, *roles: Role, message: str) -> None:
    """In a route that admits several roles, refuses the others (403 PERMISSION_DENIED)."""
    if principal.role not in roles:
        raise Problem(403, "PERMISSION_DENIED", message)


async def current_customer(principal: AnyPrincipal) -> CustomerPrincipal:
    if principal.role is not Role.CUSTOMER or not principal.customer_id or not principal.company_id:
        raise Problem(403, "PERMISSION_DENIED", "This endpoint is for customers.")
    assert principal.user_id is not None
    return CustomerPrincipal(principal.user_id, principal.company_id, principal.customer_id)


def company_in_reach(principal: Principal, company_id: object) -> str:
    """`company_id` as a string when the principal may act for that company (a platform
    admin: any); otherwise 404 COMPANY_NOT_FOUND, so another tenant's id is not confirmed."""
    wanted = str(company_id)
    if principal.role is Role.PLATFORM_ADMIN or (
        principal.company_id is not None and principal.company_id == wanted
    ):
        return wanted
    raise Problem(404, "COMPANY_NOT_FOUND", "No such company.")


PlatformAdmin = Annotated[
    Principal, Depends(requiring(Role.PLATFORM_ADMIN, message="This endpoint is for platform admins."))
]
CompanyAdmin = Annotated[
    Principal,
    Depends(
        requiring(Role.PLATFORM_ADMIN, Role.COMPANY_ADMIN, message="This endpoint is for company admins.")
    ),
]
STAFF_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.COMPANY_ADMIN, Role.STAFF})
Staff = Annotated[
    Principal, Depends(requiring(*STAFF_ROLES, message="This endpoint is for a company's staff."))
]
Customer = Annotated[CustomerPrincipal, Depends(current_customer)]
# The sagas' operator API and pages: what "operator" was (platform or company admins).
Operator = CompanyAdmin
