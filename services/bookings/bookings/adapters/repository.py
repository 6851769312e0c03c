"""SQL for bookings, places and sagas. Every state change is a conditional write.

The statements of a booking's way through its saga are built once, at import, with their
values bound at execution: SQLAlchemy compiles a `postgresql.insert(...)` again on every
execution (those are `text()` here, with the same ON CONFLICT and RETURNING), and building
any statement per call costs about as much again (bench/statement_cost.py).
"""

from __future__ import annotations

import enum
import functools
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from google.protobuf.struct_pb2 import Struct
from sqlalchemy import (
    Interval,
    Row,
    Select,
    and_,
    bindparam,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    union,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, Range
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import TextClause

from bookings.adapters.tables import (
    booking_extras,
    bookings,
    customer_active_bookings,
    interval_holds,
    interval_resources,
    outbox,
    refund_requests,
    saga_steps,
    sagas,
    session_occupancy,
    unit_nights,
)
from bookings.domain.model import (
    Booking,
    BookingModel,
    BookingStatus,
    DeskPayment,
    ExtraLine,
    PaymentPlan,
    RefundRequest,
)
from bookings.domain.reservations import check_distinct_extras
from bookings.domain.saga import Saga, SagaState
from bookings.domain.saga_records import LoggedStep, ReasonCount, SagaBucket, SagaCount, SagaRecord
from bookings.domain.step_log import StepLogEntry
from plumbing.db import one_of
from plumbing.messaging import booking_event_subject
from plumbing.outbox import (
    OutboxRow,
    insert_outbox_rows,
    outbox_insert,
    outbox_rows_params,
    outbox_rows_sql,
    outbox_rows_values,
)

TERMINAL_STATES = (SagaState.COMPLETED.value, SagaState.COMPENSATED.value)


def _booking_from_row(
    row: Row[Any], extras: Sequence[ExtraLine] = (), refund: RefundRequest | None = None
) -> Booking:
    return Booking(
        id=row.id,
        company_id=row.company_id,
        customer_id=row.customer_id,
        resource_id=row.resource_id,
        session_id=row.session_id or "",
        booking_model=BookingModel(row.booking_model),
        quantity=row.quantity,
        start_time=row.start_time,
        end_time=row.end_time,
        status=BookingStatus(row.status),
        total_minor=row.total_minor,
        base_minor=row.base_minor,
        currency=row.currency,
        plan=PaymentPlan(
            entitlement_id=row.entitlement_id,
            use_wallet=row.use_wallet,
            payment_method_id=row.payment_method_id,
            pay_later=row.pay_later,
            desk_payment=DeskPayment(row.desk_payment) if row.desk_payment else None,
        ),
        saga_id=row.saga_id,
        free_cancellation_until=row.free_cancellation_until,
        extras=list(extras),
        wallet_debited_minor=row.wallet_debited_minor,
        bonus_debited_minor=row.bonus_debited_minor,
        pass_covered_minor=row.pass_covered_minor,
        pass_credits=row.pass_credits,
        card_charged_minor=row.card_charged_minor,
        payment_id=row.payment_id,
        reject_reason=row.reject_reason,
        refund=refund,
        unit_id=row.unit_id or "",
        guests=row.guests,
        cancellation_windows=tuple((int(m), int(p)) for m, p in row.cancellation_windows),
        check_in_deadline=row.check_in_deadline,
        no_show_at=row.no_show_at,
        checked_in_at=row.checked_in_at,
        quote_lines=tuple((str(d), int(q), int(a)) for d, q, a in row.quote_lines),
        check_in_date=row.check_in_date,
        check_out_date=row.check_out_date,
        created_at=row.created_at,
        updated_at=row.updated_at,
        desk_paid_minor=row.desk_paid_minor,
        booked_by_user_id=row.booked_by_user_id or "",
        no_show_override_reason=row.no_show_override_reason or "",
        cancel_reason=row.cancel_reason or "",
        kept_card_minor=row.kept_card_minor,
        kept_wallet_minor=row.kept_wallet_minor,
        rental_stretches=tuple(zip(row.stretch_ends or (), row.stretch_amounts_minor or (), strict=True)),
        changing_saga_id=str(row.changing_saga_id or ""),
    )


_BOOKING_COLUMNS = (
    "id, company_id, customer_id, resource_id, session_id, unit_id, guests,"
    " cancellation_windows, check_in_deadline, no_show_at, quote_lines, check_in_date,"
    " check_out_date, booking_model, quantity, start_time, end_time, status, currency,"
    " base_minor, total_minor, entitlement_id, use_wallet, payment_method_id, pay_later,"
    " desk_payment, desk_paid_minor, booked_by_user_id, saga_id, free_cancellation_until,"
    " request_id, request_hash"
)
_INSERT_BOOKING_SQL = (
    f"INSERT INTO bookings.bookings ({_BOOKING_COLUMNS})"
    f" VALUES ({', '.join(':' + column.strip() for column in _BOOKING_COLUMNS.split(','))})"
    " ON CONFLICT ON CONSTRAINT uq_bookings_customer_request DO NOTHING"
    " RETURNING created_at, updated_at"
)
_BOOKING_JSON = (bindparam("cancellation_windows", type_=JSONB), bindparam("quote_lines", type_=JSONB))
_INSERT_BOOKING = text(_INSERT_BOOKING_SQL).bindparams(*_BOOKING_JSON)
_INSERT_EXTRA = insert(booking_extras)


def _booking_values(booking: Booking, request_id: str, request_hash: str) -> dict[str, Any]:
    return {
        "id": booking.id,
        "company_id": booking.company_id,
        "customer_id": booking.customer_id,
        "resource_id": booking.resource_id,
        "session_id": booking.session_id or None,
        "unit_id": booking.unit_id or None,
        "guests": booking.guests,
        "cancellation_windows": [list(window) for window in booking.cancellation_windows],
        "check_in_deadline": booking.check_in_deadline,
        "no_show_at": booking.no_show_at,
        "quote_lines": [list(line) for line in booking.quote_lines],
        "check_in_date": booking.check_in_date,
        "check_out_date": booking.check_out_date,
        "booking_model": booking.booking_model.value,
        "quantity": booking.quantity,
        "start_time": booking.start_time,
        "end_time": booking.end_time,
        "status": booking.status.value,
        "currency": booking.currency,
        "base_minor": booking.base_minor,
        "total_minor": booking.total_minor,
        "entitlement_id": booking.plan.entitlement_id,
        "use_wallet": booking.plan.use_wallet,
        "payment_method_id": booking.plan.payment_method_id,
        "pay_later": booking.plan.pay_later,
        "desk_payment": booking.plan.desk_payment.value if booking.plan.desk_payment else None,
        "desk_paid_minor": booking.desk_paid_minor,
        "booked_by_user_id": booking.booked_by_user_id or None,
        "saga_id": booking.saga_id,
        "free_cancellation_until": booking.free_cancellation_until,
        "request_id": request_id,
        "request_hash": request_hash,
    }


async def insert_booking(conn: AsyncConnection, booking: Booking, request_id: str, request_hash: str) -> bool:
    """False when the customer already made a booking with this request id."""
    inserted = await conn.execute(_INSERT_BOOKING, _booking_values(booking, request_id, request_hash))
    stamps = inserted.first()
    if stamps is None:
        return False
    booking.created_at, booking.updated_at = stamps.created_at, stamps.updated_at
    await _insert_extras(conn, booking)
    return True


async def _insert_extras(conn: AsyncConnection, booking: Booking) -> None:
    # Planning refuses a repeated extra (`extra_lines`); checked again here so that no path
    # can turn one into the key's UniqueViolation (a 500): the booking's transaction rolls back.
    check_distinct_extras(line.extra_id for line in booking.extras)
    if booking.extras:
        await conn.execute(
            _INSERT_EXTRA,
            [
                {
                    "booking_id": booking.id,
                    "extra_id": line.extra_id,
                    "name": line.name,
                    "quantity": line.quantity,
                    "unit_price_minor": line.unit_price_minor,
                    "pricing_unit": line.pricing_unit,
                }
                for line in booking.extras
            ],
        )


class Taken(enum.Enum):
    """What `insert_booking_taking_places` did."""

    BOOKED = "booked"  # the booking, its places and its count as an active booking
    REPLAY = "replay"  # nothing: the customer's request id has its booking already
    FULL = "full"  # the booking row only (roll back): the places do not fit
    OVER_LIMIT = "over_limit"  # the booking and its places (roll back): too many active bookings


# The create of a time-slot booking in one statement where it was three: the booking row, the
# places (`_TAKE_PLACES`'s conditional upsert) only when the row was inserted, and the count
# of the customer's active bookings (`_COUNT_ACTIVE`'s) only when the places were taken. Each
# CTE reads the one before it, so they run in that order and lock the session before the
# customer as the separate statements did (a release does the same: no new deadlock).
@functools.cache
def _insert_booking_taking_places() -> TextClause:
    return text(
        f"WITH booking AS ({_INSERT_BOOKING_SQL}), held AS ({_take_places_sql(after='booking')}),"
        f" counted AS ({_count_active_sql(after='held')})"
        " SELECT booking.created_at, booking.updated_at,"
        " EXISTS (SELECT FROM held) AS held, EXISTS (SELECT FROM counted) AS counted FROM booking"
    ).bindparams(*_BOOKING_JSON)


async def insert_booking_taking_places(
    conn: AsyncConnection,
    booking: Booking,
    request_id: str,
    request_hash: str,
    *,
    capacity: int,
    active_limit: int,
) -> Taken:
    """`insert_booking`, `hold_places` (the booking's quantity of its session of `capacity`)
    and `count_active_booking` in one statement; see `Taken` for what each outcome wrote
    (FULL and OVER_LIMIT must roll back)."""
    values = _booking_values(booking, request_id, request_hash)
    values.update(capacity=capacity, active_limit=active_limit)
    row = (await conn.execute(_insert_booking_taking_places(), values)).first()
    if row is None:
        return Taken.REPLAY
    if not row.held:
        return Taken.FULL
    if not row.counted:
        return Taken.OVER_LIMIT
    booking.created_at, booking.updated_at = row.created_at, row.updated_at
    await _insert_extras(conn, booking)
    return Taken.BOOKED


_WITHDRAW_BOOKING = bookings.delete().where(bookings.c.id == bindparam("booking_key"))


async def withdraw_refused_booking(conn: AsyncConnection, booking: Booking, *, places_taken: bool) -> None:
    """Takes back, in its own transaction, what `insert_booking_taking_places` wrote for a
    refused booking (FULL: the row; OVER_LIMIT: the row and its places), where a lone create
    rolls back: a group's transaction goes on with the others. The row was inserted PENDING
    (no business figure counted it) and nothing else refers to it yet."""
    await conn.execute(_WITHDRAW_BOOKING, {"booking_key": booking.id})
    if places_taken:
        await release_places(conn, session_id=booking.session_id, quantity=booking.quantity)


async def find_by_request(
    conn: AsyncConnection, customer_id: str, request_id: str
) -> tuple[Booking, str] | None:
    row = (
        await conn.execute(
            select(bookings).where(bookings.c.customer_id == customer_id, bookings.c.request_id == request_id)
        )
    ).first()
    if row is None:
        return None
    [booking] = await _with_extras(conn, [row])
    return booking, row.request_hash


# The first booking of a session makes its row; any other takes places only while they fit
# (the CHECK constraint backs the condition). One statement: no row comes back when full.
def _take_places_sql(after: str = "") -> str:
    """`after`: the CTE whose row the places follow (none: taken unconditionally)."""
    return (
        "INSERT INTO bookings.session_occupancy (session_id, company_id, capacity, booked)"
        " SELECT CAST(:session_id AS uuid), CAST(:company_id AS uuid), :capacity, :quantity"
        f"{f' FROM {after}' if after else ''} WHERE :quantity <= :capacity"
        " ON CONFLICT (session_id) DO UPDATE SET booked = session_occupancy.booked + EXCLUDED.booked"
        " WHERE session_occupancy.booked + EXCLUDED.booked <= session_occupancy.capacity"
        " RETURNING booked"
    )


_TAKE_PLACES = text(_take_places_sql())
_RELEASE_PLACES = (
    update(session_occupancy)
    .where(session_occupancy.c.session_id == bindparam("session_key"))
    .values(booked=session_occupancy.c.booked - bindparam("quantity"))
)


async def hold_places(
    conn: AsyncConnection, *, session_id: str, company_id: str, capacity: int, quantity: int
) -> bool:
    """Takes `quantity` places if they are free; the CHECK constraint backs the condition."""
    held = await conn.execute(
        _TAKE_PLACES,
        {"session_id": session_id, "company_id": company_id, "capacity": capacity, "quantity": quantity},
    )
    return held.first() is not None


async def release_places(conn: AsyncConnection, *, session_id: str, quantity: int) -> None:
    await conn.execute(_RELEASE_PLACES, {"session_key": session_id, "quantity": quantity})


async def resize_occupancy(
    conn: AsyncConnection, *, session_id: str, company_id: str, capacity: int, require_empty: bool
) -> int | None:
    """Sets the session's capacity if the places held fit it (and none are held when
    `require_empty`); the places held, or None when refused. The row stays locked until commit."""
    statement = upsert(session_occupancy).values(
        session_id=session_id, company_id=company_id, capacity=capacity, booked=0
    )
    fits = session_occupancy.c.booked <= statement.excluded.capacity
    if require_empty:
        fits = and_(fits, session_occupancy.c.booked == 0)
    row = await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[session_occupancy.c.session_id],
            set_={"capacity": statement.excluded.capacity},
            where=fits,
        ).returning(session_occupancy.c.booked)
    )
    return row.scalar_one_or_none()


