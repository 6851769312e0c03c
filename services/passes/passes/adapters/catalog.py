"""What passes asks the catalog (which owns companies and resources) before a person's change
of a pass product: the company's currency, and whose a resource is. The call carries the
caller's principal (`plumbing.grpc_client`), so the catalog refuses another company's
resource as not found."""

from __future__ import annotations

from grpc import aio

from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from plumbing.customer_directory import CALL_TIMEOUT_SECONDS, ask_catalog


class CatalogLookups:
    def __init__(self, channel: aio.Channel) -> None:
        self._stub = catalog_pb2_grpc.CatalogServiceStub(channel)

    async def company_currency(self, company_id: str) -> str | None:
        """The company's currency; None when the catalog does not know it (for this caller)."""
        reply = await ask_catalog(
            self._stub.GetCompany(
                catalog_pb2.GetCompanyRequest(company_id=company_id), timeout=CALL_TIMEOUT_SECONDS
            )
        )
        return None if reply is None else str(reply.company.currency_code)

    async def resource_company(self, resource_id: str) -> str | None:
        """The resource's company; None when the catalog does not know it (for this caller)."""
        reply = await ask_catalog(
            self._stub.GetResource(
                catalog_pb2.GetResourceRequest(resource_id=resource_id), timeout=CALL_TIMEOUT_SECONDS
            )
        )
        return None if reply is None else str(reply.resource.company_id)
