"""Settings of the passes service, from the environment."""

from __future__ import annotations

from dataclasses import dataclass

from plumbing import config
from plumbing.config import ServiceSettings

SERVICE = "passes"


@dataclass(frozen=True)
class Settings(ServiceSettings):
    # The catalog, asked whether the customer of a person's grant or sale is of the product's
    # company; "" (tests that run passes alone) skips the question.
    catalog_addr: str = ""

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            **cls.shared_from_env(SERVICE),
            catalog_addr=config.env("CATALOG_ADDR"),
        )