async def occupancy(conn: AsyncConnection, session_id: str) -> tuple[int, int] | None:
    row = (
        await conn.execute(
            select(session_occupancy.c.capacity, session_occupancy.c.booked).where(
                session_occupancy.c.session_id == session_id
            )
        )
    ).first()
    return (row.capacity, row.booked) if row else None


# One booking's extras and refund request, read with its row (a correlated subquery each)
# instead of two more statements: a booking is read or moved at every step of its saga.
_EXTRAS_JSON = literal_column(
    "(SELECT jsonb_agg(jsonb_build_array(e.extra_id, e.name, e.quantity, e.unit_price_minor,"
    " e.pricing_unit)"
    " ORDER BY e.extra_id) FROM bookings.booking_extras e WHERE e.booking_id = bookings.bookings.id)",
    JSONB,
).label("extras_json")
_REFUND_JSON = literal_column(
    "(SELECT to_jsonb(r) FROM bookings.refund_requests r WHERE r.booking_id = bookings.bookings.id)",
    JSONB,
).label("refund_json")
_GET_BOOKING = select(bookings, _EXTRAS_JSON, _REFUND_JSON).where(bookings.c.id == bindparam("booking_id"))


def _booking_with_its_lines(row: Row[Any]) -> Booking:
    """A booking from a row read with `_EXTRAS_JSON` and `_REFUND_JSON`."""
    extras = [
        ExtraLine(str(e), str(name), int(q), int(p), str(unit))
        for e, name, q, p, unit in row.extras_json or ()
    ]
    refund = None
    if row.refund_json is not None:
        r = row.refund_json
        refund = RefundRequest(
            saga_id=r["saga_id"],
            percent=r["percent"],
            card_minor=r["card_minor"],
            wallet_minor=r["wallet_minor"],
            credits=r["credits"],
            status=r["status"],
            created_at=datetime.fromisoformat(r["created_at"]),
            desk_minor=r["desk_minor"],
        )
    return _booking_from_row(row, extras, refund)


