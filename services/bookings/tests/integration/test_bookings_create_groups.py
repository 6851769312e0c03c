"""Group commit of time-slot creates (service/create_groups.py): creates that arrive while a
group is being written are written together in the next transaction, in arrival order, each
with its own answer; a full session refuses only those that do not fit and keeps nothing of
them; a group whose transaction fails is written again one by one.

Catalog and bookings run in-process on their own database and NATS (no participant: each
saga waits on its first step). Which transaction wrote a row is PostgreSQL's own record of
it: the row's `xmin`.
"""

import asyncio
import dataclasses
import uuid

import pytest
from bookings_test_sessions import a_session, book, held
from sqlalchemy import text

from bookings.adapters import repository as repo
from bookings.adapters import tables
from bookings.domain.commands import BookingRequest, CreateBooking
from bookings.domain.model import PaymentPlan
from bookings.domain.saga import Saga
from bookings.service.create_groups import CreateGroups, PendingCreate
from bookings.service.orchestrator import NewSaga, Orchestrator
from plumbing.grpc_server import error_reason
from plumbing.outbox import Outbox

pytestmark = pytest.mark.integration


async def writers_of(db, session_id):
    """{booking id: the transaction that wrote it} of a session's bookings."""
    async with db.transaction() as conn:
        rows = await conn.execute(
            text("SELECT id::text, xmin::text AS writer FROM bookings.bookings WHERE session_id = :id"),
            {"id": session_id},
        )
        return {row.id: row.writer for row in rows}


async def writes_of_each_booking(db, booking_ids):
    """{booking id: (its saga's id, its first command's id, the transaction that wrote its audit
    entry)}; the saga and command rows are updated once published, so their xmin moves on."""
    async with db.transaction() as conn:
        rows = await conn.execute(
            text(
                "SELECT b.id::text AS booking_id, s.id::text AS saga, o.id AS command,"
                " a.xmin::text AS audit FROM bookings.bookings b"
                " LEFT JOIN bookings.sagas s ON s.booking_id = b.id"
                " LEFT JOIN bookings.outbox o ON o.id = s.command_id OR o.id LIKE s.id::text || ':%'"
                " LEFT JOIN bookings.audit_log a ON a.entity_id = b.id::text AND a.action = 'create'"
                " WHERE b.id::text = ANY(:ids)"
            ),
            {"ids": list(booking_ids)},
        )
        return {row.booking_id: (row.saga, row.command, row.audit) for row in rows}


def arrivals_at_the_groups(monkeypatch) -> list[str]:
    """The customers whose planned creates reached the group commit, in the order they did."""
    arrived: list[str] = []
    create = CreateGroups.create

    async def recorded(self, pending):
        arrived.append(pending.command.customer_id)
        return await create(self, pending)

    monkeypatch.setattr(CreateGroups, "create", recorded)
    return arrived


async def until_arrived(arrived: list[str], count: int) -> None:
    for _ in range(6000):  # up to a minute on a busy machine
        if len(arrived) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{count} creates did not reach the group commit: {arrived}")


async def test_creates_waiting_behind_a_group_are_written_together_in_arrival_order(
    slot_platform, monkeypatch
):
    stub, catalog, db = slot_platform
    session, customers = await a_session(catalog, capacity=6, customers=11)
    arrived = arrivals_at_the_groups(monkeypatch)
    await book(stub, session, customers[0])  # its group is written: the session's row exists
    # The session's row locked: the next group waits on it, and the creates after it queue up.
    async with db.transaction() as blocker:
        await blocker.execute(
            text("SELECT booked FROM bookings.session_occupancy WHERE session_id = :id FOR UPDATE"),
            {"id": session.id},
        )
        waiting = []
        for count, customer in enumerate(customers[1:], start=2):
            waiting.append(asyncio.ensure_future(book(stub, session, customer, as_customer=True)))
            # One after the other, each only once the one before reached the group commit: the
            # order they arrive in, however slow the machine is to plan each.
            await until_arrived(arrived, count)
    answers = await asyncio.gather(*waiting, return_exceptions=True)

    booked = [answer.booking.customer_id for answer in answers if not isinstance(answer, BaseException)]
    refused = [answer for answer in answers if isinstance(answer, BaseException)]
    # Five places were left: the first group behind the lock holds one create, the next
    # group the nine that queued behind it, and the first four of those fit.
    assert booked == [customer.id for customer in customers[1:6]]
    assert {error_reason(answer) for answer in refused} == {"SESSION_FULL"} and len(refused) == 5
    places, _, rows = await held(db, session.id, customers[0].id, session.resource_id)
    assert (places, rows) == (6, 6)  # nothing is kept of a refused create
    writers = await writers_of(db, session.id)
    assert len(set(writers.values())) == 3  # the first create, the one behind the lock, the rest
    # Each booked create's saga, first command and audit entry were written (sent together
    # after the group's inserts), the entry in its booking's transaction; a refused one left
    # none (its booking row is gone, so nothing can point at it).
    booked = {
        answer.booking.id: answer.booking for answer in answers if not isinstance(answer, BaseException)
    }
    writes = {
        booking_id: (saga, command[:36], audit)  # a command's id starts with its saga's
        for booking_id, (saga, command, audit) in (await writes_of_each_booking(db, booked)).items()
    }
    assert writes == {
        booking_id: (booking.saga_id, booking.saga_id, writers[booking_id])
        for booking_id, booking in booked.items()
    }
    async with db.transaction() as conn:
        sagas = (
            await conn.execute(
                text(
                    "SELECT count(*) FROM bookings.sagas s JOIN bookings.bookings b ON b.id = s.booking_id"
                    " WHERE b.session_id = :id"
                ),
                {"id": session.id},
            )
        ).scalar()
        audited = (
            await conn.execute(
                text(
                    "SELECT count(*) FROM bookings.audit_log"
                    " WHERE company_id = :company AND action = 'create'"
                ),
                {"company": customers[0].company_id},
            )
        ).scalar()
    assert (sagas, audited) == (6, 5)  # every booking's saga; the five customers' own creates


