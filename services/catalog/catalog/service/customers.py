"""Customers of a company (guests included)."""

from __future__ import annotations

import uuid

from catalog.adapters.repositories import customers
from catalog.domain import errors
from catalog.domain.commands import (
    CreateCustomer,
)
from catalog.domain.model import (
    Customer,
)
from catalog.domain.rules import same_parent
from plumbing.db import Database
from plumbing.errors import ServiceError


async def create_customer(db: Database, command: CreateCustomer) -> Customer:
    try:
        async with db.transaction() as conn:
            created = await customers.insert_customer(conn, command)
            if created is not None:
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
