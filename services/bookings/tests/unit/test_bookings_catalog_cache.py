"""The catalog cache of the booking path: rows live a few seconds at most, a catalog change
event drops its row at once, concurrent readers share one call, and nothing an event
overtook is kept."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from grpc import aio

from bookingplatform.catalog.v1 import catalog_pb2
from bookings.adapters.catalog_cache import (
    RESOURCE_UPDATED,
    SESSION_CANCELLED,
    SESSION_UPDATED,
    CatalogCache,
    TtlCache,
)
from plumbing.errors import NotFound


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Catalog:
    """A stand-in of catalog's stub: answers from dicts and counts the calls. `gate`, when
    set, holds every answer until it is opened."""

    def __init__(self) -> None:
        self.sessions: dict[str, catalog_pb2.Session] = {}
        self.resources: dict[str, catalog_pb2.Resource] = {}
        self.calls = 0
        self.gate: asyncio.Event | None = None

    async def _wait(self) -> None:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()

    async def GetSession(self, request, *, timeout):  # type: ignore[no-untyped-def]
        await self._wait()
        if request.session_id not in self.sessions:
            raise _not_found()
        session = catalog_pb2.Session()
        session.CopyFrom(self.sessions[request.session_id])
        return catalog_pb2.GetSessionResponse(session=session)

    async def GetResource(self, request, *, timeout):  # type: ignore[no-untyped-def]
        await self._wait()
        resource = catalog_pb2.Resource()
        resource.CopyFrom(self.resources[request.resource_id])
        return catalog_pb2.GetResourceResponse(resource=resource)


def _not_found() -> aio.AioRpcError:
    return aio.AioRpcError(grpc.StatusCode.NOT_FOUND, aio.Metadata(), aio.Metadata(), "no such session")


def a_cache(catalog: Catalog, clock: Clock, ttl: float = 5.0) -> CatalogCache:
    return CatalogCache(catalog, ttl_seconds=ttl, clock=clock)  # type: ignore[arg-type]


async def test_a_session_is_asked_once_then_served_until_its_ttl_ends():
    catalog, clock = Catalog(), Clock()
    catalog.sessions["s1"] = catalog_pb2.Session(id="s1", capacity=5)
    cache = a_cache(catalog, clock)

    assert (await cache.session("s1")).capacity == 5
    catalog.sessions["s1"].capacity = 7  # changed in catalog, no event seen
    clock.now += 4.9
    assert (await cache.session("s1")).capacity == 5
    assert catalog.calls == 1

    clock.now += 0.2  # past the 5 s
    assert (await cache.session("s1")).capacity == 7
    assert catalog.calls == 2


async def test_a_session_updated_event_drops_the_session_at_once():
    catalog, clock = Catalog(), Clock()
    catalog.sessions["s1"] = catalog_pb2.Session(
        id="s1", price={"amount_minor": 1000, "currency_code": "EUR"}
    )
    cache = a_cache(catalog, clock)
    await cache.session("s1")

    catalog.sessions["s1"].price.amount_minor = 1500
    cache.on_event(SESSION_UPDATED, catalog.sessions["s1"].SerializeToString())

    assert (await cache.session("s1")).price.amount_minor == 1500
    assert catalog.calls == 2


async def test_a_session_cancelled_event_drops_the_session_and_leaves_the_others():
    catalog, clock = Catalog(), Clock()
    catalog.sessions["s1"] = catalog_pb2.Session(id="s1")
    catalog.sessions["s2"] = catalog_pb2.Session(id="s2")
    cache = a_cache(catalog, clock)
    await cache.session("s1")
    await cache.session("s2")

    catalog.sessions["s1"].status = catalog_pb2.SESSION_STATUS_CANCELLED
    cache.on_event(
        SESSION_CANCELLED, catalog_pb2.SessionCancelled(session=catalog.sessions["s1"]).SerializeToString()
    )

    assert (await cache.session("s1")).status == catalog_pb2.SESSION_STATUS_CANCELLED
    await cache.session("s2")
    assert catalog.calls == 3  # s1 twice, s2 once


async def test_a_resource_updated_event_drops_the_resource_with_its_policy():
    catalog, clock = Catalog(), Clock()
    catalog.resources["r1"] = catalog_pb2.Resource(id="r1", policy={"lead_time_minutes": 0})
    cache = a_cache(catalog, clock)
    await cache.resource("r1")

    catalog.resources["r1"].policy.lead_time_minutes = 60
    cache.on_event(
        RESOURCE_UPDATED, catalog_pb2.ResourceUpdated(resource=catalog.resources["r1"]).SerializeToString()
    )

    assert (await cache.resource("r1")).policy.lead_time_minutes == 60


async def test_an_unreadable_event_drops_everything():
    catalog, clock = Catalog(), Clock()
    catalog.sessions["s1"] = catalog_pb2.Session(id="s1")
    cache = a_cache(catalog, clock)
    await cache.session("s1")

    cache.on_event(SESSION_UPDATED, b"\xff\xff\xff")

    assert len(cache.sessions) == 0


async def test_concurrent_readers_of_one_session_share_one_call():
    catalog, clock = Catalog(), Clock()
    catalog.sessions["s1"] = catalog_pb2.Session(id="s1")
    catalog.gate = asyncio.Event()
    cache = a_cache(catalog, clock)

    readers = [asyncio.ensure_future(cache.session("s1")) for _ in range(10)]
    await asyncio.sleep(0)
    catalog.gate.set()
    answers = await asyncio.gather(*readers)

    assert {answer.id for answer in answers} == {"s1"}
    assert catalog.calls == 1


async def test_a_read_overtaken_by_its_event_is_answered_but_not_kept():
    catalog, clock = Catalog(), Clock()
    catalog.sessions["s1"] = catalog_pb2.Session(id="s1", capacity=5)
    catalog.gate = asyncio.Event()
    cache = a_cache(catalog, clock)

    reading = asyncio.ensure_future(cache.session("s1"))
    await asyncio.sleep(0)
    cache.on_event(SESSION_UPDATED, catalog_pb2.Session(id="s1", capacity=9).SerializeToString())
    catalog.gate.set()
    await reading

    assert len(cache.sessions) == 0  # the next read asks again


async def test_a_refusal_is_not_kept():
    catalog, clock = Catalog(), Clock()
    cache = a_cache(catalog, clock)

    with pytest.raises(NotFound):
        await cache.session("s1")
    catalog.sessions["s1"] = catalog_pb2.Session(id="s1")

    assert (await cache.session("s1")).id == "s1"


async def test_readers_waiting_on_a_cancelled_read_ask_themselves():
    clock = Clock()
    cache: TtlCache[str] = TtlCache(ttl_seconds=5, max_entries=10, clock=clock)
    gate = asyncio.Event()
    loads = 0

    async def load() -> str:
        nonlocal loads
        loads += 1
        if loads == 1:
            await gate.wait()  # the first reader's load never ends: its request is cancelled
        return "value"

    first = asyncio.ensure_future(cache.get_or_load("k", load))
    await asyncio.sleep(0)
    second = asyncio.ensure_future(cache.get_or_load("k", load))
    await asyncio.sleep(0)
    first.cancel()

    assert await second == "value"
    assert loads == 2


def test_the_oldest_used_entry_goes_first_when_the_cache_is_full():
    cache: TtlCache[int] = TtlCache(ttl_seconds=5, max_entries=2, clock=Clock())
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # b is now the oldest used
    cache.put("c", 3)

    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)


async def test_a_zero_ttl_keeps_nothing():
    catalog, clock = Catalog(), Clock()
    catalog.sessions["s1"] = catalog_pb2.Session(id="s1")

    off = a_cache(catalog, clock, ttl=0)
    await off.session("s1")
    await off.session("s1")
    assert catalog.calls == 2
