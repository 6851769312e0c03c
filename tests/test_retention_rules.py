"""Every process's retention rules (plumbing.retention) against the migrated schemas: each
statement runs, each table has the index its pass reads by, and an old row planted in a
service's inbox and in the gateway's idempotency keys is deleted by the rules the process
wires, while a young one stays."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, text

import bookings.adapters.tables
import catalog.adapters.tables
import passes.adapters.tables
import payments.adapters.tables
import wallet.adapters.tables
from gateway.retention import gateway_rules
from gateway.tables import idempotency_keys
from gateway.webhooks import tables as webhook_tables
from plumbing.db import Database
from plumbing.retention import Retention, RetentionRule

pytestmark = pytest.mark.integration

RULES: dict[str, list[RetentionRule]] = {
    "bookings": bookings.adapters.tables.retention_rules,
    "catalog": catalog.adapters.tables.retention_rules,
    "wallet": wallet.adapters.tables.retention_rules,
    "passes": passes.adapters.tables.retention_rules,
    "payments": payments.adapters.tables.retention_rules,
    "gateway": gateway_rules(),
}
# Small tables (a row per reset asked for, rate-limited): read whole.
UNINDEXED = {"gateway.password_resets"}


@pytest.fixture
async def db(database_url):
    made = Database(database_url)
    yield made
    await made.close()


@pytest.mark.parametrize("process", sorted(RULES))
async def test_every_rule_runs_on_the_migrated_schema_and_reads_by_an_index(db, process):
    rules = RULES[process]
    swept = await Retention(db, rules).sweep(strict=True)
    assert set(swept) == {rule.name for rule in rules}
    async with db.transaction() as conn:
        indexes = {
            (row.schemaname, row.tablename, row.indexdef)
            for row in await conn.execute(text("SELECT schemaname, tablename, indexdef FROM pg_indexes"))
        }
    for rule in rules:
        if rule.name in UNINDEXED:
            continue
        schema, table = rule.name.split(".")
        assert any(
            (s, t) == (schema, table) and f"({rule.aged_from.name})" in definition
            for s, t, definition in indexes
        ), f"{rule.name} has no index on {rule.aged_from.name}"


async def test_the_wired_rules_delete_old_rows_and_keep_young_ones(db):
    inbox = bookings.adapters.tables.inbox
    old_message, young_message = str(uuid.uuid4()), str(uuid.uuid4())
    old_key, young_key = str(uuid.uuid4()), str(uuid.uuid4())
    async with db.transaction() as conn:
        for message_id, age in ((old_message, timedelta(days=8)), (young_message, timedelta(days=6))):
            await conn.execute(
                insert(inbox).values(message_id=message_id, subject="test", received_at=func.now() - age)
            )
        for key, age in ((old_key, timedelta(days=8)), (young_key, timedelta(days=6))):
            await conn.execute(
                insert(idempotency_keys).values(
                    principal="retention-test",
                    key=key,
                    request_hash="h",
                    claim_token=str(uuid.uuid4()),
                    claimed_at=func.now() - age,
                )
            )

    await Retention(db, RULES["bookings"]).sweep(strict=True)
    await Retention(db, RULES["gateway"]).sweep(strict=True)

    async with db.transaction() as conn:
        messages = set(
            (
                await conn.execute(
                    select(inbox.c.message_id).where(inbox.c.message_id.in_([old_message, young_message]))
                )
            ).scalars()
        )
        keys = set(
            (
                await conn.execute(
                    select(idempotency_keys.c.key).where(idempotency_keys.c.principal == "retention-test")
                )
            ).scalars()
        )
    assert messages == {young_message}
    assert keys == {young_key}


async def test_done_webhook_deliveries_go_after_30_days_with_their_attempts_then_their_events(db):
    """An old delivery that is done goes with its attempts, and its event once none of its
    deliveries is left; an old delivery still being tried stays, and so does its event; a
    young done delivery stays."""
    company = str(uuid.uuid4())
    endpoint = str(uuid.uuid4())
    events = {name: f"retention-{name}-{uuid.uuid4()}" for name in ("old_done", "old_pending", "young_done")}
    deliveries = {name: str(uuid.uuid4()) for name in events}
    ages = {
        "old_done": timedelta(days=31),
        "old_pending": timedelta(days=31),
        "young_done": timedelta(days=29),
    }
    async with db.transaction() as conn:
        await conn.execute(
            insert(webhook_tables.endpoints).values(
                id=endpoint,
                company_id=company,
                url="https://example.com/hook",
                secret="s",
                event_types=["booking.confirmed"],
            )
        )
        for name, event_id in events.items():
            age = ages[name]
            await conn.execute(
                insert(webhook_tables.events).values(
                    id=event_id,
                    company_id=company,
                    booking_id=company,
                    type="booking.confirmed",
                    body="{}",
                    occurred_at=func.now() - age,
                    received_at=func.now() - age,
                )
            )
            await conn.execute(
                insert(webhook_tables.deliveries).values(
                    id=deliveries[name],
                    endpoint_id=endpoint,
                    event_id=event_id,
                    company_id=company,
                    booking_id=company,
                    event_type="booking.confirmed",
                    status="PENDING" if name == "old_pending" else "SUCCEEDED",
                    created_at=func.now() - age,
                )
            )
            await conn.execute(
                insert(webhook_tables.attempts).values(delivery_id=deliveries[name], attempt=1, response_ms=5)
            )

    await Retention(db, RULES["gateway"]).sweep(strict=True)

    async with db.transaction() as conn:
        left_events = set(
            (
                await conn.execute(
                    select(webhook_tables.events.c.id).where(webhook_tables.events.c.company_id == company)
                )
            ).scalars()
        )
        left_deliveries = set(
            (
                await conn.execute(
                    select(webhook_tables.deliveries.c.id).where(
                        webhook_tables.deliveries.c.company_id == company
                    )
                )
            ).scalars()
        )
        left_attempts = set(
            (
                await conn.execute(
                    select(webhook_tables.attempts.c.delivery_id).where(
                        webhook_tables.attempts.c.delivery_id.in_(list(deliveries.values()))
                    )
                )
            ).scalars()
        )
    assert left_events == {events["old_pending"], events["young_done"]}
    assert left_deliveries == {deliveries["old_pending"], deliveries["young_done"]}
    assert left_attempts == left_deliveries
