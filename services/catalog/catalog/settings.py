"""Settings of catalog, from the environment (see the README)."""

from __future__ import annotations

from dataclasses import dataclass

from plumbing.config import ServiceSettings


@dataclass(frozen=True)
class Settings(ServiceSettings):
    @classmethod
    def from_env(cls) -> Settings:
        return cls(**cls.shared_from_env("catalog"))
