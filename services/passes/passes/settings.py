"""Settings of the passes service, from the environment."""

from __future__ import annotations

from dataclasses import dataclass

from plumbing import config

SERVICE = "passes"


@dataclass(frozen=True)
class Settings:
    database_url: str
    nats_url: str
    grpc_host: str = "127.0.0.1"
    grpc_port: int = 0
    # The catalog, asked whether the customer of a person's grant or sale is of the product's
    # company; "" (tests that run passes alone) skips the question.
    catalog_addr: str = ""

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=config.database_url(SERVICE),
            nats_url=config.nats_url(SERVICE),
            grpc_host=config.env("GRPC_HOST", "127.0.0.1"),
            grpc_port=config.env_int("GRPC_PORT", 0),
            catalog_addr=config.env("CATALOG_ADDR"),
        )
