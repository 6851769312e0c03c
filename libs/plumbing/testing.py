"""Pytest fixtures on real infrastructure: a fresh PostgreSQL database (embedded, or on
the server of DATABASE_URL) migrated for every service, and a NATS server with JetStream.

Loaded by the root conftest.py as a plugin; nothing here mocks a database or a broker.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from plumbing.devstack import Infrastructure, start_infrastructure
from plumbing.migrations import migrate_all


@pytest.fixture(scope="session")
def infrastructure() -> Iterator[Infrastructure]:
    with tempfile.TemporaryDirectory(prefix="bp-test-") as data_dir:
        infra = start_infrastructure(Path(data_dir), database="booking_test", fresh=True)
        try:
            migrate_all(infra.database_url)
            yield infra
        finally:
            infra.stop()


@pytest.fixture(scope="session")
def database_url(infrastructure: Infrastructure) -> str:
    return infrastructure.database_url


@pytest.fixture(scope="session")
def nats_url(infrastructure: Infrastructure) -> str:
    return infrastructure.nats_url


@pytest.fixture(scope="session", autouse=True)
def _no_proxy_for_loopback() -> None:
    # grpc honours http_proxy; tests only ever talk to loopback.
    os.environ.setdefault("no_grpc_proxy", "127.0.0.1,localhost")
