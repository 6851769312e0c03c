"""The wallet's rules without I/O: debit and refund splits, paging tokens, command checks."""

import pytest

from bookingplatform.common.v1 import money_pb2
from bookingplatform.saga.v1 import saga_pb2
from plumbing import paging
from plumbing.errors import InvalidArgument
from plumbing.saga_protocol import StepAction
from wallet.domain.model import (
    Debit,
    Split,
    allocate,
    saga_business_key,
    split_debit,
    split_refund,
    spread_refund,
    topup_business_key,
)
from wallet.domain.validation import check_currency, check_positive_amount, entry_page_token, parse_id
from wallet.entrypoints.saga import step_from_proto

ID = "6f1c1f7e-3a57-4f39-9d55-0d3c2a1b2c3d"


def test_a_debit_takes_bonus_before_main():
    assert split_debit(bonus_balance=300, main_balance=1000, amount=500, allow_partial=False) == Split(
        bonus=300, main=200
    )


def test_a_debit_covered_by_bonus_leaves_main_alone():
    assert split_debit(bonus_balance=800, main_balance=1000, amount=500, allow_partial=False) == Split(
        bonus=500, main=0
    )


def test_a_debit_beyond_both_balances_is_refused_without_allow_partial():
    assert split_debit(bonus_balance=100, main_balance=200, amount=301, allow_partial=False) is None


def test_a_partial_debit_takes_everything_there_is_up_to_the_amount():
    assert split_debit(bonus_balance=100, main_balance=200, amount=500, allow_partial=True) == Split(
        bonus=100, main=200
    )
    assert split_debit(bonus_balance=100, main_balance=200, amount=150, allow_partial=True) == Split(
        bonus=100, main=50
    )


def test_a_partial_debit_of_an_empty_wallet_takes_nothing():
    assert split_debit(bonus_balance=0, main_balance=0, amount=500, allow_partial=True) == Split()


def test_a_debit_of_exactly_the_balances_empties_both():
    assert split_debit(bonus_balance=120, main_balance=380, amount=500, allow_partial=False) == Split(
        bonus=120, main=380
    )


def test_a_refund_gives_back_main_before_bonus():
    assert split_refund(refundable=Split(bonus=300, main=200), amount=250) == Split(bonus=50, main=200)
    assert split_refund(refundable=Split(bonus=300, main=200), amount=150) == Split(bonus=0, main=150)


def test_a_refund_never_gives_back_more_than_is_refundable():
    assert split_refund(refundable=Split(bonus=300, main=200), amount=10_000) == Split(bonus=300, main=200)
    assert split_refund(refundable=Split(), amount=500) == Split()


def test_a_refund_is_spread_over_a_bookings_debits_oldest_first():
    def debit(taken: Split, refunded: Split) -> Debit:
        return Debit(
            saga_id="s", company_id="c", customer_id="u", currency="EUR", taken=taken, refunded=refunded
        )

    debits = [
        debit(Split(bonus=100, main=100), Split(bonus=0, main=60)),
        debit(Split(bonus=50, main=200), Split()),
    ]
    assert [d.refundable for d in debits] == [Split(bonus=100, main=40), Split(bonus=50, main=200)]
    assert spread_refund(debits, Split(bonus=120, main=100)) == [
        Split(bonus=100, main=40),
        Split(bonus=20, main=60),
    ]


def test_allocation_refuses_more_than_the_capacity():
    assert allocate(5, [2, 0, 4]) == [2, 0, 3]
    with pytest.raises(ValueError):
        allocate(7, [2, 4])


def test_a_split_cannot_hold_a_negative_part():
    with pytest.raises(ValueError):
        Split(bonus=-1)


def test_business_keys_name_the_company_request_or_saga_action():
    assert topup_business_key("c1", "r1") == "topup:c1:r1"
    assert saga_business_key("s1", StepAction.REFUND) == "saga:s1:wallet:REFUND"


def test_page_tokens_round_trip_and_foreign_tokens_are_refused():
    assert entry_page_token(paging.encode_page_token(42)) == 42
    assert entry_page_token("") is None
    for token in ("garbage!", paging.encode_page_token(0), paging.encode_page_token("x"), "ZW50cmllczp2MTp4"):
        with pytest.raises(InvalidArgument) as raised:
            entry_page_token(token)
        assert (raised.value.reason, raised.value.field) == ("INVALID_PAGE_TOKEN", "page_token")


def test_inputs_are_refused_with_a_reason_and_the_field():
    with pytest.raises(InvalidArgument) as raised:
        parse_id("not-a-uuid", "customer_id")
    assert (raised.value.reason, raised.value.field) == ("INVALID_ID", "customer_id")
    with pytest.raises(InvalidArgument) as raised:
        check_positive_amount(0, "amount.amount_minor")
    assert raised.value.reason == "INVALID_AMOUNT"
    with pytest.raises(InvalidArgument) as raised:
        check_currency("eur", "amount.currency_code")
    assert raised.value.reason == "INVALID_CURRENCY"
    assert parse_id(ID.upper(), "company_id") == ID


def test_a_saga_command_is_translated_and_checked():
    command = saga_pb2.StepCommand(
        saga_id=ID,
        step="wallet",
        action=saga_pb2.STEP_ACTION_EXECUTE,
        booking_id=ID,
        company_id=ID,
        customer_id=ID,
        amount=money_pb2.Money(amount_minor=500, currency_code="EUR"),
        allow_partial=True,
    )
    step = step_from_proto(command)
    assert (step.action, step.amount, step.currency, step.allow_partial) == (
        StepAction.EXECUTE,
        500,
        "EUR",
        True,
    )
    command.booking_id = ""
    with pytest.raises(InvalidArgument) as raised:
        step_from_proto(command)
    assert raised.value.field == "booking_id"
    command.booking_id, command.step = ID, "payments"
    with pytest.raises(InvalidArgument):
        step_from_proto(command)
