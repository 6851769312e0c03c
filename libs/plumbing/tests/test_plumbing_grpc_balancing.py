"""gRPC load balancing across replicas behind ONE DNS name, as on Kubernetes with a headless
Service (`clusterIP: None`: the name resolves to one A record per ready pod) and callers on
`dns:///<service>.<namespace>.svc.cluster.local:50051` (deploy/k8s/config.yaml).

kind/k3d cannot run here, so the pods are real grpc.aio servers of plumbing.grpc_server, all
on one port, on different loopback addresses; the callers use plumbing.grpc_client's channel
(round_robin) unchanged:

- `localhost` names 127.0.0.1 and ::1 to gRPC's default resolver (c-ares answers `localhost`
  with both loopbacks, RFC 6761; /etc/hosts is not edited);
- a small DNS server in the test answers `catalog.bookingplatform.svc.cluster.local` with
  127.0.0.1, 127.0.0.2, ... as a cluster's DNS answers for a headless Service, and the
  channel asks it (`dns://<server>/<name>:<port>`). Adding a record is a pod joining (a
  scale-out): with `max_connection_age` on the servers the clients re-resolve and the new pod
  gets calls; without it, none.
"""

from __future__ import annotations

import asyncio
import os
import socket
import struct
from collections import Counter
from collections.abc import Callable
from typing import Any, cast

import grpc
import pytest

from plumbing.grpc_client import channel
from plumbing.grpc_server import GrpcServer, connection_age_options, create_server

pytestmark = pytest.mark.integration

SERVICE_NAME = "catalog.bookingplatform.svc.cluster.local"
# gRPC re-resolves a name at most every 30 s by default (a production default worth keeping);
# the tests shorten that cool-down so they run in seconds, and change nothing else.
FAST_RERESOLUTION = [("grpc.dns_min_time_between_resolutions_ms", 100)]


