"""Events catalog publishes on JetStream, written to the outbox in the transaction of the change."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters import protos
from catalog.domain.model import Session
from plumbing.outbox import Outbox

CATALOG_STREAM = "CATALOG"
CATALOG_SUBJECTS = ["catalog.events.>"]
SESSION_CREATED = "catalog.events.session_created"


async def session_created(conn: AsyncConnection, outbox: Outbox, session: Session) -> None:
    """Payload: the `bookingplatform.catalog.v1.Session`; message id `session_created:<id>`."""
    await outbox.add(
        conn, SESSION_CREATED, protos.session(session), message_id=f"session_created:{session.id}"
    )
