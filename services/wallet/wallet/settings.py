"""Wallet settings, read from the environment (see README)."""

from __future__ import annotations

from dataclasses import dataclass

from plumbing.config import database_url, env, env_int, nats_url

SERVICE = "wallet"


@dataclass(frozen=True)
class Settings:
    database_url: str
    nats_url: str
    grpc_host: str = "127.0.0.1"
    grpc_port: int = 0
    # The catalog, asked whether a customer a person tops up is of the request's company;
    # "" (tests that run the wallet alone) skips the question.
    catalog_addr: str = ""

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=database_url(SERVICE),
            nats_url=nats_url(SERVICE),
            grpc_host=env("GRPC_HOST", "127.0.0.1"),
            grpc_port=env_int("GRPC_PORT", 0),
            catalog_addr=env("CATALOG_ADDR"),
        )
