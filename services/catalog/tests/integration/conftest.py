"""A real catalog service (gRPC on port 0, PostgreSQL, NATS) and helpers to call it."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy

from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookingplatform.common.v1 import money_pb2
from catalog.bootstrap import start
from catalog.settings import Settings
from plumbing.grpc_server import error_reason
from plumbing.messaging import connect
from plumbing.testing import EVENTUALLY_TIMEOUT


@pytest.fixture(scope="session")
async def catalog_service(database_url, nats_url):
    service = await start(Settings(database_url=database_url, nats_url=nats_url))
    yield service
    await service.stop()


@pytest.fixture(scope="session")
async def catalog(catalog_service):
    async with grpc.aio.insecure_channel(catalog_service.address) as channel:
        yield catalog_pb2_grpc.CatalogServiceStub(channel)


@dataclass
class Refusal:
    code: grpc.StatusCode
    reason: str | None
    field: str | None
    metadata: dict[str, str]


async def _refused(call: Awaitable[object]) -> Refusal:
    """The status, ErrorInfo reason and metadata, and BadRequest field of a failed call."""
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    error = raised.value
    status = rpc_status.from_call(error)
    assert status is not None, "the server sent no rich status"
    field, metadata = None, {}
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            assert info.domain == "bookingplatform"
            metadata = dict(info.metadata)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            field = bad.field_violations[0].field
    return Refusal(code=error.code(), reason=error_reason(error), field=field, metadata=metadata)


@pytest.fixture
def refused():
    return _refused


def ts(value: datetime) -> Timestamp:
    message = Timestamp()
    message.FromDatetime(value)
    return message


@pytest.fixture
def timestamp():
    return ts


BASE_TIME = datetime(2031, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def base_time():
    return BASE_TIME


@pytest.fixture
async def company(catalog) -> catalog_pb2.Company:
    """A fresh company selling in EUR."""
    reply = await catalog.CreateCompany(
        catalog_pb2.CreateCompanyRequest(
            request_id=str(uuid.uuid4()), name="Harbour Yoga", time_zone="Europe/Berlin", currency_code="EUR"
        )
    )
    return reply.company


@pytest.fixture
async def resource(catalog, company) -> catalog_pb2.Resource:
    """A time-slot resource of `company`."""
    reply = await catalog.CreateResource(
        catalog_pb2.CreateResourceRequest(
            request_id=str(uuid.uuid4()),
            company_id=company.id,
            name="Studio A",
            booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
        )
    )
    return reply.resource


@pytest.fixture
def session_request(resource):
    """Builds a valid CreateSessionRequest on `resource`, `hours` after the base time."""

    def build(hours: float = 0, **overrides) -> catalog_pb2.CreateSessionRequest:
        start_time = BASE_TIME + timedelta(hours=hours)
        values = {
            "request_id": str(uuid.uuid4()),
            "resource_id": resource.id,
            "start_time": ts(start_time),
            "end_time": ts(start_time + timedelta(hours=1)),
            "capacity": 12,
            "price": money_pb2.Money(amount_minor=1800, currency_code="EUR"),
        }
        values.update(overrides)
        return catalog_pb2.CreateSessionRequest(**values)

    return build


async def _events(
    nats_url: str, subject: str, matches: Callable[[bytes], bool], *, timeout: float = EVENTUALLY_TIMEOUT
) -> list[Msg]:
    """Every message of `subject` on the CATALOG stream whose payload `matches`: waits up to
    `timeout` seconds for the first, then reads the rest of the stream."""
    nc = await connect(nats_url, "catalog-test")
    try:
        subscription = await nc.jetstream().pull_subscribe(
            subject, stream="CATALOG", config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL)
        )
        found: list[Msg] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            try:
                messages = await subscription.fetch(500, timeout=1)
            except TimeoutError:
                if found:
                    break  # the stream is drained and the event arrived
                continue
            for message in messages:
                await message.ack()
                if matches(message.data):
                    found.append(message)
        await subscription.unsubscribe()
        return found
    finally:
        await nc.close()


@pytest.fixture
def catalog_events(nats_url):
    """`await catalog_events(subject, matches)`: the matching messages published on `subject`."""

    async def read(
        subject: str, matches: Callable[[bytes], bool], timeout: float = EVENTUALLY_TIMEOUT
    ) -> list[Msg]:
        return await _events(nats_url, subject, matches, timeout=timeout)

    return read


@pytest.fixture
def new_resource(catalog, company):
    """Creates a resource of `company` with a booking model and optional request fields."""

    async def create(model: int, **values) -> catalog_pb2.Resource:
        request = catalog_pb2.CreateResourceRequest(
            request_id=str(uuid.uuid4()), company_id=company.id, name="Resource", booking_model=model
        )
        for key, value in values.items():
            if isinstance(value, (int, str, bool)):
                setattr(request, key, value)
            else:
                getattr(request, key).CopyFrom(value)
        return (await catalog.CreateResource(request)).resource

    return create


@pytest.fixture
async def room_type(new_resource) -> catalog_pb2.Resource:
    """A NIGHTLY resource of `company` (Europe/Berlin, EUR) with the default policy."""
    return await new_resource(catalog_pb2.BOOKING_MODEL_NIGHTLY, name="Lakeside cabin")
