"""The booking and cancellation sagas as a pure state machine.

A booking saga executes its steps forward (pass hold -> wallet debit -> card
authorization), then pivots: the booking is CONFIRMED and only forward steps follow
(consume the pass credit, capture the card). A failure before the pivot compensates
the steps done, in reverse order, and the booking ends REJECTED with the reason.

A cancellation saga refunds each source of a confirmed booking by the policy's
percentage, then releases the place.

A change saga moves the end of a confirmed booking: an extension pays the difference like a
booking (wallet, then card; pivot = the booking takes its new period and price; capture),
and a failure before the pivot compensates and reverts the change; a shortening refunds the
difference like a cancellation (card, then wallet). `change` carries the service's record
of the change (old and new period), opaque to the machine.

Nothing here does I/O: the service layer persists the saga, sends `next_command()` and
applies the booking change a transition asks for. Each transition carries the step-log rows
of what the machine saw happen (a reply applied or ignored, a timeout, an operator's
action); the service layer adds its effects and the commands it queued and writes them all
in one place. Replaying a step log through `apply` gives the same end state (the fault suite
checks it).
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from bookings.domain import step_log
from bookings.domain.step_log import Effect, OperatorAction, StepLogEntry

PASSES, WALLET, PAYMENTS = "passes", "wallet", "payments"
# Not a participant: what the front desk took before the booking was made. It stands in
# `covered` from the start, so nothing is left for a step and the saga pivots at once.
DESK = "desk"
EXECUTION_ORDER = (PASSES, WALLET, PAYMENTS)
FINALIZABLE = (PASSES, PAYMENTS)

MAX_EXECUTE_ATTEMPTS = 5

# Why a pay-later booking still awaiting payment was given up (its reject reason).
CANCELLED_BY_CUSTOMER = "CANCELLED_BY_CUSTOMER"
CANCELLED_BY_COMPANY = "CANCELLED_BY_COMPANY"
UNPAID_AT_START = "UNPAID_AT_START"
# ... or its session was cancelled by the company (the session's reason kept as cancel_reason).
SESSION_CANCELLED = "SESSION_CANCELLED"


class SagaKind(enum.StrEnum):
    BOOKING = "booking"
    CANCELLATION = "cancellation"
    CHANGE = "change"


class SagaState(enum.StrEnum):
    RUNNING = "RUNNING"
    FINALIZING = "FINALIZING"
    COMPLETED = "COMPLETED"
    COMPENSATING = "COMPENSATING"
    COMPENSATED = "COMPENSATED"
    AWAITING_PAYMENT = "AWAITING_PAYMENT"

    @property
    def terminal(self) -> bool:
        return self in (SagaState.COMPLETED, SagaState.COMPENSATED)


class Action(enum.StrEnum):
    EXECUTE = "execute"
    COMPENSATE = "compensate"
    FINALIZE = "finalize"
    REFUND = "refund"


class BookingChange(enum.StrEnum):
    """What the booking must become after a transition."""

    CONFIRM = "confirm"
    REJECT = "reject"
    CANCEL = "cancel"
    AWAIT_PAYMENT = "await_payment"
    # Change sagas: the new period and price take effect (an extension's pivot); the change
    # is undone (compensated before the pivot); the change saga is done (captured, refunded).
    APPLY_CHANGE = "apply_change"
    REVERT_CHANGE = "revert_change"
    SETTLE_CHANGE = "settle_change"


@dataclass(frozen=True)
class Command:
    step: str
    action: Action
    amount_minor: int = 0
    credits: int = 0
    allow_partial: bool = False
    card_minimum_minor: int = 0


# The least a card is charged after the wallet: card networks and providers refuse, or fee
# more than they are worth, charges of a few cents (Stripe's minimum is 0.50 in EUR and USD).
# The wallet leaves the card at least this much when it would otherwise leave it less.
CARD_MINIMUM_MINOR = 50


@dataclass(frozen=True)
class Reply:
    step: str
    action: Action
    succeeded: bool
    reason: str = ""
    amount_minor: int = 0
    bonus_minor: int = 0
    reference: str = ""
    attempt: int = 0


@dataclass(frozen=True)
class Transition:
    applied: bool
    booking_change: BookingChange | None = None
    # Commands sent besides the current step's, e.g. a wallet compensation racing ahead
    # of any debit attempt still in flight when a pay-later booking is settled by card.
    side_commands: tuple[Command, ...] = ()
    # What happened, in order, as step-log rows; the service layer adds the effects it made
    # and the commands it queued when it carries the transition out.
    log: tuple[StepLogEntry, ...] = ()

    def after(self, *entries: StepLogEntry) -> Transition:
        """The same transition, preceded in the log by what led to it."""
        return replace(self, log=(*entries, *self.log))

    def then(self, *entries: StepLogEntry) -> Transition:
        return replace(self, log=(*self.log, *entries))


@dataclass
class Saga:
    id: str
    booking_id: str
    kind: SagaKind
    currency: str
    total_minor: int
    base_minor: int = 0
    credits: int = 0
    state: SagaState = SagaState.RUNNING
    action: Action = Action.EXECUTE
    queue: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    covered: dict[str, int] = field(default_factory=dict)
    bonus_minor: int = 0
    references: dict[str, str] = field(default_factory=dict)
    reason: str = ""
    refund_minor: dict[str, int] = field(default_factory=dict)
    attempt: int = 0
    pay_later: bool = False
    # Change sagas: the service's record of the change (JSON), so a revert is exact.
    change: dict[str, Any] = field(default_factory=dict)

    # -- construction -------------------------------------------------------------

    @classmethod
    def for_booking(
        cls,
        *,
        saga_id: str,
        booking_id: str,
        currency: str,
        total_minor: int,
        base_minor: int,
        credits: int,
        use_pass: bool,
        use_wallet: bool,
        use_card: bool,
        pay_later: bool = False,
        desk_minor: int = 0,
    ) -> tuple[Saga, Transition]:
        wanted = {PASSES: use_pass, WALLET: use_wallet, PAYMENTS: use_card}
        saga = cls(
            id=saga_id,
            booking_id=booking_id,
            kind=SagaKind.BOOKING,
            currency=currency,
            total_minor=total_minor,
            base_minor=base_minor,
            credits=credits,
            queue=[step for step in EXECUTION_ORDER if wanted[step]],
            pay_later=pay_later,
            covered={DESK: desk_minor} if desk_minor else {},
        )
        return saga, saga._advance_execution()

    @classmethod
    def for_cancellation(
        cls,
        *,
        saga_id: str,
        booking_id: str,
        currency: str,
        refund_card_minor: int,
        refund_wallet_minor: int,
        return_credits: int,
    ) -> tuple[Saga, Transition]:
        """Refunds card, then wallet, then pass credits; the place is released at the end."""
        refunds = {PAYMENTS: refund_card_minor, WALLET: refund_wallet_minor}
        saga = cls(
            id=saga_id,
            booking_id=booking_id,
            kind=SagaKind.CANCELLATION,
            currency=currency,
            total_minor=refund_card_minor + refund_wallet_minor,
            credits=return_credits,
            state=SagaState.FINALIZING,
            action=Action.REFUND,
            refund_minor={step: amount for step, amount in refunds.items() if amount > 0},
        )
        saga.queue = [step for step in (PAYMENTS, WALLET) if refunds[step] > 0]
        if return_credits > 0:
            saga.queue.append(PASSES)
        if not saga.queue:
            saga.state = SagaState.COMPLETED
            return saga, Transition(applied=True, booking_change=BookingChange.CANCEL)
        return saga, Transition(applied=True)

    @classmethod
    def for_change_payment(
        cls,
        *,
        saga_id: str,
        booking_id: str,
        currency: str,
        amount_minor: int,
        use_wallet: bool,
        use_card: bool,
        change: dict[str, Any],
    ) -> tuple[Saga, Transition]:
        """An extension: the difference is paid from the wallet (partial when a card
        follows), then the card; the pivot applies the change, the capture follows."""
        wanted = {WALLET: use_wallet, PAYMENTS: use_card}
        saga = cls(
            id=saga_id,
            booking_id=booking_id,
            kind=SagaKind.CHANGE,
            currency=currency,
            total_minor=amount_minor,
            queue=[step for step in (WALLET, PAYMENTS) if wanted[step]],
            change=dict(change),
        )
        return saga, saga._advance_execution()

    @classmethod
    def for_change_refund(
        cls,
        *,
        saga_id: str,
        booking_id: str,
        currency: str,
        refund_card_minor: int,
        refund_wallet_minor: int,
        change: dict[str, Any],
    ) -> tuple[Saga, Transition]:
        """A shortening: the difference goes back to the card, then the wallet; refunds only
        go forward. `covered` records what each source actually gave back."""
        refunds = {PAYMENTS: refund_card_minor, WALLET: refund_wallet_minor}
        saga = cls(
            id=saga_id,
            booking_id=booking_id,
            kind=SagaKind.CHANGE,
            currency=currency,
            total_minor=refund_card_minor + refund_wallet_minor,
            state=SagaState.FINALIZING,
            action=Action.REFUND,
            refund_minor={step: amount for step, amount in refunds.items() if amount > 0},
            change=dict(change),
        )
        saga.queue = [step for step in (PAYMENTS, WALLET) if refunds[step] > 0]
        if not saga.queue:
            saga.state = SagaState.COMPLETED
            return saga, Transition(applied=True, booking_change=BookingChange.SETTLE_CHANGE)
        return saga, Transition(applied=True)

    # -- queries --------------------------------------------------------------------

    @property
    def current_step(self) -> str | None:
        return self.queue[0] if self.queue and not self.state.terminal else None

    @property
    def remaining_minor(self) -> int:
        return self.total_minor - sum(self.covered.values())

    def next_command(self) -> Command | None:
        step = self.current_step
        if step is None:
            return None
        if self.action is Action.EXECUTE:
            return self._execute_command(step)
        if self.action is Action.REFUND:
            credits = self.credits if step == PASSES else 0
            return Command(step, Action.REFUND, amount_minor=self.refund_minor.get(step, 0), credits=credits)
        return Command(step, self.action, amount_minor=self.covered.get(step, 0), credits=self.credits)

    def _execute_command(self, step: str) -> Command:
        remaining = self.remaining_minor
        if step == PASSES:
            return Command(
                step, Action.EXECUTE, amount_minor=min(self.base_minor, remaining), credits=self.credits
            )
        if step == WALLET:
            card_follows = PAYMENTS in self.queue[1:]
            return Command(
                step,
                Action.EXECUTE,
                amount_minor=remaining,
                allow_partial=card_follows,
                card_minimum_minor=CARD_MINIMUM_MINOR if card_follows else 0,
            )
        return Command(step, Action.EXECUTE, amount_minor=remaining)

    # -- transitions ----------------------------------------------------------------

    def apply(self, reply: Reply, message_id: str = "") -> Transition:
        """Applies a participant's reply; a reply to anything but the current step and
        attempt is ignored (an older attempt's answer may differ from a re-evaluation)."""
        transition = self._apply(reply)
        received = step_log.reply_received(reply, applied=transition.applied, message_id=message_id)
        return transition.after(received)

    def _apply(self, reply: Reply) -> Transition:
        if reply.step != self.current_step or reply.action is not self.action:
            return Transition(applied=False)
        if reply.attempt and reply.attempt != self.attempt:
            return Transition(applied=False)
        if self.action is Action.EXECUTE:
            return self._on_execute_reply(reply)
        if not reply.succeeded:
            # Compensation, finalization and refunds only go forward: the deadline re-sends.
            return Transition(applied=True)
        step = self.queue.pop(0)
        self.attempt = 0
        if self.kind is SagaKind.CHANGE and self.action is Action.REFUND:
            self.covered[step] = reply.amount_minor
            if step == WALLET:
                self.bonus_minor = reply.bonus_minor
        if self.queue:
            return Transition(applied=True)
        if self.action is Action.COMPENSATE:
            self.state = SagaState.COMPENSATED
            return Transition(applied=True, booking_change=self._undone())
        self.state = SagaState.COMPLETED
        if self.kind is SagaKind.CANCELLATION:
            return Transition(applied=True, booking_change=BookingChange.CANCEL)
        if self.kind is SagaKind.CHANGE:
            return Transition(applied=True, booking_change=BookingChange.SETTLE_CHANGE)
        return Transition(applied=True)

    def _undone(self) -> BookingChange:
        """What a compensated saga does to its booking: reject it, or revert the change."""
        return BookingChange.REVERT_CHANGE if self.kind is SagaKind.CHANGE else BookingChange.REJECT

    @property
    def before_pivot(self) -> bool:
        return self.action is Action.EXECUTE and not self.state.terminal

    def give_up_execution(self, reason: str) -> Transition:
        """Too many attempts before the pivot (or an operator's decision): compensate
        everything, the current step included, since it may have taken effect."""
        if not self.before_pivot:
            return Transition(applied=False)
        step = self.current_step
        if step is not None and step not in self.done:
            self.done.append(step)
        return self._start_compensation(reason)

    def time_out(self) -> Transition:
        """The current step's deadline passed. Before the pivot, after MAX_EXECUTE_ATTEMPTS
        attempts, the saga gives up and compensates (STEP_TIMED_OUT); otherwise nothing
        changes (`applied=False`) and the step is sent again."""
        timed_out = step_log.timed_out(self)
        if self.state is SagaState.RUNNING and self.attempt >= MAX_EXECUTE_ATTEMPTS:
            return self.give_up_execution("STEP_TIMED_OUT").after(timed_out)
        return Transition(applied=False, log=(timed_out,))

    def give_up_unpaid(self, reason: str) -> Transition:
        """A pay-later booking still unpaid is given up (only while AWAITING_PAYMENT): the
        customer cancelled it (`CANCELLED_BY_CUSTOMER`), the company did
        (`CANCELLED_BY_COMPANY`) or its time began (`UNPAID_AT_START`).
        The wallet step is compensated as any step before the pivot (a tombstone, or a refund
        of a debit that raced in: the business key makes it exactly once), then the booking
        is REJECTED with the reason and its place released."""
        if self.state is not SagaState.AWAITING_PAYMENT:
            return Transition(applied=False)
        given_up = step_log.effect(step_log.BOOKING, Effect.GIVE_UP_UNPAID, reason, attempt=self.attempt)
        return self.give_up_execution(reason).after(given_up)

    def give_up_for_cancelled_session(self) -> Transition:
        """A booking not paid yet (PENDING_PAYMENT) whose session the company cancelled is given
        up with `SESSION_CANCELLED`: while it awaits funds as `give_up_unpaid`, while its card
        awaits 3-D Secure (settled by card) as `give_up_card_wait`, otherwise before the pivot
        as any give-up (every step compensated). Not applied past the pivot (then it is paid,
        and cancelled with a full refund)."""
        if self.state is SagaState.AWAITING_PAYMENT:
            return self.give_up_unpaid(SESSION_CANCELLED)
        if self.awaiting_card:
            return self.give_up_card_wait(SESSION_CANCELLED)
        return self.give_up_execution(SESSION_CANCELLED)

    @property
    def awaiting_card(self) -> bool:
        """A booking's saga before its pivot whose current step is the card's authorization
        (waiting for the card holder's 3-D Secure answer or the provider's event)."""
        return (
            self.kind is SagaKind.BOOKING
            and self.state is SagaState.RUNNING
            and self.action is Action.EXECUTE
            and self.current_step == PAYMENTS
        )

    @property
    def given_up_by_cancel(self) -> bool:
        """A booking's saga compensating (or compensated) because its customer or company
        cancelled it before its pivot."""
        return (
            self.kind is SagaKind.BOOKING
            and self.action is Action.COMPENSATE
            and self.reason in (CANCELLED_BY_CUSTOMER, CANCELLED_BY_COMPANY)
        )

    def give_up_card_wait(self, reason: str) -> Transition:
        """A booking whose card authorization is still awaited (3-D Secure pending) is given up
        by its customer (`CANCELLED_BY_CUSTOMER`) or company (`CANCELLED_BY_COMPANY`); only
        while `awaiting_card`, so never past the pivot. Every step is compensated as on any
        failure before the pivot, the card's included: payments cancels the waiting payment at
        the provider (or voids an authorization that raced in) and refuses a late EXECUTE; the
        wallet and the pass are given back through their business keys, exactly once. The
        booking then ends REJECTED with the reason and its place released."""
        if not self.awaiting_card:
            return Transition(applied=False)
        given_up = step_log.effect(step_log.BOOKING, Effect.GIVE_UP_CARD_WAIT, reason, attempt=self.attempt)
        return self.give_up_execution(reason).after(given_up)

    def retry_by_operator(self, reason: str) -> Transition:
        """An operator has the current step sent again now; nothing else changes."""
        return Transition(applied=False, log=(step_log.operator_acted(self, OperatorAction.RETRY, reason),))

    def compensate_by_operator(self, reason: str) -> Transition:
        """An operator gives up a saga before its pivot (not applied after it)."""
        transition = self.give_up_execution("FORCED_BY_OPERATOR")
        if not transition.applied:
            return transition
        # Logged on the compensation's first step (attempt 0), where the saga now is.
        return transition.then(step_log.operator_acted(self, OperatorAction.FORCE_COMPENSATE, reason))

    def settle_by_card(self) -> Transition:
        """A pay-later booking is paid by card instead: the wallet step is abandoned and
        compensated (a tombstone, or a refund if a debit attempt was still in flight)."""
        if self.state is not SagaState.AWAITING_PAYMENT:
            return Transition(applied=False)
        self.state = SagaState.RUNNING
        self.pay_later = False
        self.queue = [PAYMENTS]
        self.attempt = 0
        return Transition(applied=True, side_commands=(Command(WALLET, Action.COMPENSATE),))

    def _on_execute_reply(self, reply: Reply) -> Transition:
        if not reply.succeeded:
            if self.pay_later and reply.step == WALLET and reply.reason == "INSUFFICIENT_FUNDS":
                # Keep the place and bill later: the same step is retried on a slow cadence.
                if self.state is SagaState.AWAITING_PAYMENT:
                    return Transition(applied=True)
                self.state = SagaState.AWAITING_PAYMENT
                self.reason = reply.reason
                return Transition(applied=True, booking_change=BookingChange.AWAIT_PAYMENT)
            return self._start_compensation(reply.reason or "STEP_FAILED")
        self.state = SagaState.RUNNING if self.state is SagaState.AWAITING_PAYMENT else self.state
        step = self.queue.pop(0)
        self.attempt = 0
        self.done.append(step)
        self.covered[step] = reply.amount_minor
        if step == WALLET:
            self.bonus_minor = reply.bonus_minor
        if reply.reference:
            self.references[step] = reply.reference
        return self._advance_execution()

    def _advance_execution(self) -> Transition:
        # A source asked for nothing is skipped (e.g. the wallet paid it all: no card).
        while self.queue and self.remaining_minor <= 0:
            self.queue.pop(0)
        if self.queue:
            return Transition(applied=True)
        if self.remaining_minor > 0:
            return self._start_compensation("PAYMENT_INCOMPLETE")
        return self._pivot()

    def _pivot(self) -> Transition:
        self.state = SagaState.FINALIZING
        self.action = Action.FINALIZE
        self.queue = [step for step in self.done if step in FINALIZABLE]
        if not self.queue:
            self.state = SagaState.COMPLETED
        pivot = BookingChange.APPLY_CHANGE if self.kind is SagaKind.CHANGE else BookingChange.CONFIRM
        return Transition(applied=True, booking_change=pivot)

    def _start_compensation(self, reason: str) -> Transition:
        self.reason = reason
        self.state = SagaState.COMPENSATING
        self.action = Action.COMPENSATE
        self.attempt = 0
        self.queue = list(reversed(self.done))
        if not self.queue:
            self.state = SagaState.COMPENSATED
            return Transition(applied=True, booking_change=self._undone())
        return Transition(applied=True)

    # -- persistence shape ------------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Saga:
        values = dict(data)
        values["kind"] = SagaKind(values["kind"])
        values["state"] = SagaState(values["state"])
        values["action"] = Action(values["action"])
        return cls(**values)
