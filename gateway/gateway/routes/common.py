"""What every router shares: the documented problem responses, the paging parameters, the
run-once of a mutation under its Idempotency-Key (and the request_id a change hands a service),
and the back office's company scoping and
change-at-the-version-read (`If-Match` in, `ETag` out, a stale version is 412)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.payments.v1 import payments_pb2
from bookingplatform.wallet.v1 import wallet_pb2
from gateway.auth import CustomerPrincipal, Principal, company_in_reach
from gateway.deps import clients_of, idempotency_of, rpc
from gateway.idempotency import HEADER, request_hash, run_once
from gateway.problems import Problem
from gateway.schemas import ProblemDetails
from plumbing.principal import Role

T = TypeVar("T")

PROBLEM = {"model": ProblemDetails, "content": {"application/problem+json": {}}}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: each status it can answer, as problem+json."""
    return {status: PROBLEM for status in statuses}


PageSize = Annotated[int, Query(ge=1, le=200, description="At most 200.")]
PageToken = Annotated[str | None, Query(max_length=4096, description="next_page_token of the previous page.")]
IdempotencyKey = Annotated[
    str | None,
    Header(alias=HEADER, description="Required. The first result per key is stored and replayed."),
]
IfMatch = Annotated[str | None, Header(alias="If-Match", description="Required: the ETag read.")]


class Idempotent:
    """A dependency for a mutation that needs an `Idempotency-Key`: `run` calls it at most
    once per (principal, key) and replays the stored answer to a retry (gateway.idempotency).

    The fingerprint is built from the path the route names with its parsed ids, not the raw
    address, so `/v1/bookings/ABC...` and `/v1/bookings/abc...` are one request."""

    def __init__(self, request: Request, idempotency_key: IdempotencyKey = None) -> None:
        self.request = request
        self.key = idempotency_key

    async def run(
        self,
        principal: Principal | CustomerPrincipal,
        call: Callable[[str], Awaitable[Response]],
        *,
        path: str,
        body: BaseModel | None = None,
    ) -> Response:
        """`call(key)` once; `path` is the canonical path, `body` the validated body."""

        async def once() -> Response:
            assert self.key is not None  # run_once refuses a missing key before calling
            return await call(self.key)

        return await run_once(
            idempotency_of(self.request),
            principal=principal.subject,
            key=self.key,
            fingerprint=request_hash(
                self.request.method, path, body.model_dump(mode="json") if body is not None else None
            ),
            instance=self.request.url.path,
            call=once,
        )


async def _idempotent(request: Request, idempotency_key: IdempotencyKey = None) -> Idempotent:
    # A coroutine: FastAPI calls a plain callable dependency (a class too) on a worker
    # thread, a thread hop on every write for a constructor that does no I/O.
    return Idempotent(request, idempotency_key)


# The dependency a route with an Idempotency-Key declares.
Once = Annotated[Idempotent, Depends(_idempotent)]


def caller_request_id(kind: str, principal: Principal, key: str) -> str:
    """The request_id a back-office change hands a service. The Idempotency-Key is the client's
    own choice, so it is hashed with the caller (user or API key, and company): two callers'
    equal keys never name one change (the service would answer REQUEST_ID_REUSED, or give one
    the other's result), while a caller's retry names the same one. Fixed length, whatever the
    key's."""
    scope = f"{principal.subject}\0{principal.company_id or ''}\0{key}"
    return f"admin-{kind}:{hashlib.sha256(scope.encode()).hexdigest()[:40]}"


def company_of(principal: Principal, company_id: uuid.UUID | None) -> str:
    """The company a back-office call is about: the one named when the principal may act for
    it, else the principal's own; a platform admin has none and must name it."""
    if company_id is not None:
        return company_in_reach(principal, company_id)
    if principal.role is Role.PLATFORM_ADMIN or principal.company_id is None:
        raise Problem(400, "COMPANY_REQUIRED", "Name the company (company_id).")
    return principal.company_id


