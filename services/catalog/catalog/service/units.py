"""Units of nightly resources."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from catalog.adapters import tables
from catalog.adapters.repositories import units
from catalog.adapters.repositories.rows import constraint_of
from catalog.domain import back_office, errors
from catalog.domain.commands import (
    CreateUnit,
)
from catalog.domain.model import (
    Unit,
)
from catalog.domain.rules import same_parent
from catalog.service import changes
from catalog.service.resources import nightly_resource
from plumbing.db import Database
from plumbing.errors import ServiceError
from plumbing.principal import Role, check_tenant, require_role


async def create_unit(db: Database, command: CreateUnit) -> Unit:
    try:
        async with db.transaction() as conn:
            created = await units.insert_unit(conn, command)
            if created is not None:
                await changes.audit_created(conn, created.company_id, "unit", created)
                return created
            existing = await units.unit_by_request_id(conn, command.request_id)
            if existing is None:
                await nightly_resource(conn, command.resource_id)
                raise RuntimeError("unit insert did nothing without a reason")
    except ServiceError as refusal:
        if refusal.reason != errors.UNIT_NAME_TAKEN or command.request_id is None:
            raise
        # A concurrent request with the same request_id may have taken the name first.
        async with db.transaction() as conn:
            existing = await units.unit_by_request_id(conn, command.request_id)
        if existing is None:
            raise
    same_parent(existing.resource_id, command.resource_id, command.request_id)
    return existing


async def get_unit(db: Database, unit_id: uuid.UUID) -> Unit:
    async with db.transaction() as conn:
        found = await units.find_offered_unit(conn, unit_id)
    if found is None:
        raise errors.unit_not_found(unit_id)
    return found


async def list_units(db: Database, resource_id: uuid.UUID, *, show_archived: bool = False) -> list[Unit]:
    """The units in creation order; archived ones (not offered to new stays) only when asked."""
    async with db.transaction() as conn:
        resource = await nightly_resource(conn, resource_id)
        check_tenant(resource.company_id, errors.resource_not_found(resource_id))
        return await units.list_units(conn, resource_id, show_archived=show_archived)


def _name_taken(unit_id: uuid.UUID) -> Any:
    def refusal(error: IntegrityError) -> ServiceError | None:
        if constraint_of(error) == tables.UNIT_NAME_INDEX:
            return errors.name_taken(errors.UNIT_NAME_TAKEN, "unit", unit_id)
        return None

    return refusal


async def update_unit(db: Database, command: back_office.Change) -> Unit:
    """Renames the unit at the version read (names stay unique per resource)."""
    require_role(Role.PLATFORM_ADMIN, Role.COMPANY_ADMIN)
    return await changes.change_row(
        db,
        command,
        table=tables.units,
        entity_type="unit",
        action="update",
        to_entity=units.to_unit,
        columns=lambda unit: changes.column_values(command.values),
        not_found=errors.unit_not_found(command.id),
        refusal=_name_taken(command.id),
    )


async def archive_unit(db: Database, command: back_office.Change) -> Unit:
    """Archives the unit at the version read (an archived one is returned unchanged): not
    offered to new stays, its bookings stay."""
    require_role(Role.PLATFORM_ADMIN, Role.COMPANY_ADMIN)
    return await changes.change_row(
        db,
        command,
        table=tables.units,
        entity_type="unit",
        action="archive",
        to_entity=units.to_unit,
        columns=lambda unit: {} if unit.archived_at is not None else {"archived_at": func.now()},
        not_found=errors.unit_not_found(command.id),
    )
