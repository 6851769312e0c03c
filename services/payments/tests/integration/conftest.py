"""Fixtures of the payments integration tests: a real service on port 0, its stub, its database."""

import os
import sys
from collections.abc import AsyncIterator

import grpc
import pytest

from bookingplatform.payments.v1 import payments_pb2_grpc
from payments.bootstrap import start
from payments.settings import Settings
from plumbing.db import Database
from plumbing.runtime import RunningService

# The tests import their shared helpers (payments_test_cards) from this folder.
HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)


@pytest.fixture(scope="module")
async def payments_service(database_url: str, nats_url: str) -> AsyncIterator[RunningService]:
    service = await start(Settings(database_url=database_url, nats_url=nats_url))
    yield service
    await service.stop()


@pytest.fixture(scope="module")
async def payments_stub(
    payments_service: RunningService,
) -> AsyncIterator[payments_pb2_grpc.PaymentsServiceStub]:
    async with grpc.aio.insecure_channel(payments_service.address) as channel:
        yield payments_pb2_grpc.PaymentsServiceStub(channel)


@pytest.fixture(scope="module")
async def payments_db(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url, application_name="payments-tests")
    yield db
    await db.close()
