"""What a change saga's transitions do to its booking (called by the orchestrator's
`_apply_booking_change` for sagas of kind "change"):

- APPLY_CHANGE (an extension's pivot): the booking takes its new period and price, and what
  the wallet and the card took is added to what they paid;
- REVERT_CHANGE (compensated before the pivot): the holds go back to the old period exactly
  (the added nights are freed, the interval's old range is restored), and the change's failure
  is told (`bookings.events.change_failed`, with the saga's reason);
- SETTLE_CHANGE (the saga is done): a shortening's refunds are taken off what was paid.

The booking is released for the next change (or a cancellation) when the saga is finished.

The change's event (`bookings.events.changed`, `sql.changed_event`) goes with the transition
that applies its money, added to the saga's messages (written with the saga's save): an
extension's at its pivot (APPLY_CHANGE, what the wallet and the card took), a shortening's when
its refunds are done (SETTLE_CHANGE of a REFUND saga: what each source actually gave back, and
what the company kept), as a cancellation's `cancelled` and `refund_completed` wait for its
refund. An extension's capture settling (SETTLE_CHANGE after FINALIZE) publishes nothing more.
A reverted extension (its wallet short, its card declined, its 3-D Secure check refused or not
completed in time, a step given up) publishes `bookings.events.change_failed`
(`sql.change_failed_event`: the period kept, the one asked for, the reason) with the revert's
transition, so the customer and the company's webhooks learn it the way they learn a change.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncConnection

from bookings.adapters import changes as sql
from bookings.domain import step_log
from bookings.domain.changes import PeriodChange
from bookings.domain.model import Booking, BookingModel
from bookings.domain.saga import PAYMENTS, WALLET, Action, BookingChange, Saga
from bookings.domain.step_log import Effect, StepLogEntry
from plumbing.outbox import OutboxRow

log = logging.getLogger(__name__)


async def apply_change_outcome(
    conn: AsyncConnection,
    saga: Saga,
    booking: Booking,
    change: BookingChange | None,
    events: list[OutboxRow],
) -> tuple[Booking | None, list[StepLogEntry]]:
    """The booking as changed (None when it did not change) and the step-log rows of it; the
    change's event, when this transition completes it, is added to `events`."""
    if change is None:
        return None, []
    effects: list[StepLogEntry] = []
    period = PeriodChange.from_data(saga.change)
    moved: sql.MoneyMoved | None = None  # the change's money, when this transition completes it
    done = saga.state.terminal
    wallet = saga.covered.get(WALLET, 0)
    card = saga.covered.get(PAYMENTS, 0)
    if change is BookingChange.APPLY_CHANGE:
        updated = await sql.update_changed_booking(
            conn,
            booking.id,
            saga.id,
            period=period,
            wallet_minor=wallet - saga.bonus_minor,
            bonus_minor=saga.bonus_minor,
            card_minor=card,
            release_marker=done,
        )
        outcome = f"CHANGED:{period.target}"
        moved = sql.MoneyMoved(card_minor=card, wallet_minor=wallet, bonus_minor=saga.bonus_minor)
    elif change is BookingChange.REVERT_CHANGE:
        await revert_holds(conn, period)
        updated = await sql.update_changed_booking(conn, booking.id, saga.id, release_marker=True)
        effects.append(step_log.effect(step_log.PLACE, Effect.REVERT, "REVERTED"))
        outcome = f"CHANGE_REVERTED:{saga.reason}"
        if updated is not None:
            events.append(sql.change_failed_event(updated, period, saga.reason))
    elif change is BookingChange.SETTLE_CHANGE:
        refunded = saga.action is Action.REFUND
        updated = await sql.update_changed_booking(
            conn,
            booking.id,
            saga.id,
            wallet_minor=-(wallet - saga.bonus_minor) if refunded else 0,
            bonus_minor=-saga.bonus_minor if refunded else 0,
            card_minor=-card if refunded else 0,
            release_marker=True,
        )
        outcome = f"REFUNDED:{wallet + card}" if refunded else "SETTLED"
        if refunded:
            moved = sql.MoneyMoved(card_minor=card, wallet_minor=wallet, bonus_minor=saga.bonus_minor)
    else:  # pragma: no cover - the machine gives change sagas only the three above
        raise ValueError(f"a change saga cannot {change.value} its booking")
    if updated is None:
        log.error("booking %s is not held by change saga %s", booking.id, saga.id)
        return None, effects
    if moved is not None:
        extended = change is BookingChange.APPLY_CHANGE
        events.append(
            sql.changed_event(
                updated,
                period,
                charged=moved if extended else sql.NOTHING_MOVED,
                refunded=sql.NOTHING_MOVED if extended else moved,
            )
        )
    return updated, [*effects, *step_log.booking_changed(change, outcome)]


async def revert_holds(conn: AsyncConnection, period: PeriodChange) -> None:
    """Puts the holds back as they were before an extension."""
    if period.booking_model == BookingModel.NIGHTLY.value:
        assert period.old_check_out is not None
        await sql.release_unit_nights(
            conn, period.booking_id, since=period.old_check_out, until=period.new_check_out
        )
    elif period.booking_model == BookingModel.INTERVAL.value and period.old_blocked is not None:
        # Shrinking back to the range it had never conflicts.
        restored = await sql.set_interval_blocked(conn, period.booking_id, period.old_blocked)
        assert restored, "the old range of a booking is always free for it"
