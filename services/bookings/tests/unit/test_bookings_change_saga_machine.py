"""The change saga (a booking's period moving), step by step, with no I/O."""

from bookings.domain.saga import Action, BookingChange, Reply, Saga, SagaKind, SagaState

CHANGE = {"new_end": "2031-01-03T10:00:00+00:00"}


def extension(*, use_wallet=True, use_card=False, amount=5000):
    return Saga.for_change_payment(
        saga_id="c",
        booking_id="b",
        currency="EUR",
        amount_minor=amount,
        use_wallet=use_wallet,
        use_card=use_card,
        change=CHANGE,
    )


def shortening(*, card=0, wallet=0):
    return Saga.for_change_refund(
        saga_id="c",
        booking_id="b",
        currency="EUR",
        refund_card_minor=card,
        refund_wallet_minor=wallet,
        change=CHANGE,
    )


def ok(step, action=Action.EXECUTE, amount=0, bonus=0, reference=""):
    return Reply(step, action, True, amount_minor=amount, bonus_minor=bonus, reference=reference)


def failed(step, reason, action=Action.EXECUTE):
    return Reply(step, action, False, reason=reason)


def test_an_extension_paid_by_the_wallet_applies_the_change_at_the_pivot_and_is_done():
    saga, transition = extension()
    assert (saga.kind, transition.booking_change) == (SagaKind.CHANGE, None)
    command = saga.next_command()
    assert (command.step, command.action, command.amount_minor, command.allow_partial) == (
        "wallet",
        Action.EXECUTE,
        5000,
        False,
    )
    transition = saga.apply(ok("wallet", amount=5000, bonus=1000))
    assert transition.booking_change is BookingChange.APPLY_CHANGE
    assert saga.state is SagaState.COMPLETED
    assert (saga.covered, saga.bonus_minor) == ({"wallet": 5000}, 1000)


def test_an_extension_takes_part_from_the_wallet_the_rest_from_the_card_then_captures():
    saga, _ = extension(use_card=True)
    assert saga.next_command().allow_partial is True
    saga.apply(ok("wallet", amount=2000))
    card = saga.next_command()
    assert (card.step, card.amount_minor) == ("payments", 3000)
    assert (
        saga.apply(ok("payments", amount=3000, reference="pay-2")).booking_change
        is BookingChange.APPLY_CHANGE
    )
    assert (saga.state, saga.next_command().action) == (SagaState.FINALIZING, Action.FINALIZE)
    transition = saga.apply(ok("payments", Action.FINALIZE))
    assert transition.booking_change is BookingChange.SETTLE_CHANGE
    assert saga.state is SagaState.COMPLETED


def test_an_extension_the_wallet_cannot_pay_is_reverted_at_once():
    saga, _ = extension()
    transition = saga.apply(failed("wallet", "INSUFFICIENT_FUNDS"))
    assert transition.booking_change is BookingChange.REVERT_CHANGE
    assert (saga.state, saga.reason) == (SagaState.COMPENSATED, "INSUFFICIENT_FUNDS")


def test_a_declined_card_refunds_the_wallet_part_then_reverts_the_change():
    saga, _ = extension(use_card=True)
    saga.apply(ok("wallet", amount=2000))
    assert saga.apply(failed("payments", "CARD_DECLINED")).booking_change is None
    refund = saga.next_command()
    assert (refund.step, refund.action, refund.amount_minor) == ("wallet", Action.COMPENSATE, 2000)
    assert saga.apply(ok("wallet", Action.COMPENSATE)).booking_change is BookingChange.REVERT_CHANGE
    assert saga.state is SagaState.COMPENSATED


def test_an_extension_given_up_after_timeouts_is_reverted_too():
    saga, _ = extension()
    transition = saga.give_up_execution("STEP_TIMED_OUT")
    assert transition.booking_change is None
    assert saga.next_command().action is Action.COMPENSATE
    assert saga.apply(ok("wallet", Action.COMPENSATE)).booking_change is BookingChange.REVERT_CHANGE


def test_a_shortening_refunds_the_card_then_the_wallet_and_records_what_came_back():
    saga, transition = shortening(card=1500, wallet=2500)
    assert transition.booking_change is None
    assert (saga.state, saga.action) == (SagaState.FINALIZING, Action.REFUND)
    first = saga.next_command()
    assert (first.step, first.action, first.amount_minor) == ("payments", Action.REFUND, 1500)
    assert saga.apply(ok("payments", Action.REFUND, amount=1500)).booking_change is None
    second = saga.next_command()
    assert (second.step, second.amount_minor) == ("wallet", 2500)
    transition = saga.apply(ok("wallet", Action.REFUND, amount=2500, bonus=500))
    assert transition.booking_change is BookingChange.SETTLE_CHANGE
    assert saga.state is SagaState.COMPLETED
    assert (saga.covered, saga.bonus_minor) == ({"payments": 1500, "wallet": 2500}, 500)


def test_a_failed_refund_is_retried_not_compensated():
    saga, _ = shortening(wallet=1000)
    assert saga.apply(failed("wallet", "UNAVAILABLE", Action.REFUND)).booking_change is None
    assert (saga.state, saga.current_step) == (SagaState.FINALIZING, "wallet")


def test_a_shortening_with_nothing_to_refund_is_settled_at_once():
    saga, transition = shortening()
    assert transition.booking_change is BookingChange.SETTLE_CHANGE
    assert saga.state is SagaState.COMPLETED


def test_the_change_survives_a_round_trip_and_old_rows_still_load():
    saga, _ = extension()
    assert Saga.from_data(saga.to_data()) == saga
    stored_before_changes = saga.to_data()
    del stored_before_changes["change"]
    stored_before_changes["kind"] = "booking"
    assert Saga.from_data(stored_before_changes).change == {}


def test_a_booking_saga_still_confirms_and_rejects():
    saga, _ = Saga.for_booking(
        saga_id="s",
        booking_id="b",
        currency="EUR",
        total_minor=100,
        base_minor=100,
        credits=1,
        use_pass=False,
        use_wallet=True,
        use_card=False,
    )
    assert saga.apply(ok("wallet", amount=100)).booking_change is BookingChange.CONFIRM
    rejected, _ = Saga.for_booking(
        saga_id="s",
        booking_id="b",
        currency="EUR",
        total_minor=100,
        base_minor=100,
        credits=1,
        use_pass=False,
        use_wallet=True,
        use_card=False,
    )
    assert rejected.apply(failed("wallet", "INSUFFICIENT_FUNDS")).booking_change is BookingChange.REJECT
