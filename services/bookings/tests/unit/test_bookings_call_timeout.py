"""BOOKINGS_CALL_TIMEOUT_SECONDS: the deadline of bookings' calls to catalog, passes and payments."""

from __future__ import annotations

import pytest

from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookings.adapters.catalog_cache import CatalogCache
from bookings.adapters.catalog_client import CatalogClient
from bookings.settings import MAX_CATALOG_CACHE_TTL_SECONDS, Settings


@pytest.fixture
def bookings_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name, value in {
        "DATABASE_URL": "postgresql://u@db.invalid/db",
        "NATS_URL": "nats://nats.invalid",
        "CATALOG_ADDR": "catalog:50051",
        "PASSES_ADDR": "passes:50051",
        "PAYMENTS_ADDR": "payments:50051",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("BOOKINGS_CALL_TIMEOUT_SECONDS", raising=False)
    return monkeypatch


def test_the_call_timeout_is_5_seconds_unless_the_environment_says_otherwise(bookings_env):
    assert Settings.from_env().call_timeout_seconds == 5.0
    bookings_env.setenv("BOOKINGS_CALL_TIMEOUT_SECONDS", "60")
    assert Settings.from_env().call_timeout_seconds == 60.0


def test_the_catalog_cache_keeps_rows_5_seconds_and_never_more_than_the_maximum(bookings_env):
    bookings_env.delenv("BOOKINGS_CATALOG_CACHE_TTL_SECONDS", raising=False)
    assert Settings.from_env().catalog_cache_ttl_seconds == 5.0
    bookings_env.setenv("BOOKINGS_CATALOG_CACHE_TTL_SECONDS", "3600")
    assert Settings.from_env().catalog_cache_ttl_seconds == MAX_CATALOG_CACHE_TTL_SECONDS == 10.0
    bookings_env.setenv("BOOKINGS_CATALOG_CACHE_TTL_SECONDS", "0")
    assert Settings.from_env().catalog_cache_ttl_seconds == 0.0


async def test_the_catalog_client_gives_each_call_the_configured_deadline():
    deadlines = []

    async def get_customer(request, *, timeout):  # type: ignore[no-untyped-def]
        deadlines.append(timeout)
        return catalog_pb2.GetCustomerResponse(customer=catalog_pb2.Customer(company_id="c1"))

    stub = catalog_pb2_grpc.CatalogServiceStub(_NoChannel())  # type: ignore[arg-type]
    stub.GetCustomer = get_customer  # type: ignore[method-assign]
    cache = CatalogCache(stub, call_timeout_seconds=42.0)
    client = CatalogClient(_NoChannel(), cache, call_timeout_seconds=42.0)  # type: ignore[arg-type]
    assert await client.customer_company("cust") == "c1"
    assert deadlines == [42.0]


class _NoChannel:
    """Enough of a channel to build a stub whose methods the test replaces."""

    def __getattr__(self, name):  # type: ignore[no-untyped-def]
        return lambda *args, **kwargs: None
