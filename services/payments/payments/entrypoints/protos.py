"""Payments and payment methods as protos: the one place the domain meets the wire format."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp

from bookingplatform.payments.v1 import payments_pb2
from payments.domain.methods import PaymentMethod
from payments.domain.model import Payment, PaymentStatus

_STATUSES = {
    PaymentStatus.DECLINED: payments_pb2.PAYMENT_STATUS_DECLINED,
    PaymentStatus.AUTHORIZED: payments_pb2.PAYMENT_STATUS_AUTHORIZED,
    PaymentStatus.CAPTURED: payments_pb2.PAYMENT_STATUS_CAPTURED,
    PaymentStatus.VOIDED: payments_pb2.PAYMENT_STATUS_VOIDED,
    PaymentStatus.REFUNDED: payments_pb2.PAYMENT_STATUS_REFUNDED,
    PaymentStatus.PENDING: payments_pb2.PAYMENT_STATUS_PENDING,
    PaymentStatus.REQUIRES_ACTION: payments_pb2.PAYMENT_STATUS_REQUIRES_ACTION,
    PaymentStatus.FAILED: payments_pb2.PAYMENT_STATUS_FAILED,
    PaymentStatus.AUTHORIZING: payments_pb2.PAYMENT_STATUS_AUTHORIZING,
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
        booking_id=str(payment.booking_id) if payment.booking_id else "",
    )
    if payment.status is PaymentStatus.REQUIRES_ACTION and payment.action_expires_at is not None:
        message.action_expire_time.CopyFrom(_timestamp(payment.action_expires_at))
    message.amount.amount_minor = payment.amount_minor
    message.amount.currency_code = payment.currency
    return message


def payment_method_to_proto(method: PaymentMethod) -> payments_pb2.PaymentMethod:
    return payments_pb2.PaymentMethod(
        id=str(method.id),
        company_id=str(method.company_id),
        customer_id=str(method.customer_id),
        brand=method.details.brand,
        last4=method.details.last4,
        create_time=_timestamp(method.created_at),
    )
