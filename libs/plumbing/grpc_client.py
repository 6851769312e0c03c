"""gRPC client channels to a service that may run as several replicas.

A service's address is one `host:port` or a comma-separated list of them (one per
replica, as `tools/stack.py --replicas N` passes them). `channel` spreads calls over
every address with client-side round robin; a replica that is down is skipped until it
answers again. One `dns:` name (e.g. a Kubernetes headless service) also works: every
address it resolves to takes part.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

from grpc import aio
from opentelemetry.instrumentation.grpc import aio_client_interceptors

from plumbing.deadline import capped_timeout
from plumbing.principal import outgoing_metadata
from plumbing.request_id import add_request_id

ROUND_ROBIN = ("grpc.lb_policy_name", "round_robin")


def split_addresses(addresses: str | Sequence[str]) -> list[str]:
    """`"a:1, b:2"` or `["a:1", "b:2"]` -> `["a:1", "b:2"]` (empty entries dropped)."""
    items = addresses.split(",") if isinstance(addresses, str) else list(addresses)
    found = [item.strip() for item in items if item.strip()]
    if not found:
        raise ValueError("no gRPC address given")
    return found


def _host_port(address: str) -> tuple[str, str]:
    if address.startswith("["):  # [::1]:50051
        host, _, port = address[1:].partition("]:")
        return host, port
    host, _, port = address.rpartition(":")
    return host, port


def target(addresses: str | Sequence[str]) -> str:
    """The gRPC target naming every address.

    One address is used as it is. Several must be IP literals (`localhost` counts as
    127.0.0.1) of one family: `ipv4:127.0.0.1:5001,127.0.0.1:5002`.
    """
    found = split_addresses(addresses)
    if len(found) == 1:
        return found[0]
    families = set()
    endpoints = []
    for address in found:
        host, port = _host_port(address)
        if not port.isdigit():
            raise ValueError(f"not host:port: {address!r}")
        if host == "localhost":
            host = "127.0.0.1"
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            raise ValueError(
                f"several addresses must be IP literals, not {host!r}; use one dns:/// name instead"
            ) from None
        families.add(ip.version)
        endpoints.append(f"[{ip}]:{port}" if ip.version == 6 else f"{ip}:{port}")
    if len(families) > 1:
        raise ValueError("several addresses must all be IPv4 or all IPv6")
    scheme = "ipv6" if families == {6} else "ipv4"
    return f"{scheme}:{','.join(endpoints)}"


def channel(
    addresses: str | Sequence[str],
    *,
    interceptors: Sequence[Any] | None = None,
    options: Sequence[tuple[str, Any]] = (),
) -> aio.Channel:
    """An insecure grpc.aio channel with round robin over every address. Does no I/O."""
    merged = [option for option in options if option[0] != ROUND_ROBIN[0]]
    return aio.insecure_channel(
        target(addresses),
        options=[*merged, ROUND_ROBIN],
        # Trace context travels in the metadata (OpenTelemetry's interceptors, one per call kind).
        interceptors=[PrincipalForwarder(), *aio_client_interceptors(), *(interceptors or ())],
    )


class PrincipalForwarder(aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """Sends the principal of the current call (plumbing.principal) with every unary call,
    so the service called checks the ids against the same tenant as its caller did, the
    request id (plumbing.request_id), so its audit entries name the same request, and the
    deadline: a call made while serving one gets at most the time left of it
    (plumbing.deadline), so no hop works on for a caller that has given up.

    No call is retried here, and no channel has a retry policy (no service config): a retry
    under overload only adds load. grpc's transparent retry of a call that never left the
    client (a replica's connection just broke) stays: the server never saw that call."""

    async def intercept_unary_unary(self, continuation: Any, client_call_details: Any, request: Any) -> Any:
        metadata = add_request_id(outgoing_metadata(client_call_details.metadata))
        details = client_call_details._replace(
            metadata=metadata, timeout=capped_timeout(client_call_details.timeout)
        )
        return await continuation(details, request)
