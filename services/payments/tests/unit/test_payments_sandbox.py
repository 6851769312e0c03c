"""The sandbox card provider answers like a real processor, deterministically by test card."""

import pytest

from payments.adapters.sandbox import (
    AUTHORIZATION_NOT_FOUND,
    AUTHORIZATION_NOT_OPEN,
    CHARGE_NOT_CAPTURED,
    REFUND_EXCEEDS_CHARGE,
    SandboxCardProvider,
)
from payments.domain.provider import AuthorizationOutcome


@pytest.fixture
def sandbox() -> SandboxCardProvider:
    return SandboxCardProvider()


@pytest.mark.parametrize("card", ["4242424242424242", "tok_visa", "555555555555", "4111111111111111111"])
async def test_approves_the_visa_test_card_its_token_and_other_12_to_19_digit_numbers(sandbox, card):
    answer = await sandbox.authorize("k1", 1000, "EUR", card)
    assert answer.outcome is AuthorizationOutcome.APPROVED
    assert answer.approved
    assert answer.decline_reason is None
    assert answer.provider_reference.startswith("sbx_auth_")


@pytest.mark.parametrize(
    ("card", "reason"),
    [
        ("4000000000000002", "CARD_DECLINED"),
        ("tok_chargeDeclined", "CARD_DECLINED"),
        ("4000000000009995", "CARD_INSUFFICIENT_FUNDS"),
        ("tok_insufficientFunds", "CARD_INSUFFICIENT_FUNDS"),
        ("4000000000000069", "CARD_EXPIRED"),
        ("tok_expiredCard", "CARD_EXPIRED"),
        ("tok_unknown", "INVALID_CARD"),
        ("12345678901", "INVALID_CARD"),  # 11 digits
        ("12345678901234567890", "INVALID_CARD"),  # 20 digits
        ("4242 4242 4242 4242", "INVALID_CARD"),
        ("424242424242424x", "INVALID_CARD"),
        ("\uff14\uff12" * 8, "INVALID_CARD"),  # full-width digits are not card digits
    ],
)
async def test_declines_test_cards_with_their_reason(sandbox, card, reason):
    answer = await sandbox.authorize("k1", 1000, "EUR", card)
    assert answer.outcome is AuthorizationOutcome.DECLINED
    assert answer.decline_reason == reason
    assert answer.provider_reference.startswith("sbx_decl_")


async def test_the_same_key_gets_the_same_answer_and_reference_even_with_another_card(sandbox):
    first = await sandbox.authorize("key-1", 1000, "EUR", "tok_visa")
    again = await sandbox.authorize("key-1", 1000, "EUR", "tok_chargeDeclined")
    assert again == first


async def test_references_are_derived_from_the_key_so_a_restarted_sandbox_gives_the_same_one():
    before_restart = await SandboxCardProvider().authorize("key-1", 1000, "EUR", "tok_visa")
    after_restart = await SandboxCardProvider().authorize("key-1", 1000, "EUR", "tok_visa")
    other_key = await SandboxCardProvider().authorize("key-2", 1000, "EUR", "tok_visa")
    assert before_restart.provider_reference == after_restart.provider_reference
    assert other_key.provider_reference != before_restart.provider_reference


async def test_captures_an_authorization_once_and_replays_the_capture_by_key(sandbox):
    auth = await sandbox.authorize("a", 1000, "EUR", "tok_visa")
    captured = await sandbox.capture("a:capture", auth.provider_reference, 1000, "EUR")
    replayed = await sandbox.capture("a:capture", auth.provider_reference, 1000, "EUR")
    second = await sandbox.capture("a:capture-again", auth.provider_reference, 1000, "EUR")
    assert captured.succeeded and captured.provider_reference.startswith("sbx_cap_")
    assert replayed == captured
    assert not second.succeeded and second.failure_reason == AUTHORIZATION_NOT_OPEN


async def test_a_voided_authorization_can_be_neither_captured_nor_refunded(sandbox):
    auth = await sandbox.authorize("a", 1000, "EUR", "tok_visa")
    assert (await sandbox.void("a:void", auth.provider_reference)).succeeded
    capture = await sandbox.capture("a:capture", auth.provider_reference, 1000, "EUR")
    refund = await sandbox.refund("a:refund", auth.provider_reference, 100, "EUR")
    assert (capture.succeeded, capture.failure_reason) == (False, AUTHORIZATION_NOT_OPEN)
    assert (refund.succeeded, refund.failure_reason) == (False, CHARGE_NOT_CAPTURED)


async def test_a_captured_charge_cannot_be_voided(sandbox):
    auth = await sandbox.authorize("a", 1000, "EUR", "tok_visa")
    await sandbox.capture("a:capture", auth.provider_reference, 1000, "EUR")
    void = await sandbox.void("a:void", auth.provider_reference)
    assert (void.succeeded, void.failure_reason) == (False, AUTHORIZATION_NOT_OPEN)


async def test_refunds_never_exceed_what_was_captured(sandbox):
    auth = await sandbox.authorize("a", 1000, "EUR", "tok_visa")
    await sandbox.capture("a:capture", auth.provider_reference, 1000, "EUR")
    assert (await sandbox.refund("r1", auth.provider_reference, 600, "EUR")).succeeded
    too_much = await sandbox.refund("r2", auth.provider_reference, 401, "EUR")
    assert (too_much.succeeded, too_much.failure_reason) == (False, REFUND_EXCEEDS_CHARGE)
    assert (await sandbox.refund("r3", auth.provider_reference, 400, "EUR")).succeeded
    # The same key replays the first refund instead of giving money back again.
    assert (await sandbox.refund("r1", auth.provider_reference, 600, "EUR")).succeeded


async def test_a_refused_operation_is_not_remembered_so_the_key_can_succeed_later(sandbox):
    auth = await sandbox.authorize("a", 1000, "EUR", "tok_visa")
    early = await sandbox.refund("r1", auth.provider_reference, 100, "EUR")
    await sandbox.capture("a:capture", auth.provider_reference, 1000, "EUR")
    later = await sandbox.refund("r1", auth.provider_reference, 100, "EUR")
    assert (early.succeeded, later.succeeded) == (False, True)


async def test_declined_and_unknown_references_cannot_be_captured(sandbox):
    declined = await sandbox.authorize("d", 1000, "EUR", "tok_chargeDeclined")
    for reference in (declined.provider_reference, "ch_from_another_provider"):
        result = await sandbox.capture(f"{reference}:capture", reference, 1000, "EUR")
        assert (result.succeeded, result.failure_reason) == (False, AUTHORIZATION_NOT_FOUND)


async def test_a_restarted_sandbox_trusts_its_own_approval_references():
    auth = await SandboxCardProvider().authorize("a", 1000, "EUR", "tok_visa")
    restarted = SandboxCardProvider()
    assert (await restarted.capture("a:capture", auth.provider_reference, 1000, "EUR")).succeeded
    assert (await restarted.refund("a:refund", auth.provider_reference, 1000, "EUR")).succeeded
