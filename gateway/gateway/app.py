"""The FastAPI application factory. No I/O at import: channels and the database pool
are opened by the lifespan (or handed in by tests)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from sqlalchemy import text
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from gateway import audit_log
from gateway.admission import AdmissionControl, Backpressure, Limiter
from gateway.auth import TokenIssuer
from gateway.clients import Clients
from gateway.cors import CompanyCors
from gateway.edge import CrashGuard, TrailingSlash, edge_guard
from gateway.guest_links import GuestLinks
from gateway.idempotency import IdempotencyStore
from gateway.leases import pages as lease_pages
from gateway.logredact import redact_span_address
from gateway.notifications import delivery as notification_delivery
from gateway.notifications import feeds as calendar_feeds
from gateway.notifications import page as notification_pages
from gateway.notifications import reminders as check_in_reminders
from gateway.notifications.mailer import SmtpSettings
from gateway.pages import account as account_pages
from gateway.pages import audit as audit_pages
from gateway.pages import calendar as calendar_pages
from gateway.pages import dead_letters as dead_letter_pages
from gateway.pages import feeds as feed_pages
from gateway.pages import login, sagas
from gateway.pages import manage as manage_pages
from gateway.pages import manage_company as manage_company_pages
from gateway.pages import manage_keys as manage_key_pages
from gateway.pages import stats as stats_pages
from gateway.pages import team as team_pages
from gateway.pages import webhooks as webhook_pages
from gateway.problems import Problem, document_problems, install_handlers, problem_response
from gateway.push import delivery as push_delivery
from gateway.push import routes as push_routes
from gateway.push.vapid import VapidKey
from gateway.ratelimit import GuestBookingLimiter, LoginLimiter
from gateway.request_ids import RequestIds
from gateway.retention import gateway_rules
from gateway.routes import (
    admin_audit,
    admin_bookings,
    admin_catalog,
    admin_customers,
    admin_passes,
    admin_sessions,
    admin_stats,
    auth,
    customer,
    dead_letters,
    ops,
    public,
    public_guest,
    webhooks,
)
from gateway.routes.admin_users import router as admin_users_router
from gateway.routes.common import problems
from gateway.schemas import HealthOut
from gateway.sessions import LoginRedirect, OpsSessions, login_redirect_response
from gateway.settings import Settings
from gateway.site import account as site_account
from gateway.site import find_booking as site_find_booking
from gateway.site import pages as site_pages
from gateway.site import signup as site_signup
from gateway.span_routes import remember_flattened_routes
from gateway.token_revocations import TokenRevocations
from gateway.users import UserStore
from gateway.webhooks import delivery as webhook_delivery
from gateway.webhooks import routes as webhook_admin
from gateway.webhooks import stream as booking_events
from plumbing.db import Database
from plumbing.retention import Retention
from plumbing.tasks import stop_tasks

log = logging.getLogger(__name__)

# /readyz's own `SELECT 1`, like the services' health checks (plumbing.health).
READINESS_DATABASE_TIMEOUT_SECONDS = 2.0
# How long shutdown waits for account work done after its answer (gateway.routes.auth).
ACCOUNT_TASKS_GRACE_SECONDS = 5.0


def _attach(app: FastAPI, clients: Clients | None, db: Database | None) -> None:
    if clients is not None:
        app.state.clients = clients
    if db is not None:
        app.state.db = db
        app.state.users = UserStore(db)
        app.state.idempotency = IdempotencyStore(db)
        app.state.ops_sessions = OpsSessions(db, app.state.tokens, app.state.settings.ops_session_ttl_seconds)
        app.state.token_revocations = TokenRevocations(
            db, token_lifetime_seconds=app.state.settings.token_ttl_seconds
        )


async def start_notifications(app: FastAPI, settings: Settings) -> Callable[[], Awaitable[None]] | None:
    """The e-mail notifier when an SMTP server is configured (and NATS: it consumes booking
    events); off otherwise, and the log says so."""
    app.state.notifications_on = False
    if not settings.smtp_host:
        log.info("e-mail notifications off: no SMTP server configured (GATEWAY_SMTP_HOST)")
        return None
    if not settings.nats_url:
        log.info("e-mail notifications off: no NATS_URL, so no booking events to send e-mails for")
        return None
    smtp = SmtpSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
        sender=settings.mail_from,
    )
    app.state.notification_dispatcher, stop = await notification_delivery.start(
        settings.nats_url,
        app.state.db,
        app.state.clients,
        smtp,
        first_retry_seconds=settings.notifications_first_retry_seconds,
        public_url=settings.public_url,
    )
    app.state.notifications_on = True
    log.info(
        "e-mail notifications on: SMTP %s:%d%s, from %s",
        settings.smtp_host,
        settings.smtp_port,
        " (STARTTLS)" if settings.smtp_starttls else "",
        settings.mail_from,
    )
    if settings.reminder_hours <= 0:
        log.info("check-in reminders off (GATEWAY_REMINDER_HOURS=0)")
        return stop
    # Check-in reminders: a periodic look for confirmed bookings starting within the window.
    reminders = check_in_reminders.Reminders(
        app.state.db,
        notification_delivery.Notifier(app.state.clients, sender=smtp.sender, public_url=settings.public_url),
        hours=settings.reminder_hours,
    )
    job = asyncio.create_task(
        check_in_reminders.run_forever(
            reminders, settings.reminder_sweep_seconds, app.state.notification_dispatcher.wakeup
        ),
        name="check-in-reminders",
    )

    async def stop_all() -> None:
        await stop_tasks([job])
        await stop()

    return stop_all


def write_limiter(settings: Settings) -> Limiter | None:
    """The process's limit of writes in flight (gateway.admission); None when switched off."""
    if settings.max_writes_in_flight == 0:
        return None
    return Limiter(settings.max_writes_in_flight, settings.write_queue, settings.write_queue_wait_seconds)


