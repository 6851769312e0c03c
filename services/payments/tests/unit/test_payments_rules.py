"""Payment rules without I/O: validation, transition refusals, refund amounts, saga decisions."""

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from payments.domain import validation
from payments.domain.commands import AuthorizePayment
from payments.domain.model import (
    IllegalTransition,
    Operation,
    Payment,
    PaymentStatus,
    refund_amount,
    refundable_payments_of_booking,
    same_authorization,
    status_after_refund,
)
from payments.domain.saga import decision_for_authorization, payment_key
from plumbing.errors import Conflict, FailedPrecondition, InvalidArgument

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def a_payment(**changes) -> Payment:
    payment = Payment(
        id=uuid.uuid4(),
        company_id=uuid.uuid4(),
        customer_id=uuid.uuid4(),
        booking_id=None,
        amount_minor=1000,
        refunded_minor=0,
        currency="EUR",
        status=PaymentStatus.AUTHORIZED,
        provider="sandbox",
        provider_reference="sbx_auth_1",
        decline_reason=None,
        idempotency_key="key",
        created_at=NOW,
        updated_at=NOW,
    )
    return replace(payment, **changes)


def valid_authorization(**changes):
    values = dict(
        idempotency_key="req-1",
        company_id=str(uuid.uuid4()),
        customer_id=str(uuid.uuid4()),
        amount_minor=1250,
        currency_code="EUR",
        card_token_value="tok_visa",
    )
    values.update(changes)
    return validation.authorize_command(**values)


def test_a_valid_authorization_request_becomes_a_typed_command():
    command = valid_authorization(booking_id=str(uuid.UUID(int=7)))
    assert isinstance(command, AuthorizePayment)
    assert isinstance(command.company_id, uuid.UUID)
    assert command.booking_id == uuid.UUID(int=7)
    assert (command.amount_minor, command.currency) == (1250, "EUR")


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"idempotency_key": ""}, "request_id", "INVALID_REQUEST_ID"),
        ({"idempotency_key": "   "}, "request_id", "INVALID_REQUEST_ID"),
        ({"idempotency_key": "x" * 201}, "request_id", "INVALID_REQUEST_ID"),
        ({"company_id": ""}, "company_id", "INVALID_ID"),
        ({"customer_id": "not-a-uuid"}, "customer_id", "INVALID_ID"),
        ({"amount_minor": 0}, "amount", "INVALID_AMOUNT"),
        ({"amount_minor": -5}, "amount", "INVALID_AMOUNT"),
        ({"amount_minor": 10**16}, "amount", "INVALID_AMOUNT"),
        ({"currency_code": ""}, "amount.currency_code", "INVALID_CURRENCY"),
        ({"currency_code": "eur"}, "amount.currency_code", "INVALID_CURRENCY"),
        ({"currency_code": "EURO"}, "amount.currency_code", "INVALID_CURRENCY"),
        ({"card_token_value": ""}, "card_token", "INVALID_CARD_TOKEN"),
        ({"booking_id": "nope"}, "booking_id", "INVALID_ID"),
    ],
)
def test_invalid_authorization_requests_are_refused_with_the_field(changes, field, reason):
    with pytest.raises(InvalidArgument) as refused:
        valid_authorization(**changes)
    assert (refused.value.field, refused.value.reason) == (field, reason)


def test_change_requests_need_a_request_id_and_a_payment_uuid():
    with pytest.raises(InvalidArgument) as no_request:
        validation.change_command(Operation.CAPTURE, request_id_value="", payment_id=str(uuid.uuid4()))
    with pytest.raises(InvalidArgument) as bad_id:
        validation.change_command(Operation.VOID, request_id_value="r", payment_id="42")
    assert no_request.value.field == "request_id"
    assert (bad_id.value.field, bad_id.value.reason) == ("payment_id", "INVALID_ID")


