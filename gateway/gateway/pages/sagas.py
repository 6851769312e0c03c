"""The operators' saga dashboard (HTML under /ops/sagas, Jinja2 templates in gateway/templates):
counts by state and kind for a time range, a searchable, filtered list with a total and cursor
paging whose first page stays live over Server-Sent Events (/ops/sagas/live, swapped in by
htmx's SSE extension), and a detail page with the timeline of the steps, the pending step,
links, and the two POST forms (retry the current step, force compensation).

The forms are authenticated by the session cookie (gateway.sessions), so they carry a CSRF
token: an HMAC-SHA256, keyed from the JWT secret, of the session token the page was rendered
for. A cross-site page cannot read it, and it is only valid with that very session (it
changes on a new login and dies with the token).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sse_starlette import EventSourceResponse

from bookingplatform.bookings.v1 import bookings_pb2
from gateway.auth import OPS_ROLES, Principal, company_in_reach
from gateway.console import timeline
from gateway.console.live import LiveSession
from gateway.console.rendering import page_response, render
from gateway.deps import clients_of, tokens_of
from gateway.pages.html import read_form
from gateway.problems import Problem, RpcProblem
from gateway.routes.common import PageToken
from gateway.routes.ops import (
    SAGA_STEPS,
    Action,
    SagaDashboard,
    SagaFilters,
    act_on_saga,
    saga_dashboard_in_scope,
    saga_in_scope,
)
from gateway.schemas import INT32_MAX, MAX_REASON_LENGTH, SagaOut, SagaStateName, short_name
from gateway.sessions import PageOperator, form_operator, page_session_token
from plumbing.errors import InvalidArgument
from plumbing.ids import optional_uuid
from plumbing.principal import acting_as

log = logging.getLogger(__name__)
router = APIRouter()

CSRF_FIELD = "csrf_token"
# The operator actions are routes.ops.Action (the names in their URLs); only the labels are here.
ACTIONS: tuple[Action, ...] = get_args(Action)
ACTION_LABELS: dict[Action, str] = {"retry": "Retry step", "force-compensate": "Force compensate"}
ACTION_HELP: dict[Action, str] = {
    "retry": "Re-sends the current step now (attempt + 1).",
    "force-compensate": "Undoes the saga before its pivot; the booking ends REJECTED.",
}
SAGA_KINDS = ("booking", "cancellation", "change")
PAGE_SIZE = 50
# The time ranges of the dashboard: (value, label, seconds back; None = all time).
RANGES: tuple[tuple[str, str, int | None], ...] = (
    ("15m", "last 15 minutes", 15 * 60),
    ("1h", "last hour", 3600),
    ("24h", "last 24 hours", 86400),
    ("7d", "last 7 days", 7 * 86400),
    ("30d", "last 30 days", 30 * 86400),
    ("all", "all time", None),
)
DEFAULT_RANGE = "24h"
# The live list: how often the stream asks bookings (every second, or less often when the
# question is costly: it waits LIVE_COST_FACTOR times as long as the last answer took, so one
# open dashboard keeps at most a fifth of a database core busy), and how long one stream lasts
# before the browser reconnects (and so shows its session cookie again).
LIVE_INTERVAL_SECONDS = 1.0
LIVE_COST_FACTOR = 4.0
LIVE_MAX_INTERVAL_SECONDS = 15.0
LIVE_STREAM_SECONDS = 300.0
LIVE_REFRESH_SECONDS = 30.0


# ----- CSRF -----


def csrf_token(secret: str, session_token: str) -> str:
    """The CSRF token of a session: HMAC-SHA256 of the session's bearer token, keyed by a key
    derived from the JWT secret (so it is not the JWT signing key itself)."""
    key = hashlib.sha256(b"gateway-ops-csrf\x00" + secret.encode()).digest()
    digest = hmac.new(key, session_token.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def check_csrf(request: Request, session_token: str, form: dict[str, str]) -> None:
    expected = csrf_token(tokens_of(request).secret, session_token)
    if not hmac.compare_digest(form.get(CSRF_FIELD, "").encode(), expected.encode()):
        raise Problem(
            403,
            "CSRF_TOKEN_INVALID",
            "The form's CSRF token is missing or does not match your session; reload the page and retry.",
        )


def page_csrf(request: Request) -> str:
    return csrf_token(tokens_of(request).secret, page_session_token(request))


# ----- what the pages say -----

# What the detail page says when an action was refused (the code comes back in the address,
# so only codes are taken from it: the text is ours).
REFUSALS = {
    "SAGA_PAST_PIVOT": "The saga is past its pivot (or finished): it can no longer be compensated. "
    "Cancel the booking instead.",
    "SAGA_FINISHED": "The saga has finished: there is no step left to retry.",
    "REASON_REQUIRED": "Give a reason: it is recorded in the step log.",
    "REASON_TOO_LONG": f"The reason is longer than {MAX_REASON_LENGTH} characters.",
    "SERVICE_UNAVAILABLE": "The bookings service is unavailable or too slow; try again.",
}
CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")


@dataclass(frozen=True)
class Notice:
    kind: str  # ok, error
    text: str
    code: str = ""


def action_notice(action: str | None, error: str | None) -> Notice | None:
    if action not in ACTIONS:
        return None
    label = ACTION_LABELS[action]
    if not error:
        done = "the current step was re-sent" if action == "retry" else "compensation started"
        return Notice("ok", f"{label}: {done}.")
    if not CODE.match(error):
        return None
    return Notice(
        "error", f"{label} refused: {REFUSALS.get(error, 'The bookings service refused the action.')}", error
    )


# ----- the list -----


@dataclass(frozen=True)
class ListForm:
    """The list's query as the form sent it (strings, "" for any), to show it back."""

    q: str = ""
    range: str = DEFAULT_RANGE
    state: str = ""
    kind: str = ""
    current_step: str = ""
    min_age_seconds: str = ""
    company_id: str = ""
    needs_attention: bool = False

    def query(self, **changes: Any) -> dict[str, str]:
        values = {
            "q": self.q,
            "range": self.range,
            "state": self.state,
            "kind": self.kind,
            "current_step": self.current_step,
            "min_age_seconds": self.min_age_seconds,
            "company_id": self.company_id,
            "needs_attention": "true" if self.needs_attention else "",
        }
        values.update({k: str(v) for k, v in changes.items()})
        return {k: v for k, v in values.items() if v}

    def url(self, path: str = "/ops/sagas", **changes: Any) -> str:
        query = self.query(**changes)
        return path + (f"?{urlencode(query)}" if query else "")


