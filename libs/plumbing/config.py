"""Settings read from the environment, with the per-service overrides the README lists."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


def env(name: str, default: str | None = None) -> str:
    """Returns an environment variable, or the default; fails clearly when neither exists."""
    value = os.environ.get(name, default)
    if value is None:
        raise RuntimeError(f"environment variable {name} is not set")
    return value


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


def database_url(service: str) -> str:
    """`<SERVICE>_DATABASE_URL` when set (own server in production), else `DATABASE_URL`."""
    return os.environ.get(f"{service.upper()}_DATABASE_URL") or env("DATABASE_URL")


def nats_url(service: str) -> str:
    return os.environ.get(f"{service.upper()}_NATS_URL") or env("NATS_URL")


def sqlalchemy_url(url: str) -> str:
    """Maps a libpq URL onto SQLAlchemy's psycopg 3 dialect."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {url!r}")


@dataclass(frozen=True, kw_only=True)
class ServiceSettings:
    """What every service reads: its database, its NATS and where its gRPC server listens
    (port 0: one the OS picks). A service's `Settings` adds its own fields."""

    database_url: str
    nats_url: str
    grpc_host: str = "127.0.0.1"
    grpc_port: int = 0
    # How often old outbox and inbox rows are deleted (plumbing.retention); 0: never.
    retention_sweep_seconds: float = 3600.0

    @staticmethod
    def shared_from_env(service: str) -> dict[str, Any]:
        """These fields from the environment, for a `Settings.from_env` to pass on."""
        return {
            "database_url": database_url(service),
            "nats_url": nats_url(service),
            "grpc_host": env("GRPC_HOST", "127.0.0.1"),
            "grpc_port": env_int("GRPC_PORT", 0),
            "retention_sweep_seconds": float(env("RETENTION_SWEEP_SECONDS", "3600")),
        }
