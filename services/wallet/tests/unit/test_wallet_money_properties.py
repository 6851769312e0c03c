"""Properties of the wallet's bonus/main arithmetic (hypothesis): a debit takes bonus first and
never more than asked or held, a refund gives back main first and never more than the debit
took, spreading over debits preserves the sums, and amounts past the bound are refused."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plumbing import money
from plumbing.errors import InvalidArgument
from wallet.domain.model import Debit, Split, split_debit, split_refund, spread_refund
from wallet.domain.validation import check_positive_amount

amounts = st.integers(min_value=0, max_value=money.MAX_AMOUNT_MINOR)


@given(bonus=amounts, main=amounts, amount=amounts, allow_partial=st.booleans())
def test_a_debit_takes_bonus_first_never_more_than_asked_or_held(bonus, main, amount, allow_partial):
    split = split_debit(bonus_balance=bonus, main_balance=main, amount=amount, allow_partial=allow_partial)
    if split is None:
        assert not allow_partial and bonus + main < amount
        return
    assert 0 <= split.bonus <= bonus and 0 <= split.main <= main
    assert split.total == min(amount, bonus + main)
    assert split.bonus == min(bonus, amount)  # bonus first
    if not allow_partial:
        assert split.total == amount


@given(bonus=amounts, main=amounts, amount=amounts, card_minimum=st.integers(min_value=0, max_value=10_000))
def test_a_partial_debit_leaves_the_card_nothing_or_at_least_its_minimum(bonus, main, amount, card_minimum):
    split = split_debit(
        bonus_balance=bonus, main_balance=main, amount=amount, allow_partial=True, card_minimum=card_minimum
    )
    assert split is not None
    assert 0 <= split.bonus <= bonus and 0 <= split.main <= main
    left_to_card = amount - split.total
    if amount >= card_minimum:
        assert left_to_card == 0 or left_to_card >= card_minimum
    else:
        assert split.total == min(amount, bonus + main)  # nothing better to do
    # As much from the wallet as that allows, bonus first.
    assert split.total in (min(amount, bonus + main), amount - card_minimum)
    assert split.bonus == min(bonus, split.total)


@given(taken_bonus=amounts, taken_main=amounts, amount=amounts)
def test_a_refund_gives_back_main_first_never_more_than_refundable(taken_bonus, taken_main, amount):
    refund = split_refund(refundable=Split(bonus=taken_bonus, main=taken_main), amount=amount)
    assert 0 <= refund.main <= taken_main and 0 <= refund.bonus <= taken_bonus
    assert refund.total == min(amount, taken_bonus + taken_main)
    assert refund.main == min(taken_main, amount)


@given(st.lists(st.tuples(amounts, amounts), min_size=1, max_size=5), st.data())
def test_spreading_a_refund_over_debits_preserves_each_balance_sum(debits, data):
    booked = [
        Debit("s", "c", "u", "EUR", taken=Split(bonus=bonus, main=main), refunded=Split())
        for bonus, main in debits
    ]
    refund = Split(
        bonus=data.draw(st.integers(0, sum(bonus for bonus, _ in debits))),
        main=data.draw(st.integers(0, sum(main for _, main in debits))),
    )
    parts = spread_refund(booked, refund)
    assert sum(part.bonus for part in parts) == refund.bonus
    assert sum(part.main for part in parts) == refund.main
    for part, debit in zip(parts, booked, strict=True):
        assert 0 <= part.bonus <= debit.taken.bonus and 0 <= part.main <= debit.taken.main


@given(st.integers(min_value=money.MAX_AMOUNT_MINOR + 1, max_value=2**63 - 1))
def test_a_top_up_past_the_bound_is_refused_as_too_large(amount):
    with pytest.raises(InvalidArgument) as refused:
        check_positive_amount(amount, "amount.amount_minor")
    assert refused.value.reason == money.AMOUNT_TOO_LARGE


@given(st.integers(min_value=1, max_value=money.MAX_AMOUNT_MINOR))
def test_a_top_up_inside_the_bound_is_kept(amount):
    assert check_positive_amount(amount, "amount.amount_minor") == amount
