"""Rendering the console's pages: one Jinja2 environment with autoescaping (every value is
escaped unless a template says otherwise, and none does), its filters, the static files and
the Content-Security-Policy that lets the pages load only what the gateway serves itself."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"
STATIC_PATH = "/static"

# The gateway's own scripts, styles and event streams; no inline script or style (the
# timeline is SVG with attributes), no frame, forms only to ourselves; the web app manifest
# and the service worker (gateway.push.routes) are the gateway's too.
CONSOLE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; manifest-src 'self'; worker-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


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


def iso(value: datetime | None) -> str:
    """2026-12-05T22:59:52Z (UTC, seconds)."""
    if value is None:
        return ""
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def show_time(value: datetime | None) -> str:
    """2026-12-05 22:59:52 UTC, or -."""
    if value is None:
        return "-"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def money(minor: int | None) -> str:
    """Minor units as units with two decimals (the currency is the company's)."""
    if not minor:
        return "0.00"
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"


environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters.update(iso=iso, when=show_time, money=money)
environment.globals.update(age=age, static=STATIC_PATH)


def render(template: str, **context: Any) -> str:
    return environment.get_template(template).render(**context)


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC)


def page_response(request: Request, template: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A console page: rendered, never cached nor framed, under the console's CSP."""
    context.setdefault("now", datetime.now(UTC))
    context.setdefault("operator", None)
    response = HTMLResponse(render(template, **context), status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = CONSOLE_CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    return response
