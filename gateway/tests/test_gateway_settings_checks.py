"""Start-up checks of the gateway's settings: the trace viewer's address (GATEWAY_TRACE_URL, the saga page
links its trace there) and the VAPID subject of Web Push."""

from __future__ import annotations

import pytest

from gateway.pages.sagas import trace_link
from gateway.settings import Settings

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def test_the_trace_id_goes_into_the_viewer_s_address() -> None:
    assert (
        trace_link("http://localhost:16686/trace/{trace_id}", TRACE)
        == f"http://localhost:16686/trace/{TRACE}"
    )


def test_no_link_without_a_viewer_or_a_trace() -> None:
    assert trace_link(None, TRACE) is None
    assert trace_link("http://localhost:16686/trace/{trace_id}", None) is None


@pytest.mark.parametrize(
    "value", ["http://localhost:16686/trace/", "javascript:{trace_id}", "/trace/{trace_id}"]
)
def test_a_viewer_address_without_the_placeholder_or_not_http_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("BOOKING_ENV", "dev")
    monkeypatch.setenv("DATABASE_URL", "postgresql://localhost/shared")
    for name in ("CATALOG", "BOOKINGS", "WALLET", "PASSES", "PAYMENTS"):
        monkeypatch.setenv(f"{name}_ADDR", "127.0.0.1:1")
    monkeypatch.setenv("GATEWAY_TRACE_URL", value)

    with pytest.raises(RuntimeError, match="GATEWAY_TRACE_URL"):
        Settings.from_env()


def test_a_vapid_subject_that_is_no_mailto_or_https_stops_the_gateway_at_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gateway.push.vapid import new_private_key_pem

    monkeypatch.setenv("BOOKING_ENV", "dev")
    monkeypatch.setenv("DATABASE_URL", "postgresql://localhost/shared")
    for name in ("CATALOG", "BOOKINGS", "WALLET", "PASSES", "PAYMENTS"):
        monkeypatch.setenv(f"{name}_ADDR", "127.0.0.1:1")
    monkeypatch.setenv("GATEWAY_VAPID_PRIVATE_KEY", new_private_key_pem())
    monkeypatch.setenv("GATEWAY_VAPID_SUBJECT", "ops@example.com")

    with pytest.raises(RuntimeError, match="GATEWAY_VAPID_SUBJECT"):
        Settings.from_env()


def test_idle_connections_outlive_a_load_balancer_s_reuse_and_can_be_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BOOKING_ENV", "dev")
    monkeypatch.setenv("DATABASE_URL", "postgresql://localhost/shared")
    for name in ("CATALOG", "BOOKINGS", "WALLET", "PASSES", "PAYMENTS"):
        monkeypatch.setenv(f"{name}_ADDR", "127.0.0.1:1")
    monkeypatch.delenv("GATEWAY_KEEP_ALIVE_SECONDS", raising=False)
    assert Settings.from_env().keep_alive_seconds > 60

    monkeypatch.setenv("GATEWAY_KEEP_ALIVE_SECONDS", "120")
    assert Settings.from_env().keep_alive_seconds == 120
    monkeypatch.setenv("GATEWAY_KEEP_ALIVE_SECONDS", "0")
    with pytest.raises(RuntimeError, match="GATEWAY_KEEP_ALIVE_SECONDS"):
        Settings.from_env()


def _service_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOKING_ENV", "dev")
    monkeypatch.setenv("DATABASE_URL", "postgresql://localhost/shared")
    for name in ("CATALOG", "BOOKINGS", "WALLET", "PASSES", "PAYMENTS"):
        monkeypatch.setenv(f"{name}_ADDR", "127.0.0.1:1")


@pytest.mark.parametrize("value", ["book.example.com", "javascript:alert(1)", "https://b.test/?x=1"])
def test_a_public_url_that_is_no_plain_http_address_stops_the_gateway_at_start(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    _service_addresses(monkeypatch)
    monkeypatch.setenv("GATEWAY_PUBLIC_URL", value)

    with pytest.raises(RuntimeError, match="GATEWAY_PUBLIC_URL"):
        Settings.from_env()


def test_the_public_url_loses_its_trailing_slash(monkeypatch: pytest.MonkeyPatch) -> None:
    _service_addresses(monkeypatch)
    monkeypatch.setenv("GATEWAY_PUBLIC_URL", "https://book.example.com/")

    assert Settings.from_env().public_url == "https://book.example.com"
