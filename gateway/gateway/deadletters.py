"""Operator views of dead letters: JSON under /v1/ops/dead-letters and an HTML page.

Each service with durable consumers (bookings, wallet, passes, payments) serves its own
`bookingplatform.ops.v1.DeadLetterService` (see `plumbing.dead_letters`); these endpoints
call the one named in the path or query. Dead letters hold every tenant's messages, so
only a platform operator (an operator token without a company_id) may see or replay them.
"""

from __future__ import annotations

import base64
import enum
import uuid
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from bookingplatform.ops.v1 import dead_letters_pb2
from gateway.api import PageSize, PageToken, problems
from gateway.auth import Operator, Principal
from gateway.clients import DEAD_LETTER_SERVICES
from gateway.deps import clients_of, rpc
from gateway.ops import _e, _html, _page, _time, age
from gateway.problems import Problem
from gateway.schemas import short_name, time_of
from gateway.sessions import PageOperator

router = APIRouter()


class DeadLetterServiceName(enum.StrEnum):
    bookings = "bookings"
    wallet = "wallet"
    passes = "passes"
    payments = "payments"


assert {s.value for s in DeadLetterServiceName} == set(DEAD_LETTER_SERVICES)


class DeadLetterOut(BaseModel):
    id: str = Field(description="The dead letter's sequence in the DLQ stream.")
    service: str
    consumer: str
    reason: str = Field(examples=["MAX_DELIVERIES", "TERMINATED"])
    original_stream: str
    original_sequence: int
    original_subject: str = Field(examples=["saga.cmd.wallet"])
    original_message_id: str | None
    deliveries: int
    original_time: datetime | None
    dead_letter_time: datetime | None
    summary: str | None = Field(description="The payload, readable, when its type is known.")
    payload_base64: str
    headers: dict[str, str]
    replayed: bool
    replay_time: datetime | None
    replay_message_id: str | None

    @classmethod
    def of(cls, letter: dead_letters_pb2.DeadLetter) -> DeadLetterOut:
        return cls(
            id=letter.id,
            service=letter.service,
            consumer=letter.consumer,
            reason=short_name(dead_letters_pb2.DeadLetterReason, letter.reason, "DEAD_LETTER_REASON_"),
            original_stream=letter.original_stream,
            original_sequence=letter.original_sequence,
            original_subject=letter.original_subject,
            original_message_id=letter.original_message_id or None,
            deliveries=letter.deliveries,
            original_time=time_of(letter, "original_time"),
            dead_letter_time=time_of(letter, "dead_letter_time"),
            summary=letter.summary or None,
            payload_base64=base64.b64encode(letter.payload).decode(),
            headers=dict(letter.headers),
            replayed=bool(letter.replay_message_id),
            replay_time=time_of(letter, "replay_time"),
            replay_message_id=letter.replay_message_id or None,
        )


class DeadLetterList(BaseModel):
    dead_letters: list[DeadLetterOut]
    next_page_token: str | None


def _platform_operator(principal: Principal) -> None:
    if principal.company_id is not None:
        raise Problem(
            403, "PERMISSION_DENIED", "Dead letters hold every company's messages: platform operators only."
        )


async def _list(
    request: Request, service: DeadLetterServiceName, page_size: int, page_token: str | None
) -> DeadLetterList:
    reply = await rpc(
        service.value,
        clients_of(request)
        .dead_letters[service.value]
        .ListDeadLetters(
            dead_letters_pb2.ListDeadLettersRequest(
                service=service.value, page_size=page_size, page_token=page_token or ""
            )
        ),
    )
    return DeadLetterList(
        dead_letters=[DeadLetterOut.of(d) for d in reply.dead_letters],
        next_page_token=reply.next_page_token or None,
    )


ServiceQuery = Annotated[DeadLetterServiceName, Query(description="The service whose dead letters to list.")]
ServicePath = Annotated[DeadLetterServiceName, Path(description="The service that owns the dead letter.")]
DeadLetterId = Annotated[str, Path(pattern=r"^[1-9][0-9]{0,19}$", description="The dead letter's id.")]


@router.get(
    "/v1/ops/dead-letters",
    response_model=DeadLetterList,
    tags=["ops"],
    responses=problems(400, 401, 403, 503),
)
async def list_dead_letters(
    request: Request,
    principal: Operator,
    service: ServiceQuery,
    page_size: PageSize = 50,
    page_token: PageToken = None,
) -> DeadLetterList:
    """A service's dead letters (messages its consumers gave up on), oldest first."""
    _platform_operator(principal)
    return await _list(request, service, page_size, page_token)


