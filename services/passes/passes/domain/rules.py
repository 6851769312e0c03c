"""Rules of idempotent requests: a request_id used again must carry the same request."""

from __future__ import annotations

from passes.domain.commands import CreatePassProduct, GrantPass
from passes.domain.model import Entitlement, PassProduct


def same_product_request(product: PassProduct, cmd: CreatePassProduct) -> bool:
    return (
        product.company_id == cmd.company_id
        and product.name == cmd.name
        and product.credits == cmd.credits
        and product.validity_days == cmd.validity_days
        and product.price == cmd.price
    )


def same_grant_request(entitlement: Entitlement, cmd: GrantPass) -> bool:
    return (
        entitlement.product_id == cmd.product_id
        and entitlement.customer_id == cmd.customer_id
        and (entitlement.sale or "GRANT") == cmd.sale
    )
