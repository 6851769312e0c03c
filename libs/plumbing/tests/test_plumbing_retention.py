"""Retention on a real PostgreSQL: old rows whose work is done go, in batches; nothing young or
unfinished is touched, and a row a transaction holds is skipped, not waited for."""

import asyncio
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import MetaData, func, insert, select, text, update
from sqlalchemy.exc import ProgrammingError

from plumbing.db import Database
from plumbing.outbox import inbox_table, outbox_table
from plumbing.retention import Retention, RetentionRule, message_rules

pytestmark = pytest.mark.integration

WEEK_AND_A_DAY = timedelta(days=8)


@pytest.fixture
async def scratch(database_url):
    db = Database(database_url)
    schema = f"retention_{uuid.uuid4().hex[:8]}"
    metadata = MetaData(schema=schema)
    outbox, inbox = outbox_table(metadata), inbox_table(metadata)
    async with db.engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await conn.run_sync(metadata.create_all)
    yield db, outbox, inbox
    async with db.engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await db.close()


async def add_outbox(db, outbox, *, age: timedelta, published: bool) -> str:
    row_id = str(uuid.uuid4())
    async with db.transaction() as conn:
        await conn.execute(
            insert(outbox).values(
                id=row_id,
                subject="s",
                payload=b"x",
                created_at=func.now() - age,
                published_at=func.now() if published else None,
            )
        )
    return row_id


async def add_inbox(db, inbox, *, age: timedelta) -> str:
    message_id = str(uuid.uuid4())
    async with db.transaction() as conn:
        await conn.execute(
            insert(inbox).values(message_id=message_id, subject="s", received_at=func.now() - age)
        )
    return message_id


async def ids(db, column) -> set[str]:
    async with db.transaction() as conn:
        return set((await conn.execute(select(column))).scalars())


async def test_old_published_outbox_rows_and_old_inbox_rows_go_in_batches_the_rest_stays(scratch):
    db, outbox, inbox = scratch
    old_published = {await add_outbox(db, outbox, age=WEEK_AND_A_DAY, published=True) for _ in range(5)}
    old_unpublished = await add_outbox(db, outbox, age=WEEK_AND_A_DAY, published=False)
    young_published = await add_outbox(db, outbox, age=timedelta(days=6), published=True)
    old_received = {await add_inbox(db, inbox, age=WEEK_AND_A_DAY) for _ in range(3)}
    young_received = await add_inbox(db, inbox, age=timedelta(hours=1))

    retention = Retention(db, message_rules(outbox, inbox), batch_size=2)
    first = await retention.sweep()
    second = await retention.sweep()

    assert first == {outbox.fullname: 5, inbox.fullname: 3}
    assert second == {outbox.fullname: 0, inbox.fullname: 0}
    assert await ids(db, outbox.c.id) == {old_unpublished, young_published}
    assert await ids(db, inbox.c.message_id) == {young_received}
    assert not old_published & await ids(db, outbox.c.id)
    assert not old_received & await ids(db, inbox.c.message_id)
    # Once published, the unpublished one goes too.
    async with db.transaction() as conn:
        await conn.execute(
            update(outbox).where(outbox.c.id == old_unpublished).values(published_at=func.now())
        )
    assert (await retention.sweep())[outbox.fullname] == 1


async def test_a_row_held_by_another_transaction_is_skipped_not_waited_for(scratch):
    db, _, inbox = scratch
    held = await add_inbox(db, inbox, age=WEEK_AND_A_DAY)
    free = await add_inbox(db, inbox, age=WEEK_AND_A_DAY)
    retention = Retention(db, [RetentionRule(inbox, inbox.c.received_at, timedelta(days=7))])
    async with db.transaction() as holder:
        await holder.execute(select(inbox.c.message_id).where(inbox.c.message_id == held).with_for_update())
        # Bounded only so that a regression fails instead of hanging the suite.
        swept = await asyncio.wait_for(retention.sweep(), timeout=30)
    assert swept == {inbox.fullname: 1}
    assert await ids(db, inbox.c.message_id) == {held}
    assert free not in await ids(db, inbox.c.message_id)


async def test_a_failing_rule_does_not_stop_the_others_unless_strict(scratch):
    db, _, inbox = scratch
    old = await add_inbox(db, inbox, age=WEEK_AND_A_DAY)
    missing = outbox_table(MetaData(schema=f"missing_{uuid.uuid4().hex[:8]}"))
    retention = Retention(db, [*message_rules(missing, None), *message_rules(None, inbox)])

    swept = await retention.sweep()

    assert swept == {missing.fullname: 0, inbox.fullname: 1}
    assert old not in await ids(db, inbox.c.message_id)
    with pytest.raises(ProgrammingError):
        await retention.sweep(strict=True)