async def get_booking(conn: AsyncConnection, booking_id: str) -> Booking | None:
    row = (await conn.execute(_GET_BOOKING, {"booking_id": booking_id})).first()
    return _booking_with_its_lines(row) if row is not None else None


_GET_COMPANY_BOOKINGS = (
    select(bookings, _EXTRAS_JSON, _REFUND_JSON)
    .where(
        bookings.c.company_id == bindparam("company_id"), bookings.c.id.in_(bindparam("ids", expanding=True))
    )
    .order_by(bookings.c.id)
)


async def get_company_bookings(conn: AsyncConnection, company_id: str, ids: Sequence[str]) -> list[Booking]:
    """The company's bookings among `ids` (another company's are left out), in one statement."""
    rows = await conn.execute(_GET_COMPANY_BOOKINGS, {"company_id": company_id, "ids": list(ids)})
    return [_booking_with_its_lines(row) for row in rows]


# A company's bookings of a period up to this long may be found by the period, then sorted.
SHORT_PERIOD = timedelta(days=31)
# How many of a company's newest bookings are looked at first for a period's page.
PROBE_ROWS = 500


async def list_bookings(
    conn: AsyncConnection,
    *,
    customer_id: str = "",
    session_id: str = "",
    resource_id: str = "",
    company_id: str = "",
    overlapping: tuple[datetime, datetime] | None = None,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
    statuses: Sequence[BookingStatus] = (),
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Booking]:
    """Newest first, keyset-paged on (created_at, id); `overlapping` keeps the bookings
    whose time overlaps [from, until), and so do `since` and `until` each on its own side;
    `statuses` keeps those in one of them."""
    conditions: list[Any] = []
    for column, value in (
        (bookings.c.customer_id, customer_id),
        (bookings.c.session_id, session_id),
        (bookings.c.resource_id, resource_id),
        (bookings.c.company_id, company_id),
    ):
        if value:
            conditions.append(column == value)
    if statuses:
        conditions.append(bookings.c.status.in_([status.value for status in statuses]))
    if after is not None:
        created, after_id = after
        last_id = str(after_id)
        conditions.append(
            or_(
                bookings.c.created_at < created,
                and_(bookings.c.created_at == created, bookings.c.id < last_id),
            )
        )
    period = overlapping
    if period is None and since is not None and until is not None:
        period = (since, until)
    if (
        period is not None
        and not (customer_id or session_id or resource_id)
        and timedelta(0) < period[1] - period[0] <= SHORT_PERIOD
    ):
        if overlapping is not None and since is not None:
            conditions.append(bookings.c.end_time > since)
        if overlapping is not None and until is not None:
            conditions.append(bookings.c.start_time < until)
        return await _bookings_of_period(conn, conditions, period, limit)
    if overlapping is not None:
        day_start, day_end = overlapping
        conditions += [bookings.c.start_time < day_end, bookings.c.end_time > day_start]
    if since is not None:
        conditions.append(bookings.c.end_time > since)
    if until is not None:
        conditions.append(bookings.c.start_time < until)
    newest_first = (bookings.c.created_at.desc(), bookings.c.id.desc())
    statement = select(bookings).where(*conditions).order_by(*newest_first).limit(limit)
    return await _with_extras(conn, (await conn.execute(statement)).all())


async def _bookings_of_period(
    conn: AsyncConnection, conditions: list[Any], period: tuple[datetime, datetime], limit: int
) -> list[Booking]:
    """A company's page of the bookings whose [start, end) overlaps a short period.

    Walked newest first, a past period's bookings sit behind every booking made since (65-90
    ms for a week 40 days back at 200,000 bookings; bench/backoffice.py), and no planner
    estimate sees that. So the newest PROBE_ROWS are looked at first: when they hold a full
    page, it is the page (the page's rows are the first matches in the order). Otherwise the
    period's bookings' keys are read from the GiST index on their period (0010, covering: no
    heap visit) and sorted; MATERIALIZED keeps the planner from walking anyway."""
    newest_first = (bookings.c.created_at.desc(), bookings.c.id.desc())
    recent = select(bookings).where(*conditions).order_by(*newest_first).limit(PROBE_ROWS).subquery()
    probe = (
        select(recent)
        .where(recent.c.start_time < period[1], recent.c.end_time > period[0])
        .order_by(recent.c.created_at.desc(), recent.c.id.desc())
        .limit(limit)
    )
    rows = (await conn.execute(probe)).all()
    if len(rows) == limit:
        return await _with_extras(conn, rows)
    keys = (
        select(bookings.c.id, bookings.c.created_at)
        .where(
            *conditions,
            func.tstzrange(bookings.c.start_time, bookings.c.end_time).op("&&")(
                func.tstzrange(period[0], period[1])
            ),
        )
        .cte("in_period")
        .prefix_with("MATERIALIZED")
    )
    page = select(keys.c.id).order_by(keys.c.created_at.desc(), keys.c.id.desc()).limit(limit)
    rows = (await conn.execute(select(bookings).where(bookings.c.id.in_(page)).order_by(*newest_first))).all()
    return await _with_extras(conn, rows)


