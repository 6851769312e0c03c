"""Wiring of the passes service: database, gRPC server, saga participant on NATS."""

from __future__ import annotations

from bookingplatform.passes.v1 import passes_pb2, passes_pb2_grpc
from passes.adapters import tables
from passes.adapters.catalog import CatalogLookups
from passes.entrypoints.grpc_api import PassesApi
from passes.entrypoints.saga import handle_step_command
from passes.settings import SERVICE, Settings
from plumbing import grpc_client
from plumbing.customer_directory import CustomerDirectory
from plumbing.db import Database
from plumbing.dead_letters import DEAD_LETTER_SERVICE, DeadLetters
from plumbing.grpc_server import create_server
from plumbing.outbox import Outbox
from plumbing.retention import Retention
from plumbing.runtime import RunningService, run_service
from plumbing.saga_participant import StepConsumer, connect_participant, spawn_participant_loops


async def start(settings: Settings) -> RunningService:
    db = Database(settings.database_url, application_name=SERVICE)
    catalog_channel = grpc_client.channel(settings.catalog_addr) if settings.catalog_addr else None
    customers = CustomerDirectory(catalog_channel) if catalog_channel is not None else None
    catalog = CatalogLookups(catalog_channel) if catalog_channel is not None else None
    dead_letters = DeadLetters(SERVICE)
    api = PassesApi(db, customers, catalog)
    server = await create_server(
        [
            lambda s: passes_pb2_grpc.add_PassesServiceServicer_to_server(api, s),
            dead_letters.register,
        ],
        [passes_pb2.DESCRIPTOR.services_by_name["PassesService"].full_name, DEAD_LETTER_SERVICE],
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
        await service.stop(0)
        raise
    outbox = Outbox(tables.outbox)
    consumer = StepConsumer(db=db, inbox=tables.inbox, outbox=outbox, handler=handle_step_command)
    spawn_participant_loops(
        service,
        js,
        participant=SERVICE,
        db=db,
        outbox=outbox,
        handle=consumer.handle,
        dead_letters=dead_letters,
    )
    return service


def main() -> None:
    run_service(SERVICE, lambda: start(Settings.from_env()))
