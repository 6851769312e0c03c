"""gRPC entry point: requests -> commands -> handlers -> responses. Translation only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from grpc import aio

from bookingplatform.bookings.v1 import bookings_pb2, bookings_pb2_grpc
from bookingplatform.catalog.v1 import catalog_pb2
from bookings.domain.model import Booking, PaymentPlan
from bookings.domain.saga import SagaState
from bookings.entrypoints import availability_api
from bookings.service import changes, lifecycle
from bookings.service.availability import availability_for
from bookings.service.handlers import BookingService, CancelBooking, CreateBooking, SettleBooking
from bookings.service.planning import BookingRequest
from plumbing.validation import optional_timestamp

_STATUS = {
    "PENDING": bookings_pb2.BOOKING_STATUS_PENDING,
    "PENDING_PAYMENT": bookings_pb2.BOOKING_STATUS_PENDING_PAYMENT,
    "CONFIRMED": bookings_pb2.BOOKING_STATUS_CONFIRMED,
    "REJECTED": bookings_pb2.BOOKING_STATUS_REJECTED,
    "CANCELLING": bookings_pb2.BOOKING_STATUS_CANCELLING,
    "CANCELLED": bookings_pb2.BOOKING_STATUS_CANCELLED,
    "CHECKED_IN": bookings_pb2.BOOKING_STATUS_CHECKED_IN,
    "COMPLETED": bookings_pb2.BOOKING_STATUS_COMPLETED,
    "NO_SHOW": bookings_pb2.BOOKING_STATUS_NO_SHOW,
}
_MODEL = {
    "TIME_SLOT": catalog_pb2.BOOKING_MODEL_TIME_SLOT,
    "NIGHTLY": catalog_pb2.BOOKING_MODEL_NIGHTLY,
    "INTERVAL": catalog_pb2.BOOKING_MODEL_INTERVAL,
}
_SAGA_STATE = {state.value: getattr(bookings_pb2, f"SAGA_STATE_{state.value}") for state in SagaState}
_SAGA_STATE_NAME = {value: name for name, value in _SAGA_STATE.items()}


def _timestamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def booking_message(booking: Booking) -> bookings_pb2.Booking:
    message = bookings_pb2.Booking(
        id=booking.id,
        company_id=booking.company_id,
        customer_id=booking.customer_id,
        resource_id=booking.resource_id,
        session_id=booking.session_id,
        booking_model=_MODEL[booking.booking_model.value],
        quantity=booking.quantity,
        start_time=_timestamp(booking.start_time),
        end_time=_timestamp(booking.end_time),
        status=_STATUS[booking.status.value],
        payment_plan=bookings_pb2.PaymentPlan(
            entitlement_id=booking.plan.entitlement_id,
            use_wallet=booking.plan.use_wallet,
            payment_method_id=booking.plan.payment_method_id,
            pay_later=booking.plan.pay_later,
        ),
        wallet_debited_minor=booking.wallet_debited_minor,
        bonus_debited_minor=booking.bonus_debited_minor,
        pass_covered_minor=booking.pass_covered_minor,
        card_charged_minor=booking.card_charged_minor,
        payment_id=booking.payment_id,
        reject_reason=booking.reject_reason,
        saga_id=booking.saga_id,
        create_time=_timestamp(booking.created_at),
        update_time=_timestamp(booking.updated_at),
    )
    message.unit_id = booking.unit_id
    message.guests = booking.guests
    if booking.check_in_date and booking.check_out_date:
        message.check_in_date = booking.check_in_date.isoformat()
        message.check_out_date = booking.check_out_date.isoformat()
    if booking.checked_in_at:
        message.checked_in_time.FromDatetime(booking.checked_in_at)
    if booking.check_in_deadline:
        message.check_in_deadline_time.FromDatetime(booking.check_in_deadline)
    if booking.status.value == "PENDING_PAYMENT":
        message.amount_due_minor = booking.total_minor
    if booking.refund is not None:
        refund = booking.refund
        message.refund.CopyFrom(
            bookings_pb2.RefundRequest(
                percent=refund.percent,
                card_minor=refund.card_minor,
                wallet_minor=refund.wallet_minor,
                credits=refund.credits,
                status=getattr(bookings_pb2, f"REFUND_STATUS_{refund.status}"),
                create_time=_timestamp(refund.created_at),
                saga_id=refund.saga_id,
            )
        )
    message.total_price.amount_minor = booking.total_minor
    message.total_price.currency_code = booking.currency
    for line in booking.extras:
        extra = message.extras.add(extra_id=line.extra_id, name=line.name, quantity=line.quantity)
        extra.unit_price.amount_minor = line.unit_price_minor
        extra.unit_price.currency_code = booking.currency
    return message


def saga_message(row: Any, steps: list[Any] = ()) -> bookings_pb2.Saga:  # type: ignore[assignment]
    message = bookings_pb2.Saga(
        id=row.id,
        booking_id=row.booking_id,
        company_id=row.company_id,
        kind=row.kind,
        state=_SAGA_STATE[row.state],
        current_step=row.current_step,
        attempt=row.attempt,
        deadline_time=_timestamp(row.deadline),
        create_time=_timestamp(row.created_at),
        update_time=_timestamp(row.updated_at),
        needs_attention=row.needs_attention,
        reason=row.data.get("reason", ""),
    )
    for step in steps:
        message.steps.add(
            step=step.step,
            kind=step.kind,
            action=step.action,
            attempt=step.attempt,
            outcome=step.outcome,
            message_id=step.message_id,
            create_time=_timestamp(step.created_at),
            amount_minor=step.amount_minor,
            bonus_minor=step.bonus_minor,
            reference=step.reference,
        )
    return message


def booking_request(
    request: bookings_pb2.CreateBookingRequest | bookings_pb2.QuoteBookingRequest, customer_id: str
) -> BookingRequest:
    """The fields that say what is booked, shared by CreateBooking and QuoteBooking."""
    return BookingRequest(
        customer_id=customer_id,
        session_id=request.session_id,
        resource_id=request.resource_id,
        quantity=request.quantity,
        unit_id=getattr(request, "unit_id", ""),
        check_in_date=request.check_in_date,
        check_out_date=request.check_out_date,
        start_time=optional_timestamp(request, "start_time"),
        end_time=optional_timestamp(request, "end_time"),
        guests=request.guests or 1,
        extras=tuple((extra.extra_id, extra.quantity) for extra in request.extras),
    )


class BookingsApi(bookings_pb2_grpc.BookingsServiceServicer):
    def __init__(self, service: BookingService) -> None:
        self.service = service

    async def CreateBooking(
        self, request: bookings_pb2.CreateBookingRequest, context: aio.ServicerContext
    ) -> bookings_pb2.CreateBookingResponse:
        plan = request.payment_plan
        booking = await self.service.create_booking(
            CreateBooking(
                request_id=request.request_id,
                request=booking_request(request, request.customer_id),
                plan=PaymentPlan(
                    entitlement_id=plan.entitlement_id,
                    use_wallet=plan.use_wallet,
                    payment_method_id=plan.payment_method_id,
                    pay_later=plan.pay_later,
                ),
            )
        )
        return bookings_pb2.CreateBookingResponse(booking=booking_message(booking))

    async def QuoteBooking(
        self, request: bookings_pb2.QuoteBookingRequest, context: aio.ServicerContext
    ) -> bookings_pb2.QuoteBookingResponse:
        quote = await self.service.quote_booking(booking_request(request, request.customer_id))
        message = bookings_pb2.Quote(start_time=_timestamp(quote.start), end_time=_timestamp(quote.end))
        for line in quote.all_lines():
            added = message.lines.add(description=line.description, quantity=line.quantity)
            added.amount.amount_minor = line.amount_minor
            added.amount.currency_code = quote.currency
        message.total.amount_minor = quote.total_minor
        message.total.currency_code = quote.currency
        return bookings_pb2.QuoteBookingResponse(quote=message)

    async def GetBooking(
        self, request: bookings_pb2.GetBookingRequest, context: aio.ServicerContext
    ) -> bookings_pb2.GetBookingResponse:
        booking = await self.service.get_booking(request.booking_id)
        return bookings_pb2.GetBookingResponse(booking=booking_message(booking))

    async def ListBookings(
        self, request: bookings_pb2.ListBookingsRequest, context: aio.ServicerContext
    ) -> bookings_pb2.ListBookingsResponse:
        page, token = await self.service.list_bookings(
            customer_id=request.customer_id,
            session_id=request.session_id,
            resource_id=request.resource_id,
            company_id=request.company_id,
            day=request.date,
            page_size=request.page_size,
            page_token=request.page_token,
        )
        return bookings_pb2.ListBookingsResponse(
            bookings=[booking_message(b) for b in page], next_page_token=token
        )

    async def CancelBooking(
        self, request: bookings_pb2.CancelBookingRequest, context: aio.ServicerContext
    ) -> bookings_pb2.CancelBookingResponse:
        booking = await self.service.cancel_booking(
            CancelBooking(
                request_id=request.request_id, booking_id=request.booking_id, customer_id=request.customer_id
            )
        )
        return bookings_pb2.CancelBookingResponse(booking=booking_message(booking))

    async def GetSaga(
        self, request: bookings_pb2.GetSagaRequest, context: aio.ServicerContext
    ) -> bookings_pb2.GetSagaResponse:
        row, steps = await self.service.get_saga(request.saga_id)
        return bookings_pb2.GetSagaResponse(saga=saga_message(row, steps))

    async def ListSagas(
        self, request: bookings_pb2.ListSagasRequest, context: aio.ServicerContext
    ) -> bookings_pb2.ListSagasResponse:
        state = _SAGA_STATE_NAME.get(request.state, "") if request.state else ""
        rows, token = await self.service.list_sagas(
            state=state,
            company_id=request.company_id,
            page_size=request.page_size,
            page_token=request.page_token,
            current_step=request.current_step,
            min_age_seconds=request.min_age_seconds,
            needs_attention=request.needs_attention,
        )
        return bookings_pb2.ListSagasResponse(
            sagas=[saga_message(row) for row in rows], next_page_token=token
        )

    async def RetrySagaStep(
        self, request: bookings_pb2.RetrySagaStepRequest, context: aio.ServicerContext
    ) -> bookings_pb2.RetrySagaStepResponse:
        await self.service.retry_saga_step(request.saga_id, request.reason)
        row, steps = await self.service.get_saga(request.saga_id)
        return bookings_pb2.RetrySagaStepResponse(saga=saga_message(row, steps))

    async def ForceCompensateSaga(
        self, request: bookings_pb2.ForceCompensateSagaRequest, context: aio.ServicerContext
    ) -> bookings_pb2.ForceCompensateSagaResponse:
        await self.service.force_compensate_saga(request.saga_id, request.reason)
        row, steps = await self.service.get_saga(request.saga_id)
        return bookings_pb2.ForceCompensateSagaResponse(saga=saga_message(row, steps))

    async def SettleBooking(
        self, request: bookings_pb2.SettleBookingRequest, context: aio.ServicerContext
    ) -> bookings_pb2.SettleBookingResponse:
        booking = await self.service.settle_booking(
            SettleBooking(
                request_id=request.request_id,
                booking_id=request.booking_id,
                customer_id=request.customer_id,
                payment_method_id=request.payment_method_id,
            )
        )
        return bookings_pb2.SettleBookingResponse(booking=booking_message(booking))

    # Reservation-engine RPCs being built (issue 4): explicit UNIMPLEMENTED until they land.
    async def CheckInBooking(
        self, request: bookings_pb2.CheckInBookingRequest, context: aio.ServicerContext
    ) -> bookings_pb2.CheckInBookingResponse:
        booking = await lifecycle.Lifecycle(self.service.db).check_in(
            lifecycle.CheckInBooking(request_id=request.request_id, booking_id=request.booking_id)
        )
        return bookings_pb2.CheckInBookingResponse(booking=booking_message(booking))

    async def ChangeBookingPeriod(
        self, request: bookings_pb2.ChangeBookingPeriodRequest, context: aio.ServicerContext
    ) -> bookings_pb2.ChangeBookingPeriodResponse:
        booking = await changes.PeriodChanges(self.service).change_period(
            changes.ChangeBookingPeriod(
                request_id=request.request_id,
                booking_id=request.booking_id,
                customer_id=request.customer_id,
                end_time=optional_timestamp(request, "end_time"),
                check_out_date=request.check_out_date,
            )
        )
        return bookings_pb2.ChangeBookingPeriodResponse(booking=booking_message(booking))

    async def GetAvailability(
        self, request: bookings_pb2.GetAvailabilityRequest, context: aio.ServicerContext
    ) -> bookings_pb2.GetAvailabilityResponse:
        return await availability_api.get_availability(availability_for(self.service), request)

    async def ListFreeSlots(
        self, request: bookings_pb2.ListFreeSlotsRequest, context: aio.ServicerContext
    ) -> bookings_pb2.ListFreeSlotsResponse:
        return await availability_api.list_free_slots(availability_for(self.service), request)
