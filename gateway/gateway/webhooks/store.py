"""SQL of the webhook admin API: endpoints and deliveries of one company (None: a platform
admin, every company). The database judges: each change is one conditional statement."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.webhooks.tables import attempts, deliveries, endpoints

# Every column but the secret: what a list or a get answers.
ENDPOINT_COLUMNS = [c for c in endpoints.c if c.name != "secret"]


def _of(table: Any, company_id: str | None) -> list[Any]:
    return [] if company_id is None else [table.c.company_id == company_id]


async def create_endpoint(
    conn: AsyncConnection, *, company_id: str, url: str, description: str, event_types: list[str], secret: str
) -> dict[str, Any]:
    row = (
        await conn.execute(
            insert(endpoints)
            .values(
                id=str(uuid.uuid4()),
                company_id=company_id,
                url=url,
                description=description,
                event_types=event_types,
                secret=secret,
            )
            .returning(*ENDPOINT_COLUMNS)
        )
    ).one()
    return dict(row._mapping)


async def get_endpoint(
    conn: AsyncConnection, endpoint_id: str, company_id: str | None
) -> dict[str, Any] | None:
    row = (
        await conn.execute(
            select(*ENDPOINT_COLUMNS).where(endpoints.c.id == endpoint_id, *_of(endpoints, company_id))
        )
    ).first()
    return dict(row._mapping) if row is not None else None


async def list_endpoints(
    conn: AsyncConnection, company_id: str | None, *, limit: int, after: tuple[datetime, uuid.UUID] | None
) -> tuple[list[dict[str, Any]], bool]:
    conditions = _of(endpoints, company_id)
    if after is not None:
        at, last = after
        conditions.append(
            or_(endpoints.c.created_at > at, and_(endpoints.c.created_at == at, endpoints.c.id > str(last)))
        )
    rows = await conn.execute(
        select(*ENDPOINT_COLUMNS)
        .where(*conditions)
        .order_by(endpoints.c.created_at, endpoints.c.id)
        .limit(limit + 1)
    )
    found = [dict(r._mapping) for r in rows]
    return found[:limit], len(found) > limit


async def update_endpoint(
    conn: AsyncConnection,
    endpoint_id: str,
    company_id: str | None,
    changes: dict[str, Any],
    *,
    version: int | None,
) -> dict[str, Any] | None:
    """The endpoint changed at the version read; None when it is not there or not at that
    version. `version=None` changes it whatever its version: only for a change that sets one
    field to a value and loses nothing of another's (the console's enable and disable)."""
    values: dict[str, Any] = {**changes, "updated_at": func.now(), "version": endpoints.c.version + 1}
    if changes.get("enabled") is True:
        # Enabled again: a fresh start (the failing day counts anew, the reason goes).
        values.update(consecutive_failures=0, failing_since=None, disabled_reason=None)
    elif changes.get("enabled") is False:
        values["disabled_reason"] = "BY_ADMIN"
    row = (
        await conn.execute(
            update(endpoints)
            .where(
                endpoints.c.id == endpoint_id,
                *([] if version is None else [endpoints.c.version == version]),
                *_of(endpoints, company_id),
            )
            .values(**values)
            .returning(*ENDPOINT_COLUMNS)
        )
    ).first()
    return dict(row._mapping) if row is not None else None


async def delete_endpoint(
    conn: AsyncConnection, endpoint_id: str, company_id: str | None
) -> dict[str, Any] | None:
    row = (
        await conn.execute(
            delete(endpoints)
            .where(endpoints.c.id == endpoint_id, *_of(endpoints, company_id))
            .returning(*ENDPOINT_COLUMNS)
        )
    ).first()
    return dict(row._mapping) if row is not None else None


DELIVERY_COLUMNS = [c for c in deliveries.c if c.name != "seq"]


async def list_deliveries(
    conn: AsyncConnection,
    company_id: str | None,
    *,
    endpoint_id: str | None,
    booking_id: str | None,
    status: str | None,
    event_type: str | None,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
) -> tuple[list[dict[str, Any]], bool]:
    conditions = _of(deliveries, company_id)
    if endpoint_id is not None:
        conditions.append(deliveries.c.endpoint_id == endpoint_id)
    if booking_id is not None:
        conditions.append(deliveries.c.booking_id == booking_id)
    if status is not None:
        conditions.append(deliveries.c.status == status)
    if event_type is not None:
        conditions.append(deliveries.c.event_type == event_type)
    if after is not None:
        at, last = after
        conditions.append(
            or_(
                deliveries.c.created_at < at, and_(deliveries.c.created_at == at, deliveries.c.id < str(last))
            )
        )
    rows = await conn.execute(
        select(*DELIVERY_COLUMNS)
        .where(*conditions)
        .order_by(deliveries.c.created_at.desc(), deliveries.c.id.desc())
        .limit(limit + 1)
    )
    found = [dict(r._mapping) for r in rows]
    return found[:limit], len(found) > limit


async def get_delivery(
    conn: AsyncConnection, delivery_id: str, company_id: str | None
) -> dict[str, Any] | None:
    row = (
        await conn.execute(
            select(*DELIVERY_COLUMNS).where(deliveries.c.id == delivery_id, *_of(deliveries, company_id))
        )
    ).first()
    if row is None:
        return None
    log = await conn.execute(
        select(
            attempts.c.attempt,
            attempts.c.attempted_at,
            attempts.c.status_code,
            attempts.c.response_ms,
            attempts.c.error,
        )
        .where(attempts.c.delivery_id == delivery_id)
        .order_by(attempts.c.attempt)
    )
    return {**row._mapping, "attempt_log": [dict(a._mapping) for a in log]}


async def redeliver(conn: AsyncConnection, delivery_id: str, company_id: str | None) -> dict[str, Any] | None:
    """Due again now (whatever it was); None when it is not the company's. A delivery whose
    attempt is in flight (leased: pending, its latest attempt not in the log yet, the lease
    running) keeps its lease: made due now, it would be posted a second time beside the first
    (its outcome is recorded, and a failure retried, as any other)."""
    in_flight = and_(
        deliveries.c.status == "PENDING",
        deliveries.c.attempts > 0,
        deliveries.c.next_attempt_at > func.now(),
        ~select(attempts.c.id)
        .where(attempts.c.delivery_id == deliveries.c.id, attempts.c.attempt == deliveries.c.attempts)
        .exists(),
    )
    row = (
        await conn.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery_id, *_of(deliveries, company_id))
            .values(
                status="PENDING",
                next_attempt_at=case((in_flight, deliveries.c.next_attempt_at), else_=func.now()),
                completed_at=None,
            )
            .returning(*DELIVERY_COLUMNS)
        )
    ).first()
    return dict(row._mapping) if row is not None else None
