"""Opaque page tokens for keyset paging of ledger entries."""

from __future__ import annotations

import base64
import binascii

from plumbing.errors import InvalidArgument
from wallet.domain.validation import INVALID_PAGE_SIZE, INVALID_PAGE_TOKEN

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
_PREFIX = "entries:v1:"


def page_size(requested: int) -> int:
    """0 means the default; more than the maximum is reduced to it."""
    if requested < 0:
        raise InvalidArgument(INVALID_PAGE_SIZE, "page_size must not be negative", field="page_size")
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def encode_token(entry_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{entry_id}".encode()).decode().rstrip("=")


def decode_token(token: str) -> int | None:
    """The entry id a page starts below; None for the first page."""
    if not token:
        return None
    try:
        decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        if decoded.startswith(_PREFIX):
            entry_id = int(decoded[len(_PREFIX) :])
            if entry_id > 0:
                return entry_id
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise InvalidArgument(
        INVALID_PAGE_TOKEN, "page_token is not a token this service issued", field="page_token"
    )