@router.post(
    "/v1/ops/dead-letters/{service}/{dead_letter_id}/replay",
    response_model=DeadLetterOut,
    tags=["ops"],
    responses=problems(400, 401, 403, 404, 409, 503),
)
async def replay_dead_letter(
    request: Request,
    principal: Operator,
    service: ServicePath,
    dead_letter_id: DeadLetterId,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", max_length=255, description="Optional: a retry replays once."),
    ] = None,
) -> DeadLetterOut:
    """Re-publishes the original message to its original subject, once.

    A second replay is 409 `ALREADY_REPLAYED`; a retry with the same `Idempotency-Key`
    returns the first result.
    """
    _platform_operator(principal)
    reply = await rpc(
        service.value,
        clients_of(request)
        .dead_letters[service.value]
        .ReplayDeadLetter(
            dead_letters_pb2.ReplayDeadLetterRequest(
                service=service.value,
                id=dead_letter_id,
                request_id=f"{principal.user_id}:{idempotency_key or uuid.uuid4()}",
            )
        ),
    )
    return DeadLetterOut.of(reply.dead_letter)


@router.post(
    "/v1/ops/dead-letters/{service}/{dead_letter_id}/discard",
    status_code=204,
    tags=["ops"],
    responses=problems(400, 401, 403, 404, 503),
)
async def discard_dead_letter(
    request: Request,
    principal: Operator,
    service: ServicePath,
    dead_letter_id: DeadLetterId,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", max_length=255, description="Optional: a retry succeeds again."),
    ] = None,
) -> None:
    """Removes a dead letter for good."""
    _platform_operator(principal)
    await rpc(
        service.value,
        clients_of(request)
        .dead_letters[service.value]
        .DiscardDeadLetter(
            dead_letters_pb2.DiscardDeadLetterRequest(
                service=service.value,
                id=dead_letter_id,
                request_id=f"{principal.user_id}:{idempotency_key or uuid.uuid4()}",
            )
        ),
    )


# ----- HTML -----


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
            sections.append(f"<h2>{_e(service)}</h2><p>Not available: {_e(letters.code)}.</p>")
            continue
        rows = "".join(
            "<tr>"
            f"<td><code>{_e(d.id)}</code></td><td>{_e(d.consumer)}</td><td>{_e(d.reason)}</td>"
            f"<td><code>{_e(d.original_subject)}</code> #{d.original_sequence}</td>"
            f"<td><code>{_e(d.original_message_id or '-')}</code></td><td>{d.deliveries}</td>"
            f"<td>{_e(age(d.dead_letter_time, now))}</td>"
            f"<td><code>{_e(d.summary or f'{len(base64.b64decode(d.payload_base64))} bytes')}</code></td>"
            f"<td>{_e(_time(d.replay_time)) if d.replayed else 'no'}</td>"
            "</tr>"
            for d in letters.dead_letters
        )
        more = ""
        if letters.next_page_token:
            query = urlencode({"service": service, "page_token": letters.next_page_token})
            more = f'<p><a href="/ops/dead-letters?{_e(query)}">More of {_e(service)}</a></p>'
        sections.append(
            f"<h2>{_e(service)}</h2>"
            "<table><thead><tr><th>Id</th><th>Consumer</th><th>Reason</th><th>Original</th>"
            "<th>Message id</th><th>Deliveries</th><th>Age</th><th>Payload</th><th>Replayed</th></tr></thead>"
            f"<tbody>{rows or '<tr><td colspan=9>No dead letters.</td></tr>'}</tbody></table>{more}"
        )
    hint = (
        "<p><small>Replay: <code>POST /v1/ops/dead-letters/{service}/{id}/replay</code>; discard: "
        "<code>POST /v1/ops/dead-letters/{service}/{id}/discard</code> (operator bearer token).</small></p>"
    )
    return _page("Dead letters", f"<h1>Dead letters</h1>{form}{''.join(sections)}{hint}")


@router.get("/ops/dead-letters", response_class=HTMLResponse, include_in_schema=False)
async def dead_letters_page(
    request: Request,
    principal: PageOperator,
    service: Annotated[str | None, Query()] = None,
    page_token: PageToken = None,
) -> HTMLResponse:
    _platform_operator(principal)
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
            lists[one.value] = await _list(request, one, 50, page_token if chosen else None)
        except Problem as problem:  # one service down does not hide the others
            if chosen:
                raise
            lists[one.value] = problem
    return _html(render_dead_letters(lists, chosen, datetime.now(UTC)), request)
