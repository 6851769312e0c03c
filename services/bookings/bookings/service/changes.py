"""Changing the period of a confirmed booking: the end moves (the start stays), re-priced, the
difference charged or refunded through a change saga of its own.

One transaction per request: the booking is taken for the change by a conditional update
(CONFIRMED, its own saga completed, no change running, still the period it was planned on),
the holds move (added unit-nights of its own unit, or the interval's new blocked range), and
then, by the price difference:

- more to pay: a change saga pays it (wallet, then card); at its pivot the booking takes the
  new period and price; a failure before the pivot puts the holds back exactly;
- less to pay: the booking takes the new period and price at once (the time it gave up is
  free for others at once) and a change saga refunds the difference, card first, at the
  percent a cancellation would refund now; the company keeps the rest, recorded on the
  booking in the same update (`domain.changes.keep_by_policy`);
- the same: the booking takes the new period at once, no saga.

While a change saga runs, the booking refuses another change (`CHANGE_IN_PROGRESS`) and a
cancellation (`BOOKING_FINALIZING`); both are ABORTED: retry once the saga is done.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from bookings.adapters import changes as sql
from bookings.adapters import repository as repo
from bookings.adapters.catalog_resources import ResourceCatalog, ResourceOffer
from bookings.domain import step_log
from bookings.domain.changes import (
    PeriodChange,
    Scale,
    booked_night_prices,
    booked_stretches,
    interval_hours,
    keep_by_policy,
    nightly_lines,
    quote_lines,
    rescale_extras,
    stretch_lines,
    stretched_to,
)
from bookings.domain.commands import ChangeBookingPeriod
from bookings.domain.lifecycle import ensure_not_finished
from bookings.domain.model import Booking, BookingModel, BookingStatus, ExtraLine, check_on_sale
from bookings.domain.reservations import check_interval, check_stay, nights_between, parse_date
from bookings.domain.saga import Saga, Transition
from bookings.domain.step_log import PLACE, Effect
from bookings.service.booking_commands import BookingCommands
from bookings.service.orchestrator import Orchestrator
from plumbing import audit
from plumbing.db import Database
from plumbing.errors import Conflict, FailedPrecondition, InvalidArgument, NotFound
from plumbing.ids import parse_id
from plumbing.outbox import Outbox
from plumbing.telemetry import current_trace_id

# A change planned on a booking that changed meanwhile is planned again, at most this often.
PLAN_ATTEMPTS = 3


class _Stale(Exception):
    """The booking's period or price changed between planning and the transaction."""


class _Replayed(Exception):
    """A change with this request id was made before."""


