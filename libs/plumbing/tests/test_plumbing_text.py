"""The one name rule (plumbing.text): something visible, on one line, no bidi trick. Names made
of characters that show nothing (fillers, blank patterns, lone marks, selectors) are refused;
real names with marks and other scripts pass."""

from __future__ import annotations

import pytest

from plumbing import text


@pytest.mark.parametrize(
    "name",
    [
        "\u200b",  # zero-width space
        "\u3164",  # Hangul filler
        "\uffa0",  # halfwidth Hangul filler
        "\u115f\u1160",  # Hangul choseong and jungseong fillers
        "\u2800",  # blank Braille pattern
        "\u034f",  # combining grapheme joiner
        "\ufe0f",  # variation selector 16
        "\u17b4",  # Khmer inherent vowel
        "\u180b",  # Mongolian free variation selector
        "\u0301",  # a combining acute accent alone
        " \u3164 \u2800 ",
        "Ann\nBell",
        "Inv\u202eited",
    ],
)
def test_a_name_that_shows_nothing_or_breaks_a_line_is_refused(name: str) -> None:
    assert not text.is_name(name)


@pytest.mark.parametrize(
    "name", ["Ann", "Jose\u0301", "Zoë", "Łódź Studio", "山田 花子", "\uff21", "Yoga 🧘", "a\u3164b"]
)
def test_real_names_pass(name: str) -> None:
    assert text.is_name(name)
