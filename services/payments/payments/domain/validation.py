"""Turns raw request values into commands, refusing bad ones with INVALID_ARGUMENT and the field."""

from __future__ import annotations

import re

from payments.domain import errors
from payments.domain.commands import (
    AuthorizePayment,
    ChangePayment,
    CompleteAction,
    CreatePaymentMethod,
    GetPayment,
    GetPaymentMethod,
    ListPayments,
)
from payments.domain.model import Operation
from plumbing import ids
from plumbing.errors import InvalidArgument

MAX_KEY_LENGTH = 200
MAX_CARD_TOKEN_LENGTH = 100
# Amounts fit a signed 64-bit column with room for sums.
MAX_AMOUNT_MINOR = 10**15
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def request_id(value: str, field: str = "request_id") -> str:
    if not value or not value.strip():
        raise InvalidArgument(errors.INVALID_REQUEST_ID, f"{field} is required", field=field)
    if len(value) > MAX_KEY_LENGTH:
        raise InvalidArgument(
            errors.INVALID_REQUEST_ID, f"{field} is longer than {MAX_KEY_LENGTH} characters", field=field
        )
    return value


def positive_amount(value: int, field: str = "amount") -> int:
    if value <= 0:
        raise InvalidArgument(errors.INVALID_AMOUNT, f"{field} must be positive", field=field)
    if value > MAX_AMOUNT_MINOR:
        raise InvalidArgument(errors.INVALID_AMOUNT, f"{field} is too large", field=field)
    return value


def non_negative_amount(value: int, field: str = "amount") -> int:
    if value < 0:
        raise InvalidArgument(errors.INVALID_AMOUNT, f"{field} must not be negative", field=field)
    return value


def currency(value: str, field: str = "amount.currency_code") -> str:
    if not _CURRENCY.match(value):
        raise InvalidArgument(
            errors.INVALID_CURRENCY, f"{field} must be an ISO 4217 code such as EUR", field=field
        )
    return value


def card_token(value: str, field: str = "card_token") -> str:
    # Only presence and size are checked here: whether the card is any good is the provider's call
    # (an unknown card gives a DECLINED payment with INVALID_CARD, not an invalid request).
    if not value or not value.strip():
        raise InvalidArgument(errors.INVALID_CARD_TOKEN, f"{field} is required", field=field)
    if len(value) > MAX_CARD_TOKEN_LENGTH:
        raise InvalidArgument(errors.INVALID_CARD_TOKEN, f"{field} is too long", field=field)
    return value


def authorize_command(
    *,
    idempotency_key: str,
    company_id: str,
    customer_id: str,
    amount_minor: int,
    currency_code: str,
    card_token_value: str,
    booking_id: str = "",
    key_field: str = "request_id",
) -> AuthorizePayment:
    return AuthorizePayment(
        idempotency_key=request_id(idempotency_key, key_field),
        company_id=ids.parse_uuid(company_id, "company_id"),
        customer_id=ids.parse_uuid(customer_id, "customer_id"),
        amount_minor=positive_amount(amount_minor),
        currency=currency(currency_code),
        card_token=card_token(card_token_value),
        booking_id=ids.optional_uuid(booking_id, "booking_id"),
    )


def payment_method_command(
    *, request_id_value: str, company_id: str, customer_id: str, card_token_value: str
) -> CreatePaymentMethod:
    return CreatePaymentMethod(
        request_id=request_id(request_id_value),
        company_id=ids.parse_uuid(company_id, "company_id"),
        customer_id=ids.parse_uuid(customer_id, "customer_id"),
        card_token=card_token(card_token_value),
    )


def get_payment_method_command(payment_method_id: str) -> GetPaymentMethod:
    return GetPaymentMethod(payment_method_id=ids.parse_uuid(payment_method_id, "payment_method_id"))


def change_command(
    operation: Operation, *, request_id_value: str, payment_id: str, amount_minor: int | None = None
) -> ChangePayment:
    return ChangePayment(
        request_id=request_id(request_id_value),
        payment_id=ids.parse_uuid(payment_id, "payment_id"),
        operation=operation,
        amount_minor=None if amount_minor is None else positive_amount(amount_minor),
    )


def get_command(payment_id: str) -> GetPayment:
    return GetPayment(payment_id=ids.parse_uuid(payment_id, "payment_id"))


def list_command(booking_id: str) -> ListPayments:
    return ListPayments(booking_id=ids.parse_uuid(booking_id, "booking_id"))


def complete_action_command(payment_id: str, approve: bool) -> CompleteAction:
    return CompleteAction(payment_id=ids.parse_uuid(payment_id, "payment_id"), approve=approve)
