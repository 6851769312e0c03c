"""gRPC PaymentsService: proto -> command -> handler -> proto. Translation only."""

from __future__ import annotations

from datetime import timedelta

import grpc

from bookingplatform.payments.v1 import payments_pb2, payments_pb2_grpc
from payments.domain import errors, validation
from payments.domain.model import Operation
from payments.domain.provider import CardProvider
from payments.entrypoints.protos import payment_method_to_proto, payment_to_proto
from payments.service import handlers, provider_events
from payments.service.lifecycle import ReplyWriter
from plumbing import ids
from plumbing.db import Database
from plumbing.errors import InvalidArgument


class PaymentsApi(payments_pb2_grpc.PaymentsServiceServicer):
    def __init__(
        self,
        db: Database,
        provider: CardProvider,
        *,
        webhook_secret: str,
        action_timeout: timedelta,
        replies: ReplyWriter | None = None,
    ) -> None:
        self.db = db
        self.provider = provider
        self.webhook_secret = webhook_secret
        self.action_timeout = action_timeout
        self.replies = replies

    async def CreatePaymentMethod(
        self, request: payments_pb2.CreatePaymentMethodRequest, context: grpc.aio.ServicerContext
    ) -> payments_pb2.CreatePaymentMethodResponse:
        command = validation.payment_method_command(
            request_id_value=request.request_id,
            company_id=request.company_id,
            customer_id=request.customer_id,
            card_token_value=request.card_token,
        )
        method = await handlers.create_payment_method(self.db, self.provider, command)
        return payments_pb2.CreatePaymentMethodResponse(payment_method=payment_method_to_proto(method))

    async def GetPaymentMethod(
        self, request: payments_pb2.GetPaymentMethodRequest, context: grpc.aio.ServicerContext
    ) -> payments_pb2.GetPaymentMethodResponse:
        command = validation.get_payment_method_command(request.payment_method_id)
        method = await handlers.get_payment_method(self.db, command)
        return payments_pb2.GetPaymentMethodResponse(payment_method=payment_method_to_proto(method))

    async def AuthorizePayment(
        self, request: payments_pb2.AuthorizePaymentRequest, context: grpc.aio.ServicerContext
    ) -> payments_pb2.AuthorizePaymentResponse:
        card = request.card_token
        if request.payment_method_id:
            if card:
                raise InvalidArgument(
                    errors.INVALID_CARD_TOKEN,
                    "give card_token or payment_method_id, not both",
                    field="card_token",
                )
            card = await handlers.card_token_of_method(
                self.db,
                request.payment_method_id,
                ids.parse_uuid(request.company_id, "company_id"),
                ids.parse_uuid(request.customer_id, "customer_id"),
            )
        command = validation.authorize_command(
            idempotency_key=request.request_id,
            company_id=request.company_id,
            customer_id=request.customer_id,
            amount_minor=request.amount.amount_minor,
            currency_code=request.amount.currency_code,
            card_token_value=card,
        )
        payment = await handlers.authorize_payment(
            self.db, self.provider, command, action_timeout=self.action_timeout, replies=self.replies
        )
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
        payment = await handlers.get_payment(self.db, validation.get_command(request.payment_id))
        return payments_pb2.GetPaymentResponse(payment=payment_to_proto(payment))

    async def HandleProviderEvent(
        self, request: payments_pb2.HandleProviderEventRequest, context: grpc.aio.ServicerContext
    ) -> payments_pb2.HandleProviderEventResponse:
        handlers.require_provider_caller()
        receipt = await provider_events.handle_provider_event(
            self.db,
            self.provider,
            secret=self.webhook_secret,
            payload=request.payload,
            signature=request.signature,
            replies=self.replies,
        )
        return payments_pb2.HandleProviderEventResponse(
            event_id=receipt.event_id,
            duplicate=receipt.duplicate,
            payment_id=str(receipt.payment_id) if receipt.payment_id else "",
        )

    async def CompletePaymentAction(
        self, request: payments_pb2.CompletePaymentActionRequest, context: grpc.aio.ServicerContext
    ) -> payments_pb2.CompletePaymentActionResponse:
        command = validation.complete_action_command(request.payment_id, request.approve)
        payment = await handlers.complete_action(self.db, self.provider, command)
        return payments_pb2.CompletePaymentActionResponse(payment=payment_to_proto(payment))

    async def ListPayments(
        self, request: payments_pb2.ListPaymentsRequest, context: grpc.aio.ServicerContext
    ) -> payments_pb2.ListPaymentsResponse:
        found = await handlers.list_payments(self.db, validation.list_command(request.booking_id))
        return payments_pb2.ListPaymentsResponse(payments=[payment_to_proto(p) for p in found])

    async def _change(self, operation: Operation, request_id: str, payment_id: str) -> payments_pb2.Payment:
        command = validation.change_command(operation, request_id_value=request_id, payment_id=payment_id)
        return payment_to_proto(await handlers.change_payment(self.db, self.provider, command))
