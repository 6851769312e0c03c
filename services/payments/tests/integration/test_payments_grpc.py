"""PaymentsService through a real grpc.aio server, PostgreSQL and the sandbox provider."""

import asyncio
import uuid

import grpc
import pytest
import sqlalchemy.exc
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from sqlalchemy import func, select, update

from bookingplatform.common.v1 import money_pb2
from bookingplatform.payments.v1 import payments_pb2 as pb
from payments.adapters.tables import payment_requests, payments
from plumbing.grpc_server import error_reason

pytestmark = pytest.mark.integration


def authorize_request(**changes) -> pb.AuthorizePaymentRequest:
    request = pb.AuthorizePaymentRequest(
        request_id=str(uuid.uuid4()),
        company_id=str(uuid.uuid4()),
        customer_id=str(uuid.uuid4()),
        amount=money_pb2.Money(amount_minor=2500, currency_code="EUR"),
        card_token="4242424242424242",
    )
    for name, value in changes.items():
        if name == "amount":
            request.amount.CopyFrom(value)
        else:
            setattr(request, name, value)
    return request


async def authorize(stub, **changes) -> pb.Payment:
    return (await stub.AuthorizePayment(authorize_request(**changes))).payment


async def capture(stub, payment_id: str, request_id: str | None = None) -> pb.Payment:
    request = pb.CapturePaymentRequest(request_id=request_id or str(uuid.uuid4()), payment_id=payment_id)
    return (await stub.CapturePayment(request)).payment


async def void(stub, payment_id: str, request_id: str | None = None) -> pb.Payment:
    request = pb.VoidPaymentRequest(request_id=request_id or str(uuid.uuid4()), payment_id=payment_id)
    return (await stub.VoidPayment(request)).payment


async def refund(stub, payment_id: str, request_id: str | None = None) -> pb.Payment:
    request = pb.RefundPaymentRequest(request_id=request_id or str(uuid.uuid4()), payment_id=payment_id)
    return (await stub.RefundPayment(request)).payment


async def refused(call) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return raised.value


def bad_field(error: grpc.aio.AioRpcError) -> str | None:
    status = rpc_status.from_call(error)
    assert status is not None
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            return bad_request.field_violations[0].field
    return None


async def test_a_good_card_gives_an_authorized_payment_that_can_be_read_back(payments_stub):
    request = authorize_request(card_token="tok_visa")
    payment = (await payments_stub.AuthorizePayment(request)).payment

    assert payment.status == pb.PAYMENT_STATUS_AUTHORIZED
    assert uuid.UUID(payment.id)
    assert (payment.company_id, payment.customer_id) == (request.company_id, request.customer_id)
    assert (payment.amount.amount_minor, payment.amount.currency_code) == (2500, "EUR")
    assert payment.provider_reference.startswith("sbx_auth_")
    assert payment.decline_reason == ""
    assert payment.idempotency_key == request.request_id
    assert payment.create_time.seconds > 0 and payment.update_time.seconds > 0
    read = (await payments_stub.GetPayment(pb.GetPaymentRequest(payment_id=payment.id))).payment
    assert read == payment


@pytest.mark.parametrize(
    ("card", "reason"),
    [
        ("4000000000000002", "CARD_DECLINED"),
        ("tok_insufficientFunds", "CARD_INSUFFICIENT_FUNDS"),
        ("4000000000000069", "CARD_EXPIRED"),
        ("not-a-card", "INVALID_CARD"),
    ],
)
async def test_a_declined_card_gives_a_declined_payment_not_an_error(payments_stub, card, reason):
    payment = await authorize(payments_stub, card_token=card)
    assert payment.status == pb.PAYMENT_STATUS_DECLINED
    assert payment.decline_reason == reason
    error = await refused(capture(payments_stub, payment.id))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_reason(error) == "PAYMENT_NOT_AUTHORIZED"


async def test_capture_takes_the_money_once_and_a_retry_of_the_same_request_returns_it(payments_stub):
    payment = await authorize(payments_stub)
    request_id = str(uuid.uuid4())

    captured = await capture(payments_stub, payment.id, request_id)
    retried = await capture(payments_stub, payment.id, request_id)
    again = await refused(capture(payments_stub, payment.id))
    void_after = await refused(void(payments_stub, payment.id))

    assert captured.status == pb.PAYMENT_STATUS_CAPTURED
    assert captured.update_time.ToDatetime() >= payment.update_time.ToDatetime()
    assert retried.status == pb.PAYMENT_STATUS_CAPTURED and retried.id == payment.id
    for error in (again, void_after):
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert error_reason(error) == "PAYMENT_NOT_AUTHORIZED"


