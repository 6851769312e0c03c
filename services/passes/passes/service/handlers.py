"""RPC handlers: one validated command, one transaction, a domain result."""

from __future__ import annotations

import asyncio
import uuid

from passes.adapters import repository
from passes.adapters.catalog import CatalogLookups
from passes.domain import reasons
from passes.domain.commands import (
    ArchivePassProduct,
    CreatePassProduct,
    GrantPass,
    ListEntitlements,
    ListPassProducts,
    UpdatePassProduct,
)
from passes.domain.model import Entitlement, PassProduct
from passes.domain.rules import same_grant_request, same_product_request
from plumbing import audit, paging
from plumbing.customer_directory import CustomerDirectory
from plumbing.db import Database
from plumbing.errors import Conflict, FailedPrecondition, InvalidArgument, NotFound
from plumbing.principal import (
    BUSINESS_ROLES,
    Role,
    check_customer,
    check_tenant,
    current_principal,
    require_role,
)


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


async def check_currency(catalog: CatalogLookups | None, company_id: uuid.UUID, currency: str) -> None:
    """A product is priced in its company's currency, as the catalog says (400
    CURRENCY_MISMATCH otherwise, as an extra or a session is); a company the catalog does not
    know is not found. Without a catalog (tools, tests of passes alone) nothing is asked."""
    if catalog is None:
        return
    expected = await catalog.company_currency(str(company_id))
    if expected is None:
        raise NotFound(reasons.COMPANY_NOT_FOUND, "no such company", field="company_id")
    if currency != expected:
        raise InvalidArgument(
            reasons.CURRENCY_MISMATCH,
            f"the company's prices are in {expected}, not {currency}",
            field="price.currency_code",
            metadata={"company_currency": expected},
        )


async def check_resources(
    catalog: CatalogLookups | None, company_id: uuid.UUID, resource_ids: list[uuid.UUID]
) -> None:
    """The resources a product is limited to are its company's own, as the catalog says (404
    RESOURCE_NOT_FOUND for another company's or an unknown one). A resource never changes
    company, so asking before the change's transaction cannot go stale."""
    if catalog is None or not resource_ids:
        return
    companies = await asyncio.gather(*(catalog.resource_company(str(r)) for r in resource_ids))
    for index, company in enumerate(companies):
        if company != str(company_id):
            raise NotFound(
                reasons.RESOURCE_NOT_FOUND,
                "no such resource in this company",
                field=f"resource_ids[{index}]",
                metadata={"resource_id": str(resource_ids[index])},
            )


async def create_pass_product(
    db: Database, cmd: CreatePassProduct, *, catalog: CatalogLookups | None = None
) -> PassProduct:
    """Creates the product once per (company, request_id); a retry returns the first one."""
    require_role(*BUSINESS_ROLES)
    check_tenant(cmd.company_id, NotFound(reasons.COMPANY_NOT_FOUND, "no such company", field="company_id"))
    await check_currency(catalog, cmd.company_id, cmd.price.currency)
    async with db.transaction() as conn:
        created = await repository.insert_product(conn, uuid.uuid4(), cmd)
        if created is not None:
            await audit.record(
                conn,
                company_id=created.company_id,
                entity_type="pass_product",
                entity_id=created.id,
                action="create",
                after=_audited(created),
            )
            return created
        existing = await repository.product_by_request(conn, cmd.company_id, cmd.request_id)
    if existing is None:  # the conflicting row cannot vanish: products are never deleted
        raise RuntimeError("pass product request conflicted but was not found")
    if not same_product_request(existing, cmd):
        raise _reused(cmd.request_id)
    return existing


async def check_customer_of_product(
    db: Database, customers: CustomerDirectory | None, product_id: uuid.UUID, customer_id: uuid.UUID
) -> None:
    """A person's grant or sale gives credits to a customer id passes may never have seen: the
    customer must be one of the product's company, as the catalog says (else
    CUSTOMER_NOT_FOUND, also for another company's customer). A customer never changes
    company, so asking before the grant's transaction cannot go stale. Internal callers (the
    saga, tools) are trusted; an unknown product is left to the grant's own not-found."""
    if customers is None or current_principal().role is Role.SERVICE:
        return
    async with db.transaction() as conn:
        company = await repository.product_company(conn, product_id)
    if company is not None and await customers.company_of(str(customer_id)) != str(company):
        raise NotFound(reasons.CUSTOMER_NOT_FOUND, "no such customer in this company", field="customer_id")


