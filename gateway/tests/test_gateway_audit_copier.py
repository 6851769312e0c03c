"""The gateway copies every service's audit entries from NATS into its one log, once each."""

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bookingplatform.audit.v1 import audit_pb2
from gateway import audit_log
from plumbing import audit, messaging
from plumbing.db import Database
from plumbing.testing import eventually

pytestmark = pytest.mark.integration


def an_entry(company_id: str) -> audit_pb2.AuditEntry:
    entry = audit_pb2.AuditEntry(
        id=str(uuid.uuid4()),
        service="wallet",
        company_id=company_id,
        actor_user_id=str(uuid.uuid4()),
        actor_role="STAFF",
        entity_type="wallet",
        entity_id=str(uuid.uuid4()),
        action="wallet.top_up",
        changed_json='{"after":{"amount_minor":500}}',
        request_id="req-copier",
    )
    entry.occurred_at.FromDatetime(datetime(2030, 5, 1, 10, 0, tzinfo=UTC))
    return entry


async def test_an_entry_published_twice_is_copied_once_as_it_was(database_url, nats_url):
    db = Database(database_url, pool_size=2, schema="gateway")
    stop = await audit_log.start_copier(nats_url, db)
    nc = await messaging.connect(nats_url, "test-audit-copier")
    try:
        company_id = str(uuid.uuid4())
        entry = an_entry(company_id)
        js = nc.jetstream()
        # A relay that crashed after publishing publishes again; JetStream's window and the
        # entry's id keep one; a copy that outlives the window is kept once by its id too.
        for message_id in (f"audit:{entry.id}", f"audit:{entry.id}", f"again:{entry.id}"):
            await js.publish(
                audit.subject("wallet"), entry.SerializeToString(), headers={"Nats-Msg-Id": message_id}
            )
        marker = an_entry(company_id)
        await js.publish(
            audit.subject("wallet"), marker.SerializeToString(), headers={"Nats-Msg-Id": marker.id}
        )

        async def rows() -> list[dict]:
            async with db.transaction() as conn:
                found = await conn.execute(
                    select(audit_log.audit_log).where(audit_log.audit_log.c.company_id == company_id)
                )
                return [dict(row) for row in found.mappings()]

        async def all_applied() -> bool:
            # The marker copied and every message acked: the late duplicate was applied (its
            # insert met the entry's id and changed nothing), not failed and redelivered.
            marker_copied = any(row["id"] == marker.id for row in await rows())
            info = await js.consumer_info(audit.AUDIT_STREAM, audit_log.DURABLE)
            return marker_copied and info.num_pending == 0 and info.num_ack_pending == 0

        await eventually(all_applied, message="the copier never applied every message")
        copied = [row for row in await rows() if row["id"] == entry.id]
        assert len(copied) == 1
        assert copied[0] == audit.from_proto(entry)
    finally:
        await nc.close()
        await stop()
        await db.close()
