"""Dead letters: messages a durable consumer gave up on, kept visible and replayable.

When a consumer delivers a message `max_deliver` times without an ack, or terminates it
(`msg.term()`, e.g. an undecodable payload), JetStream publishes an advisory
(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<stream>.<consumer>` /
`...MSG_TERMINATED...`, JSON with `stream_seq` and `deliveries`) and leaves the message in
its stream. Here:

- the `DLQ_ADVISORIES` stream captures those advisories, so none is lost while a service
  is down and every replica shares one durable consumer per watched consumer (no
  duplicates, no leader);
- the watcher (`DeadLetters.watch`) fetches the original message by stream sequence
  (`js.get_msg`) and copies it to the `DLQ` stream on `dlq.<service>.<consumer>`, with
  headers naming where it came from (`Dlq-Original-Subject`, `Dlq-Original-Stream`,
  `Dlq-Original-Sequence`, `Dlq-Original-Msg-Id`, `Dlq-Deliveries`, `Dlq-Original-Time`,
  `Dlq-Time`, `Dlq-Reason`, `Dlq-Service`, `Dlq-Consumer`). Its `Nats-Msg-Id` is derived from
  stream, consumer and sequence, so a repeated advisory stores nothing new;
- `bookingplatform.ops.v1.DeadLetterService` (`DeadLetters.register`) lists a service's dead
  letters (id = the DLQ stream sequence), replays one (the original payload and headers to
  the original subject, `Nats-Msg-Id` = `dlq-replay:<service>:<id>`; the replay is recorded
  in the `DLQ_ACTIONS` key-value bucket first, so a second replay is refused with
  `ALREADY_REPLAYED`) and discards one.

Wiring in a service's bootstrap:

    dead_letters = DeadLetters("wallet")
    server = await create_server([..., dead_letters.register], [..., DEAD_LETTER_SERVICE], ...)
    await dead_letters.bind(js)  # before any consumer loop starts
    service.spawn(pull.run_forever(), "consumer")
    service.spawn(dead_letters.watch([pull]), "dead-letters")

JetStream publishes an advisory once and keeps it only if a stream captures its subject at
that moment: a message terminated (or out of deliveries) before `DLQ_ADVISORIES` exists
would never become a dead letter. So `bind` creates the streams before any consumer it
watches can fetch, and `watch` refuses to run unbound.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from google.protobuf import text_format
from google.protobuf.message import DecodeError
from google.protobuf.message import Message as ProtoMessage
from grpc import aio
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, RawStreamMsg, StreamConfig
from nats.js.errors import (
    BucketNotFoundError,
    KeyDeletedError,
    KeyNotFoundError,
    KeyWrongLastSequenceError,
    NotFoundError,
)
from nats.js.kv import KeyValue

from bookingplatform.ops.v1 import dead_letters_pb2, dead_letters_pb2_grpc
from bookingplatform.saga.v1 import saga_pb2
from plumbing import messaging
from plumbing.errors import ErrorKind, FailedPrecondition, InvalidArgument, NotFound, ServiceError
from plumbing.messaging import PullConsumer
from plumbing.metrics import DEAD_LETTERS
from plumbing.principal import Role, require_role
from plumbing.tasks import wait_for_event

log = logging.getLogger(__name__)

DEAD_LETTER_SERVICE = dead_letters_pb2.DESCRIPTOR.services_by_name["DeadLetterService"].full_name

DLQ_STREAM = "DLQ"
DLQ_SUBJECTS = ["dlq.>"]
ADVISORY_STREAM = "DLQ_ADVISORIES"
MAX_DELIVERIES = "MAX_DELIVERIES"
MSG_TERMINATED = "MSG_TERMINATED"
ADVISORY_SUBJECTS = [f"$JS.EVENT.ADVISORY.CONSUMER.{kind}.>" for kind in (MAX_DELIVERIES, MSG_TERMINATED)]
ACTIONS_BUCKET = "DLQ_ACTIONS"
RETENTION_SECONDS = 30 * 24 * 3600

H_SERVICE = "Dlq-Service"
H_CONSUMER = "Dlq-Consumer"
H_REASON = "Dlq-Reason"
H_ORIGINAL_STREAM = "Dlq-Original-Stream"
H_ORIGINAL_SEQUENCE = "Dlq-Original-Sequence"
H_ORIGINAL_SUBJECT = "Dlq-Original-Subject"
H_ORIGINAL_MSG_ID = "Dlq-Original-Msg-Id"
H_DELIVERIES = "Dlq-Deliveries"
H_ORIGINAL_TIME = "Dlq-Original-Time"
H_TIME = "Dlq-Time"
H_REPLAY_OF = "Dlq-Replay-Of"

_REASONS = {
    MAX_DELIVERIES: dead_letters_pb2.DEAD_LETTER_REASON_MAX_DELIVERIES,
    MSG_TERMINATED: dead_letters_pb2.DEAD_LETTER_REASON_TERMINATED,
}
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def dead_letter_subject(service: str, consumer: str) -> str:
    return f"dlq.{service}.{consumer}"


def advisory_subject(stream: str, consumer: str, kind: str = "*") -> str:
    return f"$JS.EVENT.ADVISORY.CONSUMER.{kind}.{stream}.{consumer}"


def dead_letter_message_id(stream: str, consumer: str, sequence: int) -> str:
    """The DLQ copy's Nats-Msg-Id: one dead letter per original message and consumer."""
    return f"dlq:{stream}:{consumer}:{sequence}"


