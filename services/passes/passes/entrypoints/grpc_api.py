"""PassesService over gRPC: proto -> command -> handler -> proto. Translation only."""

from __future__ import annotations

from grpc import aio

from bookingplatform.passes.v1 import passes_pb2, passes_pb2_grpc
from passes.adapters.catalog import CatalogLookups
from passes.domain.commands import (
    ArchivePassProduct,
    CreatePassProduct,
    GrantPass,
    ListEntitlements,
    ListPassProducts,
    UpdatePassProduct,
)
from passes.entrypoints.protos import entitlement_to_proto, product_to_proto
from passes.service import handlers
from plumbing import ids
from plumbing.customer_directory import CustomerDirectory
from plumbing.db import Database

# Unspecified is a grant, as before the sale was kept; an unknown number is refused by parse.
_SALES = {
    passes_pb2.PASS_SALE_UNSPECIFIED: "GRANT",
    passes_pb2.PASS_SALE_GRANT: "GRANT",
    passes_pb2.PASS_SALE_CASH: "CASH",
    passes_pb2.PASS_SALE_EXTERNAL: "EXTERNAL",
}


class PassesApi(passes_pb2_grpc.PassesServiceServicer):
    def __init__(
        self,
        db: Database,
        customers: CustomerDirectory | None = None,
        catalog: CatalogLookups | None = None,
    ) -> None:
        self.db = db
        self.customers = customers
        self.catalog = catalog

    async def CreatePassProduct(
        self, request: passes_pb2.CreatePassProductRequest, context: aio.ServicerContext
    ) -> passes_pb2.CreatePassProductResponse:
        cmd = CreatePassProduct.parse(
            request_id=request.request_id,
            company_id=request.company_id,
            name=request.name,
            credits=request.credits,
            validity_days=request.validity_days,
            price_minor=request.price.amount_minor,
            currency=request.price.currency_code,
        )
        product = await handlers.create_pass_product(self.db, cmd, catalog=self.catalog)
        return passes_pb2.CreatePassProductResponse(product=product_to_proto(product))

    async def GrantPass(
        self, request: passes_pb2.GrantPassRequest, context: aio.ServicerContext
    ) -> passes_pb2.GrantPassResponse:
        cmd = GrantPass.parse(
            sale=_SALES.get(request.sale, ""),
            request_id=request.request_id,
            product_id=request.product_id,
            customer_id=request.customer_id,
        )
        entitlement = await handlers.grant_pass(self.db, cmd, customers=self.customers, catalog=self.catalog)
        return passes_pb2.GrantPassResponse(entitlement=entitlement_to_proto(entitlement))

    async def GetEntitlement(
        self, request: passes_pb2.GetEntitlementRequest, context: aio.ServicerContext
    ) -> passes_pb2.GetEntitlementResponse:
        entitlement_id = ids.parse_uuid(request.entitlement_id, "entitlement_id")
        entitlement = await handlers.get_entitlement(self.db, entitlement_id)
        return passes_pb2.GetEntitlementResponse(entitlement=entitlement_to_proto(entitlement))

    async def ListEntitlements(
        self, request: passes_pb2.ListEntitlementsRequest, context: aio.ServicerContext
    ) -> passes_pb2.ListEntitlementsResponse:
        query = ListEntitlements.parse(company_id=request.company_id, customer_id=request.customer_id)
        found = await handlers.list_entitlements(self.db, query)
        return passes_pb2.ListEntitlementsResponse(entitlements=[entitlement_to_proto(e) for e in found])

    async def GetPassProduct(
        self, request: passes_pb2.GetPassProductRequest, context: aio.ServicerContext
    ) -> passes_pb2.GetPassProductResponse:
        product = await handlers.get_pass_product(self.db, ids.parse_uuid(request.product_id, "product_id"))
        return passes_pb2.GetPassProductResponse(product=product_to_proto(product))

    async def ListPassProducts(
        self, request: passes_pb2.ListPassProductsRequest, context: aio.ServicerContext
    ) -> passes_pb2.ListPassProductsResponse:
        query = ListPassProducts.parse(
            company_id=request.company_id,
            page_size=request.page_size,
            page_token=request.page_token,
            show_archived=request.show_archived,
        )
        products, token = await handlers.list_pass_products(self.db, query)
        return passes_pb2.ListPassProductsResponse(
            products=[product_to_proto(p) for p in products], next_page_token=token
        )

    async def UpdatePassProduct(
        self, request: passes_pb2.UpdatePassProductRequest, context: aio.ServicerContext
    ) -> passes_pb2.UpdatePassProductResponse:
        given = request.product
        cmd = UpdatePassProduct.parse(
            request_id=request.request_id,
            product_id=given.id,
            etag=given.etag,
            paths=list(request.update_mask.paths),
            name=given.name,
            credits=given.credits,
            validity_days=given.validity_days,
            price_minor=given.price.amount_minor,
            currency=given.price.currency_code,
            resource_ids=list(given.resource_ids),
        )
        product = await handlers.update_pass_product(self.db, cmd, catalog=self.catalog)
        return passes_pb2.UpdatePassProductResponse(product=product_to_proto(product))

    async def ArchivePassProduct(
        self, request: passes_pb2.ArchivePassProductRequest, context: aio.ServicerContext
    ) -> passes_pb2.ArchivePassProductResponse:
        cmd = ArchivePassProduct.parse(
            request_id=request.request_id, product_id=request.product_id, etag=request.etag
        )
        product = await handlers.archive_pass_product(self.db, cmd)
        return passes_pb2.ArchivePassProductResponse(product=product_to_proto(product))
