"""Settings come from the environment, with the payments overrides first."""

import pytest

from payments.settings import DEV_WEBHOOK_SECRET, Settings


def test_settings_read_the_payments_overrides_before_the_shared_urls(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://shared/db")
    monkeypatch.setenv("PAYMENTS_DATABASE_URL", "postgresql://own/payments")
    monkeypatch.setenv("NATS_URL", "nats://nats.example.internal")
    monkeypatch.setenv("GRPC_PORT", "50055")
    monkeypatch.delenv("GRPC_HOST", raising=False)
    monkeypatch.delenv("PAYMENTS_PROVIDER", raising=False)
    monkeypatch.setenv("PAYMENTS_WEBHOOK_SECRET", "a-real-secret")

    settings = Settings.from_env()

    assert settings.database_url == "postgresql://own/payments"
    assert settings.nats_url == "nats://nats.example.internal"
    assert (settings.grpc_host, settings.grpc_port, settings.provider) == ("127.0.0.1", 50055, "sandbox")


def test_an_unknown_card_provider_is_refused_at_start(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://shared/db")
    monkeypatch.setenv("NATS_URL", "nats://nats.example.internal")
    monkeypatch.setenv("PAYMENTS_PROVIDER", "stripe")
    monkeypatch.setenv("BOOKING_ENV", "dev")
    with pytest.raises(ValueError, match="PAYMENTS_PROVIDER"):
        Settings.from_env()


def test_the_webhook_secret_is_required_outside_dev(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://shared/db")
    monkeypatch.setenv("NATS_URL", "nats://nats.example.internal")
    monkeypatch.delenv("PAYMENTS_WEBHOOK_SECRET", raising=False)
    monkeypatch.delenv("BOOKING_ENV", raising=False)
    with pytest.raises(RuntimeError, match="PAYMENTS_WEBHOOK_SECRET"):
        Settings.from_env()


def test_dev_has_a_webhook_secret_and_the_async_settings_have_defaults(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://shared/db")
    monkeypatch.setenv("NATS_URL", "nats://nats.example.internal")
    monkeypatch.delenv("PAYMENTS_WEBHOOK_SECRET", raising=False)
    monkeypatch.setenv("BOOKING_ENV", "dev")
    monkeypatch.setenv("PAYMENTS_WEBHOOK_URL", "http://127.0.0.1:8000/webhooks/payments/sandbox")
    monkeypatch.delenv("PAYMENTS_ACTION_TIMEOUT_SECONDS", raising=False)

    settings = Settings.from_env()

    assert settings.webhook_secret == DEV_WEBHOOK_SECRET
    assert settings.webhook_url == "http://127.0.0.1:8000/webhooks/payments/sandbox"
    assert settings.action_timeout_seconds == 15.0
    assert settings.sandbox_slow_seconds == 3.0