def if_match_etag(value: str | None, what: str | None = None) -> str:
    """The ETag an If-Match header names (quotes dropped): 428 PRECONDITION_REQUIRED without
    one, 412 PRECONDITION_FAILED when it cannot be one we issued. `what` names the entity in
    the problem's detail.

    If-Match compares strongly (RFC 9110 13.1.1): a weak `W/"3"` never matches, so it is 412,
    not read as "3". `*` (any version) would make the update unconditional, which is what
    If-Match is required for not to be: 428 as without one. A list is one tag per update here:
    a list of several is 412 (the version read is one)."""
    ask = f"Send the {what}'s ETag in If-Match." if what else "Send the ETag you read in If-Match."
    stale = f"this {what}'s ETag" if what else "the current ETag"
    if value is None or not value.strip() or value.strip() == "*":
        raise Problem(428, "PRECONDITION_REQUIRED", ask)
    tags = [tag.strip() for tag in value.split(",") if tag.strip()]
    if len(tags) != 1 or tags[0].startswith("W/"):
        raise Problem(412, "PRECONDITION_FAILED", f"The If-Match value is not {stale} (one strong ETag).")
    tag = tags[0].strip('"')
    if not tag or len(tag) > 100 or not tag.isascii():
        raise Problem(412, "PRECONDITION_FAILED", f"The If-Match value is not {stale}.")
    return tag


def if_match_version(value: str | None, what: str) -> int:
    """The version an If-Match header names, for entities whose ETag is their version number
    (1, 2, ...): 428 without one, 412 when it cannot be one of ours."""
    tag = if_match_etag(value, what)
    if not tag.isdigit() or len(tag) > 18 or int(tag) < 1:
        raise Problem(412, "PRECONDITION_FAILED", f"The If-Match value is not this {what}'s ETag.")
    return int(tag)


async def changed_at_version(
    service: str, call: Awaitable[T], what: str | None = None, *, stale_code: str = "ETAG_MISMATCH"
) -> T:
    """The reply of a change made at the version read; the service's refusal of a stale
    version (`stale_code`) is HTTP's failed precondition, 412 PRECONDITION_FAILED."""
    try:
        return await rpc(service, call)
    except Problem as problem:
        if problem.code == stale_code:
            detail = (
                f"The {what} changed since it was read."
                if what
                else "It changed since it was read: read it again."
            )
            raise Problem(412, "PRECONDITION_FAILED", detail) from None
        raise


def with_etag(model: BaseModel, etag: str, status: int = 200) -> JSONResponse:
    """The model as JSON with its version in the `ETag` header (what `If-Match` sends back)."""
    return JSONResponse(model.model_dump(mode="json"), status_code=status, headers={"ETag": f'"{etag}"'})


async def wallet_in_company_currency(
    request: Request, company_id: str, customer_id: str
) -> wallet_pb2.Wallet:
    """A customer's wallet; one that never held money has no accounts, so no currency of its
    own: its zero balances are given the company's, which every credit will be in."""
    reply = await rpc(
        "wallet",
        clients_of(request).wallet.GetWallet(
            wallet_pb2.GetWalletRequest(company_id=company_id, customer_id=customer_id)
        ),
    )
    wallet = reply.wallet
    if not wallet.main_balance.currency_code:
        company = await rpc(
            "catalog",
            clients_of(request).catalog.GetCompany(catalog_pb2.GetCompanyRequest(company_id=company_id)),
        )
        wallet.main_balance.currency_code = company.company.currency_code
        wallet.bonus_balance.currency_code = company.company.currency_code
    return wallet


async def card_awaiting_action(
    request: Request, booking: bookings_pb2.Booking
) -> payments_pb2.Payment | None:
    """The booking's card payment waiting for its holder's 3-D Secure check, if any: only a
    booking not paid yet (PENDING, or PENDING_PAYMENT settled by card) with a card is asked, or
    a CONFIRMED one whose extension is being paid (`change_saga_id`): then only that change
    saga's payment (payments' idempotency key "<saga>:payments") counts. The customer's and the
    guest's `next_action` both come from it."""
    if not booking.payment_plan.payment_method_id:
        return None
    waiting = (bookings_pb2.BOOKING_STATUS_PENDING, bookings_pb2.BOOKING_STATUS_PENDING_PAYMENT)
    changing = booking.status == bookings_pb2.BOOKING_STATUS_CONFIRMED and booking.change_saga_id
    if booking.status not in waiting and not changing:
        return None
    reply = await rpc(
        "payments",
        clients_of(request).payments.ListPayments(payments_pb2.ListPaymentsRequest(booking_id=booking.id)),
    )
    for payment in reply.payments:
        if payment.status != payments_pb2.PAYMENT_STATUS_REQUIRES_ACTION:
            continue
        if not changing or payment.idempotency_key.startswith(f"{booking.change_saga_id}:"):
            return payment
    return None
