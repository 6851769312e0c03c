"""Request-scoped access to what the app wires at start-up, and the gRPC call wrapper."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

import grpc
from fastapi import Request

from gateway.auth import TokenIssuer
from gateway.clients import Clients
from gateway.idempotency import IdempotencyStore
from gateway.problems import problem_from_rpc
from gateway.users import UserStore

T = TypeVar("T")


def clients_of(request: Request) -> Clients:
    clients: Clients = request.app.state.clients
    return clients


def users_of(request: Request) -> UserStore:
    users: UserStore = request.app.state.users
    return users


def idempotency_of(request: Request) -> IdempotencyStore:
    store: IdempotencyStore = request.app.state.idempotency
    return store


def tokens_of(request: Request) -> TokenIssuer:
    tokens: TokenIssuer = request.app.state.tokens
    return tokens


async def rpc(service: str, call: Awaitable[T]) -> T:
    """Awaits a gRPC call; a failed call becomes the mapped problem+json error."""
    try:
        return await call
    except grpc.aio.AioRpcError as error:
        raise problem_from_rpc(error, service) from None