_EXTRAS_OF = select(booking_extras).where(one_of(booking_extras.c.booking_id, "ids"))
_REFUND_REQUESTS_OF = select(refund_requests).where(one_of(refund_requests.c.booking_id, "ids"))


async def _with_extras(conn: AsyncConnection, rows: Sequence[Row[Any]]) -> list[Booking]:
    if not rows:
        return []
    ids = [row.id for row in rows]
    lines: dict[str, list[ExtraLine]] = {}
    extra_rows = await conn.execute(_EXTRAS_OF, {"ids": ids})
    for extra in extra_rows:
        lines.setdefault(extra.booking_id, []).append(
            ExtraLine(extra.extra_id, extra.name, extra.quantity, extra.unit_price_minor, extra.pricing_unit)
        )
    refunds = {
        refund.booking_id: RefundRequest(
            saga_id=refund.saga_id,
            percent=refund.percent,
            card_minor=refund.card_minor,
            wallet_minor=refund.wallet_minor,
            credits=refund.credits,
            status=refund.status,
            created_at=refund.created_at,
            desk_minor=refund.desk_minor,
        )
        for refund in await conn.execute(_REFUND_REQUESTS_OF, {"ids": ids})
    }
    return [_booking_from_row(row, lines.get(row.id, ()), refunds.get(row.id)) for row in rows]


# A booking's move: the status and the caller's fields are SET from the names bound at
# execution; WHERE binds other names (SQLAlchemy keeps a column's own name for SET).
_TRANSITION_BOOKING = (
    update(bookings)
    .where(
        bookings.c.id == bindparam("booking_key"),
        bookings.c.status.in_(bindparam("from_statuses", expanding=True)),
    )
    .values(updated_at=func.now())
    .returning(*bookings.c, _EXTRAS_JSON, _REFUND_JSON)
)
_TRANSITION_BOOKING_AFTER_SAGA = _TRANSITION_BOOKING.where(
    select(sagas.c.id)
    .where(sagas.c.id == bookings.c.saga_id, sagas.c.state == SagaState.COMPLETED.value)
    .exists(),
    bookings.c.changing_saga_id.is_(None),
)


async def transition_booking(
    conn: AsyncConnection,
    booking_id: str,
    *,
    from_statuses: Iterable[BookingStatus],
    to_status: BookingStatus,
    only_after_saga_completed: bool = False,
    events: list[OutboxRow] | None = None,
    **fields: Any,
) -> Booking | None:
    """Moves a booking only from the given statuses; None when it was elsewhere.

    `only_after_saga_completed` also requires the booking's own saga to have finished its
    forward steps (captured, consumed), and no period change to be running, so a refund
    never races a capture or a change's payment.

    The move's status event is written to the outbox here, or, given `events`, appended to
    it for the caller to write with its next statement (the saga's save takes it along).
    """
    statement = _TRANSITION_BOOKING_AFTER_SAGA if only_after_saga_completed else _TRANSITION_BOOKING
    row = (
        await conn.execute(
            statement,
            {
                "booking_key": booking_id,
                "from_statuses": [status.value for status in from_statuses],
                "status": to_status.value,
                **fields,
            },
        )
    ).first()
    if row is None:
        return None
    booking = _booking_with_its_lines(row)
    event = status_event(
        booking_id=booking.id,
        company_id=booking.company_id,
        customer_id=booking.customer_id,
        status=booking.status,
        reject_reason=booking.reject_reason,
        at=row.updated_at,
    )
    if events is not None:
        events.append(event)
    else:
        await _insert_event(conn, event)
    return booking


_INSERT_EVENT = outbox_insert(outbox)


async def _insert_event(conn: AsyncConnection, event: OutboxRow) -> None:
    await insert_outbox_rows(conn, outbox, [event])


async def publish_status(
    conn: AsyncConnection,
    *,
    booking_id: str,
    company_id: str,
    customer_id: str,
    status: BookingStatus,
    at: datetime,
    reject_reason: str = "",
    event: str = "",
) -> None:
    """One status event into the outbox (see `transition_booking`); the lifecycle's moves (the
    sweep's and the desk's no-shows, the desk overturning one) publish through it from the rows
    they updated. `event` names the subject when it is not the status itself."""
    await _insert_event(
        conn,
        status_event(
            booking_id=booking_id,
            company_id=company_id,
            customer_id=customer_id,
            status=status,
            at=at,
            reject_reason=reject_reason,
            event=event,
        ),
    )


def status_event(
    *,
    booking_id: str,
    company_id: str,
    customer_id: str,
    status: BookingStatus,
    at: datetime,
    reject_reason: str = "",
    event: str = "",
) -> OutboxRow:
    """The booking's new status on `bookings.events.<event or status>` as its outbox row (the
    gateway turns them into webhooks and e-mails); the row's id is the event id."""
    message = Struct()
    message.update(
        {
            "booking_id": booking_id,
            "company_id": company_id,
            "customer_id": customer_id,
            "status": status.value,
            "reject_reason": reject_reason,
            "occurred_at": at.isoformat(),
        }
    )
    subject = booking_event_subject(event or status.value)
    return OutboxRow(str(uuid.uuid4()), subject, message.SerializeToString(), {})


_INSERT_SAGA_SQL = (
    "INSERT INTO bookings.sagas (id, booking_id, company_id, kind, state, current_step, attempt,"
    " deadline, data, trace_id, command_id, step_timeout) VALUES (:saga_id, :booking_id,"
    " :company_id, :kind, :state, :current_step, :attempt, now() + CAST(:deadline_in AS interval),"
    " :data, :trace_id, :command_id, CAST(:step_timeout AS interval))"
)


def _one_statement(*parts: str) -> str:
    """Writes made one statement: every part but the last a data-modifying CTE (PostgreSQL
    runs each exactly once, referenced or not; foreign keys are checked at the statement's
    end, when every part's rows are there)."""
    *first, last = parts
    if not first:
        return last
    return "WITH " + ", ".join(f"part_{n} AS ({sql})" for n, sql in enumerate(first)) + f" {last}"


