"""Where a push may be sent: the subscription's endpoint is the push service's URL the browser
answered (FCM, Mozilla's autopush, Apple's ...), always https at a public address. Checked
like a webhook's destination (gateway.webhooks.urls) when the device subscribes and again
before each push (a name may resolve elsewhere later). Only where the gateway's
`push_allow_loopback_endpoints` says so (the tests' local push service) may it be http(s) on
a loopback address; never another private, link-local or metadata address. The judgement is
the webhooks' (gateway.webhooks.addresses: IPv6 forms of IPv4 addresses are judged by their
IPv4 address), and the dispatcher's HTTP client judges the address again as it connects."""

from __future__ import annotations

from urllib.parse import urlsplit

from gateway.webhooks.addresses import allowed, is_loopback, resolve
from plumbing.errors import InvalidArgument

MAX_ENDPOINT_LENGTH = 1000


def _refused(message: str) -> InvalidArgument:
    return InvalidArgument("INVALID_PUSH_ENDPOINT", message, field="endpoint")


async def check_endpoint(url: str, *, allow_loopback: bool) -> None:
    """Refuses (InvalidArgument INVALID_PUSH_ENDPOINT, the address never echoed) anything but an
    https URL resolving to public addresses only, or, when allowed, a loopback one."""
    if len(url) > MAX_ENDPOINT_LENGTH or any(c.isspace() or ord(c) < 32 for c in url):
        raise _refused("The push endpoint is not a valid https address.")
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise _refused("The push endpoint is not a valid https address.") from None
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        raise _refused("The push endpoint must be an https address.")
    if parts.username is not None or parts.password is not None:
        raise _refused("The push endpoint must not hold credentials.")
    try:
        addresses = await resolve(host, port)
    except (OSError, UnicodeError):
        raise _refused("The push endpoint's host name does not resolve.") from None
    if not addresses or not all(allowed(a, loopback=allow_loopback) for a in addresses):
        raise _refused("The push endpoint must resolve to public addresses only.")
    loopback = all(is_loopback(a) for a in addresses)
    if parts.scheme != "https" and not (allow_loopback and loopback):
        raise _refused("The push endpoint must be an https address.")
