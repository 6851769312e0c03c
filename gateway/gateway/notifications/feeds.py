"""iCalendar feeds of a company's bookings behind secret URLs.

A company admin creates a feed of one resource, or of the company's whole calendar, with
`POST /v1/admin/calendar-feeds`; a staff member (or company admin) makes their own with
`POST /v1/me/calendar-feeds`, lists and revokes their own under `/v1/me/calendar-feeds`, and
their feed answers only while their account is active in the company (deactivating the
account silences every feed of it at once). The answer holds the feed's URL this once (a
retry with the same Idempotency-Key answers the feed without it); only the SHA-256 of the
URL's random token is kept. `GET /feeds/calendar/<token>.ics` answers the confirmed and
checked-in bookings from FEED_PAST_DAYS ago to FEED_FUTURE_DAYS ahead as VEVENTs (the UID of
each is the one its e-mails' .ics carry); a revoked feed, or an unknown token, is 404. The
token is redacted from the access log (gateway.logredact).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import grpc
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from icalendar import Event
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from gateway.auth import CompanyAdmin, Principal, Staff
from gateway.deps import clients_of
from gateway.notifications import content
from gateway.notifications.tables import feeds
from gateway.problems import Problem, problem_from_rpc, problem_response
from gateway.routes.common import Once, PageSize, PageToken, company_of, problems
from gateway.tables import users
from plumbing import audit
from plumbing.db import Database
from plumbing.errors import ServiceError
from plumbing.paging import decode_page_token, encode_page_token
from plumbing.principal import Principal as ServicePrincipal
from plumbing.principal import Role, acting_as
from plumbing.text import OPTIONAL_NAME_PATTERN

router = APIRouter(tags=["calendar feeds admin"])

FEED_PATH = "/feeds/calendar/"
TOKEN_PREFIX = "calf_"
FEED_PAST_DAYS = 30
FEED_FUTURE_DAYS = 365
FEED_PAGES = 10  # of 200 bookings each: a feed holds at most 2,000 events
FEED_STATUSES = (bookings_pb2.BOOKING_STATUS_CONFIRMED, bookings_pb2.BOOKING_STATUS_CHECKED_IN)
COLUMNS = [c for c in feeds.c if c.name != "token_hash"]


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def feed_url(request: Request, token: str) -> str:
    """The feed's address under GATEWAY_PUBLIC_URL; only when that is not set, under the
    address the request came to (its Host header, which a caller chooses: a feed URL answered
    as http://evil.example/... would hand the secret to that host)."""
    public_url: str = request.app.state.settings.public_url
    base = public_url or str(request.base_url)
    return base.rstrip("/") + f"{FEED_PATH}{token}.ics"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CreateFeedBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    company_id: uuid.UUID | None = Field(default=None, description="Platform admins: the company.")
    resource_id: uuid.UUID | None = Field(
        default=None, description="The resource whose bookings the feed holds; none: the whole company."
    )
    name: str = Field(
        default="",
        max_length=200,
        pattern=OPTIONAL_NAME_PATTERN,
        description="What the feed is for (shown in the list and as the calendar's name).",
    )


class CreateMyFeedBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resource_id: uuid.UUID | None = Field(
        default=None, description="The resource whose bookings the feed holds; none: the whole company."
    )
    name: str = Field(
        default="",
        max_length=200,
        pattern=OPTIONAL_NAME_PATTERN,
        description="What the feed is for (shown in the list and as the calendar's name).",
    )


class FeedOut(BaseModel):
    id: str
    company_id: str
    resource_id: str | None = Field(description="None: the company's whole calendar.")
    user_id: str | None = Field(
        default=None,
        description="The staff member whose own feed it is (it answers while their account is "
        "active); None: the company's.",
    )
    name: str
    created_at: datetime
    revoked_at: datetime | None


class CreatedFeedOut(FeedOut):
    url: str | None = Field(
        description="The feed's secret address. Answered this once only (null on a replay): keep it."
    )


class FeedList(BaseModel):
    feeds: list[FeedOut]
    next_page_token: str | None
    has_more: bool


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _scope(principal: Principal) -> str | None:
    if principal.role is Role.PLATFORM_ADMIN:
        return None
    if principal.company_id is None:
        raise Problem(403, "PERMISSION_DENIED", "This endpoint is for company admins.")
    return principal.company_id


def _of(company_id: str | None) -> list[Any]:
    return [] if company_id is None else [feeds.c.company_id == company_id]


def _feed(row: Any) -> FeedOut:
    m = dict(row._mapping)
    return FeedOut(
        **{
            **{k: v for k, v in m.items() if k in FeedOut.model_fields},
            "id": str(m["id"]),
            "company_id": str(m["company_id"]),
            "resource_id": str(m["resource_id"]) if m["resource_id"] else None,
            "user_id": str(m["user_id"]) if m["user_id"] else None,
        }
    )


def _not_found() -> Problem:
    return Problem(404, "CALENDAR_FEED_NOT_FOUND", "No such calendar feed.")


async def insert_feed(
    conn: AsyncConnection,
    *,
    feed_id: str,
    company_id: str,
    resource_id: str | None,
    user_id: str | None,
    name: str,
) -> tuple[FeedOut, str] | None:
    """Writes a feed and its audit entry; answers it with its token (to show once), or None
    when `feed_id` is taken (a form sent twice)."""
    token = new_token()
    row = (
        await conn.execute(
            pg_insert(feeds)
            .values(
                id=feed_id,
                company_id=company_id,
                resource_id=resource_id,
                user_id=user_id,
                name=name.strip(),
                token_hash=token_hash(token),
            )
            .on_conflict_do_nothing(index_elements=[feeds.c.id])
            .returning(*COLUMNS)
        )
    ).first()
    if row is None:
        return None
    feed = _feed(row)
    await audit.record(
        conn,
        company_id=company_id,
        entity_type="calendar_feed",
        entity_id=feed.id,
        action="calendar_feed.create",
        after={"resource_id": feed.resource_id, "name": feed.name, "user_id": feed.user_id},
    )
    return feed, token


async def revoke_feed_row(conn: AsyncConnection, feed_id: str, scope: list[Any]) -> bool:
    """Revokes the feed within `scope` (with its audit entry); False when there is no such
    feed there. Revoking a revoked feed changes nothing."""
    row = (
        await conn.execute(
            update(feeds)
            .where(feeds.c.id == feed_id, *scope, feeds.c.revoked_at.is_(None))
            .values(revoked_at=func.now())
            .returning(feeds.c.company_id)
        )
    ).first()
    if row is None:
        exists = (await conn.execute(select(feeds.c.id).where(feeds.c.id == feed_id, *scope))).first()
        return exists is not None
    await audit.record(
        conn,
        company_id=str(row.company_id),
        entity_type="calendar_feed",
        entity_id=feed_id,
        action="calendar_feed.revoke",
    )
    return True


def own_feeds(company_id: str, user_id: str) -> list[Any]:
    """The conditions of one staff member's own feeds."""
    return [feeds.c.company_id == company_id, feeds.c.user_id == user_id]


async def _resource(request: Request, resource_id: str) -> catalog_pb2.Resource:
    try:
        reply = await clients_of(request).catalog.GetResource(
            catalog_pb2.GetResourceRequest(resource_id=resource_id)
        )
    except grpc.aio.AioRpcError as error:
        if error.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED):
            raise Problem(404, "RESOURCE_NOT_FOUND", "No such resource.") from None
        raise problem_from_rpc(error, "catalog") from None
    resource: catalog_pb2.Resource = reply.resource
    return resource


