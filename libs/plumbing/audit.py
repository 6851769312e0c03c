"""The audit log: every change a person or an API key makes, recorded with the change itself.

`record(conn, ...)` writes one row into the calling service's own `<schema>.audit_log` in the
caller's transaction (the schema is the `Database`'s, `plumbing.db.SCHEMA_OPTION`), so an
entry exists exactly when its change committed: never best effort. Who, from the current
principal (`plumbing.principal`); the request id (`plumbing.request_id`) and the
OpenTelemetry trace id, from the context. A change made by the service principal (the saga,
schedulers, tools) is not a person's and is not recorded.

One queryable log: in a service (not in the gateway) the same statement also writes the
entry to the service's outbox (a CTE), subject `audit.<service>` (stream AUDIT), message id
`audit:<entry id>`; `occurred_at` is the recording process's clock, so the row and its
message carry one time. The gateway copies every entry into `gateway.audit_log`
(idempotent by entry id), which `GET /v1/admin/audit` reads. The gateway's own changes are
recorded straight into it.

Append-only: `create_audit_log(op, schema)` (each schema's `audit_log` migration) installs triggers
refusing UPDATE, DELETE and TRUNCATE on the table; there is no other write path.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import functools
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from nats.js import JetStreamContext
from sqlalchemy import Column, DateTime, Index, MetaData, Table, Text, TextClause, bindparam, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncConnection

from bookingplatform.audit.v1 import audit_pb2
from plumbing import messaging
from plumbing.db import SCHEMA_OPTION
from plumbing.principal import Role, current_principal
from plumbing.request_id import current_request_id
from plumbing.telemetry import current_trace_id

if TYPE_CHECKING:
    from alembic.operations import Operations

AUDIT_STREAM = "AUDIT"
AUDIT_SUBJECTS = ["audit.>"]
GATEWAY_SCHEMA = "gateway"
REDACTED = "[REDACTED]"

# Field names whose values never enter the log, whatever a caller hands in.
_SECRET_WORDS = ("password", "token", "secret", "api_key", "apikey", "card_number", "cvc", "cvv")


def subject(service: str) -> str:
    return f"audit.{service}"


async def ensure_stream(js: JetStreamContext) -> None:
    """The AUDIT stream; every service with an outbox ensures it before its relay runs."""
    await messaging.ensure_stream(js, AUDIT_STREAM, AUDIT_SUBJECTS)


def audit_log_table(metadata: MetaData) -> Table:
    """The `audit_log` table of a schema (each service's and the gateway's)."""
    return Table(
        "audit_log",
        metadata,
        Column("id", UUID(as_uuid=False), primary_key=True),
        Column("occurred_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
        Column("service", Text, nullable=False),
        Column("company_id", Text),
        Column("actor_user_id", Text),
        Column("actor_api_key_id", Text),
        Column("actor_role", Text, nullable=False),
        Column("entity_type", Text, nullable=False),
        Column("entity_id", Text, nullable=False),
        Column("action", Text, nullable=False),
        Column("changed", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        Column("reason", Text),
        Column("request_id", Text),
        Column("trace_id", Text),
        Index("ix_audit_log_occurred_at", "occurred_at", "id"),
        Index("ix_audit_log_company", "company_id", "occurred_at", "id"),
        Index("ix_audit_log_entity", "entity_type", "entity_id"),
    )


def append_only_sql(schema: str) -> list[str]:
    """Statements making `<schema>.audit_log` append-only (for a migration's `op.execute`)."""
    return [
        f"""
        CREATE FUNCTION "{schema}".audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """,
        f"""
        CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON "{schema}".audit_log
        FOR EACH ROW EXECUTE FUNCTION "{schema}".audit_log_append_only()
        """,
        f"""
        CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON "{schema}".audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".audit_log_append_only()
        """,
    ]


def drop_append_only_sql(schema: str) -> list[str]:
    return [f'DROP FUNCTION IF EXISTS "{schema}".audit_log_append_only() CASCADE']


def create_audit_log(op: Operations, schema: str) -> None:
    """The `audit_log` migration of every schema: the table, its indexes, the append-only triggers.

    Frozen as first migrated (schemas already hold it): a later change to `audit_log_table`
    is a new migration, never an edit here.
    """
    op.create_table(
        "audit_log",
        sa.Column("id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("service", sa.Text(), nullable=False),
        sa.Column("company_id", sa.Text(), nullable=True),
        sa.Column("actor_user_id", sa.Text(), nullable=True),
        sa.Column("actor_api_key_id", sa.Text(), nullable=True),
        sa.Column("actor_role", sa.Text(), nullable=False),
        sa.Column("entity_type", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("changed", JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("trace_id", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        schema=schema,
    )
    op.create_index("ix_audit_log_occurred_at", "audit_log", ["occurred_at", "id"], schema=schema)
    op.create_index("ix_audit_log_company", "audit_log", ["company_id", "occurred_at", "id"], schema=schema)
    op.create_index("ix_audit_log_entity", "audit_log", ["entity_type", "entity_id"], schema=schema)
    for statement in append_only_sql(schema):
        op.execute(statement)


def drop_audit_log(op: Operations, schema: str) -> None:
    for statement in drop_append_only_sql(schema):
        op.execute(statement)
    op.drop_table("audit_log", schema=schema)


_ENTRY_COLUMNS = (
    "id, occurred_at, service, company_id, actor_user_id, actor_api_key_id, actor_role,"
    " entity_type, entity_id, action, changed, reason, request_id, trace_id"
)


@functools.cache
def _statement(schema: str) -> TextClause:
    """The schema's insert of an entry, built once (values bound at execution): its audit_log
    row and, in a service, its outbox row, in one statement (the row's insert a CTE)."""
    values = ", ".join(f":{column.strip()}" for column in _ENTRY_COLUMNS.split(","))
    entry = f'INSERT INTO "{schema}".audit_log ({_ENTRY_COLUMNS}) VALUES ({values})'
    if schema == GATEWAY_SCHEMA:
        return text(entry).bindparams(bindparam("changed", type_=JSONB))
    return text(
        f"WITH entry AS ({entry})"
        f' INSERT INTO "{schema}".outbox (id, subject, payload, headers)'
        " VALUES (:outbox_id, :subject, :payload, :headers) ON CONFLICT DO NOTHING"
    ).bindparams(
        bindparam("changed", type_=JSONB),
        bindparam("payload", type_=sa.LargeBinary),
        bindparam("headers", type_=JSONB),
    )


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, bytes):
        return REDACTED  # raw bytes are no business of a log
    return str(value)


def _secret(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in _SECRET_WORDS)


def _as_json(fields: Mapping[str, Any] | None) -> dict[str, Any]:
    if not fields:
        return {}
    plain: dict[str, Any] = json.loads(json.dumps(dict(fields), default=_plain))
    return plain


def _shown(key: str, value: Any) -> Any:
    return REDACTED if _secret(key) else value


def changed_fields(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, Any]:
    """`{"before": {...}, "after": {...}}` holding only the fields whose value differs; a
    secret's change shows as a change, its values as [REDACTED]."""
    old, new = _as_json(before), _as_json(after)
    keys = [key for key in {**old, **new} if old.get(key) != new.get(key) or (key in old) != (key in new)]
    result: dict[str, Any] = {}
    if before is not None:
        result["before"] = {key: _shown(key, old[key]) for key in keys if key in old}
    if after is not None:
        result["after"] = {key: _shown(key, new[key]) for key in keys if key in new}
    return result


def schema_of(conn: AsyncConnection) -> str:
    schema = conn.sync_connection.get_execution_options().get(SCHEMA_OPTION) if conn.sync_connection else None
    if not schema:
        raise RuntimeError(
            "plumbing.audit.record needs a connection of a Database that names its schema "
            "(Database(..., application_name=<service>) or schema=<service>)"
        )
    return str(schema)


async def record(
    conn: AsyncConnection,
    *,
    company_id: str | uuid.UUID | None,
    entity_type: str,
    entity_id: str | uuid.UUID,
    action: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str | None = None,
) -> str | None:
    """Records a change in the caller's transaction; answers the entry id, or None when the
    change is the service principal's (not a person's: not audited)."""
    if current_principal().role is Role.SERVICE:
        return None  # before the schema: a service's own Database may name none
    values = entry(
        schema_of(conn),
        company_id=company_id,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        before=before,
        after=after,
        reason=reason,
    )
    if values is None:
        return None
    await write(conn, values)
    return str(values["id"])


def entry(
    schema: str,
    *,
    company_id: str | uuid.UUID | None,
    entity_type: str,
    entity_id: str | uuid.UUID,
    action: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str | None = None,
) -> dict[str, Any] | None:
    """The entry `record` writes, built from the current context (principal, request id,
    trace id) without writing it: for a writer that collects entries made in several
    requests' contexts and writes them later in one transaction (`write`). None when the
    change is the service principal's."""
    principal = current_principal()
    if principal.role is Role.SERVICE:
        return None
    if not entity_type or not action or not str(entity_id):
        raise ValueError("an audit entry needs an entity_type, an entity_id and an action")
    entry_id = str(uuid.uuid4())
    values: dict[str, Any] = {
        "id": entry_id,
        # The clock of the process that records the change (one statement writes the row and
        # the message that carries it, so the time cannot come back from the row).
        "occurred_at": dt.datetime.now(dt.UTC),
        "service": schema,
        "company_id": str(company_id) if company_id is not None else None,
        "actor_user_id": principal.user_id,
        "actor_api_key_id": principal.api_key_id,
        "actor_role": principal.role.value,
        "entity_type": entity_type,
        "entity_id": str(entity_id),
        "action": action,
        "changed": changed_fields(before, after),
        "reason": reason or None,
        "request_id": current_request_id(),
        "trace_id": current_trace_id() or None,
    }
    if schema != GATEWAY_SCHEMA:
        values.update(
            outbox_id=f"audit:{entry_id}",
            subject=subject(schema),
            payload=to_proto(values).SerializeToString(),
            headers={},
        )
    return values


async def write(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    """Writes an `entry` (its row and, in a service, its message) in the caller's transaction."""
    await conn.execute(_statement(str(values["service"])), dict(values))


async def write_all(conn: AsyncConnection, entries: Sequence[Mapping[str, Any]]) -> None:
    """`write` of many entries in one round trip per service (`executemany`, which psycopg
    sends as one pipeline), in their order."""
    services: dict[str, list[dict[str, Any]]] = {}
    for values in entries:
        services.setdefault(str(values["service"]), []).append(dict(values))
    for service, rows in services.items():
        await conn.execute(_statement(service), rows)


def to_proto(row: Mapping[str, Any]) -> audit_pb2.AuditEntry:
    entry = audit_pb2.AuditEntry(
        id=str(row["id"]),
        service=row["service"],
        company_id=row["company_id"] or "",
        actor_user_id=row["actor_user_id"] or "",
        actor_api_key_id=row["actor_api_key_id"] or "",
        actor_role=row["actor_role"],
        entity_type=row["entity_type"],
        entity_id=row["entity_id"],
        action=row["action"],
        changed_json=json.dumps(row["changed"], separators=(",", ":")),
        reason=row["reason"] or "",
        request_id=row["request_id"] or "",
        trace_id=row["trace_id"] or "",
    )
    entry.occurred_at.FromDatetime(row["occurred_at"])
    return entry


def from_proto(entry: audit_pb2.AuditEntry) -> dict[str, Any]:
    """The row of `gateway.audit_log` an entry carried from a service becomes."""
    return {
        "id": entry.id,
        "occurred_at": entry.occurred_at.ToDatetime(tzinfo=dt.UTC),
        "service": entry.service,
        "company_id": entry.company_id or None,
        "actor_user_id": entry.actor_user_id or None,
        "actor_api_key_id": entry.actor_api_key_id or None,
        "actor_role": entry.actor_role,
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "action": entry.action,
        "changed": json.loads(entry.changed_json or "{}"),
        "reason": entry.reason or None,
        "request_id": entry.request_id or None,
        "trace_id": entry.trace_id or None,
    }
