"""The payments participant of the booking saga: StepCommand -> step -> StepReply (or none yet).

Its consumer is plumbing's `InboxConsumer` (inbox, effect and reply in one transaction, ack
after commit, one retry policy) with the two hooks card payments need:

- EXECUTE calls the provider *outside* any transaction: one statement records the
  intent, the provider is asked (it may take seconds, or lose its answer and raise, in which
  case the message is nak'ed and redelivered), then the consumer's transaction records the
  answer together with the inbox record and the reply.
- An EXECUTE whose payment is PENDING or REQUIRES_ACTION replies nothing: the reply is
  written later, by whoever resolves the payment (webhook, action timeout, recovery), with
  the message id `<saga_id>:payments:EXECUTE:resolved`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection

from bookingplatform.saga.v1 import saga_pb2
from payments.adapters.repository import ResolvedStep
from payments.domain.provider import Authorization, CardProvider
from payments.domain.saga import STEP, SagaStep, StepDecision
from payments.service import lifecycle, saga_steps
from payments.service.saga_steps import Intent
from plumbing.db import Database
from plumbing.failpoints import failpoint
from plumbing.inbox_consumer import NO_REPLY_YET, Delivery, InboxConsumer, NoReplyYet
from plumbing.messaging import reply_subject
from plumbing.outbox import Outbox
from plumbing.saga_participant import ORCHESTRATOR, reply_to, step_span_name
from plumbing.saga_protocol import StepAction, action_from_proto

log = logging.getLogger(__name__)

UNKNOWN_ACTION = "UNKNOWN_ACTION"
WRONG_STEP = "WRONG_STEP"


def _reply(command: saga_pb2.StepCommand, decision: StepDecision) -> saga_pb2.StepReply:
    return reply_to(
        command,
        succeeded=decision.succeeded,
        reason=decision.reason,
        amount_minor=decision.amount_minor,
        reference=str(decision.payment_id) if decision.payment_id else "",
    )


def resolved_reply(resolved: ResolvedStep, currency: str) -> saga_pb2.StepReply:
    """The reply of an EXECUTE decided after the fact, as if answering its first command."""
    command = saga_pb2.StepCommand(
        saga_id=resolved.saga_id, step=STEP, action=saga_pb2.STEP_ACTION_EXECUTE, attempt=resolved.attempt
    )
    command.amount.currency_code = currency
    return _reply(command, resolved.decision)


def reply_writer(outbox: Outbox) -> lifecycle.ReplyWriter:
    """Writes the reply of an EXECUTE resolved by a webhook, a timeout or a recovery."""

    async def write(conn: AsyncConnection, resolved: ResolvedStep, currency: str) -> None:
        await outbox.add(
            conn,
            reply_subject(ORCHESTRATOR),
            resolved_reply(resolved, currency),
            message_id=f"{resolved.saga_id}:{STEP}:EXECUTE:resolved",
        )
        outbox.wake()

    return write


@dataclass(frozen=True)
class Prepared:
    """A command after the part that runs outside the consumer's transaction."""

    step: SagaStep | None
    refusal: str = ""
    answered: tuple[Intent, Authorization] | None = None


class SagaParticipant:
    """Applies saga commands: `prepare` (own transactions and the provider call), then `decide`
    (in the caller's transaction). `process` runs both, for callers without an inbox (tests)."""

    def __init__(self, db: Database, provider: CardProvider, *, action_timeout: timedelta) -> None:
        self.db = db
        self.provider = provider
        self.action_timeout = action_timeout

    async def prepare(self, command: saga_pb2.StepCommand) -> Prepared:
        action = action_from_proto(command.action)
        if action is None or command.step != STEP:
            log.error("refusing saga %s: step %r action %s", command.saga_id, command.step, command.action)
            return Prepared(None, refusal=WRONG_STEP if action else UNKNOWN_ACTION)
        step = SagaStep(
            saga_id=command.saga_id,
            action=action,
            booking_id=command.booking_id,
            company_id=command.company_id,
            customer_id=command.customer_id,
            amount_minor=command.amount.amount_minor,
            currency=command.amount.currency_code,
            payment_method_id=command.payment_method_id,
            attempt=command.attempt,
        )
        if action is not StepAction.EXECUTE or saga_steps.valid_saga_id(step) is not None:
            return Prepared(step)
        intent = await saga_steps.prepare_execute(self.db, self.provider.name, step)
        if intent is None:
            return Prepared(step)
        failpoint("saga.after_intent_before_provider")
        # Outside any transaction; ProviderUnavailable (a lost answer) propagates: redelivered.
        answer = await lifecycle.ask_provider(self.provider, intent.payment, intent.card_token)
        failpoint("saga.after_provider_before_record")
        return Prepared(step, answered=(intent, answer))

    async def decide(
        self, conn: AsyncConnection, command: saga_pb2.StepCommand, prepared: Prepared
    ) -> saga_pb2.StepReply | None:
        if prepared.step is None:
            return reply_to(command, succeeded=False, reason=prepared.refusal)
        decision = await saga_steps.handle_step(
            conn,
            self.provider,
            prepared.step,
            answered=prepared.answered,
            action_timeout=self.action_timeout,
        )
        return None if decision is None else _reply(command, decision)

    async def process(self, command: saga_pb2.StepCommand) -> saga_pb2.StepReply | None:
        prepared = await self.prepare(command)
        async with self.db.transaction() as conn:
            return await self.decide(conn, command, prepared)


class PaymentsStepConsumer(InboxConsumer[saga_pb2.StepCommand, Prepared]):
    """The `payments` consumer: plumbing's inbox consumer with the provider call as its step
    outside the transaction and no reply yet for a payment waiting on the customer."""

    def __init__(self, *, db: Database, inbox: Table, outbox: Outbox, participant: SagaParticipant) -> None:
        self.participant = participant
        super().__init__(
            name="saga-step",
            db=db,
            inbox=inbox,
            decode=saga_pb2.StepCommand.FromString,
            prepare=self._prepare_command,
            apply=self._decide,
            outbox=outbox,
            reply_subject=reply_subject(ORCHESTRATOR),
            span_name=step_span_name,
        )

    async def _prepare_command(self, delivery: Delivery[saga_pb2.StepCommand, Prepared]) -> Prepared:
        return await self.participant.prepare(delivery.message)

    async def _decide(
        self, conn: AsyncConnection, delivery: Delivery[saga_pb2.StepCommand, Prepared]
    ) -> saga_pb2.StepReply | NoReplyYet:
        reply = await self.participant.decide(conn, delivery.message, delivery.prepared)
        return NO_REPLY_YET if reply is None else reply
