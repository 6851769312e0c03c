"""Units of nightly resources."""

from __future__ import annotations

import uuid

from catalog.adapters.repositories import units
from catalog.domain import errors
from catalog.domain.commands import (
    CreateUnit,
)
from catalog.domain.model import (
    Unit,
)
from catalog.domain.rules import same_parent
from catalog.service.resources import nightly_resource
from plumbing.db import Database
from plumbing.errors import ServiceError


async def create_unit(db: Database, command: CreateUnit) -> Unit:
    try:
        async with db.transaction() as conn:
            created = await units.insert_unit(conn, command)
            if created is not None:
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
        found = await units.find_unit(conn, unit_id)
    if found is None:
        raise errors.unit_not_found(unit_id)
    return found


async def list_units(db: Database, resource_id: uuid.UUID) -> list[Unit]:
    async with db.transaction() as conn:
        await nightly_resource(conn, resource_id)
        return await units.list_units(conn, resource_id)
