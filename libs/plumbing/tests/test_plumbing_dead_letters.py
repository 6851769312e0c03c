"""Dead letters on a real NATS JetStream and real grpc.aio servers on port 0: a message its
handler keeps failing ends in the DLQ after max_deliver, is listed, replayed once to the
fixed handler, and a second replay is refused."""

from __future__ import annotations

import uuid

import grpc
import pytest
from grpc import aio
from nats.aio.msg import Msg

from bookingplatform.ops.v1 import dead_letters_pb2, dead_letters_pb2_grpc
from plumbing import messaging
from plumbing.dead_letters import (
    DEAD_LETTER_SERVICE,
    DLQ_STREAM,
    DeadLetters,
    dead_letter_message_id,
    replay_message_id,
)
from plumbing.grpc_server import create_server, error_reason
from plumbing.runtime import RunningService
from plumbing.testing import eventually

pytestmark = pytest.mark.integration


class FlakyHandler:
    """Fails every message while `broken`; afterwards records and acks them."""

    def __init__(self) -> None:
        self.broken = True
        self.attempts = 0
        self.processed: list[tuple[bytes, str]] = []

    async def __call__(self, messages: list[Msg]) -> None:
        for msg in messages:
            self.attempts += 1
            if self.broken:
                raise RuntimeError("handler bug")
            self.processed.append((msg.data, (msg.headers or {}).get("Nats-Msg-Id", "")))
            await msg.ack()


async def start_consumer_service(nats_url: str, service_name: str, stream: str, subject: str, handler):
    nc = await messaging.connect(nats_url, service_name)
    js = nc.jetstream()
    await messaging.ensure_stream(js, stream, [subject])
    dead_letters = DeadLetters(service_name)
    server = await create_server([dead_letters.register], [DEAD_LETTER_SERVICE])
    running = RunningService(service_name, server, closers=[nc.close])
    pull = messaging.PullConsumer(
        js,
        stream=stream,
        durable=f"{service_name}-consumer",
        subject=subject,
        handler=handler,
        max_deliver=3,
        backoff=[1.0, 1.0],
        retry=messaging.RetryPolicy(first=0.1, cap=0.2),
    )
    await dead_letters.bind(js)
    running.spawn(pull.run_forever(), "consumer")
    running.spawn(dead_letters.watch([pull]), "dead-letters")
    return running, js, pull


async def test_a_message_its_handler_keeps_failing_is_dead_lettered_listed_and_replayed_once(nats_url):
    tag = uuid.uuid4().hex[:8]
    service_name = f"svc{tag}"
    stream, subject = f"T{tag}", f"t{tag}.work"
    handler = FlakyHandler()
    running, js, pull = await start_consumer_service(nats_url, service_name, stream, subject, handler)
    channel = aio.insecure_channel(running.address)
    stub = dead_letters_pb2_grpc.DeadLetterServiceStub(channel)
    try:
        ack = await js.publish(
            subject, b"payload-1", headers={"Nats-Msg-Id": f"m-{tag}", "traceparent": "tp"}
        )

        async def listed():
            reply = await stub.ListDeadLetters(dead_letters_pb2.ListDeadLettersRequest(service=service_name))
            return reply.dead_letters

        letters = await eventually(listed, message="the failing message was never dead-lettered")
        assert handler.attempts == 3  # max_deliver, each failure naked with a delay
        assert len(letters) == 1
        letter = letters[0]
        assert letter.service == service_name
        assert letter.consumer == pull.durable
        assert letter.reason == dead_letters_pb2.DEAD_LETTER_REASON_MAX_DELIVERIES
        assert letter.original_stream == stream
        assert letter.original_sequence == ack.seq
        assert letter.original_subject == subject
        assert letter.original_message_id == f"m-{tag}"
        assert letter.deliveries == 3
        assert letter.payload == b"payload-1"
        assert dict(letter.headers) == {"traceparent": "tp"}
        assert letter.HasField("original_time") and letter.HasField("dead_letter_time")
        assert not letter.HasField("replay_time")

        # The copy in the DLQ stream names where it came from.
        raw = await js.get_msg(DLQ_STREAM, seq=int(letter.id))
        assert raw.subject == f"dlq.{service_name}.{pull.durable}"
        headers = raw.headers or {}
        assert headers["Dlq-Original-Subject"] == subject
        assert headers["Dlq-Original-Stream"] == stream
        assert headers["Dlq-Original-Sequence"] == str(ack.seq)
        assert headers["Dlq-Original-Msg-Id"] == f"m-{tag}"
        assert headers["Dlq-Deliveries"] == "3"
        assert headers["Dlq-Time"] and headers["Dlq-Original-Time"]
        assert headers["Nats-Msg-Id"] == dead_letter_message_id(stream, pull.durable, ack.seq)

        # Copying again (a repeated advisory) stores nothing new.
        again = await js.publish(
            raw.subject, raw.data or b"", headers={"Nats-Msg-Id": headers["Nats-Msg-Id"]}, stream=DLQ_STREAM
        )
        assert again.duplicate

        # The handler is fixed; the replay reaches it once, with a fresh message id.
        handler.broken = False
        replayed = await stub.ReplayDeadLetter(
            dead_letters_pb2.ReplayDeadLetterRequest(service=service_name, id=letter.id, request_id="r1")
        )
        assert replayed.dead_letter.replay_message_id == replay_message_id(service_name, int(letter.id))
        assert replayed.dead_letter.HasField("replay_time")
        await eventually(lambda: handler.processed, message="the replay never reached the handler")
        assert handler.processed == [(b"payload-1", replay_message_id(service_name, int(letter.id)))]

        # A retry of the same request answers the first result; another replay is refused.
        retried = await stub.ReplayDeadLetter(
            dead_letters_pb2.ReplayDeadLetterRequest(service=service_name, id=letter.id, request_id="r1")
        )
        assert retried.dead_letter.replay_message_id == replayed.dead_letter.replay_message_id
        with pytest.raises(aio.AioRpcError) as refused:
            await stub.ReplayDeadLetter(
                dead_letters_pb2.ReplayDeadLetterRequest(service=service_name, id=letter.id, request_id="r2")
            )
        assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert error_reason(refused.value) == "ALREADY_REPLAYED"
        # Nothing more reaches the handler: a message published after the refused replay
        # arrives, and nothing came before it.
        await js.publish(subject, b"marker", headers={"Nats-Msg-Id": f"marker-{tag}"})
        await eventually(lambda: len(handler.processed) >= 2, message="the marker never arrived")
        assert [payload for payload, _ in handler.processed] == [b"payload-1", b"marker"]

        listed_again = (
            await stub.ListDeadLetters(dead_letters_pb2.ListDeadLettersRequest(service=service_name))
        ).dead_letters
        assert [d.replay_message_id for d in listed_again] == [replayed.dead_letter.replay_message_id]

        # Discarding removes it; a retry of the same discard succeeds, another is NOT_FOUND.
        discard = dead_letters_pb2.DiscardDeadLetterRequest(
            service=service_name, id=letter.id, request_id="d1"
        )
        await stub.DiscardDeadLetter(discard)
        await stub.DiscardDeadLetter(discard)
        with pytest.raises(aio.AioRpcError) as gone:
            await stub.DiscardDeadLetter(
                dead_letters_pb2.DiscardDeadLetterRequest(service=service_name, id=letter.id, request_id="d2")
            )
        assert error_reason(gone.value) == "DEAD_LETTER_NOT_FOUND"
        assert not (await listed())
    finally:
        await channel.close()
        await running.stop(0.2)


