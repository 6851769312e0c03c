"""Wallet settings, read from the environment (see README)."""

from __future__ import annotations

from dataclasses import dataclass

from plumbing.config import ServiceSettings, env

SERVICE = "wallet"


@dataclass(frozen=True)
class Settings(ServiceSettings):
    # The catalog, asked whether a customer a person tops up is of the request's company;
    # "" (tests that run the wallet alone) skips the question.
    catalog_addr: str = ""

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            **cls.shared_from_env(SERVICE),
            catalog_addr=env("CATALOG_ADDR"),
        )