async def test_a_voided_payment_can_be_neither_captured_nor_refunded(payments_stub):
    payment = await authorize(payments_stub)

    voided = await void(payments_stub, payment.id)
    capture_error = await refused(capture(payments_stub, payment.id))
    refund_error = await refused(refund(payments_stub, payment.id))

    assert voided.status == pb.PAYMENT_STATUS_VOIDED
    assert error_reason(capture_error) == "PAYMENT_NOT_AUTHORIZED"
    assert error_reason(refund_error) == "PAYMENT_NOT_CAPTURED"
    assert refund_error.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_a_refund_gives_back_everything_captured_once(payments_stub, payments_db):
    payment = await authorize(payments_stub)
    await capture(payments_stub, payment.id)
    request_id = str(uuid.uuid4())

    refunded = await refund(payments_stub, payment.id, request_id)
    retried = await refund(payments_stub, payment.id, request_id)
    again = await refused(refund(payments_stub, payment.id))

    assert refunded.status == pb.PAYMENT_STATUS_REFUNDED
    assert retried.status == pb.PAYMENT_STATUS_REFUNDED
    assert error_reason(again) == "PAYMENT_NOT_CAPTURED"
    async with payments_db.transaction() as conn:
        refunded_minor = await conn.scalar(
            select(payments.c.refunded_minor).where(payments.c.id == uuid.UUID(payment.id))
        )
        recorded = (
            await conn.execute(select(payment_requests).where(payment_requests.c.request_id == request_id))
        ).one()
    assert refunded_minor == 2500
    assert (recorded.operation, recorded.amount_minor) == ("REFUND", 2500)
    assert recorded.provider_reference.startswith("sbx_re_")


async def test_an_authorized_payment_cannot_be_refunded(payments_stub):
    payment = await authorize(payments_stub)
    error = await refused(refund(payments_stub, payment.id))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_reason(error) == "PAYMENT_NOT_CAPTURED"


async def test_the_same_request_id_returns_the_first_payment_even_with_another_card(payments_stub):
    request = authorize_request()
    first = (await payments_stub.AuthorizePayment(request)).payment
    request.card_token = "tok_chargeDeclined"
    second = (await payments_stub.AuthorizePayment(request)).payment
    assert second == first
    assert second.status == pb.PAYMENT_STATUS_AUTHORIZED


async def test_a_request_id_reused_for_another_amount_is_aborted(payments_stub):
    request = authorize_request()
    await payments_stub.AuthorizePayment(request)
    request.amount.amount_minor += 1
    error = await refused(payments_stub.AuthorizePayment(request))
    assert error.code() == grpc.StatusCode.ABORTED
    assert error_reason(error) == "IDEMPOTENCY_KEY_REUSED"


async def test_concurrent_authorizations_with_one_key_create_one_payment(payments_stub, payments_db):
    request = authorize_request()

    answers = await asyncio.gather(*(payments_stub.AuthorizePayment(request) for _ in range(20)))

    assert len({answer.payment.id for answer in answers}) == 1
    assert {answer.payment.status for answer in answers} == {pb.PAYMENT_STATUS_AUTHORIZED}
    async with payments_db.transaction() as conn:
        count = await conn.scalar(
            select(func.count()).select_from(payments).where(payments.c.idempotency_key == request.request_id)
        )
    assert count == 1


async def test_a_capture_and_a_void_racing_on_one_payment_let_exactly_one_win(payments_stub):
    for _ in range(5):
        payment = await authorize(payments_stub)
        outcomes = await asyncio.gather(
            capture(payments_stub, payment.id), void(payments_stub, payment.id), return_exceptions=True
        )
        winners = [outcome for outcome in outcomes if isinstance(outcome, pb.Payment)]
        losers = [outcome for outcome in outcomes if isinstance(outcome, grpc.aio.AioRpcError)]
        assert len(winners) == 1 and len(losers) == 1
        assert error_reason(losers[0]) == "PAYMENT_NOT_AUTHORIZED"
        final = (await payments_stub.GetPayment(pb.GetPaymentRequest(payment_id=payment.id))).payment
        assert final.status == winners[0].status


