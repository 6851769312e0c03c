"""Wires the payments service: database, card provider, gRPC server, saga participant, sweeper."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bookingplatform.payments.v1 import payments_pb2, payments_pb2_grpc
from payments.adapters import tables
from payments.adapters.sandbox import HttpEventSink, SandboxCardProvider
from payments.domain.provider import CardProvider
from payments.domain.saga import STEP
from payments.entrypoints.grpc_api import PaymentsApi
from payments.entrypoints.saga import PaymentsStepConsumer, SagaParticipant, reply_writer
from payments.service import provider_events, recovery
from payments.service.lifecycle import ReplyWriter
from payments.settings import SERVICE, Settings
from plumbing.db import Database
from plumbing.dead_letters import DEAD_LETTER_SERVICE, DeadLetters
from plumbing.grpc_server import create_server
from plumbing.outbox import Outbox
from plumbing.retention import Retention
from plumbing.runtime import RunningService, run_service
from plumbing.saga_participant import connect_participant, spawn_participant_loops

log = logging.getLogger(__name__)


def build_provider(settings: Settings) -> CardProvider:
    if settings.provider == "sandbox":
        return SandboxCardProvider(
            webhook_secret=settings.webhook_secret,
            sink=HttpEventSink(settings.webhook_url) if settings.webhook_url else None,
            confirm_delay_seconds=settings.sandbox_confirm_delay_seconds,
            slow_seconds=settings.sandbox_slow_seconds,
        )
    raise ValueError(f"unknown card provider {settings.provider!r}")


def _deliver_in_process(
    sandbox: SandboxCardProvider, db: Database, settings: Settings, replies: ReplyWriter
) -> None:
    """Without a webhook URL the sandbox hands its events to this service directly: the same
    signature check and the same handler, without the HTTP hop."""

    async def deliver(payload: bytes, signature: str) -> None:
        await provider_events.handle_provider_event(
            db, sandbox, secret=settings.webhook_secret, payload=payload, signature=signature, replies=replies
        )

    sandbox.sink = deliver


async def sweep_forever(
    db: Database, provider: CardProvider, replies: ReplyWriter, settings: Settings
) -> None:
    """Fails expired REQUIRES_ACTION payments and recovers stale AUTHORIZING intents."""
    action_timeout = timedelta(seconds=settings.action_timeout_seconds)
    older_than = timedelta(seconds=settings.intent_recovery_seconds)
    while True:
        try:
            await recovery.fail_expired_actions(db, provider, replies)
            await recovery.recover_stale_intents(
                db, provider, replies, older_than=older_than, action_timeout=action_timeout
            )
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("payments sweep failed; retrying")
        await asyncio.sleep(settings.sweep_interval_seconds)


async def start(settings: Settings, *, provider: CardProvider | None = None) -> RunningService:
    """Starts the service; `provider` replaces the configured one (tests)."""
    card_provider = provider or build_provider(settings)
    action_timeout = timedelta(seconds=settings.action_timeout_seconds)
    db = Database(settings.database_url, application_name=SERVICE)
    dead_letters = DeadLetters(SERVICE)
    outbox = Outbox(tables.outbox)
    replies = reply_writer(outbox)
    if isinstance(card_provider, SandboxCardProvider):
        # A sandbox handed in by a test signs with this service's secret unless told otherwise.
        card_provider.webhook_secret = card_provider.webhook_secret or settings.webhook_secret
        if card_provider.sink is None:
            _deliver_in_process(card_provider, db, settings, replies)
    try:
        server = await create_server(
            [
                lambda s: payments_pb2_grpc.add_PaymentsServiceServicer_to_server(
                    PaymentsApi(
                        db,
                        card_provider,
                        webhook_secret=settings.webhook_secret,
                        action_timeout=action_timeout,
                        replies=replies,
                    ),
                    s,
                ),
                dead_letters.register,
            ],
            [payments_pb2.DESCRIPTOR.services_by_name["PaymentsService"].full_name, DEAD_LETTER_SERVICE],
            host=settings.grpc_host,
            port=settings.grpc_port,
        )
    except BaseException:
        await db.close()
        raise
    service = RunningService(SERVICE, server, closers=[db.close])
    # Published outbox rows and inbox rows, a week on (plumbing.retention).
    service.spawn(
        Retention(db, tables.retention_rules).run_forever(settings.retention_sweep_seconds), "retention"
    )
    close_provider = getattr(card_provider, "close", None)
    if close_provider is not None:
        service.closers.append(close_provider)  # closers run in reverse: events stop before the db
    try:
        js = await connect_participant(service, settings.nats_url, SERVICE, db=db, dead_letters=dead_letters)
        participant = SagaParticipant(db, card_provider, action_timeout=action_timeout)
        consumer = PaymentsStepConsumer(db=db, inbox=tables.inbox, outbox=outbox, participant=participant)
        spawn_participant_loops(
            service,
            js,
            participant=STEP,
            db=db,
            outbox=outbox,
            handle=consumer.handle,
            dead_letters=dead_letters,
        )
        service.spawn(sweep_forever(db, card_provider, replies, settings), "sweeper")
    except BaseException:
        await service.stop()
        raise
    return service


def main() -> None:
    run_service(SERVICE, lambda: start(Settings.from_env()))