async def sale_currency(db: Database, catalog: CatalogLookups | None, cmd: GrantPass) -> str | None:
    """The currency a desk sale must be priced in: the product's company's as the catalog says
    now (asked at each sale, never cached, so a currency change holds from the next sale). A
    free grant moves no money and is not asked; nor is anything without a catalog (tools, tests
    of passes alone). An unknown product is left to the grant's own not-found."""
    if catalog is None or cmd.sale == "GRANT":
        return None
    async with db.transaction() as conn:
        company = await repository.product_company(conn, cmd.product_id)
    if company is None:
        return None
    currency = await catalog.company_currency(str(company))
    if currency is None:
        raise NotFound(reasons.COMPANY_NOT_FOUND, "no such company", field="company_id")
    return currency


def _priced_in_old_currency(product: PassProduct, company_currency: str) -> FailedPrecondition:
    return FailedPrecondition(
        reasons.PASS_PRODUCT_CURRENCY_MISMATCH,
        f"the pass product is priced in {product.price.currency} but the company now uses"
        f" {company_currency}: reprice it in {company_currency} (or archive it) before selling it",
        metadata={
            "product_id": str(product.id),
            "product_currency": product.price.currency,
            "company_currency": company_currency,
        },
    )


async def grant_pass(
    db: Database,
    cmd: GrantPass,
    *,
    customers: CustomerDirectory | None = None,
    catalog: CatalogLookups | None = None,
) -> Entitlement:
    """Grants the product to the customer once per (company, request_id). A desk sale is
    refused while the product is priced in another currency than its company's (the company
    changed currency after pricing it): the INSERT takes the product only in that currency."""
    require_role(*BUSINESS_ROLES)
    await check_product_owner(db, cmd.product_id)
    await check_customer_of_product(db, customers, cmd.product_id, cmd.customer_id)
    currency = await sale_currency(db, catalog, cmd)
    product: PassProduct | None = None
    async with db.transaction() as conn:
        granted = await repository.grant(
            conn, uuid.uuid4(), cmd, current_principal().user_id, currency=currency
        )
        if granted is not None:
            await audit.record(
                conn,
                company_id=granted.company_id,
                entity_type="entitlement",
                entity_id=granted.id,
                action="sell" if cmd.sale != "GRANT" else "grant",
                after={
                    "customer_id": granted.customer_id,
                    "product_id": granted.product_id,
                    "credits_total": granted.credits_total,
                    "sale": granted.sale,
                    "paid_minor": granted.paid_minor,
                },
            )
            return granted
        existing = await repository.entitlement_by_request(conn, cmd.product_id, cmd.request_id)
        if existing is None and currency is not None:
            product = await repository.find_product(conn, cmd.product_id)
    if existing is None:
        # A retry of a sale made before the currency changed found its entitlement above.
        on_sale = product is not None and product.archived_at is None
        if product is not None and on_sale and currency is not None and product.price.currency != currency:
            raise _priced_in_old_currency(product, currency)
        raise _product_not_found(cmd.product_id)
    if not same_grant_request(existing, cmd):
        raise _reused(cmd.request_id)
    return existing


async def get_entitlement(db: Database, entitlement_id: uuid.UUID) -> Entitlement:
    # One SELECT needs no transaction: autocommit spares the BEGIN and COMMIT around it (bookings
    # asks for the entitlement of every booking paid with a pass).
    async with db.autocommit() as conn:
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


def _stale() -> Conflict:
    return Conflict(reasons.ETAG_MISMATCH, "the product changed since it was read", field="etag")


