"""plumbing.devstack.pgserver_handle: an embedded PostgreSQL start whose initdb or pg_ctl was
killed by a signal (seen on a busy machine) is made once more, without pgserver's failed
handle and without the half-made data directory; a start that failed on its own is not."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path
from typing import Any

import pgserver
import pytest

from plumbing.devstack import pgserver_handle


def _failing_once(  # type: ignore[no-untyped-def]
    returncode: int, calls: list[Path], *, log_missing: bool = False
):
    failed: Any = object()  # the handle pgserver kept of the start that failed

    def get_server(path: Path, cleanup_mode: str | None = None) -> object:
        calls.append(Path(path))
        if len(calls) == 1:
            pgserver.PostgresServer._instances[Path(path).resolve()] = failed
            try:
                raise subprocess.CalledProcessError(returncode, ["pg_ctl"])
            except subprocess.CalledProcessError:
                if log_missing:  # pgserver reads the server's log to print it, and it is not there
                    (Path(path) / "log").read_text()
                raise
        # The retry sees neither the failed handle nor what the killed initdb left.
        assert Path(path).resolve() not in pgserver.PostgresServer._instances
        assert Path(path).is_dir() and not any(Path(path).iterdir())
        return "started"

    return get_server


def test_a_start_killed_by_a_signal_is_made_once_more_from_a_clean_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pgdata = tmp_path / "pg"
    pgdata.mkdir()
    (pgdata / "base").mkdir()  # half of an initdb, no PG_VERSION yet
    calls: list[Path] = []
    monkeypatch.setattr(pgserver, "get_server", _failing_once(-11, calls))

    assert pgserver_handle(pgdata, None) == "started"
    assert calls == [pgdata, pgdata]


def test_a_pg_ctl_killed_before_the_log_was_made_is_made_once_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pgdata = tmp_path / "pg"
    pgdata.mkdir()
    calls: list[Path] = []
    monkeypatch.setattr(pgserver, "get_server", _failing_once(-11, calls, log_missing=True))

    assert pgserver_handle(pgdata, None) == "started"
    assert calls == [pgdata, pgdata]


def test_a_missing_file_with_no_killed_command_behind_it_is_not_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []

    def get_server(path: Path, cleanup_mode: str | None = None) -> object:
        calls.append(Path(path))
        raise FileNotFoundError(path)

    monkeypatch.setattr(pgserver, "get_server", get_server)
    with pytest.raises(FileNotFoundError):
        pgserver_handle(tmp_path / "pg", None)
    assert len(calls) == 1


def test_a_start_that_failed_on_its_own_is_not_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []
    monkeypatch.setattr(pgserver, "get_server", _failing_once(1, calls))

    with pytest.raises(subprocess.CalledProcessError):
        pgserver_handle(tmp_path / "pg", None)
    assert len(calls) == 1
    pgserver.PostgresServer._instances.pop((tmp_path / "pg").resolve(), None)


def test_a_start_whose_pg_ctl_wait_ran_out_takes_the_server_once_it_is_ready(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pg_ctl's 10 s ran out while the server went on starting: the handle is taken again
    only once postmaster.pid says the server is ready."""
    pgdata = tmp_path / "pg"
    pgdata.mkdir()
    pid_file = pgdata / "postmaster.pid"
    pid_file.write_text("123\n/pg\n0\n5432\n/tmp\n\n0\nstarting\n")
    calls: list[str] = []

    def get_server(path: Path, cleanup_mode: str | None = None) -> object:
        if not calls:
            calls.append("timed out")
            pgserver.PostgresServer._instances[Path(path).resolve()] = object()
            # The server becomes ready a moment after pg_ctl was given up on.
            threading.Timer(0.5, pid_file.write_text, ("123\n/pg\n0\n5432\n/tmp\n\n0\nready\n",)).start()
            raise subprocess.TimeoutExpired(["pg_ctl"], 10)
        assert Path(path).resolve() not in pgserver.PostgresServer._instances
        calls.append(pid_file.read_text().splitlines()[7])
        return "started"

    monkeypatch.setattr(pgserver, "get_server", get_server)

    assert pgserver_handle(pgdata, None) == "started"
    assert calls == ["timed out", "ready"]
