"""RPC handlers of PaymentsService: a validated command, short transactions, a domain result.

How an authorization avoids holding a transaction open while the provider answers is told in
`payments.service.lifecycle`.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from payments.adapters import repository
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
from payments.domain.methods import PaymentMethod, same_method
from payments.domain.model import Operation, Payment, PaymentStatus
from payments.domain.provider import CardProvider
from payments.service.lifecycle import (
    ReplyWriter,
    ask_provider,
    card_token_of,
    existing_payment,
    not_found,
    open_intent,
    record_answer,
    refund_in,
    settle,
    transition_in,
)
from plumbing import audit
from plumbing.db import Database
from plumbing.errors import Conflict, FailedPrecondition, NotFound
from plumbing.principal import BUSINESS_ROLES, Role, check_customer, require_role


def check_payment_owner(payment: Payment) -> None:
    """The payment's own company and customer (as stored) against the caller's principal:
    another company's or customer's payment is refused as not found."""
    check_customer(payment.company_id, payment.customer_id, not_found(payment.id))


def _method_not_found() -> NotFound:
    return NotFound(errors.PAYMENT_METHOD_NOT_FOUND, "no such payment method", field="payment_method_id")


def require_provider_caller() -> None:
    """Provider events come from the card provider through the gateway's webhook (no principal):
    no company's principal may inject one."""
    require_role(Role.PLATFORM_ADMIN)


async def authorize_payment(
    db: Database,
    provider: CardProvider,
    command: AuthorizePayment,
    *,
    action_timeout: timedelta,
    replies: ReplyWriter | None = None,
) -> Payment:
    """One payment per idempotency key. A decline is a DECLINED payment, not an error.

    A retry finds the payment; while it is still AUTHORIZING (the answer was lost, or the
    first call is still waiting) the provider is asked again with the same key.
    """
    check_customer(
        command.company_id, command.customer_id, NotFound(errors.PAYMENT_NOT_FOUND, "no such payment")
    )
    async with db.transaction() as conn:
        payment = await open_intent(conn, provider.name, command)
    # The idempotency key may name a payment made for someone else.
    check_payment_owner(payment)
    if payment.status is not PaymentStatus.AUTHORIZING:
        return payment
    answer = await ask_provider(provider, payment, command.card_token)
    async with db.transaction() as conn:
        payment = await record_answer(conn, provider, payment.id, answer, action_timeout)
        await settle(conn, payment, replies)
    return payment


async def change_payment(db: Database, provider: CardProvider, command: ChangePayment) -> Payment:
    """Capture, void or refund, once per request id: a retry returns the payment as it is now.

    A request id already used for another payment or operation is refused (ABORTED).
    """
    # Moving money on a payment is the company's (and the saga's), never its customer's.
    require_role(*BUSINESS_ROLES)
    async with db.transaction() as conn:
        payment = await repository.get_payment(conn, command.payment_id)
        if payment is None:
            raise not_found(command.payment_id)
        check_payment_owner(payment)
        if not await repository.claim_request(conn, command.request_id, payment.id, command.operation):
            recorded = await repository.get_request(conn, command.request_id)
            if recorded is None or (recorded.payment_id, recorded.operation) != (
                payment.id,
                command.operation,
            ):
                raise Conflict(
                    errors.REQUEST_ID_REUSED,
                    f"request_id {command.request_id!r} was used for another request",
                )
            return payment
        if command.operation is Operation.REFUND:
            changed, amount, reference = await refund_in(
                conn,
                provider,
                payment.id,
                up_to_minor=command.amount_minor,
                idempotency_key=f"{payment.id}:refund:{command.request_id}",
            )
        else:
            changed, reference = await transition_in(conn, provider, payment.id, command.operation)
            amount = changed.amount_minor
        await repository.complete_request(
            conn, command.request_id, amount_minor=amount, provider_reference=reference
        )
        await audit.record(
            conn,
            company_id=payment.company_id,
            entity_type="payment",
            entity_id=payment.id,
            action=command.operation.value.lower(),
            before=_audited(payment),
            after=_audited(changed),
        )
        return changed


