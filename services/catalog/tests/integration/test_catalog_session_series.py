"""Recurring series, UpdateSession and CancelSessionSeries through the real gRPC server."""

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import grpc
import pytest
from dateutil import rrule
from google.protobuf.field_mask_pb2 import FieldMask

from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2
from catalog.domain import recurrence

pytestmark = pytest.mark.integration

BERLIN = ZoneInfo("Europe/Berlin")
EUR = money_pb2.Money(amount_minor=1500, currency_code="EUR")


def series_request(resource_id: str, **overrides) -> catalog_pb2.CreateSessionSeriesRequest:
    values = {
        "request_id": str(uuid.uuid4()),
        "resource_id": resource_id,
        "start_date": "2031-03-15",
        "start_time_of_day": "09:00",
        "duration_minutes": 60,
        "rrule": "FREQ=WEEKLY;BYDAY=SA;COUNT=4",
        "capacity": 10,
        "price": EUR,
    }
    values.update(overrides)
    return catalog_pb2.CreateSessionSeriesRequest(**values)


def local(session: catalog_pb2.Session) -> datetime:
    return session.start_time.ToDatetime(tzinfo=UTC).astimezone(BERLIN)


async def test_a_weekly_series_across_the_dst_change_keeps_nine_local_and_is_created_once(
    catalog, company, resource
):
    request = series_request(resource.id)
    created = await catalog.CreateSessionSeries(request)
    assert [(local(s).date().isoformat(), local(s).strftime("%H:%M")) for s in created.sessions] == [
        ("2031-03-15", "09:00"),
        ("2031-03-22", "09:00"),
        ("2031-03-29", "09:00"),
        ("2031-04-05", "09:00"),
    ]
    assert [s.start_time.ToDatetime().hour for s in created.sessions] == [8, 8, 8, 7]
    assert {s.series_id for s in created.sessions} == {created.series_id}
    assert {(s.capacity, s.etag, s.status) for s in created.sessions} == {
        (10, "1", catalog_pb2.SESSION_STATUS_OPEN)
    }

    # A retry returns the same series; nothing is created twice.
    again = await catalog.CreateSessionSeries(request)
    assert again == created
    listed = await catalog.ListSessions(
        catalog_pb2.ListSessionsRequest(company_id=company.id, resource_id=resource.id)
    )
    assert [s.id for s in listed.sessions] == [s.id for s in created.sessions]


async def test_a_series_across_the_spring_gap_says_which_occurrence_moved_and_to_what_time(
    catalog, company, resource
):
    # 2027-03-28 in Europe/Berlin: 02:00 goes to 03:00. A single session at 02:30 that day is
    # refused TIME_SKIPPED; a weekly series keeps RFC 5545's rule (the time after the gap) for
    # that occurrence, and now says so.
    request = series_request(
        resource.id, start_date="2027-03-21", start_time_of_day="02:30", rrule="FREQ=WEEKLY;COUNT=3"
    )
    created = await catalog.CreateSessionSeries(request)
    assert [(local(s).date().isoformat(), local(s).strftime("%H:%M")) for s in created.sessions] == [
        ("2027-03-21", "02:30"),
        ("2027-03-28", "03:30"),
        ("2027-04-04", "02:30"),
    ]
    assert list(created.moved_occurrences) == [
        catalog_pb2.MovedOccurrence(
            session_id=created.sessions[1].id,
            local_date="2027-03-28",
            requested_local_time="02:30",
            local_start_time="03:30",
        )
    ]
    # A retry says it again.
    assert (await catalog.CreateSessionSeries(request)) == created
    # A series that never meets a gap moves nothing.
    plain = await catalog.CreateSessionSeries(
        series_request(resource.id, start_date="2027-04-05", start_time_of_day="02:30")
    )
    assert list(plain.moved_occurrences) == []


