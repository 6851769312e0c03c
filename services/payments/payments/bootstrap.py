"""Wires the payments service: database, card provider, gRPC server, saga participant."""

from __future__ import annotations

from bookingplatform.payments.v1 import payments_pb2, payments_pb2_grpc
from payments.adapters import tables
from payments.adapters.sandbox import SandboxCardProvider
from payments.domain.provider import CardProvider
from payments.domain.saga import STEP
from payments.entrypoints.grpc_api import PaymentsApi
from payments.entrypoints.saga import step_handler
from payments.settings import SERVICE, Settings
from plumbing import messaging
from plumbing.db import Database
from plumbing.grpc_server import create_server
from plumbing.outbox import Outbox
from plumbing.runtime import RunningService, run_service
from plumbing.saga_participant import StepConsumer


def build_provider(settings: Settings) -> CardProvider:
    if settings.provider == "sandbox":
        return SandboxCardProvider()
    raise ValueError(f"unknown card provider {settings.provider!r}")


async def start(settings: Settings, *, provider: CardProvider | None = None) -> RunningService:
    """Starts the service; `provider` replaces the configured one (tests)."""
    card_provider = provider or build_provider(settings)
    db = Database(settings.database_url, application_name=SERVICE)
    try:
        server = await create_server(
            [
                lambda s: payments_pb2_grpc.add_PaymentsServiceServicer_to_server(
                    PaymentsApi(db, card_provider), s
                )
            ],
            [payments_pb2.DESCRIPTOR.services_by_name["PaymentsService"].full_name],
            host=settings.grpc_host,
            port=settings.grpc_port,
        )
    except BaseException:
        await db.close()
        raise
    service = RunningService(SERVICE, server, closers=[db.close])
    try:
        nc = await messaging.connect(settings.nats_url, SERVICE)
        service.closers.append(nc.close)
        js = nc.jetstream()
        await messaging.ensure_stream(js, messaging.SAGA_STREAM, messaging.SAGA_SUBJECTS)
        outbox = Outbox(tables.outbox)
        consumer = StepConsumer(db=db, inbox=tables.inbox, outbox=outbox, handler=step_handler(card_provider))
        pull = messaging.PullConsumer(
            js,
            stream=messaging.SAGA_STREAM,
            durable=SERVICE,
            subject=messaging.command_subject(STEP),
            handler=consumer.handle,
        )
        service.spawn(outbox.relay_forever(db, js), "outbox-relay")
        service.spawn(pull.run_forever(), "saga-consumer")
    except BaseException:
        await service.stop()
        raise
    return service


def main() -> None:
    run_service(SERVICE, lambda: start(Settings.from_env()))
