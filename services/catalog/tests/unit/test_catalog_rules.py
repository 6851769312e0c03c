"""Validation rules of catalog requests: each bad value is refused with its reason and field."""

import uuid
from datetime import UTC, datetime, time, timedelta, timezone

import pytest

from catalog.domain import errors, rules
from catalog.domain.commands import (
    CreateCompany,
    CreateCustomer,
    CreateExtra,
    CreateResource,
    CreateSession,
    ListSessions,
    UpdateSession,
)
from catalog.domain.model import BookingModel, CancellationWindow, Money, ResourcePolicy
from plumbing.errors import ErrorKind, InvalidArgument

START = datetime(2030, 5, 1, 9, 0, tzinfo=UTC)
NOW = START - timedelta(days=30)


def refusal(call, *args, **kwargs) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as raised:
        call(*args, **kwargs)
    assert raised.value.kind is ErrorKind.INVALID_ARGUMENT
    return raised.value


def company(**overrides):
    values = {"request_id": "r", "name": "Yoga Loft", "time_zone": "Europe/Berlin", "currency_code": "EUR"}
    return CreateCompany.parse(**{**values, **overrides})


def session(**overrides):
    values = {
        "request_id": "",
        "resource_id": str(uuid.uuid4()),
        "start_time": START,
        "end_time": START + timedelta(hours=1),
        "capacity": 10,
        "price_amount_minor": 1500,
        "price_currency_code": "EUR",
        "now": NOW,
    }
    return CreateSession.parse(**{**values, **overrides})


# Ids


def test_an_id_is_parsed_as_a_uuid():
    value = uuid.uuid4()
    assert (
        ListSessions.parse(
            company_id=str(value), resource_id="", start_time_from=None, page_size=0, page_token=""
        ).company_id
        == value
    )


@pytest.mark.parametrize("value", ["", "42", "not-a-uuid", str(uuid.uuid4())[:-1]])
def test_an_empty_or_malformed_id_is_invalid_id_naming_its_field_without_echoing_it(value):
    error = refusal(
        CreateSession.parse,
        request_id="",
        resource_id=value,
        start_time=START,
        end_time=START + timedelta(hours=1),
        capacity=10,
        price_amount_minor=1500,
        price_currency_code="EUR",
        now=NOW,
    )
    assert (error.reason, error.field) == (errors.INVALID_ID, "resource_id")
    assert not value or value not in str(error)


def test_an_optional_id_may_be_empty_but_not_malformed():
    def listing(resource_id: str) -> ListSessions:
        return ListSessions.parse(
            company_id=str(uuid.uuid4()),
            resource_id=resource_id,
            start_time_from=None,
            page_size=0,
            page_token="",
        )

    assert listing("").resource_id is None
    assert refusal(listing, "x").reason == errors.INVALID_ID


def test_an_empty_request_id_means_no_idempotency_and_an_overlong_one_is_refused():
    assert rules.request_id("") is None
    assert rules.request_id("abc") == "abc"
    error = refusal(rules.request_id, "x" * 201)
    assert (error.reason, error.field) == (errors.INVALID_REQUEST_ID, "request_id")


# Companies


def test_a_valid_company_request_is_parsed_with_its_name_trimmed():
    command = company(name="  Yoga Loft ")
    assert command == CreateCompany(
        request_id="r", name="Yoga Loft", time_zone="Europe/Berlin", currency_code="EUR"
    )


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_a_blank_or_overlong_name_is_invalid_name(name):
    error = refusal(company, name=name)
    assert (error.reason, error.field) == (errors.INVALID_NAME, "name")


@pytest.mark.parametrize("time_zone", ["America/New_York", "UTC", "Asia/Kolkata"])
def test_iana_time_zones_are_accepted(time_zone):
    assert company(time_zone=time_zone).time_zone == time_zone


@pytest.mark.parametrize(
    "time_zone",
    [
        *("", "Mars/Olympus_Mons", "europe/berlin", "Europe/", "../etc/passwd", "/etc/localtime", "+02:00"),
        # Files of the zone database that ZoneInfo opens but PostgreSQL knows as no zone.
        *("localtime", "posixrules", "Factory", "posix/Europe/Berlin", "right/UTC"),
    ],
)
def test_anything_but_an_iana_time_zone_is_invalid_time_zone(time_zone):
    error = refusal(company, time_zone=time_zone)
    assert (error.reason, error.field) == (errors.INVALID_TIME_ZONE, "time_zone")


@pytest.mark.parametrize("currency", ["", "eur", "EU", "EURO", "E1R", " EUR"])
def test_a_currency_that_is_not_three_upper_case_letters_is_invalid_currency(currency):
    error = refusal(company, currency_code=currency)
    assert (error.reason, error.field) == (errors.INVALID_CURRENCY, "currency_code")


# Customers


