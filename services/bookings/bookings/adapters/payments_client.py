"""What bookings asks the payments service: the payment method a payment plan names."""

from __future__ import annotations

import grpc
from grpc import aio

from bookingplatform.payments.v1 import payments_pb2, payments_pb2_grpc
from bookings.domain.payment_methods import PaymentMethodView
from plumbing.errors import ErrorKind, ServiceError


class PaymentsClient:
    def __init__(self, channel: aio.Channel, *, call_timeout_seconds: float = 5.0) -> None:
        self._stub = payments_pb2_grpc.PaymentsServiceStub(channel)
        self._timeout = call_timeout_seconds

    async def payment_method(self, payment_method_id: str) -> PaymentMethodView | None:
        """The payment method's owner (never its card), or None when payments knows no such id."""
        try:
            reply = await self._stub.GetPaymentMethod(
                payments_pb2.GetPaymentMethodRequest(payment_method_id=payment_method_id),
                timeout=self._timeout,
            )
        except aio.AioRpcError as error:
            if error.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                return None
            raise ServiceError(
                "PAYMENTS_UNAVAILABLE", "the payments service did not answer", kind=ErrorKind.UNAVAILABLE
            ) from error
        found = reply.payment_method
        return PaymentMethodView(
            payment_method_id=found.id, company_id=found.company_id, customer_id=found.customer_id
        )
