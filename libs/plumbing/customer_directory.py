"""Which company a customer belongs to, asked of the catalog (which owns customers).

The wallet and passes keep no copy of customers: a person's top-up, pass grant or desk sale,
which may name a customer id the service has never seen, asks here first. The call carries the
caller's principal (`plumbing.grpc_client`), so the catalog refuses another company's customer
as well."""

from __future__ import annotations

import grpc
from grpc import aio

from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from plumbing.errors import ErrorKind, ServiceError

CALL_TIMEOUT_SECONDS = 5.0


class CustomerDirectory:
    def __init__(self, channel: aio.Channel) -> None:
        self._stub = catalog_pb2_grpc.CatalogServiceStub(channel)

    async def company_of(self, customer_id: str) -> str | None:
        """The customer's company; None when the catalog does not know it (for this caller)."""
        try:
            reply = await self._stub.GetCustomer(
                catalog_pb2.GetCustomerRequest(customer_id=customer_id), timeout=CALL_TIMEOUT_SECONDS
            )
        except aio.AioRpcError as error:
            if error.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                return None
            raise ServiceError(
                "CATALOG_UNAVAILABLE", "the catalog did not answer", kind=ErrorKind.UNAVAILABLE
            ) from error
        return str(reply.customer.company_id)
