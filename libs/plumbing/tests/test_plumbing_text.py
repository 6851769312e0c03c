"""The one name rule (plumbing.text): something visible, on one line, no bidi trick. Names made
of characters that show nothing (fillers, blank patterns, lone marks, selectors) are refused;
real names with marks and other scripts pass. Tag characters alone show nothing either; after a
black flag they make a subdivision's flag, which passes."""

from __future__ import annotations

import pytest

from plumbing import text

# Subdivision flags: a black flag, tag characters spelling the region, a cancel tag.
ENGLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
SCOTLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"


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
        "\U000e0041\U000e0064\U000e0061",  # tag characters alone ("Ada" in tags)
        "\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # a flag's tags, no flag
        " \U000e0001\u200b\U000e007f ",
        "Ann\nBell",
        "Inv\u202eited",
    ],
)
def test_a_name_that_shows_nothing_or_breaks_a_line_is_refused(name: str) -> None:
    assert not text.is_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "Ann",
        "Jose\u0301",
        "Zoë",
        "Łódź Studio",
        "山田 花子",
        "\uff21",
        "Yoga 🧘",
        "a\u3164b",
        ENGLAND,
        f"The Crown {ENGLAND}",
        f"{ENGLAND}{SCOTLAND} Pub",
    ],
)
def test_real_names_pass(name: str) -> None:
    assert text.is_name(name)
