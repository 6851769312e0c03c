"""Resources, their policy columns and the log of their changes, in SQL."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, literal, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters.repositories.changes import in_reach
from catalog.adapters.repositories.companies import offered_to_caller
from catalog.adapters.repositories.rows import by_request_id, insert_from, utc
from catalog.adapters.tables import (
    companies,
    resource_changes,
    resources,
)
from catalog.domain.back_office import ListResources
from catalog.domain.commands import (
    CreateResource,
)
from catalog.domain.model import (
    BookingModel,
    CancellationWindow,
    Money,
    Resource,
    ResourcePolicy,
)

_RULE_COLUMNS = (
    "lead_time_minutes",
    "horizon_days",
    "free_cancellation_minutes",
    "max_places_per_booking",
    "min_duration_minutes",
    "max_duration_minutes",
    "min_nights",
    "max_nights",
    "granularity_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "max_active_bookings_per_customer",
    "check_in_deadline_minutes",
    "no_show_grace_minutes",
    "max_guests_per_unit",
    "check_in_time",
    "check_out_time",
)


def _policy_values(policy: ResourcePolicy) -> dict[str, Any]:
    """The policy as resources columns; the windows as [{minutes_before_start, refund_percent}]."""
    values = {name: getattr(policy, name) for name in _RULE_COLUMNS}
    values["cancellation_windows"] = [
        {"minutes_before_start": w.minutes_before_start, "refund_percent": w.refund_percent}
        for w in policy.cancellation_windows
    ]
    return values


def _to_resource(row: Row[Any]) -> Resource:
    windows = tuple(
        CancellationWindow(int(w["minutes_before_start"]), int(w["refund_percent"]))
        for w in row.cancellation_windows
    )
    policy = ResourcePolicy(
        **{name: getattr(row, name) for name in _RULE_COLUMNS}, cancellation_windows=windows
    )
    hourly_rate = None
    if row.hourly_rate_amount_minor is not None:
        hourly_rate = Money(amount_minor=row.hourly_rate_amount_minor, currency_code=row.hourly_rate_currency)
    return Resource(
        id=row.id,
        company_id=row.company_id,
        name=row.name,
        booking_model=BookingModel(row.booking_model),
        policy=policy,
        hourly_rate=hourly_rate,
        version=row.version,
        description=row.description,
        image_urls=tuple(row.image_urls),
        amenities=tuple(row.amenities),
        capacity=row.capacity,
        archived_at=utc(row.archived_at) if row.archived_at is not None else None,
        created_at=utc(row.created_at),
    )


to_resource = _to_resource
policy_values = _policy_values


async def insert_resource(conn: AsyncConnection, command: CreateResource) -> Resource | None:
    """The new resource; None when the company does not exist (or does not sell in the
    hourly rate's currency) or the request_id is taken."""
    rate = command.hourly_rate
    parent = select(companies.c.id.label("company_id")).where(companies.c.id == command.company_id)
    if rate is not None:
        parent = parent.where(companies.c.currency_code == rate.currency_code)
    row = await insert_from(
        conn,
        resources,
        {
            "id": uuid.uuid4(),
            "request_id": command.request_id,
            "name": command.name,
            "booking_model": command.booking_model.value,
            **_policy_values(command.policy),
            "hourly_rate_amount_minor": rate.amount_minor if rate else None,
            "hourly_rate_currency": rate.currency_code if rate else None,
            **command.profile,
        },
        parent,
    )
    return _to_resource(row) if row else None


async def update_resource(
    conn: AsyncConnection,
    resource_id: uuid.UUID,
    *,
    policy: ResourcePolicy | None = None,
    hourly_rate: Money | None = None,
) -> Resource | None:
    """Sets the policy and/or the hourly rate and bumps the version; None when the resource
    does not exist (or, for a rate, is not INTERVAL or its company sells in another currency)."""
    values: dict[str, Any] = {"version": resources.c.version + 1}
    conditions = [resources.c.id == resource_id]
    if policy is not None:
        values.update(_policy_values(policy))
    if hourly_rate is not None:
        values["hourly_rate_amount_minor"] = hourly_rate.amount_minor
        values["hourly_rate_currency"] = hourly_rate.currency_code
        conditions.append(resources.c.booking_model == BookingModel.INTERVAL.value)
        conditions.append(
            resources.c.company_id.in_(
                select(companies.c.id).where(companies.c.currency_code == hourly_rate.currency_code)
            )
        )
    row = (
        await conn.execute(update(resources).where(*conditions).values(**values).returning(*resources.c))
    ).first()
    return _to_resource(row) if row else None


async def record_resource_change(
    conn: AsyncConnection, request_id: str | None, resource: Resource, kind: str
) -> bool:
    """Records a change at the resource's (new) version; False when the request_id is taken."""
    row = (
        await conn.execute(
            insert(resource_changes)
            .values(
                id=uuid.uuid4(),
                request_id=request_id,
                resource_id=resource.id,
                version=resource.version,
                kind=kind,
            )
            .on_conflict_do_nothing(index_elements=[resource_changes.c.request_id])
            .returning(resource_changes.c.id)
        )
    ).first()
    return row is not None


async def resource_change_by_request_id(conn: AsyncConnection, request_id: str | None) -> uuid.UUID | None:
    """The resource id of the change made by this request_id, if any."""
    if request_id is None:
        return None
    row = (
        await conn.execute(
            select(resource_changes.c.resource_id).where(resource_changes.c.request_id == request_id)
        )
    ).first()
    return row.resource_id if row else None


async def resource_by_request_id(conn: AsyncConnection, request_id: str | None) -> Resource | None:
    row = await by_request_id(conn, resources, request_id)
    return _to_resource(row) if row else None


async def find_resource(conn: AsyncConnection, resource_id: uuid.UUID) -> Resource | None:
    row = (await conn.execute(select(resources).where(resources.c.id == resource_id))).first()
    return _to_resource(row) if row else None


async def find_offered_resource(conn: AsyncConnection, resource_id: uuid.UUID) -> Resource | None:
    """The resource, when its company offers it to the caller (`offered_to_caller`)."""
    query = select(resources).where(resources.c.id == resource_id, offered_to_caller(resources.c.company_id))
    row = (await conn.execute(query)).first()
    return _to_resource(row) if row else None


async def list_resources(conn: AsyncConnection, query: ListResources, limit: int) -> list[Resource]:
    """Up to `limit` resources of the query in the caller's reach, oldest first, after its cursor."""
    conditions = [resources.c.company_id == query.company_id, in_reach(resources)]
    if query.booking_model is not None:
        conditions.append(resources.c.booking_model == query.booking_model.value)
    if not query.show_archived:
        conditions.append(resources.c.archived_at.is_(None))
    if query.after is not None:
        conditions.append(
            tuple_(resources.c.created_at, resources.c.id)
            > tuple_(literal(query.after.created_at), literal(query.after.id))
        )
    rows = await conn.execute(
        select(resources).where(*conditions).order_by(resources.c.created_at, resources.c.id).limit(limit)
    )
    return [_to_resource(row) for row in rows]
