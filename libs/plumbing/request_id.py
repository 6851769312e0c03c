"""The request id of the call being served, carried like the principal (plumbing.principal).

The gateway takes it from the client's `X-Request-ID` (or makes one) and sends it as the
`x-request-id` gRPC metadata header; plumbing's clients forward it on every hop and its
servers read it before the handler, so an audit entry (plumbing.audit) or a log line of any
service names the HTTP request that caused it.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections.abc import Iterable, Iterator
from typing import Any

METADATA_KEY = "x-request-id"

# What a request id may look like when a client sends its own: a client's id is kept for
# correlation, but it lands in tables and log lines, so only a short plain token is taken.
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:-]{1,128}")

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def acceptable(value: str | None) -> bool:
    return value is not None and _ACCEPTABLE.fullmatch(value) is not None


def current_request_id() -> str | None:
    return _current.get()


@contextlib.contextmanager
def with_request_id(request_id: str | None) -> Iterator[str | None]:
    token = _current.set(request_id if acceptable(request_id) else None)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def request_id_from_metadata(metadata: Iterable[tuple[str, Any]] | None) -> str | None:
    for key, value in metadata or ():
        if key == METADATA_KEY:
            text = value if isinstance(value, str) else value.decode(errors="replace")
            return text if acceptable(text) else None
    return None


def add_request_id(metadata: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    request_id = current_request_id()
    if request_id is not None and not any(key == METADATA_KEY for key, _ in metadata):
        metadata.append((METADATA_KEY, request_id))
    return metadata
