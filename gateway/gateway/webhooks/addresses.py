"""Which addresses the gateway may call out to (webhook deliveries and Web Push), one judgement
for both (gateway.webhooks.urls, gateway.push.urls), and an HTTP client that connects only to
an address it has just judged.

An address is public when it is global and not multicast. An IPv6 address that carries an
IPv4 address is judged by that IPv4 address, since that is where the packets go: IPv4-mapped
(`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), IPv4-translated (`::ffff:0:a.b.c.d`), 6to4
(`2002:AABB:CCDD::/48`), NAT64's well-known prefix (`64:ff9b::a.b.c.d`) and Teredo
(`2001::/32`, its server and its client). Python 3.11's `is_global` says True for several of
those forms of private addresses (`::169.254.169.254`, `64:ff9b::a9fe:a9fe`, `2002:a9fe:a9fe::`).
The local-use NAT64 prefix `64:ff9b:1::/48` is never public.

DNS rebinding: a name is resolved for the check, and the HTTP client would resolve it again to
connect, so a name answering a public address first and a private one next would pass.
`guarded_client` closes that window: its transport's network backend resolves the name itself,
judges every address and connects to the very address it judged, while TLS (SNI and the
certificate's check) and the `Host` header keep the name, and connections are pooled per name."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from plumbing.errors import InvalidArgument

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_COMPATIBLE = ipaddress.ip_network("::/96")
_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


def _low32(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (none for a plain IPv6 address)."""
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)
    if ip in _NAT64 or ip in _TRANSLATED:
        return [_low32(ip)]
    if ip in _COMPATIBLE and int(ip) > 1:  # not :: (unspecified) nor ::1 (loopback)
        return [_low32(ip)]
    return []


def _parse(address: str) -> IPAddress:
    return ipaddress.ip_address(address.split("%", 1)[0])


def _global(ip: IPAddress) -> bool:
    return ip.is_global and not ip.is_multicast


def allowed(address: str, *, loopback: bool = False) -> bool:
    """Whether the gateway may call `address`: public (see the module), or, when `loopback`
    says so, a loopback address (in any of its IPv6 forms). Not an address: False."""
    try:
        ip = _parse(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL:
            return False
        carried = embedded_ipv4(ip)
        if carried:
            return all(_global(v4) or (loopback and v4.is_loopback) for v4 in carried)
    return _global(ip) or (loopback and ip.is_loopback)


def is_loopback(address: str) -> bool:
    ip = _parse(address)
    if isinstance(ip, ipaddress.IPv6Address):
        carried = embedded_ipv4(ip)
        if carried:
            return all(v4.is_loopback for v4 in carried)
    return ip.is_loopback


async def resolve(host: str, port: int) -> list[str]:
    """The addresses of `host` (itself when it is an address); OSError or UnicodeError when it
    does not resolve."""
    try:
        return [str(_parse(host))]
    except ValueError:
        pass
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class RefusedAddress(InvalidArgument):
    """The name resolved, at connection time, to an address the gateway may not call."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, "The host resolved to an address that is not public.")


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend that connects to a judged address of the host only."""

    def __init__(self, *, loopback: bool, refusal: str) -> None:
        self.loopback = loopback
        self.refusal = refusal
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await resolve(host, port)
        except (OSError, UnicodeError) as failure:
            raise httpcore.ConnectError(type(failure).__name__) from None
        if not addresses or not all(allowed(a, loopback=self.loopback) for a in addresses):
            raise RefusedAddress(self.refusal)
        error: Exception | None = None
        for address in addresses:  # getaddrinfo's order; the next one if one cannot be reached
            try:
                return await self.inner.connect_tcp(
                    address.split("%", 1)[0],
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as failure:
                error = failure
        assert error is not None
        raise error

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not called out to")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, *, loopback: bool, refusal: str) -> None:
        super().__init__()
        # httpx builds its pool without a way to name the network backend: the same pool, with it.
        # httpx's own limits (httpcore's are 10 connections), so concurrent deliveries do not queue.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(loopback=loopback, refusal=refusal),
        )


def guarded_client(*, timeout: float, refusal: str, loopback: bool = False) -> httpx.AsyncClient:
    """An HTTP client that connects only to addresses `allowed` judges (see the module), never
    through a proxy from the environment, never following redirects. A refused address raises
    `RefusedAddress` (a ServiceError) with the reason `refusal`."""
    return httpx.AsyncClient(
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        transport=_GuardedTransport(loopback=loopback, refusal=refusal),
    )
