"""Shared by the bookings integration tests: their helpers (bookings_test_sessions) are imported
from this folder, and `slot_platform` runs catalog and bookings in-process on a database and a
NATS server of their own (no participant: each saga waits on its first step)."""

import os
import sys

import pytest
from grpc import aio

import bookings.bootstrap
import catalog.bootstrap
from bookingplatform.bookings.v1 import bookings_pb2_grpc
from bookingplatform.catalog.v1 import catalog_pb2_grpc
from plumbing.db import Database
from plumbing.testing import isolated_infrastructure

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)


@pytest.fixture(scope="module")
async def slot_platform(database_url):
    """(bookings stub, catalog stub, a Database on the same database named `bookings`)."""
    async with isolated_infrastructure(database_url, "slots") as (own_database, nats_url):
        catalog_service = await catalog.bootstrap.start(
            catalog.bootstrap.Settings(database_url=own_database, nats_url=nats_url)
        )
        booking_service = await bookings.bootstrap.start(
            bookings.bootstrap.Settings(
                database_url=own_database, nats_url=nats_url, catalog_addr=catalog_service.address
            )
        )
        channel = aio.insecure_channel(booking_service.address)
        catalog_channel = aio.insecure_channel(catalog_service.address)
        db = Database(own_database, pool_size=4, application_name="bookings-test")
        yield (
            bookings_pb2_grpc.BookingsServiceStub(channel),
            catalog_pb2_grpc.CatalogServiceStub(catalog_channel),
            db,
        )
        await db.close()
        await channel.close()
        await catalog_channel.close()
        await booking_service.stop(0.2)
        await catalog_service.stop(0.2)
