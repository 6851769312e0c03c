"""The one name rule (plumbing.text): something visible, on one line, no bidi trick. Names made
of characters that show nothing (fillers, blank patterns, lone marks, selectors) are refused;
real names with marks and other scripts pass. Tag characters alone show nothing either; after a
black flag they make a subdivision's flag, which passes."""

from __future__ import annotations

import sys
import unicodedata

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


# Unicode's default-ignorable code points (DerivedCoreProperties.txt), as ranges: each shows
# nothing, so a name of them alone is no name (a tester's: U+206A, U+E0100, U+1D173, U+FFF9).
DEFAULT_IGNORABLE = [
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
]


def test_no_format_character_nor_default_ignorable_code_point_alone_is_a_name() -> None:
    # The bidi ones (U+202A-E, U+2066-9) are refused anywhere in a name, the rest when alone.
    format_characters = [c for c in map(chr, range(sys.maxunicode + 1)) if unicodedata.category(c) == "Cf"]
    ignorable = [chr(c) for first, last in DEFAULT_IGNORABLE for c in range(first, last + 1)]
    shown = [c for c in format_characters + ignorable if text.is_name(c) or text.is_name(f" {c}{c} ")]
    assert shown == [], [f"U+{ord(c):04X}" for c in shown]
    # Beside a letter each is allowed (a joiner in a name, a variation selector after an emoji).
    assert text.is_name("a\u206ab") and text.is_name("\u2764\ufe0f") and text.is_name("Ann\U000e0100")


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
