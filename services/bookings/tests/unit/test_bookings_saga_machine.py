"""The saga state machine, step by step, with no I/O."""

from bookings.domain.saga import (
    CARD_MINIMUM_MINOR,
    MAX_EXECUTE_ATTEMPTS,
    Action,
    BookingChange,
    Reply,
    Saga,
    SagaKind,
    SagaState,
)
from bookings.domain.step_log import StepKind


def booking_saga(*, use_pass=False, use_wallet=False, use_card=False, total=3000, base=2000, credits=1):
    return Saga.for_booking(
        saga_id="s",
        booking_id="b",
        currency="EUR",
        total_minor=total,
        base_minor=base,
        credits=credits,
        use_pass=use_pass,
        use_wallet=use_wallet,
        use_card=use_card,
    )


def ok(step, action=Action.EXECUTE, amount=0, bonus=0, reference=""):
    return Reply(step, action, True, amount_minor=amount, bonus_minor=bonus, reference=reference)


def failed(step, reason, action=Action.EXECUTE):
    return Reply(step, action, False, reason=reason)


def test_a_wallet_only_booking_confirms_when_the_debit_succeeds_and_needs_no_finalize():
    saga, transition = booking_saga(use_wallet=True)
    assert transition.booking_change is None
    command = saga.next_command()
    assert (command.step, command.action, command.amount_minor, command.allow_partial) == (
        "wallet",
        Action.EXECUTE,
        3000,
        False,
    )
    assert command.card_minimum_minor == 0  # no card follows
    transition = saga.apply(ok("wallet", amount=3000, bonus=500))
    assert transition.booking_change is BookingChange.CONFIRM
    assert saga.state is SagaState.COMPLETED
    assert saga.bonus_minor == 500
    assert saga.next_command() is None


def test_pass_covers_the_places_and_the_wallet_pays_the_extras_then_the_credit_is_consumed():
    saga, _ = booking_saga(use_pass=True, use_wallet=True)
    first = saga.next_command()
    assert (first.step, first.amount_minor, first.credits) == ("passes", 2000, 1)
    saga.apply(ok("passes", amount=2000, reference="hold-1"))
    second = saga.next_command()
    assert (second.step, second.amount_minor) == ("wallet", 1000)
    transition = saga.apply(ok("wallet", amount=1000))
    assert transition.booking_change is BookingChange.CONFIRM
    assert saga.state is SagaState.FINALIZING
    assert saga.next_command().step == "passes"
    assert saga.next_command().action is Action.FINALIZE
    saga.apply(ok("passes", Action.FINALIZE))
    assert saga.state is SagaState.COMPLETED


def test_the_wallet_may_pay_part_when_a_card_follows_and_the_card_pays_the_rest():
    saga, _ = booking_saga(use_wallet=True, use_card=True)
    wallet = saga.next_command()
    assert (wallet.allow_partial, wallet.card_minimum_minor) == (True, CARD_MINIMUM_MINOR)
    saga.apply(ok("wallet", amount=1200))
    card = saga.next_command()
    assert (card.step, card.amount_minor) == ("payments", 1800)
    assert saga.apply(ok("payments", amount=1800, reference="pay-1")).booking_change is BookingChange.CONFIRM
    assert saga.next_command().action is Action.FINALIZE
    assert saga.references["payments"] == "pay-1"


def test_the_card_is_skipped_when_the_wallet_paid_everything():
    saga, _ = booking_saga(use_wallet=True, use_card=True)
    transition = saga.apply(ok("wallet", amount=3000))
    assert transition.booking_change is BookingChange.CONFIRM
    assert saga.state is SagaState.COMPLETED


def test_a_declined_card_after_a_wallet_debit_compensates_the_wallet_then_rejects():
    saga, _ = booking_saga(use_wallet=True, use_card=True)
    saga.apply(ok("wallet", amount=1000))
    transition = saga.apply(failed("payments", "CARD_DECLINED"))
    assert transition.booking_change is None
    assert saga.state is SagaState.COMPENSATING
    refund = saga.next_command()
    assert (refund.step, refund.action, refund.amount_minor) == ("wallet", Action.COMPENSATE, 1000)
    transition = saga.apply(ok("wallet", Action.COMPENSATE))
    assert transition.booking_change is BookingChange.REJECT
    assert saga.state is SagaState.COMPENSATED
    assert saga.reason == "CARD_DECLINED"


