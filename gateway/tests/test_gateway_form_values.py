"""What the console's forms take as an amount or a whole number (gateway.pages.manage): what
people type (12.50, 12,5, 7), and nothing a lenient parser would also take: scientific
notation (1e2 is a hundred), other scripts' digits, signs, spaces inside."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from gateway.pages.manage import Refused, _int, _minor


@pytest.mark.parametrize(("typed", "minor"), [("12.50", 1250), ("12,5", 1250), ("7", 700), (" 0.01 ", 1)])
def test_an_amount_as_people_type_it_is_taken(typed: str, minor: int) -> None:
    assert _minor(typed, "amount") == minor


@pytest.mark.parametrize(
    "typed", ["1e2", "1E2", "\u0665", "5\u00a0", "+5", "-5", "1 000", "12.505", "NaN", "Infinity", "0x10", ""]
)
def test_anything_else_is_a_field_error(typed: str) -> None:
    with pytest.raises(Refused) as refused:
        _minor(typed, "amount")
    assert refused.value.code == "VALIDATION_FAILED" and "amount" in refused.value.errors


@pytest.mark.parametrize("typed", ["\uff12", "\u0663", "1e3"])
def test_a_whole_number_is_ascii_digits(typed: str) -> None:
    with pytest.raises(Refused):
        _int(typed, "capacity")
    assert _int("12", "capacity") == 12 and _int("-3", "offset") == -3


def test_a_local_time_the_clocks_skip_is_refused_and_one_they_repeat_is_taken() -> None:
    from zoneinfo import ZoneInfo

    from gateway.pages.manage import _local

    berlin = SimpleNamespace(zone=ZoneInfo("Europe/Berlin"))
    with pytest.raises(Refused) as refused:
        _local(berlin, "2031-03-30", "02:30", "start_time")  # 02:00-03:00 does not exist
    assert "does not exist" in refused.value.errors["start_time"]
    assert _local(berlin, "2031-10-26", "02:30", "start_time").isoformat() == "2031-10-26T00:30:00+00:00"
    assert _local(berlin, "2031-03-30", "03:30", "start_time").isoformat() == "2031-03-30T01:30:00+00:00"