def _invalid(field: str, message: str) -> Problem:
    return Problem(
        400, "VALIDATION_FAILED", "The request is not valid.", errors=[{"field": field, "message": message}]
    )


def list_filters(form: ListForm, now: datetime) -> SagaFilters:
    """The filter form sends empty strings for "any": accept them instead of a 400."""
    try:
        state = SagaStateName(form.state) if form.state else None
    except ValueError:
        raise _invalid("state", "a saga state name") from None
    if form.kind and form.kind not in SAGA_KINDS:
        raise _invalid("kind", "booking, cancellation or change")
    if form.current_step and form.current_step not in SAGA_STEPS:
        raise _invalid("current_step", "passes, wallet or payments")
    try:
        min_age = int(form.min_age_seconds) if form.min_age_seconds else None
    except ValueError:
        min_age = -1
    if min_age is not None and not 0 <= min_age <= INT32_MAX:
        raise _invalid("min_age_seconds", "a number of seconds")
    try:
        company = optional_uuid(form.company_id, "company_id")
        search = optional_uuid(form.q, "q")
    except InvalidArgument as refused:
        raise _invalid(refused.field or "q", "a UUID") from None
    seconds = next((s for value, _, s in RANGES if value == form.range), 0)
    if seconds == 0:
        raise _invalid("range", ", ".join(value for value, _, _ in RANGES))
    return SagaFilters(
        state=state,
        company_id=company,
        current_step=form.current_step or None,
        min_age_seconds=min_age,
        needs_attention=form.needs_attention,
        kind=form.kind or None,
        search_id=search,
        created_after=now - timedelta(seconds=seconds) if seconds else None,
    )