def test_compensation_runs_in_reverse_order_of_execution():
    saga, _ = booking_saga(use_pass=True, use_wallet=True, use_card=True, total=5000, base=2000)
    saga.apply(ok("passes", amount=2000))
    saga.apply(ok("wallet", amount=1000))
    saga.apply(failed("payments", "CARD_DECLINED"))
    order = []
    while saga.current_step:
        command = saga.next_command()
        order.append(command.step)
        saga.apply(ok(command.step, Action.COMPENSATE))
    assert order == ["wallet", "passes"]
    assert saga.state is SagaState.COMPENSATED


def test_a_first_step_failure_rejects_at_once_with_nothing_to_undo():
    saga, _ = booking_saga(use_wallet=True)
    transition = saga.apply(failed("wallet", "INSUFFICIENT_FUNDS"))
    assert transition.booking_change is BookingChange.REJECT
    assert saga.state is SagaState.COMPENSATED


def test_a_reply_for_another_step_or_action_is_ignored():
    saga, _ = booking_saga(use_wallet=True, use_card=True)
    assert saga.apply(ok("payments", amount=3000)).applied is False
    assert saga.apply(ok("wallet", Action.COMPENSATE)).applied is False
    assert saga.current_step == "wallet"


def test_a_duplicate_reply_after_the_step_moved_on_is_ignored():
    saga, _ = booking_saga(use_wallet=True, use_card=True)
    saga.apply(ok("wallet", amount=1000))
    assert saga.apply(ok("wallet", amount=1000)).applied is False
    assert saga.covered == {"wallet": 1000}


def test_a_failed_finalize_keeps_the_step_for_a_retry():
    saga, _ = booking_saga(use_card=True)
    saga.apply(ok("payments", amount=3000))
    transition = saga.apply(failed("payments", "PROVIDER_DOWN", Action.FINALIZE))
    assert transition.applied and transition.booking_change is None
    assert saga.current_step == "payments" and saga.state is SagaState.FINALIZING


def test_giving_up_a_timed_out_step_compensates_it_too():
    saga, _ = booking_saga(use_wallet=True, use_card=True)
    saga.apply(ok("wallet", amount=1000))
    saga.give_up_execution("STEP_TIMED_OUT")
    assert saga.queue == ["payments", "wallet"]
    assert saga.action is Action.COMPENSATE and saga.reason == "STEP_TIMED_OUT"


def test_a_deadline_re_sends_the_step_until_the_last_attempt_before_the_pivot_then_gives_up():
    saga, _ = booking_saga(use_wallet=True, use_card=True)
    saga.apply(ok("wallet", amount=1000))
    saga.attempt = MAX_EXECUTE_ATTEMPTS - 1
    assert saga.time_out().applied is False
    assert (saga.current_step, saga.action) == ("payments", Action.EXECUTE)

    saga.attempt = MAX_EXECUTE_ATTEMPTS
    assert saga.time_out().applied
    assert (saga.action, saga.reason, saga.queue) == (
        Action.COMPENSATE,
        "STEP_TIMED_OUT",
        ["payments", "wallet"],
    )


def test_after_the_pivot_a_deadline_only_re_sends_however_many_attempts():
    saga, _ = booking_saga(use_card=True)
    saga.apply(ok("payments", amount=3000))
    saga.attempt = MAX_EXECUTE_ATTEMPTS * 10
    assert saga.time_out().applied is False
    assert (saga.state, saga.current_step, saga.action) == (SagaState.FINALIZING, "payments", Action.FINALIZE)


def test_a_free_booking_confirms_with_no_steps():
    saga, transition = booking_saga(use_wallet=True, total=0, base=0)
    assert transition.booking_change is BookingChange.CONFIRM
    assert saga.state is SagaState.COMPLETED


def test_a_cancellation_refunds_card_then_wallet_then_pass_and_cancels():
    saga, transition = Saga.for_cancellation(
        saga_id="c",
        booking_id="b",
        currency="EUR",
        refund_card_minor=700,
        refund_wallet_minor=300,
        return_credits=2,
    )
    assert saga.kind is SagaKind.CANCELLATION and transition.booking_change is None
    steps = []
    while saga.current_step:
        command = saga.next_command()
        steps.append((command.step, command.amount_minor, command.credits))
        transition = saga.apply(ok(command.step, Action.REFUND))
    assert steps == [("payments", 700, 0), ("wallet", 300, 0), ("passes", 0, 2)]
    assert transition.booking_change is BookingChange.CANCEL
    assert saga.state is SagaState.COMPLETED


def test_a_cancellation_with_nothing_to_refund_cancels_at_once():
    saga, transition = Saga.for_cancellation(
        saga_id="c",
        booking_id="b",
        currency="EUR",
        refund_card_minor=0,
        refund_wallet_minor=0,
        return_credits=0,
    )
    assert transition.booking_change is BookingChange.CANCEL
    assert saga.state is SagaState.COMPLETED


