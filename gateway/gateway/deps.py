"""Request-scoped access to what the app wires at start-up, and the gRPC call wrapper."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
from fastapi import Request

from gateway.auth import TokenIssuer
from gateway.clients import Clients
from gateway.idempotency import IdempotencyStore
from gateway.problems import OVERLOADED_DOWNSTREAM, RpcProblem, problem_from_rpc
from gateway.users import UserStore
from plumbing.grpc_server import OVERLOAD_RETRY_AFTER_METADATA

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


async def note_hold_back(request: Request, call: Any, reason: str) -> None:
    """A service that answered while nearly at its limit says for how long to send it no more
    (trailing metadata `overload-retry-after`): noted in the request's state, so that the edge
    refuses the same writes for a moment (gateway.admission `Backpressure`) with `reason`."""
    for key, value in await call.trailing_metadata() or ():
        if key == OVERLOAD_RETRY_AFTER_METADATA and isinstance(value, str) and value.isdigit():
            setattr(request.state, OVERLOADED_DOWNSTREAM, (reason, int(value)))


async def rpc_once_settled(
    service: str,
    call: Callable[[], Awaitable[T]],
    *,
    busy_code: str = "BOOKING_FINALIZING",
    within_seconds: float = 10.0,
) -> T:
    """Makes a call again while the other side refuses it only because a saga is still finishing
    (`busy_code`, e.g. a cancellation a moment after the confirmation, while the card capture
    runs), for up to `within_seconds`: a person pressing a button should not be told to try
    again for a wait of a second. `call` must be idempotent (same request id each time)."""
    deadline = time.monotonic() + within_seconds
    pause = 0.1
    while True:
        try:
            return await rpc(service, call())
        except RpcProblem as problem:
            if problem.code != busy_code or time.monotonic() + pause > deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, 1.0)
