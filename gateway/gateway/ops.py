"""Operator views of the sagas: JSON under /v1/ops and plain HTML pages under /ops.

An operator token with a company_id only sees and acts on that company's sagas; one without
a company_id sees every company (platform operator).

The pages' two POST forms (retry the current step, force compensation) are authenticated by
the session cookie (gateway.sessions), so they carry a CSRF token: an HMAC-SHA256, keyed from
the JWT secret, of the session token the page was rendered for. A cross-site page cannot read it, and it is
only valid with that very session (it changes on a new login and dies with the token).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bookingplatform.bookings.v1 import bookings_pb2
from gateway.api import PageSize, PageToken, problems
from gateway.auth import Operator, Principal
from gateway.deps import clients_of, rpc, tokens_of
from gateway.problems import Problem, RpcProblem
from gateway.schemas import (
    INT32_MAX,
    MAX_REASON_LENGTH,
    OperatorActionBody,
    SagaList,
    SagaOut,
    SagaStateName,
)
from gateway.sessions import PageOperator, form_operator, page_session_token

router = APIRouter()

REFRESH_SECONDS = 2
# The steps a saga's current_step can be (the step filter's choices).
SAGA_STEPS = ("passes", "wallet", "payments")
CSRF_FIELD = "csrf_token"
MAX_FORM_BYTES = 8192

Action = Literal["retry", "force-compensate"]
ACTIONS: tuple[Action, ...] = ("retry", "force-compensate")
ACTION_LABELS: dict[str, str] = {"retry": "Retry step", "force-compensate": "Force compensate"}


@dataclass(frozen=True)
class SagaFilters:
    """What GET /v1/ops/sagas and the list page filter on; None / False means any."""

    state: SagaStateName | None = None
    company_id: uuid.UUID | None = None
    current_step: str | None = None
    min_age_seconds: int | None = None
    needs_attention: bool = False


def _company_scope(principal: Principal, company_id: uuid.UUID | None) -> str:
    if principal.company_id is None:
        return str(company_id) if company_id else ""
    if company_id is not None and str(company_id) != principal.company_id:
        raise Problem(403, "PERMISSION_DENIED", "You may only see the sagas of your company.")
    return principal.company_id


async def _list_sagas(
    request: Request, principal: Principal, filters: SagaFilters, page_size: int, page_token: str | None
) -> SagaList:
    reply = await rpc(
        "bookings",
        clients_of(request).bookings.ListSagas(
            bookings_pb2.ListSagasRequest(
                state=filters.state.to_proto() if filters.state else 0,  # type: ignore[arg-type]
                company_id=_company_scope(principal, filters.company_id),
                page_size=page_size,
                page_token=page_token or "",
                current_step=filters.current_step or "",
                min_age_seconds=filters.min_age_seconds or 0,
                needs_attention=filters.needs_attention,
            )
        ),
    )
    return SagaList(sagas=[SagaOut.of(s) for s in reply.sagas], next_page_token=reply.next_page_token or None)


async def _get_saga(request: Request, principal: Principal, saga_id: uuid.UUID) -> SagaOut:
    not_found = Problem(404, "SAGA_NOT_FOUND", "No such saga.")
    try:
        reply = await rpc(
            "bookings",
            clients_of(request).bookings.GetSaga(bookings_pb2.GetSagaRequest(saga_id=str(saga_id))),
        )
    except RpcProblem as problem:
        if problem.status == 404:
            raise not_found from None
        raise
    if principal.company_id is not None and reply.saga.company_id != principal.company_id:
        raise not_found
    return SagaOut.of(reply.saga)


async def _act(
    request: Request, principal: Principal, saga_id: uuid.UUID, action: Action, reason: str
) -> SagaOut:
    """Checks the saga is in the operator's scope (404 otherwise), then asks bookings to act."""
    await _get_saga(request, principal, saga_id)
    bookings = clients_of(request).bookings
    reply: bookings_pb2.RetrySagaStepResponse | bookings_pb2.ForceCompensateSagaResponse
    if action == "retry":
        reply = await rpc(
            "bookings",
            bookings.RetrySagaStep(bookings_pb2.RetrySagaStepRequest(saga_id=str(saga_id), reason=reason)),
        )
    else:
        reply = await rpc(
            "bookings",
            bookings.ForceCompensateSaga(
                bookings_pb2.ForceCompensateSagaRequest(saga_id=str(saga_id), reason=reason)
            ),
        )
    return SagaOut.of(reply.saga)


