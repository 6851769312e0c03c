"""What the HTML pages share besides the console's templates (gateway.console.rendering):
reading a posted form; the instant a local date and time name."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from fastapi import Request

from gateway.problems import Problem

MAX_FORM_BYTES = 8192
# Fields of one posted form: above every form these pages render (the console's booking form
# has 14 names over its kinds, 11 in one rendering: a platform admin booking a stay's unit),
# with room for a field or two more; the byte cap above bounds the rest.
MAX_FORM_FIELDS = 20


async def read_form(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise Problem(415, "UNSUPPORTED_MEDIA_TYPE", "Post the form as application/x-www-form-urlencoded.")
    raw = await request.body()
    if len(raw) > MAX_FORM_BYTES:
        raise Problem(413, "PAYLOAD_TOO_LARGE", f"The form is larger than {MAX_FORM_BYTES} bytes.")
    try:
        parsed = parse_qs(
            raw.decode(), keep_blank_values=True, strict_parsing=False, max_num_fields=MAX_FORM_FIELDS
        )
    except (UnicodeDecodeError, ValueError):
        raise Problem(400, "VALIDATION_FAILED", "The form is not valid.") from None
    return {name: values[0] for name, values in parsed.items()}


# What a form says of a local time in the hour the clocks skip (spring forward).
SKIPPED_TIME = "this time does not exist that day (clocks go forward)"


def local_instant(day: date, clock: time, zone: ZoneInfo) -> datetime | None:
    """The instant (UTC) that a date and a wall-clock time name in `zone`, or None when the
    clocks skip that time that day (never moved silently to another). A time the clocks pass
    twice (fall back) is its first instant."""
    moment = datetime.combine(day, clock.replace(tzinfo=None, fold=0), tzinfo=zone)
    instant = moment.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != moment.replace(tzinfo=None):
        return None
    return instant
