"""`make run` signs tokens and provider events with secrets of its own data folder, never the
dev secrets written in the source (tools/stack.py `stack_secret`)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from gateway.settings import DEV_JWT_SECRET
from payments.settings import DEV_WEBHOOK_SECRET
from tools import stack


@pytest.mark.parametrize("variable", ["JWT_SECRET", "PAYMENTS_WEBHOOK_SECRET"])
def test_a_secret_is_made_once_per_data_folder_owner_only_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.delenv(variable, raising=False)
    first = stack.stack_secret(tmp_path, variable)
    assert first not in (DEV_JWT_SECRET, DEV_WEBHOOK_SECRET)
    assert len(first) >= 32
    kept = tmp_path / variable.lower()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    # The next run signs with the same one: logins and guest links outlive a restart.
    assert stack.stack_secret(tmp_path, variable) == first
    # Another data folder, another secret.
    other = tmp_path / "other"
    other.mkdir()
    assert stack.stack_secret(other, variable) != first


def test_the_environment_wins_and_nothing_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_SECRET", "x" * 40)
    assert stack.stack_secret(tmp_path, "JWT_SECRET") == "x" * 40
    assert not (tmp_path / "jwt_secret").exists()
