"""gRPC translation of GetAvailability and ListFreeSlots (called by BookingsApi)."""

from __future__ import annotations

from datetime import date

from bookingplatform.bookings.v1 import bookings_pb2
from bookings.service.availability import AvailabilityService


async def get_availability(
    service: AvailabilityService, request: bookings_pb2.GetAvailabilityRequest
) -> bookings_pb2.GetAvailabilityResponse:
    resources = await service.get_availability(
        request.company_id, list(request.resource_ids), request.start_date, request.end_date
    )
    response = bookings_pb2.GetAvailabilityResponse()
    dates: dict[date, str] = {}
    for resource in resources:
        entry = response.resources.add(resource_id=resource.resource_id)
        for day in resource.days:
            iso = dates.get(day.day) or dates.setdefault(day.day, day.day.isoformat())
            entry.days.add(date=iso, capacity=day.capacity, booked=day.booked)
    return response


async def list_free_slots(
    service: AvailabilityService, request: bookings_pb2.ListFreeSlotsRequest
) -> bookings_pb2.ListFreeSlotsResponse:
    slots = await service.list_free_slots(request.resource_id, request.date, request.min_duration_minutes)
    response = bookings_pb2.ListFreeSlotsResponse()
    for start, end in slots:
        slot = response.slots.add()
        slot.start_time.FromDatetime(start)
        slot.end_time.FromDatetime(end)
    return response