async def test_a_too_long_or_endless_series_is_refused_and_creates_nothing(
    catalog, company, resource, refused
):
    endless = await refused(catalog.CreateSessionSeries(series_request(resource.id, rrule="FREQ=DAILY")))
    assert (endless.code, endless.reason, endless.field) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_RRULE",
        "rrule",
    )
    huge = await refused(
        catalog.CreateSessionSeries(series_request(resource.id, rrule="FREQ=DAILY;COUNT=600"))
    )
    assert huge.reason == "TOO_MANY_OCCURRENCES"
    wrong_currency = await refused(
        catalog.CreateSessionSeries(
            series_request(resource.id, price=money_pb2.Money(amount_minor=1, currency_code="USD"))
        )
    )
    assert wrong_currency.reason == "CURRENCY_MISMATCH"
    listed = await catalog.ListSessions(catalog_pb2.ListSessionsRequest(company_id=company.id))
    assert list(listed.sessions) == []


async def test_a_series_begun_in_the_past_creates_only_its_occurrences_still_to_come(
    catalog, company, resource
):
    # Weekly from 20 days ago: 20, 13 and 6 days ago have passed, whatever the time of day;
    # tomorrow, in 8 and in 15 days are to come.
    today = datetime.now(BERLIN).date()
    first = today - timedelta(days=20)
    created = await catalog.CreateSessionSeries(
        series_request(resource.id, start_date=first.isoformat(), rrule="FREQ=WEEKLY;COUNT=6")
    )
    assert [local(s).date() for s in created.sessions] == [
        today + timedelta(days=days) for days in (1, 8, 15)
    ]
    listed = await catalog.ListSessions(
        catalog_pb2.ListSessionsRequest(company_id=company.id, resource_id=resource.id)
    )
    assert [s.id for s in listed.sessions] == [s.id for s in created.sessions]


async def test_a_series_whose_every_occurrence_has_passed_is_refused_and_creates_nothing(
    catalog, company, resource, refused
):
    first = datetime.now(BERLIN).date() - timedelta(days=30)
    refusal = await refused(
        catalog.CreateSessionSeries(
            series_request(resource.id, start_date=first.isoformat(), rrule="FREQ=WEEKLY;COUNT=3")
        )
    )
    assert (refusal.code, refusal.reason, refusal.field) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "SESSION_IN_PAST",
        "start_date",
    )
    listed = await catalog.ListSessions(catalog_pb2.ListSessionsRequest(company_id=company.id))
    assert list(listed.sessions) == []


@pytest.fixture
def bounded_walk(monkeypatch):
    """The server's expansions under a budget: dateutil's own iterator (which scans a rule that
    never matches up to year 9999, the event loop busy for seconds) is forbidden, and a walk
    past the two-year horizon fails. Without the bound these calls fail, not merely slow down."""
    walk = recurrence.candidate_periods
    budget = recurrence.MAX_SPAN.days + 2

    def counted(rule, last_day):
        for walked, period in enumerate(walk(rule, last_day), start=1):
            assert walked <= budget, "the walk went past the horizon"
            yield period

    def unbounded(self):
        raise AssertionError("dateutil's own iteration has no bound on a rule that never matches")
        yield  # pragma: no cover

    monkeypatch.setattr(recurrence, "candidate_periods", counted)
    monkeypatch.setattr(rrule.rrule, "_iter", unbounded)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31;COUNT=1",
        "FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31;COUNT=2",
        "FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO;COUNT=500",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;COUNT=2",
        "FREQ=DAILY;INTERVAL=1000000000;COUNT=2",
        "FREQ=MONTHLY;BYDAY=53MO;COUNT=1",  # dateutil's masks raised IndexError: a 500
        "FREQ=YEARLY;BYEASTER=300;COUNT=1",  # likewise
    ],
)
async def test_a_rule_without_its_occurrences_in_two_years_is_refused_within_them(
    catalog, company, resource, refused, bounded_walk, rule
):
    refusal = await refused(catalog.CreateSessionSeries(series_request(resource.id, rrule=rule)))
    assert (refusal.code, refusal.reason, refusal.field) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_RRULE",
        "rrule",
    )
    listed = await catalog.ListSessions(catalog_pb2.ListSessionsRequest(company_id=company.id))
    assert list(listed.sessions) == []


