"""Whether a posted form came from another site: the console's login, invitation and reset
forms have no session (so no CSRF token) and refuse a cross-site post, which would act in the
victim's browser (log it into the attacker's account, accept an invitation).

A browser that sends `Sec-Fetch-Site` says it; an older one (or a privacy proxy that strips it)
still sends `Origin` on a POST, else a `Referer`: present and not the gateway's own origin
(GATEWAY_PUBLIC_URL's when set, as the feeds' and e-mails' addresses, else the request's scheme
and host), the post is refused; `Origin: null` (a sandboxed frame, a `data:` page) too. A post
with neither header is no browser's form (scripts, curl) and stays allowed."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of `url`, lower-case, without a default port; None when it has none."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in DEFAULT_PORTS or not host:
        return None
    return f"{scheme}://{host}" + (f":{port}" if port and port != DEFAULT_PORTS[scheme] else "")


def own_origin(request: Request) -> str | None:
    public_url: str = request.app.state.settings.public_url
    return origin_of(public_url or str(request.base_url))


def cross_site(request: Request) -> bool:
    """Whether the browser posting this says (or shows) it is on another site."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site == "cross-site"
    source = request.headers.get("origin")
    if source is None:
        source = request.headers.get("referer")
    if source is None:
        return False
    found = origin_of(source)
    return found is None or found != own_origin(request)
