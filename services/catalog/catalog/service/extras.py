"""Extras a company sells with its bookings."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func

from catalog.adapters import tables
from catalog.adapters.repositories import companies, extras
from catalog.adapters.repositories.changes import find_in_reach
from catalog.domain import back_office, errors
from catalog.domain.commands import (
    CreateExtra,
)
from catalog.domain.model import (
    Extra,
)
from catalog.domain.rules import same_parent
from catalog.service import changes
from plumbing.db import Database
from plumbing.principal import Role, require_role


async def create_extra(db: Database, command: CreateExtra) -> Extra:
    async with db.transaction() as conn:
        created = await extras.insert_extra(conn, command)
        if created is not None:
            await changes.audit_created(conn, created.company_id, "extra", created)
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


async def list_extras(db: Database, company_id: uuid.UUID, *, show_archived: bool = False) -> list[Extra]:
    """The extras in creation order; archived ones (not sold with new bookings) only when asked."""
    async with db.transaction() as conn:
        if await companies.find_company(conn, company_id) is None:
            raise errors.company_not_found(company_id)
        return list(await extras.list_extras(conn, company_id, show_archived=show_archived))


async def get_extra(db: Database, extra_id: uuid.UUID) -> Extra:
    async with db.transaction() as conn:
        row = await find_in_reach(conn, tables.extras, extra_id)
    if row is None:
        raise errors.extra_not_found(extra_id)
    return extras.to_extra(row)


def _extra_columns(extra: Extra, values: dict[str, Any]) -> dict[str, Any]:
    columns = changes.column_values({key: value for key, value in values.items() if key != "price"})
    price = values.get("price")
    if price is not None:
        # The extra's price is in the company's currency (a foreign key holds it there).
        if price.currency_code != extra.price.currency_code:
            raise errors.currency_mismatch(
                price.currency_code, extra.price.currency_code, "price.currency_code"
            )
        columns["price_amount_minor"] = price.amount_minor
        columns["price_currency"] = price.currency_code
    return columns


async def update_extra(db: Database, command: back_office.Change) -> Extra:
    """Changes the fields of the mask at the version read; a price in the company's currency."""
    require_role(Role.PLATFORM_ADMIN, Role.COMPANY_ADMIN)

    return await changes.change_row(
        db,
        command,
        table=tables.extras,
        entity_type="extra",
        action="update",
        to_entity=extras.to_extra,
        columns=lambda extra: _extra_columns(extra, command.values),
        not_found=errors.extra_not_found(command.id),
    )


async def archive_extra(db: Database, command: back_office.Change) -> Extra:
    """Archives the extra at the version read (an archived one is returned unchanged): not
    listed and not sold with new bookings; bookings that have it keep it."""
    require_role(Role.PLATFORM_ADMIN, Role.COMPANY_ADMIN)
    return await changes.change_row(
        db,
        command,
        table=tables.extras,
        entity_type="extra",
        action="archive",
        to_entity=extras.to_extra,
        columns=lambda extra: {} if extra.archived_at is not None else {"archived_at": func.now()},
        not_found=errors.extra_not_found(command.id),
    )
