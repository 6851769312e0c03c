"""Keeps secrets out of log lines: query parameters that carry them, bearer tokens, JWTs and
Authorization/Cookie header values are replaced with [REDACTED] before a line is written.

uvicorn's access log writes the full path with its query string, so a token sent in an address
(a link, a misbehaving client) would land in every log store. The filter rewrites each record's
message and arguments in place, so it works whatever the formatter (uvicorn's AccessFormatter
reads its arguments by position: their number and order are kept).
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import unquote_plus

REDACTED = "[REDACTED]"

SECRET_PARAMETERS = frozenset(
    {
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "api_key",
        "apikey",
        "key",
        "password",
        "passwd",
        "secret",
        "client_secret",
        "signature",
        "sig",
        "card_token",
    }
)

# A query parameter: its separator, its (possibly percent-encoded) name, its value.
_PARAMETER = re.compile(r"([?&;])([^=&;#\s?\"']+)=([^&;#\s\"']*)")
_BEARER = re.compile(r"(?i)\b(bearer|basic|apikey)(\s+|%20|\+)[^\s,;\"'&]+")
# A company API key (gateway.accounts) wherever it appears, e.g. pasted into an address.
_API_KEY = re.compile(r"\bbpk_[0-9a-f]+_[0-9a-f]+")
_HEADER = re.compile(
    r"(?i)\b(authorization|proxy-authorization|cookie|set-cookie|x-api-key)(\"?'?\s*[:=]\s*)"
    r"(\"[^\"]*\"|'[^']*'|[^\n,}]+)"
)
# A calendar feed's address is its secret (gateway.notifications.feeds): the token in the path.
_FEED_PATH = re.compile(r"(/feeds/calendar/)[^/\s?#\"']+")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def _parameter(match: re.Match[str]) -> str:
    separator, name, _ = match.groups()
    if unquote_plus(name).strip().lower() in SECRET_PARAMETERS:
        return f"{separator}{name}={REDACTED}"
    return match.group(0)


def redact(text: str) -> str:
    """The text with every secret-looking value replaced."""
    text = _PARAMETER.sub(_parameter, text)
    text = _HEADER.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    text = _API_KEY.sub(REDACTED, text)
    text = _FEED_PATH.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    return _JWT.sub(REDACTED, text)


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