async def test_two_creates_with_one_request_id_in_a_group_make_one_booking(slot_platform, monkeypatch):
    stub, catalog, db = slot_platform
    session, [customer] = await a_session(catalog, capacity=5)
    await book(stub, session, customer)
    arrived = arrivals_at_the_groups(monkeypatch)
    request_id = str(uuid.uuid4())
    async with db.transaction() as blocker:
        await blocker.execute(
            text("SELECT booked FROM bookings.session_occupancy WHERE session_id = :id FOR UPDATE"),
            {"id": session.id},
        )
        blocked = asyncio.ensure_future(book(stub, session, customer))
        await until_arrived(arrived, 1)
        same = [asyncio.ensure_future(book(stub, session, customer, request_id=request_id)) for _ in range(3)]
        await until_arrived(arrived, 4)  # the three wait together behind the blocked group
    await blocked
    answers = await asyncio.gather(*same)

    assert len({answer.booking.id for answer in answers}) == 1
    assert [answer.replayed for answer in answers].count(False) == 1
    assert await held(db, session.id, customer.id, session.resource_id) == (3, 3, 3)


async def test_a_group_whose_transaction_fails_is_written_one_by_one(slot_platform):
    # A create whose booking id is taken fails its group's transaction (a primary key
    # violation, no business outcome): the others are written again, alone, and booked.
    stub, catalog, db = slot_platform
    session, customers = await a_session(catalog, capacity=10, customers=4)
    taken = (await book(stub, session, customers[0])).booking
    orchestrator = Orchestrator(db, Outbox(tables.outbox))
    groups = CreateGroups(db, Outbox(tables.outbox))
    async with db.transaction() as conn:
        template = await repo.get_booking(conn, taken.id)
    assert template is not None

    def pending(customer_id, booking_id):
        booking = dataclasses.replace(
            template, id=booking_id, customer_id=customer_id, saga_id=str(uuid.uuid4()), extras=[]
        )
        saga, transition = Saga.for_booking(
            saga_id=booking.saga_id,
            booking_id=booking.id,
            currency=booking.currency,
            total_minor=booking.total_minor,
            base_minor=booking.base_minor,
            credits=1,
            use_pass=False,
            use_wallet=True,
            use_card=False,
        )
        command = CreateBooking(
            request=BookingRequest(customer_id=customer_id, session_id=session.id),
            plan=PaymentPlan(use_wallet=True),
            request_id=str(uuid.uuid4()),
        )
        return PendingCreate(
            command=command,
            booking=booking,
            capacity=10,
            active_limit=0,
            start=orchestrator.start(saga, booking, transition, NewSaga(booking.company_id, "")),
            audit_entry=None,
        )

    group = [
        pending(customers[1].id, str(uuid.uuid4())),
        pending(customers[2].id, taken.id),  # the id of a booking that exists
        pending(customers[3].id, str(uuid.uuid4())),
    ]
    answers = await asyncio.gather(*(groups.create(p) for p in group), return_exceptions=True)

    assert [type(answer).__name__ for answer in answers] == ["Created", "IntegrityError", "Created"]
    writers = await writers_of(db, session.id)
    assert group[0].booking.id in writers and group[2].booking.id in writers
    assert writers[group[0].booking.id] != writers[group[2].booking.id]  # one transaction each
    places, _, rows = await held(db, session.id, customers[0].id, session.resource_id)
    assert (places, rows) == (3, 3)