async def test_concurrent_refunds_give_the_money_back_once(payments_stub, payments_db):
    payment = await authorize(payments_stub)
    await capture(payments_stub, payment.id)

    outcomes = await asyncio.gather(
        *(refund(payments_stub, payment.id) for _ in range(5)), return_exceptions=True
    )

    assert sum(isinstance(outcome, pb.Payment) for outcome in outcomes) == 1
    assert all(
        error_reason(outcome) == "PAYMENT_NOT_CAPTURED"
        for outcome in outcomes
        if isinstance(outcome, grpc.aio.AioRpcError)
    )
    async with payments_db.transaction() as conn:
        refunded_minor = await conn.scalar(
            select(payments.c.refunded_minor).where(payments.c.id == uuid.UUID(payment.id))
        )
    assert refunded_minor == 2500


async def test_a_request_id_reused_for_another_payment_is_aborted(payments_stub):
    first, second = await authorize(payments_stub), await authorize(payments_stub)
    request_id = str(uuid.uuid4())
    await capture(payments_stub, first.id, request_id)

    error = await refused(capture(payments_stub, second.id, request_id))
    other_operation = await refused(void(payments_stub, first.id, request_id))

    assert error.code() == grpc.StatusCode.ABORTED
    assert error_reason(error) == "REQUEST_ID_REUSED"
    assert error_reason(other_operation) == "REQUEST_ID_REUSED"
    still = (await payments_stub.GetPayment(pb.GetPaymentRequest(payment_id=second.id))).payment
    assert still.status == pb.PAYMENT_STATUS_AUTHORIZED


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"request_id": ""}, "request_id", "INVALID_REQUEST_ID"),
        ({"company_id": ""}, "company_id", "INVALID_ID"),
        ({"company_id": "acme"}, "company_id", "INVALID_ID"),
        ({"customer_id": "123"}, "customer_id", "INVALID_ID"),
        ({"amount": money_pb2.Money(amount_minor=0, currency_code="EUR")}, "amount", "INVALID_AMOUNT"),
        ({"amount": money_pb2.Money(amount_minor=-100, currency_code="EUR")}, "amount", "INVALID_AMOUNT"),
        (
            {"amount": money_pb2.Money(amount_minor=100, currency_code="euro")},
            "amount.currency_code",
            "INVALID_CURRENCY",
        ),
        ({"card_token": ""}, "card_token", "INVALID_CARD_TOKEN"),
    ],
)
async def test_invalid_authorizations_are_refused_with_the_field(payments_stub, changes, field, reason):
    error = await refused(payments_stub.AuthorizePayment(authorize_request(**changes)))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_reason(error) == reason
    assert bad_field(error) == field


async def test_changes_and_reads_of_bad_or_unknown_payment_ids_are_refused(payments_stub):
    missing = str(uuid.uuid4())
    not_found = [
        await refused(payments_stub.GetPayment(pb.GetPaymentRequest(payment_id=missing))),
        await refused(capture(payments_stub, missing)),
        await refused(void(payments_stub, missing)),
        await refused(refund(payments_stub, missing)),
    ]
    bad_id = await refused(payments_stub.GetPayment(pb.GetPaymentRequest(payment_id="nope")))
    no_request_id = await refused(
        payments_stub.CapturePayment(pb.CapturePaymentRequest(request_id="", payment_id=missing))
    )

    for error in not_found:
        assert error.code() == grpc.StatusCode.NOT_FOUND
        assert error_reason(error) == "PAYMENT_NOT_FOUND"
    assert (bad_id.code(), error_reason(bad_id), bad_field(bad_id)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_ID",
        "payment_id",
    )
    assert bad_field(no_request_id) == "request_id"


async def test_the_database_refuses_refunding_more_than_was_captured(payments_stub, payments_db):
    payment = await authorize(payments_stub)
    await capture(payments_stub, payment.id)
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        async with payments_db.transaction() as conn:
            await conn.execute(
                update(payments).where(payments.c.id == uuid.UUID(payment.id)).values(refunded_minor=2501)
            )
