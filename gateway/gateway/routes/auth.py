"""Authentication: e-mail and password for a bearer token."""

from __future__ import annotations

from fastapi import APIRouter, Request

from gateway.deps import tokens_of, users_of
from gateway.problems import Problem
from gateway.ratelimit import client_address, limiter_of
from gateway.routes.common import problems
from gateway.schemas import TokenRequest, TokenResponse

router = APIRouter()


@router.post("/v1/auth/token", response_model=TokenResponse, tags=["auth"], responses=problems(400, 401, 429))
async def issue_token(request: Request, body: TokenRequest) -> TokenResponse:
    """Exchanges e-mail and password for a bearer token (JWT HS256, 1 hour).

    429 `RATE_LIMITED` (with `Retry-After`) past the per-address or per-account login limit."""
    user = await limiter_of(request).authenticate(
        users_of(request), client_address(request), body.email, body.password
    )
    if user is None:
        raise Problem(401, "INVALID_CREDENTIALS", "The e-mail or the password is wrong.")
    tokens = tokens_of(request)
    return TokenResponse(access_token=tokens.issue(user), expires_in=tokens.ttl_seconds)
