"""The principal travels in call metadata: set by the caller (`acting_as`), read by the server
before its handler runs, and forwarded unchanged when that handler calls another service."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from grpc import aio

from plumbing import grpc_client
from plumbing.errors import NotFound
from plumbing.grpc_server import GrpcServer, create_server, error_reason
from plumbing.principal import (
    METADATA_KEY,
    SERVICE_PRINCIPAL,
    Principal,
    Role,
    acting_as,
    check_tenant,
    current_principal,
)

COMPANY_A = "0b7f3c59-6f0e-4a58-9d89-54d2b1a0c001"
COMPANY_B = "0b7f3c59-6f0e-4a58-9d89-54d2b1a0c002"


def _identity(value: bytes) -> bytes:
    return value


def _whoami_registrar(server: aio.Server) -> None:
    async def whoami(request: bytes, context: aio.ServicerContext) -> bytes:
        return current_principal().encode().encode()

    async def read_company(request: bytes, context: aio.ServicerContext) -> bytes:
        check_tenant(request.decode(), NotFound("THING_NOT_FOUND", "no such thing"))
        return b"ok"

    handler = grpc.method_handlers_generic_handler(
        "test.Who",
        {
            "Am": grpc.unary_unary_rpc_method_handler(whoami, _identity, _identity),
            "Read": grpc.unary_unary_rpc_method_handler(read_company, _identity, _identity),
        },
    )
    server.add_generic_rpc_handlers((handler,))


def _relay_registrar(downstream: str):  # type: ignore[no-untyped-def]
    def register(server: aio.Server) -> None:
        async def relay(request: bytes, context: aio.ServicerContext) -> bytes:
            async with grpc_client.channel(downstream) as channel:
                call = channel.unary_unary("/test.Who/Am", _identity, _identity)
                answer: bytes = await call(b"")
                return answer

        handler = grpc.method_handlers_generic_handler(
            "test.Relay", {"Call": grpc.unary_unary_rpc_method_handler(relay, _identity, _identity)}
        )
        server.add_generic_rpc_handlers((handler,))

    return register


@pytest.fixture
async def servers() -> AsyncIterator[tuple[GrpcServer, GrpcServer]]:
    who = await create_server([_whoami_registrar], [])
    relay = await create_server([_relay_registrar(f"127.0.0.1:{who.port}")], [])
    try:
        yield who, relay
    finally:
        await relay.stop(0)
        await who.stop(0)


async def _call(port: int, method: str, payload: bytes = b"", metadata=None) -> bytes:  # type: ignore[no-untyped-def]
    async with grpc_client.channel(f"127.0.0.1:{port}") as channel:
        answer: bytes = await channel.unary_unary(method, _identity, _identity)(payload, metadata=metadata)
        return answer


async def test_a_call_without_a_principal_runs_as_the_service(servers: tuple[GrpcServer, GrpcServer]) -> None:
    who, _ = servers
    assert Principal.decode((await _call(who.port, "/test.Who/Am")).decode()) == SERVICE_PRINCIPAL


async def test_the_principal_is_forwarded_by_a_second_hop(servers: tuple[GrpcServer, GrpcServer]) -> None:
    _, relay = servers
    staff = Principal(role=Role.STAFF, company_id=COMPANY_A, user_id="u-1")
    with acting_as(staff):
        seen = Principal.decode((await _call(relay.port, "/test.Relay/Call")).decode())
    assert seen == staff
    assert current_principal() == SERVICE_PRINCIPAL


async def test_another_companys_id_is_refused_as_not_found(servers: tuple[GrpcServer, GrpcServer]) -> None:
    who, _ = servers
    with acting_as(Principal(role=Role.COMPANY_ADMIN, company_id=COMPANY_A)):
        assert await _call(who.port, "/test.Who/Read", COMPANY_A.encode()) == b"ok"
        with pytest.raises(aio.AioRpcError) as refused:
            await _call(who.port, "/test.Who/Read", COMPANY_B.encode())
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    assert error_reason(refused.value) == "THING_NOT_FOUND"
    with acting_as(Principal(role=Role.PLATFORM_ADMIN)):
        assert await _call(who.port, "/test.Who/Read", COMPANY_B.encode()) == b"ok"


async def test_a_forged_malformed_principal_is_refused(servers: tuple[GrpcServer, GrpcServer]) -> None:
    who, _ = servers
    for forged in ('{"role":"GOD"}', "not json", '{"company_id":"x"}', '{"role":"STAFF","company_id":1}'):
        with pytest.raises(aio.AioRpcError) as refused:
            await _call(who.port, "/test.Who/Am", metadata=((METADATA_KEY, forged),))
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert error_reason(refused.value) == "INVALID_PRINCIPAL"
