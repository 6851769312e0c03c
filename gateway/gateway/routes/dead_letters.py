"""Operators' JSON API of dead letters under /v1/ops/dead-letters: list, replay, discard
(the HTML page is gateway.pages.dead_letters).

Each service with durable consumers (bookings, wallet, passes, payments) serves its own
`bookingplatform.ops.v1.DeadLetterService` (see `plumbing.dead_letters`); these endpoints
call the one named in the path or query. Dead letters hold every tenant's messages, so
only a platform operator (an operator token without a company_id) may see or replay them.
"""

from __future__ import annotations

import base64
import enum
import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request
from pydantic import BaseModel, Field

from bookingplatform.ops.v1 import dead_letters_pb2
from gateway import audit_log
from gateway.auth import Operator, Principal
from gateway.clients import DEAD_LETTER_SERVICES
from gateway.deps import clients_of, rpc
from gateway.problems import Problem
from gateway.routes.common import PageSize, PageToken, problems
from gateway.schemas import short_name, time_of
from plumbing.principal import Role

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


def require_platform_operator(principal: Principal) -> None:
    if principal.role is not Role.PLATFORM_ADMIN:
        raise Problem(
            403, "PERMISSION_DENIED", "Dead letters hold every company's messages: platform operators only."
        )


async def list_dead_letters_of(
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
    operation_id="listDeadLetters",
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
    require_platform_operator(principal)
    return await list_dead_letters_of(request, service, page_size, page_token)


@router.post(
    "/v1/ops/dead-letters/{service}/{dead_letter_id}/replay",
    operation_id="replayDeadLetter",
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
    require_platform_operator(principal)
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
    letter = DeadLetterOut.of(reply.dead_letter)
    await audit_log.record_in_gateway(
        request.app.state.db,
        company_id=None,
        entity_type="dead_letter",
        entity_id=f"{service.value}:{dead_letter_id}",
        action="replay",
        after={"original_subject": letter.original_subject, "replay_message_id": letter.replay_message_id},
    )
    return letter


@router.post(
    "/v1/ops/dead-letters/{service}/{dead_letter_id}/discard",
    operation_id="discardDeadLetter",
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
    require_platform_operator(principal)
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
    await audit_log.record_in_gateway(
        request.app.state.db,
        company_id=None,
        entity_type="dead_letter",
        entity_id=f"{service.value}:{dead_letter_id}",
        action="discard",
    )
