"""Wallet settings, read from the environment (see README)."""

from __future__ import annotations

from dataclasses import dataclass

from plumbing.config import database_url, env, env_int, nats_url

SERVICE = "wallet"

# TEST-ONLY mutation switch of the fault suite (tests/fault): "1" makes the saga step handler
# skip its business-key de-duplication and the inbox, so the suite can prove that its money
# invariant catches the double debit. Unset (the default) changes nothing.
MUTATION_NO_DEDUP_ENV = "SAGA_MUTATION_NO_DEDUP"


@dataclass(frozen=True)
class Settings:
    database_url: str
    nats_url: str
    grpc_host: str = "127.0.0.1"
    grpc_port: int = 0
    mutation_no_dedup: bool = False  # tests only, see MUTATION_NO_DEDUP_ENV

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=database_url(SERVICE),
            nats_url=nats_url(SERVICE),
            grpc_host=env("GRPC_HOST", "127.0.0.1"),
            grpc_port=env_int("GRPC_PORT", 0),
            mutation_no_dedup=env(MUTATION_NO_DEDUP_ENV, "") == "1",
        )
