"""Resizing and moving a catalog session, judged by the places its bookings hold.

Bookings owns the occupancy (`session_occupancy`: capacity, places held), so bookings decides
and catalog follows, in this order, inside one bookings transaction:

1. `INSERT ... ON CONFLICT (session_id) DO UPDATE SET capacity = :new
   WHERE booked <= :new [AND booked = 0 for a move] RETURNING booked`: PostgreSQL refuses a
   capacity below the places held (and a move of a session with places held). The row stays
   locked, so a booking of this session (`hold_places`) waits for this transaction.
2. catalog's `UpdateSession` (request_id and etag passed on); a refusal there (stale etag,
   cancelled session) raises and rolls step 1 back: nothing changed anywhere.
3. commit.

A crash between 2 and 3 leaves catalog changed and the occupancy not: a retry with the same
request_id (catalog returns the session as changed) sets the occupancy again.
"""

from __future__ import annotations

import grpc
from grpc import aio
from sqlalchemy.ext.asyncio import AsyncConnection

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookings.adapters import repository
from bookings.adapters.catalog_cache import CatalogCache
from bookings.domain.commands import ChangeSession
from plumbing import audit, ids
from plumbing.db import Database
from plumbing.errors import ErrorKind, FailedPrecondition, InvalidArgument, ServiceError
from plumbing.grpc_server import error_reason
from plumbing.validation import check_datetime, optional_timestamp

CAPACITY_BELOW_BOOKED = "CAPACITY_BELOW_BOOKED"
SESSION_HAS_BOOKINGS = "SESSION_HAS_BOOKINGS"

_KINDS = {code.name: ErrorKind(code.name) for code in grpc.StatusCode if code.name in ErrorKind.__members__}


class SessionChanges:
    def __init__(
        self,
        db: Database,
        catalog: catalog_pb2_grpc.CatalogServiceStub,
        *,
        call_timeout_seconds: float = 5.0,
        cache: CatalogCache | None = None,
    ) -> None:
        self.db = db
        self.catalog = catalog
        self.call_timeout_seconds = call_timeout_seconds
        # This replica's cached copy of the session is dropped at once (the others drop theirs
        # when catalog's session_updated arrives).
        self.cache = cache

    async def change(self, command: ChangeSession) -> tuple[catalog_pb2.Session, int]:
        """The session as catalog has it after the change, and the places held."""
        # Catalog checks the caller's tenancy (the principal travels with the call).
        session = (
            await self._call(
                self.catalog.GetSession, catalog_pb2.GetSessionRequest(session_id=command.session_id)
            )
        ).session
        capacity = command.capacity or session.capacity
        # A price-only change still takes the occupancy row's lock: one writer per session.
        moving = command.start_time is not None
        async with self.db.transaction() as conn:
            booked = await repository.resize_occupancy(
                conn,
                session_id=session.id,
                company_id=session.company_id,
                capacity=capacity,
                require_empty=moving,
            )
            if booked is None:
                await self._refuse(conn, session.id, capacity, moving)
            updated = (await self._call(self.catalog.UpdateSession, self._update(command, capacity))).session
            await audit.record(
                conn,
                company_id=session.company_id,
                entity_type="session_occupancy",
                entity_id=session.id,
                action="move" if moving else "change",
                before={"capacity": session.capacity},
                after={"capacity": updated.capacity, "booked": booked},
            )
        if self.cache is not None:
            self.cache.forget_session(session.id)
        return updated, booked or 0

    @staticmethod
    def _update(command: ChangeSession, capacity: int) -> catalog_pb2.UpdateSessionRequest:
        request = catalog_pb2.UpdateSessionRequest(
            request_id=command.request_id,
            session=catalog_pb2.Session(id=command.session_id, etag=command.etag),
        )
        if command.capacity:
            request.session.capacity = capacity
            request.update_mask.paths.append("capacity")
        if command.start_time is not None and command.end_time is not None:
            request.session.start_time.FromDatetime(command.start_time)
            request.session.end_time.FromDatetime(command.end_time)
            request.update_mask.paths.extend(["start_time", "end_time"])
        if command.price is not None:
            request.session.price.amount_minor, request.session.price.currency_code = command.price
            request.update_mask.paths.append("price")
        return request

    @staticmethod
    async def _refuse(conn: AsyncConnection, session_id: str, capacity: int, moving: bool) -> None:
        held = await repository.occupancy(conn, session_id)
        booked = held[1] if held else 0
        metadata = {"session_id": session_id, "booked": str(booked)}
        if moving and booked > 0:
            raise FailedPrecondition(
                SESSION_HAS_BOOKINGS,
                f"{booked} places are held in this session: cancel its bookings before moving it",
                metadata=metadata,
            )
        raise FailedPrecondition(
            CAPACITY_BELOW_BOOKED,
            f"{booked} places are held in this session: the capacity cannot go below that",
            field="capacity",
            metadata={**metadata, "capacity": str(capacity)},
        )

    async def _call(self, method, request):  # type: ignore[no-untyped-def]
        try:
            return await method(request, timeout=self.call_timeout_seconds)
        except aio.AioRpcError as error:
            raise _passed_on(error) from error


def protos_change_session(request: bookings_pb2.ChangeSessionRequest) -> ChangeSession:
    """The request checked: an id, a capacity >= 0 (0 = unchanged), both times or none."""
    if len(request.request_id) > 200:
        raise InvalidArgument(
            "INVALID_REQUEST_ID", "request_id is at most 200 characters", field="request_id"
        )
    if request.capacity < 0:
        raise InvalidArgument("INVALID_CAPACITY", "capacity must be at least 1", field="capacity")
    start = optional_timestamp(request, "start_time")
    end = optional_timestamp(request, "end_time")
    if (start is None) != (end is None):
        raise InvalidArgument("INVALID_TIME_RANGE", "start_time and end_time go together", field="end_time")
    if start is not None and end is not None:
        check_datetime(start, "start_time")
        check_datetime(end, "end_time")
        if end <= start:
            raise InvalidArgument("INVALID_TIME_RANGE", "end_time must be after start_time", field="end_time")
    price = (request.price.amount_minor, request.price.currency_code) if request.HasField("price") else None
    if not request.capacity and start is None and price is None:
        raise InvalidArgument("NOTHING_TO_CHANGE", "give a capacity, new times or a price", field="capacity")
    return ChangeSession(
        request_id=request.request_id,
        session_id=ids.parse_id(request.session_id, "session_id"),
        etag=request.etag,
        capacity=request.capacity,
        start_time=start,
        end_time=end,
        price=price,
    )


def _passed_on(error: aio.AioRpcError) -> ServiceError:
    """Catalog's refusal as ours, same reason and status (ETAG_MISMATCH stays a 409/412)."""
    code = error.code()
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        return ServiceError("CATALOG_UNAVAILABLE", "the catalog did not answer", kind=ErrorKind.UNAVAILABLE)
    kind = _KINDS.get(code.name)
    reason = error_reason(error)
    if kind is None or reason is None:
        return ServiceError("CATALOG_ERROR", "the catalog failed", kind=ErrorKind.UNAVAILABLE)
    return ServiceError(reason, error.details() or reason, kind=kind)