def _audited(product: PassProduct) -> dict[str, object]:
    return {
        "name": product.name,
        "credits": product.credits,
        "validity_days": product.validity_days,
        "price_minor": product.price.amount_minor,
        "currency": product.price.currency,
        "resource_ids": [str(r) for r in product.resource_ids],
        "archived_at": product.archived_at,
    }


async def get_pass_product(db: Database, product_id: uuid.UUID) -> PassProduct:
    async with db.transaction() as conn:
        found = await repository.find_product(conn, product_id)
    if found is None:
        raise _product_not_found(product_id)
    check_tenant(found.company_id, _product_not_found(product_id))
    return found


async def list_pass_products(db: Database, query: ListPassProducts) -> tuple[list[PassProduct], str]:
    """A page of the company's products, oldest first, and the next page's token ("" at the end)."""
    check_tenant(query.company_id, NotFound(reasons.COMPANY_NOT_FOUND, "no such company", field="company_id"))
    async with db.transaction() as conn:
        found = await repository.list_products(
            conn,
            query.company_id,
            after=query.after,
            limit=query.page_size + 1,
            show_archived=query.show_archived,
        )
    page = found[: query.page_size]
    more = len(found) > query.page_size
    last = page[-1] if more and page else None
    token = paging.encode_page_token(last.created_at, last.id) if last and last.created_at else ""
    return page, token


async def _change(
    db: Database,
    *,
    product_id: uuid.UUID,
    request_id: str | None,
    expected_version: int | None,
    values: dict[str, object],
    action: str,
) -> PassProduct:
    """One conditional UPDATE of a product on sale at the version read, audited in its transaction."""
    require_role(Role.PLATFORM_ADMIN, Role.COMPANY_ADMIN)
    async with db.transaction() as conn:
        before = await repository.find_product(conn, product_id)
        if before is None:
            raise _product_not_found(product_id)
        check_tenant(before.company_id, _product_not_found(product_id))
        if not await repository.claim_product_change(conn, before.company_id, request_id, product_id):
            return before  # a retry of an applied change
        if action == "archive" and before.archived_at is not None:
            return before
        after = await repository.change_product(conn, product_id, expected_version, values)
        if after is None:
            if before.archived_at is not None:
                raise FailedPrecondition(
                    reasons.PASS_PRODUCT_ARCHIVED,
                    "an archived product cannot change",
                    metadata={"product_id": str(product_id)},
                )
            raise _stale()
        await audit.record(
            conn,
            company_id=before.company_id,
            entity_type="pass_product",
            entity_id=product_id,
            action=action,
            before=_audited(before),
            after=_audited(after),
        )
    return after


async def update_pass_product(
    db: Database, cmd: UpdatePassProduct, *, catalog: CatalogLookups | None = None
) -> PassProduct:
    """Changes the fields of the mask; passes granted before keep what they were granted (but
    a change of `resource_ids` holds for them too: the saga reads the product's list). A new
    price is in the company's currency, new resources are the company's own."""
    require_role(Role.PLATFORM_ADMIN, Role.COMPANY_ADMIN)
    if catalog is not None and ("currency" in cmd.changes or "resource_ids" in cmd.changes):
        await check_product_owner(db, cmd.product_id)
        async with db.transaction() as conn:
            company = await repository.product_company(conn, cmd.product_id)
        if company is not None:  # an unknown product is left to the change's own not-found
            if "currency" in cmd.changes:
                await check_currency(catalog, company, str(cmd.changes["currency"]))
            resources = cmd.changes.get("resource_ids")
            if isinstance(resources, list):
                await check_resources(catalog, company, resources)
    return await _change(
        db,
        product_id=cmd.product_id,
        request_id=cmd.request_id,
        expected_version=cmd.expected_version,
        values=dict(cmd.changes),
        action="update",
    )


async def archive_pass_product(db: Database, cmd: ArchivePassProduct) -> PassProduct:
    """Takes the product off sale (no new grants); passes granted before stay valid."""
    return await _change(
        db,
        product_id=cmd.product_id,
        request_id=cmd.request_id,
        expected_version=cmd.expected_version,
        values={"archived_at": repository.NOW},
        action="archive",
    )
