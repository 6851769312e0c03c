"""Settings of the payments service, read from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass

from plumbing import config
from plumbing.config import ServiceSettings

SERVICE = "payments"
PROVIDERS = ("sandbox",)
# Signs and verifies provider events when PAYMENTS_WEBHOOK_SECRET is unset: only with
# BOOKING_ENV=dev (and in tests, which build Settings directly).
DEV_WEBHOOK_SECRET = "dev-only-webhook-secret-not-for-production-0123456789"


@dataclass(frozen=True)
class Settings(ServiceSettings):
    provider: str = "sandbox"
    # Where the sandbox POSTs its events (the gateway's /webhooks/payments/sandbox). Empty: the
    # events are handed to this service in process (same verification, no HTTP).
    webhook_url: str = ""
    webhook_secret: str = DEV_WEBHOOK_SECRET
    # A REQUIRES_ACTION payment nobody completes fails with AUTHENTICATION_TIMEOUT after this.
    action_timeout_seconds: float = 15.0
    # Sandbox: how long the "slow" test card takes, and how soon the "async" one is confirmed.
    sandbox_slow_seconds: float = 3.0
    sandbox_confirm_delay_seconds: float = 0.5
    # An AUTHORIZING intent this old is recovered by asking the provider for its key.
    intent_recovery_seconds: float = 60.0
    # How often the background task looks for expired actions and stale intents.
    sweep_interval_seconds: float = 1.0

    def __post_init__(self) -> None:
        if self.provider not in PROVIDERS:
            raise ValueError(f"PAYMENTS_PROVIDER must be one of {', '.join(PROVIDERS)}: {self.provider!r}")
        if not self.webhook_secret:
            raise ValueError("PAYMENTS_WEBHOOK_SECRET must not be empty")
        if self.action_timeout_seconds <= 0 or self.sweep_interval_seconds <= 0:
            raise ValueError("PAYMENTS_ACTION_TIMEOUT_SECONDS and the sweep interval must be positive")

    @classmethod
    def from_env(cls) -> Settings:
        """PAYMENTS_WEBHOOK_SECRET is required unless BOOKING_ENV=dev, which has a dev secret."""
        dev = os.environ.get("BOOKING_ENV", "") == "dev"
        secret = os.environ.get("PAYMENTS_WEBHOOK_SECRET") or (DEV_WEBHOOK_SECRET if dev else None)
        if secret is None:
            raise RuntimeError(
                "environment variable PAYMENTS_WEBHOOK_SECRET is not set (only BOOKING_ENV=dev has a default)"
            )
        return cls(
            **cls.shared_from_env(SERVICE),
            provider=config.env("PAYMENTS_PROVIDER", "sandbox"),
            webhook_url=config.env("PAYMENTS_WEBHOOK_URL", ""),
            webhook_secret=secret,
            action_timeout_seconds=float(config.env("PAYMENTS_ACTION_TIMEOUT_SECONDS", "15")),
            sandbox_slow_seconds=float(config.env("PAYMENTS_SANDBOX_SLOW_SECONDS", "3")),
            sandbox_confirm_delay_seconds=float(config.env("PAYMENTS_SANDBOX_CONFIRM_DELAY_SECONDS", "0.5")),
            intent_recovery_seconds=float(config.env("PAYMENTS_INTENT_RECOVERY_SECONDS", "60")),
            sweep_interval_seconds=float(config.env("PAYMENTS_SWEEP_INTERVAL_SECONDS", "1")),
        )
