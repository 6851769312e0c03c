"""The back office's If-Match reading (routes.common.if_match_etag), shared by every admin router."""

from __future__ import annotations

import pytest

from gateway.problems import Problem
from gateway.routes.admin_customers import _if_match as customer_version
from gateway.routes.common import if_match_etag


@pytest.mark.parametrize("header", [None, "", "   ", "*", " * "])
def test_a_missing_if_match_or_any_version_is_428(header: str | None) -> None:
    with pytest.raises(Problem) as refused:
        if_match_etag(header, "product")
    assert (refused.value.status, refused.value.code) == (428, "PRECONDITION_REQUIRED")
    assert "product's ETag" in refused.value.detail


@pytest.mark.parametrize("header", ['"abc-1"', "abc-1", '  "abc-1"  ', '"abc-1",'])
def test_the_etag_is_read_without_quotes(header: str) -> None:
    assert if_match_etag(header) == "abc-1"


# If-Match compares strongly: a weak tag never matches; one version is read, so one tag.
@pytest.mark.parametrize("header", ['""', "W/", 'W/"abc-1"', '"abc-1", "abc-2"', "x" * 101, '"caf\u00e9"'])
def test_an_etag_we_never_issue_is_412(header: str) -> None:
    with pytest.raises(Problem) as refused:
        if_match_etag(header)
    assert (refused.value.status, refused.value.code) == (412, "PRECONDITION_FAILED")


@pytest.mark.parametrize("header", ['"0"', '"-3"', '"v7"', '"\u00b2"', '"1234567890123456789"'])
def test_a_customer_version_must_be_a_positive_ascii_number(header: str) -> None:
    # "²" passes str.isdigit but not int(): it must be a 412, never an error.
    with pytest.raises(Problem) as refused:
        customer_version(header)
    assert (refused.value.status, refused.value.code) == (412, "PRECONDITION_FAILED")


def test_a_customer_version_is_its_number() -> None:
    assert customer_version('"42"') == 42
