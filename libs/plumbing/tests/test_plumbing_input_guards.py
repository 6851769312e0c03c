"""Input guards shared by every service: NUL characters anywhere in a request are refused by
the gRPC server before a handler runs, a saga command holding one is dead-lettered at once,
and times and dates outside 1970..2200 are refused with INVALID_DATE."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from google.rpc import error_details_pb2
from grpc import aio

from bookingplatform.ops.v1 import dead_letters_pb2, dead_letters_pb2_grpc
from bookingplatform.saga.v1 import saga_pb2
from plumbing import messaging
from plumbing.db import Database
from plumbing.dead_letters import DEAD_LETTER_SERVICE, DeadLetters
from plumbing.errors import InvalidArgument
from plumbing.grpc_server import create_server, error_reason
from plumbing.outbox import Outbox
from plumbing.runtime import RunningService
from plumbing.saga_participant import StepConsumer
from plumbing.testing import eventually
from plumbing.validation import (
    check_datetime,
    nul_field,
    optional_timestamp,
    parse_date,
    refuse_nul,
    timestamp_to_datetime,
)


def test_a_nul_is_found_in_plain_nested_repeated_and_map_fields():
    assert nul_field(error_details_pb2.ErrorInfo(reason="OK", metadata={"a": "b"})) is None
    assert nul_field(error_details_pb2.ErrorInfo(reason="O\x00K")) == "reason"
    assert nul_field(error_details_pb2.ErrorInfo(metadata={"a": "b\x00"})) == "metadata['a']"
    assert nul_field(error_details_pb2.ErrorInfo(metadata={"a\x00": "b"})) == "metadata['a\\x00']"
    request = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field="ok", description="fine"),
            error_details_pb2.BadRequest.FieldViolation(field="ok", description="\x00"),
        ]
    )
    assert nul_field(request) == "field_violations[1].description"
    command = saga_pb2.StepCommand(saga_id="s")
    command.amount.currency_code = "EU\x00"
    assert nul_field(command) == "amount.currency_code"


def test_refuse_nul_raises_validation_failed_naming_the_field():
    with pytest.raises(InvalidArgument) as raised:
        refuse_nul(error_details_pb2.ErrorInfo(domain="a\x00"))
    assert (raised.value.reason, raised.value.field) == ("VALIDATION_FAILED", "domain")


def _stamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def test_times_inside_the_window_convert_and_the_edges_of_python_are_refused():
    inside = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=UTC)
    assert timestamp_to_datetime(_stamp(inside), "start_time") == inside
    assert timestamp_to_datetime(_stamp(datetime(1970, 1, 1, tzinfo=UTC)), "t").year == 1970
    for outside in (
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2200, 1, 1, tzinfo=UTC),
    ):
        with pytest.raises(InvalidArgument) as raised:
            timestamp_to_datetime(_stamp(outside), "start_time")
        assert (raised.value.reason, raised.value.field) == ("INVALID_DATE", "start_time")
    beyond = Timestamp(seconds=2**62)  # not even a datetime
    with pytest.raises(InvalidArgument):
        timestamp_to_datetime(beyond, "end_time")
    with pytest.raises(InvalidArgument):
        timestamp_to_datetime(Timestamp(seconds=0, nanos=-1), "end_time")


def test_aware_datetimes_at_year_1_or_9999_with_an_offset_are_refused_not_overflowing():
    plus14 = timezone(timedelta(hours=14))
    minus12 = timezone(timedelta(hours=-12))
    for moment in (datetime(1, 1, 1, tzinfo=plus14), datetime(9999, 12, 31, 23, tzinfo=minus12)):
        with pytest.raises(InvalidArgument) as raised:
            check_datetime(moment, "from")
        assert raised.value.reason == "INVALID_DATE"
    with pytest.raises(InvalidArgument):
        check_datetime(datetime(2026, 1, 1), "from")  # naive


def test_an_unset_timestamp_is_none():
    letter = dead_letters_pb2.DeadLetter()
    assert optional_timestamp(letter, "original_time") is None
    letter.original_time.FromDatetime(datetime(2030, 1, 1, tzinfo=UTC))
    assert optional_timestamp(letter, "original_time") == datetime(2030, 1, 1, tzinfo=UTC)


def test_dates_are_plain_iso_dates_inside_the_window():
    assert parse_date("2026-03-29", "date") == date(2026, 3, 29)
    assert parse_date("1970-01-01", "date") == date(1970, 1, 1)
    assert parse_date("2199-12-31", "date") == date(2199, 12, 31)
    for bad in (
        "",
        "20260329",
        "2026-W13-7",
        "2026-02-30",
        "0001-01-01",
        "9999-12-31",
        "2200-01-01",
        "x" * 10,
    ):
        with pytest.raises(InvalidArgument) as raised:
            parse_date(bad, "date")
        assert (raised.value.reason, raised.value.field) == ("INVALID_DATE", "date")


class Recorder:
    def __init__(self) -> None:
        self.calls: list[error_details_pb2.ErrorInfo] = []

    def register(self, server: aio.Server) -> None:
        async def echo(request: error_details_pb2.ErrorInfo, context) -> error_details_pb2.ErrorInfo:
            self.calls.append(request)
            return request

        handler = grpc.unary_unary_rpc_method_handler(
            echo,
            request_deserializer=error_details_pb2.ErrorInfo.FromString,
            response_serializer=error_details_pb2.ErrorInfo.SerializeToString,
        )
        server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler("test.Echo", {"Echo": handler}),)
        )


@pytest.mark.integration
async def test_the_grpc_server_refuses_a_nul_in_any_string_before_the_handler_runs():
    recorder = Recorder()
    server = await create_server([recorder.register], [])
    channel = aio.insecure_channel(f"127.0.0.1:{server.port}")
    call = channel.unary_unary(
        "/test.Echo/Echo",
        request_serializer=error_details_pb2.ErrorInfo.SerializeToString,
        response_deserializer=error_details_pb2.ErrorInfo.FromString,
    )
    try:
        fine = error_details_pb2.ErrorInfo(reason="R", metadata={"k": "v"})
        assert await call(fine, timeout=5) == fine
        for bad in (
            error_details_pb2.ErrorInfo(reason="R\x00"),
            error_details_pb2.ErrorInfo(reason="R", metadata={"k": "v\x00"}),
        ):
            with pytest.raises(aio.AioRpcError) as raised:
                await call(bad, timeout=5)
            assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert error_reason(raised.value) == "VALIDATION_FAILED"
        assert recorder.calls == [fine]
    finally:
        await channel.close()
        await server.stop(0)


@pytest.mark.integration
async def test_a_saga_command_with_a_nul_is_dead_lettered_at_once_never_handled(database_url, nats_url):
    from wallet.adapters import tables  # any participant's inbox and outbox tables

    tag = uuid.uuid4().hex[:8]
    service_name = f"nul{tag}"
    stream, subject = f"N{tag}", f"n{tag}.cmd"
    handled: list[saga_pb2.StepCommand] = []

    async def handler(conn, command: saga_pb2.StepCommand) -> saga_pb2.StepReply:
        handled.append(command)
        raise RuntimeError("a NUL reaches the database")

    db = Database(database_url, pool_size=1)
    consumer = StepConsumer(db=db, inbox=tables.inbox, outbox=Outbox(tables.outbox), handler=handler)
    nc = await messaging.connect(nats_url, service_name)
    js = nc.jetstream()
    await messaging.ensure_stream(js, stream, [subject])
    dead_letters = DeadLetters(service_name)
    server = await create_server([dead_letters.register], [DEAD_LETTER_SERVICE])
    running = RunningService(service_name, server, closers=[nc.close, db.close])
    pull = messaging.PullConsumer(
        js,
        stream=stream,
        durable=f"{service_name}-c",
        subject=subject,
        handler=consumer.handle,
        max_deliver=5,
    )
    await dead_letters.bind(js)  # as every service does before its consumers start
    running.spawn(pull.run_forever(), "consumer")
    running.spawn(dead_letters.watch([pull]), "dead-letters")
    channel = aio.insecure_channel(running.address)
    stub = dead_letters_pb2_grpc.DeadLetterServiceStub(channel)
    try:
        command = saga_pb2.StepCommand(saga_id=str(uuid.uuid4()), step="wallet", entitlement_id="ent\x00")
        await js.publish(subject, command.SerializeToString(), headers={"Nats-Msg-Id": f"m-{tag}"})

        async def dead_lettered() -> list[dead_letters_pb2.DeadLetter]:
            reply = await stub.ListDeadLetters(dead_letters_pb2.ListDeadLettersRequest(service=service_name))
            return list(reply.dead_letters)

        letters = await eventually(dead_lettered, interval=0.1, message="the command was never dead-lettered")
        assert len(letters) == 1
        assert letters[0].reason == dead_letters_pb2.DEAD_LETTER_REASON_TERMINATED
        assert letters[0].deliveries == 1
        assert handled == []
    finally:
        await channel.close()
        await running.stop(grace=0.1)
