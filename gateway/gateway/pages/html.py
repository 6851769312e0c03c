"""What every operator page shares: the page frame (style, refresh, log-out form), the
escaping and time formats, the security headers of an HTML answer, and reading a posted form."""

from __future__ import annotations

import html
from datetime import datetime
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import HTMLResponse

from gateway.problems import Problem

REFRESH_SECONDS = 2
MAX_FORM_BYTES = 8192

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left}
th{background:#f4f4f4}code{font-size:.85em}.state-COMPLETED{color:#176b17}.state-COMPENSATED{color:#8a5a00}
.state-RUNNING,.state-FINALIZING{color:#0b4f9c}.state-COMPENSATING{color:#b00020}nav a{margin-right:.8rem}
.state-AWAITING_PAYMENT{color:#6a1b9a}tr.attention td{background:#fff3cd}
.attention-flag{color:#b00020;font-weight:bold}
.notice{padding:.5rem .8rem;margin:.8rem 0;border-radius:4px}.notice-error{background:#fde7e9;color:#8a0014}
.notice-ok{background:#e6f4e6;color:#176b17}.actions form{display:inline-block;margin:0 1.5rem .5rem 0}
form.logout{float:right}.login label{display:block;margin:.6rem 0}
"""


def age(since: datetime | None, now: datetime) -> str:
    """12s, 3m 04s, 2h 05m, 3d 04h."""
    if since is None:
        return "-"
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    if seconds < 86400:
        return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d {seconds % 86400 // 3600:02d}h"


def escape(value: object) -> str:
    return html.escape("" if value is None else str(value))


def show_time(value: datetime | None) -> str:
    return value.isoformat().replace("+00:00", "Z") if value else "-"


LOGOUT_FORM = '<form method=post action="/ops/logout" class=logout><button>Log out</button></form>'


def render_page(title: str, body: str, *, refresh: bool = True, logout: bool = True) -> str:
    meta = f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">' if refresh else ""
    footer = f"Refreshes every {REFRESH_SECONDS} s." if refresh else "Refresh paused."
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8>{meta}"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"{LOGOUT_FORM if logout else ''}{body}<p><small>{footer}</small></p></body></html>"
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