class PeriodChanges:
    def __init__(
        self,
        db: Database,
        outbox: Outbox,
        orchestrator: Orchestrator,
        bookings: BookingCommands,
        resources: ResourceCatalog,
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.orchestrator = orchestrator
        self.bookings = bookings
        self.resources = resources

    async def change_period(self, command: ChangeBookingPeriod) -> Booking:
        """Moves the end of a confirmed nightly stay or interval rental. A retry with the same
        request id returns the booking as it is now; the same id asking another end is refused."""
        parse_id(command.booking_id, "booking_id")
        if command.customer_id:
            parse_id(command.customer_id, "customer_id")
        if not command.request_id:
            raise InvalidArgument("REQUEST_ID_REQUIRED", "request_id is required", field="request_id")
        for _ in range(PLAN_ATTEMPTS):
            booking = await self.bookings.get_booking(command.booking_id)
            if command.customer_id and booking.customer_id != command.customer_id:
                raise NotFound("BOOKING_NOT_FOUND", "no such booking")
            replay = await self._replay(booking, command)
            if replay is not None:
                return replay
            now = datetime.now(UTC)
            _check_changeable(booking, now)
            change = await self._plan(booking, command)
            if change is None:  # the period asked for is the booking's own
                return booking
            change = keep_by_policy(change, booking, now)
            try:
                return await self._apply(booking, change)
            except _Stale:
                continue
            except _Replayed:
                replay = await self._replay(booking, command)
                assert replay is not None, "a replayed change has a record"
                return replay
        raise Conflict("BOOKING_CHANGED", "the booking keeps changing; read it and try again")

    async def _replay(self, booking: Booking, command: ChangeBookingPeriod) -> Booking | None:
        async with self.db.transaction() as conn:
            target = await sql.recorded_target(conn, booking.id, command.request_id)
            if target is None:
                return None
            if target not in (command.check_out_date, _iso(command.end_time)):
                raise Conflict(
                    "IDEMPOTENCY_KEY_REUSED",
                    "this request id was used for a different change",
                    field="request_id",
                )
            return await repo.get_booking(conn, booking.id)

    # -- planning (no writes) -----------------------------------------------------------

    async def _plan(self, booking: Booking, command: ChangeBookingPeriod) -> PeriodChange | None:
        resource = await self.resources.resource(booking.resource_id)
        if _extends(booking, command):
            # Added time is a new sale: a suspended company or an archived resource sells none
            # (as CreateBooking refuses them); shortening and cancelling go on as before.
            check_on_sale(resource.company_suspended, resource.archived)
            # Nor an archived unit (a new booking naming it is UNIT_NOT_FOUND): the catalog
            # lists a resource's units that are not archived.
            if (
                booking.booking_model is BookingModel.NIGHTLY
                and booking.unit_id
                and booking.unit_id not in await self.resources.units(booking.resource_id)
            ):
                raise FailedPrecondition(
                    "UNIT_ARCHIVED", "the booking's unit is archived and sells no more nights"
                )
        if booking.booking_model is BookingModel.NIGHTLY:
            return await self._plan_nightly(booking, command, resource)
        return await self._plan_interval(booking, command, resource)

    async def _plan_nightly(
        self, booking: Booking, command: ChangeBookingPeriod, resource: ResourceOffer
    ) -> PeriodChange | None:
        if not command.check_out_date:
            raise InvalidArgument(
                "CHECK_OUT_DATE_REQUIRED", "give the new check_out_date of the stay", field="check_out_date"
            )
        assert booking.check_in_date is not None and booking.check_out_date is not None
        check_in = booking.check_in_date
        check_out = parse_date(command.check_out_date, "check_out_date")
        if check_out == booking.check_out_date:
            return None
        nights = check_stay(resource.policy, check_in, check_out, booking.guests)
        pricing = await self.resources.stay_pricing(booking.resource_id, check_in, check_out)
        base_lines = nightly_lines(
            booked_night_prices(booking.quote_lines), check_in, check_out, pricing.nights
        )
        old_nights = len(nights_between(check_in, booking.check_out_date))
        extras = rescale_extras(
            booking.extras,
            Scale(nights=old_nights, guests=booking.guests),
            Scale(nights=len(nights), guests=booking.guests),
        )
        return _change(
            booking,
            command,
            new_end=pricing.check_out_at,
            base_lines=base_lines,
            extras=extras,
            new_check_out=check_out,
        )

    async def _plan_interval(
        self, booking: Booking, command: ChangeBookingPeriod, resource: ResourceOffer
    ) -> PeriodChange | None:
        if command.end_time is None:
            raise InvalidArgument(
                "END_TIME_REQUIRED", "give the new end_time of the rental", field="end_time"
            )
        new_end = command.end_time
        if new_end == booking.end_time:
            return None
        zone = await self.resources.time_zone(booking.company_id)
        # The rules of a create, for the new period: whole minutes (granularity), minimum and
        # maximum length (the platform's MAX_RENTAL_MINUTES too), and an end within the horizon.
        _, blocked_until = check_interval(resource.policy, booking.start_time, new_end, zone)
        resource.policy.check_end_within_horizon(new_end, datetime.now(UTC))
        if new_end > booking.end_time and not resource.hourly_rate_minor:
            raise FailedPrecondition("NO_HOURLY_RATE", "the resource has no hourly rate")
        # Each stretch bought keeps its price: added time is bought at today's rate, removed
        # time gives back what it was bought for.
        stretches = stretched_to(
            booked_stretches(
                booking.start_time, booking.end_time, booking.base_minor, booking.rental_stretches
            ),
            resource.hourly_rate_minor,
            new_end,
        )
        extras = rescale_extras(
            booking.extras,
            Scale(hours=interval_hours(booking.start_time, booking.end_time)),
            Scale(hours=interval_hours(booking.start_time, new_end)),
        )
        change = _change(
            booking,
            command,
            new_end=new_end,
            base_lines=stretch_lines(stretches),
            extras=extras,
        )
        change = replace(change, new_stretches=tuple((s.end, s.amount_minor) for s in stretches))
        # The start of the blocked range stays; its end follows the new end and the buffer.
        return change.with_blocked(
            (booking.start_time, booking.end_time), (booking.start_time, blocked_until)
        )

    # -- the transaction ----------------------------------------------------------------

    async def _apply(self, booking: Booking, change: PeriodChange) -> Booking:
        difference = change.difference_minor
        saga, transition = self._saga(booking, change)
        marker = saga.id if saga is not None else change.change_id
        async with self.db.transaction() as conn:
            if not await sql.record_request(conn, change, saga.id if saga else None):
                raise _Replayed
            if not await sql.mark_changing(conn, booking, marker):
                await self._refuse(conn, booking)
            change = await self._move_holds(conn, booking, change)
            await audit.record(
                conn,
                company_id=booking.company_id,
                entity_type="booking",
                entity_id=booking.id,
                action="change_period",
                before={"end_time": change.old_end, "total_minor": change.old_total_minor},
                after={"end_time": change.new_end, "total_minor": change.new_total_minor},
            )
            if saga is not None:
                saga.change = change.to_data()
            if difference <= 0:
                # The time given up is free at once: so is the booking's claim on it.
                updated = await sql.update_changed_booking(
                    conn, booking.id, marker, period=change, release_marker=saga is None
                )
                assert updated is not None, "the change holds the booking"
                booking = updated
            if saga is None:
                # Nothing to pay or refund: the change is complete here, and so is its event.
                await sql.publish_changed(conn, sql.changed_event(booking, change))
            else:
                await repo.insert_saga(
                    conn, saga, company_id=booking.company_id, trace_id=current_trace_id(), deadline_in=None
                )
                moved = f"{change.old_end.isoformat()}->{change.new_end.isoformat()}:{difference:+d}"
                assert transition is not None, "a change saga starts with its first transition"
                started = transition.after(step_log.effect(PLACE, Effect.CHANGE, moved))
                booking = await self.orchestrator.carry_out(conn, saga, booking, started) or booking
                if not saga.state.terminal:
                    # The answer shows the change under way, as a read of the booking would.
                    booking = replace(booking, changing_saga_id=saga.id)
        self.outbox.wake()
        return booking

    def _saga(self, booking: Booking, change: PeriodChange) -> tuple[Saga | None, Transition | None]:
        difference = change.difference_minor
        if difference == 0:
            return None, None
        if booking.plan.desk_payment is not None:
            # Paid at the front desk: the difference is the desk's money. A shortening's is in
            # its till, which no saga step hands back, and a customer's change online would owe
            # it where the desk does not see it; a lengthening's has no wallet or card to come
            # from (its saga gave up at once, after a 202). The desk changes it (cancels,
            # hands the money back, books the new time).
            raise FailedPrecondition(
                "CHANGE_PAID_AT_DESK",
                "the booking was paid at the front desk: its period is changed there, where the money is",
            )
        if booking.plan.entitlement_id:
            # Only stays and rentals change, and a pass pays for those no more: one paid by a
            # pass before is kept as it is. Shorter, it would keep the pass's cover above its
            # price (credits are not money, nothing gives them back in part); longer, it
            # would stretch one credit further.
            raise FailedPrecondition(
                "CHANGE_PAID_BY_PASS",
                "the booking was paid with a pass: cancel it and book the new period instead",
            )
        saga_id = str(uuid.uuid4())
        if difference > 0:
            if not booking.plan.has_money_source:
                raise FailedPrecondition(
                    "PAYMENT_PLAN_INSUFFICIENT", "the booking has no wallet or card to pay the difference"
                )
            return Saga.for_change_payment(
                saga_id=saga_id,
                booking_id=booking.id,
                currency=booking.currency,
                amount_minor=difference,
                use_wallet=booking.plan.use_wallet,
                use_card=bool(booking.plan.payment_method_id),
                change=change.to_data(),
            )
        return Saga.for_change_refund(
            saga_id=saga_id,
            booking_id=booking.id,
            currency=booking.currency,
            refund_card_minor=change.refund_card_minor,
            refund_wallet_minor=change.refund_wallet_minor,
            change=change.to_data(),
        )

    async def _refuse(self, conn: AsyncConnection, booking: Booking) -> None:
        state = await sql.change_state(conn, booking.id)
        ensure_not_finished(BookingStatus(state.status))
        if state.status != BookingStatus.CONFIRMED.value:
            raise FailedPrecondition("BOOKING_NOT_CHANGEABLE", f"a {state.status} booking cannot be changed")
        if state.changing_saga_id is not None:
            raise Conflict(
                "CHANGE_IN_PROGRESS", "another change of this booking is running; try again shortly"
            )
        if state.end_time != booking.end_time or state.total_minor != booking.total_minor:
            raise _Stale
        if not await sql.paid_as_planned(conn, booking):  # a change's refund settled meanwhile
            raise _Stale
        raise Conflict("BOOKING_FINALIZING", "the booking is still being confirmed; try again shortly")

    async def _move_holds(
        self, conn: AsyncConnection, booking: Booking, change: PeriodChange
    ) -> PeriodChange:
        """Holds what the new period adds, frees what it gives up; UNAVAILABLE (the whole
        transaction rolls back, nothing changed) when an added night or minute is taken."""
        if booking.booking_model is BookingModel.NIGHTLY:
            assert change.old_check_out is not None and change.new_check_out is not None
            if change.new_check_out > change.old_check_out:
                added = nights_between(change.old_check_out, change.new_check_out)
                if not booking.unit_id or not await sql.add_unit_nights(conn, booking, added):
                    raise FailedPrecondition("UNAVAILABLE", "the unit is taken on a night of the longer stay")
            else:
                await sql.release_unit_nights(conn, booking.id, since=change.new_check_out, until=None)
            return change
        assert change.new_blocked is not None
        current = await sql.interval_blocked(conn, booking.id)
        if current is None:
            raise FailedPrecondition("BOOKING_NOT_CHANGEABLE", "the booking holds no interval")
        new_blocked = (current[0], change.new_blocked[1])
        if not await sql.set_interval_blocked(conn, booking.id, new_blocked):
            raise FailedPrecondition("UNAVAILABLE", "the resource is taken for part of the longer time")
        return change.with_blocked(current, new_blocked)


def _change(
    booking: Booking,
    command: ChangeBookingPeriod,
    *,
    new_end: datetime,
    base_lines: tuple[tuple[str, int, int], ...],
    extras: tuple[ExtraLine, ...],
    new_check_out: date | None = None,
) -> PeriodChange:
    base = sum(amount for _, _, amount in base_lines)
    total = base + sum(line.total_minor for line in extras)
    return PeriodChange(
        change_id=str(uuid.uuid4()),
        booking_id=booking.id,
        request_id=command.request_id,
        booking_model=booking.booking_model.value,
        old_end=booking.end_time,
        new_end=new_end,
        old_total_minor=booking.total_minor,
        new_total_minor=total,
        new_base_minor=base,
        quote_lines=quote_lines(base_lines, extras),
        extras=tuple((line.extra_id, line.quantity) for line in extras),
        old_check_out=booking.check_out_date,
        new_check_out=new_check_out,
    )


def _extends(booking: Booking, command: ChangeBookingPeriod) -> bool:
    """Whether the change asks for more time than the booking holds (the planner judges the rest)."""
    if booking.booking_model is BookingModel.NIGHTLY:
        if not command.check_out_date or booking.check_out_date is None:
            return False
        return parse_date(command.check_out_date, "check_out_date") > booking.check_out_date
    return command.end_time is not None and command.end_time > booking.end_time


def _check_changeable(booking: Booking, now: datetime) -> None:
    if booking.booking_model not in (BookingModel.NIGHTLY, BookingModel.INTERVAL):
        raise FailedPrecondition(
            "BOOKING_NOT_CHANGEABLE", "only nightly stays and interval rentals change their period"
        )
    ensure_not_finished(booking.status)
    if booking.status is not BookingStatus.CONFIRMED:
        raise FailedPrecondition(
            "BOOKING_NOT_CHANGEABLE", f"a {booking.status.value} booking cannot be changed"
        )
    if now >= booking.start_time:
        raise FailedPrecondition("BOOKING_ALREADY_STARTED", "the booked time has begun")


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""
