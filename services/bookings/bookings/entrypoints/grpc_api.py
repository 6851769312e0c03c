"""gRPC entry point: request -> command (`protos.py`) -> handler -> response. Translation only."""

from __future__ import annotations

from grpc import aio

from bookingplatform.bookings.v1 import bookings_pb2, bookings_pb2_grpc
from bookings.entrypoints import protos
from bookings.service.availability import AvailabilityService
from bookings.service.booking_commands import BookingCommands
from bookings.service.changes import PeriodChanges
from bookings.service.lifecycle import Lifecycle
from bookings.service.orchestrator import Orchestrator
from bookings.service.saga_queries import SagaQueries
from bookings.service.session_changes import SessionChanges, protos_change_session
from bookings.service.stats import StatsService
from plumbing.errors import ErrorKind, ServiceError
from plumbing.grpc_server import OVERLOAD_RETRY_AFTER_METADATA


class BookingsApi(bookings_pb2_grpc.BookingsServiceServicer):
    def __init__(
        self,
        *,
        bookings: BookingCommands,
        changes: PeriodChanges,
        lifecycle: Lifecycle,
        availability: AvailabilityService,
        orchestrator: Orchestrator,
        sagas: SagaQueries,
        session_changes: SessionChanges | None = None,
        stats: StatsService,
    ) -> None:
        self.stats = stats
        self.session_changes = session_changes
        self.bookings = bookings
        self.changes = changes
        self.lifecycle = lifecycle
        self.availability = availability
        self.orchestrator = orchestrator
        self.sagas = sagas

    # -- bookings -------------------------------------------------------------------------

    async def CreateBooking(
        self, request: bookings_pb2.CreateBookingRequest, context: aio.ServicerContext
    ) -> bookings_pb2.CreateBookingResponse:
        created = await self.bookings.create_booking(protos.create_booking(request))
        if created.hold_back_seconds is not None:
            context.set_trailing_metadata(((OVERLOAD_RETRY_AFTER_METADATA, str(created.hold_back_seconds)),))
        return bookings_pb2.CreateBookingResponse(
            booking=protos.booking_message(created.booking), replayed=created.replayed
        )

    async def QuoteBooking(
        self, request: bookings_pb2.QuoteBookingRequest, context: aio.ServicerContext
    ) -> bookings_pb2.QuoteBookingResponse:
        quote = await self.bookings.quote_booking(protos.booking_request(request))
        return bookings_pb2.QuoteBookingResponse(quote=protos.quote_message(quote))

    async def GetBooking(
        self, request: bookings_pb2.GetBookingRequest, context: aio.ServicerContext
    ) -> bookings_pb2.GetBookingResponse:
        booking = await self.bookings.get_booking(request.booking_id)
        return bookings_pb2.GetBookingResponse(booking=protos.booking_message(booking))

    async def ListBookings(
        self, request: bookings_pb2.ListBookingsRequest, context: aio.ServicerContext
    ) -> bookings_pb2.ListBookingsResponse:
        page, token = await self.bookings.list_bookings(protos.list_bookings(request))
        return bookings_pb2.ListBookingsResponse(
            bookings=[protos.booking_message(b) for b in page], next_page_token=token, has_more=bool(token)
        )

    async def CancelBooking(
        self, request: bookings_pb2.CancelBookingRequest, context: aio.ServicerContext
    ) -> bookings_pb2.CancelBookingResponse:
        booking = await self.bookings.cancel_booking(protos.cancel_booking(request))
        return bookings_pb2.CancelBookingResponse(booking=protos.booking_message(booking))

    async def PreviewCancellation(
        self, request: bookings_pb2.PreviewCancellationRequest, context: aio.ServicerContext
    ) -> bookings_pb2.PreviewCancellationResponse:
        preview = await self.bookings.preview_cancellation(protos.preview_cancellation(request))
        return protos.cancellation_preview_response(preview)

    async def PreviewCompanyCancellations(
        self, request: bookings_pb2.PreviewCompanyCancellationsRequest, context: aio.ServicerContext
    ) -> bookings_pb2.PreviewCompanyCancellationsResponse:
        previews = await self.bookings.preview_company_cancellations(
            protos.preview_company_cancellations(request)
        )
        return protos.company_cancellation_previews(previews)

    async def SettleBooking(
        self, request: bookings_pb2.SettleBookingRequest, context: aio.ServicerContext
    ) -> bookings_pb2.SettleBookingResponse:
        booking = await self.bookings.settle_booking(protos.settle_booking(request))
        return bookings_pb2.SettleBookingResponse(booking=protos.booking_message(booking))

    async def CheckInBooking(
        self, request: bookings_pb2.CheckInBookingRequest, context: aio.ServicerContext
    ) -> bookings_pb2.CheckInBookingResponse:
        booking = await self.lifecycle.check_in(protos.check_in_booking(request))
        return bookings_pb2.CheckInBookingResponse(booking=protos.booking_message(booking))

    async def OverrideNoShow(
        self, request: bookings_pb2.OverrideNoShowRequest, context: aio.ServicerContext
    ) -> bookings_pb2.OverrideNoShowResponse:
        booking = await self.lifecycle.override_no_show(protos.override_no_show(request))
        return bookings_pb2.OverrideNoShowResponse(booking=protos.booking_message(booking))

    async def ChangeBookingPeriod(
        self, request: bookings_pb2.ChangeBookingPeriodRequest, context: aio.ServicerContext
    ) -> bookings_pb2.ChangeBookingPeriodResponse:
        booking = await self.changes.change_period(protos.change_booking_period(request))
        return bookings_pb2.ChangeBookingPeriodResponse(booking=protos.booking_message(booking))

    # -- availability -----------------------------------------------------------------------

    async def GetAvailability(
        self, request: bookings_pb2.GetAvailabilityRequest, context: aio.ServicerContext
    ) -> bookings_pb2.GetAvailabilityResponse:
        resources = await self.availability.get_availability(
            request.company_id, list(request.resource_ids), request.start_date, request.end_date
        )
        return protos.availability_response(resources)

    async def GetSessionPlaces(
        self, request: bookings_pb2.GetSessionPlacesRequest, context: aio.ServicerContext
    ) -> bookings_pb2.GetSessionPlacesResponse:
        places = await self.availability.session_places(request.company_id, list(request.session_ids))
        return protos.session_places_response(places)

    async def GetBusinessStats(
        self, request: bookings_pb2.GetBusinessStatsRequest, context: aio.ServicerContext
    ) -> bookings_pb2.GetBusinessStatsResponse:
        stats = await self.stats.business_stats(
            request.company_id, request.start_date, request.end_date, request.resource_id, request.top
        )
        return protos.business_stats_response(stats)

    async def ListFreeSlots(
        self, request: bookings_pb2.ListFreeSlotsRequest, context: aio.ServicerContext
    ) -> bookings_pb2.ListFreeSlotsResponse:
        slots = await self.availability.list_free_slots(
            request.resource_id, request.date, request.min_duration_minutes
        )
        return protos.free_slots_response(slots)

    async def ChangeSession(
        self, request: bookings_pb2.ChangeSessionRequest, context: aio.ServicerContext
    ) -> bookings_pb2.ChangeSessionResponse:
        if self.session_changes is None:
            raise ServiceError("NOT_CONFIGURED", "session changes are not wired", kind=ErrorKind.UNAVAILABLE)
        session, booked = await self.session_changes.change(protos_change_session(request))
        return bookings_pb2.ChangeSessionResponse(session=session, booked=booked)

    # -- sagas ------------------------------------------------------------------------------

    async def GetSaga(
        self, request: bookings_pb2.GetSagaRequest, context: aio.ServicerContext
    ) -> bookings_pb2.GetSagaResponse:
        saga = await self.sagas.get_saga(request.saga_id)
        return bookings_pb2.GetSagaResponse(saga=protos.saga_message(saga))

    async def ListSagas(
        self, request: bookings_pb2.ListSagasRequest, context: aio.ServicerContext
    ) -> bookings_pb2.ListSagasResponse:
        page = await self.sagas.list_sagas(protos.list_sagas(request))
        return bookings_pb2.ListSagasResponse(
            sagas=[protos.saga_message(saga) for saga in page.sagas],
            next_page_token=page.next_page_token,
            total_size=page.total,
            counts=protos.saga_counts(page.counts),
            buckets=protos.saga_buckets(page.buckets),
            compensation_reasons=protos.reason_counts(page.compensation_reasons),
        )

    async def RetrySagaStep(
        self, request: bookings_pb2.RetrySagaStepRequest, context: aio.ServicerContext
    ) -> bookings_pb2.RetrySagaStepResponse:
        await self.orchestrator.retry_saga_step(protos.retry_saga_step(request))
        saga = await self.sagas.get_saga(request.saga_id)
        return bookings_pb2.RetrySagaStepResponse(saga=protos.saga_message(saga))

    async def ForceCompensateSaga(
        self, request: bookings_pb2.ForceCompensateSagaRequest, context: aio.ServicerContext
    ) -> bookings_pb2.ForceCompensateSagaResponse:
        await self.orchestrator.force_compensate_saga(protos.force_compensate_saga(request))
        saga = await self.sagas.get_saga(request.saga_id)
        return bookings_pb2.ForceCompensateSagaResponse(saga=protos.saga_message(saga))