StateFilter = Annotated[SagaStateName | None, Query(description="Only sagas in this state.")]
StepFilter = Annotated[
    str | None,
    Query(
        max_length=32,
        pattern="^[a-z_]+$",
        description="Only sagas whose current step is this: passes, wallet or payments.",
    ),
]
MinAgeFilter = Annotated[
    int | None, Query(ge=0, le=INT32_MAX, description="Only sagas created at least this many seconds ago.")
]
AttentionFilter = Annotated[
    bool, Query(description="true: only sagas flagged for an operator; false (default): any.")
]


@router.get("/v1/ops/sagas", response_model=SagaList, tags=["ops"], responses=problems(400, 401, 403, 503))
async def list_sagas(
    request: Request,
    principal: Operator,
    state: StateFilter = None,
    company_id: uuid.UUID | None = None,
    current_step: StepFilter = None,
    min_age_seconds: MinAgeFilter = None,
    needs_attention: AttentionFilter = False,
    page_size: PageSize = 50,
    page_token: PageToken = None,
) -> SagaList:
    """Sagas, newest first, without their step logs."""
    filters = SagaFilters(state, company_id, current_step, min_age_seconds, needs_attention)
    return await _list_sagas(request, principal, filters, page_size, page_token)


@router.get(
    "/v1/ops/sagas/{saga_id}",
    response_model=SagaOut,
    tags=["ops"],
    responses=problems(400, 401, 403, 404, 503),
)
async def get_saga(request: Request, saga_id: uuid.UUID, principal: Operator) -> SagaOut:
    """A saga with its step log."""
    return await _get_saga(request, principal, saga_id)


@router.post(
    "/v1/ops/sagas/{saga_id}/retry",
    response_model=SagaOut,
    tags=["ops"],
    responses=problems(400, 401, 403, 404, 409, 503),
)
async def retry_saga_step(
    request: Request, saga_id: uuid.UUID, body: OperatorActionBody, principal: Operator
) -> SagaOut:
    """Re-sends the saga's current step now (attempt + 1); the reason goes to the step log.

    409 `SAGA_FINISHED` when the saga has no step left."""
    return await _act(request, principal, saga_id, "retry", body.reason)


@router.post(
    "/v1/ops/sagas/{saga_id}/force-compensate",
    response_model=SagaOut,
    tags=["ops"],
    responses=problems(400, 401, 403, 404, 409, 503),
)
async def force_compensate_saga(
    request: Request, saga_id: uuid.UUID, body: OperatorActionBody, principal: Operator
) -> SagaOut:
    """Compensates a saga before its pivot (the booking ends REJECTED, `FORCED_BY_OPERATOR`);
    the reason goes to the step log.

    409 `SAGA_PAST_PIVOT` after the pivot or once finished: cancel the booking instead."""
    return await _act(request, principal, saga_id, "force-compensate", body.reason)


