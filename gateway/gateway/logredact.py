"""Keeps secrets out of log lines: the values of query parameters not known to be safe, bearer
tokens, the platform's tokens by their shape (JWTs, API keys, feed tokens, refresh tokens...),
even percent-encoded, and Authorization/Cookie header values are replaced with [REDACTED]
before a line is written.

uvicorn's access log writes the full path with its query string, so a token sent in an address
(a link, a misbehaving client) would land in every log store. The filter rewrites each record's
message and arguments in place, so it works whatever the formatter (uvicorn's AccessFormatter
reads its arguments by position: their number and order are kept).
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import unquote, unquote_plus

REDACTED = "[REDACTED]"

# Query parameters whose values are kept in a log line: ids, filters, paging, dates and the
# like, none of them a credential. Every other parameter's value is replaced, a name never
# seen before included (`?refresh=<refresh token>` was logged when redaction listed the
# secret names instead): a new parameter is redacted until it is added here.
SAFE_PARAMETERS = frozenset(
    {
        "action",
        "actor",
        "archived",
        "booking_id",
        "booking_model",
        "check_in",
        "check_out",
        "company_id",
        "current_step",
        "customer_id",
        "date",
        "day",
        "done",
        "end",
        "end_date",
        "endpoint_id",
        "entity",
        "entity_id",
        "error",
        "event_type",
        "field",
        "from",
        "guests",
        "include_archived",
        "kind",
        "min_age_seconds",
        "min_duration_minutes",
        "model",
        "month",
        "needs_attention",
        "next",
        "page",
        "page_size",
        "page_token",
        "q",
        "quantity",
        "range",
        "reference",
        "resource_id",
        "role",
        "saga_id",
        "service",
        "session_id",
        "show_archived",
        "start",
        "start_date",
        "start_to",
        "state",
        "status",
        "to",
        "top",
        "type",
    }
)

# A query parameter: its separator, its (possibly percent-encoded) name, its value.
_PARAMETER = re.compile(r"([?&;])([^=&;#\s?\"']+)=([^&;#\s?\"']*)")
_BEARER = re.compile(r"(?i)\b(bearer|basic|apikey)(\s+|%20|\+)[^\s,;\"'&]+")
_HEADER = re.compile(
    r"(?i)\b(authorization|proxy-authorization|cookie|set-cookie|x-api-key)(\"?'?\s*[:=]\s*)"
    r"(\"[^\"]*\"|'[^']*'|[^\n,}]+)"
)
# A calendar feed's address is its secret (gateway.notifications.feeds): whatever follows
# /feeds/calendar/ in a path, however many slashes.
_FEED_PATH = re.compile(r"(?i)(/feeds/+calendar/+)[^?#\s\"']+")
# The platform's secrets by their shape, wherever they appear (a path, a value, a message):
# a company API key (bpk_<prefix>_<secret>), a calendar feed token (calf_), a webhook signing
# secret (whsec_), a refresh, invitation or reset token (<uuid>.<secret>), a JWT (an access
# token, a guest link, a console or site session).
_SHAPED = re.compile(
    r"\bbpk_[0-9a-f]+_[0-9a-f]+"
    r"|\b(?:calf|whsec)_[A-Za-z0-9_-]+"
    r"|\b[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\.[A-Za-z0-9_-]{16,}"
    r"|\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"
)
# A run of characters holding a percent-encoded byte: looked at again decoded.
_ENCODED_RUN = re.compile(r"[^\s\"']*%[0-9A-Fa-f]{2}[^\s\"']*")


def _parameter(match: re.Match[str]) -> str:
    separator, name, value = match.groups()
    if not value or unquote_plus(name).strip().lower() in SAFE_PARAMETERS:
        return match.group(0)
    return f"{separator}{name}={REDACTED}"


def _plain(text: str) -> str:
    text = _PARAMETER.sub(_parameter, text)
    text = _HEADER.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    text = _FEED_PATH.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    return _SHAPED.sub(REDACTED, text)


def _encoded(match: re.Match[str]) -> str:
    """An encoded run holding a secret once decoded (`%63alf_...`, `next=%2F...%3Ftoken%3D...`)
    is written decoded and redacted; else as it was."""
    run = match.group(0)
    decoded = unquote(run)
    if decoded == run:
        return run
    cleaned = redact(decoded)  # shorter than the run: the recursion ends
    return cleaned if cleaned != decoded else run


def redact(text: str) -> str:
    """The text with every secret-looking value replaced: query values but those of known
    safe parameters, credentials in headers, the platform's tokens by their shape, also
    percent-encoded."""
    return _ENCODED_RUN.sub(_encoded, _plain(text))


def _redact_value(value: object) -> object:
    return redact(value) if isinstance(value, str) else value


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_value(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redact_value(arg) for key, arg in record.args.items()}
        return True


_LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "gateway")


def install() -> None:
    """Adds the filter to the loggers that write request lines and to every handler they have
    (a handler's filter also sees records propagated from child loggers). Call it after logging
    is configured: uvicorn replaces its handlers when its Config is built."""
    redactor = RedactSecrets()
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(redactor)
        for handler in logger.handlers:
            if not any(isinstance(f, RedactSecrets) for f in handler.filters):
                handler.addFilter(redactor)


# The attributes in which OpenTelemetry's HTTP instrumentation records the address asked for
# (old and new semantic conventions).
_ADDRESS_ATTRIBUTES = ("http.url", "http.target", "url.full", "url.path", "url.query")


def redact_span_address(span: Any, scope: dict[str, Any]) -> None:
    """FastAPI instrumentation's request hook: the span's recorded address redacted like a log
    line, so that an exporter never receives a secret an address carried."""
    attributes = getattr(span, "attributes", None) or {}
    for name in _ADDRESS_ATTRIBUTES:
        value = attributes.get(name)
        if isinstance(value, str):
            span.set_attribute(name, redact(value))
