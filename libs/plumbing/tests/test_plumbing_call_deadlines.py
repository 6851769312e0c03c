"""Deadlines through plumbing's gRPC servers and clients: a call whose deadline passed while
it waited is not started, and a call made while serving one carries at most its time left."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import NamedTuple

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2

from plumbing.grpc_client import channel
from plumbing.grpc_server import ErrorInterceptor, create_server, error_reason

pytestmark = pytest.mark.integration


def methods(service: str, handlers: dict):
    generic = grpc.method_handlers_generic_handler(
        service, {name: grpc.unary_unary_rpc_method_handler(handler) for name, handler in handlers.items()}
    )
    return lambda server: server.add_generic_rpc_handlers((generic,))


class CallDetails(NamedTuple):
    method: str
    invocation_metadata: tuple[tuple[str, str], ...]


class LateContext:
    """What grpc.aio hands a handler whose deadline has just passed: no time left; aborting
    raises AbortError with the status kept."""

    def __init__(self) -> None:
        self.status: grpc.Status | None = None

    def time_remaining(self) -> float:
        return 0.0

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return ()

    async def abort_with_status(self, status: grpc.Status) -> None:
        self.status = status
        raise grpc.aio.AbortError()


async def test_the_server_interceptor_refuses_a_call_with_no_time_left_before_its_handler_runs():
    ran: list[bytes] = []

    async def work(request: bytes, context) -> bytes:
        ran.append(request)
        return b"worked"

    async def continuation(details) -> grpc.RpcMethodHandler:
        return grpc.unary_unary_rpc_method_handler(work)

    details = CallDetails("/test.Late/Work", ())
    handler = await ErrorInterceptor().intercept_service(continuation, details)
    assert handler is not None and handler.unary_unary is not None
    context = LateContext()
    with pytest.raises(grpc.aio.AbortError):
        await handler.unary_unary(b"late", context)  # type: ignore[arg-type]
    assert ran == []
    assert context.status is not None and context.status.code == grpc.StatusCode.DEADLINE_EXCEEDED
    details_bin = dict(context.status.trailing_metadata)["grpc-status-details-bin"]
    [detail] = status_pb2.Status.FromString(details_bin).details
    info = error_details_pb2.ErrorInfo()
    assert detail.Unpack(info) and info.reason == "DEADLINE_EXCEEDED"


async def test_a_call_whose_deadline_passed_while_the_server_was_busy_is_not_run():
    """grpc-core cancels the call at its deadline, and a cancelled call never reaches a
    handler; the interceptor's own check covers a call whose time runs out on the way."""
    connected = threading.Event()  # the impatient caller's channel is up
    busy = threading.Event()  # the hog holds the server's event loop
    answered = threading.Event()  # the impatient call has returned, its deadline gone
    let_go: list[bool] = []
    started: list[bytes] = []

    async def hog(request: bytes, context) -> bytes:
        busy.set()
        # Blocks the server's event loop (calls arriving now wait) until the impatient call's
        # deadline has passed for its caller, however long that caller took to send it.
        let_go.append(answered.wait(30))
        # And a little longer: the server counts the deadline from when the call reached it,
        # and reads a clock that can lag on a busy machine.
        time.sleep(1.0)  # noqa: ASYNC251 - still blocking the loop on purpose
        return b"done"

    async def work(request: bytes, context) -> bytes:
        started.append(request)
        return b"worked"

    server = await create_server([methods("test.Busy", {"Hog": hog, "Work": work})], [])
    client = channel(f"127.0.0.1:{server.port}")

    def impatient_call() -> grpc.StatusCode:
        try:
            with grpc.insecure_channel(f"127.0.0.1:{server.port}") as sync_channel:
                # Connected before the loop is blocked: the call's half second is spent waiting
                # on the server, not on the connection.
                grpc.channel_ready_future(sync_channel).result(timeout=30)
                connected.set()
                busy.wait(30)
                try:
                    sync_channel.unary_unary("/test.Busy/Work")(b"late", timeout=0.5)
                except grpc.RpcError as error:
                    return error.code()  # type: ignore[attr-defined,no-any-return]
                return grpc.StatusCode.OK
        finally:
            answered.set()

    try:
        impatient = asyncio.create_task(asyncio.to_thread(impatient_call))
        assert await asyncio.to_thread(connected.wait, 30), "the impatient caller never connected"
        assert await client.unary_unary("/test.Busy/Hog")(b"", timeout=60) == b"done"
        assert await impatient == grpc.StatusCode.DEADLINE_EXCEEDED
        assert let_go == [True]  # the hog let go because the call had returned, not after 30 s
        # The server reaches the waiting call once the hog lets go, and does not run it.
        assert await client.unary_unary("/test.Busy/Work")(b"on time", timeout=60) == b"worked"
        assert started == [b"on time"]
    finally:
        await client.close()
        await server.stop(0)


async def test_a_call_made_while_serving_one_gets_at_most_its_time_left():
    seen: list[float | None] = []

    async def downstream(request: bytes, context) -> bytes:
        seen.append(context.time_remaining())
        return b"ok"

    back = await create_server([methods("test.Back", {"Call": downstream})], [])
    back_client = channel(f"127.0.0.1:{back.port}")

    async def upstream(request: bytes, context) -> bytes:
        # A second of its own work first; then a call with no timeout of its own: the caller's
        # deadline (10 s) bounds it, less that second.
        await asyncio.sleep(1.0)
        return await back_client.unary_unary("/test.Back/Call")(request)  # type: ignore[no-any-return]

    front = await create_server([methods("test.Front", {"Call": upstream})], [])
    client = channel(f"127.0.0.1:{front.port}")
    try:
        assert await client.unary_unary("/test.Front/Call")(b"x", timeout=10) == b"ok"
        # And without a deadline at the edge, none downstream either.
        assert await client.unary_unary("/test.Front/Call")(b"y") == b"ok"
        bounded, unbounded = seen
        # At most 9 s were left; gRPC's server reads its clock from a cache that can lag by a
        # tenth of a second on a busy machine, hence the half second of slack (never 10 s).
        assert bounded is not None and 0 < bounded <= 9.5
        assert unbounded is None
    finally:
        await client.close()
        await back_client.close()
        await front.stop(0)
        await back.stop(0)


async def test_an_expired_deadline_is_answered_with_its_reason():
    async def slow(request: bytes, context) -> bytes:
        await asyncio.sleep(0.5)
        return b"late"

    server = await create_server([methods("test.Slow", {"Call": slow})], [])
    client = channel(f"127.0.0.1:{server.port}")
    try:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await client.unary_unary("/test.Slow/Call")(b"", timeout=0.05)
        assert raised.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert error_reason(raised.value) is None  # the client's own verdict, no server status
    finally:
        await client.close()
        await server.stop(0)
