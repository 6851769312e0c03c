"""The operator page of the dead letters (HTML under /ops/dead-letters): every service's, or
one service's with paging. Read-only: it names the JSON endpoints that replay and discard."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from gateway.clients import DEAD_LETTER_SERVICES
from gateway.pages.html import age, escape, html_response, render_page, show_time
from gateway.problems import Problem
from gateway.routes.common import PageToken
from gateway.routes.dead_letters import (
    DeadLetterList,
    DeadLetterServiceName,
    list_dead_letters_of,
    require_platform_operator,
)
from gateway.sessions import PageOperator

router = APIRouter()


def render_dead_letters(
    lists: dict[str, DeadLetterList | Problem], chosen: DeadLetterServiceName | None, now: datetime
) -> str:
    options = "".join(
        f'<option value="{s.value}"{" selected" if chosen == s else ""}>{s.value}</option>'
        for s in DeadLetterServiceName
    )
    form = (
        '<form method=get action="/ops/dead-letters">Service <select name=service>'
        f'<option value="">all</option>{options}</select> <button>Show</button></form>'
    )
    sections = []
    for service, letters in lists.items():
        if isinstance(letters, Problem):
            sections.append(f"<h2>{escape(service)}</h2><p>Not available: {escape(letters.code)}.</p>")
            continue
        rows = "".join(
            "<tr>"
            f"<td><code>{escape(d.id)}</code></td><td>{escape(d.consumer)}</td><td>{escape(d.reason)}</td>"
            f"<td><code>{escape(d.original_subject)}</code> #{d.original_sequence}</td>"
            f"<td><code>{escape(d.original_message_id or '-')}</code></td><td>{d.deliveries}</td>"
            f"<td>{escape(age(d.dead_letter_time, now))}</td>"
            f"<td><code>{escape(d.summary or f'{len(base64.b64decode(d.payload_base64))} bytes')}</code></td>"
            f"<td>{escape(show_time(d.replay_time)) if d.replayed else 'no'}</td>"
            "</tr>"
            for d in letters.dead_letters
        )
        more = ""
        if letters.next_page_token:
            query = urlencode({"service": service, "page_token": letters.next_page_token})
            more = f'<p><a href="/ops/dead-letters?{escape(query)}">More of {escape(service)}</a></p>'
        sections.append(
            f"<h2>{escape(service)}</h2>"
            "<table><thead><tr><th>Id</th><th>Consumer</th><th>Reason</th><th>Original</th>"
            "<th>Message id</th><th>Deliveries</th><th>Age</th><th>Payload</th><th>Replayed</th></tr></thead>"
            f"<tbody>{rows or '<tr><td colspan=9>No dead letters.</td></tr>'}</tbody></table>{more}"
        )
    hint = (
        "<p><small>Replay: <code>POST /v1/ops/dead-letters/{service}/{id}/replay</code>; discard: "
        "<code>POST /v1/ops/dead-letters/{service}/{id}/discard</code> (operator bearer token).</small></p>"
    )
    return render_page("Dead letters", f"<h1>Dead letters</h1>{form}{''.join(sections)}{hint}")


@router.get("/ops/dead-letters", response_class=HTMLResponse, include_in_schema=False)
async def dead_letters_page(
    request: Request,
    principal: PageOperator,
    service: Annotated[str | None, Query()] = None,
    page_token: PageToken = None,
) -> HTMLResponse:
    require_platform_operator(principal)
    # The form sends an empty string for "all": accept it instead of a 400.
    try:
        chosen = DeadLetterServiceName(service) if service else None
    except ValueError:
        raise Problem(
            400,
            "VALIDATION_FAILED",
            "The request is not valid.",
            errors=[{"field": "service", "message": "one of " + ", ".join(DEAD_LETTER_SERVICES)}],
        ) from None
    shown = [chosen] if chosen else list(DeadLetterServiceName)
    lists: dict[str, DeadLetterList | Problem] = {}
    for one in shown:
        try:
            lists[one.value] = await list_dead_letters_of(request, one, 50, page_token if chosen else None)
        except Problem as problem:  # one service down does not hide the others
            if chosen:
                raise
            lists[one.value] = problem
    return html_response(render_dead_letters(lists, chosen, datetime.now(UTC)), request)
