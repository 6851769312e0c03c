"""Wires the wallet: gRPC server, database, and the saga participant on NATS."""

from __future__ import annotations

from bookingplatform.wallet.v1 import wallet_pb2, wallet_pb2_grpc
from plumbing import messaging
from plumbing.db import Database
from plumbing.grpc_server import create_server
from plumbing.messaging import PullConsumer, command_subject
from plumbing.outbox import Outbox
from plumbing.runtime import RunningService, run_service
from plumbing.saga_participant import StepConsumer
from wallet.adapters import tables
from wallet.entrypoints.grpc_api import WalletApi
from wallet.entrypoints.saga import STEP, handle_step_command
from wallet.settings import SERVICE, Settings


async def start(settings: Settings) -> RunningService:
    db = Database(settings.database_url, application_name=SERVICE)
    server = await create_server(
        [lambda s: wallet_pb2_grpc.add_WalletServiceServicer_to_server(WalletApi(db), s)],
        [wallet_pb2.DESCRIPTOR.services_by_name["WalletService"].full_name],
        host=settings.grpc_host,
        port=settings.grpc_port,
    )
    service = RunningService(SERVICE, server, closers=[db.close])
    try:
        nc = await messaging.connect(settings.nats_url, SERVICE)
        service.closers.append(nc.close)  # closers run in reverse order: NATS, then the database
        js = nc.jetstream()
        await messaging.ensure_stream(js, messaging.SAGA_STREAM, messaging.SAGA_SUBJECTS)
    except BaseException:
        await service.stop()
        raise
    outbox = Outbox(tables.outbox)
    consumer = StepConsumer(db=db, inbox=tables.inbox, outbox=outbox, handler=handle_step_command)
    pull = PullConsumer(
        js,
        stream=messaging.SAGA_STREAM,
        durable=SERVICE,
        subject=command_subject(STEP),
        handler=consumer.handle,
    )
    service.spawn(outbox.relay_forever(db, js), "outbox-relay")
    service.spawn(pull.run_forever(), "saga-consumer")
    return service


def main() -> None:
    run_service(SERVICE, lambda: start(Settings.from_env()))