@router.post(
    "/v1/admin/calendar-feeds",
    operation_id="createCalendarFeed",
    status_code=201,
    response_model=CreatedFeedOut,
    responses=problems(400, 401, 403, 404, 409, 422, 503),
)
async def create_feed(
    request: Request, body: CreateFeedBody, principal: CompanyAdmin, once: Once
) -> Response:
    """Creates an iCalendar feed of one resource's bookings, or of the company's whole calendar
    (no `resource_id`). The answer holds the feed's secret URL this once only. Requires an
    `Idempotency-Key`."""
    company = company_of(principal, body.company_id)
    return await _create(
        request, principal, once, company, body.resource_id, body.name, None, "/v1/admin/calendar-feeds", body
    )


def feed_owner(principal: Principal) -> tuple[str, str]:
    """The company and the user of a staff member or company admin signed in as themselves."""
    if principal.role not in (Role.STAFF, Role.COMPANY_ADMIN) or not principal.user_id:
        raise Problem(
            403,
            "PERMISSION_DENIED",
            "Own calendar feeds are for a company's staff signed in as themselves (not API keys).",
        )
    assert principal.company_id is not None  # a company role always has its company
    return principal.company_id, principal.user_id


@router.post(
    "/v1/me/calendar-feeds",
    operation_id="createMyCalendarFeed",
    status_code=201,
    response_model=CreatedFeedOut,
    responses=problems(400, 401, 403, 404, 409, 422, 503),
)
async def create_my_feed(request: Request, body: CreateMyFeedBody, principal: Staff, once: Once) -> Response:
    """Creates the caller's own iCalendar feed of the company's bookings (or of one resource's):
    it answers only while the caller's account is active in the company. The answer holds the
    feed's secret URL this once only. Requires an `Idempotency-Key`."""
    company, user = feed_owner(principal)
    return await _create(
        request, principal, once, company, body.resource_id, body.name, user, "/v1/me/calendar-feeds", body
    )


