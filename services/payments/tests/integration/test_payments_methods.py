"""Payment methods: a card token is registered once per (company, customer, request id), used by
id, only by its own customer, and never echoed back."""

import uuid
from datetime import timedelta

import grpc
import pytest
from sqlalchemy import func, select

from bookingplatform.common.v1 import money_pb2
from bookingplatform.payments.v1 import payments_pb2 as pb
from bookingplatform.saga.v1 import saga_pb2
from payments.adapters.sandbox import SandboxCardProvider
from payments.adapters.tables import payment_methods, payments
from payments.entrypoints.saga import SagaParticipant
from plumbing.grpc_server import error_reason

pytestmark = pytest.mark.integration

CARD = "4242424242424242"


def register(company_id: str, customer_id: str, card: str = CARD, request_id: str | None = None):
    return pb.CreatePaymentMethodRequest(
        request_id=request_id or str(uuid.uuid4()),
        company_id=company_id,
        customer_id=customer_id,
        card_token=card,
    )


async def refused(call) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return raised.value


def details_of(error: grpc.aio.AioRpcError) -> str:
    return f"{error.details()} {error.trailing_metadata()}"


async def test_a_card_is_registered_once_per_request_and_shown_without_its_token(payments_stub, payments_db):
    company, customer = str(uuid.uuid4()), str(uuid.uuid4())
    request = register(company, customer)

    first = (await payments_stub.CreatePaymentMethod(request)).payment_method
    again = (await payments_stub.CreatePaymentMethod(request)).payment_method
    read = await payments_stub.GetPaymentMethod(pb.GetPaymentMethodRequest(payment_method_id=first.id))
    by_token = (
        await payments_stub.CreatePaymentMethod(register(company, customer, "tok_visa"))
    ).payment_method

    assert again.id == first.id
    assert (first.brand, first.last4, first.company_id, first.customer_id) == (
        "visa",
        "4242",
        company,
        customer,
    )
    assert read.payment_method == first
    assert CARD.encode() not in read.SerializeToString()
    assert (by_token.brand, by_token.last4) == ("visa", "4242") and by_token.id != first.id
    async with payments_db.transaction() as conn:
        stored = await conn.scalar(
            select(func.count()).select_from(payment_methods).where(payment_methods.c.customer_id == customer)
        )
    assert stored == 2


async def test_a_request_id_reused_for_another_card_is_refused_without_naming_either_card(payments_stub):
    company, customer = str(uuid.uuid4()), str(uuid.uuid4())
    request_id = str(uuid.uuid4())
    await payments_stub.CreatePaymentMethod(register(company, customer, "4000000000000002", request_id))

    error = await refused(
        payments_stub.CreatePaymentMethod(register(company, customer, "4000000000009995", request_id))
    )

    assert (error.code(), error_reason(error)) == (grpc.StatusCode.ABORTED, "IDEMPOTENCY_KEY_REUSED")
    assert "0002" not in details_of(error) and "9995" not in details_of(error)


async def test_bad_registrations_are_refused_and_a_token_sent_as_an_id_is_not_echoed(payments_stub):
    company, customer = str(uuid.uuid4()), str(uuid.uuid4())

    no_card = await refused(payments_stub.CreatePaymentMethod(register(company, customer, "")))
    token_as_id = await refused(
        payments_stub.GetPaymentMethod(pb.GetPaymentMethodRequest(payment_method_id="tok_secret_4242"))
    )
    unknown = await refused(
        payments_stub.GetPaymentMethod(pb.GetPaymentMethodRequest(payment_method_id=str(uuid.uuid4())))
    )

    assert (no_card.code(), error_reason(no_card)) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_CARD_TOKEN")
    assert (token_as_id.code(), error_reason(token_as_id)) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ID")
    assert "tok_secret_4242" not in details_of(token_as_id)
    assert (unknown.code(), error_reason(unknown)) == (grpc.StatusCode.NOT_FOUND, "PAYMENT_METHOD_NOT_FOUND")


async def test_an_authorization_by_payment_method_is_for_its_own_customer_only(payments_stub):
    company, customer = str(uuid.uuid4()), str(uuid.uuid4())
    method = (await payments_stub.CreatePaymentMethod(register(company, customer))).payment_method

    def authorize(customer_id: str) -> pb.AuthorizePaymentRequest:
        return pb.AuthorizePaymentRequest(
            request_id=str(uuid.uuid4()),
            company_id=company,
            customer_id=customer_id,
            amount=money_pb2.Money(amount_minor=1200, currency_code="EUR"),
            payment_method_id=method.id,
        )

    paid = (await payments_stub.AuthorizePayment(authorize(customer))).payment
    someone_else = await refused(payments_stub.AuthorizePayment(authorize(str(uuid.uuid4()))))

    assert paid.status == pb.PAYMENT_STATUS_AUTHORIZED
    assert (someone_else.code(), error_reason(someone_else)) == (
        grpc.StatusCode.PERMISSION_DENIED,
        "PAYMENT_METHOD_NOT_OWNED",
    )


@pytest.mark.parametrize("whose", ["another customer", "another company", "unknown"])
async def test_a_saga_execute_with_a_method_that_is_not_the_customers_fails_and_authorizes_nothing(
    payments_stub, payments_db, whose
):
    company, customer = str(uuid.uuid4()), str(uuid.uuid4())
    method = (await payments_stub.CreatePaymentMethod(register(company, customer))).payment_method
    command = saga_pb2.StepCommand(
        saga_id=str(uuid.uuid4()),
        step="payments",
        action=saga_pb2.STEP_ACTION_EXECUTE,
        attempt=1,
        booking_id=str(uuid.uuid4()),
        company_id=str(uuid.uuid4()) if whose == "another company" else company,
        customer_id=str(uuid.uuid4()) if whose == "another customer" else customer,
        payment_method_id=str(uuid.uuid4()) if whose == "unknown" else method.id,
    )
    command.amount.amount_minor, command.amount.currency_code = 900, "EUR"
    sandbox = SandboxCardProvider(webhook_secret="methods-test-secret")
    participant = SagaParticipant(payments_db, sandbox, action_timeout=timedelta(seconds=15))

    reply = await participant.process(command)

    assert reply is not None and reply.outcome == saga_pb2.STEP_OUTCOME_FAILED
    expected = "PAYMENT_METHOD_NOT_FOUND" if whose == "unknown" else "PAYMENT_METHOD_NOT_OWNED"
    assert reply.reason == expected
    assert sandbox.authorize_calls == {}
    async with payments_db.transaction() as conn:
        made = await conn.scalar(
            select(func.count())
            .select_from(payments)
            .where(payments.c.idempotency_key == f"{command.saga_id}:payments")
        )
    assert made == 0
