"""The operator pages of the sagas (HTML under /ops/sagas): a filtered list, a detail page
with the step log, and the two POST forms (retry the current step, force compensation).

The forms are authenticated by the session cookie (gateway.sessions), so they carry a CSRF
token: an HMAC-SHA256, keyed from the JWT secret, of the session token the page was rendered
for. A cross-site page cannot read it, and it is only valid with that very session (it
changes on a new login and dies with the token).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gateway.auth import Principal
from gateway.deps import tokens_of
from gateway.pages.html import age, escape, html_response, read_form, render_page, show_time
from gateway.problems import Problem, RpcProblem
from gateway.routes.common import PageToken
from gateway.routes.ops import (
    SAGA_STEPS,
    Action,
    SagaFilters,
    act_on_saga,
    list_sagas_in_scope,
    saga_in_scope,
)
from gateway.schemas import INT32_MAX, MAX_REASON_LENGTH, SagaList, SagaOut, SagaStateName
from gateway.sessions import PageOperator, form_operator, page_session_token
from plumbing.errors import InvalidArgument
from plumbing.ids import optional_uuid
from plumbing.principal import acting_as

router = APIRouter()

CSRF_FIELD = "csrf_token"
# The operator actions are routes.ops.Action (the names in their URLs); only the labels are here.
ACTIONS: tuple[Action, ...] = get_args(Action)
ACTION_LABELS: dict[Action, str] = {"retry": "Retry step", "force-compensate": "Force compensate"}


# ----- CSRF -----


def csrf_token(secret: str, session_token: str) -> str:
    """The CSRF token of a session: HMAC-SHA256 of the session's bearer token, keyed by a key
    derived from the JWT secret (so it is not the JWT signing key itself)."""
    key = hashlib.sha256(b"gateway-ops-csrf\x00" + secret.encode()).digest()
    digest = hmac.new(key, session_token.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


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
        return f"<p class='notice notice-ok' role=status>{escape(label)}: {done}.</p>"
    if not _CODE.match(error):
        return ""
    message = REFUSALS.get(error, "The bookings service refused the action.")
    return (
        f"<p class='notice notice-error' role=alert>{escape(label)} refused: {escape(message)} "
        f"(<code>{escape(error)}</code>)</p>"
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
        f'Min age (s) <input name=min_age_seconds type=number min=0 value="{escape(min_age)}" size=6> '
        "<label><input type=checkbox name=needs_attention value=true"
        f"{' checked' if filters.needs_attention else ''}> Needs attention only</label> "
        f'Company <input name=company_id value="{escape(company_id)}" size=38> '
        "<button>Filter</button></form>"
    )
    rows = "".join(
        f"<tr{' class=attention' if s.needs_attention else ''}>"
        f'<td><a href="/ops/sagas/{escape(s.id)}"><code>{escape(s.id)}</code></a></td>'
        f"<td>{escape(s.kind)}</td><td class='state-{escape(s.state)}'>{escape(s.state)}</td>"
        f"<td>{escape(s.current_step or '-')}</td><td>{s.attempt}</td>"
        f"<td>{'<span class=attention-flag>needs attention</span>' if s.needs_attention else '-'}</td>"
        f"<td>{escape(s.reason or '-')}</td>"
        f"<td>{escape(age(s.create_time, now))}</td><td>{escape(show_time(s.deadline_time))}</td>"
        f"<td><code>{escape(s.booking_id)}</code></td><td><code>{escape(s.company_id or '-')}</code></td>"
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
        more = f'<p><a href="/ops/sagas?{escape(query)}">Older sagas</a></p>'
    return render_page("Sagas", f"<h1>Sagas</h1>{form}{table}{more}")


def _action_form(saga_id: str, action: Action, csrf: str) -> str:
    return (
        f'<form method=post action="/ops/sagas/{escape(saga_id)}/{action}">'
        f'<input type=hidden name={CSRF_FIELD} value="{escape(csrf)}">'
        f"<input name=reason required maxlength={MAX_REASON_LENGTH} size=36"
        ' placeholder="reason (for the step log)" aria-label="Reason">'
        f" <button>{escape(ACTION_LABELS[action])}</button></form>"
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
        f"<tr><th>Saga</th><td><code>{escape(saga.id)}</code> ({escape(saga.kind)})</td></tr>"
        f"<tr><th>State</th><td class='state-{escape(saga.state)}'>{escape(saga.state)}</td></tr>"
        f"<tr><th>Current step</th><td>{escape(saga.current_step or '-')} (attempt {saga.attempt})</td></tr>"
        f"<tr{' class=attention' if saga.needs_attention else ''}><th>Needs attention</th>"
        f"<td>{attention}</td></tr>"
        f"<tr><th>Reason</th><td>{escape(saga.reason or '-')}</td></tr>"
        f"<tr><th>Deadline</th><td>{escape(show_time(saga.deadline_time))}</td></tr>"
        f"<tr><th>Booking</th><td><code>{escape(saga.booking_id)}</code></td></tr>"
        f"<tr><th>Company</th><td><code>{escape(saga.company_id or '-')}</code></td></tr>"
        f"<tr><th>Created</th><td>{escape(show_time(saga.create_time))}"
        f" ({escape(age(saga.create_time, now))} ago)</td></tr>"
        f"<tr><th>Updated</th><td>{escape(show_time(saga.update_time))}</td></tr>"
        "</table>"
    )
    pause = (
        f'<a href="/ops/sagas/{escape(saga.id)}?refresh=0">Pause refresh</a> before typing a reason.'
        if refresh
        else f'<a href="/ops/sagas/{escape(saga.id)}">Resume refresh</a>'
    )
    actions = (
        "<h2>Actions</h2><div class=actions>"
        f"{_action_form(saga.id, 'retry', csrf)}{_action_form(saga.id, 'force-compensate', csrf)}</div>"
        "<p><small>Retry step re-sends the current step now (attempt + 1). Force compensate undoes "
        f"a saga before its pivot; the booking ends REJECTED. {pause}</small></p>"
    )
    rows = "".join(
        f"<tr{' class=attention' if step.kind == 'operator' else ''}>"
        f"<td>{escape(show_time(step.create_time))}</td><td>{escape(step.step)}</td><td>{escape(step.kind)}</td>"
        f"<td>{escape(step.action)}</td><td>{step.attempt}</td><td>{escape(step.outcome)}</td>"
        f"<td><code>{escape(step.message_id or '-')}</code></td>"
        "</tr>"
        for step in saga.steps
    )
    log_table = (
        "<table><thead><tr><th>Time</th><th>Step</th><th>Kind</th><th>Action</th><th>Attempt</th>"
        "<th>Outcome</th><th>Message</th></tr></thead>"
        f"<tbody>{rows or '<tr><td colspan=7>No steps yet.</td></tr>'}</tbody></table>"
    )
    nav = '<nav><a href="/ops/sagas">All sagas</a></nav>'
    return render_page(
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
        chosen_company = optional_uuid(company_id, "company_id")
        step = current_step or None
        if step is not None and step not in SAGA_STEPS:
            raise ValueError(step)
        min_age = int(min_age_seconds) if min_age_seconds else None
        if min_age is not None and not 0 <= min_age <= INT32_MAX:
            raise ValueError(min_age)
    except (ValueError, InvalidArgument):
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
    sagas = await list_sagas_in_scope(request, principal, filters, 50, page_token)
    return html_response(render_saga_list(sagas, filters, datetime.now(UTC)), request)


@router.get("/ops/sagas/{saga_id}", response_class=HTMLResponse, include_in_schema=False)
async def saga_detail_page(
    request: Request,
    saga_id: uuid.UUID,
    principal: PageOperator,
    refresh: Annotated[str | None, Query()] = None,
    action: Annotated[str | None, Query()] = None,
    error: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    saga = await saga_in_scope(request, principal, saga_id)
    csrf = csrf_token(tokens_of(request).secret, page_session_token(request))
    content = render_saga_detail(
        saga, datetime.now(UTC), csrf=csrf, refresh=refresh != "0", action=action, error=error
    )
    return html_response(content, request)


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
    _check_csrf(request, session_token, form)
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
