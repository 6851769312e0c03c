"""One grpc.aio channel per service, with stubs; every call carries a deadline.

A service's address may list several replicas (`127.0.0.1:5001,127.0.0.1:5002`): the
channel spreads calls over them with client-side round robin (`plumbing.grpc_client`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import grpc
from grpc import aio
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bookingplatform.bookings.v1 import bookings_pb2_grpc
from bookingplatform.catalog.v1 import catalog_pb2_grpc, guest_customers_pb2_grpc
from bookingplatform.ops.v1 import dead_letters_pb2_grpc
from bookingplatform.passes.v1 import passes_pb2_grpc
from bookingplatform.payments.v1 import payments_pb2_grpc
from bookingplatform.wallet.v1 import wallet_pb2_grpc
from gateway.settings import Settings
from plumbing.grpc_client import channel

SERVICES = ("catalog", "bookings", "wallet", "passes", "payments")
# The services with durable consumers, each serving its own DeadLetterService.
DEAD_LETTER_SERVICES = ("bookings", "wallet", "passes", "payments")


class DeadlineInterceptor(aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """Gives every unary call a deadline unless the caller set a shorter one."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    async def intercept_unary_unary(
        self, continuation: Callable[..., Any], client_call_details: aio.ClientCallDetails, request: Any
    ) -> Any:
        timeout = client_call_details.timeout
        if timeout is None or timeout > self.timeout:
            client_call_details = aio.ClientCallDetails(
                client_call_details.method,
                self.timeout,
                client_call_details.metadata,
                client_call_details.credentials,
                client_call_details.wait_for_ready,
            )
        return await continuation(client_call_details, request)


class Clients:
    """Channels and stubs of the five services. Creating channels does no I/O.

    `addresses` maps a service to `host:port` or a comma-separated list of replicas.
    """

    def __init__(self, addresses: dict[str, str], *, timeout: float = 5.0) -> None:
        self.timeout = timeout
        self.addresses = dict(addresses)
        self.channels: dict[str, aio.Channel] = {
            name: channel(
                addresses[name],
                interceptors=[DeadlineInterceptor(timeout)],
                options=[("grpc.keepalive_time_ms", 30_000)],
            )
            for name in SERVICES
        }
        self.catalog = catalog_pb2_grpc.CatalogServiceStub(self.channels["catalog"])
        self.guest_customers = guest_customers_pb2_grpc.GuestCustomerServiceStub(self.channels["catalog"])
        self.bookings = bookings_pb2_grpc.BookingsServiceStub(self.channels["bookings"])
        self.wallet = wallet_pb2_grpc.WalletServiceStub(self.channels["wallet"])
        self.passes = passes_pb2_grpc.PassesServiceStub(self.channels["passes"])
        self.payments = payments_pb2_grpc.PaymentsServiceStub(self.channels["payments"])
        self.dead_letters = {
            name: dead_letters_pb2_grpc.DeadLetterServiceStub(self.channels[name])
            for name in DEAD_LETTER_SERVICES
        }
        self.health = {name: health_pb2_grpc.HealthStub(channel) for name, channel in self.channels.items()}

    @classmethod
    def from_settings(cls, settings: Settings) -> Clients:
        return cls(
            {
                "catalog": settings.catalog_addr,
                "bookings": settings.bookings_addr,
                "wallet": settings.wallet_addr,
                "passes": settings.passes_addr,
                "payments": settings.payments_addr,
            },
            timeout=settings.grpc_timeout_seconds,
        )

    async def check_health(self, timeout: float = 1.0) -> dict[str, str]:
        """Each service's overall gRPC health: SERVING, NOT_SERVING, ... or UNAVAILABLE."""

        async def one(name: str) -> tuple[str, str]:
            try:
                reply = await self.health[name].Check(
                    health_pb2.HealthCheckRequest(service=""), timeout=timeout
                )
            except grpc.RpcError as error:
                code = error.code() if isinstance(error, aio.AioRpcError) else None
                return name, "UNAVAILABLE" if code is None else code.name
            return name, health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)

        return dict(await asyncio.gather(*(one(name) for name in SERVICES)))

    async def close(self) -> None:
        await asyncio.gather(*(channel.close() for channel in self.channels.values()))
