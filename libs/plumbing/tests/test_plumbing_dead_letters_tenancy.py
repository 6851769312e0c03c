"""Dead letters are a platform operator's tool: every RPC of the real DeadLetterService (from
its descriptor) refuses each company-bound principal, and answers the platform admin and the
internal caller."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import grpc
import pytest
from google.protobuf.message import Message
from grpc import aio

from bookingplatform.ops.v1 import dead_letters_pb2, dead_letters_pb2_grpc
from plumbing import messaging
from plumbing.dead_letters import DEAD_LETTER_SERVICE, DeadLetters
from plumbing.grpc_server import create_server, error_reason
from plumbing.principal import Principal, Role
from plumbing.runtime import RunningService
from plumbing.tenancy_testing import call_as, rpc_names

pytestmark = pytest.mark.integration

SERVICE = dead_letters_pb2.DESCRIPTOR.services_by_name["DeadLetterService"]
COMPANY = str(uuid.uuid4())
COMPANY_BOUND = [
    Principal(role=Role.COMPANY_ADMIN, company_id=COMPANY, user_id=str(uuid.uuid4())),
    Principal(role=Role.STAFF, company_id=COMPANY, user_id=str(uuid.uuid4())),
    Principal(role=Role.CUSTOMER, company_id=COMPANY, customer_id=str(uuid.uuid4())),
    Principal(role=Role.GUEST, company_id=COMPANY, customer_id=str(uuid.uuid4())),
]


def _request(rpc: str) -> Message:
    """A request naming a dead letter that does not exist: past the role check it is answered
    NOT_FOUND (replay, discard) or with an empty page (list)."""
    request = SERVICE.methods_by_name[rpc].input_type._concrete_class()
    if "id" in request.DESCRIPTOR.fields_by_name:
        request.id = "999999999"
    if "request_id" in request.DESCRIPTOR.fields_by_name:
        request.request_id = str(uuid.uuid4())
    return request  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
async def stub(nats_url: str) -> AsyncIterator[dead_letters_pb2_grpc.DeadLetterServiceStub]:
    service = f"dlqtenancy{uuid.uuid4().hex[:8]}"
    nc = await messaging.connect(nats_url, service)
    dead_letters = DeadLetters(service)
    await dead_letters.bind(nc.jetstream())
    watcher = asyncio.create_task(dead_letters.watch([]))
    running = RunningService(service, await create_server([dead_letters.register], [DEAD_LETTER_SERVICE]))
    async with aio.insecure_channel(running.address) as channel:
        yield dead_letters_pb2_grpc.DeadLetterServiceStub(channel)
    watcher.cancel()
    await running.stop(0.1)
    await nc.close()


def test_the_service_has_the_three_rpcs_this_suite_calls() -> None:
    # A new RPC is called by the parametrized tests below too: they build its request alone.
    assert rpc_names(SERVICE) == ["DiscardDeadLetter", "ListDeadLetters", "ReplayDeadLetter"]


@pytest.mark.parametrize("rpc", rpc_names(SERVICE))
async def test_every_company_bound_principal_is_refused(
    stub: dead_letters_pb2_grpc.DeadLetterServiceStub, rpc: str
) -> None:
    for principal in COMPANY_BOUND:
        assert await call_as(stub, rpc, _request(rpc), principal) == (
            grpc.StatusCode.PERMISSION_DENIED,
            "PERMISSION_DENIED",
        ), principal.role


@pytest.mark.parametrize("rpc", rpc_names(SERVICE))
async def test_the_platform_admin_and_the_internal_caller_are_answered(
    stub: dead_letters_pb2_grpc.DeadLetterServiceStub, rpc: str
) -> None:
    expected = grpc.StatusCode.OK if rpc == "ListDeadLetters" else grpc.StatusCode.NOT_FOUND
    admin = Principal(role=Role.PLATFORM_ADMIN, user_id=str(uuid.uuid4()))
    code, _ = await call_as(stub, rpc, _request(rpc), admin)
    assert code == expected
    try:
        await getattr(stub, rpc)(_request(rpc), timeout=30)
        internal = grpc.StatusCode.OK
    except aio.AioRpcError as error:
        internal = error.code()
        assert error_reason(error) != "PERMISSION_DENIED"
    assert internal == expected