def test_a_guest_may_have_no_email():
    command = CreateCustomer.parse(
        request_id="", company_id=str(uuid.uuid4()), display_name="Ann", email="", guest=True
    )
    assert command.email is None
    assert command.guest is True


def test_a_customer_who_is_not_a_guest_needs_an_email():
    error = refusal(
        CreateCustomer.parse,
        request_id="",
        company_id=str(uuid.uuid4()),
        display_name="Ann",
        email=" ",
        guest=False,
    )
    assert (error.reason, error.field) == (errors.EMAIL_REQUIRED, "email")


def test_an_email_is_trimmed():
    assert rules.email("  ann@example.com ") == "ann@example.com"


@pytest.mark.parametrize(
    "email",
    [
        "ann",
        "ann@",
        "@example.com",
        "ann@example",
        "ann smith@example.com",
        "a@b@c.com",
        "x" * 250 + "@e.com",
    ],
)
def test_a_malformed_email_is_invalid_email(email):
    error = refusal(rules.email, email)
    assert (error.reason, error.field) == (errors.INVALID_EMAIL, "email")


def test_a_customer_display_name_is_checked_like_a_name():
    error = refusal(
        CreateCustomer.parse,
        request_id="",
        company_id=str(uuid.uuid4()),
        display_name="",
        email="",
        guest=True,
    )
    assert (error.reason, error.field) == (errors.INVALID_NAME, "display_name")


# Resources


def test_a_resource_without_a_policy_gets_the_default_policy():
    command = CreateResource.parse(
        request_id="", company_id=str(uuid.uuid4()), name="Studio", booking_model="NIGHTLY", policy=None
    )
    assert command.booking_model is BookingModel.NIGHTLY
    assert command.policy == ResourcePolicy(
        lead_time_minutes=0,
        horizon_days=365,
        free_cancellation_minutes=1440,
        max_places_per_booking=0,
        cancellation_windows=(CancellationWindow(1440, 100), CancellationWindow(0, 0)),
        check_in_time=time(15, 0),
        check_out_time=time(11, 0),
    )


@pytest.mark.parametrize("model", [None, "", "UNSPECIFIED", "time_slot"])
def test_an_unspecified_or_unknown_booking_model_is_invalid_booking_model(model):
    error = refusal(
        CreateResource.parse,
        request_id="",
        company_id=str(uuid.uuid4()),
        name="S",
        booking_model=model,
        policy=None,
    )
    assert (error.reason, error.field) == (errors.INVALID_BOOKING_MODEL, "booking_model")


@pytest.mark.parametrize(
    "key", ["lead_time_minutes", "horizon_days", "free_cancellation_minutes", "max_places_per_booking"]
)
def test_a_negative_policy_value_is_invalid_policy_naming_it(key):
    error = refusal(rules.policy, BookingModel.TIME_SLOT, rules.PolicyInput(**{key: -1}))
    assert (error.reason, error.field) == (errors.INVALID_POLICY, f"policy.{key}")


# Sessions


def test_session_times_are_kept_in_utc():
    berlin = timezone(timedelta(hours=2))
    command = session(
        start_time=datetime(2030, 5, 1, 11, 0, tzinfo=berlin),
        end_time=datetime(2030, 5, 1, 12, 0, tzinfo=berlin),
    )
    assert command.start_time == START
    assert command.start_time.utcoffset() == timedelta(0)
    assert command.price == Money(1500, "EUR")


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (None, START, "start_time"),
        (START, None, "end_time"),
        (START, START, "end_time"),
        (START, START - timedelta(minutes=1), "end_time"),
    ],
)
def test_a_missing_or_empty_time_range_is_invalid_time_range(start, end, field):
    error = refusal(session, start_time=start, end_time=end)
    assert (error.reason, error.field) == (errors.INVALID_TIME_RANGE, field)


def test_a_session_lasts_at_most_a_day_as_a_series_occurrence_does():
    assert session(end_time=START + timedelta(minutes=1440)).end_time == START + timedelta(days=1)
    error = refusal(session, end_time=START + timedelta(minutes=1441))
    assert (error.reason, error.field) == (errors.SESSION_TOO_LONG, "end_time")
    decades = refusal(session, start_time=NOW, end_time=datetime(2099, 1, 1, tzinfo=UTC))
    assert decades.reason == errors.SESSION_TOO_LONG


@pytest.mark.parametrize(
    "start",
    [
        datetime(1970, 1, 1, tzinfo=UTC),
        NOW - timedelta(days=1),
        NOW - rules.PAST_START_TOLERANCE - timedelta(seconds=1),
    ],
)
def test_a_session_that_has_already_started_is_refused(start):
    error = refusal(session, start_time=start, end_time=start + timedelta(hours=1))
    assert (error.reason, error.field) == (errors.SESSION_IN_PAST, "start_time")


