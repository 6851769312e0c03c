"""The catalog rows a booking reads (session, resource with its policy, company, a customer's
company), kept in this process for a few seconds and dropped as soon as catalog's change
event for the row arrives.

One `CatalogCache` per process is shared by the tenancy guard and the planner, so a request
asks the catalog for a session once (not once to check whose it is and again to price it),
and concurrent requests for the same row share one call. Rows are read as the internal
caller and kept as catalog answers them; whoever hands one to a caller checks the caller's
tenancy itself (`check_tenant`), as catalog would have.

What may be stale, and for how long, is said in the bookings README ("Catalog data cached in
bookings"): at most until the change event arrives (normally milliseconds, through
`catalog.events.*`), never longer than the TTL. What decides capacity and money is never read
from here: places, nights and intervals are held by bookings' own conditional writes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from grpc import aio

from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookings.adapters.catalog_client import _translate as translate
from plumbing.principal import SERVICE_PRINCIPAL, acting_as

log = logging.getLogger(__name__)

V = TypeVar("V")

# Catalog's change events (catalog/adapters/events.py) and the row each one names.
SESSION_UPDATED = "catalog.events.session_updated"
SESSION_CANCELLED = "catalog.events.session_cancelled"
RESOURCE_UPDATED = "catalog.events.resource_updated"
COMPANY_UPDATED = "catalog.events.company_updated"
EVENTS = "catalog.events.>"


class _LeaderGone(Exception):
    """The request that was loading a row for everyone was cancelled: the others load it."""


@dataclass
class _Entry(Generic[V]):
    value: V
    expires_at: float


class TtlCache(Generic[V]):
    """A bounded map of str -> value whose entries live `ttl_seconds` at most.

    `get_or_load` shares one load among concurrent callers of a key; a load that an
    `invalidate` (or `clear`) overtook is handed to its callers but not kept, so an event that
    arrives while the old row is on its way is never undone by it. The oldest-used entry goes
    first when `max_entries` are held."""

    def __init__(
        self, *, ttl_seconds: float, max_entries: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, _Entry[V]] = OrderedDict()
        self._loading: dict[str, asyncio.Future[V]] = {}
        # Bumped by every invalidation: a load started before it is not stored.
        self._generation = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires_at <= self._clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry.value

    def put(self, key: str, value: V) -> None:
        if self.ttl_seconds <= 0 or self.max_entries <= 0:
            return
        self._entries[key] = _Entry(value, self._clock() + self.ttl_seconds)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def invalidate(self, key: str) -> None:
        self._generation += 1
        self._entries.pop(key, None)
        self._loading.pop(key, None)  # later callers load afresh; the current ones keep theirs

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()
        self._loading.clear()

    async def get_or_load(self, key: str, load: Callable[[], Awaitable[V]]) -> V:
        while True:
            cached = self.get(key)
            if cached is not None:
                self.hits += 1
                return cached
            pending = self._loading.get(key)
            if pending is None:
                return await self._lead(key, load)
            try:
                # shield: a waiter given up (its deadline) must not cancel the others' load
                return await asyncio.shield(pending)
            except _LeaderGone:
                continue

    async def _lead(self, key: str, load: Callable[[], Awaitable[V]]) -> V:
        self.misses += 1
        generation = self._generation
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        try:
            value = await load()
        except asyncio.CancelledError:
            future.set_exception(_LeaderGone())
            future.exception()  # retrieved: no "never retrieved" warning when nobody waits
            raise
        except BaseException as error:
            future.set_exception(error)
            future.exception()
            raise
        finally:
            if self._loading.get(key) is future:
                del self._loading[key]
        future.set_result(value)
        if generation == self._generation:
            self.put(key, value)
        return value


class CatalogCache:
    """Sessions, resources, companies and customers' companies as catalog answers the
    internal caller, cached (`ttl_seconds`; a customer's company, which never changes, for
    `customer_ttl_seconds`) and dropped on catalog's change events (`on_event`)."""

    def __init__(
        self,
        stub: catalog_pb2_grpc.CatalogServiceStub,
        *,
        call_timeout_seconds: float = 5.0,
        ttl_seconds: float = 5.0,
        customer_ttl_seconds: float = 300.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stub = stub
        self._timeout = call_timeout_seconds
        ttl_seconds = max(0.0, ttl_seconds)  # at most settings.MAX_CATALOG_CACHE_TTL_SECONDS
        self.sessions: TtlCache[catalog_pb2.Session] = TtlCache(
            ttl_seconds=ttl_seconds, max_entries=max_entries, clock=clock
        )
        self.resources: TtlCache[catalog_pb2.Resource] = TtlCache(
            ttl_seconds=ttl_seconds, max_entries=max_entries, clock=clock
        )
        self.companies: TtlCache[catalog_pb2.Company] = TtlCache(
            ttl_seconds=ttl_seconds, max_entries=max_entries, clock=clock
        )
        self.customers: TtlCache[str] = TtlCache(
            ttl_seconds=customer_ttl_seconds, max_entries=max_entries, clock=clock
        )
        # Calls made to the catalog through this cache, by method (the bench reads them).
        self.calls: dict[str, int] = {}

    async def session(self, session_id: str) -> catalog_pb2.Session:
        async def load() -> catalog_pb2.Session:
            reply = await self._call(
                self._stub.GetSession, catalog_pb2.GetSessionRequest(session_id=session_id)
            )
            return reply.session

        return await self.sessions.get_or_load(session_id, load)

    async def resource(self, resource_id: str) -> catalog_pb2.Resource:
        async def load() -> catalog_pb2.Resource:
            reply = await self._call(
                self._stub.GetResource, catalog_pb2.GetResourceRequest(resource_id=resource_id)
            )
            return reply.resource

        return await self.resources.get_or_load(resource_id, load)

    async def company(self, company_id: str) -> catalog_pb2.Company:
        async def load() -> catalog_pb2.Company:
            reply = await self._call(
                self._stub.GetCompany, catalog_pb2.GetCompanyRequest(company_id=company_id)
            )
            return reply.company

        return await self.companies.get_or_load(company_id, load)

    async def customer_company(self, customer_id: str) -> str:
        """The customer's company (a customer never changes company)."""

        async def load() -> str:
            reply = await self._call(
                self._stub.GetCustomer, catalog_pb2.GetCustomerRequest(customer_id=customer_id)
            )
            return str(reply.customer.company_id)

        return await self.customers.get_or_load(customer_id, load)

    def forget_session(self, session_id: str) -> None:
        self.sessions.invalidate(session_id)

    def on_event(self, subject: str, data: bytes) -> None:
        """Drops the row a catalog event says changed; an event it cannot read drops
        everything (the next reads ask the catalog again)."""
        try:
            if subject == SESSION_UPDATED:
                self.sessions.invalidate(catalog_pb2.Session.FromString(data).id)
            elif subject == SESSION_CANCELLED:
                self.sessions.invalidate(catalog_pb2.SessionCancelled.FromString(data).session.id)
            elif subject == RESOURCE_UPDATED:
                self.resources.invalidate(catalog_pb2.ResourceUpdated.FromString(data).resource.id)
            elif subject == COMPANY_UPDATED:
                self.companies.invalidate(catalog_pb2.Company.FromString(data).id)
        except Exception:
            log.warning("unreadable catalog event on %s: the catalog cache is cleared", subject)
            self.clear()

    def clear(self) -> None:
        for cache in (self.sessions, self.resources, self.companies):
            cache.clear()

    async def _call(self, method: Any, request: Any) -> Any:
        name = type(request).__name__.removesuffix("Request")
        self.calls[name] = self.calls.get(name, 0) + 1
        with acting_as(SERVICE_PRINCIPAL):
            try:
                return await method(request, timeout=self._timeout)
            except aio.AioRpcError as error:
                raise translate(error) from error


async def watch_events(nc: Any, cache: CatalogCache) -> Any:
    """Subscribes this process (every replica for itself, a plain NATS subscription: no
    durable, nothing to ack) to `catalog.events.>` and drops what each event names. An event
    missed while NATS is away is covered by the TTL."""

    async def handle(msg: Any) -> None:
        cache.on_event(msg.subject, msg.data)

    return await nc.subscribe(EVENTS, cb=handle)
