"""PassesService over gRPC: proto -> command -> handler -> proto. Translation only."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp
from grpc import aio

from bookingplatform.common.v1 import money_pb2
from bookingplatform.passes.v1 import passes_pb2, passes_pb2_grpc
from passes.domain.commands import CreatePassProduct, GrantPass, ListEntitlements, parse_id
from passes.domain.model import Entitlement, PassProduct
from passes.service import handlers
from plumbing.db import Database


def _timestamp(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def product_to_proto(product: PassProduct) -> passes_pb2.PassProduct:
    return passes_pb2.PassProduct(
        id=str(product.id),
        company_id=str(product.company_id),
        name=product.name,
        credits=product.credits,
        validity_days=product.validity_days,
        price=money_pb2.Money(amount_minor=product.price.amount_minor, currency_code=product.price.currency),
    )


def entitlement_to_proto(entitlement: Entitlement) -> passes_pb2.Entitlement:
    return passes_pb2.Entitlement(
        id=str(entitlement.id),
        company_id=str(entitlement.company_id),
        customer_id=str(entitlement.customer_id),
        product_id=str(entitlement.product_id),
        credits_total=entitlement.credits_total,
        credits_used=entitlement.credits_used,
        credits_held=entitlement.credits_held,
        valid_from_time=_timestamp(entitlement.valid_from),
        valid_until_time=_timestamp(entitlement.valid_until),
    )


class PassesApi(passes_pb2_grpc.PassesServiceServicer):
    def __init__(self, db: Database) -> None:
        self.db = db

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
        product = await handlers.create_pass_product(self.db, cmd)
        return passes_pb2.CreatePassProductResponse(product=product_to_proto(product))

    async def GrantPass(
        self, request: passes_pb2.GrantPassRequest, context: aio.ServicerContext
    ) -> passes_pb2.GrantPassResponse:
        cmd = GrantPass.parse(
            request_id=request.request_id, product_id=request.product_id, customer_id=request.customer_id
        )
        entitlement = await handlers.grant_pass(self.db, cmd)
        return passes_pb2.GrantPassResponse(entitlement=entitlement_to_proto(entitlement))

    async def GetEntitlement(
        self, request: passes_pb2.GetEntitlementRequest, context: aio.ServicerContext
    ) -> passes_pb2.GetEntitlementResponse:
        entitlement_id = parse_id(request.entitlement_id, "entitlement_id")
        entitlement = await handlers.get_entitlement(self.db, entitlement_id)
        return passes_pb2.GetEntitlementResponse(entitlement=entitlement_to_proto(entitlement))

    async def ListEntitlements(
        self, request: passes_pb2.ListEntitlementsRequest, context: aio.ServicerContext
    ) -> passes_pb2.ListEntitlementsResponse:
        query = ListEntitlements.parse(company_id=request.company_id, customer_id=request.customer_id)
        found = await handlers.list_entitlements(self.db, query)
        return passes_pb2.ListEntitlementsResponse(entitlements=[entitlement_to_proto(e) for e in found])
