"""What people write for other people to read: names and labels, descriptions. One pattern of
each, shared by the gateway's edge (pydantic `pattern`, shown in the OpenAPI schema) and the
services' own checks (a gRPC caller does not pass round the gateway's). The patterns use no
look-around and only escapes that read the same in Python, Rust (pydantic) and JavaScript.

A name or label (a person's, a company's, a resource's, a unit's, an extra's, a rate plan's, a
pass product's, an API key's, a feed's...): one line of readable characters. It goes into
e-mails, calendar entries and pages, so refused: control characters (C0 with CR/LF, DEL, C1),
the line and paragraph separators, and the bidirectional overrides and isolates (U+202A-E,
U+2066-9: "Ada" shown as another name, or an e-mail's next words reversed); and at least one
character must be visible, not only spaces, zero-width ones or tag characters (an England flag,
a black flag followed by tags, is visible).

A description (free text of several lines): line feeds, carriage returns and tabs are kept, no
other control, separator or bidi override/isolate.
"""

from __future__ import annotations

import re

# Never in a name: C0 (CR/LF among them), DEL, C1, U+2028/9, the bidi overrides and isolates.
_NOT_IN_A_NAME = r"\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
# Never in a description: the same but for tab, line feed and carriage return.
_NOT_IN_A_DESCRIPTION = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
# Outside the BMP no escape reads the same in Python, Rust and JavaScript, so these classes hold
# the characters themselves (a JavaScript reader needs the u or v flag, as JSON Schema
# validators and HTML patterns use): the rest of Unicode's format characters (category Cf) and
# default-ignorable code points, Brahmi and Kaithi number marks, Egyptian hieroglyph format
# controls, shorthand format controls, musical symbol beams and ties, and the tag and
# variation-selector plane U+E0000-E0FFF. The tags (U+E0020-E007F) show nothing either: after
# a black flag (U+1F3F4) they spell a subdivision's flag (England's, Scotland's), which the
# flag itself makes visible; a name of tags alone shows nothing.
_FORMAT_BEYOND_BMP = (
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
# Shows nothing by itself: spaces, the soft hyphen, zero-width characters, marks and joiners,
# the combining marks (alone, a dotted circle at most), the grapheme joiner, the Hangul and
# Khmer fillers, Mongolian and other variation selectors, the blank Braille pattern, and every
# format character (Cf) and default-ignorable code point: Arabic prepended marks and the
# letter mark, the deprecated format characters U+206A-F, the reserved U+FFF0-8 and the
# interlinear annotation marks U+FFF9-B (test_plumbing_text checks the whole Cf category).
_INVISIBLE = (
    r"\s\u00ad\u0300-\u036f\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160"
    r"\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0"
    r"\ufff0-\ufffb" + _FORMAT_BEYOND_BMP
)
_NAME_BODY = rf"[^{_NOT_IN_A_NAME}]*[^{_NOT_IN_A_NAME}{_INVISIBLE}][^{_NOT_IN_A_NAME}]*"

NAME_PATTERN = rf"^{_NAME_BODY}$"
# A name that may also be left empty (a feed's, a device's: something else stands in for it).
OPTIONAL_NAME_PATTERN = rf"^(?:{_NAME_BODY})?$"
DESCRIPTION_PATTERN = rf"^[^{_NOT_IN_A_DESCRIPTION}]*$"

_NAME = re.compile(NAME_PATTERN)
_DESCRIPTION = re.compile(DESCRIPTION_PATTERN)


def is_name(value: str) -> bool:
    """One line of readable characters, at least one of them visible."""
    return _NAME.fullmatch(value) is not None


def is_description(value: str) -> bool:
    """Free text (empty too): lines and tabs, no other control, separator or bidi character."""
    return _DESCRIPTION.fullmatch(value) is not None


# An e-mail address as a plain addr-spec (RFC 5322's dot-atom local part, RFC 6531's letters
# too) and nothing a To: header could read as something else: no quotes, spaces or controls,
# none of <>()[]\,;: (a display name, a comment, a second address), no "?" (an encoded word
# "=?utf-8?q?...?=" that mail readers decode into other addresses; no mailbox needs one), no
# leading, trailing or doubled dot, no bidi override or invisible character. The domain is
# letters (an IDN's too), digits and hyphens in dot-separated labels. Hex escapes: the classes
# read the same in Python, Rust and JavaScript.
_NOT_IN_AN_ADDRESS = rf"\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069{_INVISIBLE}"
_ATOM = rf"[^\x00-\x20\x22\x28\x29\x2c\x2e\x3a-\x3c\x3e-\x40\x5b-\x5d{_NOT_IN_AN_ADDRESS}]+"
_LABEL = rf"[^\x00-\x2c\x2e\x2f\x3a-\x40\x5b-\x60\x7b-\x7e{_NOT_IN_AN_ADDRESS}]+"
_ADDRESS_BODY = rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*"
_DOTTED_ADDRESS_BODY = rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+"

EMAIL_PATTERN = rf"^{_ADDRESS_BODY}$"
# With a dot in its domain: an address mail is sent to (a guest's, a company's contact).
DOTTED_EMAIL_PATTERN = rf"^{_DOTTED_ADDRESS_BODY}$"
# The same, or empty (a company's contact address, removed).
OPTIONAL_DOTTED_EMAIL_PATTERN = rf"^(?:{_DOTTED_ADDRESS_BODY})?$"

_EMAIL = re.compile(EMAIL_PATTERN)
_DOTTED_EMAIL = re.compile(DOTTED_EMAIL_PATTERN)


def is_email(value: str, *, dotted: bool = False) -> bool:
    """A plain addr-spec (see EMAIL_PATTERN); `dotted`: its domain has a dot."""
    return (_DOTTED_EMAIL if dotted else _EMAIL).fullmatch(value) is not None