def _audited(payment: Payment) -> dict[str, object]:
    # Amounts and status only: a payment row holds no card token, and none may reach the log.
    return {
        "status": payment.status,
        "amount_minor": payment.amount_minor,
        "refunded_minor": payment.refunded_minor,
        "currency": payment.currency,
    }


async def create_payment_method(
    db: Database, provider: CardProvider, command: CreatePaymentMethod
) -> PaymentMethod:
    """One method per (company, customer, request id): a retry returns the first one."""
    check_customer(command.company_id, command.customer_id, _method_not_found())
    async with db.transaction() as conn:
        method, created = await repository.insert_payment_method(
            conn,
            company_id=command.company_id,
            customer_id=command.customer_id,
            request_id=command.request_id,
            card_token=command.card_token,
            details=provider.describe(command.card_token),
        )
        if created:
            # What may be shown of the card (brand, last4), never its token.
            await audit.record(
                conn,
                company_id=method.company_id,
                entity_type="payment_method",
                entity_id=method.id,
                action="create",
                after={
                    "customer_id": method.customer_id,
                    "brand": method.details.brand,
                    "last4": method.details.last4,
                },
            )
    same_method(method, command)
    return method


async def get_payment_method(db: Database, command: GetPaymentMethod) -> PaymentMethod:
    # One read (bookings asks before every card booking): no transaction around it.
    async with db.autocommit() as conn:
        method = await repository.get_payment_method(conn, command.payment_method_id)
    if method is None:
        raise _method_not_found()
    check_customer(method.company_id, method.customer_id, _method_not_found())
    return method


async def card_token_of_method(
    db: Database, payment_method_id: str, company_id: uuid.UUID, customer_id: uuid.UUID
) -> str:
    """The card an AuthorizePayment names by its payment method (its own customer's only)."""
    check_customer(company_id, customer_id, _method_not_found())
    async with db.transaction() as conn:
        return await card_token_of(conn, payment_method_id, company_id, customer_id)


async def get_payment(db: Database, command: GetPayment) -> Payment:
    async with db.transaction() as conn:
        payment = await repository.get_payment(conn, command.payment_id)
    if payment is None:
        raise not_found(command.payment_id)
    check_payment_owner(payment)
    return payment


async def list_payments(db: Database, command: ListPayments) -> list[Payment]:
    """The booking's payments (all of one company and customer); a booking of another company
    or customer is refused as not found, one without card payments is an empty list."""
    async with db.transaction() as conn:
        found = await repository.payments_of_booking(conn, command.booking_id)
    for payment in found:
        check_payment_owner(payment)
    return found


async def complete_action(db: Database, provider: CardProvider, command: CompleteAction) -> Payment:
    """Sandbox: plays the card holder of a REQUIRES_ACTION payment; the provider's event follows."""
    async with db.transaction() as conn:
        payment = await existing_payment(conn, command.payment_id)
    check_payment_owner(payment)
    if payment.status is not PaymentStatus.REQUIRES_ACTION:
        raise FailedPrecondition(
            errors.PAYMENT_NOT_REQUIRING_ACTION,
            f"payment {payment.id} is {payment.status}, not REQUIRES_ACTION",
            metadata={"status": payment.status.value},
        )
    complete = getattr(provider, "complete_action", None)
    if complete is None:
        raise FailedPrecondition(errors.SANDBOX_ONLY, f"the {provider.name} provider has no sandbox controls")
    if not await complete(payment.provider_reference, command.approve):
        raise FailedPrecondition(
            errors.PAYMENT_NOT_REQUIRING_ACTION, "the provider has no action waiting for this payment"
        )
    # The card holder's answer is the person's act; the status it leads to arrives with the
    # provider's event (the service's own move, not audited).
    async with db.transaction() as conn:
        await audit.record(
            conn,
            company_id=payment.company_id,
            entity_type="payment",
            entity_id=payment.id,
            action="authenticate" if command.approve else "refuse_authentication",
            before={"status": payment.status},
            after={"authentication": "approved" if command.approve else "refused"},
        )
    return payment