async def test_terminated_messages_are_dead_lettered_and_listing_pages(nats_url):
    tag = uuid.uuid4().hex[:8]
    service_name = f"svc{tag}"
    stream, subject = f"T{tag}", f"t{tag}.work"

    async def terminate(messages: list[Msg]) -> None:
        for msg in messages:
            await msg.term()

    running, js, _ = await start_consumer_service(nats_url, service_name, stream, subject, terminate)
    channel = aio.insecure_channel(running.address)
    stub = dead_letters_pb2_grpc.DeadLetterServiceStub(channel)
    try:
        for n in range(5):
            await js.publish(subject, f"bad-{n}".encode())

        async def all_listed():
            reply = await stub.ListDeadLetters(
                dead_letters_pb2.ListDeadLettersRequest(service=service_name, page_size=200)
            )
            return reply.dead_letters if len(reply.dead_letters) == 5 else None

        letters = await eventually(all_listed, message="not every terminated message was dead-lettered")
        assert {d.reason for d in letters} == {dead_letters_pb2.DEAD_LETTER_REASON_TERMINATED}
        assert sorted(d.payload for d in letters) == [f"bad-{n}".encode() for n in range(5)]

        pages, token = [], ""
        while True:
            reply = await stub.ListDeadLetters(
                dead_letters_pb2.ListDeadLettersRequest(service=service_name, page_size=2, page_token=token)
            )
            pages.append([d.id for d in reply.dead_letters])
            token = reply.next_page_token
            if not token:
                break
        assert [len(p) for p in pages] == [2, 2, 1]
        assert [i for p in pages for i in p] == [d.id for d in letters]

        with pytest.raises(aio.AioRpcError) as wrong:
            await stub.ListDeadLetters(dead_letters_pb2.ListDeadLettersRequest(service="someone-else"))
        assert error_reason(wrong.value) == "WRONG_SERVICE"
        with pytest.raises(aio.AioRpcError) as bad_id:
            await stub.ReplayDeadLetter(dead_letters_pb2.ReplayDeadLetterRequest(id="x"))
        assert bad_id.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    finally:
        await channel.close()
        await running.stop(0.2)


async def test_a_dead_letter_watch_refuses_to_start_before_its_streams_are_bound():
    # An advisory published before DLQ_ADVISORIES exists is lost, so the watch never
    # creates the stream behind the consumers' backs.
    with pytest.raises(RuntimeError, match="bind"):
        await DeadLetters("unbound").watch([])
