"""`make run` keeps its ports across runs when it can, and never loses a start to a port
another process took (tools/stack.py)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools import stack


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """Another process's server: a socket listening on a port the OS picked."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock


def child_on(port: int) -> stack.Child:
    child = stack.Child("catalog", "catalog", {})
    child.port = port
    return child


def test_a_port_remembered_by_the_last_run_is_reused_when_free(tmp_path: Path) -> None:
    stack.PortMemory(tmp_path / "ports.json").remember([child_on(stack.free_port())])
    remembered = stack.PortMemory(tmp_path / "ports.json").last["catalog"]

    assert stack.PortMemory(tmp_path / "ports.json").reuse("catalog") == remembered
    assert stack.PortMemory(tmp_path / "ports.json").reuse("wallet") == 0  # never ran: the OS picks


def test_a_remembered_port_another_process_holds_is_given_up_and_said(
    tmp_path: Path, listener: socket.socket, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = listener.getsockname()[1]
    stack.PortMemory(tmp_path / "ports.json").remember([child_on(taken)])

    assert stack.PortMemory(tmp_path / "ports.json").reuse("catalog") == 0
    assert f"port {taken} of the last run is taken by another process" in capsys.readouterr().out


def test_an_unreadable_memory_is_a_first_run(tmp_path: Path) -> None:
    (tmp_path / "ports.json").write_text("not json")

    assert stack.PortMemory(tmp_path / "ports.json").reuse("gateway") == 0


@pytest.mark.integration
def test_a_service_whose_port_was_taken_after_the_check_starts_on_one_the_os_picks(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    listener: socket.socket,
    database_url: str,
    nats_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(stack, "DATA", tmp_path)
    for folder in ("run", "logs"):
        (tmp_path / folder).mkdir()
    taken = listener.getsockname()[1]
    env = {"DATABASE_URL": database_url, "NATS_URL": nats_url, "WALLET_ADDR": "127.0.0.1:1"}
    child = stack.Child("catalog", "catalog", env)
    child.port = taken
    try:
        stack.start_on_its_port(child)

        assert child.port not in (0, taken)
        assert child.process is not None and child.process.poll() is None
        assert int(child.port_file.read_text()) == child.port
        assert f"could not have port {taken}" in capsys.readouterr().out
    finally:
        child.stop()
        child.wait_stopped()


@pytest.mark.integration
def test_payments_learns_the_gateways_real_port_and_keeps_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str, nats_url: str
) -> None:
    monkeypatch.setattr(stack, "DATA", tmp_path)
    for folder in ("run", "logs"):
        (tmp_path / folder).mkdir()
    env = {
        "DATABASE_URL": database_url,
        "NATS_URL": nats_url,
        "BOOKING_ENV": "dev",  # as make run: the dev webhook secret
        "PAYMENTS_WEBHOOK_URL": stack.webhook_url(1),
    }
    payments = stack.Child("payments", "payments", env)
    payments.start()
    first = payments.process
    try:
        stack.tell_payments_the_webhook_port([payments], 4321)

        assert payments.env["PAYMENTS_WEBHOOK_URL"] == "http://127.0.0.1:4321/webhooks/payments/sandbox"
        assert first is not None and first.poll() is not None  # the old process is gone
        assert payments.process is not None and payments.process.poll() is None
        assert int(payments.port_file.read_text()) == payments.port  # same port: bookings' address holds
    finally:
        payments.stop()
        payments.wait_stopped()


@pytest.mark.integration
def test_the_catalog_learns_the_wallets_real_address_and_keeps_its_own_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str, nats_url: str
) -> None:
    monkeypatch.setattr(stack, "DATA", tmp_path)
    for folder in ("run", "logs"):
        (tmp_path / folder).mkdir()
    promised = stack.addresses_of([stack.free_port()])
    env = {"DATABASE_URL": database_url, "NATS_URL": nats_url, "WALLET_ADDR": promised}
    catalog = stack.Child("catalog", "catalog", env)
    catalog.start()
    first = catalog.process
    try:
        stack.tell_catalog_the_wallet_address([catalog], "127.0.0.1:4321,127.0.0.1:4322")

        assert catalog.env["WALLET_ADDR"] == "127.0.0.1:4321,127.0.0.1:4322"
        assert first is not None and first.poll() is not None  # the old process is gone
        assert catalog.process is not None and catalog.process.poll() is None
        assert int(catalog.port_file.read_text()) == catalog.port  # same port: its callers' address holds
    finally:
        catalog.stop()
        catalog.wait_stopped()


def test_the_wallet_replicas_start_on_the_ports_promised_to_the_catalog() -> None:
    assert stack.replica_names("wallet", 1) == ["wallet"]
    assert stack.replica_names("wallet", 3) == ["wallet-1", "wallet-2", "wallet-3"]
    assert stack.addresses_of([5001, 5002]) == "127.0.0.1:5001,127.0.0.1:5002"
