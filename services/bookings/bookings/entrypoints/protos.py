"""Protos <-> bookings' commands, queries and domain objects. Mapping only: no rules here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from bookings.domain.availability import ResourceDays, SessionPlaces
from bookings.domain.commands import (
    BookingRequest,
    CancelBooking,
    ChangeBookingPeriod,
    CheckInBooking,
    CreateBooking,
    ForceCompensateSaga,
    ListBookings,
    ListSagas,
    OverrideNoShow,
    PreviewCancellation,
    PreviewCompanyCancellations,
    RetrySagaStep,
    SettleBooking,
)
from bookings.domain.model import (
    Booking,
    BookingModel,
    BookingStatus,
    CancellationPreview,
    DeskPayment,
    PaymentPlan,
)
from bookings.domain.reservations import EngineQuote
from bookings.domain.saga import SagaState
from bookings.domain.saga_records import ReasonCount, SagaBucket, SagaCount, SagaRecord
from bookings.domain.stats import BusinessStats, Figures, UnitFigures
from plumbing.errors import InvalidArgument, ServiceError
from plumbing.validation import optional_timestamp

_STATUS = {
    status: bookings_pb2.BookingStatus.Value(f"BOOKING_STATUS_{status.value}") for status in BookingStatus
}
_MODEL = {model: catalog_pb2.BookingModel.Value(f"BOOKING_MODEL_{model.value}") for model in BookingModel}
_SAGA_STATE = {state.value: bookings_pb2.SagaState.Value(f"SAGA_STATE_{state.value}") for state in SagaState}
_SAGA_STATE_NAME = {value: name for name, value in _SAGA_STATE.items()}
_STATUS_OF = {number: status for status, number in _STATUS.items()}
_DESK = {
    bookings_pb2.DESK_PAYMENT_CASH: DeskPayment.CASH,
    bookings_pb2.DESK_PAYMENT_EXTERNAL: DeskPayment.EXTERNAL,
}
_DESK_PROTO = {desk: number for number, desk in _DESK.items()}


def _timestamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


# -- requests -> commands and queries ----------------------------------------------------


def booking_request(
    request: bookings_pb2.CreateBookingRequest | bookings_pb2.QuoteBookingRequest,
) -> BookingRequest:
    """The fields that say what is booked, shared by CreateBooking and QuoteBooking."""
    return BookingRequest(
        customer_id=request.customer_id,
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


def create_booking(request: bookings_pb2.CreateBookingRequest) -> CreateBooking:
    plan = request.payment_plan
    return CreateBooking(
        request_id=request.request_id,
        request=booking_request(request),
        plan=PaymentPlan(
            entitlement_id=plan.entitlement_id,
            use_wallet=plan.use_wallet,
            payment_method_id=plan.payment_method_id,
            pay_later=plan.pay_later,
            desk_payment=_desk_payment(plan.desk_payment),
        ),
    )


def _desk_payment(value: bookings_pb2.DeskPayment.ValueType) -> DeskPayment | None:
    if value == bookings_pb2.DESK_PAYMENT_UNSPECIFIED:
        return None
    if value not in _DESK:
        raise InvalidArgument(
            "INVALID_DESK_PAYMENT", "desk_payment is CASH or EXTERNAL", field="payment_plan.desk_payment"
        )
    return _DESK[value]


def _statuses(values: Sequence[bookings_pb2.BookingStatus.ValueType]) -> tuple[BookingStatus, ...]:
    if any(value not in _STATUS_OF for value in values):
        raise InvalidArgument("INVALID_STATUS", "statuses holds an unknown booking status", field="statuses")
    return tuple(_STATUS_OF[value] for value in values)


def list_bookings(request: bookings_pb2.ListBookingsRequest) -> ListBookings:
    return ListBookings(
        customer_id=request.customer_id,
        session_id=request.session_id,
        resource_id=request.resource_id,
        company_id=request.company_id,
        day=request.date,
        page_size=request.page_size,
        page_token=request.page_token,
        statuses=_statuses(request.statuses),
        since=optional_timestamp(request, "start_time"),
        until=optional_timestamp(request, "end_time"),
    )


def cancel_booking(request: bookings_pb2.CancelBookingRequest) -> CancelBooking:
    return CancelBooking(
        request_id=request.request_id,
        booking_id=request.booking_id,
        customer_id=request.customer_id,
        by_company=request.by_company,
        reason=request.reason,
    )


def preview_cancellation(request: bookings_pb2.PreviewCancellationRequest) -> PreviewCancellation:
    return PreviewCancellation(
        booking_id=request.booking_id, customer_id=request.customer_id, by_company=request.by_company
    )


def cancellation_preview_response(preview: CancellationPreview) -> bookings_pb2.PreviewCancellationResponse:
    refund = preview.refund
    return bookings_pb2.PreviewCancellationResponse(
        percent=refund.percent,
        card_minor=refund.card_minor,
        wallet_minor=refund.wallet_minor,
        credits=refund.credits,
        desk_minor=refund.desk_minor,
        currency_code=preview.currency,
        preview_time=_timestamp(preview.at),
    )


def preview_company_cancellations(
    request: bookings_pb2.PreviewCompanyCancellationsRequest,
) -> PreviewCompanyCancellations:
    return PreviewCompanyCancellations(company_id=request.company_id, booking_ids=tuple(request.booking_ids))


def company_cancellation_previews(
    previews: list[tuple[str, CancellationPreview | ServiceError]],
) -> bookings_pb2.PreviewCompanyCancellationsResponse:
    answer = bookings_pb2.PreviewCompanyCancellationsResponse()
    for booking_id, preview in previews:
        entry = answer.previews.add(booking_id=booking_id)
        if isinstance(preview, ServiceError):
            entry.refused_reason, entry.refused_message = preview.reason, preview.message
        else:
            entry.preview.CopyFrom(cancellation_preview_response(preview))
    return answer


def override_no_show(request: bookings_pb2.OverrideNoShowRequest) -> OverrideNoShow:
    return OverrideNoShow(
        request_id=request.request_id,
        booking_id=request.booking_id,
        no_show=request.no_show,
        reason=request.reason,
    )


def settle_booking(request: bookings_pb2.SettleBookingRequest) -> SettleBooking:
    return SettleBooking(
        request_id=request.request_id,
        booking_id=request.booking_id,
        customer_id=request.customer_id,
        payment_method_id=request.payment_method_id,
    )


def check_in_booking(request: bookings_pb2.CheckInBookingRequest) -> CheckInBooking:
    return CheckInBooking(request_id=request.request_id, booking_id=request.booking_id)


def change_booking_period(request: bookings_pb2.ChangeBookingPeriodRequest) -> ChangeBookingPeriod:
    return ChangeBookingPeriod(
        request_id=request.request_id,
        booking_id=request.booking_id,
        customer_id=request.customer_id,
        end_time=optional_timestamp(request, "end_time"),
        check_out_date=request.check_out_date,
    )


def list_sagas(request: bookings_pb2.ListSagasRequest) -> ListSagas:
    return ListSagas(
        state=_SAGA_STATE_NAME.get(request.state, "") if request.state else "",
        company_id=request.company_id,
        page_size=request.page_size,
        page_token=request.page_token,
        current_step=request.current_step,
        min_age_seconds=request.min_age_seconds,
        needs_attention=request.needs_attention,
        kind=request.kind,
        search_id=request.search_id,
        created_after=optional_timestamp(request, "created_after"),
        created_before=optional_timestamp(request, "created_before"),
        include_totals=request.include_totals,
        bucket_seconds=request.bucket_seconds,
    )


def saga_buckets(buckets: Sequence[SagaBucket]) -> list[bookings_pb2.SagaBucket]:
    answered = []
    for bucket in buckets:
        message = bookings_pb2.SagaBucket(
            started=bucket.started,
            completed=bucket.completed,
            compensated=bucket.compensated,
            p50_seconds_to_terminal=bucket.p50_seconds_to_terminal,
            p95_seconds_to_terminal=bucket.p95_seconds_to_terminal,
        )
        message.start_time.FromDatetime(bucket.start)
        answered.append(message)
    return answered


def reason_counts(reasons: Sequence[ReasonCount]) -> list[bookings_pb2.ReasonCount]:
    return [bookings_pb2.ReasonCount(reason=r.reason, count=r.count) for r in reasons]


def saga_counts(counts: Sequence[SagaCount]) -> list[bookings_pb2.SagaCount]:
    return [
        bookings_pb2.SagaCount(
            kind=c.kind, state=_SAGA_STATE.get(c.state, bookings_pb2.SAGA_STATE_UNSPECIFIED), count=c.count
        )
        for c in counts
    ]


def retry_saga_step(request: bookings_pb2.RetrySagaStepRequest) -> RetrySagaStep:
    return RetrySagaStep(saga_id=request.saga_id, reason=request.reason)


def force_compensate_saga(request: bookings_pb2.ForceCompensateSagaRequest) -> ForceCompensateSaga:
    return ForceCompensateSaga(saga_id=request.saga_id, reason=request.reason)


# -- domain objects -> messages ----------------------------------------------------------


def booking_message(booking: Booking) -> bookings_pb2.Booking:
    message = bookings_pb2.Booking(
        id=booking.id,
        company_id=booking.company_id,
        customer_id=booking.customer_id,
        resource_id=booking.resource_id,
        session_id=booking.session_id,
        booking_model=_MODEL[booking.booking_model],
        quantity=booking.quantity,
        start_time=_timestamp(booking.start_time),
        end_time=_timestamp(booking.end_time),
        status=_STATUS[booking.status],
        payment_plan=bookings_pb2.PaymentPlan(
            entitlement_id=booking.plan.entitlement_id,
            use_wallet=booking.plan.use_wallet,
            payment_method_id=booking.plan.payment_method_id,
            pay_later=booking.plan.pay_later,
            desk_payment=_DESK_PROTO.get(booking.plan.desk_payment, bookings_pb2.DESK_PAYMENT_UNSPECIFIED)
            if booking.plan.desk_payment
            else bookings_pb2.DESK_PAYMENT_UNSPECIFIED,
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
        desk_paid_minor=booking.desk_paid_minor,
        booked_by_user_id=booking.booked_by_user_id,
        no_show_override_reason=booking.no_show_override_reason,
        cancel_reason=booking.cancel_reason,
        cancellation_windows=[
            catalog_pb2.CancellationWindow(minutes_before_start=minutes, refund_percent=percent)
            for minutes, percent in booking.cancellation_windows
        ],
    )
    message.unit_id = booking.unit_id
    message.guests = booking.guests
    message.change_saga_id = booking.changing_saga_id
    if booking.check_in_date and booking.check_out_date:
        message.check_in_date = booking.check_in_date.isoformat()
        message.check_out_date = booking.check_out_date.isoformat()
    if booking.checked_in_at:
        message.checked_in_time.FromDatetime(booking.checked_in_at)
    if booking.check_in_deadline:
        message.check_in_deadline_time.FromDatetime(booking.check_in_deadline)
    if booking.status is BookingStatus.PENDING_PAYMENT:
        message.amount_due_minor = booking.total_minor
    if booking.refund is not None:
        refund = booking.refund
        message.refund.CopyFrom(
            bookings_pb2.RefundRequest(
                percent=refund.percent,
                card_minor=refund.card_minor,
                wallet_minor=refund.wallet_minor,
                credits=refund.credits,
                status=bookings_pb2.RefundStatus.Value(f"REFUND_STATUS_{refund.status}"),
                create_time=_timestamp(refund.created_at),
                saga_id=refund.saga_id,
                desk_minor=refund.desk_minor,
            )
        )
    message.total_price.amount_minor = booking.total_minor
    message.total_price.currency_code = booking.currency
    for line in booking.extras:
        extra = message.extras.add(extra_id=line.extra_id, name=line.name, quantity=line.quantity)
        extra.unit_price.amount_minor = line.unit_price_minor
        extra.unit_price.currency_code = booking.currency
    return message


def quote_message(quote: EngineQuote) -> bookings_pb2.Quote:
    message = bookings_pb2.Quote(start_time=_timestamp(quote.start), end_time=_timestamp(quote.end))
    for line in quote.all_lines():
        added = message.lines.add(description=line.description, quantity=line.quantity)
        added.amount.amount_minor = line.amount_minor
        added.amount.currency_code = quote.currency
    message.total.amount_minor = quote.total_minor
    message.total.currency_code = quote.currency
    return message


def saga_message(saga: SagaRecord) -> bookings_pb2.Saga:
    message = bookings_pb2.Saga(
        id=saga.id,
        booking_id=saga.booking_id,
        company_id=saga.company_id,
        kind=saga.kind,
        state=_SAGA_STATE[saga.state],
        current_step=saga.current_step,
        attempt=saga.attempt,
        deadline_time=_timestamp(saga.deadline),
        create_time=_timestamp(saga.created_at),
        update_time=_timestamp(saga.updated_at),
        needs_attention=saga.needs_attention,
        reason=saga.reason,
        trace_id=saga.trace_id,
    )
    for step in saga.steps:
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


def session_places_response(places: Sequence[SessionPlaces]) -> bookings_pb2.GetSessionPlacesResponse:
    return bookings_pb2.GetSessionPlacesResponse(
        sessions=[
            bookings_pb2.SessionPlaces(session_id=p.session_id, booked=p.booked, capacity=p.capacity)
            for p in places
        ]
    )


def availability_response(resources: Sequence[ResourceDays]) -> bookings_pb2.GetAvailabilityResponse:
    response = bookings_pb2.GetAvailabilityResponse()
    dates: dict[date, str] = {}
    for resource in resources:
        entry = response.resources.add(resource_id=resource.resource_id)
        for day in resource.days:
            iso = dates.get(day.day) or dates.setdefault(day.day, day.day.isoformat())
            entry.days.add(date=iso, capacity=day.capacity, booked=day.booked)
    return response


def free_slots_response(slots: Sequence[tuple[datetime, datetime]]) -> bookings_pb2.ListFreeSlotsResponse:
    response = bookings_pb2.ListFreeSlotsResponse()
    for start, end in slots:
        slot = response.slots.add()
        slot.start_time.FromDatetime(start)
        slot.end_time.FromDatetime(end)
    return response


def _figures(message: bookings_pb2.StatsFigures, figures: Figures) -> None:
    message.confirmed = figures.confirmed
    message.active = figures.active
    message.cancelled = figures.cancelled
    message.no_show = figures.no_show
    message.places_sold = figures.places
    message.nights_sold = figures.nights
    message.minutes_sold = figures.minutes
    message.wallet_minor = figures.wallet_minor
    message.bonus_minor = figures.bonus_minor
    message.pass_minor = figures.pass_minor
    message.card_minor = figures.card_minor
    message.desk_minor = figures.desk_minor
    message.revenue_minor = figures.revenue_minor


def _unit(message: bookings_pb2.UnitStats, unit: UnitFigures) -> None:
    message.resource_id = unit.resource_id
    message.unit_id = unit.unit_id
    message.name = unit.name
    message.nights = unit.nights
    message.minutes = unit.minutes
    message.revenue_minor = unit.revenue_minor


def business_stats_response(stats: BusinessStats) -> bookings_pb2.GetBusinessStatsResponse:
    response = bookings_pb2.GetBusinessStatsResponse(
        currency_code=stats.currency,
        time_zone=stats.time_zone,
        occupancy_percent=stats.occupancy_percent,
        places_occupancy_percent=stats.model_occupancy_percent("TIME_SLOT"),
        nights_occupancy_percent=stats.model_occupancy_percent("NIGHTLY"),
        hours_occupancy_percent=stats.model_occupancy_percent("INTERVAL"),
    )
    _figures(response.totals, stats.totals)
    for day, figures in stats.days:
        _figures(response.days.add(date=day.isoformat()).figures, figures)
    for resource in stats.resources:
        entry = response.resources.add(
            resource_id=resource.resource_id,
            name=resource.name,
            booking_model=resource.booking_model,
            capacity=resource.capacity,
            sold=resource.sold,
            occupancy_percent=resource.occupancy_percent,
        )
        _figures(entry.figures, resource.figures)
    for unit in stats.top_by_nights:
        _unit(response.top_units_by_nights.add(), unit)
    for unit in stats.top_by_hours:
        _unit(response.top_units_by_hours.add(), unit)
    return response