@pytest.mark.parametrize(
    ("operation", "current", "reason"),
    [
        (Operation.CAPTURE, PaymentStatus.DECLINED, "PAYMENT_NOT_AUTHORIZED"),
        (Operation.CAPTURE, PaymentStatus.VOIDED, "PAYMENT_NOT_AUTHORIZED"),
        (Operation.VOID, PaymentStatus.CAPTURED, "PAYMENT_NOT_AUTHORIZED"),
        (Operation.REFUND, PaymentStatus.AUTHORIZED, "PAYMENT_NOT_CAPTURED"),
        (Operation.REFUND, PaymentStatus.VOIDED, "PAYMENT_NOT_CAPTURED"),
        (Operation.REFUND, PaymentStatus.REFUNDED, "PAYMENT_NOT_CAPTURED"),
    ],
)
def test_illegal_transitions_are_failed_preconditions_with_their_reason(operation, current, reason):
    refusal = IllegalTransition(operation, current)
    assert isinstance(refusal, FailedPrecondition)
    assert refusal.reason == reason
    assert refusal.metadata == {"status": current.value}


@pytest.mark.parametrize(
    ("operation", "current", "done"),
    [
        (Operation.CAPTURE, PaymentStatus.CAPTURED, True),
        (Operation.CAPTURE, PaymentStatus.REFUNDED, True),
        (Operation.CAPTURE, PaymentStatus.VOIDED, False),
        (Operation.VOID, PaymentStatus.VOIDED, True),
        (Operation.VOID, PaymentStatus.CAPTURED, False),
        (Operation.REFUND, PaymentStatus.REFUNDED, True),
        (Operation.REFUND, PaymentStatus.VOIDED, False),
    ],
)
def test_a_refusal_knows_whether_the_payment_is_already_where_the_operation_leads(operation, current, done):
    assert IllegalTransition(operation, current).already_done is done


def test_a_payment_is_refunded_only_once_everything_captured_came_back():
    assert status_after_refund(1000, 999) is PaymentStatus.CAPTURED
    assert status_after_refund(1000, 1000) is PaymentStatus.REFUNDED


def test_refunds_give_back_at_most_what_is_left_of_a_captured_payment():
    captured = a_payment(status=PaymentStatus.CAPTURED, refunded_minor=300)
    assert refund_amount(None, captured) == 700
    assert refund_amount(500, captured) == 500
    assert refund_amount(5000, captured) == 700
    assert refund_amount(500, a_payment(status=PaymentStatus.AUTHORIZED)) == 0


def test_an_idempotency_key_reused_for_another_amount_is_a_conflict():
    payment = a_payment()
    same = AuthorizePayment(
        idempotency_key="key",
        company_id=payment.company_id,
        customer_id=payment.customer_id,
        amount_minor=1000,
        currency="EUR",
        card_token="tok_visa",
    )
    same_authorization(payment, same)  # a plain retry is fine
    with pytest.raises(Conflict) as refused:
        same_authorization(payment, replace(same, amount_minor=999))
    assert refused.value.reason == "IDEMPOTENCY_KEY_REUSED"


def test_the_refundable_payments_of_a_booking_are_its_captured_ones_newest_first():
    later = NOW + timedelta(minutes=1)
    declined = a_payment(status=PaymentStatus.DECLINED, decline_reason="CARD_DECLINED")
    captured = a_payment(status=PaymentStatus.CAPTURED, created_at=later)
    voided = a_payment(status=PaymentStatus.VOIDED)
    assert refundable_payments_of_booking([declined, voided, captured]) == [captured]
    assert refundable_payments_of_booking([declined, voided]) == []
    first = a_payment(status=PaymentStatus.CAPTURED, created_at=NOW)
    assert refundable_payments_of_booking([first, captured]) == [captured, first]
    assert refundable_payments_of_booking([]) == []


def test_a_booking_whose_card_payment_is_only_authorized_cannot_be_refunded_yet():
    with pytest.raises(FailedPrecondition) as refused:
        refundable_payments_of_booking([a_payment(status=PaymentStatus.AUTHORIZED)])
    assert refused.value.reason == "PAYMENT_NOT_CAPTURED"


def test_an_execute_decision_follows_the_payment():
    approved = decision_for_authorization(a_payment())
    declined = decision_for_authorization(
        a_payment(status=PaymentStatus.DECLINED, decline_reason="CARD_EXPIRED")
    )
    assert (approved.succeeded, approved.amount_minor) == (True, 1000)
    assert (declined.succeeded, declined.reason, declined.amount_minor) == (False, "CARD_EXPIRED", 0)


def test_the_saga_payment_key_is_the_saga_id_and_step():
    assert payment_key("s-1") == "s-1:payments"