@functools.cache
def _insert_saga_with_steps(steps: int, messages: int) -> TextClause:
    """A new saga, its first step-log rows and the messages its first transition queued
    (its first command), one statement."""
    parts = [_INSERT_SAGA_SQL]
    if messages:
        parts.append(outbox_rows_sql(outbox, messages))
    if steps:
        parts.append(_insert_steps_sql(steps))
    return text(_one_statement(*parts)).bindparams(
        bindparam("data", type_=JSONB),
        bindparam("deadline_in", type_=Interval),
        bindparam("step_timeout", type_=Interval),
        *outbox_rows_params(messages),
    )


async def insert_saga(
    conn: AsyncConnection,
    saga: Saga,
    *,
    company_id: str,
    trace_id: str,
    deadline_in: timedelta | None,
    command_id: str | None = None,
    steps: Sequence[StepLogEntry] = (),
    messages: Sequence[OutboxRow] = (),
) -> None:
    """A new saga, with the step-log rows of its first transition and the outbox rows of the
    messages it queued. With `command_id` (its first command, one of `messages`) the
    deadline waits for the relay to publish it, as in `save_saga`."""
    values = _saga_values(saga, company_id, trace_id, deadline_in, command_id, steps, messages)
    await conn.execute(_insert_saga_with_steps(len(steps), len(messages)), values)


def _saga_values(
    saga: Saga,
    company_id: str,
    trace_id: str,
    deadline_in: timedelta | None,
    command_id: str | None,
    steps: Sequence[StepLogEntry],
    messages: Sequence[OutboxRow],
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "saga_id": saga.id,
        "booking_id": saga.booking_id,
        "company_id": company_id,
        "kind": saga.kind.value,
        "state": saga.state.value,
        "current_step": saga.current_step or "",
        "attempt": saga.attempt,
        "deadline_in": deadline_in or None,
        "data": saga.to_data(),
        "trace_id": trace_id,
        "command_id": None,
        "step_timeout": None,
        **_step_values(steps),
        **outbox_rows_values(messages),
    }
    if command_id is not None and deadline_in is not None:
        values.update(deadline_in=None, command_id=command_id, step_timeout=deadline_in)
    return values


@dataclass(frozen=True)
class SagaStart:
    """A new saga's first save: the saga as its first transition left it, its step-log rows
    and the messages it queued (its first command), as `insert_saga` takes them; built in
    the request's context (the commands carry its trace), written alone or in a group."""

    saga: Saga
    company_id: str
    trace_id: str
    deadline_in: timedelta | None
    command_id: str | None
    steps: Sequence[StepLogEntry]
    messages: Sequence[OutboxRow]


async def insert_saga_starts(conn: AsyncConnection, starts: Sequence[SagaStart]) -> None:
    """`insert_saga` of each `SagaStart`, one round trip per shape: the starts of one shape
    (as many step-log rows and messages) are sent together, in their order (`executemany`,
    which psycopg sends as one pipeline: every statement, then one sync)."""
    shapes: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for start in starts:
        values = _saga_values(
            start.saga,
            start.company_id,
            start.trace_id,
            start.deadline_in,
            start.command_id,
            start.steps,
            start.messages,
        )
        shapes.setdefault((len(start.steps), len(start.messages)), []).append(values)
    for (steps, messages), rows in shapes.items():
        await conn.execute(_insert_saga_with_steps(steps, messages), rows)


# NO KEY UPDATE: the step log's foreign key takes KEY SHARE locks on this row.
_LOCK_SAGA = (
    select(sagas.c.data, sagas.c.company_id)
    .where(sagas.c.id == bindparam("saga_id"))
    .with_for_update(key_share=True)
)


# The saga row locked with its booking read (not locked) in the same statement: a reply
# needs both.
_LOCK_SAGA_WITH_BOOKING = (
    select(sagas.c.data.label("saga_data"), bookings, _EXTRAS_JSON, _REFUND_JSON)
    .join_from(sagas, bookings, bookings.c.id == sagas.c.booking_id)
    .where(sagas.c.id == bindparam("saga_id"))
    .with_for_update(key_share=True, of=sagas)
)


async def lock_saga_with_booking(conn: AsyncConnection, saga_id: str) -> tuple[Saga, Booking] | None:
    """The saga row, locked as `lock_saga` does, and its booking."""
    row = (await conn.execute(_LOCK_SAGA_WITH_BOOKING, {"saga_id": saga_id})).first()
    return (Saga.from_data(row.saga_data), _booking_with_its_lines(row)) if row else None


_LOCK_SAGAS_WITH_BOOKINGS = (
    select(
        sagas.c.id.label("locked_saga_id"),
        sagas.c.data.label("saga_data"),
        bookings,
        _EXTRAS_JSON,
        _REFUND_JSON,
    )
    .join_from(sagas, bookings, bookings.c.id == sagas.c.booking_id)
    .where(one_of(sagas.c.id, "saga_ids"))
    .order_by(sagas.c.id)
    .with_for_update(key_share=True, of=sagas)
)


async def lock_sagas_with_bookings(
    conn: AsyncConnection, saga_ids: Sequence[str]
) -> dict[str, tuple[Saga, Booking]]:
    """`lock_saga_with_booking` of many sagas in one statement, locked in id order (the order
    every other locker of several sagas takes them in); an unknown id is left out."""
    rows = await conn.execute(_LOCK_SAGAS_WITH_BOOKINGS, {"saga_ids": list(saga_ids)})
    return {
        str(row.locked_saga_id): (Saga.from_data(row.saga_data), _booking_with_its_lines(row)) for row in rows
    }


async def lock_saga(conn: AsyncConnection, saga_id: str) -> tuple[Saga, str] | None:
    """The saga row, locked: replies and the sweeper for one saga are serialized here."""
    row = (await conn.execute(_LOCK_SAGA, {"saga_id": saga_id})).first()
    return (Saga.from_data(row.data), row.company_id) if row else None


@functools.cache
def _save_saga(deadline: str, needs_attention: bool, steps: int, messages: int) -> TextClause:
    """A saga's save (`deadline`: "keep", "command", "in" or "none"), its transition's
    step-log rows and the messages it queued, one statement."""
    sets = ["state = :state", "current_step = :current_step", "attempt = :attempt", "data = :data"]
    sets += ["version = version + 1", "updated_at = now()"]
    params = [bindparam("data", type_=JSONB)]
    if deadline == "command":
        sets += [
            "deadline = NULL",
            "command_id = :command_id",
            "step_timeout = CAST(:step_timeout AS interval)",
        ]
        params.append(bindparam("step_timeout", type_=Interval))
    elif deadline == "in":
        sets += [
            "deadline = now() + CAST(:deadline_in AS interval)",
            "command_id = NULL",
            "step_timeout = NULL",
        ]
        params.append(bindparam("deadline_in", type_=Interval))
    elif deadline == "none":
        sets += ["deadline = NULL", "command_id = NULL", "step_timeout = NULL"]
    if needs_attention:
        sets.append("needs_attention = :needs_attention")
    update_sql = f"UPDATE bookings.sagas SET {', '.join(sets)} WHERE id = :saga_id"
    parts = [outbox_rows_sql(outbox, messages)] if messages else []
    if steps:
        parts.append(_insert_steps_sql(steps))
    return text(_one_statement(*parts, update_sql)).bindparams(*params, *outbox_rows_params(messages))


