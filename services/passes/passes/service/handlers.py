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
from plumbing.principal import BUSINESS_ROLES, check_customer, check_tenant, current_principal, require_role


def _reused(request_id: str) -> Conflict:
    return Conflict(
        reasons.REQUEST_ID_REUSED,
        f"request_id {request_id!r} was already used for a different request",
        field="request_id",
    )


def _product_not_found(product_id: uuid.UUID) -> NotFound:
    return NotFound(
        reasons.PASS_PRODUCT_NOT_FOUND, "no such pass product", metadata={"product_id": str(product_id)}
    )


def _entitlement_not_found(entitlement_id: uuid.UUID | None = None) -> NotFound:
    metadata = {} if entitlement_id is None else {"entitlement_id": str(entitlement_id)}
    return NotFound(reasons.ENTITLEMENT_NOT_FOUND, "no such entitlement", metadata=metadata)


async def check_product_owner(db: Database, product_id: uuid.UUID) -> None:
    """Refuses a product of another company than the caller's as not found. A product never
    changes company, so checking before the handler's own transaction cannot go stale; an
    unknown product is left to the handler's own not-found."""
    if current_principal().all_companies:
        return
    async with db.transaction() as conn:
        company = await repository.product_company(conn, product_id)
    if company is not None:
        check_tenant(company, _product_not_found(product_id))


async def create_pass_product(db: Database, cmd: CreatePassProduct) -> PassProduct:
    """Creates the product once per (company, request_id); a retry returns the first one."""
    require_role(*BUSINESS_ROLES)
    check_tenant(cmd.company_id, NotFound(reasons.COMPANY_NOT_FOUND, "no such company", field="company_id"))
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
    require_role(*BUSINESS_ROLES)
    await check_product_owner(db, cmd.product_id)
    async with db.transaction() as conn:
        granted = await repository.grant(conn, uuid.uuid4(), cmd)
        if granted is not None:
            return granted
        existing = await repository.entitlement_by_request(conn, cmd.product_id, cmd.request_id)
    if existing is None:
        raise _product_not_found(cmd.product_id)
    if not same_grant_request(existing, cmd):
        raise _reused(cmd.request_id)
    return existing


async def get_entitlement(db: Database, entitlement_id: uuid.UUID) -> Entitlement:
    async with db.transaction() as conn:
        found = await repository.get_entitlement(conn, entitlement_id)
    if found is None:
        raise _entitlement_not_found(entitlement_id)
    check_customer(found.company_id, found.customer_id, _entitlement_not_found(entitlement_id))
    return found


async def list_entitlements(db: Database, query: ListEntitlements) -> list[Entitlement]:
    # The listing filters on both ids, so checking them checks every row it returns.
    check_customer(query.company_id, query.customer_id, _entitlement_not_found())
    async with db.transaction() as conn:
        return await repository.list_entitlements(conn, query.company_id, query.customer_id)
