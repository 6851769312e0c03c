"""RPC handlers: one validated command, one transaction, a domain result."""

from __future__ import annotations

import uuid

from passes.adapters import repository
from passes.domain import reasons
from passes.domain.commands import CreatePassProduct, GrantPass, ListEntitlements
from passes.domain.model import Entitlement, PassProduct
from passes.domain.rules import same_grant_request, same_product_request
from plumbing.db import Database
from plumbing.errors import Conflict, NotFound


def _reused(request_id: str) -> Conflict:
    return Conflict(
        reasons.REQUEST_ID_REUSED,
        f"request_id {request_id!r} was already used for a different request",
        field="request_id",
    )


async def create_pass_product(db: Database, cmd: CreatePassProduct) -> PassProduct:
    """Creates the product once per (company, request_id); a retry returns the first one."""
    async with db.transaction() as conn:
        created = await repository.insert_product(conn, uuid.uuid4(), cmd)
        if created is not None:
            return created
        existing = await repository.product_by_request(conn, cmd.company_id, cmd.request_id)
    if existing is None:  # the conflicting row cannot vanish: products are never deleted
        raise RuntimeError("pass product request conflicted but was not found")
    if not same_product_request(existing, cmd):
        raise _reused(cmd.request_id)
    return existing


async def grant_pass(db: Database, cmd: GrantPass) -> Entitlement:
    """Grants the product to the customer once per (company, request_id)."""
    async with db.transaction() as conn:
        granted = await repository.grant(conn, uuid.uuid4(), cmd)
        if granted is not None:
            return granted
        existing = await repository.entitlement_by_request(conn, cmd.product_id, cmd.request_id)
    if existing is None:
        raise NotFound(
            reasons.PASS_PRODUCT_NOT_FOUND,
            "no such pass product",
            metadata={"product_id": str(cmd.product_id)},
        )
    if not same_grant_request(existing, cmd):
        raise _reused(cmd.request_id)
    return existing


async def get_entitlement(db: Database, entitlement_id: uuid.UUID) -> Entitlement:
    async with db.transaction() as conn:
        found = await repository.get_entitlement(conn, entitlement_id)
    if found is None:
        raise NotFound(
            reasons.ENTITLEMENT_NOT_FOUND,
            "no such entitlement",
            metadata={"entitlement_id": str(entitlement_id)},
        )
    return found


async def list_entitlements(db: Database, query: ListEntitlements) -> list[Entitlement]:
    async with db.transaction() as conn:
        return await repository.list_entitlements(conn, query.company_id, query.customer_id)