async def _create(
    request: Request,
    principal: Principal,
    once: Once,
    company: str,
    resource_id: uuid.UUID | None,
    name: str,
    user_id: str | None,
    path: str,
    body: BaseModel,
) -> Response:
    if resource_id is not None:
        resource = await _resource(request, str(resource_id))
        if resource.company_id != company:
            raise Problem(404, "RESOURCE_NOT_FOUND", "No such resource.")
    made: dict[str, str] = {}

    async def call(key: str) -> Response:
        async with _db(request).transaction() as conn:
            made_now = await insert_feed(
                conn,
                feed_id=str(uuid.uuid4()),
                company_id=company,
                resource_id=str(resource_id) if resource_id else None,
                user_id=user_id,
                name=name,
            )
        assert made_now is not None  # a fresh id
        feed, token = made_now
        made["token"] = token
        # What the idempotency store keeps (and a replay answers): the feed without its URL.
        out = CreatedFeedOut(**feed.model_dump(), url=None)
        return JSONResponse(out.model_dump(mode="json"), status_code=201)

    response = await once.run(principal, call, path=path, body=body)
    if "token" not in made or response.status_code != 201:
        return response
    body_out = CreatedFeedOut.model_validate_json(bytes(response.body))
    body_out.url = feed_url(request, made["token"])
    return JSONResponse(body_out.model_dump(mode="json"), status_code=201)


@router.get(
    "/v1/admin/calendar-feeds",
    operation_id="listCalendarFeeds",
    response_model=FeedList,
    responses=problems(400, 401, 403, 404, 503),
)
async def list_feeds(
    request: Request,
    principal: CompanyAdmin,
    company_id: Annotated[uuid.UUID | None, Query(description="Platform admins: the company.")] = None,
    page_size: PageSize = 50,
    page_token: PageToken = None,
) -> FeedList:
    """A company's calendar feeds (its staff's own too), oldest first, revoked ones too (never
    their URLs)."""
    return await _list(request, _of(company_of(principal, company_id)), page_size, page_token)


@router.get(
    "/v1/me/calendar-feeds",
    operation_id="listMyCalendarFeeds",
    response_model=FeedList,
    responses=problems(400, 401, 403, 503),
)
async def list_my_feeds(
    request: Request, principal: Staff, page_size: PageSize = 50, page_token: PageToken = None
) -> FeedList:
    """The caller's own calendar feeds, oldest first, revoked ones too (never their URLs)."""
    company, user = feed_owner(principal)
    return await _list(request, own_feeds(company, user), page_size, page_token)


async def _list(request: Request, conditions: list[Any], page_size: int, page_token: str | None) -> FeedList:
    conditions = list(conditions)
    if page_token:
        try:
            decoded = decode_page_token(page_token, datetime, uuid.UUID)
        except ServiceError as error:
            raise Problem(400, error.reason, "The page token is not valid.") from None
        assert decoded is not None  # a token was given
        at, last = decoded
        conditions.append(
            or_(feeds.c.created_at > at, and_(feeds.c.created_at == at, feeds.c.id > str(last)))
        )
    async with _db(request).transaction() as conn:
        rows = list(
            await conn.execute(
                select(*COLUMNS)
                .where(*conditions)
                .order_by(feeds.c.created_at, feeds.c.id)
                .limit(page_size + 1)
            )
        )
    found = [_feed(r) for r in rows]
    has_more = len(found) > page_size
    found = found[:page_size]
    last_feed = found[-1] if found and has_more else None
    return FeedList(
        feeds=found,
        next_page_token=(
            encode_page_token(last_feed.created_at, uuid.UUID(last_feed.id)) if last_feed else None
        ),
        has_more=has_more,
    )


@router.delete(
    "/v1/admin/calendar-feeds/{feed_id}",
    operation_id="revokeCalendarFeed",
    status_code=204,
    responses=problems(400, 401, 403, 404, 409, 422, 503),
)
async def revoke_feed(request: Request, feed_id: uuid.UUID, principal: CompanyAdmin, once: Once) -> Response:
    """Revokes the feed (a staff member's own too): its URL answers 404 from now on (revoking
    again changes nothing). Requires an `Idempotency-Key`."""
    scope = _of(_scope(principal))
    return await _revoke(request, principal, once, feed_id, scope, f"/v1/admin/calendar-feeds/{feed_id}")


@router.delete(
    "/v1/me/calendar-feeds/{feed_id}",
    operation_id="revokeMyCalendarFeed",
    status_code=204,
    responses=problems(400, 401, 403, 404, 409, 422, 503),
)
async def revoke_my_feed(request: Request, feed_id: uuid.UUID, principal: Staff, once: Once) -> Response:
    """Revokes one of the caller's own feeds (another's is 404): its URL answers 404 from now
    on. Requires an `Idempotency-Key`."""
    company, user = feed_owner(principal)
    scope = own_feeds(company, user)
    return await _revoke(request, principal, once, feed_id, scope, f"/v1/me/calendar-feeds/{feed_id}")


