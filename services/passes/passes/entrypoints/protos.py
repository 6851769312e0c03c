"""Pass products and entitlements as `bookingplatform.passes.v1` messages."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp

from bookingplatform.common.v1 import money_pb2
from bookingplatform.passes.v1 import passes_pb2
from passes.domain.model import Entitlement, PassProduct


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
        resource_ids=[str(r) for r in product.resource_ids],
        archive_time=_timestamp(product.archived_at) if product.archived_at is not None else None,
        etag=product.etag,
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
        sale=passes_pb2.PassSale.Value(f"PASS_SALE_{entitlement.sale}")
        if entitlement.sale
        else passes_pb2.PASS_SALE_UNSPECIFIED,
        paid=money_pb2.Money(amount_minor=entitlement.paid_minor, currency_code=entitlement.paid_currency)
        if entitlement.paid_minor
        else None,
        issued_by_user_id=entitlement.issued_by_user_id,
    )
