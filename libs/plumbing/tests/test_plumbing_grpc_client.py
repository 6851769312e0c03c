"""Client channels over several replicas: the target naming them, and round robin over real
grpc.aio servers on port 0."""

from __future__ import annotations

import grpc
import pytest

from plumbing.grpc_client import channel, target
from plumbing.grpc_server import create_server
from plumbing.testing import eventually


def test_one_address_is_used_as_it_is():
    assert target("127.0.0.1:5001") == "127.0.0.1:5001"
    assert target(" wallet:50051 ") == "wallet:50051"
    assert target("dns:///wallet.default.svc:50051") == "dns:///wallet.default.svc:50051"


def test_several_addresses_become_one_ipv4_or_ipv6_target():
    assert target("127.0.0.1:5001,localhost:5002") == "ipv4:127.0.0.1:5001,127.0.0.1:5002"
    assert target(["127.0.0.1:5001", "127.0.0.2:5002"]) == "ipv4:127.0.0.1:5001,127.0.0.2:5002"
    assert target("[::1]:5001,[::1]:5002") == "ipv6:[::1]:5001,[::1]:5002"


def test_bad_address_lists_are_refused():
    for bad in ("", " , ", "wallet:1,wallet:2", "127.0.0.1:1,[::1]:2", "127.0.0.1,127.0.0.2:1"):
        with pytest.raises(ValueError):
            target(bad)


def who_am_i(name: bytes):
    async def answer(request: bytes, context) -> bytes:
        return name

    handler = grpc.unary_unary_rpc_method_handler(answer)
    generic = grpc.method_handlers_generic_handler("test.Who", {"Am": handler})
    return lambda server: server.add_generic_rpc_handlers((generic,))


@pytest.mark.integration
async def test_calls_are_spread_over_every_replica_and_skip_one_that_is_down():
    first = await create_server([who_am_i(b"first")], [])
    second = await create_server([who_am_i(b"second")], [])
    client = channel(f"127.0.0.1:{first.port},127.0.0.1:{second.port}")
    try:
        call = client.unary_unary("/test.Who/Am")
        answered: set[bytes] = set()

        async def both_answered() -> bool:
            # The channel is ready once one replica is; the other may connect a moment later.
            answered.add(await call(b"", timeout=30, wait_for_ready=True))
            return answered == {b"first", b"second"}

        await eventually(both_answered, interval=0.01, message=lambda: f"only {answered} answered")
        await first.stop(0)
        answers = [await call(b"", timeout=30, wait_for_ready=True) for _ in range(5)]
        assert set(answers) == {b"second"}
    finally:
        await client.close()
        await first.stop(0)
        await second.stop(0)
