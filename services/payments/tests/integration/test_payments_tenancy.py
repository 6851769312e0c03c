"""Tenancy on the real PaymentsService: every RPC (from the service descriptor) refuses a forged
principal of company A naming company B's payments or payment methods, answers it on its own,
and a customer principal reaches its own cards and payments only."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import grpc
import pytest
from sqlalchemy import text

from bookingplatform.common.v1 import money_pb2
from bookingplatform.payments.v1 import payments_pb2 as pb
from bookingplatform.payments.v1 import payments_pb2_grpc
from plumbing.db import Database
from plumbing.principal import Principal, Role
from plumbing.tenancy_testing import Case, assert_allowed, assert_refused, call_as, rpc_names

pytestmark = pytest.mark.integration

SERVICE = pb.DESCRIPTOR.services_by_name["PaymentsService"]
Stub = payments_pb2_grpc.PaymentsServiceStub


@dataclass(frozen=True)
class Tenant:
    company: str
    customer: str
    method: str
    authorized: str  # an AUTHORIZED payment
    captured: str  # a CAPTURED payment
    awaiting_action: str  # a REQUIRES_ACTION payment (3-D Secure)
    booking: str  # the booking the REQUIRES_ACTION payment pays


def _method_request(company: str, customer: str) -> pb.CreatePaymentMethodRequest:
    return pb.CreatePaymentMethodRequest(
        request_id=str(uuid.uuid4()), company_id=company, customer_id=customer, card_token="tok_visa"
    )


def _authorize(company: str, customer: str, card: str = "tok_visa") -> pb.AuthorizePaymentRequest:
    return pb.AuthorizePaymentRequest(
        request_id=str(uuid.uuid4()),
        company_id=company,
        customer_id=customer,
        amount=money_pb2.Money(amount_minor=2500, currency_code="EUR"),
        card_token=card,
    )


async def _tenant(stub: Stub, db: Database) -> Tenant:
    """A company's customer with a card and payments in three states, made by the internal caller."""
    company, customer = str(uuid.uuid4()), str(uuid.uuid4())
    method = (await stub.CreatePaymentMethod(_method_request(company, customer))).payment_method.id
    authorized = (await stub.AuthorizePayment(_authorize(company, customer))).payment.id
    captured = (await stub.AuthorizePayment(_authorize(company, customer))).payment.id
    await stub.CapturePayment(pb.CapturePaymentRequest(request_id=str(uuid.uuid4()), payment_id=captured))
    awaiting = (await stub.AuthorizePayment(_authorize(company, customer, "tok_requiresAction"))).payment
    assert awaiting.status == pb.PAYMENT_STATUS_REQUIRES_ACTION
    # Only a saga's EXECUTE names a booking; here the test names one itself.
    booking = str(uuid.uuid4())
    async with db.transaction() as conn:
        await conn.execute(
            text("UPDATE payments.payments SET booking_id = :booking WHERE id = :id"),
            {"booking": booking, "id": awaiting.id},
        )
    return Tenant(company, customer, method, authorized, captured, awaiting.id, booking)


def _case(request: Callable[[Tenant], object], reason: str) -> Callable[[Tenant, Tenant], Case]:
    return lambda own, other: Case(foreign=request(other), own=request(own), reason=reason)  # type: ignore[arg-type]


def _rid() -> str:
    return str(uuid.uuid4())


