"""gRPC PaymentsService: proto -> command -> handler -> proto. Translation only."""

from __future__ import annotations

from datetime import datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from bookingplatform.payments.v1 import payments_pb2, payments_pb2_grpc
from payments.domain import validation
from payments.domain.model import Operation, Payment, PaymentStatus
from payments.domain.provider import CardProvider
from payments.service import handlers
from plumbing.db import Database

_STATUSES = {
    PaymentStatus.DECLINED: payments_pb2.PAYMENT_STATUS_DECLINED,
    PaymentStatus.AUTHORIZED: payments_pb2.PAYMENT_STATUS_AUTHORIZED,
    PaymentStatus.CAPTURED: payments_pb2.PAYMENT_STATUS_CAPTURED,
    PaymentStatus.VOIDED: payments_pb2.PAYMENT_STATUS_VOIDED,
    PaymentStatus.REFUNDED: payments_pb2.PAYMENT_STATUS_REFUNDED,
}


def _timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def payment_to_proto(payment: Payment) -> payments_pb2.Payment:
    message = payments_pb2.Payment(
        id=str(payment.id),
        company_id=str(payment.company_id),
        customer_id=str(payment.customer_id),
        status=_STATUSES[payment.status],
        provider_reference=payment.provider_reference,
        decline_reason=payment.decline_reason or "",
        idempotency_key=payment.idempotency_key,
        create_time=_timestamp(payment.created_at),
        update_time=_timestamp(payment.updated_at),
    )
    message.amount.amount_minor = payment.amount_minor
    message.amount.currency_code = payment.currency
    return message


class PaymentsApi(payments_pb2_grpc.PaymentsServiceServicer):
    def __init__(self, db: Database, provider: CardProvider) -> None:
        self.db = db
        self.provider = provider

    async def AuthorizePayment(
        self, request: payments_pb2.AuthorizePaymentRequest, context: grpc.aio.ServicerContext
    ) -> payments_pb2.AuthorizePaymentResponse:
        command = validation.authorize_command(
            idempotency_key=request.request_id,
            company_id=request.company_id,
            customer_id=request.customer_id,
            amount_minor=request.amount.amount_minor,
            currency_code=request.amount.currency_code,
            card_token_value=request.card_token,
        )
        payment = await handlers.authorize_payment(command, self.db, self.provider)
        return payments_pb2.AuthorizePaymentResponse(payment=payment_to_proto(payment))

    async def CapturePayment(
        self, request: payments_pb2.CapturePaymentRequest, context: grpc.aio.ServicerContext
    ) -> payments_pb2.CapturePaymentResponse:
        payment = await self._change(Operation.CAPTURE, request.request_id, request.payment_id)
        return payments_pb2.CapturePaymentResponse(payment=payment)

    async def VoidPayment(
        self, request: payments_pb2.VoidPaymentRequest, context: grpc.aio.ServicerContext
    ) -> payments_pb2.VoidPaymentResponse:
        payment = await self._change(Operation.VOID, request.request_id, request.payment_id)
        return payments_pb2.VoidPaymentResponse(payment=payment)

    async def RefundPayment(
        self, request: payments_pb2.RefundPaymentRequest, context: grpc.aio.ServicerContext
    ) -> payments_pb2.RefundPaymentResponse:
        payment = await self._change(Operation.REFUND, request.request_id, request.payment_id)
        return payments_pb2.RefundPaymentResponse(payment=payment)

    async def GetPayment(
        self, request: payments_pb2.GetPaymentRequest, context: grpc.aio.ServicerContext
    ) -> payments_pb2.GetPaymentResponse:
        payment = await handlers.get_payment(validation.get_command(request.payment_id), self.db)
        return payments_pb2.GetPaymentResponse(payment=payment_to_proto(payment))

    async def _change(self, operation: Operation, request_id: str, payment_id: str) -> payments_pb2.Payment:
        command = validation.change_command(operation, request_id_value=request_id, payment_id=payment_id)
        return payment_to_proto(await handlers.change_payment(command, self.db, self.provider))