def test_a_start_that_was_still_to_come_when_asked_is_kept_on_arrival():
    # The console offers only a time still to come by its clock; transit and skew are forgiven.
    for start in (NOW, NOW - rules.PAST_START_TOLERANCE):
        assert session(start_time=start, end_time=start + timedelta(hours=1)).start_time == start


def update(**overrides):
    values = {
        "request_id": "",
        "session_id": str(uuid.uuid4()),
        "etag": "1",
        "paths": ["start_time", "end_time"],
        "capacity": 0,
        "price_amount_minor": None,
        "price_currency_code": "",
        "start_time": START,
        "end_time": START + timedelta(hours=1),
        "now": NOW,
    }
    return UpdateSession.parse(**{**values, **overrides})


def test_a_session_is_moved_neither_into_the_past_nor_to_more_than_a_day():
    assert update().start_time == START
    past = refusal(update, start_time=NOW - timedelta(hours=1), end_time=NOW)
    assert (past.reason, past.field) == (errors.SESSION_IN_PAST, "start_time")
    long = refusal(update, end_time=START + timedelta(days=2))
    assert (long.reason, long.field) == (errors.SESSION_TOO_LONG, "end_time")


def test_a_session_under_way_may_still_change_its_price():
    # Only new times are judged against the clock: the price of a running session can change.
    changed = update(
        paths=["price"],
        price_amount_minor=900,
        price_currency_code="EUR",
        start_time=None,
        end_time=None,
        now=START,
    )
    assert changed.price == Money(900, "EUR") and changed.start_time is None


@pytest.mark.parametrize("capacity", [0, -3])
def test_a_capacity_below_one_is_invalid_capacity(capacity):
    error = refusal(session, capacity=capacity)
    assert (error.reason, error.field) == (errors.INVALID_CAPACITY, "capacity")


def test_a_free_session_is_allowed_but_a_negative_or_missing_price_is_invalid_price():
    assert session(price_amount_minor=0).price == Money(0, "EUR")
    negative = refusal(session, price_amount_minor=-1)
    assert (negative.reason, negative.field) == (errors.INVALID_PRICE, "price.amount_minor")
    missing = refusal(session, price_amount_minor=None)
    assert (missing.reason, missing.field) == (errors.INVALID_PRICE, "price")


def test_a_price_currency_must_be_an_iso_code():
    error = refusal(session, price_currency_code="eur")
    assert (error.reason, error.field) == (errors.INVALID_CURRENCY, "price.currency_code")


def test_an_extra_price_is_checked_like_a_session_price():
    command = CreateExtra.parse(
        request_id="",
        company_id=str(uuid.uuid4()),
        name="Mat",
        price_amount_minor=300,
        price_currency_code="EUR",
    )
    assert command.price == Money(300, "EUR")
    error = refusal(
        CreateExtra.parse,
        request_id="",
        company_id=str(uuid.uuid4()),
        name="Mat",
        price_amount_minor=-5,
        price_currency_code="EUR",
    )
    assert error.reason == errors.INVALID_PRICE


# Listing


def listed(page_size: int = 0, page_token: str = "") -> ListSessions:
    return ListSessions.parse(
        company_id=str(uuid.uuid4()),
        resource_id="",
        start_time_from=None,
        page_size=page_size,
        page_token=page_token,
    )


@pytest.mark.parametrize(("given", "used"), [(0, 50), (1, 1), (200, 200), (201, 200), (10_000, 200)])
def test_page_size_defaults_to_50_and_is_capped_at_200(given, used):
    assert listed(page_size=given).page_size == used


def test_a_negative_page_size_is_invalid_page_size():
    error = refusal(listed, page_size=-1)
    assert (error.reason, error.field) == (errors.INVALID_PAGE_SIZE, "page_size")


def test_a_page_token_round_trips_its_keyset():
    cursor = rules.SessionCursor(start_time=START + timedelta(microseconds=7), id=uuid.uuid4())
    token = cursor.encode()
    assert token.isascii() and "=" not in token
    assert rules.SessionCursor.decode(token) == cursor


@pytest.mark.parametrize("token", ["garbage!", "e30", "bm90IGpzb24", "W10", "eyJzIjoiMjAzMCIsImkiOiJ4In0"])
def test_a_token_that_this_list_did_not_issue_is_invalid_page_token(token):
    error = refusal(listed, page_token=token)
    assert (error.reason, error.field) == (errors.INVALID_PAGE_TOKEN, "page_token")


def test_a_list_request_is_parsed_with_its_filters():
    company_id, resource_id = uuid.uuid4(), uuid.uuid4()
    cursor = rules.SessionCursor(start_time=START, id=uuid.uuid4())
    query = ListSessions.parse(
        company_id=str(company_id),
        resource_id=str(resource_id),
        start_time_from=START,
        page_size=0,
        page_token=cursor.encode(),
    )
    assert query == ListSessions(
        company_id=company_id, resource_id=resource_id, start_time_from=START, page_size=50, after=cursor
    )
