"""Wires the wallet: gRPC server, database, and the saga participant on NATS."""

from __future__ import annotations

import logging

from bookingplatform.wallet.v1 import wallet_pb2, wallet_pb2_grpc
from plumbing import grpc_client
from plumbing.customer_directory import CustomerDirectory
from plumbing.db import Database
from plumbing.dead_letters import DEAD_LETTER_SERVICE, DeadLetters
from plumbing.grpc_server import create_server
from plumbing.outbox import Outbox
from plumbing.retention import Retention
from plumbing.runtime import RunningService, run_service
from plumbing.saga_participant import StepConsumer, connect_participant, spawn_participant_loops
from wallet.adapters import tables
from wallet.entrypoints.grpc_api import WalletApi
from wallet.entrypoints.saga import STEP, handle_step_command
from wallet.settings import SERVICE, Settings

log = logging.getLogger(__name__)


async def start(settings: Settings) -> RunningService:
    db = Database(settings.database_url, application_name=SERVICE)
    catalog_channel = grpc_client.channel(settings.catalog_addr) if settings.catalog_addr else None
    customers = CustomerDirectory(catalog_channel) if catalog_channel is not None else None
    dead_letters = DeadLetters(SERVICE)
    server = await create_server(
        [
            lambda s: wallet_pb2_grpc.add_WalletServiceServicer_to_server(WalletApi(db, customers), s),
            dead_letters.register,
        ],
        [wallet_pb2.DESCRIPTOR.services_by_name["WalletService"].full_name, DEAD_LETTER_SERVICE],
        host=settings.grpc_host,
        port=settings.grpc_port,
    )
    service = RunningService(SERVICE, server, closers=[db.close])
    # Published outbox rows and inbox rows, a week on (plumbing.retention).
    service.spawn(
        Retention(db, tables.retention_rules).run_forever(settings.retention_sweep_seconds), "retention"
    )
    if catalog_channel is not None:
        service.closers.append(catalog_channel.close)
    try:
        js = await connect_participant(service, settings.nats_url, SERVICE, db=db, dead_letters=dead_letters)
    except BaseException:
        await service.stop()
        raise
    outbox = Outbox(tables.outbox)
    consumer = StepConsumer(db=db, inbox=tables.inbox, outbox=outbox, handler=handle_step_command)
    spawn_participant_loops(
        service,
        js,
        participant=STEP,
        db=db,
        outbox=outbox,
        handle=consumer.handle,
        dead_letters=dead_letters,
    )
    return service


def main() -> None:
    run_service(SERVICE, lambda: start(Settings.from_env()))