async def save_saga(
    conn: AsyncConnection,
    saga: Saga,
    *,
    deadline_in: timedelta | None = None,
    keep_deadline: bool = False,
    needs_attention: bool | None = None,
    command_id: str | None = None,
    steps: Sequence[StepLogEntry] = (),
    messages: Sequence[OutboxRow] = (),
) -> None:
    """Saves the saga, with the step-log rows of the transition and the outbox rows of the
    messages it queued. With `command_id` (a command was queued in this transaction) the
    deadline waits for the relay to publish it (`start_step_deadlines`); otherwise it is
    now + `deadline_in` (or none)."""
    values: dict[str, Any] = {
        "saga_id": saga.id,
        "state": saga.state.value,
        "current_step": saga.current_step or "",
        "attempt": saga.attempt,
        "data": saga.to_data(),
        **_step_values(steps),
        **outbox_rows_values(messages),
    }
    if keep_deadline:
        deadline = "keep"
    elif command_id is not None and deadline_in is not None:
        deadline = "command"
        values.update(command_id=command_id, step_timeout=deadline_in)
    elif deadline_in:
        deadline = "in"
        values["deadline_in"] = deadline_in
    else:
        deadline = "none"
    if needs_attention is not None:
        values["needs_attention"] = needs_attention
    await conn.execute(_save_saga(deadline, needs_attention is not None, len(steps), len(messages)), values)


async def set_payment_method(conn: AsyncConnection, booking_id: str, payment_method_id: str) -> Booking:
    row = (
        await conn.execute(
            update(bookings)
            .where(bookings.c.id == booking_id)
            .values(payment_method_id=payment_method_id, pay_later=False, updated_at=func.now())
            .returning(*bookings.c)
        )
    ).one()
    [booking] = await _with_extras(conn, [row])
    return booking


async def set_cancel_reason(conn: AsyncConnection, booking_id: str, reason: str) -> None:
    """Why the company gave up a booking that had nothing to refund (an unpaid pay-later one)."""
    await conn.execute(
        update(bookings)
        .where(bookings.c.id == booking_id)
        .values(cancel_reason=reason, updated_at=func.now())
    )


async def insert_refund_request(conn: AsyncConnection, booking_id: str, refund: RefundRequest) -> None:
    """The primary key on booking_id refuses a second request for the same booking."""
    await conn.execute(
        insert(refund_requests).values(
            booking_id=booking_id,
            saga_id=refund.saga_id,
            percent=refund.percent,
            card_minor=refund.card_minor,
            wallet_minor=refund.wallet_minor,
            credits=refund.credits,
            desk_minor=refund.desk_minor,
        )
    )


_COMPLETE_REFUND_REQUEST = (
    update(refund_requests)
    .where(
        refund_requests.c.booking_id == bindparam("refunded_booking"),
        refund_requests.c.status != "REFUNDED",
        bookings.c.id == refund_requests.c.booking_id,
    )
    .values(status="REFUNDED", updated_at=func.now())
    .returning(
        bookings.c.company_id,
        bookings.c.customer_id,
        refund_requests.c.percent,
        refund_requests.c.card_minor,
        refund_requests.c.wallet_minor,
        refund_requests.c.credits,
        refund_requests.c.desk_minor,
        refund_requests.c.updated_at,
    )
)


async def complete_refund_request(conn: AsyncConnection, booking_id: str) -> None:
    """The refund is done; published as `bookings.events.refund_completed` (once: only the
    move from REQUESTED answers a row)."""
    row = (await conn.execute(_COMPLETE_REFUND_REQUEST, {"refunded_booking": booking_id})).first()
    if row is None:
        return
    event = Struct()
    event.update(
        {
            "booking_id": booking_id,
            "company_id": row.company_id,
            "customer_id": row.customer_id,
            "status": "REFUNDED",
            "refund": {
                "percent": row.percent,
                "card_minor": row.card_minor,
                "wallet_minor": row.wallet_minor,
                "credits": row.credits,
                "desk_minor": row.desk_minor,
            },
            "occurred_at": row.updated_at.isoformat(),
        }
    )
    await conn.execute(
        _INSERT_EVENT,
        {
            "id": str(uuid.uuid4()),
            "subject": booking_event_subject("refund_completed"),
            "payload": event.SerializeToString(),
            "headers": {},
        },
    )


_START_STEP_DEADLINES = (
    update(sagas)
    .where(
        one_of(sagas.c.id, "saga_ids"),
        one_of(sagas.c.command_id, "published"),
        sagas.c.deadline.is_(None),
        sagas.c.state.not_in(TERMINAL_STATES),
    )
    # clock_timestamp(): after the publish was acknowledged, not when the relay's
    # transaction began.
    .values(deadline=func.clock_timestamp() + sagas.c.step_timeout)
)


async def start_step_deadlines(conn: AsyncConnection, published: list[str]) -> None:
    """The outbox relay's hook, in the transaction that marks these messages sent: a saga
    whose awaited command is among them gets its deadline, publish time + its step timeout.
    A saga that moved on meanwhile (its reply came first) awaits another command and is
    left alone; the row lock makes that check and the reply's update take turns."""
    saga_ids = {saga_id for message_id in published if (saga_id := _saga_of(message_id))}
    if not saga_ids:
        return
    await conn.execute(_START_STEP_DEADLINES, {"saga_ids": sorted(saga_ids), "published": published})


def _saga_of(message_id: str) -> str | None:
    """The saga id of a command's message id (`<saga>:<step>:<action>:<attempt>`)."""
    try:
        return str(uuid.UUID(message_id.split(":", 1)[0]))
    except ValueError:
        return None


async def claim_due_sagas(conn: AsyncConnection, limit: int) -> list[str]:
    """Sagas past their deadline, locked; other replicas skip them."""
    rows = await conn.execute(
        select(sagas.c.id)
        .where(sagas.c.state.not_in(TERMINAL_STATES), sagas.c.deadline < func.now())
        .order_by(sagas.c.deadline)
        .limit(limit)
        .with_for_update(skip_locked=True, key_share=True)
    )
    return [row.id for row in rows]


_STEP_COLUMNS = (
    "step",
    "kind",
    "action",
    "attempt",
    "outcome",
    "message_id",
    "amount_minor",
    "bonus_minor",
    "reference",
)


