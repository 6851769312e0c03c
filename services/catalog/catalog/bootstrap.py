"""Wiring of catalog: database, NATS (the CATALOG stream and the outbox relay), gRPC server."""

from __future__ import annotations

from bookingplatform.catalog.v1 import (
    catalog_pb2,
    catalog_pb2_grpc,
    guest_customers_pb2,
    guest_customers_pb2_grpc,
)
from catalog.adapters import events, tables
from catalog.adapters.wallet import WalletHoldings
from catalog.entrypoints.grpc_api import CatalogApi
from catalog.entrypoints.guests_api import GuestCustomersApi
from catalog.settings import Settings
from plumbing import audit, grpc_client, messaging
from plumbing.db import Database
from plumbing.grpc_server import create_server
from plumbing.outbox import Outbox
from plumbing.retention import Retention
from plumbing.runtime import RunningService, run_service

SERVICE_NAME = catalog_pb2.DESCRIPTOR.services_by_name["CatalogService"].full_name
GUESTS_SERVICE_NAME = guest_customers_pb2.DESCRIPTOR.services_by_name["GuestCustomerService"].full_name


async def start(settings: Settings) -> RunningService:
    db = Database(settings.database_url, application_name="catalog")
    # No I/O until the first call: the wallet may start after the catalog (it needs our address).
    wallet_channel = grpc_client.channel(settings.wallet_addr) if settings.wallet_addr else None
    holdings = WalletHoldings(wallet_channel) if wallet_channel is not None else None

    async def close_wallet_channel() -> None:
        if wallet_channel is not None:
            await wallet_channel.close()

    try:
        nc = await messaging.connect(settings.nats_url, "catalog")
    except BaseException:
        await close_wallet_channel()
        await db.close()
        raise
    try:
        js = nc.jetstream()
        await messaging.ensure_stream(js, events.CATALOG_STREAM, events.CATALOG_SUBJECTS)
        await audit.ensure_stream(js)  # the relay carries audit entries too (plumbing.audit)
        outbox = Outbox(tables.outbox)
        api = CatalogApi(db, outbox, holdings)
        server = await create_server(
            [
                lambda s: catalog_pb2_grpc.add_CatalogServiceServicer_to_server(api, s),
                lambda s: guest_customers_pb2_grpc.add_GuestCustomerServiceServicer_to_server(
                    GuestCustomersApi(db), s
                ),
            ],
            [SERVICE_NAME, GUESTS_SERVICE_NAME],
            host=settings.grpc_host,
            port=settings.grpc_port,
        )
    except BaseException:
        await nc.close()
        await close_wallet_channel()
        await db.close()
        raise
    # Closed in reverse: NATS, the wallet channel, the database.
    service = RunningService("catalog", server, closers=[db.close, close_wallet_channel, nc.close])
    # Published outbox rows and inbox rows, a week on (plumbing.retention).
    service.spawn(
        Retention(db, tables.retention_rules).run_forever(settings.retention_sweep_seconds), "retention"
    )
    service.watch_dependencies(db=db, nats=nc)
    service.spawn(outbox.relay_forever(db, js), "outbox-relay")
    return service


def main() -> None:
    run_service("catalog", lambda: start(Settings.from_env()))
