"""SQL of period changes: the change marker on the booking, the request record, moving the
holds (unit-nights, the interval's blocked range), and the change's event
(`bookings.events.changed`, `changed_event`; an extension that could not be paid:
`bookings.events.change_failed`, `change_failed_event`). Every write is conditional."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from google.protobuf.struct_pb2 import Struct
from sqlalchemy import ColumnElement, Row, func, select, update
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bookings.adapters import repository as repo
from bookings.adapters.tables import (
    booking_changes,
    booking_extras,
    bookings,
    interval_holds,
    outbox,
    sagas,
    unit_nights,
)
from bookings.domain.changes import PeriodChange
from bookings.domain.model import Booking, BookingModel, BookingStatus
from bookings.domain.saga import SagaState
from plumbing.messaging import booking_event_subject
from plumbing.outbox import OutboxRow, insert_outbox_rows


async def record_request(conn: AsyncConnection, change: PeriodChange, saga_id: str | None) -> bool:
    """False when this booking already had a change with this request id."""
    inserted = await conn.execute(
        pg_insert(booking_changes)
        .values(
            id=change.change_id,
            booking_id=change.booking_id,
            request_id=change.request_id,
            target=change.target,
            saga_id=saga_id,
            old_end=change.old_end,
            new_end=change.new_end,
            difference_minor=change.difference_minor,
        )
        .on_conflict_do_nothing(constraint="uq_booking_changes_request")
        .returning(booking_changes.c.id)
    )
    return inserted.first() is not None


async def recorded_target(conn: AsyncConnection, booking_id: str, request_id: str) -> str | None:
    return (  # type: ignore[no-any-return]
        await conn.execute(
            select(booking_changes.c.target).where(
                booking_changes.c.booking_id == booking_id, booking_changes.c.request_id == request_id
            )
        )
    ).scalar_one_or_none()


async def mark_changing(conn: AsyncConnection, booking: Booking, marker: str) -> bool:
    """Takes the booking for a change: CONFIRMED, its own saga completed, no change running,
    and still the period, price and money paid (a shortening's refund and what it keeps are
    shares of it) the change was planned on. The row lock serializes changes and
    cancellations of one booking; the conditions are re-checked on the row."""
    marked = await conn.execute(
        update(bookings)
        .where(
            bookings.c.id == booking.id,
            bookings.c.status == BookingStatus.CONFIRMED.value,
            bookings.c.changing_saga_id.is_(None),
            bookings.c.end_time == booking.end_time,
            bookings.c.total_minor == booking.total_minor,
            *_stretches_as(booking),
            *_paid_as(booking),
            select(sagas.c.id)
            .where(sagas.c.id == bookings.c.saga_id, sagas.c.state == SagaState.COMPLETED.value)
            .exists(),
        )
        .values(changing_saga_id=marker, updated_at=func.now())
        .returning(bookings.c.id)
    )
    return marked.first() is not None


def _stretches_as(booking: Booking) -> list[ColumnElement[bool]]:
    """Still the stretches (each bought time's price) the change was priced on."""
    if not booking.rental_stretches:
        return [bookings.c.stretch_ends.is_(None)]
    return [
        bookings.c.stretch_ends == [end for end, _ in booking.rental_stretches],
        bookings.c.stretch_amounts_minor == [amount for _, amount in booking.rental_stretches],
    ]


def _paid_as(booking: Booking) -> list[ColumnElement[bool]]:
    return [
        bookings.c.card_charged_minor == booking.card_charged_minor,
        bookings.c.wallet_debited_minor == booking.wallet_debited_minor,
        bookings.c.bonus_debited_minor == booking.bonus_debited_minor,
        bookings.c.kept_card_minor == booking.kept_card_minor,
        bookings.c.kept_wallet_minor == booking.kept_wallet_minor,
    ]


async def paid_as_planned(conn: AsyncConnection, booking: Booking) -> bool:
    """Whether what the booking's sources paid, and the stretches its price is made of, are
    still what the change was planned on."""
    found = await conn.execute(
        select(bookings.c.id).where(bookings.c.id == booking.id, *_stretches_as(booking), *_paid_as(booking))
    )
    return found.first() is not None


async def change_state(conn: AsyncConnection, booking_id: str) -> Row[Any]:
    """Why a booking could not be taken for a change (read after `mark_changing` failed)."""
    return (
        await conn.execute(
            select(
                bookings.c.status,
                bookings.c.changing_saga_id,
                bookings.c.end_time,
                bookings.c.total_minor,
                select(sagas.c.state)
                .where(sagas.c.id == bookings.c.saga_id)
                .scalar_subquery()
                .label("saga_state"),
            ).where(bookings.c.id == booking_id)
        )
    ).one()


async def add_unit_nights(conn: AsyncConnection, booking: Booking, nights: Sequence[date]) -> bool:
    """Holds more nights of the booking's own unit; False (nothing held) when one is taken."""
    if not nights:
        return True
    savepoint = await conn.begin_nested()
    taken = await conn.execute(
        pg_insert(unit_nights)
        .values(
            [
                {
                    "unit_id": booking.unit_id,
                    "night": night,
                    "booking_id": booking.id,
                    "resource_id": booking.resource_id,
                    "company_id": booking.company_id,
                }
                for night in sorted(nights)
            ]
        )
        .on_conflict_do_nothing()
        .returning(unit_nights.c.night)
    )
    if len(taken.all()) == len(nights):
        await savepoint.commit()
        return True
    await savepoint.rollback()
    return False


async def release_unit_nights(
    conn: AsyncConnection, booking_id: str, *, since: date, until: date | None
) -> None:
    """Frees the booking's nights from `since` (until `until`, excluded, when given)."""
    condition = [unit_nights.c.booking_id == booking_id, unit_nights.c.night >= since]
    if until is not None:
        condition.append(unit_nights.c.night < until)
    await conn.execute(unit_nights.delete().where(*condition))


async def interval_blocked(conn: AsyncConnection, booking_id: str) -> tuple[datetime, datetime] | None:
    """The range the booking blocks now, locked."""
    blocked = (
        await conn.execute(
            select(interval_holds.c.blocked)
            .where(interval_holds.c.booking_id == booking_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if blocked is None:
        return None
    return blocked.lower, blocked.upper


async def set_interval_blocked(
    conn: AsyncConnection, booking_id: str, blocked: tuple[datetime, datetime]
) -> bool:
    """Replaces the booking's blocked range in a savepoint; False (nothing changed) when the
    exclusion constraint finds another booking there."""
    savepoint = await conn.begin_nested()
    try:
        await conn.execute(
            update(interval_holds)
            .where(interval_holds.c.booking_id == booking_id)
            .values(blocked=Range(blocked[0], blocked[1], bounds="[)"))
        )
    except IntegrityError as error:
        await savepoint.rollback()
        if getattr(error.orig, "sqlstate", "") == "23P01":  # exclusion_violation
            return False
        raise
    await savepoint.commit()
    return True


async def update_changed_booking(
    conn: AsyncConnection,
    booking_id: str,
    marker: str,
    *,
    period: PeriodChange | None = None,
    wallet_minor: int = 0,
    bonus_minor: int = 0,
    card_minor: int = 0,
    release_marker: bool = False,
) -> Booking | None:
    """The booking a change holds (`changing_saga_id = marker`): its new period and price when
    `period` is given, what its sources paid moved by the amounts (negative: refunded), and the
    marker released when the change is done. None when the change does not hold it."""
    values: dict[str, Any] = {
        "wallet_debited_minor": bookings.c.wallet_debited_minor + wallet_minor,
        "bonus_debited_minor": bookings.c.bonus_debited_minor + bonus_minor,
        "card_charged_minor": bookings.c.card_charged_minor + card_minor,
        "updated_at": func.now(),
    }
    if period is not None:
        values.update(
            end_time=period.new_end,
            total_minor=period.new_total_minor,
            base_minor=period.new_base_minor,
            quote_lines=[list(line) for line in period.quote_lines],
            # What the company keeps of a shortening's removed time (0 for a lengthening).
            kept_card_minor=bookings.c.kept_card_minor + period.kept_card_minor,
            kept_wallet_minor=bookings.c.kept_wallet_minor + period.kept_wallet_minor,
        )
        if period.new_check_out is not None:
            values["check_out_date"] = period.new_check_out
        if period.booking_model == BookingModel.INTERVAL.value:
            # The stretches the new price is made of (none from a change planned before they
            # were kept: one stretch of the whole period at its price, as before).
            values["stretch_ends"] = [end for end, _ in period.new_stretches] or None
            values["stretch_amounts_minor"] = [amount for _, amount in period.new_stretches] or None
    if release_marker:
        values["changing_saga_id"] = None
    row = (
        await conn.execute(
            update(bookings)
            .where(bookings.c.id == booking_id, bookings.c.changing_saga_id == marker)
            .values(**values)
            .returning(bookings.c.id)
        )
    ).first()
    if row is None:
        return None
    if period is not None:
        for extra_id, quantity in period.extras:
            await conn.execute(
                update(booking_extras)
                .where(booking_extras.c.booking_id == booking_id, booking_extras.c.extra_id == extra_id)
                .values(quantity=quantity)
            )
    return await repo.get_booking(conn, booking_id)


@dataclass(frozen=True)
class MoneyMoved:
    """What one change took from, or gave back to, the booking's sources: `wallet_minor` is all
    the wallet moved (main and bonus), `bonus_minor` the bonus part of it."""

    card_minor: int = 0
    wallet_minor: int = 0
    bonus_minor: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "card_minor": self.card_minor,
            "wallet_minor": self.wallet_minor,
            "bonus_minor": self.bonus_minor,
        }


NOTHING_MOVED = MoneyMoved()

# The subjects' last tokens: `bookings.events.changed`, `bookings.events.change_failed`.
CHANGED, CHANGE_FAILED = "changed", "change_failed"


def changed_event(
    booking: Booking,
    period: PeriodChange,
    *,
    charged: MoneyMoved = NOTHING_MOVED,
    refunded: MoneyMoved = NOTHING_MOVED,
) -> OutboxRow:
    """The change's event on `bookings.events.changed`, for the transaction that applies it (the
    gateway turns it into the `booking.changed` webhook and the customer's e-mail): the status
    events' fields (the booking, its company and customer, its status, when) and `change`: the
    period before and after, the totals, what was charged (an extension) or refunded and kept
    (a shortening, at its refund percent) by source. `booking` is the booking as changed. The
    event id is derived from the change's record id (`booking_changes.id`), so one change is one
    event: the outbox's primary key keeps a second row of it out."""
    shortened = period.difference_minor < 0
    return _change_event(
        CHANGED,
        booking,
        period,
        {
            "charged": charged.as_dict(),
            # The percent of the removed time's price given back (0: nothing was removed).
            "refunded": {**refunded.as_dict(), "percent": period.refund_percent if shortened else 0},
            "kept": {"card_minor": period.kept_card_minor, "wallet_minor": period.kept_wallet_minor},
        },
    )


def change_failed_event(booking: Booking, period: PeriodChange, reason: str) -> OutboxRow:
    """An extension that could not be paid, on `bookings.events.change_failed`, for the
    transaction that reverts it (REVERT_CHANGE; the gateway turns it into the
    `booking.change_failed` webhook and the customer's "Your change could not be made" e-mail):
    the status events' fields and `change` as `changed_event` has it, `old_period` and
    `old_total_minor` being what the booking keeps and `new_period` and `new_total_minor` what
    was asked for, with `reason`, the saga's (`CARD_DECLINED`, `AUTHENTICATION_FAILED`,
    `AUTHENTICATION_TIMEOUT`, `INSUFFICIENT_FUNDS`, `STEP_TIMED_OUT`, ...). No money: whatever
    the saga took was given back before the revert. `booking` is the booking as reverted. Its
    id is derived from the change's record id too: one per change, and never a `changed` beside
    it (a change is applied or reverted, not both)."""
    return _change_event(CHANGE_FAILED, booking, period, {"reason": reason})


def _change_event(name: str, booking: Booking, period: PeriodChange, told: dict[str, Any]) -> OutboxRow:
    message = Struct()
    message.update(
        {
            "booking_id": booking.id,
            "company_id": booking.company_id,
            "customer_id": booking.customer_id,
            "status": booking.status.value,
            "change": {
                "change_id": period.change_id,
                "booking_model": period.booking_model,
                "old_period": _period(booking, period.old_end, period.old_check_out),
                "new_period": _period(booking, period.new_end, period.new_check_out),
                "old_total_minor": period.old_total_minor,
                "new_total_minor": period.new_total_minor,
                "currency_code": booking.currency,
                **told,
            },
            "occurred_at": (booking.updated_at or datetime.now(UTC)).isoformat(),
        }
    )
    subject = booking_event_subject(name)
    event_id = str(uuid.uuid5(uuid.UUID(period.change_id), subject))
    return OutboxRow(event_id, subject, message.SerializeToString(), {})


def _period(booking: Booking, end: datetime, check_out: date | None) -> dict[str, str]:
    """A period as the event shows it: the start stays; a stay's dates beside its times."""
    shown = {"start_time": booking.start_time.isoformat(), "end_time": end.isoformat()}
    if booking.check_in_date is not None and check_out is not None:
        shown.update(check_in_date=booking.check_in_date.isoformat(), check_out_date=check_out.isoformat())
    return shown


async def publish_changed(conn: AsyncConnection, event: OutboxRow) -> None:
    """The change's event into the outbox, in the caller's transaction (a change applied at once,
    without a saga; a saga's transition hands it to the saga's save instead)."""
    await insert_outbox_rows(conn, outbox, [event])
