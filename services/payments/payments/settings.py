"""Settings of the payments service, read from the environment."""

from __future__ import annotations

from dataclasses import dataclass

from plumbing import config

SERVICE = "payments"
PROVIDERS = ("sandbox",)


@dataclass(frozen=True)
class Settings:
    database_url: str
    nats_url: str
    grpc_host: str = "127.0.0.1"
    grpc_port: int = 0
    provider: str = "sandbox"

    def __post_init__(self) -> None:
        if self.provider not in PROVIDERS:
            raise ValueError(f"PAYMENTS_PROVIDER must be one of {', '.join(PROVIDERS)}: {self.provider!r}")

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=config.database_url(SERVICE),
            nats_url=config.nats_url(SERVICE),
            grpc_host=config.env("GRPC_HOST", "127.0.0.1"),
            grpc_port=config.env_int("GRPC_PORT", 0),
            provider=config.env("PAYMENTS_PROVIDER", "sandbox"),
        )
