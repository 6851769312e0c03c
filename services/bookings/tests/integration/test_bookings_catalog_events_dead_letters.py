"""A catalog event bookings cannot act on is not lost: the session-cancelled consumer terminates
it and bookings' dead-letter watch keeps it in the DLQ, listed by bookings' DeadLetterService
with the consumer that gave it up (as for the saga replies)."""

import uuid

import pytest
from grpc import aio

import bookings.bootstrap
from bookingplatform.ops.v1 import dead_letters_pb2, dead_letters_pb2_grpc
from bookings.entrypoints.catalog_events import CATALOG_STREAM, DURABLE, SESSION_CANCELLED
from plumbing.messaging import connect
from plumbing.principal import Principal, Role
from plumbing.tenancy_testing import forged
from plumbing.testing import eventually, isolated_infrastructure

pytestmark = pytest.mark.integration

OPERATOR = forged(Principal(role=Role.PLATFORM_ADMIN, user_id=str(uuid.uuid4())))


@pytest.fixture(scope="module")
async def env(database_url):
    # NATS of its own: the dead letters listed are this test's bookings' only.
    async with isolated_infrastructure(database_url, "catalogdlq") as (own_database, nats_url):
        booking_service = await bookings.bootstrap.start(
            bookings.bootstrap.Settings(
                # The consumer terminates the message before any call to the catalog.
                database_url=own_database,
                nats_url=nats_url,
                catalog_addr="127.0.0.1:1",
            )
        )
        nc = await connect(nats_url, "catalog-events-test")
        channel = aio.insecure_channel(booking_service.address)
        yield dead_letters_pb2_grpc.DeadLetterServiceStub(channel), nc.jetstream()
        await channel.close()
        await nc.close()
        await booking_service.stop(0.2)


async def test_an_undecodable_session_cancelled_event_becomes_a_dead_letter_of_bookings(env) -> None:
    letters, js = env
    message_id = f"poison-{uuid.uuid4()}"
    # Field 1 (the session) with a length that runs past the end: not a SessionCancelled.
    await js.publish(SESSION_CANCELLED, b"\x0a\xff", headers={"Nats-Msg-Id": message_id})

    async def listed() -> dead_letters_pb2.DeadLetter | None:
        page = await letters.ListDeadLetters(
            dead_letters_pb2.ListDeadLettersRequest(page_size=200), metadata=OPERATOR
        )
        return next((d for d in page.dead_letters if d.original_message_id == message_id), None)

    letter = await eventually(listed, interval=0.1, message="the terminated event was not dead-lettered")
    assert (letter.service, letter.consumer) == ("bookings", DURABLE)
    assert letter.reason == dead_letters_pb2.DEAD_LETTER_REASON_TERMINATED
    assert (letter.original_stream, letter.original_subject) == (CATALOG_STREAM, SESSION_CANCELLED)
    assert letter.payload == b"\x0a\xff"
