"""Group commit of time-slot bookings (services/bookings/README.md "Group commit of creates").

A create's planning (catalog, pass, card, price) runs in its own request; its writes (the
booking with its places, its saga with the first command, its audit entry) wait here while
another group is being written, and all that waited are written together in the next
transaction, in the order they arrived, each with its own answer. Nothing waits for a timer:
a create arriving when no group is being written is written at once, alone.

Each booking keeps its own outcome: its insert is its own statement (`Taken`), so a full
session refuses only the creates that do not fit, in arrival order, and a refused create's
rows are taken back in the same transaction (`repo.withdraw_refused_booking`), before any
other statement of the group can see them committed. When the transaction fails as a whole
(a lost connection, a deadlock), its creates are written again one by one, so one bad create
cannot refuse the others.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bookings.adapters import repository as repo
from bookings.adapters.repository import SagaStart
from bookings.domain.commands import CreateBooking
from bookings.domain.model import Booking
from plumbing import audit
from plumbing.db import Database
from plumbing.errors import Conflict, ErrorKind, FailedPrecondition, ServiceError
from plumbing.failpoints import failpoint
from plumbing.outbox import Outbox

log = logging.getLogger(__name__)

# The most creates one transaction writes; more wait for the next.
MAX_GROUP = 64


@dataclass(frozen=True)
class Created:
    """What CreateBooking answers: the booking, and whether an earlier call with the same
    request id had made it (a retry: nothing was written)."""

    booking: Booking
    replayed: bool = False
    # Admitted while the saga's queues are nearly full: the seconds the caller should hold back
    # further creates (service/saga_backlog.py), or None.
    hold_back_seconds: int | None = None


def replayed(command: CreateBooking, found: tuple[Booking, str] | None) -> Created:
    """The booking a request id made before: the answer to a retry of the same request; the
    same id with another request is refused."""
    assert found is not None, "a request id that met its unique key has a booking"
    booking, fingerprint = found
    if fingerprint != command.fingerprint():
        raise Conflict(
            "IDEMPOTENCY_KEY_REUSED",
            "this request id was used for a different booking",
            field="request_id",
        )
    return Created(booking, replayed=True)


STOPPING = ServiceError("SERVICE_STOPPING", "the service is stopping; retry", kind=ErrorKind.UNAVAILABLE)


def too_many_active(limit: int) -> FailedPrecondition:
    return FailedPrecondition(
        "MAX_ACTIVE_BOOKINGS", f"at most {limit} active bookings of this resource per customer"
    )


def session_full() -> FailedPrecondition:
    return FailedPrecondition("SESSION_FULL", "not enough free places in the session")


@dataclass
class PendingCreate:
    """A planned time-slot create, everything context-bound (the saga's commands with their
    trace, the audit entry with its principal) already built in the request's context."""

    command: CreateBooking
    booking: Booking
    capacity: int
    active_limit: int
    start: SagaStart
    audit_entry: dict[str, Any] | None
    answer: asyncio.Future[Created] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class CreateGroups:
    def __init__(self, db: Database, outbox: Outbox, *, max_group: int = MAX_GROUP) -> None:
        self.db = db
        # Woken after a group commits: its first commands go out at once.
        self.outbox = outbox
        self.max_group = max_group
        self._waiting: deque[PendingCreate] = deque()
        self._writer: asyncio.Task[None] | None = None

    async def create(self, pending: PendingCreate) -> Created:
        """Writes the create with those waiting beside it; its own answer, or its own refusal."""
        self._waiting.append(pending)
        if self._writer is None or self._writer.done():
            # The writer serves many requests: it runs in an empty context, never in one
            # request's (its principal, its trace).
            self._writer = asyncio.get_running_loop().create_task(
                self._write_while_waiting(), name="bookings:create-groups", context=contextvars.Context()
            )
        # A caller that goes away (its deadline) before its group starts is not written.
        return await pending.answer

    async def _write_while_waiting(self) -> None:
        try:
            while self._waiting:
                count = min(len(self._waiting), self.max_group)
                group = [self._waiting.popleft() for _ in range(count)]
                live = [pending for pending in group if not pending.answer.done()]
                if live:
                    await self._write(live)
        except asyncio.CancelledError:
            # The process stops: no create may wait for ever.
            for pending in self._waiting:
                _answer(pending, STOPPING)
            self._waiting.clear()
            raise

    async def _write(self, group: list[PendingCreate]) -> None:
        try:
            answers = await self._write_together(group)
        except Exception as error:  # the transaction failed as a whole: nothing of it was written
            if len(group) == 1:
                _answer(group[0], error)
                return
            log.warning("a group of %d creates failed (%s); writing them one by one", len(group), error)
            await self._write_one_by_one(group)
            return
        for pending, answer in zip(group, answers, strict=True):
            _answer(pending, answer)
        self.outbox.wake()

    async def _write_one_by_one(self, group: list[PendingCreate]) -> None:
        for pending in group:
            if not pending.answer.done():
                await self._write([pending])

    async def _write_together(self, group: list[PendingCreate]) -> list[Created | ServiceError]:
        async with self.db.transaction() as conn:
            answers = [await _insert(conn, pending) for pending in group]
            booked = [
                pending
                for pending, answer in zip(group, answers, strict=True)
                if isinstance(answer, Created) and not answer.replayed
            ]
            # What follows needs no answer back: the group's sagas and audit entries are
            # sent together, one round trip each, after every booking row is there.
            await repo.insert_saga_starts(conn, [pending.start for pending in booked])
            await audit.write_all(conn, [p.audit_entry for p in booked if p.audit_entry is not None])
            failpoint("create_group.before_commit")
        failpoint("create_group.after_commit")
        return answers


async def _insert(conn: AsyncConnection, pending: PendingCreate) -> Created | ServiceError:
    """The booking with its places and its count as an active booking; a refusal takes back
    what the insert wrote, so the group's transaction goes on."""
    command, booking = pending.command, pending.booking
    taken = await repo.insert_booking_taking_places(
        conn,
        booking,
        command.request_id,
        command.fingerprint(),
        capacity=pending.capacity,
        active_limit=pending.active_limit,
    )
    if taken is repo.Taken.BOOKED:
        return Created(booking)
    if taken is repo.Taken.REPLAY:
        # Another create with this request id committed (or came earlier in this group).
        try:
            return replayed(
                command, await repo.find_by_request(conn, command.customer_id, command.request_id)
            )
        except ServiceError as refused:
            return refused
    await repo.withdraw_refused_booking(conn, booking, places_taken=taken is repo.Taken.OVER_LIMIT)
    return session_full() if taken is repo.Taken.FULL else too_many_active(pending.active_limit)


def _loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


def _answer(pending: PendingCreate, answer: Created | BaseException) -> None:
    if pending.answer.done():  # its caller went away
        return
    if isinstance(answer, BaseException):
        pending.answer.set_exception(answer)
    else:
        pending.answer.set_result(answer)
