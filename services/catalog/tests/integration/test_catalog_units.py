"""Units of a NIGHTLY resource (a room type) through the real gRPC server."""

import asyncio
import uuid

import grpc
import pytest

from bookingplatform.catalog.v1 import catalog_pb2

pytestmark = pytest.mark.integration

INVALID = grpc.StatusCode.INVALID_ARGUMENT


async def test_units_are_created_under_a_room_type_and_listed_in_creation_order(catalog, company, room_type):
    names = ["Cabin 1", "Cabin 2", "Cabin 3"]
    created = [
        (
            await catalog.CreateUnit(
                catalog_pb2.CreateUnitRequest(resource_id=room_type.id, name=f" {name} ")
            )
        ).unit
        for name in names
    ]
    assert [(u.name, u.resource_id, u.company_id) for u in created] == [
        (name, room_type.id, company.id) for name in names
    ]
    listed = (await catalog.ListUnits(catalog_pb2.ListUnitsRequest(resource_id=room_type.id))).units
    assert list(listed) == created
    read = (await catalog.GetUnit(catalog_pb2.GetUnitRequest(unit_id=created[1].id))).unit
    assert read == created[1]


async def test_a_unit_create_retried_with_its_request_id_returns_the_first_unit(catalog, room_type):
    request = catalog_pb2.CreateUnitRequest(
        request_id=str(uuid.uuid4()), resource_id=room_type.id, name="Room 1"
    )
    results = await asyncio.gather(*(catalog.CreateUnit(request) for _ in range(5)))
    assert len({reply.unit.id for reply in results}) == 1
    renamed = catalog_pb2.CreateUnitRequest(
        request_id=request.request_id, resource_id=room_type.id, name="Room 9"
    )
    assert (await catalog.CreateUnit(renamed)).unit == results[0].unit
    listed = (await catalog.ListUnits(catalog_pb2.ListUnitsRequest(resource_id=room_type.id))).units
    assert len(listed) == 1


async def test_a_unit_name_is_unique_per_room_type_whatever_its_case(
    catalog, room_type, new_resource, refused
):
    await catalog.CreateUnit(catalog_pb2.CreateUnitRequest(resource_id=room_type.id, name="Cabin 1"))
    refusal = await refused(
        catalog.CreateUnit(catalog_pb2.CreateUnitRequest(resource_id=room_type.id, name="CABIN 1"))
    )
    assert (refusal.code, refusal.reason, refusal.field, refusal.metadata) == (
        grpc.StatusCode.ALREADY_EXISTS,
        "UNIT_NAME_TAKEN",
        "name",
        {"resource_id": room_type.id},
    )
    other = await new_resource(catalog_pb2.BOOKING_MODEL_NIGHTLY)
    assert (
        await catalog.CreateUnit(catalog_pb2.CreateUnitRequest(resource_id=other.id, name="Cabin 1"))
    ).unit


async def test_bad_unit_requests_are_refused_with_their_reasons(catalog, room_type, new_resource, refused):
    slots = await new_resource(catalog_pb2.BOOKING_MODEL_TIME_SLOT)
    used = str(uuid.uuid4())
    await catalog.CreateUnit(
        catalog_pb2.CreateUnitRequest(request_id=used, resource_id=room_type.id, name="A")
    )
    other_room_type = await new_resource(catalog_pb2.BOOKING_MODEL_NIGHTLY)
    missing = str(uuid.uuid4())
    precondition, not_found = grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.NOT_FOUND
    cases = [
        ({"resource_id": room_type.id, "name": " "}, INVALID, "INVALID_NAME", "name"),
        ({"resource_id": "x", "name": "B"}, INVALID, "INVALID_ID", "resource_id"),
        ({"resource_id": slots.id, "name": "B"}, precondition, "RESOURCE_NOT_NIGHTLY", None),
        ({"resource_id": missing, "name": "B"}, not_found, "RESOURCE_NOT_FOUND", None),
        (
            {"request_id": used, "resource_id": other_room_type.id, "name": "B"},
            INVALID,
            "REQUEST_ID_REUSED",
            "request_id",
        ),
    ]
    for values, code, reason, field in cases:
        refusal = await refused(catalog.CreateUnit(catalog_pb2.CreateUnitRequest(**values)))
        assert (refusal.code, refusal.reason, refusal.field) == (code, reason, field), values
    refusal = await refused(catalog.ListUnits(catalog_pb2.ListUnitsRequest(resource_id=slots.id)))
    assert (refusal.reason, refusal.metadata) == (
        "RESOURCE_NOT_NIGHTLY",
        {"resource_id": slots.id, "booking_model": "TIME_SLOT"},
    )
    refusal = await refused(catalog.GetUnit(catalog_pb2.GetUnitRequest(unit_id=missing)))
    assert (refusal.code, refusal.reason, refusal.metadata) == (
        not_found,
        "UNIT_NOT_FOUND",
        {"unit_id": missing},
    )