async def _revoke(
    request: Request, principal: Principal, once: Once, feed_id: uuid.UUID, scope: list[Any], path: str
) -> Response:
    async def call(key: str) -> Response:
        async with _db(request).transaction() as conn:
            if not await revoke_feed_row(conn, str(feed_id), scope):
                raise _not_found()
        return Response(status_code=204)

    return await once.run(principal, call, path=path)


# ---- the feed itself -------------------------------------------------------------------


async def _bookings(request: Request, feed: Any, now: datetime) -> list[bookings_pb2.Booking]:
    req = bookings_pb2.ListBookingsRequest(page_size=200, statuses=list(FEED_STATUSES))
    if feed.resource_id:
        req.resource_id = str(feed.resource_id)
    else:
        req.company_id = str(feed.company_id)
    req.start_time.FromDatetime(now - timedelta(days=FEED_PAST_DAYS))
    req.end_time.FromDatetime(now + timedelta(days=FEED_FUTURE_DAYS))
    found: list[bookings_pb2.Booking] = []
    for _ in range(FEED_PAGES):
        reply = await clients_of(request).bookings.ListBookings(req)
        found.extend(reply.bookings)
        if not reply.has_more:
            break
        req.page_token = reply.next_page_token
    return found


def _feed_event(b: bookings_pb2.Booking, resource_name: str, location: str, now: datetime) -> Event:
    """A booking as a feed shows it; its last change is the event's DTSTAMP and, counted from
    its creation, its SEQUENCE (content.revision)."""
    updated = b.update_time.ToDatetime(tzinfo=UTC) if b.update_time.seconds else now
    return content.booking_event(
        booking_id=b.id,
        summary=f"{resource_name} x {b.quantity}",
        start=b.start_time.ToDatetime(tzinfo=UTC),
        end=b.end_time.ToDatetime(tzinfo=UTC),
        location=location,
        description=(
            f"Booking {b.id}, {b.quantity} place(s), "
            f"{bookings_pb2.BookingStatus.Name(b.status).removeprefix('BOOKING_STATUS_')}"
        ),
        stamp=updated,
        revised_at=updated,
        created_at=b.create_time.ToDatetime(tzinfo=UTC) if b.create_time.seconds else updated,
    )


async def feed_response(request: Request, token: str) -> Response:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return problem_response(_not_found(), FEED_PATH)
    async with _db(request).transaction() as conn:
        feed = (
            await conn.execute(
                select(*COLUMNS)
                .select_from(feeds.outerjoin(users, users.c.id == feeds.c.user_id))
                .where(
                    feeds.c.token_hash == token_hash(token),
                    feeds.c.revoked_at.is_(None),
                    # A staff member's own feed lives while their account is active in the company.
                    or_(
                        feeds.c.user_id.is_(None),
                        and_(
                            users.c.deactivated_at.is_(None),
                            users.c.company_id == feeds.c.company_id,
                            users.c.role.in_([Role.STAFF.value, Role.COMPANY_ADMIN.value]),
                        ),
                    ),
                )
            )
        ).first()
    if feed is None:
        # The address is not echoed: it is the secret.
        return problem_response(_not_found(), FEED_PATH)
    now = datetime.now(UTC)
    # The feed reads the company's bookings as its staff would.
    with acting_as(ServicePrincipal(role=Role.STAFF, company_id=str(feed.company_id))):
        try:
            company = (
                await clients_of(request).catalog.GetCompany(
                    catalog_pb2.GetCompanyRequest(company_id=str(feed.company_id))
                )
            ).company
            bookings = await _bookings(request, feed, now)
            names: dict[str, str] = {}
            for resource_id in sorted({b.resource_id for b in bookings}):
                names[resource_id] = (await _resource(request, resource_id)).name
        except grpc.aio.AioRpcError as error:
            return problem_response(problem_from_rpc(error, "bookings"), FEED_PATH)
    events = [
        _feed_event(b, names.get(b.resource_id, "Booking"), company.name, now)
        for b in bookings
        if b.start_time.seconds and b.end_time.seconds
    ]
    label = names.get(str(feed.resource_id), "") if feed.resource_id else "all bookings"
    body = content.feed_calendar(f"{company.name}: {feed.name or label}", events)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Cache-Control": "private, no-store",
            "Referrer-Policy": "no-referrer",
            "Content-Disposition": 'inline; filename="bookings.ics"',
        },
    )


@router.get(FEED_PATH + "{token}.ics", include_in_schema=False)
async def calendar_feed(request: Request, token: str) -> Response:
    """The feed (text/calendar): no other authentication than its secret address."""
    return await feed_response(request, token)
