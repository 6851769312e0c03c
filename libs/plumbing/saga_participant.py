"""The participant side of the booking saga: command in, effect, reply out, once.

Each StepCommand is applied in one transaction together with its inbox record and the
reply's outbox row; the message is acked only after that commits. A redelivery finds
its inbox record and is only acked. A command re-sent by the orchestrator carries a new
message id, so the participant's own business key per (saga, step) makes it replay the
recorded decision instead of acting twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from google.protobuf.message import DecodeError, Message
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from opentelemetry import context as otel_context
from opentelemetry import trace
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection

from bookingplatform.saga.v1 import saga_pb2
from plumbing.db import Database
from plumbing.dead_letters import DeadLetters
from plumbing.failpoints import failpoint
from plumbing.messaging import (
    SAGA_STREAM,
    Handler,
    PullConsumer,
    command_subject,
    handle_concurrently,
    nak_later,
    reply_subject,
)
from plumbing.outbox import Outbox, record_in_inbox
from plumbing.runtime import RunningService
from plumbing.telemetry import extract_trace_context
from plumbing.validation import nul_field

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)

StepHandler = Callable[[AsyncConnection, saga_pb2.StepCommand], Awaitable[saga_pb2.StepReply]]

ORCHESTRATOR = "bookings"


def message_id_of(msg: Msg) -> str:
    headers = msg.headers or {}
    return headers.get("Nats-Msg-Id") or f"{msg.metadata.stream}:{msg.metadata.sequence.stream}"


async def refused_as_nul(msg: Msg, message: Message) -> bool:
    """Terminates a message with a NUL character in a string field (it becomes a dead letter).

    PostgreSQL cannot store it, so every delivery would fail the same way until
    `max_deliver`; our own services never send one, so it is a bug to look at, not to retry.
    """
    field = nul_field(message)
    if field is None:
        return False
    log.error("dead-lettering %s: field %s holds a NUL character", msg.subject, field)
    await msg.term()
    return True


class StepConsumer:
    def __init__(self, *, db: Database, inbox: Table, outbox: Outbox, handler: StepHandler) -> None:
        self.db = db
        self.inbox = inbox
        self.outbox = outbox
        self.handler = handler

    async def handle(self, messages: list[Msg]) -> None:
        await handle_concurrently(messages, self._handle_one)
        self.outbox.wake()

    async def _handle_one(self, msg: Msg) -> None:
        try:
            command = saga_pb2.StepCommand.FromString(msg.data)
        except DecodeError:
            log.error("dropping undecodable saga command on %s", msg.subject)
            await msg.term()
            return
        if await refused_as_nul(msg, command):
            return
        message_id = message_id_of(msg)
        token = otel_context.attach(extract_trace_context(msg.headers))
        try:
            with tracer.start_as_current_span(
                f"saga {command.step} {saga_pb2.StepAction.Name(command.action)}"
            ):
                failpoint("consumer.before_transaction")
                async with self.db.transaction() as conn:
                    if await record_in_inbox(conn, self.inbox, message_id, msg.subject):
                        reply = await self.handler(conn, command)
                        await self.outbox.add(
                            conn, reply_subject(ORCHESTRATOR), reply, message_id=f"{message_id}:reply"
                        )
                        failpoint("consumer.after_effect_before_commit")
        except Exception:
            log.exception("saga command %s failed; redelivering", message_id)
            await nak_later(msg)  # 1 s, 2 s, 5 s, ... up to max_deliver, then the DLQ
            return
        finally:
            otel_context.detach(token)
        failpoint("consumer.after_commit_before_ack")
        await msg.ack()


def reply_to(
    command: saga_pb2.StepCommand,
    *,
    succeeded: bool,
    reason: str = "",
    amount_minor: int = 0,
    bonus_amount_minor: int = 0,
    reference: str = "",
) -> saga_pb2.StepReply:
    """The reply to a command, echoing its saga, step, action and attempt."""
    reply = saga_pb2.StepReply(
        saga_id=command.saga_id,
        step=command.step,
        action=command.action,
        attempt=command.attempt,
        outcome=saga_pb2.STEP_OUTCOME_SUCCEEDED if succeeded else saga_pb2.STEP_OUTCOME_FAILED,
        reason=reason,
        bonus_amount_minor=bonus_amount_minor,
        reference=reference,
    )
    reply.amount.amount_minor = amount_minor
    reply.amount.currency_code = command.amount.currency_code
    return reply


def spawn_participant_loops(
    service: RunningService,
    js: JetStreamContext,
    *,
    participant: str,
    db: Database,
    outbox: Outbox,
    handle: Handler,
    dead_letters: DeadLetters,
) -> PullConsumer:
    """The background loops every saga participant runs: its outbox relay, the durable
    consumer of `saga.cmd.<participant>` (shared by its replicas) and its dead-letter watch."""
    pull = PullConsumer(
        js,
        stream=SAGA_STREAM,
        durable=participant,
        subject=command_subject(participant),
        handler=handle,
    )
    service.spawn(outbox.relay_forever(db, js), "outbox-relay")
    service.spawn(pull.run_forever(), "saga-consumer")
    service.spawn(dead_letters.watch(js, [pull]), "dead-letters")
    return pull