PAYMENT = "PAYMENT_NOT_FOUND"
METHOD = "PAYMENT_METHOD_NOT_FOUND"
CASES: dict[str, Callable[[Tenant, Tenant], Case]] = {
    "CreatePaymentMethod": _case(lambda t: _method_request(t.company, t.customer), METHOD),
    "GetPaymentMethod": _case(lambda t: pb.GetPaymentMethodRequest(payment_method_id=t.method), METHOD),
    "AuthorizePayment": _case(lambda t: _authorize(t.company, t.customer), PAYMENT),
    "CapturePayment": _case(
        lambda t: pb.CapturePaymentRequest(request_id=_rid(), payment_id=t.authorized), PAYMENT
    ),
    "VoidPayment": _case(
        lambda t: pb.VoidPaymentRequest(request_id=_rid(), payment_id=t.authorized), PAYMENT
    ),
    "RefundPayment": _case(
        lambda t: pb.RefundPaymentRequest(request_id=_rid(), payment_id=t.captured), PAYMENT
    ),
    "GetPayment": _case(lambda t: pb.GetPaymentRequest(payment_id=t.captured), PAYMENT),
    "CompletePaymentAction": _case(
        lambda t: pb.CompletePaymentActionRequest(payment_id=t.awaiting_action, approve=True), PAYMENT
    ),
    "ListPayments": _case(lambda t: pb.ListPaymentsRequest(booking_id=t.booking), PAYMENT),
    # Provider events come from the provider (the gateway's webhook, no principal): no
    # company's principal may send one, on any company's payment.
    "HandleProviderEvent": lambda own, other: Case(
        foreign=pb.HandleProviderEventRequest(payload=b"{}", signature="t=1,v1=00"),
        reason="PERMISSION_DENIED",
    ),
}


def test_every_rpc_of_the_service_has_a_tenancy_case() -> None:
    assert set(rpc_names(SERVICE)) <= set(CASES), "add a case for each new RPC"


@pytest.mark.parametrize("rpc", rpc_names(SERVICE))
async def test_another_companys_payments_are_refused_and_the_own_answered(
    payments_stub: Stub, payments_db: Database, rpc: str
) -> None:
    mine, theirs = await _tenant(payments_stub, payments_db), await _tenant(payments_stub, payments_db)
    admin = Principal(role=Role.COMPANY_ADMIN, company_id=mine.company, user_id=str(uuid.uuid4()))
    case = CASES[rpc](mine, theirs)
    await assert_refused(payments_stub, rpc, case, admin)
    if case.own is not None:
        await assert_allowed(payments_stub, rpc, case, admin)


async def test_a_customer_reaches_its_own_cards_and_payments_only(
    payments_stub: Stub, payments_db: Database
) -> None:
    mine = await _tenant(payments_stub, payments_db)
    neighbour = str(uuid.uuid4())
    their_method = (
        await payments_stub.CreatePaymentMethod(_method_request(mine.company, neighbour))
    ).payment_method.id
    their_payment = (await payments_stub.AuthorizePayment(_authorize(mine.company, neighbour))).payment.id
    their_booking = uuid.uuid4()
    async with payments_db.transaction() as conn:
        await conn.execute(
            text("UPDATE payments.payments SET booking_id = :booking WHERE id = :id"),
            {"booking": their_booking, "id": their_payment},
        )
    me = Principal(role=Role.CUSTOMER, company_id=mine.company, customer_id=mine.customer)
    for rpc, own, other, reason in (
        ("GetPaymentMethod", pb.GetPaymentMethodRequest(payment_method_id=mine.method),
         pb.GetPaymentMethodRequest(payment_method_id=their_method), METHOD),
        ("ListPayments", pb.ListPaymentsRequest(booking_id=mine.booking),
         pb.ListPaymentsRequest(booking_id=str(their_booking)), PAYMENT),
        ("GetPayment", pb.GetPaymentRequest(payment_id=mine.captured),
         pb.GetPaymentRequest(payment_id=their_payment), PAYMENT),
        ("CreatePaymentMethod", _method_request(mine.company, mine.customer),
         _method_request(mine.company, neighbour), METHOD),
        ("AuthorizePayment", _authorize(mine.company, mine.customer),
         _authorize(mine.company, neighbour), PAYMENT),
    ):  # fmt: skip
        await assert_refused(payments_stub, rpc, Case(foreign=other, reason=reason), me)
        await assert_allowed(payments_stub, rpc, Case(foreign=other, own=own, reason=reason), me)
    # Capture, void and refund move the company's money: not its customer's to call.
    code, reason = await call_as(
        payments_stub,
        "RefundPayment",
        pb.RefundPaymentRequest(request_id=_rid(), payment_id=mine.captured),
        me,
    )
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED")