async def test_a_rule_of_more_than_two_dozen_times_a_day_is_refused(catalog, resource, refused):
    every_minute = "FREQ=DAILY;BYHOUR=9,10;BYMINUTE=" + ",".join(str(m) for m in range(60)) + ";COUNT=3"
    refusal = await refused(catalog.CreateSessionSeries(series_request(resource.id, rrule=every_minute)))
    assert (refusal.code, refusal.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_RRULE")


async def test_a_series_is_expanded_under_the_walks_budget(catalog, resource, bounded_walk):
    created = await catalog.CreateSessionSeries(
        series_request(resource.id, rrule="FREQ=MONTHLY;BYDAY=-1FR;COUNT=3")
    )
    assert [local(s).date().isoformat() for s in created.sessions] == [
        "2031-03-28",
        "2031-04-25",
        "2031-05-30",
    ]


async def test_an_update_at_a_stale_etag_is_refused_and_changes_nothing(catalog, resource, refused):
    first = (await catalog.CreateSessionSeries(series_request(resource.id))).sessions[0]
    change = catalog_pb2.UpdateSessionRequest(
        request_id=str(uuid.uuid4()),
        session=catalog_pb2.Session(
            id=first.id, etag=first.etag, price=money_pb2.Money(amount_minor=2500, currency_code="EUR")
        ),
        update_mask=FieldMask(paths=["price"]),
    )
    updated = (await catalog.UpdateSession(change)).session
    assert (updated.price.amount_minor, updated.etag, updated.capacity) == (2500, "2", 10)
    assert (await catalog.UpdateSession(change)).session == updated  # a retry changes nothing more

    stale = catalog_pb2.UpdateSessionRequest(
        request_id=str(uuid.uuid4()),
        session=catalog_pb2.Session(id=first.id, etag=first.etag, capacity=3),
        update_mask=FieldMask(paths=["capacity"]),
    )
    refusal = await refused(catalog.UpdateSession(stale))
    assert (refusal.code, refusal.reason) == (grpc.StatusCode.ABORTED, "ETAG_MISMATCH")
    unknown_field = await refused(
        catalog.UpdateSession(
            catalog_pb2.UpdateSessionRequest(
                session=catalog_pb2.Session(id=first.id), update_mask=FieldMask(paths=["resource_id"])
            )
        )
    )
    assert unknown_field.reason == "INVALID_UPDATE_MASK"
    read = (await catalog.GetSession(catalog_pb2.GetSessionRequest(session_id=first.id))).session
    assert read == updated


async def test_cancelling_the_rest_of_a_series_cancels_that_occurrence_and_the_later_ones(
    catalog, resource, catalog_events, refused
):
    created = (await catalog.CreateSessionSeries(series_request(resource.id))).sessions
    request = catalog_pb2.CancelSessionSeriesRequest(
        request_id=str(uuid.uuid4()), session_id=created[2].id, reason="Studio closes for Easter"
    )
    cancelled = (await catalog.CancelSessionSeries(request)).sessions
    assert [s.id for s in cancelled] == [created[2].id, created[3].id]
    assert {s.cancel_reason for s in cancelled} == {"Studio closes for Easter"}
    assert list((await catalog.CancelSessionSeries(request)).sessions) == []  # nothing left to cancel
    statuses = [
        (await catalog.GetSession(catalog_pb2.GetSessionRequest(session_id=s.id))).session.status
        for s in created
    ]
    assert statuses == [catalog_pb2.SESSION_STATUS_OPEN] * 2 + [catalog_pb2.SESSION_STATUS_CANCELLED] * 2
    ids = {s.id for s in cancelled}

    def of_this_series(data: bytes) -> bool:
        return catalog_pb2.SessionCancelled.FromString(data).session.id in ids

    messages = await catalog_events("catalog.events.session_cancelled", of_this_series)
    assert len(messages) == 2

    single = (
        await catalog.CreateSession(
            catalog_pb2.CreateSessionRequest(
                resource_id=resource.id,
                start_time=created[0].start_time,
                end_time=created[0].end_time,
                capacity=1,
                price=EUR,
            )
        )
    ).session
    not_series = await refused(
        catalog.CancelSessionSeries(catalog_pb2.CancelSessionSeriesRequest(session_id=single.id, reason="x"))
    )
    assert not_series.reason == "SESSION_NOT_IN_SERIES"