def replay_message_id(service: str, dead_letter_id: int) -> str:
    return f"dlq-replay:{service}:{dead_letter_id}"


async def _ensure_stream(js: JetStreamContext, config: StreamConfig) -> None:
    # NATS_STREAM_REPLICAS copies, like every stream; fewer on an existing one is refused.
    config.num_replicas = messaging.configured_replicas()
    await messaging.ensure_stream_config(js, config)


async def ensure_dead_letter_streams(js: JetStreamContext) -> KeyValue:
    """The DLQ and DLQ_ADVISORIES streams and the DLQ_ACTIONS bucket; safe from every replica."""
    await _ensure_stream(
        js,
        StreamConfig(
            name=DLQ_STREAM,
            subjects=DLQ_SUBJECTS,
            max_age=RETENTION_SECONDS,
            duplicate_window=3600,  # a repeated advisory within an hour stores no second copy
        ),
    )
    await _ensure_stream(
        js,
        StreamConfig(
            name=ADVISORY_STREAM, subjects=ADVISORY_SUBJECTS, max_age=7 * 24 * 3600, duplicate_window=120
        ),
    )
    try:
        return await js.key_value(ACTIONS_BUCKET)
    except (BucketNotFoundError, NotFoundError):
        return await js.create_key_value(
            KeyValueConfig(
                bucket=ACTIONS_BUCKET,
                history=1,
                ttl=RETENTION_SECONDS,
                replicas=messaging.configured_replicas(),
            )
        )


async def copy_to_dead_letters(
    js: JetStreamContext, service: str, kind: str, advisory: dict[str, Any]
) -> bool:
    """Copies the message an advisory names to dlq.<service>.<consumer>; False when it is gone."""
    stream = str(advisory["stream"])
    consumer = str(advisory["consumer"])
    sequence = int(advisory["stream_seq"])
    try:
        original = await js.get_msg(stream, seq=sequence)
    except NotFoundError:
        log.error(
            "dead letter %s/%s seq %d is no longer in its stream; not copied", stream, consumer, sequence
        )
        return False
    original_headers = dict(original.headers or {})
    headers = {key: value for key, value in original_headers.items() if not key.startswith("Nats-")}
    headers.update(
        {
            "Nats-Msg-Id": dead_letter_message_id(stream, consumer, sequence),
            H_SERVICE: service,
            H_CONSUMER: consumer,
            H_REASON: kind,
            H_ORIGINAL_STREAM: stream,
            H_ORIGINAL_SEQUENCE: str(sequence),
            H_ORIGINAL_SUBJECT: original.subject or "",
            H_DELIVERIES: str(advisory.get("deliveries", 0)),
            H_TIME: str(advisory.get("timestamp") or datetime.now(UTC).isoformat()),
        }
    )
    if original_headers.get("Nats-Msg-Id"):
        headers[H_ORIGINAL_MSG_ID] = original_headers["Nats-Msg-Id"]
    if original.time is not None:
        headers[H_ORIGINAL_TIME] = original.time.isoformat()
    ack = await js.publish(
        dead_letter_subject(service, consumer), original.data or b"", headers=headers, stream=DLQ_STREAM
    )
    if not ack.duplicate:
        log.warning(
            "dead letter: %s seq %d (%s) given up by %s (%s); DLQ id %d",
            stream,
            sequence,
            original.subject,
            consumer,
            kind,
            ack.seq,
        )
    return True


