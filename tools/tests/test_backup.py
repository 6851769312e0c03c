"""`make backup` / `make restore` / `make restore-switch-back` on make run's embedded PostgreSQL
(tools/backup.py): the dump of a running server, a restore into a new data directory that is
validated and switched to (the live one kept as pg.before-<time>, NATS's store set aside), the
outbox rows published just before the dump sent again, and the switch undone."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import psycopg
import pytest

from plumbing.devstack import EmbeddedNats, EmbeddedPostgres, database_in, ensure_database
from plumbing.migrations import migrate_all
from tools import backup

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]


def outbox_rows(pgdata: Path) -> dict[str, bool]:
    """catalog.outbox's rows, id -> published, read from a server started on pgdata."""
    server = EmbeddedPostgres(pgdata)
    server.start()
    try:
        with psycopg.connect(database_in(server.url, "booking")) as conn:
            return {
                row[0]: row[1] is not None
                for row in conn.execute("SELECT id, published_at FROM catalog.outbox")
            }
    finally:
        server.stop()


def add_outbox_row(url: str, message_id: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO catalog.outbox (id, subject, payload, published_at) VALUES (%s, 'drill', '', now())",
            (message_id,),
        )


def streams(data: Path, publish: bool = False) -> dict[str, int]:
    """JetStream's streams and their messages, on a nats-server started on data/nats; with
    `publish`, first a dead letter and a saga command (what make run's services would make)."""
    import nats

    from plumbing import messaging
    from plumbing.dead_letters import ensure_dead_letter_streams

    server = EmbeddedNats(data / "nats")
    server.start()

    async def look() -> dict[str, int]:
        nc = await nats.connect(server.url)
        try:
            js = nc.jetstream()
            if publish:
                actions = await ensure_dead_letter_streams(js)
                await js.publish("dlq.wallet.saga-cmd-wallet", b"a dead letter")
                await actions.put("1", b"discarded")
                await messaging.ensure_stream(js, messaging.SAGA_STREAM, messaging.SAGA_SUBJECTS)
                await js.publish("saga.cmd.wallet", b"a command")
            return {info.config.name or "": info.state.messages for info in await js.streams_info()}
        finally:
            await nc.close()

    try:
        return asyncio.run(look())
    finally:
        server.stop()


def test_backup_restore_switch_and_switch_back_on_the_embedded_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(backup, "DATA", tmp_path)
    before = streams(tmp_path, publish=True)
    assert before == {"DLQ": 1, "DLQ_ADVISORIES": 0, "KV_DLQ_ACTIONS": 1, "SAGA": 1}
    live = EmbeddedPostgres(tmp_path / "pg")
    live.start()  # what make run runs: the backup reads the running server
    try:
        url = ensure_database(live.url, "booking")
        migrate_all(url)
        add_outbox_row(url, "before-the-backup")
        assert backup.main(["backup"]) == 0
        add_outbox_row(url, "after-the-backup")
        [backup_dir] = (tmp_path / "backups").iterdir()
        manifest = json.loads((backup_dir / "manifest.json").read_text())
        assert manifest["outboxes"]["catalog"] == {"total": 1, "unsent": 0}
        assert set(manifest["migration_heads"]) >= {"bookings", "catalog", "wallet", "passes", "payments"}
        # No NATS ran: the backup started one on the store for the dead letters' snapshots.
        assert {stream: meta["messages"] for stream, meta in manifest["nats"].items()} == {
            "DLQ": 1,
            "KV_DLQ_ACTIONS": 1,
        }
    finally:
        live.stop()

    assert backup.main(["restore"]) == 0
    printed = capsys.readouterr().out
    assert "ok   migrations-at-head" in printed and "FAIL" not in printed, printed
    assert "'catalog': 1" in printed, printed  # the row published before the dump is sent again
    names = sorted(path.name for path in tmp_path.iterdir())
    assert [n for n in names if n.startswith("pg.before-")] and [
        n for n in names if n.startswith("nats.before-")
    ]
    # The next make run's JetStream: the dead letters restored from their snapshots, no stream
    # the outboxes feed (the restored database sends again what it must).
    assert streams(tmp_path) == {"DLQ": 1, "KV_DLQ_ACTIONS": 1}
    assert outbox_rows(tmp_path / "pg") == {"before-the-backup": False}

    assert backup.main(["check"]) == 0  # the switched-to database, validated in place
    assert "ok   migrations-at-head" in capsys.readouterr().out
    assert backup.main(["switch-back"]) == 0
    assert outbox_rows(tmp_path / "pg") == {"before-the-backup": True, "after-the-backup": True}
    assert streams(tmp_path) == before
    assert json.loads((tmp_path / "backups" / "switches.json").read_text()) == []


def test_backup_restore_switch_and_switch_back_on_a_real_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With DATABASE_URL: a new database on the same server, switched to by renaming."""
    server = EmbeddedPostgres(tmp_path / "server")
    server.start()
    try:
        monkeypatch.setenv("DATABASE_URL", server.url)
        monkeypatch.delenv("NATS_URL", raising=False)
        monkeypatch.setattr(backup, "DATA", tmp_path)
        url = ensure_database(server.url, "booking")
        migrate_all(url)
        add_outbox_row(url, "before-the-backup")
        assert backup.main(["backup"]) == 0
        add_outbox_row(url, "after-the-backup")
        # A service still connected: the restore refuses at once.
        with psycopg.connect(url), pytest.raises(SystemExit, match="stop the services first"):
            backup.main(["restore"])
        assert backup.main(["restore", "--requeue-seconds", "0"]) == 0
        assert "FAIL" not in capsys.readouterr().out
        with psycopg.connect(url) as conn:  # the same URL names the restored database now
            assert {row[0] for row in conn.execute("SELECT id FROM catalog.outbox")} == {"before-the-backup"}
        with psycopg.connect(database_in(server.url, "postgres")) as conn:
            names = {row[0] for row in conn.execute("SELECT datname FROM pg_database")}
        assert [name for name in names if name.startswith("booking_before_")]
        assert backup.main(["switch-back"]) == 0
        with psycopg.connect(url) as conn:
            found = {row[0] for row in conn.execute("SELECT id FROM catalog.outbox")}
        assert found == {"before-the-backup", "after-the-backup"}
    finally:
        server.stop()
