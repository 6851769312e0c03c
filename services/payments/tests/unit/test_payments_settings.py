"""Settings come from the environment, with the payments overrides first."""

import pytest

from payments.settings import Settings


def test_settings_read_the_payments_overrides_before_the_shared_urls(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://shared/db")
    monkeypatch.setenv("PAYMENTS_DATABASE_URL", "postgresql://own/payments")
    monkeypatch.setenv("NATS_URL", "nats://127.0.0.1:4222")
    monkeypatch.setenv("GRPC_PORT", "50055")
    monkeypatch.delenv("GRPC_HOST", raising=False)
    monkeypatch.delenv("PAYMENTS_PROVIDER", raising=False)

    settings = Settings.from_env()

    assert settings.database_url == "postgresql://own/payments"
    assert settings.nats_url == "nats://127.0.0.1:4222"
    assert (settings.grpc_host, settings.grpc_port, settings.provider) == ("127.0.0.1", 50055, "sandbox")


def test_an_unknown_card_provider_is_refused_at_start(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://shared/db")
    monkeypatch.setenv("NATS_URL", "nats://127.0.0.1:4222")
    monkeypatch.setenv("PAYMENTS_PROVIDER", "stripe")
    with pytest.raises(ValueError, match="PAYMENTS_PROVIDER"):
        Settings.from_env()