def summarize(subject: str, payload: bytes) -> str:
    """A one-line view of a saga payload; empty for unknown subjects."""
    message: ProtoMessage
    if subject.startswith("saga.cmd."):
        message = saga_pb2.StepCommand()
    elif subject.startswith("saga.reply."):
        message = saga_pb2.StepReply()
    else:
        return ""
    try:
        message.ParseFromString(payload)
    except DecodeError:
        return f"undecodable {type(message).__name__} ({len(payload)} bytes)"
    return text_format.MessageToString(message, as_one_line=True)[:500]


def _timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class _Action:
    """What was done to a dead letter, as stored in the DLQ_ACTIONS bucket."""

    action: str  # "replay" | "discard"
    request_id: str
    time: str
    message_id: str = ""

    def encode(self) -> bytes:
        return json.dumps(self.__dict__).encode()

    @classmethod
    def decode(cls, raw: bytes | None) -> _Action | None:
        if not raw:
            return None
        try:
            fields = json.loads(raw)
            return cls(**fields)
        except (ValueError, TypeError):
            return None


class DeadLetters:
    """The dead letters of one service: the watcher of its consumers and the ops servicer."""

    def __init__(self, service: str) -> None:
        self.service = service
        self._js: JetStreamContext | None = None
        self._kv: KeyValue | None = None
        self._bound = asyncio.Event()

    # ----- wiring -----

    def register(self, server: aio.Server) -> None:
        """A `plumbing.grpc_server` registrar; add DEAD_LETTER_SERVICE to the service names."""
        dead_letters_pb2_grpc.add_DeadLetterServiceServicer_to_server(DeadLetterApi(self), server)

    @property
    def bound(self) -> bool:
        return self._bound.is_set()

    async def bind(self, js: JetStreamContext) -> None:
        """Creates the DLQ and DLQ_ADVISORIES streams and the DLQ_ACTIONS bucket (idempotent,
        safe from every replica). Await it before starting any consumer `watch` covers."""
        kv = await ensure_dead_letter_streams(js)
        self._js, self._kv = js, kv
        self._bound.set()

    async def watch(self, consumers: Sequence[PullConsumer]) -> None:
        """Runs forever: turns the advisories of these consumers into dead letters."""
        if self._js is None:
            raise RuntimeError("await DeadLetters.bind(js) before starting the consumers it watches")
        js = self._js
        watchers = [
            PullConsumer(
                js,
                stream=ADVISORY_STREAM,
                durable=f"dlq-{consumer.stream}-{consumer.durable}",
                subject=advisory_subject(consumer.stream, consumer.durable),
                handler=self._on_advisories,
                batch=16,
                backoff=(30.0, 60.0),
                max_deliver=-1,  # a dead letter is never given up
            )
            for consumer in consumers
        ]
        await asyncio.gather(*(watcher.run_forever() for watcher in watchers))

    async def _on_advisories(self, messages: list[Msg]) -> None:
        assert self._js is not None
        for msg in messages:
            kind = msg.subject.split(".")[4] if msg.subject.count(".") >= 6 else MAX_DELIVERIES
            try:
                advisory = json.loads(msg.data)
                int(advisory["stream_seq"])
            except (ValueError, KeyError, TypeError):
                log.error("ignoring a malformed advisory on %s", msg.subject)
                await msg.ack()
                continue
            await copy_to_dead_letters(self._js, self.service, kind, advisory)
            await msg.ack()
            DEAD_LETTERS.labels(self.service, str(advisory.get("consumer", ""))).inc()

    # ----- the ops API, used by DeadLetterApi -----

    async def _ready(self, wait: float = 5.0) -> tuple[JetStreamContext, KeyValue]:
        """NATS and the bucket; a call during start-up waits for the watcher a little."""
        if self._js is None or self._kv is None:
            await wait_for_event(self._bound, wait)
        if self._js is None or self._kv is None:
            raise ServiceError(
                "DEAD_LETTERS_NOT_READY", "dead letters are not available yet", kind=ErrorKind.UNAVAILABLE
            )
        return self._js, self._kv

    def check_service(self, service: str) -> None:
        if service and service != self.service:
            raise InvalidArgument(
                "WRONG_SERVICE", f"this is {self.service!r}; ask {service!r} itself", field="service"
            )

    def _key(self, sequence: int) -> str:
        return f"{self.service}.{sequence}"

    async def _action(self, sequence: int) -> _Action | None:
        _, kv = await self._ready()
        try:
            entry = await kv.get(self._key(sequence))
        except (KeyNotFoundError, KeyDeletedError):
            return None
        return _Action.decode(entry.value)

    async def _load(self, sequence: int) -> RawStreamMsg:
        js, _ = await self._ready()
        try:
            raw = await js.get_msg(DLQ_STREAM, seq=sequence)
        except NotFoundError:
            raw = None
        if raw is None or not (raw.subject or "").startswith(f"dlq.{self.service}."):
            raise NotFound(
                "DEAD_LETTER_NOT_FOUND", f"no dead letter {sequence} of {self.service}", field="id"
            )
        return raw

    async def to_proto(self, raw: RawStreamMsg, action: _Action | None = None) -> dead_letters_pb2.DeadLetter:
        headers = dict(raw.headers or {})
        subject = headers.get(H_ORIGINAL_SUBJECT, "")
        payload = raw.data or b""
        letter = dead_letters_pb2.DeadLetter(
            id=str(raw.seq),
            service=headers.get(H_SERVICE, self.service),
            consumer=headers.get(H_CONSUMER, ""),
            reason=_REASONS.get(headers.get(H_REASON, ""), dead_letters_pb2.DEAD_LETTER_REASON_UNSPECIFIED),
            original_stream=headers.get(H_ORIGINAL_STREAM, ""),
            original_sequence=int(headers.get(H_ORIGINAL_SEQUENCE, "0") or 0),
            original_subject=subject,
            original_message_id=headers.get(H_ORIGINAL_MSG_ID, ""),
            deliveries=int(headers.get(H_DELIVERIES, "0") or 0),
            payload=payload,
            headers={k: v for k, v in headers.items() if not k.startswith(("Nats-", "Dlq-"))},
            summary=summarize(subject, payload),
        )
        for field, value in (
            ("original_time", _timestamp(headers.get(H_ORIGINAL_TIME))),
            ("dead_letter_time", _timestamp(headers.get(H_TIME)) or raw.time),
        ):
            if value is not None:
                getattr(letter, field).FromDatetime(value)
        if action is None:
            action = await self._action(int(raw.seq or 0))
        if action is not None and action.action == "replay":
            letter.replay_message_id = action.message_id
            replayed = _timestamp(action.time)
            if replayed is not None:
                letter.replay_time.FromDatetime(replayed)
        return letter

    async def list_page(self, page_size: int, page_token: str) -> dead_letters_pb2.ListDeadLettersResponse:
        js, _ = await self._ready()
        if page_size < 0 or page_size > MAX_PAGE_SIZE:
            raise InvalidArgument(
                "INVALID_PAGE_SIZE", f"page_size must be 0..{MAX_PAGE_SIZE}", field="page_size"
            )
        size = page_size or DEFAULT_PAGE_SIZE
        if page_token and not page_token.isdigit():
            raise InvalidArgument("INVALID_PAGE_TOKEN", "page_token is not valid", field="page_token")
        sequence = int(page_token) if page_token else 1
        found: list[RawStreamMsg] = []
        while len(found) <= size:  # one more than a page tells whether there is a next one
            try:
                raw = await js.get_msg(DLQ_STREAM, seq=sequence, subject=f"dlq.{self.service}.>", next=True)
            except NotFoundError:
                break
            found.append(raw)
            sequence = int(raw.seq or 0) + 1
        next_token = str(found[size].seq) if len(found) > size else ""
        letters = [await self.to_proto(raw) for raw in found[:size]]
        return dead_letters_pb2.ListDeadLettersResponse(dead_letters=letters, next_page_token=next_token)

    async def replay(self, sequence: int, request_id: str) -> dead_letters_pb2.DeadLetter:
        js, kv = await self._ready()
        raw = await self._load(sequence)
        headers = dict(raw.headers or {})
        action = _Action(
            "replay", request_id, datetime.now(UTC).isoformat(), replay_message_id(self.service, sequence)
        )
        try:
            await kv.create(self._key(sequence), action.encode())
        except KeyWrongLastSequenceError:
            earlier = await self._action(sequence)
            if earlier and earlier.action == "replay" and request_id and earlier.request_id == request_id:
                return await self.to_proto(raw, earlier)  # a retry of the same request
            raise FailedPrecondition(
                "ALREADY_REPLAYED", f"dead letter {sequence} was already replayed", field="id"
            ) from None
        replay_headers = {k: v for k, v in headers.items() if not k.startswith(("Nats-", "Dlq-"))}
        replay_headers["Nats-Msg-Id"] = action.message_id
        replay_headers[H_REPLAY_OF] = f"{self.service}:{sequence}"
        try:
            await js.publish(
                headers.get(H_ORIGINAL_SUBJECT, ""),
                raw.data or b"",
                headers=replay_headers,
                stream=headers.get(H_ORIGINAL_STREAM) or None,
            )
        except Exception:
            # Let a retry go through; the stable message id dedupes an ambiguous publish.
            log.exception("replay of dead letter %s:%d failed", self.service, sequence)
            await kv.delete(self._key(sequence))
            raise ServiceError(
                "REPLAY_FAILED", "could not publish the replay; retry", kind=ErrorKind.UNAVAILABLE
            ) from None
        log.warning(
            "dead letter %s:%d replayed to %s", self.service, sequence, headers.get(H_ORIGINAL_SUBJECT)
        )
        return await self.to_proto(raw, action)

    async def discard(self, sequence: int, request_id: str) -> None:
        js, kv = await self._ready()
        try:
            await self._load(sequence)
        except NotFound:
            earlier = await self._action(sequence)
            if earlier and earlier.action == "discard" and request_id and earlier.request_id == request_id:
                return
            raise
        await kv.put(
            self._key(sequence), _Action("discard", request_id, datetime.now(UTC).isoformat()).encode()
        )
        try:
            await js.delete_msg(DLQ_STREAM, sequence)
        except NotFoundError:
            pass  # discarded concurrently
        log.warning("dead letter %s:%d discarded", self.service, sequence)


