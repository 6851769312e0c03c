"""What bookings asks the passes service: the entitlement a payment plan names."""

from __future__ import annotations

from datetime import UTC

import grpc
from grpc import aio

from bookingplatform.passes.v1 import passes_pb2, passes_pb2_grpc
from bookings.domain.passes import EntitlementView
from plumbing.errors import ErrorKind, ServiceError


class PassesClient:
    def __init__(self, channel: aio.Channel, *, call_timeout_seconds: float = 5.0) -> None:
        self._stub = passes_pb2_grpc.PassesServiceStub(channel)
        self._timeout = call_timeout_seconds

    async def entitlement(self, entitlement_id: str) -> EntitlementView | None:
        """The entitlement, or None when passes knows no such id."""
        try:
            reply = await self._stub.GetEntitlement(
                passes_pb2.GetEntitlementRequest(entitlement_id=entitlement_id), timeout=self._timeout
            )
        except aio.AioRpcError as error:
            if error.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                return None
            raise ServiceError(
                "PASSES_UNAVAILABLE", "the passes service did not answer", kind=ErrorKind.UNAVAILABLE
            ) from error
        found = reply.entitlement
        return EntitlementView(
            entitlement_id=found.id,
            company_id=found.company_id,
            customer_id=found.customer_id,
            valid_from=found.valid_from_time.ToDatetime(tzinfo=UTC)
            if found.HasField("valid_from_time")
            else None,
            valid_until=found.valid_until_time.ToDatetime(tzinfo=UTC)
            if found.HasField("valid_until_time")
            else None,
        )
