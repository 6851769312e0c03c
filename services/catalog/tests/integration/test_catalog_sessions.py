"""Sessions through the real gRPC server: rules, listing by pages, and the session_created event."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from nats.js.api import ConsumerConfig, DeliverPolicy

from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2
from plumbing.messaging import connect
from plumbing.testing import EVENTUALLY_TIMEOUT

pytestmark = pytest.mark.integration

INVALID = grpc.StatusCode.INVALID_ARGUMENT
NOT_FOUND = grpc.StatusCode.NOT_FOUND


async def test_a_session_is_created_open_on_a_time_slot_resource_and_read_back(
    catalog, company, resource, session_request, base_time
):
    request = session_request(hours=3)
    created = (await catalog.CreateSession(request)).session
    assert uuid.UUID(created.id)
    assert (created.company_id, created.resource_id) == (company.id, resource.id)
    assert created.start_time.ToDatetime(tzinfo=UTC) == base_time + timedelta(hours=3)
    assert created.end_time.ToDatetime(tzinfo=UTC) == base_time + timedelta(hours=4)
    assert (created.capacity, created.price, created.status) == (
        12,
        money_pb2.Money(amount_minor=1800, currency_code="EUR"),
        catalog_pb2.SESSION_STATUS_OPEN,
    )
    read = (await catalog.GetSession(catalog_pb2.GetSessionRequest(session_id=created.id))).session
    assert read == created


@pytest.mark.parametrize("model", [catalog_pb2.BOOKING_MODEL_NIGHTLY, catalog_pb2.BOOKING_MODEL_INTERVAL])
async def test_a_session_on_a_resource_that_is_not_time_slot_is_refused(
    catalog, company, session_request, refused, model
):
    nightly = (
        await catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(company_id=company.id, name="Cabin", booking_model=model)
        )
    ).resource
    refusal = await refused(catalog.CreateSession(session_request(resource_id=nightly.id)))
    assert (refusal.code, refusal.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "RESOURCE_NOT_TIME_SLOT")
    assert refusal.metadata == {
        "resource_id": nightly.id,
        "booking_model": catalog_pb2.BookingModel.Name(model).removeprefix("BOOKING_MODEL_"),
    }


async def test_a_session_priced_in_another_currency_is_currency_mismatch(catalog, session_request, refused):
    usd = money_pb2.Money(amount_minor=1800, currency_code="USD")
    refusal = await refused(catalog.CreateSession(session_request(price=usd)))
    assert (refusal.code, refusal.reason, refusal.field) == (
        INVALID,
        "CURRENCY_MISMATCH",
        "price.currency_code",
    )
    assert refusal.metadata == {"expected_currency": "EUR", "currency": "USD"}


async def test_a_session_on_an_unknown_resource_is_resource_not_found(catalog, session_request, refused):
    refusal = await refused(catalog.CreateSession(session_request(resource_id=str(uuid.uuid4()))))
    assert (refusal.code, refusal.reason) == (NOT_FOUND, "RESOURCE_NOT_FOUND")


async def test_an_invalid_session_is_refused_with_its_reason_and_field(
    catalog, session_request, refused, timestamp, base_time
):
    cases = [
        ({"end_time": timestamp(base_time)}, "INVALID_TIME_RANGE", "end_time"),
        ({"end_time": timestamp(base_time - timedelta(minutes=1))}, "INVALID_TIME_RANGE", "end_time"),
        ({"start_time": None}, "INVALID_TIME_RANGE", "start_time"),
        ({"capacity": 0}, "INVALID_CAPACITY", "capacity"),
        ({"price": None}, "INVALID_PRICE", "price"),
        (
            {"price": money_pb2.Money(amount_minor=-5, currency_code="EUR")},
            "INVALID_PRICE",
            "price.amount_minor",
        ),
        ({"resource_id": "abc"}, "INVALID_ID", "resource_id"),
        ({"resource_id": ""}, "INVALID_ID", "resource_id"),
    ]
    for overrides, reason, field in cases:
        refusal = await refused(catalog.CreateSession(session_request(**overrides)))
        assert (refusal.code, refusal.reason, refusal.field) == (INVALID, reason, field), overrides


async def test_a_session_in_the_past_or_longer_than_a_day_is_refused_and_not_created(
    catalog, company, session_request, refused, timestamp, base_time
):
    now = datetime.now(UTC)
    cases = [
        # Found through the gateway: a session from 1970 to years later, and a 73-year session.
        ({"start_time": timestamp(datetime(1970, 1, 1, tzinfo=UTC))}, "SESSION_TOO_LONG", "end_time"),
        ({"end_time": timestamp(base_time + timedelta(days=73 * 365))}, "SESSION_TOO_LONG", "end_time"),
        ({"end_time": timestamp(base_time + timedelta(minutes=1441))}, "SESSION_TOO_LONG", "end_time"),
        (
            {
                "start_time": timestamp(datetime(1970, 1, 1, tzinfo=UTC)),
                "end_time": timestamp(datetime(1970, 1, 1, 1, tzinfo=UTC)),
            },
            "SESSION_IN_PAST",
            "start_time",
        ),
        (
            {"start_time": timestamp(now - timedelta(hours=1)), "end_time": timestamp(now)},
            "SESSION_IN_PAST",
            "start_time",
        ),
    ]
    for overrides, reason, field in cases:
        refusal = await refused(catalog.CreateSession(session_request(**overrides)))
        assert (refusal.code, refusal.reason, refusal.field) == (INVALID, reason, field), overrides
    listed = await catalog.ListSessions(catalog_pb2.ListSessionsRequest(company_id=company.id))
    assert list(listed.sessions) == []

    # A day exactly, and a start just gone (the console asked while it was still to come).
    day_long = session_request(end_time=timestamp(base_time + timedelta(days=1)))
    assert (await catalog.CreateSession(day_long)).session.end_time == day_long.end_time
    just_gone = now - timedelta(seconds=30)
    created = await catalog.CreateSession(
        session_request(start_time=timestamp(just_gone), end_time=timestamp(just_gone + timedelta(hours=1)))
    )
    assert created.session.start_time.ToDatetime(tzinfo=UTC) == just_gone


async def test_a_session_is_not_moved_into_the_past_nor_stretched_past_a_day(
    catalog, session_request, refused, timestamp, base_time
):
    session = (await catalog.CreateSession(session_request())).session

    def move(start: datetime, end: datetime) -> catalog_pb2.UpdateSessionRequest:
        return catalog_pb2.UpdateSessionRequest(
            request_id=str(uuid.uuid4()),
            session=catalog_pb2.Session(
                id=session.id, etag=session.etag, start_time=timestamp(start), end_time=timestamp(end)
            ),
            update_mask=FieldMask(paths=["start_time", "end_time"]),
        )

    yesterday = datetime.now(UTC) - timedelta(days=1)
    past = await refused(catalog.UpdateSession(move(yesterday, yesterday + timedelta(hours=1))))
    assert (past.code, past.reason, past.field) == (INVALID, "SESSION_IN_PAST", "start_time")
    long = await refused(catalog.UpdateSession(move(base_time, base_time + timedelta(days=2))))
    assert (long.code, long.reason, long.field) == (INVALID, "SESSION_TOO_LONG", "end_time")
    unchanged = (await catalog.GetSession(catalog_pb2.GetSessionRequest(session_id=session.id))).session
    assert unchanged == session

    moved = (
        await catalog.UpdateSession(move(base_time + timedelta(hours=2), base_time + timedelta(hours=3)))
    ).session
    assert moved.start_time == timestamp(base_time + timedelta(hours=2)) and moved.etag == "2"


async def test_getting_an_unknown_session_is_session_not_found(catalog, refused):
    missing = str(uuid.uuid4())
    refusal = await refused(catalog.GetSession(catalog_pb2.GetSessionRequest(session_id=missing)))
    assert (refusal.code, refusal.reason, refusal.metadata) == (
        NOT_FOUND,
        "SESSION_NOT_FOUND",
        {"session_id": missing},
    )
    refusal = await refused(catalog.GetSession(catalog_pb2.GetSessionRequest(session_id="x")))
    assert (refusal.code, refusal.reason, refusal.field) == (INVALID, "INVALID_ID", "session_id")


# Listing


async def read_all_pages(catalog, **query) -> tuple[list[catalog_pb2.Session], int]:
    """Every session of the query, page by page; also how many pages it took."""
    sessions, token, pages = [], "", 0
    while True:
        reply = await catalog.ListSessions(catalog_pb2.ListSessionsRequest(page_token=token, **query))
        sessions.extend(reply.sessions)
        pages += 1
        token = reply.next_page_token
        if not token:
            return sessions, pages


async def test_sessions_are_listed_soonest_first_across_pages_without_gaps_or_repeats(
    catalog, company, session_request
):
    # Created out of order, three of them starting at the same time (ordered by id).
    hours = [5, 1, 3, 3, 0, 3, 8]
    created = [(await catalog.CreateSession(session_request(hours=h))).session for h in hours]
    expected = sorted(created, key=lambda s: (s.start_time.ToDatetime(), uuid.UUID(s.id).bytes))
    listed, pages = await read_all_pages(catalog, company_id=company.id, page_size=2)
    assert [s.id for s in listed] == [s.id for s in expected]
    assert pages == 4
    first = await catalog.ListSessions(catalog_pb2.ListSessionsRequest(company_id=company.id, page_size=7))
    assert len(first.sessions) == 7
    assert first.next_page_token == ""


async def test_sessions_can_be_listed_by_resource_and_from_a_start_time(
    catalog, company, resource, session_request, timestamp, base_time
):
    other_resource = (
        await catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                company_id=company.id, name="Studio B", booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT
            )
        )
    ).resource
    mine = [(await catalog.CreateSession(session_request(hours=h))).session for h in (0, 2, 4)]
    theirs = (await catalog.CreateSession(session_request(hours=3, resource_id=other_resource.id))).session

    by_resource, _ = await read_all_pages(
        catalog, company_id=company.id, resource_id=resource.id, page_size=1
    )
    assert [s.id for s in by_resource] == [s.id for s in mine]

    from_two, _ = await read_all_pages(
        catalog, company_id=company.id, start_time_from=timestamp(base_time + timedelta(hours=2))
    )
    assert [s.id for s in from_two] == [mine[1].id, theirs.id, mine[2].id]


async def test_sessions_of_another_company_are_not_listed(catalog, session_request):
    await catalog.CreateSession(session_request())
    stranger = (
        await catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(name="Other", time_zone="UTC", currency_code="EUR")
        )
    ).company
    reply = await catalog.ListSessions(catalog_pb2.ListSessionsRequest(company_id=stranger.id))
    assert (list(reply.sessions), reply.next_page_token) == ([], "")


async def test_a_page_holds_50_sessions_by_default_and_at_most_200(catalog, company, session_request):
    await asyncio.gather(*(catalog.CreateSession(session_request(hours=n)) for n in range(201)))
    default = await catalog.ListSessions(catalog_pb2.ListSessionsRequest(company_id=company.id))
    assert len(default.sessions) == 50
    assert default.next_page_token
    capped = await catalog.ListSessions(
        catalog_pb2.ListSessionsRequest(company_id=company.id, page_size=1000)
    )
    assert len(capped.sessions) == 200
    rest = await catalog.ListSessions(
        catalog_pb2.ListSessionsRequest(
            company_id=company.id, page_size=1000, page_token=capped.next_page_token
        )
    )
    assert (len(rest.sessions), rest.next_page_token) == (1, "")


async def test_bad_list_requests_are_refused_with_their_reasons(catalog, company, refused):
    cases = [
        ({"company_id": company.id, "page_size": -1}, INVALID, "INVALID_PAGE_SIZE", "page_size"),
        (
            {"company_id": company.id, "page_token": "not a token"},
            INVALID,
            "INVALID_PAGE_TOKEN",
            "page_token",
        ),
        ({"company_id": company.id, "resource_id": "r1"}, INVALID, "INVALID_ID", "resource_id"),
        ({"company_id": ""}, INVALID, "INVALID_ID", "company_id"),
        ({"company_id": str(uuid.uuid4())}, NOT_FOUND, "COMPANY_NOT_FOUND", None),
    ]
    for query, code, reason, field in cases:
        refusal = await refused(catalog.ListSessions(catalog_pb2.ListSessionsRequest(**query)))
        assert (refusal.code, refusal.reason, refusal.field) == (code, reason, field), query


# Events


async def test_a_created_session_is_published_as_session_created_on_the_catalog_stream(
    catalog, session_request, nats_url
):
    created = (await catalog.CreateSession(session_request())).session
    nc = await connect(nats_url, "catalog-test")
    try:
        js = nc.jetstream()
        subscription = await js.pull_subscribe(
            "catalog.events.session_created",
            stream="CATALOG",
            config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
        )
        matching = []
        deadline = asyncio.get_running_loop().time() + EVENTUALLY_TIMEOUT
        while not matching and asyncio.get_running_loop().time() < deadline:
            try:
                messages = await subscription.fetch(500, timeout=1)
            except TimeoutError:
                continue
            for message in messages:
                await message.ack()
                event = catalog_pb2.Session.FromString(message.data)
                if event.id == created.id:
                    matching.append((message, event))
        assert len(matching) == 1, "the session_created event did not arrive"
        message, event = matching[0]
        assert event == created
        assert message.subject == "catalog.events.session_created"
        assert message.headers["Nats-Msg-Id"] == f"session_created:{created.id}"
        await subscription.unsubscribe()
    finally:
        await nc.close()


# Places summed per resource (the capacity of statistics)


async def test_the_places_of_open_sessions_in_a_period_are_summed_per_resource(
    catalog, company, resource, session_request, timestamp, base_time, refused
):
    studio_b = (
        await catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                company_id=company.id, name="Studio B", booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT
            )
        )
    ).resource
    for hours, capacity in ((0, 12), (2, 5), (30, 7)):  # the last one starts after the period
        await catalog.CreateSession(session_request(hours=hours, capacity=capacity))
    cancelled = (await catalog.CreateSession(session_request(hours=4, capacity=9))).session
    await catalog.CancelSession(
        catalog_pb2.CancelSessionRequest(request_id=str(uuid.uuid4()), session_id=cancelled.id, reason="Ill")
    )
    await catalog.CreateSession(session_request(hours=1, capacity=3, resource_id=studio_b.id))

    def period(**query) -> catalog_pb2.SumSessionPlacesRequest:
        return catalog_pb2.SumSessionPlacesRequest(
            company_id=company.id,
            start_time_from=timestamp(base_time),
            start_time_to=timestamp(base_time + timedelta(hours=24)),
            **query,
        )

    summed = await catalog.SumSessionPlaces(period())
    by_resource = {item.resource_id: (item.session_count, item.places) for item in summed.resources}
    assert by_resource == {resource.id: (2, 17), studio_b.id: (1, 3)}
    only_b = await catalog.SumSessionPlaces(period(resource_id=studio_b.id))
    assert [(item.resource_id, item.places) for item in only_b.resources] == [(studio_b.id, 3)]

    backwards = catalog_pb2.SumSessionPlacesRequest(
        company_id=company.id,
        start_time_from=timestamp(base_time),
        start_time_to=timestamp(base_time - timedelta(hours=1)),
    )
    refusal = await refused(catalog.SumSessionPlaces(backwards))
    assert (refusal.code, refusal.reason) == (INVALID, "INVALID_TIME_RANGE")
    no_period = catalog_pb2.SumSessionPlacesRequest(company_id=company.id)
    refusal = await refused(catalog.SumSessionPlaces(no_period))
    assert (refusal.code, refusal.reason) == (INVALID, "INVALID_TIME_RANGE")
