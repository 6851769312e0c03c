"""Where a webhook may be sent: http(s) only, no credentials in the address, and (unless the
gateway's `webhooks_allow_private_urls` says so: tests and `make run` use a local receiver) no
private, loopback, link-local or otherwise internal address, checked when the endpoint is
registered and again before each delivery (a name may resolve elsewhere later), and once more
by the delivery's HTTP client as it connects (gateway.webhooks.addresses: one judgement for
webhooks and pushes, IPv6 forms of IPv4 addresses judged by their IPv4 address)."""

from __future__ import annotations

from urllib.parse import urlsplit

from gateway.webhooks.addresses import allowed, resolve
from plumbing.errors import InvalidArgument

MAX_URL_LENGTH = 2000


def check_url(url: str) -> tuple[str, int]:
    """The URL's host and port; InvalidArgument INVALID_WEBHOOK_URL (the value never echoed)."""
    if len(url) > MAX_URL_LENGTH or any(c.isspace() or ord(c) < 32 for c in url):
        raise InvalidArgument("INVALID_WEBHOOK_URL", "The URL is not a valid http(s) address.", field="url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidArgument(
            "INVALID_WEBHOOK_URL", "The URL is not a valid http(s) address.", field="url"
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidArgument("INVALID_WEBHOOK_URL", "The URL must be an http(s) address.", field="url")
    if parts.username is not None or parts.password is not None:
        raise InvalidArgument("INVALID_WEBHOOK_URL", "The URL must not hold credentials.", field="url")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def check_destination(url: str, *, allow_private: bool) -> None:
    """Refuses (InvalidArgument WEBHOOK_URL_NOT_PUBLIC) an address that is not public, unless allowed."""
    host, port = check_url(url)
    if allow_private:
        return
    try:
        addresses = await resolve(host, port)
    except (OSError, UnicodeError):  # no such name, or not one IDNA can encode
        raise InvalidArgument(
            "WEBHOOK_URL_UNRESOLVABLE", "The URL's host name does not resolve.", field="url"
        ) from None
    if not addresses or not all(allowed(address) for address in addresses):
        raise InvalidArgument(
            "WEBHOOK_URL_NOT_PUBLIC", "The URL must resolve to public addresses only.", field="url"
        )
