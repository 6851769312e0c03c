"""Companies (tenants)."""

from __future__ import annotations

import uuid

from catalog.adapters.repositories import companies
from catalog.domain import errors
from catalog.domain.commands import (
    CreateCompany,
)
from catalog.domain.model import (
    Company,
)
from plumbing.db import Database


async def create_company(db: Database, command: CreateCompany) -> Company:
    async with db.transaction() as conn:
        created = await companies.insert_company(conn, command)
        if created is not None:
            return created
        existing = await companies.company_by_request_id(conn, command.request_id)
    if existing is None:
        raise RuntimeError("company insert did nothing without an earlier request")
    return existing


async def get_company(db: Database, company_id: uuid.UUID) -> Company:
    async with db.transaction() as conn:
        found = await companies.find_company(conn, company_id)
    if found is None:
        raise errors.company_not_found(company_id)
    return found
