"""The saga orchestrator: applies participants' replies, re-sends steps past their deadline,
runs operators' actions, and carries out each transition of the state machine
(`domain/saga.py`): the booking change it asks for, the commands it queues, the saga saved.

Every handler runs inside one transaction, with the saga row locked. `carry_out` is the one
place a transition takes effect and the one writer of the step log: the rows the transition
carries, then the booking change's, then the commands it queued.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from bookings.adapters import repository as repo
from bookings.adapters.repository import SagaStart
from bookings.adapters.saga_messages import step_command
from bookings.domain import step_log
from bookings.domain.commands import ForceCompensateSaga, RetrySagaStep
from bookings.domain.model import Booking, BookingStatus
from bookings.domain.saga import (
    CANCELLED_BY_COMPANY,
    CANCELLED_BY_CUSTOMER,
    PASSES,
    PAYMENTS,
    SESSION_CANCELLED,
    UNPAID_AT_START,
    WALLET,
    BookingChange,
    Command,
    Reply,
    Saga,
    SagaKind,
    SagaState,
    Transition,
)
from bookings.domain.step_log import StepLogEntry
from bookings.service.change_outcomes import apply_change_outcome
from bookings.service.queued_steps import QueuedSteps
from plumbing import audit
from plumbing.db import Database
from plumbing.errors import FailedPrecondition, InvalidArgument, NotFound
from plumbing.failpoints import failpoint
from plumbing.ids import parse_id
from plumbing.messaging import command_subject
from plumbing.outbox import Outbox, OutboxRow, outbox_row

log = logging.getLogger(__name__)

# After this many attempts of a step past the pivot, the saga is flagged for an operator.
ATTENTION_AFTER_ATTEMPTS = 5
# The shortest wait before a billing retry when the booking's start is nearer than
# BILLING_RETRY_SECONDS (or past): the sweep then finds it due and gives the booking up.
UNPAID_CHECK_FLOOR = timedelta(seconds=0.5)

# Sagas locked ahead of their replies, by id (`Orchestrator.lock_sagas`).
Locked = dict[str, tuple[Saga, Booking]]


def step_timeout(attempt: int, first: float = 5.0) -> timedelta:
    """How long a step may take before it is re-sent: `first` seconds (5 s), doubling, at most
    12 times `first` (60 s)."""
    return timedelta(seconds=min(first * 2 ** max(attempt - 1, 0), 12 * first))


class Then(enum.Enum):
    """What carrying out a transition does with the saga's current step."""

    LOG_ONLY = enum.auto()  # an ignored reply: the saga is not saved
    KEEP_DEADLINE = enum.auto()  # a failed forward step or a billing retry: its deadline re-sends
    WAIT = enum.auto()  # the saga stays on its step, with a new deadline
    SEND_NEXT = enum.auto()  # the current step (if any) starts at attempt 1
    SEND_AGAIN = enum.auto()  # the current step is sent again, attempt + 1


@dataclass(frozen=True)
class NewSaga:
    """What a saga's first save needs beyond the saga itself."""

    company_id: str
    trace_id: str


