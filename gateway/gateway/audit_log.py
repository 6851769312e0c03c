"""The one queryable audit log, `gateway.audit_log`.

Each service records its entries in its own `audit_log` and outbox in the transaction of the
change (plumbing.audit); the gateway copies every entry published on `audit.>` into its own
table, once (the entry id is the primary key: a redelivered entry changes nothing, so the
copier keeps no inbox row), so one table answers
`GET /v1/admin/audit`. The gateway's own changes are recorded straight into it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nats.aio.client import Client
from sqlalchemy import MetaData, and_, bindparam, or_, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection

from bookingplatform.audit.v1 import audit_pb2
from plumbing import audit, messaging
from plumbing.db import Database
from plumbing.inbox_consumer import Delivery, InboxConsumer
from plumbing.outbox import inbox_table
from plumbing.tasks import stop_tasks

log = logging.getLogger(__name__)

DURABLE = "gateway-audit"

_metadata = MetaData(schema=audit.GATEWAY_SCHEMA)
audit_log = audit.audit_log_table(_metadata)
inbox = inbox_table(_metadata)


# Prebuilt (a PostgreSQL INSERT construct is compiled again at every execution). The entry
# id is the primary key, so a redelivered entry changes nothing: the copier needs no inbox.
_COPY = text(
    "INSERT INTO gateway.audit_log (id, occurred_at, service, company_id, actor_user_id,"
    " actor_api_key_id, actor_role, entity_type, entity_id, action, changed, reason, request_id,"
    " trace_id) VALUES (:id, :occurred_at, :service, :company_id, :actor_user_id,"
    " :actor_api_key_id, :actor_role, :entity_type, :entity_id, :action, :changed, :reason,"
    " :request_id, :trace_id) ON CONFLICT (id) DO NOTHING"
).bindparams(bindparam("changed", type_=JSONB))


async def _copy(conn: AsyncConnection, delivery: Delivery[audit_pb2.AuditEntry, None]) -> None:
    await _copy_all(conn, [delivery])


async def _copy_all(
    conn: AsyncConnection, deliveries: Sequence[Delivery[audit_pb2.AuditEntry, None]]
) -> None:
    """The entries of a fetched batch, sent together (one round trip)."""
    await conn.execute(_COPY, [audit.from_proto(delivery.message) for delivery in deliveries])


def copier(db: Database) -> InboxConsumer[audit_pb2.AuditEntry, None]:
    return InboxConsumer(
        name=DURABLE,
        db=db,
        inbox=None,
        decode=audit_pb2.AuditEntry.FromString,
        apply=_copy,
        apply_many=_copy_all,
        span_name=lambda entry: f"copy audit entry of {entry.service}",
    )


async def start_copier(nats_url: str, db: Database) -> Callable[[], Awaitable[None]]:
    """Connects to NATS and copies every service's entries until the answered stop is awaited."""
    nc: Client = await messaging.connect(nats_url, "gateway")
    try:
        js = nc.jetstream()
        await audit.ensure_stream(js)
        pull = messaging.PullConsumer(
            js,
            stream=audit.AUDIT_STREAM,
            durable=DURABLE,
            subject=audit.AUDIT_SUBJECTS[0],
            handler=copier(db).handle,
        )
    except BaseException:
        await nc.close()
        raise
    task = asyncio.create_task(pull.run_forever(), name="audit-copier")

    async def stop() -> None:
        await stop_tasks([task])
        await nc.close()

    return stop


async def record_in_gateway(db: Database, **entry: Any) -> None:
    """Records a change whose effect lives outside any database the gateway could share a
    transaction with (a dead letter's replay or discard is a NATS message and a KV record), in
    the one log, right after the service confirmed it."""
    async with db.transaction() as conn:
        await audit.record(conn, **entry)


@dataclass(frozen=True)
class AuditQuery:
    company_id: str | None  # None: every company (a platform admin)
    actor: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    action: str | None = None
    occurred_from: dt.datetime | None = None
    occurred_to: dt.datetime | None = None


async def list_entries(
    db: Database, query: AuditQuery, *, limit: int, after: tuple[dt.datetime, uuid.UUID] | None
) -> tuple[list[dict[str, Any]], bool]:
    """Newest first, keyset-paged by (occurred_at, id); answers the page and whether more follow."""
    conditions = []
    if query.company_id is not None:
        conditions.append(audit_log.c.company_id == query.company_id)
    if query.actor:
        conditions.append(
            or_(audit_log.c.actor_user_id == query.actor, audit_log.c.actor_api_key_id == query.actor)
        )
    if query.entity_type:
        conditions.append(audit_log.c.entity_type == query.entity_type)
    if query.entity_id:
        conditions.append(audit_log.c.entity_id == query.entity_id)
    if query.action:
        conditions.append(audit_log.c.action == query.action)
    if query.occurred_from is not None:
        conditions.append(audit_log.c.occurred_at >= query.occurred_from)
    if query.occurred_to is not None:
        conditions.append(audit_log.c.occurred_at < query.occurred_to)
    if after is not None:
        at, last_id = after
        conditions.append(
            or_(
                audit_log.c.occurred_at < at,
                and_(audit_log.c.occurred_at == at, audit_log.c.id < str(last_id)),
            )
        )
    statement = (
        select(audit_log)
        .where(*conditions)
        .order_by(audit_log.c.occurred_at.desc(), audit_log.c.id.desc())
        .limit(limit + 1)
    )
    async with db.transaction() as conn:
        rows = [dict(row) for row in (await conn.execute(statement)).mappings()]
    return rows[:limit], len(rows) > limit
