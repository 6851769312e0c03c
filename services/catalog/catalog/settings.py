"""Settings of catalog, from the environment (see the README)."""

from __future__ import annotations

from dataclasses import dataclass

from plumbing.config import ServiceSettings, env


@dataclass(frozen=True)
class Settings(ServiceSettings):
    # The wallet, asked whether customers' wallets hold money before a company's currency
    # changes; "" (tests that run the catalog alone) skips the question.
    wallet_addr: str = ""

    @classmethod
    def from_env(cls) -> Settings:
        return cls(**cls.shared_from_env("catalog"), wallet_addr=env("WALLET_ADDR"))