class NoSniff:
    """`X-Content-Type-Options: nosniff` on every response, whatever answers it (a route, a
    page, a static file, an error, a 404, the edge's refusals): a browser takes each body as
    the type it is sent with, never as script or style it guessed. Outermost of the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                # As RequestIds sets its header: one value, whatever an inner layer set.
                message.setdefault("headers", [])
                MutableHeaders(scope=message)["x-content-type-options"] = "nosniff"
            await send(message)

        await self.app(scope, receive, sending)


def _edge_first(
    app: FastAPI, limiter: Limiter | None, backpressure: Backpressure, body_read_seconds: float
) -> None:
    """nosniff, CORS, then admission control, in front of everything else the app runs, the request's
    span and Starlette's error handling included (both are built into the middleware stack,
    so they are put outside it by wrapping its build, as the instrumentation itself does).

    A preflight is answered before anything else runs (gateway.cors). A refused write (503
    OVERLOADED) costs almost nothing: no span, no route matching, no middleware but CORS, so
    that refusing the excess of an overload does not eat the CPU the admitted writes need
    (under 5 times the peak, refusals were most of the gateway's work). It still carries
    its request id and, for a company's own origin, its CORS headers."""
    build = app.build_middleware_stack

    def build_behind_the_edge() -> ASGIApp:
        return NoSniff(
            CompanyCors(
                AdmissionControl(build(), limiter, backpressure, body_read_seconds=body_read_seconds),
                clients=lambda: getattr(app.state, "clients", None),
            )
        )

    app.build_middleware_stack = build_behind_the_edge  # type: ignore[method-assign]


def create_app(settings: Settings, clients: Clients | None = None, db: Database | None = None) -> FastAPI:
    """The gateway app. Clients and a database passed in are used as they are and not
    closed; whatever is missing is opened on start-up and closed on shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_clients = Clients.from_settings(settings) if clients is None else None
        own_db = Database(settings.database_url, application_name="gateway") if db is None else None
        _attach(app, own_clients, own_db)
        # Copies every service's audit entries into gateway.audit_log (gateway.audit_log).
        stop_copier = (
            await audit_log.start_copier(settings.nats_url, app.state.db) if settings.nats_url else None
        )
        # Booking events -> webhook deliveries, and their dispatcher (gateway.webhooks).
        stop_webhooks = None
        if settings.nats_url:
            app.state.webhook_dispatcher, stop_webhooks = await webhook_delivery.start(
                settings.nats_url, app.state.db, allow_private_urls=settings.webhooks_allow_private_urls
            )
        # Booking events -> e-mails through an outbox, and their sender (gateway.notifications).
        stop_notifications = await start_notifications(app, settings)
        # Booking events -> Web Push to the company's staff devices (gateway.push), when the
        # gateway has a VAPID key.
        stop_push = None
        if settings.nats_url and app.state.vapid is not None:
            app.state.push_dispatcher, stop_push = await push_delivery.start(
                settings.nats_url,
                app.state.db,
                app.state.vapid,
                allow_loopback=settings.push_allow_loopback_endpoints,
            )
        retention = asyncio.create_task(
            Retention(app.state.db, gateway_rules()).run_forever(settings.retention_sweep_seconds),
            name="retention",
        )
        log.info("gateway ready")
        try:
            yield
        finally:
            await stop_tasks([retention])
            # Work an answer did not wait for (a password reset's e-mail): a moment to finish.
            if app.state.account_tasks:
                await asyncio.wait(app.state.account_tasks, timeout=ACCOUNT_TASKS_GRACE_SECONDS)
                await stop_tasks(app.state.account_tasks)
            if stop_notifications is not None:
                await stop_notifications()
            if stop_push is not None:
                await stop_push()
            if stop_webhooks is not None:
                await stop_webhooks()
            if stop_copier is not None:
                await stop_copier()
            await app.state.token_revocations.close()
            if own_clients is not None:
                await own_clients.close()
            if own_db is not None:
                await own_db.close()

    # /docs and /redoc with Swagger UI and ReDoc served by the gateway itself (fastapi-offline
    # ships them), so the docs load no script from a CDN.
    app = FastAPIOffline(
        title="Booking platform gateway",
        version="1.0.0",
        description=(
            "HTTP in, gRPC out. Errors are application/problem+json (RFC 9457) with a stable `code`. "
            "Customer endpoints need `Authorization: Bearer <token>` from `POST /v1/auth/token`; "
            "mutations need an `Idempotency-Key`."
        ),
        lifespan=lifespan,
        # Swagger UI's default validator badge is an image from an outside host: none.
        swagger_ui_parameters={"validatorUrl": None},
        # Starlette's own redirect takes its host from the Host header (gateway.edge.TrailingSlash).
        redirect_slashes=False,
        # Before every route's own parameters: NULs and unknown query parameters (gateway.edge).
        dependencies=[Depends(edge_guard)],
    )
    app.state.settings = settings
    app.state.vapid = (
        VapidKey(settings.vapid_private_key, settings.vapid_subject) if settings.vapid_private_key else None
    )
    app.state.tokens = TokenIssuer(settings.jwt_secret, settings.token_ttl_seconds)
    app.state.login_limiter = LoginLimiter(settings.login_limit_per_ip, settings.login_limit_per_account)
    app.state.guest_limiter = GuestBookingLimiter(
        settings.guest_booking_limit_per_ip, settings.guest_booking_limit_per_email
    )
    app.state.guest_links = GuestLinks(settings.jwt_secret, settings.guest_link_ttl_seconds)
    app.state.account_tasks = set()  # gateway.routes.auth.after_the_answer
    if settings.trusted_proxies:
        # uvicorn's own middleware: the client (and scheme) become what the trusted proxy
        # forwarded, for the rate limits, the access log and the cookie's Secure flag.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
    _attach(app, clients, db)
    install_handlers(app)
    document_problems(app)
    app.add_middleware(CrashGuard)
    app.add_middleware(TrailingSlash)
    app.add_middleware(RequestIds)
    # One span per request, the first of the booking's trace (plumbing.telemetry); the
    # address it records goes through the same redaction as the access log.
    remember_flattened_routes()  # the span's route without rebuilding the routes per request
    FastAPIInstrumentor.instrument_app(
        app,
        excluded_urls="/healthz$,/readyz$,/static/",
        exclude_spans=["receive", "send"],
        server_request_hook=redact_span_address,
    )
    # On the app's state so that a test can drive its clock instead of sleeping through a hold.
    app.state.backpressure = Backpressure()
    _edge_first(app, write_limiter(settings), app.state.backpressure, settings.body_read_seconds)
    for routes in (auth, customer, public, ops, dead_letters, webhooks):
        app.include_router(routes.router)
    app.include_router(admin_users_router)
    app.include_router(admin_audit.router)
    app.include_router(admin_catalog.router)
    app.include_router(admin_sessions.router)
    app.include_router(admin_passes.router)
    app.include_router(admin_customers.router)
    app.include_router(admin_bookings.router)
    app.include_router(public_guest.router)
    app.include_router(webhook_admin.router)
    app.include_router(booking_events.router)
    # The installable console, its staff's push devices, and the webhooks page.
    app.include_router(push_routes.router)
    app.include_router(webhook_pages.router)
    app.include_router(feed_pages.router)
    app.include_router(calendar_feeds.router)
    app.include_router(notification_pages.router)
    app.include_router(admin_stats.router)
    for pages in (stats_pages, audit_pages):  # the business statistics and the audit log viewer
        app.include_router(pages.router)
    for pages in (login, sagas, dead_letter_pages, calendar_pages, lease_pages, manage_pages):
        app.include_router(pages.router)
    app.include_router(account_pages.router)  # accepting an invitation, a forgotten password
    app.include_router(team_pages.router)  # a company's staff, admins and invitations
    app.include_router(manage_company_pages.router)  # the company profile and extras
    app.include_router(manage_key_pages.router)  # the company's API keys
    # The public booking site of each company (/site/{company_id}).
    app.include_router(site_pages.router)
    app.include_router(site_account.router)
    app.include_router(site_signup.router)
    app.include_router(site_find_booking.router)
    app.include_router(site_pages.fallback)  # last of the site: its 404 page for any other address
    app.add_exception_handler(LoginRedirect, login_redirect_response)

    @app.get("/healthz", operation_id="getLiveness", response_model=HealthOut, tags=["health"])
    async def healthz() -> HealthOut:
        """Liveness: the process answers."""
        return HealthOut(status="ok")

    @app.get(
        "/readyz",
        operation_id="getReadiness",
        response_model=HealthOut,
        tags=["health"],
        responses=problems(503),
    )
    async def readyz(request: Request) -> Response:
        """Readiness: every service's gRPC health is SERVING and the database answers."""
        checks = await request.app.state.clients.check_health()
        try:
            # A probe must answer before its own deadline, even while connecting hangs.
            async with asyncio.timeout(READINESS_DATABASE_TIMEOUT_SECONDS):
                async with request.app.state.db.transaction() as conn:
                    await conn.execute(text("SELECT 1"))
            checks["database"] = "SERVING"
        except TimeoutError:
            log.warning("readiness: no answer from the database in %g s", READINESS_DATABASE_TIMEOUT_SECONDS)
            checks["database"] = "UNAVAILABLE"
        except Exception as error:
            log.warning("readiness: database check failed: %s", error)
            checks["database"] = "UNAVAILABLE"
        if all(value == "SERVING" for value in checks.values()):
            return JSONResponse(HealthOut(status="ready", checks=checks).model_dump())
        problem = Problem(503, "NOT_READY", "A dependency is not serving.", extra={"checks": checks})
        return problem_response(problem, request.url.path)

    return app
