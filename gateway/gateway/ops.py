"""Operator views of the sagas: JSON under /v1/ops and plain HTML pages under /ops.

An operator token with a company_id only sees that company's sagas; one without a
company_id sees every company (platform operator).
"""

from __future__ import annotations

import html
import uuid
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from bookingplatform.bookings.v1 import bookings_pb2
from gateway.api import PageSize, PageToken, problems
from gateway.auth import TOKEN_COOKIE, Operator, PageOperator, Principal
from gateway.deps import clients_of, rpc
from gateway.problems import Problem, RpcProblem
from gateway.schemas import SagaList, SagaOut, SagaStateName

router = APIRouter()

REFRESH_SECONDS = 2


def _company_scope(principal: Principal, company_id: uuid.UUID | None) -> str:
    if principal.company_id is None:
        return str(company_id) if company_id else ""
    if company_id is not None and str(company_id) != principal.company_id:
        raise Problem(403, "PERMISSION_DENIED", "You may only see the sagas of your company.")
    return principal.company_id


async def _list_sagas(
    request: Request,
    principal: Principal,
    state: SagaStateName | None,
    company_id: uuid.UUID | None,
    page_size: int,
    page_token: str | None,
) -> SagaList:
    reply = await rpc(
        "bookings",
        clients_of(request).bookings.ListSagas(
            bookings_pb2.ListSagasRequest(
                state=state.to_proto() if state else 0,  # type: ignore[arg-type]
                company_id=_company_scope(principal, company_id),
                page_size=page_size,
                page_token=page_token or "",
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


StateFilter = Annotated[SagaStateName | None, Query(description="Only sagas in this state.")]


@router.get("/v1/ops/sagas", response_model=SagaList, tags=["ops"], responses=problems(400, 401, 403, 503))
async def list_sagas(
    request: Request,
    principal: Operator,
    state: StateFilter = None,
    company_id: uuid.UUID | None = None,
    page_size: PageSize = 50,
    page_token: PageToken = None,
) -> SagaList:
    """Sagas, newest first, without their step logs."""
    return await _list_sagas(request, principal, state, company_id, page_size, page_token)


@router.get(
    "/v1/ops/sagas/{saga_id}",
    response_model=SagaOut,
    tags=["ops"],
    responses=problems(400, 401, 403, 404, 503),
)
async def get_saga(request: Request, saga_id: uuid.UUID, principal: Operator) -> SagaOut:
    """A saga with its step log."""
    return await _get_saga(request, principal, saga_id)


# ----- HTML -----

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left}
th{background:#f4f4f4}code{font-size:.85em}.state-COMPLETED{color:#176b17}.state-COMPENSATED{color:#8a5a00}
.state-RUNNING,.state-FINALIZING{color:#0b4f9c}.state-COMPENSATING{color:#b00020}nav a{margin-right:.8rem}
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


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">'
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>"
        f"{body}<p><small>Refreshes every {REFRESH_SECONDS} s.</small></p></body></html>"
    )


def _html(content: str, request: Request) -> HTMLResponse:
    response = HTMLResponse(content)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"
    )
    response.headers["X-Frame-Options"] = "DENY"
    token = request.query_params.get("token")
    if token:  # remember it so that links and the filter form work without it
        response.set_cookie(TOKEN_COOKIE, token, max_age=3600, path="/ops", httponly=True, samesite="strict")
    return response


def render_saga_list(sagas: SagaList, state: SagaStateName | None, company_id: str, now: datetime) -> str:
    options = "".join(
        f'<option value="{s.value}"{" selected" if state == s else ""}>{s.value}</option>'
        for s in SagaStateName
    )
    form = (
        '<form method=get action="/ops/sagas">State <select name=state><option value="">any</option>'
        f'{options}</select> Company <input name=company_id value="{_e(company_id)}" size=38> '
        "<button>Filter</button></form>"
    )
    rows = "".join(
        "<tr>"
        f'<td><a href="/ops/sagas/{_e(s.id)}"><code>{_e(s.id)}</code></a></td>'
        f"<td>{_e(s.kind)}</td><td class='state-{_e(s.state)}'>{_e(s.state)}</td>"
        f"<td>{_e(s.current_step or '-')}</td><td>{s.attempt}</td>"
        f"<td>{_e(age(s.create_time, now))}</td><td>{_e(_time(s.deadline_time))}</td>"
        f"<td><code>{_e(s.booking_id)}</code></td><td><code>{_e(s.company_id or '-')}</code></td>"
        "</tr>"
        for s in sagas.sagas
    )
    table = (
        "<table><thead><tr><th>Saga</th><th>Kind</th><th>State</th><th>Current step</th><th>Attempt</th>"
        "<th>Age</th><th>Deadline</th><th>Booking</th><th>Company</th></tr></thead>"
        f"<tbody>{rows or '<tr><td colspan=9>No sagas.</td></tr>'}</tbody></table>"
    )
    more = ""
    if sagas.next_page_token:
        query = urlencode(
            {
                k: v
                for k, v in {
                    "state": state.value if state else "",
                    "company_id": company_id,
                    "page_token": sagas.next_page_token,
                }.items()
                if v
            }
        )
        more = f'<p><a href="/ops/sagas?{_e(query)}">Older sagas</a></p>'
    return _page("Sagas", f"<h1>Sagas</h1>{form}{table}{more}")


def render_saga_detail(saga: SagaOut, now: datetime) -> str:
    summary = (
        "<table>"
        f"<tr><th>Saga</th><td><code>{_e(saga.id)}</code> ({_e(saga.kind)})</td></tr>"
        f"<tr><th>State</th><td class='state-{_e(saga.state)}'>{_e(saga.state)}</td></tr>"
        f"<tr><th>Current step</th><td>{_e(saga.current_step or '-')} (attempt {saga.attempt})</td></tr>"
        f"<tr><th>Deadline</th><td>{_e(_time(saga.deadline_time))}</td></tr>"
        f"<tr><th>Booking</th><td><code>{_e(saga.booking_id)}</code></td></tr>"
        f"<tr><th>Company</th><td><code>{_e(saga.company_id or '-')}</code></td></tr>"
        f"<tr><th>Created</th><td>{_e(_time(saga.create_time))}"
        f" ({_e(age(saga.create_time, now))} ago)</td></tr>"
        f"<tr><th>Updated</th><td>{_e(_time(saga.update_time))}</td></tr>"
        "</table>"
    )
    rows = "".join(
        "<tr>"
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
    return _page(f"Saga {saga.id}", f"{nav}<h1>Saga</h1>{summary}<h2>Step log</h2>{log_table}")


@router.get("/ops/sagas", response_class=HTMLResponse, include_in_schema=False)
async def saga_list_page(
    request: Request,
    principal: PageOperator,
    state: Annotated[str | None, Query()] = None,
    company_id: Annotated[str | None, Query()] = None,
    page_token: PageToken = None,
) -> HTMLResponse:
    # The filter form sends empty strings for "any": accept them instead of a 400.
    try:
        chosen_state = SagaStateName(state) if state else None
        chosen_company = uuid.UUID(company_id) if company_id else None
    except ValueError:
        raise Problem(
            400,
            "VALIDATION_FAILED",
            "The request is not valid.",
            errors=[{"field": "state/company_id", "message": "a saga state name and a company UUID"}],
        ) from None
    sagas = await _list_sagas(request, principal, chosen_state, chosen_company, 50, page_token)
    shown_company = str(chosen_company) if chosen_company else ""
    return _html(render_saga_list(sagas, chosen_state, shown_company, datetime.now(UTC)), request)


@router.get("/ops/sagas/{saga_id}", response_class=HTMLResponse, include_in_schema=False)
async def saga_detail_page(request: Request, saga_id: uuid.UUID, principal: PageOperator) -> HTMLResponse:
    saga = await _get_saga(request, principal, saga_id)
    return _html(render_saga_detail(saga, datetime.now(UTC)), request)
