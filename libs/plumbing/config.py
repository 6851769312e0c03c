"""Settings read from the environment, with the per-service overrides the README lists."""

from __future__ import annotations

import os


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
