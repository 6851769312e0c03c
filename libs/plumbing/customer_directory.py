"""Which company a customer belongs to, and a company's currency, asked of the catalog (which
owns customers and companies).

The wallet and passes keep no copy of customers: a person's top-up, pass grant or desk sale,
which may name a customer id the service has never seen, asks here first; the wallet asks the
company's currency before a credit or a debit (its accounts are in that currency). The call carries the
caller's principal (`plumbing.grpc_client`), so the catalog refuses another company's customer
as well."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

import grpc
from grpc import aio

from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from plumbing.errors import ErrorKind, ServiceError

CALL_TIMEOUT_SECONDS = 5.0

T = TypeVar("T")


async def ask_catalog(call: Awaitable[T]) -> T | None:
    """A catalog read (made with CALL_TIMEOUT_SECONDS): None when the catalog does not know the
    row (for this caller: another company's is not found either), `CATALOG_UNAVAILABLE` when it
    does not answer."""
    try:
        return await call
    except aio.AioRpcError as error:
        if error.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
            return None
        raise ServiceError(
            "CATALOG_UNAVAILABLE", "the catalog did not answer", kind=ErrorKind.UNAVAILABLE
        ) from error


class CustomerDirectory:
    def __init__(self, channel: aio.Channel) -> None:
        self._stub = catalog_pb2_grpc.CatalogServiceStub(channel)

    async def company_of(self, customer_id: str) -> str | None:
        """The customer's company; None when the catalog does not know it (for this caller)."""
        reply = await ask_catalog(
            self._stub.GetCustomer(
                catalog_pb2.GetCustomerRequest(customer_id=customer_id), timeout=CALL_TIMEOUT_SECONDS
            )
        )
        return None if reply is None else str(reply.customer.company_id)

    async def company_currency(self, company_id: str, *, wait_for_change: bool = False) -> str | None:
        """The company's currency; None when the catalog does not know it (for this caller).
        `wait_for_change`: the catalog reads the company FOR SHARE, so a currency change in
        progress is waited for and its new currency answered (the wallet's credits ask so)."""
        request = catalog_pb2.GetCompanyRequest(
            company_id=company_id, wait_for_currency_change=wait_for_change
        )
        reply = await ask_catalog(self._stub.GetCompany(request, timeout=CALL_TIMEOUT_SECONDS))
        return None if reply is None else str(reply.company.currency_code)
