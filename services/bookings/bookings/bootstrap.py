"""Wires the bookings service: builds every collaborator once (database, outbox, catalog and
passes clients, the use cases, the orchestrator) and hands them to the gRPC servicer, the NATS
consumers and the sweepers."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bookingplatform.bookings.v1 import bookings_pb2, bookings_pb2_grpc
from bookingplatform.catalog.v1.catalog_pb2_grpc import CatalogServiceStub
from bookings.adapters import saga_metrics, tables
from bookings.adapters.catalog_availability import AvailabilityCatalog
from bookings.adapters.catalog_cache import CatalogCache, watch_events
from bookings.adapters.catalog_client import CatalogClient
from bookings.adapters.catalog_resources import ResourceCatalog
from bookings.adapters.catalog_stats import StatsCatalog
from bookings.adapters.owners import CatalogOwners
from bookings.adapters.participant_queues import ParticipantQueues
from bookings.adapters.passes_client import PassesClient
from bookings.adapters.payments_client import PaymentsClient
from bookings.adapters.repository import start_step_deadlines
from bookings.entrypoints import catalog_events
from bookings.entrypoints.grpc_api import BookingsApi
from bookings.entrypoints.saga_replies import ReplyConsumer
from bookings.service import tenancy
from bookings.service.availability import AvailabilityService
from bookings.service.booking_commands import BookingCommands
from bookings.service.changes import PeriodChanges
from bookings.service.lifecycle import Lifecycle, sweep_forever
from bookings.service.orchestrator import Orchestrator
from bookings.service.planning import Planner
from bookings.service.queued_steps import QueuedSteps
from bookings.service.saga_backlog import SagaBacklog
from bookings.service.saga_queries import SagaQueries
from bookings.service.session_changes import SessionChanges
from bookings.service.session_events import SessionCancellations
from bookings.service.stats import StatsService
from bookings.settings import Settings
from plumbing import audit, grpc_client, messaging
from plumbing.db import Database
from plumbing.dead_letters import DEAD_LETTER_SERVICE, DeadLetters
from plumbing.grpc_server import create_server
from plumbing.outbox import Outbox
from plumbing.retention import Retention
from plumbing.runtime import RunningService, run_service

log = logging.getLogger(__name__)

SERVICE_NAME = bookings_pb2.DESCRIPTOR.services_by_name["BookingsService"].full_name


async def start(settings: Settings) -> RunningService:
    db = Database(settings.database_url, application_name="bookings")
    catalog_channel = grpc_client.channel(settings.catalog_addr)  # one or several replicas
    passes_channel = grpc_client.channel(settings.passes_addr) if settings.passes_addr else None
    payments_channel = grpc_client.channel(settings.payments_addr) if settings.payments_addr else None
    # A step's deadline starts when its command is published, not when it is queued.
    outbox = Outbox(tables.outbox, on_published=start_step_deadlines)
    timeout = settings.call_timeout_seconds  # of every call to catalog, passes and payments
    # One cache of the catalog rows a booking reads, shared by the tenancy guard and the
    # planner, dropped row by row on catalog's change events (subscribed below).
    ttl = settings.catalog_cache_ttl_seconds
    catalog_cache = CatalogCache(
        CatalogServiceStub(catalog_channel),
        call_timeout_seconds=timeout,
        ttl_seconds=ttl,
        customer_ttl_seconds=300.0 if ttl > 0 else 0.0,  # a customer never changes company
    )
    catalog = CatalogClient(catalog_channel, catalog_cache, call_timeout_seconds=timeout)
    resources = ResourceCatalog(catalog_channel, catalog_cache, call_timeout_seconds=timeout)
    orchestrator = Orchestrator(
        db,
        outbox,
        billing_retry=timedelta(seconds=settings.billing_retry_seconds),
        first_step_timeout=settings.first_step_timeout_seconds,
    )
    bookings = BookingCommands(
        db,
        outbox,
        orchestrator,
        Planner(catalog, resources),
        resources,
        passes=PassesClient(passes_channel, call_timeout_seconds=timeout)
        if passes_channel is not None
        else None,
        payments=(
            PaymentsClient(payments_channel, call_timeout_seconds=timeout)
            if payments_channel is not None
            else None
        ),
    )
    lifecycle = Lifecycle(db)
    # Availability and the statistics share one cache of catalog capacity (sessions, units).
    capacity = AvailabilityCatalog(CatalogServiceStub(catalog_channel), call_timeout_seconds=timeout)
    api = BookingsApi(
        bookings=bookings,
        changes=PeriodChanges(db, outbox, orchestrator, bookings, resources),
        lifecycle=lifecycle,
        availability=AvailabilityService(db, capacity, resources),
        orchestrator=orchestrator,
        sagas=SagaQueries(db),
        session_changes=SessionChanges(
            db, CatalogServiceStub(catalog_channel), call_timeout_seconds=timeout, cache=catalog_cache
        ),
        stats=StatsService(
            db, StatsCatalog(CatalogServiceStub(catalog_channel), call_timeout_seconds=timeout), capacity
        ),
    )
    # Every RPC checks the caller's company (and customer, and role) before its handler.
    tenancy.guard(
        api,
        bookings_pb2.DESCRIPTOR.services_by_name["BookingsService"],
        tenancy.TenancyChecks(db, CatalogOwners(catalog_cache)),
    )
    cancellations = SessionCancellations(db, bookings, orchestrator)

    nc = await messaging.connect(settings.nats_url, "bookings")
    js = nc.jetstream()
    # A step past its deadline whose command or reply may still wait in a queue that moved
    # within a step timeout gets more time instead of a second copy (service/queued_steps.py),
    # for at most the longest step timeout (12 times the first) after its publish.
    orchestrator.queued_steps = QueuedSteps(
        ParticipantQueues(nc),
        progress_window_seconds=settings.first_step_timeout_seconds,
        max_wait_seconds=12 * settings.first_step_timeout_seconds,
    )
    if settings.saga_backlog_max_wait_seconds > 0:
        bookings.backlog = SagaBacklog(
            ParticipantQueues(nc), max_wait_seconds=settings.saga_backlog_max_wait_seconds
        )
    await watch_events(nc, catalog_cache)  # this replica's cache: a plain subscription
    await messaging.ensure_stream(js, messaging.SAGA_STREAM, messaging.SAGA_SUBJECTS)
    await audit.ensure_stream(js)  # the relay carries audit entries too (plumbing.audit)
    # ... and the bookings' status changes (repository.transition_booking; the gateway's webhooks)
    await messaging.ensure_stream(js, messaging.BOOKING_EVENTS_STREAM, messaging.BOOKING_EVENTS_SUBJECTS)
    dead_letters = DeadLetters("bookings")
    await dead_letters.bind(js)  # before the consumers: none of their advisories is lost
    server = await create_server(
        [
            lambda s: bookings_pb2_grpc.add_BookingsServiceServicer_to_server(api, s),
            dead_letters.register,
        ],
        [SERVICE_NAME, DEAD_LETTER_SERVICE],
        host=settings.grpc_host,
        port=settings.grpc_port,
    )
    running = RunningService("bookings", server, closers=[db.close, catalog_channel.close, nc.close])
    # Published outbox rows and inbox rows, a week on (plumbing.retention).
    running.spawn(
        Retention(db, tables.retention_rules).run_forever(settings.retention_sweep_seconds), "retention"
    )
    running.watch_dependencies(db=db, nats=nc)
    if passes_channel is not None:
        running.closers.append(passes_channel.close)
    if payments_channel is not None:
        running.closers.append(payments_channel.close)
    replies = messaging.PullConsumer(
        js,
        stream=messaging.SAGA_STREAM,
        durable="bookings-saga",
        subject=messaging.reply_subject("bookings"),
        handler=ReplyConsumer(db, outbox, orchestrator).handle,
    )
    running.spawn(outbox.relay_forever(db, js), "outbox-relay")
    running.spawn(replies.run_forever(), "saga-replies")
    # Ensures the CATALOG stream; cancels the bookings of a cancelled session.
    session_cancelled = await catalog_events.session_cancelled_consumer(js, db, cancellations)
    running.spawn(session_cancelled.run_forever(), "catalog-events")
    # Both consumers: an event the session-cancelled consumer terminates is a dead letter too.
    running.spawn(dead_letters.watch([replies, session_cancelled]), "dead-letters")
    running.spawn(_sweep_forever(orchestrator, settings.sweep_interval_seconds), "deadline-sweeper")
    if bookings.backlog is not None:
        running.spawn(bookings.backlog.watch_forever(), "saga-backlog")
    running.spawn(sweep_forever(lifecycle, settings.lifecycle_sweep_seconds), "lifecycle-sweeper")
    running.spawn(saga_metrics.observe_forever(db), "saga-metrics")
    return running


async def _sweep_forever(orchestrator: Orchestrator, interval: float) -> None:
    while True:
        try:
            while await orchestrator.sweep_deadlines() > 0:
                pass
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("deadline sweep failed")
        await asyncio.sleep(interval)


def main() -> None:
    run_service("bookings", lambda: start(Settings.from_env()))
