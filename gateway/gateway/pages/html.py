"""What the HTML pages share besides the console's templates (gateway.console.rendering):
reading a posted form, and the small frame of the guest's card check page
(gateway.routes.public_guest), which loads no script at all."""

from __future__ import annotations

import html
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import HTMLResponse

from gateway.problems import Problem

MAX_FORM_BYTES = 8192

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222;max-width:40rem}
.notice{padding:.5rem .8rem;margin:.8rem 0;border-radius:4px}.notice-error{background:#fde7e9;color:#8a0014}
.notice-ok{background:#e6f4e6;color:#176b17}label{display:block;margin:.6rem 0}
"""


def escape(value: object) -> str:
    return html.escape("" if value is None else str(value))


def render_page(title: str, body: str, *, refresh: bool = False, logout: bool = False) -> str:
    """The guest's card check page frame (`refresh` and `logout` are kept for its callers and
    do nothing: no page refreshes itself any more, and guests have no session)."""
    return (
        '<!doctype html><html lang=en><head><meta charset=utf-8><meta name="viewport" '
        f'content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body><main>{body}</main></body></html>"
    )


def html_response(content: str, request: Request, *, status_code: int = 200) -> HTMLResponse:
    response = HTMLResponse(content, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"
    )
    response.headers["X-Frame-Options"] = "DENY"
    return response


async def read_form(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise Problem(415, "UNSUPPORTED_MEDIA_TYPE", "Post the form as application/x-www-form-urlencoded.")
    raw = await request.body()
    if len(raw) > MAX_FORM_BYTES:
        raise Problem(413, "PAYLOAD_TOO_LARGE", f"The form is larger than {MAX_FORM_BYTES} bytes.")
    try:
        parsed = parse_qs(raw.decode(), keep_blank_values=True, strict_parsing=False, max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        raise Problem(400, "VALIDATION_FAILED", "The form is not valid.") from None
    return {name: values[0] for name, values in parsed.items()}
