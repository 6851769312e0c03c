"""Where a webhook or a push may be sent (gateway.webhooks.urls, gateway.push.urls, one judgement
in gateway.webhooks.addresses) and a webhook's signature (gateway.webhooks.signing): pure checks
and a local HTTP receiver, no platform."""

from __future__ import annotations

import asyncio
import ipaddress
import time

import pytest

from gateway.push.urls import check_endpoint
from gateway.webhooks import addresses, signing
from gateway.webhooks.urls import check_destination
from plumbing.errors import InvalidArgument


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "http://172.16.5.5/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fd00::1]/hook",
        "http://0.0.0.0/hook",
        "http://localhost:9000/hook",
    ],
)
async def test_a_private_or_loopback_address_is_refused_unless_allowed(url: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        await check_destination(url, allow_private=False)
    assert refused.value.reason == "WEBHOOK_URL_NOT_PUBLIC"
    assert url not in refused.value.message
    await check_destination(url, allow_private=True)


async def test_a_public_address_is_accepted() -> None:
    await check_destination("https://93.184.215.14/hooks", allow_private=False)


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "https://user:pw@example.com/x", "https:///x", "http://example.com:99999/x", "x"],
)
async def test_not_an_http_address_or_one_with_credentials_is_refused_whatever_the_setting(url: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        await check_destination(url, allow_private=True)
    assert refused.value.reason == "INVALID_WEBHOOK_URL"
    assert "pw" not in refused.value.message


def test_a_signature_verifies_with_the_secret_over_the_exact_body_and_recent_time_only() -> None:
    secret, body = signing.new_secret(), b'{"id":"e1"}'
    now = int(time.time())
    header = signing.sign(secret, body, now)
    assert signing.verify(secret, body, header)
    assert not signing.verify(signing.new_secret(), body, header)
    assert not signing.verify(secret, body + b" ", header)
    assert not signing.verify(secret, body, signing.sign(secret, body, now - 3600))
    assert not signing.verify(secret, body, "garbage")


# IPv6 forms of private IPv4 addresses: Python 3.11's is_global says True for several of them.
HIDDEN_PRIVATE = [
    "[::169.254.169.254]",  # IPv4-compatible
    "[::10.0.0.1]",
    "[::ffff:10.0.0.1]",  # IPv4-mapped
    "[::ffff:169.254.169.254]",
    "[::ffff:0:10.0.0.1]",  # IPv4-translated
    "[64:ff9b::a9fe:a9fe]",  # NAT64 (169.254.169.254)
    "[64:ff9b::7f00:1]",  # NAT64 (127.0.0.1)
    "[64:ff9b:1::a00:1]",  # local-use NAT64
    "[2002:a9fe:a9fe::]",  # 6to4 (169.254.169.254)
    "[2002:0a00:0001::1]",  # 6to4 (10.0.0.1)
    "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",  # Teredo
    "[::ffff:127.0.0.1]",
    "[::ffff:100.64.0.1]",  # shared address space
    "[::ffff:224.0.0.1]",  # multicast
]


@pytest.mark.parametrize("host", HIDDEN_PRIVATE)
async def test_an_ipv6_form_of_a_private_ipv4_address_is_refused_for_webhooks_and_pushes(host: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        await check_destination(f"https://{host}/x", allow_private=False)
    assert refused.value.reason == "WEBHOOK_URL_NOT_PUBLIC"
    with pytest.raises(InvalidArgument) as refused:
        await check_endpoint(f"https://{host}/x", allow_loopback=False)
    assert refused.value.reason == "INVALID_PUSH_ENDPOINT"


@pytest.mark.parametrize(
    "host", ["[::ffff:8.8.8.8]", "[64:ff9b::808:808]", "[2002:808:808::1]", "[2001:4860:4860::8888]"]
)
async def test_an_ipv6_form_of_a_public_ipv4_address_and_a_public_ipv6_address_are_accepted(
    host: str,
) -> None:
    await check_destination(f"https://{host}/x", allow_private=False)
    await check_endpoint(f"https://{host}/x", allow_loopback=False)


def test_the_embedded_ipv4_address_of_each_form() -> None:
    def of(address: str) -> list[str]:
        return [str(v4) for v4 in addresses.embedded_ipv4(ipaddress.IPv6Address(address))]

    assert of("::ffff:10.0.0.1") == ["10.0.0.1"]
    assert of("::10.0.0.1") == ["10.0.0.1"]
    assert of("::ffff:0:10.0.0.1") == ["10.0.0.1"]
    assert of("64:ff9b::a9fe:a9fe") == ["169.254.169.254"]
    assert of("2002:a9fe:a9fe::") == ["169.254.169.254"]
    assert of("2001:0:4136:e378:8000:63bf:3fff:fdd2") == ["65.54.227.120", "192.0.2.45"]
    assert of("::1") == [] and of("::") == [] and of("2001:4860:4860::8888") == []
    # A loopback address in an IPv6 form is loopback where loopback is allowed (the tests' push service).
    assert addresses.allowed("::ffff:127.0.0.1", loopback=True)
    assert not addresses.allowed("::ffff:10.0.0.1", loopback=True)


class _Receiver:
    """A local HTTP server that answers 204 and keeps the Host header of each request."""

    def __init__(self) -> None:
        self.hosts: list[str] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        self.hosts += [
            line.split(":", 1)[1].strip() for line in head.split("\r\n") if line.lower().startswith("host:")
        ]
        writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()


async def test_the_delivery_client_judges_the_address_it_connects_to_so_a_rebound_name_is_refused() -> None:
    # "localhost" stands for a name that answered a public address at the check and a private
    # one at the POST: the client resolves, judges and connects to the judged address itself.
    receiver = _Receiver()
    server = await asyncio.start_server(receiver.serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        strict = addresses.guarded_client(timeout=5, refusal="WEBHOOK_URL_NOT_PUBLIC")
        with pytest.raises(InvalidArgument) as refused:
            await strict.post(f"http://localhost:{port}/hook", content=b"{}")
        assert refused.value.reason == "WEBHOOK_URL_NOT_PUBLIC"
        with pytest.raises(InvalidArgument):
            await strict.post(f"http://[::ffff:127.0.0.1]:{port}/hook", content=b"{}")
        assert receiver.hosts == []  # nothing reached the receiver
        # Where loopback is allowed it connects, and the request keeps the name in its Host header.
        loose = addresses.guarded_client(timeout=5, refusal="INVALID_PUSH_ENDPOINT", loopback=True)
        answered = await loose.post(f"http://localhost:{port}/hook", content=b"{}")
        assert answered.status_code == 204 and receiver.hosts == [f"localhost:{port}"]
        await strict.aclose()
        await loose.aclose()
    finally:
        server.close()
        await server.wait_closed()
