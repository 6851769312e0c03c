"""Settings of catalog, from the environment (see the README)."""

from __future__ import annotations

from dataclasses import dataclass

from plumbing import config


@dataclass(frozen=True)
class Settings:
    database_url: str
    nats_url: str
    grpc_host: str = "127.0.0.1"
    grpc_port: int = 0

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=config.database_url("catalog"),
            nats_url=config.nats_url("catalog"),
            grpc_host=config.env("GRPC_HOST", "127.0.0.1"),
            grpc_port=config.env_int("GRPC_PORT", 0),
        )