# ----- HTML -----

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left}
th{background:#f4f4f4}code{font-size:.85em}.state-COMPLETED{color:#176b17}.state-COMPENSATED{color:#8a5a00}
.state-RUNNING,.state-FINALIZING{color:#0b4f9c}.state-COMPENSATING{color:#b00020}nav a{margin-right:.8rem}
.state-AWAITING_PAYMENT{color:#6a1b9a}tr.attention td{background:#fff3cd}
.attention-flag{color:#b00020;font-weight:bold}
.notice{padding:.5rem .8rem;margin:.8rem 0;border-radius:4px}.notice-error{background:#fde7e9;color:#8a0014}
.notice-ok{background:#e6f4e6;color:#176b17}.actions form{display:inline-block;margin:0 1.5rem .5rem 0}
form.logout{float:right}.login label{display:block;margin:.6rem 0}
"""


def age(since: datetime | None, now: datetime) -> str:
    """12s, 3m 04s, 2h 05m, 3d 04h."""
    if since is None:
        return "-"
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    if seconds < 86400:
        return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d {seconds % 86400 // 3600:02d}h"


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _time(value: datetime | None) -> str:
    return value.isoformat().replace("+00:00", "Z") if value else "-"


LOGOUT_FORM = '<form method=post action="/ops/logout" class=logout><button>Log out</button></form>'


def _page(title: str, body: str, *, refresh: bool = True, logout: bool = True) -> str:
    meta = f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">' if refresh else ""
    footer = f"Refreshes every {REFRESH_SECONDS} s." if refresh else "Refresh paused."
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8>{meta}"
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>"
        f"{LOGOUT_FORM if logout else ''}{body}<p><small>{footer}</small></p></body></html>"
    )


def _html(content: str, request: Request, *, status_code: int = 200) -> HTMLResponse:
    response = HTMLResponse(content, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"
    )
    response.headers["X-Frame-Options"] = "DENY"
    return response


# ----- CSRF -----


def csrf_token(secret: str, session_token: str) -> str:
    """The CSRF token of a session: HMAC-SHA256 of the session's bearer token, keyed by a key
    derived from the JWT secret (so it is not the JWT signing key itself)."""
    key = hashlib.sha256(b"gateway-ops-csrf\x00" + secret.encode()).digest()
    digest = hmac.new(key, session_token.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def _read_form(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise Problem(415, "UNSUPPORTED_MEDIA_TYPE", "Post the form as application/x-www-form-urlencoded.")
    raw = await request.body()
    if len(raw) > MAX_FORM_BYTES:
        raise Problem(413, "PAYLOAD_TOO_LARGE", f"The form is larger than {MAX_FORM_BYTES} bytes.")
    try:
        parsed = parse_qs(raw.decode(), keep_blank_values=True, strict_parsing=False, max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        raise Problem(400, "VALIDATION_FAILED", "The form is not valid.") from None
    return {name: values[0] for name, values in parsed.items()}


def _check_csrf(request: Request, session_token: str, form: dict[str, str]) -> None:
    expected = csrf_token(tokens_of(request).secret, session_token)
    if not hmac.compare_digest(form.get(CSRF_FIELD, "").encode(), expected.encode()):
        raise Problem(
            403,
            "CSRF_TOKEN_INVALID",
            "The form's CSRF token is missing or does not match your session; reload the page and retry.",
        )


# ----- rendering -----

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
_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")


def _notice(action: str | None, error: str | None) -> str:
    if action not in ACTIONS:
        return ""
    label = ACTION_LABELS[action]
    if not error:
        done = "the current step was re-sent" if action == "retry" else "compensation started"
        return f"<p class='notice notice-ok' role=status>{_e(label)}: {done}.</p>"
    if not _CODE.match(error):
        return ""
    message = REFUSALS.get(error, "The bookings service refused the action.")
    return (
        f"<p class='notice notice-error' role=alert>{_e(label)} refused: {_e(message)} "
        f"(<code>{_e(error)}</code>)</p>"
    )


def _filter_query(filters: SagaFilters, **extra: str) -> str:
    values = {
        "state": filters.state.value if filters.state else "",
        "company_id": str(filters.company_id) if filters.company_id else "",
        "current_step": filters.current_step or "",
        "min_age_seconds": str(filters.min_age_seconds) if filters.min_age_seconds is not None else "",
        "needs_attention": "true" if filters.needs_attention else "",
        **extra,
    }
    return urlencode({k: v for k, v in values.items() if v})


def render_saga_list(sagas: SagaList, filters: SagaFilters, now: datetime) -> str:
    state, company_id = filters.state, str(filters.company_id) if filters.company_id else ""
    options = "".join(
        f'<option value="{s.value}"{" selected" if state == s else ""}>{s.value}</option>'
        for s in SagaStateName
    )
    steps = "".join(
        f'<option value="{step}"{" selected" if filters.current_step == step else ""}>{step}</option>'
        for step in SAGA_STEPS
    )
    min_age = "" if filters.min_age_seconds is None else str(filters.min_age_seconds)
    form = (
        '<form method=get action="/ops/sagas">State <select name=state><option value="">any</option>'
        f'{options}</select> Step <select name=current_step><option value="">any</option>{steps}</select> '
        f'Min age (s) <input name=min_age_seconds type=number min=0 value="{_e(min_age)}" size=6> '
        "<label><input type=checkbox name=needs_attention value=true"
        f"{' checked' if filters.needs_attention else ''}> Needs attention only</label> "
        f'Company <input name=company_id value="{_e(company_id)}" size=38> '
        "<button>Filter</button></form>"
    )
    rows = "".join(
        f"<tr{' class=attention' if s.needs_attention else ''}>"
        f'<td><a href="/ops/sagas/{_e(s.id)}"><code>{_e(s.id)}</code></a></td>'
        f"<td>{_e(s.kind)}</td><td class='state-{_e(s.state)}'>{_e(s.state)}</td>"
        f"<td>{_e(s.current_step or '-')}</td><td>{s.attempt}</td>"
        f"<td>{'<span class=attention-flag>needs attention</span>' if s.needs_attention else '-'}</td>"
        f"<td>{_e(s.reason or '-')}</td>"
        f"<td>{_e(age(s.create_time, now))}</td><td>{_e(_time(s.deadline_time))}</td>"
        f"<td><code>{_e(s.booking_id)}</code></td><td><code>{_e(s.company_id or '-')}</code></td>"
        "</tr>"
        for s in sagas.sagas
    )
    table = (
        "<table><thead><tr><th>Saga</th><th>Kind</th><th>State</th><th>Current step</th><th>Attempt</th>"
        "<th>Attention</th><th>Reason</th><th>Age</th><th>Deadline</th><th>Booking</th><th>Company</th>"
        "</tr></thead>"
        f"<tbody>{rows or '<tr><td colspan=11>No sagas.</td></tr>'}</tbody></table>"
    )
    more = ""
    if sagas.next_page_token:
        query = _filter_query(filters, page_token=sagas.next_page_token)
        more = f'<p><a href="/ops/sagas?{_e(query)}">Older sagas</a></p>'
    return _page("Sagas", f"<h1>Sagas</h1>{form}{table}{more}")


def _action_form(saga_id: str, action: Action, csrf: str) -> str:
    return (
        f'<form method=post action="/ops/sagas/{_e(saga_id)}/{action}">'
        f'<input type=hidden name={CSRF_FIELD} value="{_e(csrf)}">'
        f"<input name=reason required maxlength={MAX_REASON_LENGTH} size=36"
        ' placeholder="reason (for the step log)" aria-label="Reason">'
        f" <button>{_e(ACTION_LABELS[action])}</button></form>"
    )


def render_saga_detail(
    saga: SagaOut,
    now: datetime,
    *,
    csrf: str = "",
    refresh: bool = True,
    action: str | None = None,
    error: str | None = None,
) -> str:
    attention = "<span class=attention-flag>yes</span>" if saga.needs_attention else "no"
    summary = (
        "<table>"
        f"<tr><th>Saga</th><td><code>{_e(saga.id)}</code> ({_e(saga.kind)})</td></tr>"
        f"<tr><th>State</th><td class='state-{_e(saga.state)}'>{_e(saga.state)}</td></tr>"
        f"<tr><th>Current step</th><td>{_e(saga.current_step or '-')} (attempt {saga.attempt})</td></tr>"
        f"<tr{' class=attention' if saga.needs_attention else ''}><th>Needs attention</th>"
        f"<td>{attention}</td></tr>"
        f"<tr><th>Reason</th><td>{_e(saga.reason or '-')}</td></tr>"
        f"<tr><th>Deadline</th><td>{_e(_time(saga.deadline_time))}</td></tr>"
        f"<tr><th>Booking</th><td><code>{_e(saga.booking_id)}</code></td></tr>"
        f"<tr><th>Company</th><td><code>{_e(saga.company_id or '-')}</code></td></tr>"
        f"<tr><th>Created</th><td>{_e(_time(saga.create_time))}"
        f" ({_e(age(saga.create_time, now))} ago)</td></tr>"
        f"<tr><th>Updated</th><td>{_e(_time(saga.update_time))}</td></tr>"
        "</table>"
    )
    pause = (
        f'<a href="/ops/sagas/{_e(saga.id)}?refresh=0">Pause refresh</a> before typing a reason.'
        if refresh
        else f'<a href="/ops/sagas/{_e(saga.id)}">Resume refresh</a>'
    )
    actions = (
        "<h2>Actions</h2><div class=actions>"
        f"{_action_form(saga.id, 'retry', csrf)}{_action_form(saga.id, 'force-compensate', csrf)}</div>"
        "<p><small>Retry step re-sends the current step now (attempt + 1). Force compensate undoes "
        f"a saga before its pivot; the booking ends REJECTED. {pause}</small></p>"
    )
    rows = "".join(
        f"<tr{' class=attention' if step.kind == 'operator' else ''}>"
        f"<td>{_e(_time(step.create_time))}</td><td>{_e(step.step)}</td><td>{_e(step.kind)}</td>"
        f"<td>{_e(step.action)}</td><td>{step.attempt}</td><td>{_e(step.outcome)}</td>"
        f"<td><code>{_e(step.message_id or '-')}</code></td>"
        "</tr>"
        for step in saga.steps
    )
    log_table = (
        "<table><thead><tr><th>Time</th><th>Step</th><th>Kind</th><th>Action</th><th>Attempt</th>"
        "<th>Outcome</th><th>Message</th></tr></thead>"
        f"<tbody>{rows or '<tr><td colspan=7>No steps yet.</td></tr>'}</tbody></table>"
    )
    nav = '<nav><a href="/ops/sagas">All sagas</a></nav>'
    return _page(
        f"Saga {saga.id}",
        f"{nav}<h1>Saga</h1>{_notice(action, error)}{summary}{actions}<h2>Step log</h2>{log_table}",
        refresh=refresh,
    )


def _form_filters(
    state: str | None,
    company_id: str | None,
    current_step: str | None,
    min_age_seconds: str | None,
    needs_attention: str | None,
) -> SagaFilters:
    """The filter form sends empty strings for "any": accept them instead of a 400."""
    try:
        chosen_state = SagaStateName(state) if state else None
        chosen_company = uuid.UUID(company_id) if company_id else None
        step = current_step or None
        if step is not None and step not in SAGA_STEPS:
            raise ValueError(step)
        min_age = int(min_age_seconds) if min_age_seconds else None
        if min_age is not None and not 0 <= min_age <= INT32_MAX:
            raise ValueError(min_age)
    except ValueError:
        raise Problem(
            400,
            "VALIDATION_FAILED",
            "The request is not valid.",
            errors=[
                {
                    "field": "state/company_id/current_step/min_age_seconds",
                    "message": "a saga state name, a company UUID, a step (passes, wallet, payments) "
                    "and a number of seconds",
                }
            ],
        ) from None
    attention = (needs_attention or "").lower() in ("true", "on", "1")
    return SagaFilters(chosen_state, chosen_company, step, min_age, attention)


@router.get("/ops/sagas", response_class=HTMLResponse, include_in_schema=False)
async def saga_list_page(
    request: Request,
    principal: PageOperator,
    state: Annotated[str | None, Query()] = None,
    company_id: Annotated[str | None, Query()] = None,
    current_step: Annotated[str | None, Query()] = None,
    min_age_seconds: Annotated[str | None, Query()] = None,
    needs_attention: Annotated[str | None, Query()] = None,
    page_token: PageToken = None,
) -> HTMLResponse:
    filters = _form_filters(state, company_id, current_step, min_age_seconds, needs_attention)
    sagas = await _list_sagas(request, principal, filters, 50, page_token)
    return _html(render_saga_list(sagas, filters, datetime.now(UTC)), request)


@router.get("/ops/sagas/{saga_id}", response_class=HTMLResponse, include_in_schema=False)
async def saga_detail_page(
    request: Request,
    saga_id: uuid.UUID,
    principal: PageOperator,
    refresh: Annotated[str | None, Query()] = None,
    action: Annotated[str | None, Query()] = None,
    error: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    saga = await _get_saga(request, principal, saga_id)
    csrf = csrf_token(tokens_of(request).secret, page_session_token(request))
    content = render_saga_detail(
        saga, datetime.now(UTC), csrf=csrf, refresh=refresh != "0", action=action, error=error
    )
    return _html(content, request)


async def _form_action(request: Request, saga_id: uuid.UUID, action: Action) -> Response:
    """The pages' POST forms: authenticate (cookie), check the CSRF token, check the saga is in
    scope (404), act, then 303 back to the detail page, with the refusal's code when refused."""
    principal, session_token = await form_operator(request)
    form = await _read_form(request)
    _check_csrf(request, session_token, form)
    await _get_saga(request, principal, saga_id)
    reason = form.get("reason", "").strip()
    query: dict[str, str] = {"action": action}
    if not reason:
        query["error"] = "REASON_REQUIRED"
    elif len(reason) > MAX_REASON_LENGTH:
        query["error"] = "REASON_TOO_LONG"
    else:
        try:
            await _act(request, principal, saga_id, action, reason)
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
