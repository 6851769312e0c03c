"""The saga step log's vocabulary, and the one place that turns what happened to a saga into
step-log entries (they ride on `saga.Transition.log`; the orchestrator's `carry_out` writes
them with `repository.log_steps`).

A row says which step (`passes`, `wallet`, `payments`, or `place` / `booking` for bookings'
own effects), what kind of event (`StepKind`), which action, the attempt and an outcome. The
fault suite replays these rows through the state machine, and operators read them: their
words are part of the contract and stay as they are.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the machine builds its rows with these functions: no import back at run time
    from bookings.domain.saga import BookingChange, Command, Reply, Saga

# Bookings' own effects are logged under these steps, beside the participants' steps.
PLACE, BOOKING = "place", "booking"


class StepKind(enum.StrEnum):
    COMMAND = "command"  # a command queued for a participant
    REPLY = "reply"  # a participant's reply the saga applied
    IGNORED = "ignored"  # a reply that was not for the current step and attempt
    TIMEOUT = "timeout"  # the current step's deadline passed
    OPERATOR = "operator"  # an operator acted; the outcome is their reason
    EFFECT = "effect"  # bookings changed its own data (places, the booking)


class OperatorAction(enum.StrEnum):
    RETRY = "retry"
    FORCE_COMPENSATE = "force_compensate"


class Effect(enum.StrEnum):
    """Bookings' own effects that are not a booking change of the state machine."""

    HOLD = "hold"  # places / nights / interval held with the booking
    RELEASE = "release"  # ... given back when the booking is rejected or cancelled
    CANCEL = "cancel"  # a cancellation asked for, with its refund percentage
    CHANGE = "change"  # a change of period started
    REVERT = "revert"  # a change's holds put back after its compensation
    SETTLE_BY_CARD = "settle_by_card"  # a pay-later booking paid by card instead
    GIVE_UP_UNPAID = "give_up_unpaid"  # ... cancelled by its customer, or unpaid at its start
    GIVE_UP_CARD_WAIT = "give_up_card_wait"  # a booking whose card awaits 3-D Secure, cancelled


@dataclass(frozen=True)
class StepLogEntry:
    step: str
    kind: StepKind
    action: str
    attempt: int
    outcome: str = ""
    message_id: str = ""
    amount_minor: int = 0
    bonus_minor: int = 0
    reference: str = ""


def effect(step: str, action: Effect | BookingChange, outcome: str, *, attempt: int = 1) -> StepLogEntry:
    return StepLogEntry(
        step=step, kind=StepKind.EFFECT, action=action.value, attempt=attempt, outcome=outcome
    )


def command_sent(command: Command, attempt: int, message_id: str) -> StepLogEntry:
    return StepLogEntry(
        step=command.step,
        kind=StepKind.COMMAND,
        action=command.action.value,
        attempt=attempt,
        message_id=message_id,
    )


def reply_received(reply: Reply, *, applied: bool, message_id: str) -> StepLogEntry:
    return StepLogEntry(
        step=reply.step,
        kind=StepKind.REPLY if applied else StepKind.IGNORED,
        action=reply.action.value,
        attempt=reply.attempt,
        outcome="SUCCEEDED" if reply.succeeded else (reply.reason or "FAILED"),
        message_id=message_id,
        amount_minor=reply.amount_minor,
        bonus_minor=reply.bonus_minor,
        reference=reply.reference,
    )


def timed_out(saga: Saga) -> StepLogEntry:
    """Logged before the saga moves: the step and attempt that ran out of time."""
    return StepLogEntry(
        step=saga.current_step or "", kind=StepKind.TIMEOUT, action=saga.action.value, attempt=saga.attempt
    )


def operator_acted(saga: Saga, action: OperatorAction, reason: str) -> StepLogEntry:
    """The operator's reason, on the saga's current step and attempt."""
    return StepLogEntry(
        step=saga.current_step or "",
        kind=StepKind.OPERATOR,
        action=action.value,
        attempt=saga.attempt,
        outcome=reason,
    )


def booking_changed(change: BookingChange, outcome: str, *, released: bool = False) -> list[StepLogEntry]:
    """A booking change the saga asked for took effect; `released` when its holds went back."""
    entries = [effect(PLACE, Effect.RELEASE, "RELEASED")] if released else []
    return [*entries, effect(BOOKING, change, outcome)]