def test_a_saga_survives_a_round_trip_through_its_stored_form():
    saga, _ = booking_saga(use_pass=True, use_wallet=True)
    saga.apply(ok("passes", amount=2000, reference="h"))
    restored = Saga.from_data(saga.to_data())
    assert restored == saga
    assert restored.next_command() == saga.next_command()


def test_a_reply_to_an_older_attempt_is_ignored_once_the_step_was_re_sent():
    saga, _ = booking_saga(use_wallet=True)
    saga.attempt = 2  # the step was re-sent after its deadline
    stale = Reply("wallet", Action.EXECUTE, False, reason="INSUFFICIENT_FUNDS", attempt=1)
    assert saga.apply(stale).applied is False
    fresh = Reply("wallet", Action.EXECUTE, True, amount_minor=3000, attempt=2)
    assert saga.apply(fresh).booking_change is BookingChange.CONFIRM


def pay_later_saga():
    saga, _ = Saga.for_booking(
        saga_id="s",
        booking_id="b",
        currency="EUR",
        total_minor=2000,
        base_minor=2000,
        credits=1,
        use_pass=False,
        use_wallet=True,
        use_card=False,
        pay_later=True,
    )
    return saga


def test_a_pay_later_booking_waits_for_payment_instead_of_compensating():
    saga = pay_later_saga()
    transition = saga.apply(failed("wallet", "INSUFFICIENT_FUNDS"))
    assert transition.booking_change is BookingChange.AWAIT_PAYMENT
    assert saga.state is SagaState.AWAITING_PAYMENT
    assert saga.next_command().step == "wallet"
    # Another failed billing attempt changes nothing; a successful one confirms.
    assert saga.apply(failed("wallet", "INSUFFICIENT_FUNDS")).booking_change is None
    assert saga.state is SagaState.AWAITING_PAYMENT
    assert saga.apply(ok("wallet", amount=2000)).booking_change is BookingChange.CONFIRM


def test_pay_later_does_not_hide_other_failures():
    saga = pay_later_saga()
    transition = saga.apply(failed("wallet", "INVALID_COMMAND"))
    assert transition.booking_change is BookingChange.REJECT


def test_settling_by_card_abandons_the_wallet_with_a_compensation_and_charges_the_card():
    saga = pay_later_saga()
    saga.apply(failed("wallet", "INSUFFICIENT_FUNDS"))
    transition = saga.settle_by_card()
    assert transition.side_commands[0].step == "wallet"
    assert transition.side_commands[0].action is Action.COMPENSATE
    card = saga.next_command()
    assert (card.step, card.action, card.amount_minor) == ("payments", Action.EXECUTE, 2000)
    assert saga.apply(ok("payments", amount=2000)).booking_change is BookingChange.CONFIRM


def test_only_a_saga_awaiting_payment_can_be_settled():
    saga, _ = booking_saga(use_wallet=True)
    assert saga.settle_by_card().applied is False


def test_an_operator_can_compensate_before_the_pivot_but_not_after():
    saga, _ = booking_saga(use_wallet=True, use_card=True)
    saga.apply(ok("wallet", amount=1000))
    assert saga.give_up_execution("FORCED_BY_OPERATOR").applied
    assert saga.queue == ["payments", "wallet"]
    done, _ = booking_saga(use_card=True)
    done.apply(ok("payments", amount=3000))
    assert done.give_up_execution("FORCED_BY_OPERATOR").applied is False


def test_a_transition_carries_the_step_log_rows_of_the_reply_applied_or_ignored():
    saga, _ = booking_saga(use_wallet=True, use_card=True)
    saga.attempt = 1
    reply = Reply("wallet", Action.EXECUTE, True, amount_minor=1000, bonus_minor=200, attempt=1)
    applied = saga.apply(reply, "m1")
    assert [(r.step, r.kind, r.action, r.attempt, r.outcome, r.message_id) for r in applied.log] == [
        ("wallet", StepKind.REPLY, "execute", 1, "SUCCEEDED", "m1")
    ]
    assert (applied.log[0].amount_minor, applied.log[0].bonus_minor) == (1000, 200)
    ignored = saga.apply(failed("wallet", "INSUFFICIENT_FUNDS"), "m2")
    assert not ignored.applied
    assert [(r.kind, r.outcome, r.message_id) for r in ignored.log] == [
        (StepKind.IGNORED, "INSUFFICIENT_FUNDS", "m2")
    ]