def _insert_steps_sql(count: int) -> str:
    """The INSERT of `count` step-log rows in one statement. PostgreSQL inserts the rows of a
    VALUES list in their order, so the log's ids keep the order the entries were given in."""
    rows = ", ".join(
        "(:saga_id, " + ", ".join(f":{column}_{n}" for column in _STEP_COLUMNS) + ")" for n in range(count)
    )
    return f"INSERT INTO bookings.saga_steps (saga_id, {', '.join(_STEP_COLUMNS)}) VALUES {rows}"


@functools.cache
def _insert_steps(count: int) -> TextClause:
    return text(_insert_steps_sql(count))


def _step_values(entries: Iterable[StepLogEntry]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for n, entry in enumerate(entries):
        values.update(
            {
                f"step_{n}": entry.step,
                f"kind_{n}": entry.kind.value,
                f"action_{n}": entry.action,
                f"attempt_{n}": entry.attempt,
                f"outcome_{n}": entry.outcome,
                f"message_id_{n}": entry.message_id,
                f"amount_minor_{n}": entry.amount_minor,
                f"bonus_minor_{n}": entry.bonus_minor,
                f"reference_{n}": entry.reference,
            }
        )
    return values


async def log_steps(conn: AsyncConnection, saga_id: str, entries: Sequence[StepLogEntry]) -> None:
    """Step-log rows alone (a transition that saves no saga: an ignored reply)."""
    if entries:
        await conn.execute(_insert_steps(len(entries)), {"saga_id": saga_id, **_step_values(entries)})


async def get_saga(conn: AsyncConnection, saga_id: str, *, with_steps: bool) -> SagaRecord | None:
    row = (await conn.execute(select(sagas).where(sagas.c.id == saga_id))).first()
    if row is None:
        return None
    if not with_steps:
        return _saga_record(row)
    steps = (
        await conn.execute(
            select(saga_steps).where(saga_steps.c.saga_id == saga_id).order_by(saga_steps.c.id)
        )
    ).all()
    return _saga_record(row, tuple(_logged_step(step) for step in steps))


def _saga_record(row: Row[Any], steps: tuple[LoggedStep, ...] = ()) -> SagaRecord:
    return SagaRecord(
        id=row.id,
        booking_id=row.booking_id,
        company_id=row.company_id,
        kind=row.kind,
        state=row.state,
        current_step=row.current_step,
        attempt=row.attempt,
        deadline=row.deadline,
        created_at=row.created_at,
        updated_at=row.updated_at,
        needs_attention=row.needs_attention,
        reason=row.data.get("reason", ""),
        steps=steps,
        trace_id=row.trace_id,
    )


def _logged_step(row: Row[Any]) -> LoggedStep:
    return LoggedStep(
        step=row.step,
        kind=row.kind,
        action=row.action,
        attempt=row.attempt,
        outcome=row.outcome,
        message_id=row.message_id,
        created_at=row.created_at,
        amount_minor=row.amount_minor,
        bonus_minor=row.bonus_minor,
        reference=row.reference,
    )


@dataclass(frozen=True)
class SagaFilters:
    """What the operators' saga list filters on ("" / 0 / False / None: any)."""

    state: str = ""
    company_id: str = ""
    current_step: str = ""
    min_age_seconds: int = 0
    needs_attention: bool = False
    kind: str = ""
    # A saga, booking or customer id, or a step reply's reference (a payment id).
    search_id: str = ""
    created_after: datetime | None = None
    created_before: datetime | None = None


def _in_scope_and_range(query: Select[Any], filters: SagaFilters) -> Select[Any]:
    if filters.company_id:
        query = query.where(sagas.c.company_id == filters.company_id)
    if filters.created_after is not None:
        query = query.where(sagas.c.created_at >= filters.created_after)
    if filters.created_before is not None:
        query = query.where(sagas.c.created_at < filters.created_before)
    return query


def _filtered(query: Select[Any], filters: SagaFilters) -> Select[Any]:
    query = _in_scope_and_range(query, filters)
    if filters.state:
        query = query.where(sagas.c.state == filters.state)
    if filters.kind:
        query = query.where(sagas.c.kind == filters.kind)
    if filters.current_step:
        query = query.where(sagas.c.current_step == filters.current_step)
    if filters.min_age_seconds:
        query = query.where(sagas.c.created_at <= func.now() - timedelta(seconds=filters.min_age_seconds))
    if filters.needs_attention:
        # The plain column (NOT NULL), so that the partial index ix_sagas_attention applies.
        query = query.where(sagas.c.needs_attention)
    if filters.search_id:
        # Each branch by its own index (primary key, ix_sagas_booking, ix_bookings_customer);
        # a reply's reference is read from the step log.
        found = filters.search_id
        named = union(
            select(sagas.c.id).where(sagas.c.id == found),
            select(sagas.c.id).where(sagas.c.booking_id == found),
            select(sagas.c.id)
            .join(bookings, bookings.c.id == sagas.c.booking_id)
            .where(bookings.c.customer_id == found),
            select(saga_steps.c.saga_id).where(saga_steps.c.reference == found),
        )
        query = query.where(sagas.c.id.in_(select(named.subquery().c.id)))
    return query


async def count_sagas(conn: AsyncConnection, filters: SagaFilters) -> int:
    """How many sagas match every filter."""
    found = await conn.execute(_filtered(select(func.count()).select_from(sagas), filters))
    return int(found.scalar_one())


async def count_sagas_by_kind_and_state(conn: AsyncConnection, filters: SagaFilters) -> list[SagaCount]:
    """The sagas of the company and time range (the other filters left out) by kind and state;
    of a search by id, the matches' (counting a company's every saga for one id's few is no use)."""
    counted = select(sagas.c.kind, sagas.c.state, func.count())
    query = _filtered(counted, filters) if filters.search_id else _in_scope_and_range(counted, filters)
    found = await conn.execute(
        query.group_by(sagas.c.kind, sagas.c.state).order_by(sagas.c.kind, sagas.c.state)
    )
    return [SagaCount(kind=row[0], state=row[1], count=int(row[2])) for row in found]


async def count_sagas_by_bucket(
    conn: AsyncConnection, filters: SagaFilters, origin: datetime, bucket_seconds: int
) -> list[SagaBucket]:
    """The sagas of the company and time range (as the counts) per bucket of `bucket_seconds`
    from `origin`, with how many of them are COMPLETED and COMPENSATED now; oldest first."""
    bucket = func.date_bin(timedelta(seconds=bucket_seconds), sagas.c.created_at, origin).label("bucket")
    # A terminal saga's last save is its end: updated_at - created_at is its time to terminal.
    to_terminal = func.extract("epoch", sagas.c.updated_at - sagas.c.created_at)
    terminal = sagas.c.state.in_(TERMINAL_STATES)
    counted = select(
        bucket,
        func.count(),
        func.count().filter(sagas.c.state == SagaState.COMPLETED.value),
        func.count().filter(sagas.c.state == SagaState.COMPENSATED.value),
        func.percentile_cont(0.5).within_group(to_terminal).filter(terminal),
        func.percentile_cont(0.95).within_group(to_terminal).filter(terminal),
    )
    query = _filtered(counted, filters) if filters.search_id else _in_scope_and_range(counted, filters)
    found = await conn.execute(query.group_by(bucket).order_by(bucket))
    return [
        SagaBucket(row[0], int(row[1]), int(row[2]), int(row[3]), float(row[4] or 0), float(row[5] or 0))
        for row in found
    ]


# The reasons of a dashboard are a short table: the most frequent ones.
MAX_REASONS = 20


async def count_compensation_reasons(conn: AsyncConnection, filters: SagaFilters) -> list[ReasonCount]:
    """The compensated sagas of the company and time range (as the counts) by the reason the
    saga gave (`data->>'reason'`), most frequent first."""
    reason = func.coalesce(sagas.c.data["reason"].astext, "").label("reason")
    counted = select(reason, func.count().label("n")).where(sagas.c.state == SagaState.COMPENSATED.value)
    query = _filtered(counted, filters) if filters.search_id else _in_scope_and_range(counted, filters)
    found = await conn.execute(
        query.group_by(reason).order_by(func.count().desc(), reason).limit(MAX_REASONS)
    )
    return [ReasonCount(reason=row.reason, count=int(row.n)) for row in found]


async def list_sagas(
    conn: AsyncConnection,
    filters: SagaFilters,
    *,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
) -> list[SagaRecord]:
    query = _filtered(select(sagas), filters)
    if after is not None:
        created, after_id = after
        last_id = str(after_id)
        query = query.where(
            or_(sagas.c.created_at < created, and_(sagas.c.created_at == created, sagas.c.id < last_id))
        )
    found = await conn.execute(query.order_by(sagas.c.created_at.desc(), sagas.c.id.desc()).limit(limit))
    return [_saga_record(row) for row in found]


# -- the reservation engine's holds ----------------------------------------------------


async def hold_unit_nights(
    conn: AsyncConnection,
    *,
    booking_id: str,
    resource_id: str,
    company_id: str,
    units: Sequence[str],
    nights: Sequence[date],
) -> str | None:
    """Takes the first unit free on every night, or None. One row per unit-night: the
    primary key is the judge. Each unit is tried in a savepoint, nights in ascending order
    (the same order for everyone, so two stays never deadlock)."""
    for unit_id in units:
        savepoint = await conn.begin_nested()
        taken = await conn.execute(
            upsert(unit_nights)
            .values(
                [
                    {
                        "unit_id": unit_id,
                        "night": night,
                        "booking_id": booking_id,
                        "resource_id": resource_id,
                        "company_id": company_id,
                    }
                    for night in sorted(nights)
                ]
            )
            .on_conflict_do_nothing()
            .returning(unit_nights.c.night)
        )
        if len(taken.all()) == len(nights):
            await savepoint.commit()
            await conn.execute(update(bookings).where(bookings.c.id == booking_id).values(unit_id=unit_id))
            return unit_id
        await savepoint.rollback()
    return None


async def hold_interval(
    conn: AsyncConnection,
    *,
    booking_id: str,
    resource_id: str,
    company_id: str,
    blocked_from: datetime,
    blocked_until: datetime,
) -> bool:
    """Blocks [from, until) of the resource; the exclusion constraint refuses an overlap."""
    await conn.execute(upsert(interval_resources).values(resource_id=resource_id).on_conflict_do_nothing())
    key = (
        await conn.execute(
            select(interval_resources.c.resource_key).where(interval_resources.c.resource_id == resource_id)
        )
    ).scalar_one()
    savepoint = await conn.begin_nested()
    try:
        await conn.execute(
            insert(interval_holds).values(
                booking_id=booking_id,
                resource_id=resource_id,
                resource_key=key,
                company_id=company_id,
                blocked=Range(blocked_from, blocked_until, bounds="[)"),
            )
        )
    except IntegrityError as error:
        await savepoint.rollback()
        if getattr(error.orig, "sqlstate", "") == "23P01":  # exclusion_violation
            return False
        raise
    await savepoint.commit()
    return True


# One more active booking of a customer on a resource, within the limit (0: none). One
# statement: no row comes back when the limit is reached.
def _count_active_sql(after: str = "") -> str:
    """`after`: the CTE whose row the count follows (none: counted unconditionally)."""
    return (
        "INSERT INTO bookings.customer_active_bookings (customer_id, resource_id, active)"
        f" SELECT :customer_id, :resource_id, 1{f' FROM {after}' if after else ''}"
        " ON CONFLICT (customer_id, resource_id) DO UPDATE SET active = customer_active_bookings.active + 1"
        " WHERE :active_limit = 0 OR customer_active_bookings.active + 1 <= :active_limit"
        " RETURNING active"
    )


_COUNT_ACTIVE = text(_count_active_sql())
_OF_CUSTOMER_AND_RESOURCE = (
    customer_active_bookings.c.customer_id == bindparam("customer_key"),
    customer_active_bookings.c.resource_id == bindparam("resource_key"),
)
_UNCOUNT_ACTIVE = (
    update(customer_active_bookings)
    .where(*_OF_CUSTOMER_AND_RESOURCE, customer_active_bookings.c.active > 0)
    .values(active=customer_active_bookings.c.active - 1)
)


async def count_active_booking(
    conn: AsyncConnection, *, customer_id: str, resource_id: str, limit: int
) -> bool:
    """Counts one more active booking of the customer on the resource, within the limit (0 = none)."""
    counted = await conn.execute(
        _COUNT_ACTIVE, {"customer_id": customer_id, "resource_id": resource_id, "active_limit": limit}
    )
    return counted.first() is not None


async def uncount_active_booking(conn: AsyncConnection, *, customer_id: str, resource_id: str) -> None:
    await conn.execute(_UNCOUNT_ACTIVE, {"customer_key": customer_id, "resource_key": resource_id})


async def release_holds(conn: AsyncConnection, booking: Booking) -> None:
    """Frees what the booking held, whatever its model; and it no longer counts as active."""
    if booking.booking_model is BookingModel.TIME_SLOT and booking.session_id:
        await release_places(conn, session_id=booking.session_id, quantity=booking.quantity)
    elif booking.booking_model is BookingModel.NIGHTLY:
        await conn.execute(unit_nights.delete().where(unit_nights.c.booking_id == booking.id))
    elif booking.booking_model is BookingModel.INTERVAL:
        await conn.execute(interval_holds.delete().where(interval_holds.c.booking_id == booking.id))
    await uncount_active_booking(conn, customer_id=booking.customer_id, resource_id=booking.resource_id)
