"""Test helpers of the tenancy suites (`services/*/tests/integration/test_*_tenancy.py`): each
RPC of a service is called straight on its real gRPC server with a forged principal, once on
another company's (or customer's) ids, refused, and once on its own, allowed.

The list of RPCs comes from the service descriptor (`rpc_names`), so an RPC added without a
case makes the suite fail instead of going unchecked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import Message
from grpc import aio

from plumbing.grpc_server import error_reason
from plumbing.principal import METADATA_KEY, Principal

REFUSALS = (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED)


@dataclass(frozen=True)
class Case:
    """One RPC's requests: `foreign` names another company's or customer's data and must be
    refused with `reason`; `own` names the caller's own and must be answered (`own_code`: the
    status the call has on its own data, OK unless the request is refused for another cause
    than tenancy, e.g. a payment that is not in the state the call needs; None: any answer but
    a tenancy refusal, for a request that names the own ids and nothing else)."""

    foreign: Message
    reason: str
    own: Message | None = None
    own_code: grpc.StatusCode | None = grpc.StatusCode.OK


def rpc_names(service: ServiceDescriptor) -> list[str]:
    return sorted(method.name for method in service.methods)


def forged(principal: Principal) -> tuple[tuple[str, str]]:
    """Call metadata stating `principal`, as the gateway (or anyone who reaches the service) sends it."""
    return ((METADATA_KEY, principal.encode()),)


async def call_as(
    stub: Any, rpc: str, request: Message, principal: Principal
) -> tuple[grpc.StatusCode, str | None]:
    """The status code and ErrorInfo reason of `rpc(request)` made as `principal`."""
    method: Callable[..., Any] = getattr(stub, rpc)
    try:
        await method(request, metadata=forged(principal), timeout=30)
    except aio.AioRpcError as error:
        return error.code(), error_reason(error)
    return grpc.StatusCode.OK, None


async def assert_refused(stub: Any, rpc: str, case: Case, principal: Principal) -> None:
    code, reason = await call_as(stub, rpc, case.foreign, principal)
    assert code in REFUSALS and reason == case.reason, (
        f"{rpc} on foreign ids as {principal.role}: got {code.name} {reason}, expected {case.reason}"
    )


async def assert_allowed(stub: Any, rpc: str, case: Case, principal: Principal) -> None:
    assert case.own is not None, f"{rpc} has no request on the caller's own ids"
    code, reason = await call_as(stub, rpc, case.own, principal)
    if case.own_code is None:
        assert code not in REFUSALS or reason not in (case.reason, "PERMISSION_DENIED"), (
            f"{rpc} on own ids as {principal.role}: refused {code.name} {reason}"
        )
        return
    assert code == case.own_code, (
        f"{rpc} on own ids as {principal.role}: got {code.name} {reason}, expected {case.own_code}"
    )
