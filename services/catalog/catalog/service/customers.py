"""Customers of a company (guests included)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from catalog.adapters.repositories import customers
from catalog.domain import errors
from catalog.domain.commands import (
    CreateCustomer,
    ListCustomers,
    UpdateCustomer,
)
from catalog.domain.model import (
    Customer,
)
from catalog.domain.rules import same_parent
from plumbing import audit, paging
from plumbing.db import Database
from plumbing.errors import Conflict, InvalidArgument, ServiceError
from plumbing.principal import check_tenant, current_principal


async def create_customer(db: Database, command: CreateCustomer) -> Customer:
    try:
        async with db.transaction() as conn:
            created = await customers.insert_customer(conn, command)
            if created is not None:
                await audit.record(
                    conn,
                    company_id=created.company_id,
                    entity_type="customer",
                    entity_id=created.id,
                    action="create",
                    after=_audited(created),
                )
                return created
            existing = await customers.customer_by_request_id(conn, command.request_id)
    except ServiceError as refusal:
        if refusal.reason != errors.CUSTOMER_EMAIL_TAKEN or command.request_id is None:
            raise
        # A concurrent request with the same request_id may have taken the address first.
        async with db.transaction() as conn:
            existing = await customers.customer_by_request_id(conn, command.request_id)
        if existing is None:
            raise
    if existing is None:
        raise errors.company_not_found(command.company_id)
    same_parent(existing.company_id, command.company_id, command.request_id)
    return existing


async def get_customer(db: Database, customer_id: uuid.UUID) -> Customer:
    async with db.transaction() as conn:
        found = await customers.find_customer(conn, customer_id)
    if found is None:
        raise errors.customer_not_found(customer_id)
    return found


@dataclass(frozen=True)
class CustomerPage:
    customers: list[Customer]
    next_page_token: str


async def list_customers(db: Database, query: ListCustomers) -> CustomerPage:
    check_tenant(query.company_id, errors.company_not_found(query.company_id))
    after = paging.decode_page_token(query.page_token, str, uuid.UUID)
    async with db.transaction() as conn:
        found = await customers.list_customers(
            conn,
            query.company_id,
            query=query.query,
            after=(after[0], after[1]) if after else None,
            limit=query.page_size + 1,
        )
    page = found[: query.page_size]
    more = len(found) > query.page_size
    token = paging.encode_page_token(page[-1].display_name, page[-1].id) if more else ""
    return CustomerPage(customers=page, next_page_token=token)


async def update_customer(db: Database, command: UpdateCustomer) -> Customer:
    """Changes the masked fields at the version the caller read: ABORTED VERSION_MISMATCH when
    another update came first (nothing changed)."""
    async with db.transaction() as conn:
        current = await customers.find_customer(conn, command.customer_id)
        if current is None or not current_principal().may_act_for(current.company_id):
            raise errors.customer_not_found(command.customer_id)
        if not current.guest and "email" in command.changes and command.changes["email"] is None:
            raise InvalidArgument(
                errors.EMAIL_REQUIRED, "email is required for a customer who is not a guest", field="email"
            )
        updated = await customers.update_customer(conn, current, command.expected_version, command.changes)
        if updated is None:
            raise Conflict(
                "VERSION_MISMATCH",
                "the customer changed since it was read; read it again",
                metadata={"version": str(current.version)},
            )
        await audit.record(
            conn,
            company_id=current.company_id,
            entity_type="customer",
            entity_id=current.id,
            action="update",
            before=_audited(current),
            after=_audited(updated),
        )
        return updated


def _audited(customer: Customer) -> dict[str, object]:
    return {"display_name": customer.display_name, "email": customer.email, "phone": customer.phone}
