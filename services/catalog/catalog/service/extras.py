"""Extras a company sells with its bookings."""

from __future__ import annotations

import uuid

from catalog.adapters.repositories import companies, extras
from catalog.domain import errors
from catalog.domain.commands import (
    CreateExtra,
)
from catalog.domain.model import (
    Extra,
)
from catalog.domain.rules import same_parent
from plumbing.db import Database


async def create_extra(db: Database, command: CreateExtra) -> Extra:
    async with db.transaction() as conn:
        created = await extras.insert_extra(conn, command)
        if created is not None:
            return created
        existing = await extras.extra_by_request_id(conn, command.request_id)
        if existing is None:
            company = await companies.find_company(conn, command.company_id)
    if existing is not None:
        same_parent(existing.company_id, command.company_id, command.request_id)
        return existing
    if company is None:
        raise errors.company_not_found(command.company_id)
    raise errors.currency_mismatch(command.price.currency_code, company.currency_code, "price.currency_code")


async def list_extras(db: Database, company_id: uuid.UUID) -> list[Extra]:
    async with db.transaction() as conn:
        if await companies.find_company(conn, company_id) is None:
            raise errors.company_not_found(company_id)
        return list(await extras.list_extras(conn, company_id))
