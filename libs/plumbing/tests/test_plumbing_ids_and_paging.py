"""The tree's one UUID check and one page-token codec: ids are refused with INVALID_ID
without echoing the value, page tokens round-trip every key they can carry, and anything a
client makes up instead is INVALID_PAGE_TOKEN, never an exception of another kind."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plumbing.errors import InvalidArgument
from plumbing.ids import is_uuid, optional_id, optional_uuid, parse_id, parse_uuid
from plumbing.paging import decode_page_token, encode_page_token, page_size


def test_an_id_is_read_in_every_form_uuid_reads_and_given_back_canonical():
    value = uuid.uuid4()
    for written in (str(value), str(value).upper(), value.hex, f"{{{value}}}", value.urn):
        assert parse_uuid(written, "booking_id") == value
        assert parse_id(written, "booking_id") == str(value)


@pytest.mark.parametrize("value", ["", "not-a-uuid", "4111111111111111", "\x00", "1234"])
def test_an_empty_or_malformed_id_is_invalid_id_naming_the_field_without_echoing_it(value):
    with pytest.raises(InvalidArgument) as raised:
        parse_uuid(value, "customer_id")

    assert (raised.value.reason, raised.value.field) == ("INVALID_ID", "customer_id")
    assert not value or value not in raised.value.message


def test_an_optional_id_is_none_when_empty_and_checked_otherwise():
    assert optional_uuid("", "company_id") is None
    assert optional_id(None, "company_id") is None
    value = uuid.uuid4()
    assert optional_id(value.hex, "company_id") == str(value)
    with pytest.raises(InvalidArgument):
        optional_uuid("x", "company_id")


def test_is_uuid_says_no_to_what_is_not_a_string_uuid():
    assert is_uuid(str(uuid.uuid4()))
    assert not is_uuid(None) and not is_uuid(42) and not is_uuid("nope")


def test_the_page_size_defaults_caps_and_refuses_negatives():
    assert page_size(0) == 50
    assert page_size(7) == 7
    assert page_size(10_000) == 200
    assert page_size(0, default=20, maximum=100) == 20
    assert page_size(500, default=20, maximum=100) == 100
    with pytest.raises(InvalidArgument) as raised:
        page_size(-1)
    assert (raised.value.reason, raised.value.field) == ("INVALID_PAGE_SIZE", "page_size")


aware_times = st.datetimes(
    min_value=datetime(1970, 1, 1),
    max_value=datetime(2199, 12, 31),
    timezones=st.builds(timezone, st.integers(-14 * 60, 14 * 60).map(lambda m: timedelta(minutes=m))),
)


@given(time=aware_times, row=st.uuids())
def test_a_time_and_id_key_round_trips(time, row):
    token = encode_page_token(time, row)

    decoded = decode_page_token(token, datetime, uuid.UUID)

    assert decoded == (time, row)
    assert decoded is not None and decoded[0].utcoffset() == time.utcoffset()
    assert "=" not in token and token.isascii()


# Text keys are names: at most 200 characters (the API's limit).
@given(position=st.integers(min_value=-(2**63), max_value=2**63), text=st.text(max_size=200))
def test_an_int_and_text_key_round_trips(position, text):
    assert decode_page_token(encode_page_token(position, text), int, str) == (position, text)


def test_the_longest_name_key_round_trips():
    """200 characters of 4 bytes each and a UUID: the largest key a list sorts by."""
    name, row = "\U0001f600" * 200, uuid.uuid4()
    token = encode_page_token(name, row)
    assert decode_page_token(token, str, uuid.UUID) == (name, row)


def test_the_empty_token_is_the_first_page():
    assert decode_page_token("", datetime, uuid.UUID) is None


def test_a_padded_token_decodes_like_an_unpadded_one():
    time, row = datetime(2030, 1, 1, tzinfo=UTC), uuid.uuid4()
    padded = base64.urlsafe_b64encode(f'["{time.isoformat()}","{row}"]'.encode()).decode()

    assert padded.endswith("=")
    assert decode_page_token(padded, datetime, uuid.UUID) == (time, row)


def _token(body: str) -> str:
    return base64.urlsafe_b64encode(body.encode()).decode()


@pytest.mark.parametrize(
    "token",
    [
        "%%%",
        "bm90IGpzb24",  # "not json"
        _token('{"s": 1}'),
        _token('["2030-01-01T00:00:00+00:00"]'),  # too short
        _token('["2030-01-01T00:00:00", "00000000-0000-0000-0000-000000000000"]'),  # naive time
        _token('["2030-01-01T00:00:00+00:00", "nope"]'),
        _token('[1, "00000000-0000-0000-0000-000000000000"]'),
        _token("[" * 5000 + "]" * 5000),
        "é",
        "A" * 2000,
    ],
)
def test_a_token_of_another_shape_is_invalid_page_token(token):
    with pytest.raises(InvalidArgument) as raised:
        decode_page_token(token, datetime, uuid.UUID)

    assert (raised.value.reason, raised.value.field) == ("INVALID_PAGE_TOKEN", "page_token")


def test_a_bool_is_not_an_int_key():
    with pytest.raises(InvalidArgument):
        decode_page_token(_token("[true]"), int)


@given(junk=st.text(max_size=300))
def test_whatever_a_client_sends_decodes_or_is_invalid_page_token(junk):
    try:
        decoded = decode_page_token(junk, datetime, uuid.UUID)
    except InvalidArgument as refused:
        assert refused.reason == "INVALID_PAGE_TOKEN"
    else:
        assert decoded is None or isinstance(decoded[1], uuid.UUID)