def _sequence(value: str) -> int:
    if not value.isdigit() or int(value) <= 0:
        raise InvalidArgument("INVALID_DEAD_LETTER_ID", "id must be a dead letter id", field="id")
    return int(value)


class DeadLetterApi(dead_letters_pb2_grpc.DeadLetterServiceServicer):
    """bookingplatform.ops.v1.DeadLetterService over one service's DeadLetters.

    A platform operator's tool: a dead letter may hold any company's message, and a replay
    re-runs it, so every RPC refuses every principal but the platform admin and the internal
    caller (PERMISSION_DENIED) before it reads anything."""

    def __init__(self, dead_letters: DeadLetters) -> None:
        self.dead_letters = dead_letters

    async def ListDeadLetters(
        self, request: dead_letters_pb2.ListDeadLettersRequest, context: aio.ServicerContext
    ) -> dead_letters_pb2.ListDeadLettersResponse:
        require_role(Role.PLATFORM_ADMIN)
        self.dead_letters.check_service(request.service)
        return await self.dead_letters.list_page(request.page_size, request.page_token)

    async def ReplayDeadLetter(
        self, request: dead_letters_pb2.ReplayDeadLetterRequest, context: aio.ServicerContext
    ) -> dead_letters_pb2.ReplayDeadLetterResponse:
        require_role(Role.PLATFORM_ADMIN)
        self.dead_letters.check_service(request.service)
        letter = await self.dead_letters.replay(_sequence(request.id), request.request_id)
        return dead_letters_pb2.ReplayDeadLetterResponse(dead_letter=letter)

    async def DiscardDeadLetter(
        self, request: dead_letters_pb2.DiscardDeadLetterRequest, context: aio.ServicerContext
    ) -> dead_letters_pb2.DiscardDeadLetterResponse:
        require_role(Role.PLATFORM_ADMIN)
        self.dead_letters.check_service(request.service)
        await self.dead_letters.discard(_sequence(request.id), request.request_id)
        return dead_letters_pb2.DiscardDeadLetterResponse()
