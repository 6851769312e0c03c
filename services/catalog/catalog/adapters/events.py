"""Events catalog publishes on JetStream, written to the outbox in the transaction of the change."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from bookingplatform.catalog.v1 import catalog_pb2
from catalog.domain.model import Company, Resource, Session
from catalog.entrypoints import protos
from plumbing.outbox import Outbox

CATALOG_STREAM = "CATALOG"
CATALOG_SUBJECTS = ["catalog.events.>"]
SESSION_CREATED = "catalog.events.session_created"
SESSION_CANCELLED = "catalog.events.session_cancelled"
RESOURCE_UPDATED = "catalog.events.resource_updated"
SESSION_UPDATED = "catalog.events.session_updated"
COMPANY_UPDATED = "catalog.events.company_updated"


async def session_created(conn: AsyncConnection, outbox: Outbox, session: Session) -> None:
    """Payload: the `bookingplatform.catalog.v1.Session`; message id `session_created:<id>`."""
    await outbox.add(
        conn, SESSION_CREATED, protos.session(session), message_id=f"session_created:{session.id}"
    )


async def session_cancelled(conn: AsyncConnection, outbox: Outbox, session: Session) -> None:
    """Payload: `SessionCancelled` (the cancelled session); message id `session_cancelled:<id>`."""
    await outbox.add(
        conn,
        SESSION_CANCELLED,
        catalog_pb2.SessionCancelled(session=protos.session(session)),
        message_id=f"session_cancelled:{session.id}",
    )


async def session_updated(conn: AsyncConnection, outbox: Outbox, session: Session) -> None:
    """Payload: the `Session` after the change; message id `session_updated:<id>:<version>`."""
    await outbox.add(
        conn,
        SESSION_UPDATED,
        protos.session(session),
        message_id=f"session_updated:{session.id}:{session.version}",
    )


async def resource_updated(conn: AsyncConnection, outbox: Outbox, resource: Resource) -> None:
    """Payload: `ResourceUpdated` (the resource after the change); message id
    `resource_updated:<id>:<version>`."""
    await outbox.add(
        conn,
        RESOURCE_UPDATED,
        catalog_pb2.ResourceUpdated(
            resource=protos.resource(resource), update_time=protos.timestamp(datetime.now(UTC))
        ),
        message_id=f"resource_updated:{resource.id}:{resource.version}",
    )


async def company_updated(conn: AsyncConnection, outbox: Outbox, company: Company) -> None:
    """Payload: the `Company` after the change (suspended, resumed, edited); message id
    `company_updated:<id>:<version>`."""
    await outbox.add(
        conn,
        COMPANY_UPDATED,
        protos.company(company),
        message_id=f"company_updated:{company.id}:{company.version}",
    )
