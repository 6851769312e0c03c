"""The operators' page of the dead letters (HTML under /ops/dead-letters, platform operators
only): every service's, or one service's with paging, or those of one saga; each with Replay
and Discard forms (asked to confirm, CSRF-checked like the saga forms) that call the JSON
API's own handlers, then come back to the page with what happened."""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gateway.clients import DEAD_LETTER_SERVICES
from gateway.console.rendering import page_response
from gateway.pages.html import read_form
from gateway.pages.sagas import CODE, Notice, check_csrf, page_csrf
from gateway.problems import Problem
from gateway.routes.common import PageToken
from gateway.routes.dead_letters import (
    DeadLetterList,
    DeadLetterOut,
    DeadLetterServiceName,
    discard_dead_letter,
    list_dead_letters_of,
    replay_dead_letter,
    require_platform_operator,
)
from gateway.sessions import PageOperator, form_operator
from plumbing.ids import is_uuid
from plumbing.principal import acting_as

router = APIRouter()

PAGE_SIZE = 50
# The saga's commands carry "<saga id>:<step>:<action>:<attempt>" as their message id.
_SAGA_OF_MESSAGE = re.compile(r"^([0-9a-fA-F-]{36}):")
_ID = re.compile(r"^[1-9][0-9]{0,19}$")
DONE = {
    "replay": "Replayed: the message was published again to its subject.",
    "discard": "Discarded for good.",
}


@dataclass(frozen=True)
class Letter:
    id: str
    consumer: str
    reason: str
    deliveries: int
    original_subject: str
    original_sequence: int
    original_message_id: str | None
    dead_letter_time: datetime | None
    summary: str | None
    payload_bytes: int
    replayed: bool
    replay_time: datetime | None
    saga_id: str | None
    request_key: str

    @classmethod
    def of(cls, d: DeadLetterOut) -> Letter:
        found = _SAGA_OF_MESSAGE.match(d.original_message_id or "")
        saga_id = found.group(1).lower() if found and is_uuid(found.group(1)) else None
        return cls(
            id=d.id,
            consumer=d.consumer,
            reason=d.reason,
            deliveries=d.deliveries,
            original_subject=d.original_subject,
            original_sequence=d.original_sequence,
            original_message_id=d.original_message_id,
            dead_letter_time=d.dead_letter_time,
            summary=d.summary,
            payload_bytes=len(base64.b64decode(d.payload_base64)),
            replayed=d.replayed,
            replay_time=d.replay_time,
            saga_id=saga_id,
            # One key per rendering of the form: a double submit replays once.
            request_key=str(uuid.uuid4()),
        )


@dataclass(frozen=True)
class Section:
    service: str
    letters: list[Letter]
    problem: str = ""
    next_url: str = ""


def _notice(done: str | None, error: str | None) -> Notice | None:
    if done not in DONE:
        return None
    if error:
        return Notice("error", f"The {done} was refused.", error) if CODE.match(error) else None
    return Notice("ok", DONE[done])


@router.get("/ops/dead-letters", response_class=HTMLResponse, include_in_schema=False)
async def dead_letters_page(
    request: Request,
    principal: PageOperator,
    service: Annotated[str | None, Query(max_length=16)] = None,
    saga_id: Annotated[str | None, Query(max_length=64)] = None,
    page_token: PageToken = None,
    done: Annotated[str | None, Query(max_length=16)] = None,
    error: Annotated[str | None, Query(max_length=64)] = None,
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
    saga = (saga_id or "").strip().lower()
    if saga and not is_uuid(saga):
        raise Problem(
            400,
            "VALIDATION_FAILED",
            "The request is not valid.",
            errors=[{"field": "saga_id", "message": "a UUID"}],
        )
    shown = [chosen] if chosen else list(DeadLetterServiceName)
    # Of one saga: the first 200 of each service, kept when their message names the saga.
    size = 200 if saga else PAGE_SIZE
    sections = []
    for one in shown:
        try:
            listed: DeadLetterList = await list_dead_letters_of(
                request, one, size, page_token if chosen else None
            )
        except Problem as problem:  # one service down does not hide the others
            if chosen:
                raise
            sections.append(Section(one.value, [], problem=problem.code))
            continue
        letters = [Letter.of(d) for d in listed.dead_letters]
        if saga:
            letters = [letter for letter in letters if letter.saga_id == saga]
        next_url = ""
        if listed.next_page_token and not saga:
            next_url = "/ops/dead-letters?" + urlencode(
                {"service": one.value, "page_token": listed.next_page_token}
            )
        sections.append(Section(one.value, letters, next_url=next_url))
    back: dict[str, Any] = {
        k: v for k, v in (("service", chosen.value if chosen else ""), ("saga_id", saga)) if v
    }
    return page_response(
        request,
        "dead_letters.html",
        operator=principal,
        section="dead-letters",
        services=[s.value for s in DeadLetterServiceName],
        chosen=chosen.value if chosen else "",
        saga_id=saga,
        page_size=size,
        sections=sections,
        csrf=page_csrf(request),
        back=urlencode(back),
        notice=_notice(done, error),
    )


async def _form_action(request: Request, service: str, dead_letter_id: str, action: str) -> Response:
    principal, session_token = await form_operator(request)
    with acting_as(principal.as_plumbing()):
        require_platform_operator(principal)
        form = await read_form(request)
        check_csrf(request, session_token, form)
        try:
            name = DeadLetterServiceName(service)
        except ValueError:
            raise Problem(404, "DEAD_LETTER_NOT_FOUND", "No such dead letter.") from None
        if not _ID.match(dead_letter_id):
            raise Problem(404, "DEAD_LETTER_NOT_FOUND", "No such dead letter.")
        key = form.get("request_key", "")[:64] or None
        query = {"done": action}
        try:
            if action == "replay":
                await replay_dead_letter(request, principal, name, dead_letter_id, idempotency_key=key)
            else:
                await discard_dead_letter(request, principal, name, dead_letter_id, idempotency_key=key)
        except Problem as problem:
            query["error"] = problem.code
    back = form.get("back", "")
    back_query = {k: v for k, v in _parse_back(back).items() if k in ("service", "saga_id")}
    return RedirectResponse("/ops/dead-letters?" + urlencode({**back_query, **query}), status_code=303)


def _parse_back(back: str) -> dict[str, str]:
    try:
        parsed = parse_qs(back[:256], max_num_fields=4)
    except ValueError:
        return {}
    return {k: v[0] for k, v in parsed.items() if v and len(v[0]) <= 64}


@router.post("/ops/dead-letters/{service}/{dead_letter_id}/replay", include_in_schema=False)
async def replay_form(request: Request, service: str, dead_letter_id: str) -> Response:
    return await _form_action(request, service, dead_letter_id, "replay")


@router.post("/ops/dead-letters/{service}/{dead_letter_id}/discard", include_in_schema=False)
async def discard_form(request: Request, service: str, dead_letter_id: str) -> Response:
    return await _form_action(request, service, dead_letter_id, "discard")
