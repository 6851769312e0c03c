"""The participant side of the booking saga: command in, effect, reply out, once.

`StepConsumer` is the `plumbing.inbox_consumer.InboxConsumer` of a participant: each
StepCommand is applied in one transaction together with its inbox record and the reply's
outbox row; the message is acked only after that commits. A redelivery finds its inbox
record and is only acked. A command re-sent by the orchestrator carries a new message id,
so the participant's own business key per (saga, step) makes it replay the recorded
decision instead of acting twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nats.js import JetStreamContext
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection

from bookingplatform.saga.v1 import saga_pb2
from plumbing import audit, messaging
from plumbing.db import Database
from plumbing.dead_letters import DeadLetters
from plumbing.inbox_consumer import Delivery, InboxConsumer
from plumbing.logs import log_context
from plumbing.messaging import SAGA_STREAM, Handler, PullConsumer, command_subject, reply_subject
from plumbing.metrics import observe_step
from plumbing.outbox import Outbox
from plumbing.runtime import RunningService

StepCommand = saga_pb2.StepCommand
StepHandler = Callable[[AsyncConnection, saga_pb2.StepCommand], Awaitable[saga_pb2.StepReply]]

ORCHESTRATOR = "bookings"


def step_span_name(command: saga_pb2.StepCommand) -> str:
    return f"saga {command.step} {saga_pb2.StepAction.Name(command.action)}"


class StepConsumer(InboxConsumer[saga_pb2.StepCommand, None]):
    """A participant's consumer of `saga.cmd.<participant>`: `handler` runs in the transaction
    of the inbox record and answers the reply written through the outbox."""

    def __init__(self, *, db: Database, inbox: Table, outbox: Outbox, handler: StepHandler) -> None:
        async def apply(
            conn: AsyncConnection, delivery: Delivery[saga_pb2.StepCommand, None]
        ) -> saga_pb2.StepReply:
            command = delivery.message
            with log_context(saga_id=command.saga_id, booking_id=command.booking_id, step=command.step):
                reply = await handler(conn, command)
            observe_step(command.step, saga_pb2.StepAction.Name(command.action), delivery.msg)
            return reply

        super().__init__(
            name="saga-step",
            db=db,
            inbox=inbox,
            decode=saga_pb2.StepCommand.FromString,
            apply=apply,
            outbox=outbox,
            reply_subject=reply_subject(ORCHESTRATOR),
            span_name=step_span_name,
            # A group's steps take the customer's rows (wallet account, passes) in one order.
            order_key=lambda command: command.customer_id or command.booking_id,
        )


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


async def connect_participant(
    service: RunningService, nats_url: str, name: str, *, db: Database, dead_letters: DeadLetters
) -> JetStreamContext:
    """A saga participant's NATS: connected (closed with the service), watched with its
    database, the SAGA and AUDIT streams ensured (the relay carries audit entries too) and the
    dead letters bound before any consumer runs, so none of its advisories is lost."""
    nc = await messaging.connect(nats_url, name)
    service.closers.append(nc.close)  # closers run in reverse order: NATS before the database
    service.watch_dependencies(db=db, nats=nc)
    js = nc.jetstream()
    await messaging.ensure_stream(js, SAGA_STREAM, messaging.SAGA_SUBJECTS)
    await audit.ensure_stream(js)
    await dead_letters.bind(js)
    return js


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
    consumer of `saga.cmd.<participant>` (shared by its replicas) and its dead-letter watch.
    `dead_letters` must be bound already, so no advisory of the consumer is lost."""
    if not dead_letters.bound:
        raise RuntimeError("await dead_letters.bind(js) before the participant's loops start")
    pull = PullConsumer(
        js,
        stream=SAGA_STREAM,
        durable=participant,
        subject=command_subject(participant),
        handler=handle,
    )
    service.spawn(outbox.relay_forever(db, js), "outbox-relay")
    service.spawn(pull.run_forever(), "saga-consumer")
    service.spawn(dead_letters.watch([pull]), "dead-letters")
    return pull
