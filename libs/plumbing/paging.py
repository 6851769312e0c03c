"""Keyset paging shared by every list: the page size rule and the opaque page-token codec.

A page token names where the previous page ended (its last row's sort key), never an
offset, so rows inserted meanwhile neither repeat nor vanish. The token is the JSON array of
that key, base64url-encoded: opaque to clients, readable by any service without a secret.
It is not a security boundary (a client may craft one); every decoded part is typed and
checked, and a service still scopes the query to the caller. A token of another shape is
INVALID_ARGUMENT `INVALID_PAGE_TOKEN`, never an exception inside a handler.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime
from typing import Any, TypeVar, overload

from plumbing.errors import InvalidArgument

INVALID_PAGE_SIZE = "INVALID_PAGE_SIZE"
INVALID_PAGE_TOKEN = "INVALID_PAGE_TOKEN"

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Above any token we issue and bounds the JSON parse: a time and a UUID are ~100 characters; the
# longest key, a 200-character name (4 bytes of UTF-8 each at worst) and a UUID, ~1,150.
MAX_PAGE_TOKEN_LENGTH = 4096

KeyPart = datetime | uuid.UUID | int | str
# Constrained (not bound): decoding needs the exact part type, and bool must not pass as int.
A = TypeVar("A", datetime, uuid.UUID, int, str)
B = TypeVar("B", datetime, uuid.UUID, int, str)
C = TypeVar("C", datetime, uuid.UUID, int, str)


def page_size(
    requested: int,
    *,
    default: int = DEFAULT_PAGE_SIZE,
    maximum: int = MAX_PAGE_SIZE,
    field: str = "page_size",
) -> int:
    """0 means `default`; more than `maximum` is read as `maximum`; negative is INVALID_PAGE_SIZE."""
    if requested < 0:
        raise InvalidArgument(INVALID_PAGE_SIZE, f"{field} must not be negative", field=field)
    return min(requested or default, maximum)


def _encode_part(part: KeyPart) -> str | int:
    if isinstance(part, bool):
        raise TypeError("a page key part is a time, a UUID, an int or a string, not a bool")
    if isinstance(part, datetime):
        if part.tzinfo is None:
            raise ValueError("a page key time must carry a time zone")
        return part.isoformat()
    if isinstance(part, uuid.UUID):
        return str(part)
    return part


def encode_page_token(*key: KeyPart) -> str:
    """The token of a page ending at `key` (the sort key of its last row)."""
    # UTF-8 rather than \u escapes: a name outside ASCII stays short (an escaped emoji is 12 bytes).
    body = json.dumps([_encode_part(part) for part in key], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(body.encode()).decode("ascii").rstrip("=")


def _decode_part(value: Any, kind: type) -> KeyPart:
    if kind is datetime:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
        if parsed is None or parsed.tzinfo is None:
            raise ValueError("not an aware time")
        return parsed
    if kind is uuid.UUID:
        if not isinstance(value, str):
            raise ValueError("not a UUID")
        return uuid.UUID(value)
    if kind is int:
        if type(value) is not int:
            raise ValueError("not an int")
        return value
    if kind is str:
        if not isinstance(value, str):
            raise ValueError("not a string")
        return value
    raise TypeError(f"a page key part cannot be a {kind.__name__}")


@overload
def decode_page_token(token: str, a: type[A], /, *, field: str = ...) -> tuple[A] | None: ...
@overload
def decode_page_token(token: str, a: type[A], b: type[B], /, *, field: str = ...) -> tuple[A, B] | None: ...
@overload
def decode_page_token(
    token: str, a: type[A], b: type[B], c: type[C], /, *, field: str = ...
) -> tuple[A, B, C] | None: ...
def decode_page_token(token: str, *shape: type, field: str = "page_token") -> tuple[Any, ...] | None:
    """The key a page token names, typed by `shape`; None for "" (the first page); a token
    of any other shape is INVALID_ARGUMENT `INVALID_PAGE_TOKEN`."""
    if not token:
        return None
    try:
        if len(token) > MAX_PAGE_TOKEN_LENGTH or not token.isascii():
            raise ValueError("not a token")
        # Padding is optional: tokens issued with and without it both decode.
        raw = base64.urlsafe_b64decode(token.rstrip("=") + "=" * (-len(token.rstrip("=")) % 4))
        body = json.loads(raw)
        if not isinstance(body, list) or len(body) != len(shape):
            raise ValueError("not a key of this list")
        return tuple(_decode_part(value, kind) for value, kind in zip(body, shape, strict=True))
    except (ValueError, TypeError, binascii.Error, UnicodeError, RecursionError):
        raise InvalidArgument(
            INVALID_PAGE_TOKEN, f"{field} is not a token of this list", field=field
        ) from None