def who_am_i(name: bytes) -> Callable[[Any], None]:
    """A servicer answering its replica's name and the caller's connection (peer address)."""

    async def answer(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        await asyncio.sleep(float(request or b"0"))  # b"0.2": a call still running a while
        return name + b" " + context.peer().encode()

    handler = grpc.unary_unary_rpc_method_handler(answer)
    generic = grpc.method_handlers_generic_handler("test.Who", {"Am": handler})
    return lambda server: server.add_generic_rpc_handlers((generic,))


def can_bind(host: str) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind((host, 0))
        return True
    except OSError:
        return False


async def count_answers(call: Any, calls: int, pause: float = 0.0) -> Counter[bytes]:
    answered: Counter[bytes] = Counter()
    for _ in range(calls):
        answer = await call(b"", timeout=10, wait_for_ready=True)
        answered[answer.split(b" ")[0]] += 1
        if pause:
            await asyncio.sleep(pause)
    return answered


class HeadlessServiceDns(asyncio.DatagramProtocol):
    """A minimal DNS server (UDP, A queries) answering each name with its list of addresses,
    like a cluster's DNS for a headless Service; AAAA and others get no answer."""

    def __init__(self, records: dict[str, list[str]]) -> None:
        self.records = records
        self.queries = 0
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.queries += 1
        query_id = struct.unpack(">H", data[:2])[0]
        labels, offset = [], 12
        while data[offset]:
            length = data[offset]
            labels.append(data[offset + 1 : offset + 1 + length].decode())
            offset += 1 + length
        qtype = struct.unpack(">H", data[offset + 1 : offset + 3])[0]
        question = data[12 : offset + 5]
        name = ".".join(labels).lower()
        known = name in self.records
        answers = list(self.records.get(name, [])) if qtype == 1 else []
        # Flags: a response, recursion available; NXDOMAIN for an unknown name.
        header = struct.pack(">HHHHHH", query_id, 0x8180 if known else 0x8183, 1, len(answers), 0, 0)
        body = b"".join(
            struct.pack(">HHHIH", 0xC00C, 1, 1, 1, 4) + socket.inet_aton(address) for address in answers
        )
        assert self.transport is not None
        self.transport.sendto(header + question + body, addr)


async def stop_all(*servers: GrpcServer) -> None:
    for server in servers:
        await server.stop(0)


def test_connection_age_is_off_unless_configured():
    assert connection_age_options(environ={}) == []
    assert connection_age_options(environ={"GRPC_MAX_CONNECTION_AGE_SECONDS": "0"}) == []
    assert connection_age_options(environ={"GRPC_MAX_CONNECTION_AGE_SECONDS": "300"}) == [
        ("grpc.max_connection_age_ms", 300_000),
        ("grpc.max_connection_age_grace_ms", 30_000),
    ]
    assert connection_age_options(
        environ={"GRPC_MAX_CONNECTION_AGE_SECONDS": "60", "GRPC_MAX_CONNECTION_AGE_GRACE_SECONDS": "5"}
    ) == [("grpc.max_connection_age_ms", 60_000), ("grpc.max_connection_age_grace_ms", 5_000)]
    assert connection_age_options(0.5, 2, environ={}) == [
        ("grpc.max_connection_age_ms", 500),
        ("grpc.max_connection_age_grace_ms", 2_000),
    ]


async def test_two_replicas_on_one_port_both_serve_calls_through_the_name_localhost():
    if not can_bind("::1"):
        pytest.skip("no IPv6 loopback here: the DNS-server test below proves the same")
    if os.environ.get("GRPC_DNS_RESOLVER", "ares") != "ares":
        pytest.skip("the native resolver reads /etc/hosts, which names only 127.0.0.1 here")
    first = await create_server([who_am_i(b"v4")], [], host="127.0.0.1", port=0)
    second = await create_server([who_am_i(b"v6")], [], host="[::1]", port=first.port)
    client = channel(f"dns:///localhost:{first.port}")
    try:
        call = client.unary_unary("/test.Who/Am")
        await count_answers(call, 4)  # both subchannels connected
        answered = await count_answers(call, 40)
        assert sum(answered.values()) == 40
        # round_robin: each replica gets its turn, so about half each.
        assert answered[b"v4"] >= 10 and answered[b"v6"] >= 10, answered
    finally:
        await client.close()
        await stop_all(first, second)


async def test_a_headless_service_name_spreads_calls_over_every_pod():
    if not can_bind("127.0.0.2"):
        pytest.skip("127.0.0.2 is not a loopback address here")
    records = {SERVICE_NAME: ["127.0.0.1", "127.0.0.2"]}
    loop = asyncio.get_running_loop()
    transport, dns = await loop.create_datagram_endpoint(
        lambda: HeadlessServiceDns(records), local_addr=("127.0.0.1", 0)
    )
    dns_port = transport.get_extra_info("sockname")[1]
    pod_a = await create_server([who_am_i(b"a")], [], host="127.0.0.1", port=0)
    pod_b = await create_server([who_am_i(b"b")], [], host="127.0.0.2", port=pod_a.port)
    client = channel(f"dns://127.0.0.1:{dns_port}/{SERVICE_NAME}:{pod_a.port}", options=FAST_RERESOLUTION)
    try:
        call = client.unary_unary("/test.Who/Am")
        await count_answers(call, 4)
        answered = await count_answers(call, 40)
        assert answered[b"a"] >= 10 and answered[b"b"] >= 10, answered
        assert dns.queries >= 1
    finally:
        await client.close()
        await stop_all(pod_a, pod_b)
        transport.close()


@pytest.mark.parametrize("max_age", [None, 0.5], ids=["without-max-age", "with-max-age"])
async def test_a_pod_added_later_gets_calls_only_when_servers_have_a_max_connection_age(max_age):
    if not can_bind("127.0.0.3"):
        pytest.skip("127.0.0.3 is not a loopback address here")
    records = {SERVICE_NAME: ["127.0.0.1", "127.0.0.2"]}
    loop = asyncio.get_running_loop()
    transport, _dns = await loop.create_datagram_endpoint(
        lambda: HeadlessServiceDns(records), local_addr=("127.0.0.1", 0)
    )
    dns_port = transport.get_extra_info("sockname")[1]
    age: dict[str, Any] = {"max_connection_age": max_age or 0, "max_connection_age_grace": 5}
    pod_a = await create_server([who_am_i(b"a")], [], host="127.0.0.1", port=0, **age)
    pod_b = await create_server([who_am_i(b"b")], [], host="127.0.0.2", port=pod_a.port, **age)
    client = channel(f"dns://127.0.0.1:{dns_port}/{SERVICE_NAME}:{pod_a.port}", options=FAST_RERESOLUTION)
    pod_c = None
    try:
        call = client.unary_unary("/test.Who/Am")
        before = await count_answers(call, 20)
        assert set(before) == {b"a", b"b"}
        # Scale-out: a third pod becomes ready and its address joins the Service's records.
        pod_c = await create_server([who_am_i(b"c")], [], host="127.0.0.3", port=pod_a.port, **age)
        records[SERVICE_NAME].append("127.0.0.3")
        after = await count_answers(call, 100, pause=0.03)  # about 3 s: several connection ages
        assert sum(after.values()) == 100  # no call failed through the reconnections
        if max_age:
            assert after[b"c"] >= 10, f"the new pod got {after[b'c']} of 100 calls: {after}"
        else:
            assert after[b"c"] == 0, "without a max age nothing makes the client look again"
    finally:
        await client.close()
        await stop_all(pod_a, pod_b, *([pod_c] if pod_c else []))
        transport.close()


async def test_a_short_max_connection_age_sends_goaway_and_no_call_fails():
    server = await create_server(
        [who_am_i(b"one")], [], host="127.0.0.1", port=0, max_connection_age=0.3, max_connection_age_grace=5
    )
    client = channel(f"dns:///127.0.0.1:{server.port}")
    try:
        call = client.unary_unary("/test.Who/Am")
        peers: set[bytes] = set()
        failures: list[BaseException] = []

        async def caller(duration: bytes) -> None:
            deadline = loop.time() + 3.0
            while loop.time() < deadline:
                try:
                    # No wait_for_ready: a call must not fail while the connection is replaced.
                    answer = await call(duration, timeout=10)
                    peers.add(answer.split(b" ", 1)[1])
                except grpc.aio.AioRpcError as error:
                    failures.append(error)

        loop = asyncio.get_running_loop()
        # Quick calls back to back, and calls of 0.2 s that are in flight when GOAWAY comes
        # (the grace lets them finish on the old connection).
        await asyncio.gather(caller(b"0"), caller(b"0"), caller(b"0.2"), caller(b"0.2"))
        assert failures == []
        # Each new connection is a new client port: the server closed several over 3 s.
        assert len(peers) >= 3, peers
    finally:
        await client.close()
        await server.stop(0)