def test_a_timeout_is_logged_on_the_step_and_attempt_that_ran_out_before_the_saga_moves():
    saga, _ = booking_saga(use_wallet=True, use_card=True)
    saga.attempt = MAX_EXECUTE_ATTEMPTS
    gave_up = saga.time_out()
    assert gave_up.applied and saga.action is Action.COMPENSATE
    assert [(r.step, r.kind, r.action, r.attempt) for r in gave_up.log] == [
        ("wallet", StepKind.TIMEOUT, "execute", MAX_EXECUTE_ATTEMPTS)
    ]


def test_an_operator_action_is_logged_with_its_reason_on_where_the_saga_then_is():
    saga, _ = booking_saga(use_wallet=True, use_card=True)
    saga.apply(ok("wallet", amount=1000))
    saga.attempt = 3
    retried = saga.retry_by_operator("provider back")
    assert [(r.step, r.kind, r.action, r.attempt, r.outcome) for r in retried.log] == [
        ("payments", StepKind.OPERATOR, "retry", 3, "provider back")
    ]
    forced = saga.compensate_by_operator("customer asked")
    assert forced.applied
    assert [(r.step, r.kind, r.action, r.attempt, r.outcome) for r in forced.log] == [
        ("payments", StepKind.OPERATOR, "force_compensate", 0, "customer asked")
    ]
    assert not saga.compensate_by_operator("again").applied


def test_an_unpaid_booking_is_given_up_by_compensating_the_wallet_once_then_rejected():
    saga = pay_later_saga()
    assert saga.give_up_unpaid("CANCELLED_BY_CUSTOMER").applied is False  # not awaiting payment yet
    saga.apply(failed("wallet", "INSUFFICIENT_FUNDS"))
    transition = saga.give_up_unpaid("UNPAID_AT_START")
    assert transition.applied and transition.booking_change is None
    assert (transition.log[0].action, transition.log[0].outcome) == ("give_up_unpaid", "UNPAID_AT_START")
    assert (saga.state, saga.action, saga.queue, saga.reason) == (
        SagaState.COMPENSATING,
        Action.COMPENSATE,
        ["wallet"],
        "UNPAID_AT_START",
    )
    # A debit that raced in is not taken (the compensation gives it back); then REJECTED.
    assert saga.apply(ok("wallet", amount=2000)).applied is False
    assert saga.give_up_unpaid("CANCELLED_BY_CUSTOMER").applied is False
    done = saga.apply(ok("wallet", action=Action.COMPENSATE))
    assert (done.booking_change, saga.state) == (BookingChange.REJECT, SagaState.COMPENSATED)


def test_a_booking_whose_card_is_awaited_is_given_up_by_compensating_every_step_then_rejected():
    saga, _ = booking_saga(use_wallet=True, use_card=True)
    # Not while an earlier step runs: only the card's authorization is given up.
    assert saga.give_up_card_wait("CANCELLED_BY_CUSTOMER").applied is False
    saga.apply(ok("wallet", amount=500))
    assert saga.awaiting_card and not saga.given_up_by_cancel
    transition = saga.give_up_card_wait("CANCELLED_BY_CUSTOMER")
    assert transition.applied and transition.booking_change is None
    assert (transition.log[0].action, transition.log[0].outcome) == (
        "give_up_card_wait",
        "CANCELLED_BY_CUSTOMER",
    )
    # The card's step is compensated too (its authorization may have raced in), then the wallet.
    assert (saga.state, saga.action, saga.queue) == (
        SagaState.COMPENSATING,
        Action.COMPENSATE,
        ["payments", "wallet"],
    )
    assert saga.given_up_by_cancel
    # An approval that raced in is not taken: no pivot; a second cancel changes nothing.
    assert saga.apply(ok("payments", amount=2500)).applied is False
    assert saga.give_up_card_wait("CANCELLED_BY_CUSTOMER").applied is False
    saga.apply(ok("payments", action=Action.COMPENSATE))
    done = saga.apply(ok("wallet", action=Action.COMPENSATE))
    assert (done.booking_change, saga.state, saga.reason) == (
        BookingChange.REJECT,
        SagaState.COMPENSATED,
        "CANCELLED_BY_CUSTOMER",
    )


def test_a_confirmed_booking_is_not_given_up_as_awaiting_its_card():
    saga, _ = booking_saga(use_card=True, total=2000)
    assert saga.awaiting_card
    confirmed = saga.apply(ok("payments", amount=2000))
    assert confirmed.booking_change is BookingChange.CONFIRM
    assert not saga.awaiting_card
    assert saga.give_up_card_wait("CANCELLED_BY_CUSTOMER").applied is False