class Orchestrator:
    def __init__(
        self,
        db: Database,
        outbox: Outbox,
        *,
        billing_retry: timedelta = timedelta(seconds=60),
        first_step_timeout: float = 5.0,
        queued_steps: QueuedSteps | None = None,
    ) -> None:
        self.db = db
        self.outbox = outbox
        # Asked before a step is re-sent whether its command merely waits in the participant's
        # queue (service/queued_steps.py); None: every step past its deadline is re-sent.
        self.queued_steps = queued_steps
        # How often the wallet is asked again for a PENDING_PAYMENT booking.
        self.billing_retry = billing_retry
        self.first_step_timeout = first_step_timeout

    # -- replies and deadlines ----------------------------------------------------------

    async def lock_sagas(self, conn: AsyncConnection, saga_ids: Iterable[str]) -> Locked:
        """The sagas of a group of replies locked at once (one statement, in id order), for
        `handle_reply` to take each from instead of locking it alone."""
        return await repo.lock_sagas_with_bookings(conn, sorted(set(saga_ids)))

    async def handle_reply(
        self,
        conn: AsyncConnection,
        saga_id: str,
        reply: Reply,
        message_id: str,
        locked_before: Locked | None = None,
    ) -> None:
        """Applies a participant's reply inside the consumer's transaction (with its inbox record).
        `locked_before`: sagas `lock_sagas` locked; this reply's is taken out of it, so a
        second reply to the same saga locks it again and sees what the first one wrote."""
        if locked_before is not None and saga_id in locked_before:
            locked: tuple[Saga, Booking] | None = locked_before.pop(saga_id)
        else:
            locked = await repo.lock_saga_with_booking(conn, saga_id)
        if locked is None:
            log.warning("reply for unknown saga %s ignored", saga_id)
            return
        saga, booking = locked
        if _unpaid_at_start(saga, booking):
            # A debit attempt answered after the booking's time began (a top-up long after
            # the start): not taken; the saga gives up, and the wallet's compensation gives
            # back the debit if this attempt made one (its business key: exactly once).
            ignored = step_log.reply_received(reply, applied=False, message_id=message_id)
            await self.carry_out(conn, saga, booking, saga.give_up_unpaid(UNPAID_AT_START).after(ignored))
            return
        position = (saga.action, saga.current_step)
        transition = saga.apply(reply, message_id)
        if not transition.applied:
            # A duplicate or late reply changes nothing but the step log.
            await self.carry_out(conn, saga, None, transition, then=Then.LOG_ONLY)
            return
        moved = position != (saga.action, saga.current_step)
        if not moved and transition.booking_change is None:
            # A forward step that failed, or a billing retry that found no money yet:
            # the step's deadline re-sends it, not this reply.
            await self.carry_out(conn, saga, booking, transition, then=Then.KEEP_DEADLINE)
            return
        await self.carry_out(conn, saga, booking, transition, then=Then.SEND_NEXT if moved else Then.WAIT)
        failpoint("orchestrator.after_state_update_before_commit")

    async def sweep_deadlines(self, batch: int = 50) -> int:
        """Re-sends the current step of every saga past its deadline (attempt + 1), unless
        its command still waits in the participant's moving queue: then its deadline moves on.

        Before the pivot, a step that keeps timing out is given up and compensated. After
        it, the step is retried for ever and the saga flagged for an operator.
        """
        async with self.db.transaction() as conn:
            due = await repo.claim_due_sagas(conn, batch)
            queued = (
                await self.queued_steps.extend_queued(conn, due) if self.queued_steps is not None else set()
            )
            for saga_id in due:
                if saga_id in queued:
                    continue
                failpoint("sweeper.mid_batch")
                locked = await repo.lock_saga_with_booking(conn, saga_id)
                assert locked is not None
                saga, booking = locked
                if _unpaid_at_start(saga, booking):
                    # Billing is asked no more once the booking's time began: the place goes back.
                    timeout_row = step_log.timed_out(saga)
                    await self.carry_out(
                        conn, saga, booking, saga.give_up_unpaid(UNPAID_AT_START).after(timeout_row)
                    )
                    continue
                timed_out = saga.time_out()
                if timed_out.applied:
                    await self.carry_out(conn, saga, booking, timed_out)
                    continue
                await self.carry_out(
                    conn,
                    saga,
                    booking,
                    timed_out,
                    then=Then.SEND_AGAIN,
                    # Judged on the attempt about to be sent.
                    needs_attention=not saga.before_pivot and saga.attempt + 1 > ATTENTION_AFTER_ATTEMPTS,
                )
        if due:
            self.outbox.wake()
        return len(due)

    # -- operator actions ---------------------------------------------------------------

    async def retry_saga_step(self, command: RetrySagaStep) -> None:
        """Re-sends the current step now (attempt + 1); the operator's reason is logged."""
        _require_reason(command.reason)
        async with self.db.transaction() as conn:
            saga, booking = await self._lock_for_operator(conn, command.saga_id)
            if saga.current_step is None:
                raise FailedPrecondition("SAGA_FINISHED", "the saga has no step left to retry")
            retried = saga.retry_by_operator(command.reason)
            await _audit_operator(conn, saga, booking, "retry_step", command.reason)
            await self.carry_out(conn, saga, booking, retried, then=Then.SEND_AGAIN, needs_attention=False)
        self.outbox.wake()

    async def force_compensate_saga(self, command: ForceCompensateSaga) -> None:
        """Compensates a saga before its pivot; after it, cancel the booking instead."""
        _require_reason(command.reason)
        async with self.db.transaction() as conn:
            saga, booking = await self._lock_for_operator(conn, command.saga_id)
            transition = saga.compensate_by_operator(command.reason)
            if not transition.applied:
                raise FailedPrecondition(
                    "SAGA_PAST_PIVOT", "the saga is past its pivot (or finished): cancel the booking instead"
                )
            await _audit_operator(conn, saga, booking, "force_compensate", command.reason)
            await self.carry_out(conn, saga, booking, transition)
        self.outbox.wake()

    async def cancel_unpaid(self, saga_id: str, *, by_company: bool = False, reason: str = "") -> bool:
        """The customer cancels their pay-later booking while it awaits payment, or the company
        does (`by_company`, its `reason` kept as the booking's `cancel_reason`): nothing was
        paid, so its saga gives up (the wallet step compensated: a tombstone, or a refund of a
        debit in flight) and the booking ends REJECTED `CANCELLED_BY_CUSTOMER` (or
        `CANCELLED_BY_COMPANY`), its place released. False when the saga no longer awaits
        payment (paid, or given up already)."""
        return await self._give_up(
            saga_id, lambda saga, why: saga.give_up_unpaid(why), by_company=by_company, reason=reason
        )

    async def cancel_awaiting_card(self, saga_id: str, *, by_company: bool = False, reason: str = "") -> bool:
        """The customer (or the company, `by_company`) gives up a booking whose card
        authorization is still awaited, e.g. its 3-D Secure check: decided under the saga's row
        lock, so it and the payment's reply are applied one after the other, never both. The
        saga compensates every step (the waiting payment cancelled at the provider, an
        authorization that raced in voided, the wallet refunded, the pass released) and the
        booking ends REJECTED `CANCELLED_BY_CUSTOMER` (or `CANCELLED_BY_COMPANY`), its place
        released. False when the saga waits for the card no more (confirmed, or given up);
        True again for a cancel asked before and still being carried out."""
        return await self._give_up(
            saga_id,
            lambda saga, why: saga.give_up_card_wait(why),
            by_company=by_company,
            reason=reason,
            asked_before_is_done=True,
        )

    async def give_up_for_cancelled_session(self, saga_id: str, reason: str) -> bool:
        """The company cancelled the session of a booking not paid yet (PENDING_PAYMENT): its
        saga gives up (`Saga.give_up_for_cancelled_session`) and the booking ends REJECTED
        `SESSION_CANCELLED`, the session's `reason` kept as its `cancel_reason` (the customer's
        e-mail says both), its place released. False when the saga is past its pivot (paid:
        the booking is then cancelled with a full refund) or finished."""
        return await self._give_up(
            saga_id,
            lambda saga, _: saga.give_up_for_cancelled_session(),
            by_company=True,
            reason=reason,
            reject_reason=SESSION_CANCELLED,
        )

    async def _give_up(
        self,
        saga_id: str,
        give_up: Callable[[Saga, str], Transition],
        *,
        by_company: bool,
        reason: str,
        asked_before_is_done: bool = False,
        reject_reason: str = "",
    ) -> bool:
        """A cancel that gives a booking up before its pivot (`give_up`, the saga's own rule),
        under the saga's row lock, with the company's reason kept and the cancel audited."""
        reject_reason = reject_reason or (CANCELLED_BY_COMPANY if by_company else CANCELLED_BY_CUSTOMER)
        async with self.db.transaction() as conn:
            locked = await repo.lock_saga_with_booking(conn, saga_id)
            if locked is None:
                return False
            saga, booking = locked
            before = booking.status.value
            if asked_before_is_done and saga.given_up_by_cancel:
                return True  # a cancel asked before is being carried out
            transition = give_up(saga, reject_reason)
            if not transition.applied:
                return False
            if by_company and reason:
                await repo.set_cancel_reason(conn, booking.id, reason)
            await self.carry_out(conn, saga, booking, transition)
            await audit.record(
                conn,
                company_id=booking.company_id,
                entity_type="booking",
                entity_id=booking.id,
                action="cancel_by_company" if by_company else "cancel",
                before={"status": before},
                after={"status": booking.status.value, "reject_reason": reject_reason},
                reason=reason or None,
            )
        self.outbox.wake()
        return True

    async def _lock_for_operator(self, conn: AsyncConnection, saga_id: str) -> tuple[Saga, Booking]:
        parse_id(saga_id, "saga_id")
        locked = await repo.lock_saga_with_booking(conn, saga_id)
        if locked is None:
            raise NotFound("SAGA_NOT_FOUND", "no such saga")
        return locked

    # -- carrying out a transition --------------------------------------------------------

    async def carry_out(
        self,
        conn: AsyncConnection,
        saga: Saga,
        booking: Booking | None,
        transition: Transition,
        *,
        then: Then = Then.SEND_NEXT,
        needs_attention: bool | None = None,
        new_saga: NewSaga | None = None,
    ) -> Booking | None:
        """Applies the booking change a transition asks for, queues its commands, saves the
        saga and writes the step-log rows of it all, in the order they happened (the fault
        suite replays them). Returns the booking as changed (None when it did not change).
        `booking` may be None only with LOG_ONLY (an ignored reply touches no booking).
        With `new_saga` the saga is not in the database yet: it is inserted as it stands
        after the transition (one statement, where an insert and a save would be two)."""
        rows = list(transition.log)
        if then is Then.LOG_ONLY:
            await repo.log_steps(conn, saga.id, rows)
            return None
        assert booking is not None, "only an ignored reply is carried out without its booking"
        # The booking's status event and the commands queued: written with the saga's save.
        messages: list[OutboxRow] = []
        updated, changed = await self._apply_booking_change(
            conn, saga, booking, transition.booking_change, messages
        )
        rows += changed
        current = updated or booking
        for number, side in enumerate(transition.side_commands, start=1):
            message_id = f"{saga.id}:{side.step}:{side.action.value}:side{number}"
            rows.append(self._send(saga, current, side, message_id, messages))
        command_id = None
        if then is Then.SEND_AGAIN or (then is Then.SEND_NEXT and saga.current_step is not None):
            if then is Then.SEND_NEXT:
                saga.attempt = 0
            command_id, sent = self._send_current(saga, current, messages)
            rows.append(sent)
        if new_saga is not None:
            assert then is Then.SEND_NEXT and needs_attention is None, "a new saga starts with its first step"
            await repo.insert_saga(
                conn,
                saga,
                company_id=new_saga.company_id,
                trace_id=new_saga.trace_id,
                deadline_in=self._deadline(saga, current),
                command_id=command_id,
                steps=rows,
                messages=messages,
            )
            return updated
        if then is Then.KEEP_DEADLINE:
            await repo.save_saga(conn, saga, keep_deadline=True, steps=rows, messages=messages)
        else:
            await repo.save_saga(
                conn,
                saga,
                deadline_in=self._deadline(saga, current),
                needs_attention=needs_attention,
                command_id=command_id,
                steps=rows,
                messages=messages,
            )
        return updated

    def start(self, saga: Saga, booking: Booking, transition: Transition, new_saga: NewSaga) -> SagaStart:
        """What `carry_out` with `new_saga` writes, without writing it (a group of creates
        writes it later, `repo.insert_saga_start`): the saga's first transition must change no
        booking (its first command goes out; the booking waits)."""
        assert transition.booking_change is None and not transition.side_commands
        messages: list[OutboxRow] = []
        rows = list(transition.log)
        command_id = None
        if saga.current_step is not None:
            saga.attempt = 0
            command_id, sent = self._send_current(saga, booking, messages)
            rows.append(sent)
        deadline = self._deadline(saga)
        return SagaStart(saga, new_saga.company_id, new_saga.trace_id, deadline, command_id, rows, messages)

    def _deadline(self, saga: Saga, booking: Booking | None = None) -> timedelta | None:
        if saga.current_step is None:
            return None
        if saga.state is SagaState.AWAITING_PAYMENT:
            # Never past the booking's start: the sweep then gives the unpaid booking up.
            if booking is None:
                return self.billing_retry
            until_start = booking.start_time - datetime.now(UTC)
            return max(min(self.billing_retry, until_start), UNPAID_CHECK_FLOOR)
        return step_timeout(saga.attempt, self.first_step_timeout)

    def _send_current(
        self, saga: Saga, booking: Booking, messages: list[OutboxRow]
    ) -> tuple[str, StepLogEntry]:
        """Queues the current step's command (attempt + 1); returns its message id. Its
        deadline starts when the relay publishes it (`repo.start_step_deadlines`)."""
        command = saga.next_command()
        assert command is not None
        saga.attempt += 1
        message_id = f"{saga.id}:{command.step}:{command.action.value}:{saga.attempt}"
        return message_id, self._send(saga, booking, command, message_id, messages)

    def _send(
        self, saga: Saga, booking: Booking, command: Command, message_id: str, messages: list[OutboxRow]
    ) -> StepLogEntry:
        """Adds the command's outbox row to `messages`, which the saga's save writes."""
        subject = command_subject(command.step)
        messages.append(outbox_row(subject, step_command(saga, booking, command), message_id=message_id))
        return step_log.command_sent(command, saga.attempt, message_id)

    async def _apply_booking_change(
        self,
        conn: AsyncConnection,
        saga: Saga,
        booking: Booking,
        change: BookingChange | None,
        events: list[OutboxRow],
    ) -> tuple[Booking | None, list[StepLogEntry]]:
        """The booking as changed (None when it did not change) and the step-log rows of it;
        its status event (a change saga's: its `changed` event) is added to `events`."""
        if saga.kind is SagaKind.CHANGE:
            return await apply_change_outcome(conn, saga, booking, change, events)
        if change is None:
            return None, []
        unpaid = [BookingStatus.PENDING, BookingStatus.PENDING_PAYMENT]
        if change is BookingChange.CONFIRM:
            wallet_total = saga.covered.get(WALLET, 0)
            updated = await repo.transition_booking(
                conn,
                booking.id,
                events=events,
                from_statuses=unpaid,
                to_status=BookingStatus.CONFIRMED,
                wallet_debited_minor=wallet_total - saga.bonus_minor,
                bonus_debited_minor=saga.bonus_minor,
                pass_covered_minor=saga.covered.get(PASSES, 0),
                # Credits only when the pass step took them: a booking with nothing to pay
                # skips it (its pass named, no credit held or consumed).
                pass_credits=saga.credits if PASSES in saga.done else 0,
                card_charged_minor=saga.covered.get(PAYMENTS, 0),
                payment_id=saga.references.get(PAYMENTS, ""),
            )
            outcome = "CONFIRMED"
        elif change is BookingChange.AWAIT_PAYMENT:
            updated = await repo.transition_booking(
                conn,
                booking.id,
                events=events,
                from_statuses=[BookingStatus.PENDING],
                to_status=BookingStatus.PENDING_PAYMENT,
            )
            outcome = "PENDING_PAYMENT"
        elif change is BookingChange.REJECT:
            updated = await repo.transition_booking(
                conn,
                booking.id,
                events=events,
                from_statuses=unpaid,
                to_status=BookingStatus.REJECTED,
                reject_reason=saga.reason,
            )
            outcome = f"REJECTED:{saga.reason}"
        else:
            updated = await repo.transition_booking(
                conn,
                booking.id,
                events=events,
                from_statuses=[BookingStatus.CANCELLING],
                to_status=BookingStatus.CANCELLED,
            )
            await repo.complete_refund_request(conn, booking.id)
            outcome = "CANCELLED"
        if updated is None:
            log.error("booking %s was not in the state saga %s expected", booking.id, saga.id)
            return None, []
        released = change in (BookingChange.REJECT, BookingChange.CANCEL)
        if released:
            await repo.release_holds(conn, updated)
        return updated, step_log.booking_changed(change, outcome, released=released)


def _unpaid_at_start(saga: Saga, booking: Booking) -> bool:
    """A pay-later booking still awaiting payment when its session, stay or rental begins."""
    return saga.state is SagaState.AWAITING_PAYMENT and booking.start_time <= datetime.now(UTC)


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise InvalidArgument("REASON_REQUIRED", "say why, for the step log", field="reason")


async def _audit_operator(
    conn: AsyncConnection, saga: Saga, booking: Booking, action: str, reason: str
) -> None:
    """An operator's action on a saga, in its transaction, with the reason they gave."""
    await audit.record(
        conn,
        company_id=booking.company_id,
        entity_type="saga",
        entity_id=saga.id,
        action=action,
        after={"booking_id": booking.id, "saga_state": saga.state.value, "step": saga.current_step},
        reason=reason.strip(),
    )
