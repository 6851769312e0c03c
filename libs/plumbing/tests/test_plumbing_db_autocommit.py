"""Database.autocommit: each statement commits by itself (no BEGIN/COMMIT round trips), and
the pooled connection goes back to transactions for the next caller."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from plumbing.db import Database

pytestmark = pytest.mark.integration


async def test_a_statement_on_an_autocommit_connection_is_committed_before_the_block_ends(database_url):
    db = Database(database_url, pool_size=1)
    try:
        async with db.autocommit() as conn:
            await conn.execute(text("CREATE TABLE IF NOT EXISTS autocommit_probe (x int)"))
            await conn.execute(text("INSERT INTO autocommit_probe VALUES (1)"))
            # Another connection sees the row while this block is still open: it is committed.
            async with db.transaction() as other:
                seen = (await other.execute(text("SELECT count(*) FROM autocommit_probe"))).scalar_one()
            assert seen == 1
            assert (await conn.execute(text("SELECT txid_current_if_assigned()"))).scalar_one() is None
        # The same pooled connection runs transactions again: a rolled-back insert leaves nothing.
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute(text("INSERT INTO autocommit_probe VALUES (2)"))
                raise RuntimeError("roll back")
        async with db.transaction() as conn:
            rows = (await conn.execute(text("SELECT x FROM autocommit_probe ORDER BY x"))).scalars().all()
            await conn.execute(text("DROP TABLE autocommit_probe"))
        assert rows == [1]
    finally:
        await db.close()