# The chart of the time range: about this many buckets, none under a minute; none for all time.
CHART_POINTS = 60


def bucket_seconds(form: ListForm) -> int:
    seconds = next((s for value, _, s in RANGES if value == form.range), None)
    return max(60, seconds // CHART_POINTS) if seconds else 0


@dataclass(frozen=True)
class Chart:
    label: str
    # JSON for static/console.js: {"x": [epoch s], "series": [{"label", "color", "values"}]}
    data: str
    # The legend: (label, CSS class of its key).
    keys: tuple[tuple[str, str], ...]


# Each line's colour, the same in the chart (console.js) and its legend's key (console.css).
COLOURS = {
    "started": "#0b57b0",
    "completed": "#1e7b34",
    "compensated": "#b3261e",
    "p50": "#0b57b0",
    "p95": "#8a4b00",
}


def _chart_json(x: list[int], series: dict[str, list[Any]], *, points: bool = False) -> str:
    lines = [
        {"label": name, "color": COLOURS[name], "values": values, "points": points}
        for name, values in series.items()
    ]
    return json.dumps({"x": x, "series": lines}, separators=(",", ":"))


def _charts(form: ListForm, dashboard: SagaDashboard, filters: SagaFilters, now: datetime) -> list[Chart]:
    """Sagas started, completed and compensated per bucket; and the time to terminal (p50,
    p95) of each bucket's sagas that have ended. None for all time."""
    size = bucket_seconds(form)
    origin = filters.created_after
    if not size or origin is None:
        return []
    points = int((now - origin).total_seconds() // size) + 1
    counts = {name: [0] * points for name in ("started", "completed", "compensated")}
    # None where no saga of the bucket has ended: a gap in the line, not a fall to zero.
    times: dict[str, list[float | None]] = {name: [None] * points for name in ("p50", "p95")}
    for start, started, completed, compensated, p50, p95 in dashboard.buckets:
        index = int((start - origin).total_seconds() // size)
        if 0 <= index < points:
            counts["started"][index] += started
            counts["completed"][index] += completed
            counts["compensated"][index] += compensated
            if completed + compensated:
                times["p50"][index] = round(p50, 3)
                times["p95"][index] = round(p95, 3)
    x = [int(origin.timestamp()) + i * size for i in range(points)]
    every = f"{size // 60} minutes" if size % 3600 else f"{size // 3600} hours"
    per = every if size != 60 else "minute"
    totals = {name: sum(values) for name, values in counts.items()}
    started_label = (
        f"Sagas started per {per}, {_range_label(form)}: "
        f"{totals['started']} started, {totals['completed']} now completed, "
        f"{totals['compensated']} now compensated"
    )
    ended = [value for value in times["p95"] if value is not None]
    slowest = f"slowest bucket's p95 {max(ended):.1f} s" if ended else "none has ended yet"
    times_label = (
        f"Seconds from start to completed or compensated, p50 and p95 of the sagas started per {per}, "
        f"{_range_label(form)}: {slowest}"
    )
    return [
        Chart(started_label, _chart_json(x, counts), tuple((n, f"key-{n}") for n in counts)),
        Chart(times_label, _chart_json(x, times, points=True), (("p50", "key-p50"), ("p95", "key-p95"))),
    ]


def _range_label(form: ListForm) -> str:
    return next((label for value, label, _ in RANGES if value == form.range), "")


def _summary_context(
    form: ListForm, dashboard: SagaDashboard, filters: SagaFilters, now: datetime
) -> dict[str, Any]:
    by_state: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    for kind, state, count in dashboard.counts:
        by_state[state] += count
        by_kind[kind] += count
    states = [s.value for s in SagaStateName if by_state[s.value]]
    return {
        "total": dashboard.total,
        "range_label": _range_label(form),
        "charts": _charts(form, dashboard, filters, now),
        "compensation_reasons": dashboard.compensation_reasons,
        "counts_by_state": [(s, by_state[s]) for s in states],
        "counts_by_kind": sorted(by_kind.items()),
        "state_urls": {s: form.url(state=s) for s in states},
        "kind_urls": {k: form.url(kind=k) for k in by_kind},
    }


def _fingerprint(dashboard: SagaDashboard) -> tuple[Any, ...]:
    rows = tuple(
        (s.id, s.state, s.current_step, s.attempt, s.needs_attention, s.reason, s.update_time)
        for s in dashboard.sagas.sagas
    )
    return (
        rows,
        dashboard.total,
        tuple(dashboard.counts),
        tuple(dashboard.buckets),
        tuple(dashboard.compensation_reasons),
    )


FormQuery = Annotated[str | None, Query(max_length=64)]


def _form(
    q: str | None,
    range_: str | None,
    state: str | None,
    kind: str | None,
    current_step: str | None,
    min_age_seconds: str | None,
    company_id: str | None,
    needs_attention: str | None,
) -> ListForm:
    return ListForm(
        q=(q or "").strip(),
        range=range_ or DEFAULT_RANGE,
        state=state or "",
        kind=kind or "",
        current_step=current_step or "",
        min_age_seconds=min_age_seconds or "",
        company_id=(company_id or "").strip(),
        needs_attention=(needs_attention or "").lower() in ("true", "on", "1"),
    )


@router.get("/ops/sagas", response_class=HTMLResponse, include_in_schema=False)
async def saga_list_page(
    request: Request,
    principal: PageOperator,
    q: FormQuery = None,
    range_: Annotated[str | None, Query(alias="range", max_length=8)] = None,
    state: FormQuery = None,
    kind: FormQuery = None,
    current_step: FormQuery = None,
    min_age_seconds: FormQuery = None,
    company_id: FormQuery = None,
    needs_attention: FormQuery = None,
    page_token: PageToken = None,
) -> HTMLResponse:
    form = _form(q, range_, state, kind, current_step, min_age_seconds, company_id, needs_attention)
    now = datetime.now(UTC)
    filters = list_filters(form, now)
    dashboard = await saga_dashboard_in_scope(
        request, principal, filters, PAGE_SIZE, page_token, bucket_seconds=bucket_seconds(form)
    )
    next_token = dashboard.sagas.next_page_token
    return page_response(
        request,
        "sagas.html",
        operator=principal,
        section="sagas",
        now=now,
        form=form,
        ranges=[(value, label) for value, label, _ in RANGES],
        states=[s.value for s in SagaStateName],
        kinds=SAGA_KINDS,
        steps=SAGA_STEPS,
        sagas=dashboard.sagas.sagas,
        # Only the first page is live: an older page stays as it was read.
        live_url=None if page_token else form.url("/ops/sagas/live"),
        next_page_url=form.url(page_token=next_token) if next_token else None,
        first_page_url=form.url() if page_token else None,
        **_summary_context(form, dashboard, filters, now),
    )


@router.get("/ops/sagas/live", include_in_schema=False)
async def saga_list_live(
    request: Request,
    principal: PageOperator,
    q: FormQuery = None,
    range_: Annotated[str | None, Query(alias="range", max_length=8)] = None,
    state: FormQuery = None,
    kind: FormQuery = None,
    current_step: FormQuery = None,
    min_age_seconds: FormQuery = None,
    company_id: FormQuery = None,
    needs_attention: FormQuery = None,
) -> Response:
    """Server-Sent Events of the list's first page: `rows` (the table's body) and `summary`
    (the total and the counts) whenever what they show changed, asked at most every second
    (less often when the question is costly: LIVE_COST_FACTOR), and every 30 s anyway; the
    stream ends after 5 minutes and the browser reconnects with its cookie. The session is
    checked again while the stream is open (gateway.console.live, at most every few seconds):
    once it is logged out or revoked, or its account deactivated or its role changed, the
    stream ends. Another company's `company_id` is the page's 404, before the stream starts;
    a refusal of bookings (a 4xx but 408 and 429) ends the stream instead of being asked again."""
    form = _form(q, range_, state, kind, current_step, min_age_seconds, company_id, needs_attention)
    # A bad filter, or a company out of reach, is refused before the stream starts (as the page).
    first = list_filters(form, datetime.now(UTC))
    if first.company_id is not None:
        company_in_reach(principal, first.company_id)
    session = LiveSession(request, principal, OPS_ROLES)

    async def events() -> AsyncIterator[dict[str, str]]:
        last: tuple[Any, ...] | None = None
        sent_at = 0.0
        ends = time.monotonic() + LIVE_STREAM_SECONDS
        while time.monotonic() < ends:
            now = datetime.now(UTC)
            asked = time.monotonic()
            try:
                filters = list_filters(form, now)
                with acting_as(principal.as_plumbing()):
                    dashboard = await saga_dashboard_in_scope(
                        request, principal, filters, PAGE_SIZE, None, bucket_seconds=bucket_seconds(form)
                    )
            except (Problem, RpcProblem) as problem:
                if refused_for_good(problem.status):
                    log.info("live sagas: refused (%s): the stream ends", problem.code)
                    return
                log.info("live sagas: %s", problem.code)  # bookings slow or down: try again
                if not await session.wait(LIVE_INTERVAL_SECONDS):
                    return
                continue
            took = time.monotonic() - asked
            seen = _fingerprint(dashboard)
            if seen != last or time.monotonic() - sent_at > LIVE_REFRESH_SECONDS:
                if not await session.admitted():
                    return
                last, sent_at = seen, time.monotonic()
                yield {
                    "event": "rows",
                    "data": render("_saga_rows.html", sagas=dashboard.sagas.sagas, now=now),
                }
                yield {
                    "event": "summary",
                    "data": render("_saga_summary.html", **_summary_context(form, dashboard, filters, now)),
                }
            if not await session.wait(
                min(LIVE_MAX_INTERVAL_SECONDS, max(LIVE_INTERVAL_SECONDS, took * LIVE_COST_FACTOR))
            ):
                return

    return EventSourceResponse(
        events(),
        ping=15,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        send_timeout=30,
    )


def refused_for_good(status: int) -> bool:
    """Whether a refusal is permanent (the scope, the filter, a permission), not a slow or
    busy service: asking again every second would only be refused again."""
    return 400 <= status < 500 and status not in (408, 429)


# ----- the detail -----


@dataclass(frozen=True)
class ActionForm:
    name: Action
    label: str
    help: str
    confirm: str


@dataclass(frozen=True)
class Pending:
    step: str
    attempt: int
    deadline: datetime | None
    overdue: bool


def offered_actions(saga: SagaOut) -> list[ActionForm]:
    """The actions that can apply to the saga as read (bookings still judges each one)."""
    offered: list[Action] = []
    if saga.state not in ("COMPLETED", "COMPENSATED") and saga.current_step:
        offered.append("retry")
    if saga.state in ("RUNNING", "AWAITING_PAYMENT"):
        offered.append("force-compensate")
    return [
        ActionForm(a, ACTION_LABELS[a], ACTION_HELP[a], f"{ACTION_LABELS[a]} saga {saga.id[:8]}?")
        for a in offered
    ]


def trace_link(template: str | None, trace_id: str | None) -> str | None:
    """The trace viewer's page of the saga's trace, when a viewer is configured."""
    if not template or not trace_id:
        return None
    return template.replace("{trace_id}", trace_id)


@dataclass(frozen=True)
class BookingFacts:
    status: str
    customer_id: str
    payment_id: str


async def _booking_facts(request: Request, booking_id: str) -> BookingFacts | None:
    """The booking's status, customer and payment, for the links (None when not readable)."""
    try:
        reply = await clients_of(request).bookings.GetBooking(
            bookings_pb2.GetBookingRequest(booking_id=booking_id)
        )
    except Exception as error:  # the links are a convenience: the page shows without them
        log.info("saga page: booking %s not read: %s", booking_id, type(error).__name__)
        return None
    booking = reply.booking
    return BookingFacts(
        status=short_name(bookings_pb2.BookingStatus, booking.status, "BOOKING_STATUS_"),
        customer_id=booking.customer_id,
        payment_id=booking.payment_id,
    )


@router.get("/ops/sagas/{saga_id}", response_class=HTMLResponse, include_in_schema=False)
async def saga_detail_page(
    request: Request,
    saga_id: uuid.UUID,
    principal: PageOperator,
    # Kept so that old links still open (the pages no longer refresh themselves).
    refresh: Annotated[str | None, Query(max_length=8)] = None,
    action: Annotated[str | None, Query(max_length=32)] = None,
    error: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    saga = await saga_in_scope(request, principal, saga_id)
    now = datetime.now(UTC)
    booking = await _booking_facts(request, saga.booking_id)
    payment_ids = [booking.payment_id] if booking and booking.payment_id else []
    for step in saga.steps:
        if step.step == "payments" and step.reference and step.reference not in payment_ids:
            payment_ids.append(step.reference)
    pending = None
    if saga.state not in ("COMPLETED", "COMPENSATED") and saga.current_step:
        deadline = saga.deadline_time
        pending = Pending(saga.current_step, saga.attempt, deadline, bool(deadline and deadline < now))
    return page_response(
        request,
        "saga.html",
        operator=principal,
        section="sagas",
        now=now,
        saga=saga,
        booking=booking,
        payment_ids=payment_ids,
        pending=pending,
        timeline=timeline.build(saga, now),
        trace_link=trace_link(request.app.state.settings.trace_url, saga.trace_id),
        actions=offered_actions(saga),
        csrf=page_csrf(request),
        max_reason=MAX_REASON_LENGTH,
        notice=action_notice(action, error),
    )


async def _form_action(request: Request, saga_id: uuid.UUID, action: Action) -> Response:
    """The pages' POST forms: authenticate (cookie), check the CSRF token, check the saga is in
    scope (404), act, then 303 back to the detail page, with the refusal's code when refused."""
    principal, session_token = await form_operator(request)
    with acting_as(principal.as_plumbing()):
        return await _act_from_form(request, saga_id, action, principal, session_token)


async def _act_from_form(
    request: Request, saga_id: uuid.UUID, action: Action, principal: Principal, session_token: str
) -> Response:
    form = await read_form(request)
    check_csrf(request, session_token, form)
    await saga_in_scope(request, principal, saga_id)
    reason = form.get("reason", "").strip()
    query: dict[str, str] = {"action": action}
    if not reason:
        query["error"] = "REASON_REQUIRED"
    elif len(reason) > MAX_REASON_LENGTH:
        query["error"] = "REASON_TOO_LONG"
    else:
        try:
            await act_on_saga(request, principal, saga_id, action, reason)
        except RpcProblem as problem:
            if problem.status == 404:
                raise Problem(404, "SAGA_NOT_FOUND", "No such saga.") from None
            query["error"] = problem.code
    return RedirectResponse(f"/ops/sagas/{saga_id}?{urlencode(query)}", status_code=303)


@router.post("/ops/sagas/{saga_id}/retry", include_in_schema=False)
async def retry_form(request: Request, saga_id: uuid.UUID) -> Response:
    return await _form_action(request, saga_id, "retry")


@router.post("/ops/sagas/{saga_id}/force-compensate", include_in_schema=False)
async def force_compensate_form(request: Request, saga_id: uuid.UUID) -> Response:
    return await _form_action(request, saga_id, "force-compensate")
