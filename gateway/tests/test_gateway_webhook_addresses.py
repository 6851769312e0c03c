"""Where a webhook may be sent (gateway.webhooks.urls) and its signature (gateway.webhooks.signing):
pure checks, no platform."""

from __future__ import annotations

import time

import pytest

from gateway.webhooks import signing
from gateway.webhooks.urls import check_destination
from plumbing.errors import InvalidArgument


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "http://172.16.5.5/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fd00::1]/hook",
        "http://0.0.0.0/hook",
        "http://localhost:9000/hook",
    ],
)
async def test_a_private_or_loopback_address_is_refused_unless_allowed(url: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        await check_destination(url, allow_private=False)
    assert refused.value.reason == "WEBHOOK_URL_NOT_PUBLIC"
    assert url not in refused.value.message
    await check_destination(url, allow_private=True)


async def test_a_public_address_is_accepted() -> None:
    await check_destination("https://93.184.215.14/hooks", allow_private=False)


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "https://user:pw@example.com/x", "https:///x", "http://example.com:99999/x", "x"],
)
async def test_not_an_http_address_or_one_with_credentials_is_refused_whatever_the_setting(url: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        await check_destination(url, allow_private=True)
    assert refused.value.reason == "INVALID_WEBHOOK_URL"
    assert "pw" not in refused.value.message


def test_a_signature_verifies_with_the_secret_over_the_exact_body_and_recent_time_only() -> None:
    secret, body = signing.new_secret(), b'{"id":"e1"}'
    now = int(time.time())
    header = signing.sign(secret, body, now)
    assert signing.verify(secret, body, header)
    assert not signing.verify(signing.new_secret(), body, header)
    assert not signing.verify(secret, body + b" ", header)
    assert not signing.verify(secret, body, signing.sign(secret, body, now - 3600))
    assert not signing.verify(secret, body, "garbage")
