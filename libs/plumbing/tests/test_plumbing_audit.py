"""plumbing.audit on the migrated schemas: an entry is written with its change, names who made
it, carries only the changed fields, travels through the outbox, and can never be changed."""

import json
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bookingplatform.audit.v1 import audit_pb2
from plumbing import audit
from plumbing.db import Database
from plumbing.principal import SERVICE_PRINCIPAL, Principal, Role, acting_as
from plumbing.request_id import with_request_id

pytestmark = pytest.mark.integration

SCHEMAS = ["catalog", "bookings", "wallet", "passes", "payments", "gateway"]


@pytest.fixture(scope="module")
async def databases(database_url):
    opened = {schema: Database(database_url, pool_size=1, schema=schema) for schema in SCHEMAS}
    yield opened
    for db in opened.values():
        await db.close()


def an_admin(company_id: str) -> Principal:
    return Principal(role=Role.COMPANY_ADMIN, company_id=company_id, user_id=str(uuid.uuid4()))


async def record_one(db: Database, company_id: str, **overrides) -> str:
    fields = {
        "company_id": company_id,
        "entity_type": "resource",
        "entity_id": str(uuid.uuid4()),
        "action": "resource.update",
        "before": {"name": "Yoga", "capacity": 10},
        "after": {"name": "Yoga", "capacity": 12},
        "reason": "bigger room",
    } | overrides
    async with db.transaction() as conn:
        entry_id = await audit.record(conn, **fields)
    assert entry_id is not None
    return entry_id


@pytest.mark.parametrize("schema", SCHEMAS)
async def test_an_entry_names_actor_request_and_only_the_changed_fields(databases, schema):
    company_id = str(uuid.uuid4())
    admin = an_admin(company_id)
    with acting_as(admin), with_request_id("req-audit-1"):
        entry_id = await record_one(databases[schema], company_id)
    async with databases[schema].transaction() as conn:
        row = (
            (await conn.execute(text(f"SELECT * FROM {schema}.audit_log WHERE id = :id"), {"id": entry_id}))
            .mappings()
            .one()
        )
        outboxed = None
        if schema != "gateway":  # the gateway has no outbox: its table is the one log already
            outboxed = (
                await conn.execute(
                    text(f"SELECT subject, payload FROM {schema}.outbox WHERE id = :id"),
                    {"id": f"audit:{entry_id}"},
                )
            ).one_or_none()
    assert row["service"] == schema
    assert (row["actor_user_id"], row["actor_role"], row["company_id"]) == (
        admin.user_id,
        "COMPANY_ADMIN",
        company_id,
    )
    assert row["request_id"] == "req-audit-1"
    assert row["changed"] == {"before": {"capacity": 10}, "after": {"capacity": 12}}
    assert row["reason"] == "bigger room"
    if schema != "gateway":
        assert outboxed is not None and outboxed.subject == f"audit.{schema}"
        carried = audit_pb2.AuditEntry.FromString(outboxed.payload)
        assert audit.from_proto(carried) == dict(row) | {"id": str(row["id"])}


@pytest.mark.parametrize("schema", SCHEMAS)
async def test_the_audit_log_refuses_update_delete_and_truncate(databases, schema):
    company_id = str(uuid.uuid4())
    with acting_as(an_admin(company_id)):
        entry_id = await record_one(databases[schema], company_id)
    for statement in (
        f"UPDATE {schema}.audit_log SET action = 'forged' WHERE id = :id",
        f"DELETE FROM {schema}.audit_log WHERE id = :id",
        f"TRUNCATE {schema}.audit_log",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with databases[schema].transaction() as conn:
                await conn.execute(text(statement), {"id": entry_id})
    async with databases[schema].transaction() as conn:
        action = (
            await conn.execute(
                text(f"SELECT action FROM {schema}.audit_log WHERE id = :id"), {"id": entry_id}
            )
        ).scalar_one()
    assert action == "resource.update"


async def test_an_entry_exists_only_when_its_transaction_commits(databases):
    company_id = str(uuid.uuid4())
    with acting_as(an_admin(company_id)), pytest.raises(RuntimeError, match="the change failed"):
        async with databases["wallet"].transaction() as conn:
            await audit.record(
                conn, company_id=company_id, entity_type="wallet", entity_id="w", action="wallet.top_up"
            )
            raise RuntimeError("the change failed")
    async with databases["wallet"].transaction() as conn:
        count = (
            await conn.execute(
                text("SELECT count(*) FROM wallet.audit_log WHERE company_id = :c"), {"c": company_id}
            )
        ).scalar_one()
    assert count == 0


async def test_the_service_principal_is_not_audited(databases):
    company_id = str(uuid.uuid4())
    with acting_as(SERVICE_PRINCIPAL):
        async with databases["bookings"].transaction() as conn:
            skipped = await audit.record(
                conn, company_id=company_id, entity_type="booking", entity_id="b", action="booking.confirm"
            )
    assert skipped is None
    async with databases["bookings"].transaction() as conn:
        count = (
            await conn.execute(
                text("SELECT count(*) FROM bookings.audit_log WHERE company_id = :c"), {"c": company_id}
            )
        ).scalar_one()
    assert count == 0


async def test_the_service_principal_records_nothing_even_where_no_schema_is_named(database_url):
    # A service's own helpers (a wallet test's, a tool's) may open a Database naming no schema;
    # only a person's change needs one.
    unnamed = Database(database_url, pool_size=1)
    try:
        with acting_as(SERVICE_PRINCIPAL):
            async with unnamed.transaction() as conn:
                skipped = await audit.record(
                    conn, company_id=None, entity_type="x", entity_id="y", action="z"
                )
        assert skipped is None
        with acting_as(an_admin(str(uuid.uuid4()))), pytest.raises(RuntimeError, match="names its schema"):
            async with unnamed.transaction() as conn:
                await audit.record(conn, company_id=None, entity_type="x", entity_id="y", action="z")
    finally:
        await unnamed.close()


def test_secrets_never_enter_the_changed_fields():
    changed = audit.changed_fields(
        {"password_hash": "old-hash", "name": "A"},
        {"password_hash": "new-hash", "card_token": "tok_4242", "name": "B"},
    )
    assert "old-hash" not in json.dumps(changed) and "tok_4242" not in json.dumps(changed)
    assert changed["after"]["name"] == "B"
    assert changed["after"]["card_token"] == audit.REDACTED
    # A secret's change is still visible as a change, never as its value.
    assert changed["before"]["password_hash"] == audit.REDACTED


def test_a_creation_lists_every_field_and_a_removal_the_old_ones():
    assert audit.changed_fields(None, {"name": "Yoga"}) == {"after": {"name": "Yoga"}}
    assert audit.changed_fields({"name": "Yoga"}, None) == {"before": {"name": "Yoga"}}
