"""`make backup` / `make restore`: PostgreSQL backups of the whole platform, restored to a new
place, validated, then switched to (and back).

    python tools/backup.py backup                 # .data/backups/<UTC time>/ (dump + manifest)
    python tools/backup.py list
    python tools/backup.py restore [BACKUP_DIR]   # the newest backup by default
    python tools/backup.py restore --no-switch    # restore and validate only
    python tools/backup.py switch-back            # undo the last switch
    python tools/backup.py check                  # validate a database in place (e.g. a CNPG restore)

backup: `pg_dump -Fc` of the whole database (every service's schema and the gateway's) in
one snapshot, and manifest.json from that same snapshot (`pg_export_snapshot`): each schema's
migration heads, every table's row count, each outbox's rows, the sagas by state, the time.

restore never writes over the live database. It restores into a NEW one, validates it, and
only then switches:
- embedded PostgreSQL (`make run` without DATABASE_URL): a new data directory
  `.data/pg.restored-<time>` (initdb, pg_restore); the switch renames `.data/pg` to
  `.data/pg.before-<time>` and the restored directory to `.data/pg`, so the next `make run`
  uses it. `.data/nats` is moved aside the same way: the streams start empty.
- a real server (DATABASE_URL): a new database `<name>_restored_<time>` on the same server;
  the switch renames the live database to `<name>_before_<time>` and the restored one to
  `<name>`, so every service's DATABASE_URL names it unchanged. `--reset-streams` deletes
  the platform's JetStream streams on NATS_URL (the services re-create them on start).
Validation: every schema's migrations at the head of its scripts, the row counts and every
outbox's rows as in the manifest (nothing lost), and the invariants of tools/invariants.py by
SQL (money, places, pass credits, no duplicate effect). A failed validation switches nothing.

The switch needs the platform stopped (make run, or the services on the real server).

JetStream: PostgreSQL is the source of truth (docs/saga.md). Every command, reply and event is
an outbox row committed with its effect and KEPT after publishing; a saga waiting on a reply
re-sends its command when its step deadline passes; consumers de-duplicate by message id. Stream
contents newer than the dump belong to the timeline the restore undoes (a command for a booking
the restored database never had would debit a wallet for nothing), so the streams the outboxes
feed start empty and the restored database re-drives what was in flight. The dead letters live
in JetStream alone: the backup snapshots the DLQ stream and the DLQ_ACTIONS bucket
(tools/stream_snapshots.py, the JetStream snapshot API) and the restore puts them back where
they are missing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("BOOKING_DATA_DIR", ROOT / ".data"))
DATABASE_NAME = "booking"  # make run's database (tools/stack.py)
DUMP_FILE = "booking.dump"
MANIFEST_FILE = "manifest.json"
SWITCHES_FILE = "switches.json"
# The streams the outboxes feed (plumbing.messaging, plumbing.audit, catalog's events): what
# --reset-streams deletes. Dead letters (DLQ, DLQ_ADVISORIES, the DLQ_ACTIONS bucket) live only
# in JetStream and are kept: they are evidence, and nothing consumes them by itself.
PLATFORM_STREAMS = ("SAGA", "BOOKING_EVENTS", "CATALOG", "AUDIT")
# Outbox rows published this long before the dump are sent again after a restore (--requeue-seconds).
REQUEUE_SECONDS = 300.0


def now_stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def pg_bin(name: str) -> str:
    """pgserver's client binaries (the embedded server's version), else the system's."""
    try:
        from pgserver._commands import POSTGRES_BIN_PATH

        found = Path(POSTGRES_BIN_PATH) / name
        if found.exists():
            return str(found)
    except ImportError:
        pass
    system = shutil.which(name)
    if not system:
        raise SystemExit(f"{name} not found: pip install pgserver, or install the PostgreSQL client")
    return system


def libpq_url(url: str) -> str:
    """pg_dump / pg_restore take libpq URLs (no SQLAlchemy driver suffix)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


# -- backup --------------------------------------------------------------------------------


def snapshot_manifest(conn: Any) -> dict[str, Any]:
    """What the dump holds, read in the dump's own snapshot."""
    from tools.invariants import outbox_counts, rows, saga_states

    heads: dict[str, list[str]] = {}
    for schema in rows(
        conn,
        "SELECT table_schema AS name FROM information_schema.tables "
        "WHERE table_name = 'alembic_version' ORDER BY 1",
    ):
        found = rows(conn, f'SELECT version_num FROM "{schema.name}".alembic_version ORDER BY 1')
        heads[schema.name] = [row.version_num for row in found]
    counts: dict[str, int] = {}
    for table in rows(
        conn,
        "SELECT table_schema AS s, table_name AS t FROM information_schema.tables "
        "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') "
        "ORDER BY 1, 2",
    ):
        [row] = rows(conn, f'SELECT COUNT(*) AS n FROM "{table.s}"."{table.t}"')
        counts[f"{table.s}.{table.t}"] = int(row.n)
    [server] = rows(conn, "SELECT current_database() AS db, current_setting('server_version') AS version")
    return {
        "database": server.db,
        "server_version": server.version,
        "migration_heads": heads,
        "row_counts": counts,
        "outboxes": outbox_counts(conn),
        "sagas_by_state": saga_states(conn) if "bookings" in heads else {},
    }


def backup(database_url: str, folder: Path, nats_url: str | None = None) -> dict[str, Any]:
    """pg_dump -Fc of the whole database into `folder`, with manifest.json, and with a NATS URL
    the dead-letter streams' snapshots in folder/nats/; returns the manifest."""
    import psycopg

    folder.mkdir(parents=True, exist_ok=False)
    started = time.monotonic()
    with psycopg.connect(libpq_url(database_url)) as conn:
        # One snapshot for the manifest and the dump: the counts are the dump's own.
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        [snapshot] = conn.execute("SELECT pg_export_snapshot()").fetchone() or [""]
        taken_at = datetime.now(UTC)
        manifest = snapshot_manifest(conn)
        dump = folder / DUMP_FILE
        subprocess.run(
            [
                pg_bin("pg_dump"),
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={dump}",
                f"--dbname={libpq_url(database_url)}",
            ],
            check=True,
        )
        conn.rollback()
    manifest.update(
        taken_at=taken_at.isoformat(),
        dump=DUMP_FILE,
        dump_bytes=dump.stat().st_size,
        seconds=round(time.monotonic() - started, 3),
    )
    if nats_url:
        from tools.stream_snapshots import snapshot_streams

        started = time.monotonic()
        manifest["nats"] = snapshot_streams(nats_url, folder / "nats")
        manifest["nats_seconds"] = round(time.monotonic() - started, 3)
    else:
        manifest["nats"] = "no NATS reachable: dead letters not snapshotted"
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


# -- validation ----------------------------------------------------------------------------


def script_heads() -> dict[str, set[str]]:
    """Each schema's newest revisions, from its migration scripts."""
    from alembic.script import ScriptDirectory

    from plumbing.migrations import migration_dirs

    return {
        schema: set(ScriptDirectory(str(folder)).get_heads()) for schema, folder in migration_dirs().items()
    }


def validate(database_url: str, manifest: dict[str, Any] | None) -> list[Any]:
    """Every check a restored database must pass before it is switched to (without a
    manifest, `check` on any database: migrations at head and the invariants)."""
    import psycopg

    from tools.invariants import Check, check_database, outbox_counts

    with psycopg.connect(libpq_url(database_url)) as conn:
        restored = snapshot_manifest(conn)
        migrations = Check("migrations-at-head")
        for schema, heads in script_heads().items():
            found = set(restored["migration_heads"].get(schema, []))
            if found != heads:
                migrations.fail(
                    f"{schema} is at {sorted(found) or 'nothing'}, its scripts' heads {sorted(heads)}"
                )
        migrations.note = f"{len(restored['migration_heads'])} schemas"
        if manifest is None:
            return [migrations, *check_database(conn)]
        counts = Check("rows-restored")
        for table, expected in manifest["row_counts"].items():
            if table.endswith(".alembic_version"):
                continue  # the heads are checked above
            if restored["row_counts"].get(table) != expected:
                counts.fail(f"{table}: {restored['row_counts'].get(table)} rows, the backup had {expected}")
        counts.note = f"{sum(manifest['row_counts'].values())} rows in {len(manifest['row_counts'])} tables"
        outboxes = Check("outboxes-kept")
        found_outboxes = outbox_counts(conn)
        for schema, expected in manifest["outboxes"].items():
            if found_outboxes.get(schema) != expected:
                outboxes.fail(f"{schema}.outbox: {found_outboxes.get(schema)}, the backup had {expected}")
        outboxes.note = ", ".join(
            f"{s} {c['total']} ({c['unsent']} unsent)" for s, c in found_outboxes.items()
        )
        return [migrations, counts, outboxes, *check_database(conn)]


def requeue_recent(database_url: str, taken_at: datetime, seconds: float) -> dict[str, int]:
    """Marks unsent again every outbox row published in the `seconds` before the dump.

    The streams start empty after a switch, so a message published just before the dump but not
    yet consumed then would be lost: a saga's step deadline re-sends a command, but nothing
    re-sends an event (a session created, a booking confirmed). Every consumer de-duplicates by
    message id in its inbox, restored with the same dump, so sending again what was consumed
    already is harmless. Returns the rows marked per schema."""
    import psycopg

    from tools.invariants import outbox_schemas

    since = taken_at.timestamp() - seconds
    marked = {}
    with psycopg.connect(libpq_url(database_url)) as conn:
        for schema in outbox_schemas(conn):
            cursor = conn.execute(
                f'UPDATE "{schema}".outbox SET published_at = NULL WHERE published_at >= to_timestamp(%s)',
                (since,),
            )
            marked[schema] = cursor.rowcount
    return marked


def migrate_restored(database_url: str, manifest: dict[str, Any]) -> None:
    """`--migrate`: a backup of an older release, brought to this release's heads before it is
    validated (what make run would do at its next start). The row counts are still compared
    with the dump's (tables a migration creates are not in them; the version tables are left
    to `migrations-at-head`): a migration that adds or deletes rows shows in `rows-restored`."""
    from plumbing.migrations import migrate_all

    migrate_all(database_url)


def restore_dump(dump: Path, database_url: str, *, keep_owners: bool) -> None:
    command = [pg_bin("pg_restore"), "--exit-on-error", f"--dbname={libpq_url(database_url)}"]
    if not keep_owners:
        command += ["--no-owner", "--no-privileges"]  # a new cluster has none of the old roles
    subprocess.run([*command, str(dump)], check=True)


# -- the two paths -------------------------------------------------------------------------


@dataclass
class Drill:
    """One restore: where it went, the checks, and how long each part took (seconds)."""

    backup_dir: Path
    target: str  # the restored data directory or database
    database_url: str = ""
    checks: list[Any] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    requeued: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def report(self) -> str:
        lines = [f"{'ok  ' if c.ok else 'FAIL'} {c.name}: {c.note}" for c in self.checks]
        for check in self.checks:
            lines += [f"     {check.name}: {v}" for v in check.violations[:10]]
        if self.timings:
            lines.append("timings: " + ", ".join(f"{k} {v:.2f} s" for k, v in self.timings.items()))
        return "\n".join(lines)


def load_manifest(backup_dir: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((backup_dir / MANIFEST_FILE).read_text())
    return manifest


def restore_to_database(
    backup_dir: Path, server_url: str, name: str, requeue_seconds: float = 0, migrate: bool = False
) -> Drill:
    """Into a new database `name` on the server of `server_url`: restore, validate."""
    import psycopg

    from plumbing.devstack import database_in

    manifest = load_manifest(backup_dir)
    drill = Drill(backup_dir, name, database_url=database_in(server_url, name))
    started = time.monotonic()
    with psycopg.connect(libpq_url(database_in(server_url, "postgres")), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            raise SystemExit(f"database {name} exists already: restore goes to a new database")
        conn.execute(f'CREATE DATABASE "{name}"')
    restore_dump(backup_dir / manifest["dump"], drill.database_url, keep_owners=True)
    if migrate:
        migrate_restored(drill.database_url, manifest)
    drill.timings["restore"] = time.monotonic() - started
    started = time.monotonic()
    drill.checks = validate(drill.database_url, manifest)
    drill.timings["validate"] = time.monotonic() - started
    if drill.ok and requeue_seconds > 0:
        drill.requeued = requeue_recent(
            drill.database_url, datetime.fromisoformat(manifest["taken_at"]), requeue_seconds
        )
    return drill


def live_sessions(server_url: str, name: str) -> int:
    import psycopg

    from plumbing.devstack import database_in

    with psycopg.connect(libpq_url(database_in(server_url, "postgres"))) as conn:
        row = conn.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (name,)
        ).fetchone()
    return int(row[0]) if row else 0


def switch_database(server_url: str, live: str, restored: str, stamp: str) -> dict[str, str]:
    """Renames the live database aside and the restored one into its place."""
    import psycopg

    from plumbing.devstack import database_in

    if sessions := live_sessions(server_url, live):
        raise SystemExit(f"{sessions} sessions use {live}: stop the services first (nothing switched)")
    before = f"{live}_before_{stamp.lower()}"
    with psycopg.connect(libpq_url(database_in(server_url, "postgres")), autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{live}" RENAME TO "{before}"')
        conn.execute(f'ALTER DATABASE "{restored}" RENAME TO "{live}"')
    return {"kind": "database", "live": live, "before": before, "restored": restored}


def embedded_running(pgdata: Path) -> str | None:
    """The socket folder of a PostgreSQL running on pgdata, else None."""
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return None
    lines = pid_file.read_text().splitlines()
    try:
        os.kill(int(lines[0]), 0)
    except (ValueError, IndexError, ProcessLookupError, PermissionError):
        return None
    return lines[4] if len(lines) > 4 else None


def embedded_server(pgdata: Path) -> tuple[str, Any]:
    """The running embedded server's URL (make run), or one started for us (stop it after)."""
    from plumbing.devstack import EmbeddedPostgres

    socket_dir = embedded_running(pgdata)
    if socket_dir:
        return f"postgresql://postgres:@/postgres?host={socket_dir}", None
    server = EmbeddedPostgres(pgdata)
    server.start()
    return server.url, server


def embedded_nats(data: Path) -> tuple[str | None, Any]:
    """make run's NATS URL when it runs, else one started on data/nats for the while (stop it
    after), else (None, None) when there is no JetStream store."""
    from plumbing.devstack import EmbeddedNats

    for ports_file in (data / "nats" / "ports").glob("*.ports"):
        try:
            ports = json.loads(ports_file.read_text())
            os.kill(int(ports_file.stem.rsplit("_", 1)[-1]), 0)
            return str(ports["nats"][0]), None
        except (OSError, ValueError, KeyError, IndexError):
            continue
    if not (data / "nats" / "jetstream").exists():
        return None, None
    server = EmbeddedNats(data / "nats")
    server.start()
    return server.url, server


def restore_embedded(
    backup_dir: Path, data: Path, stamp: str, requeue_seconds: float = 0, migrate: bool = False
) -> Drill:
    """Into a new data directory data/pg.restored-<stamp>: initdb, restore, validate; stopped after."""
    from plumbing.devstack import EmbeddedPostgres, database_in

    manifest = load_manifest(backup_dir)
    pgdata = data / f"pg.restored-{stamp}"
    if pgdata.exists():
        raise SystemExit(f"{pgdata} exists already")
    drill = Drill(backup_dir, str(pgdata))
    started = time.monotonic()
    server = EmbeddedPostgres(pgdata)
    server.start()
    try:
        name = manifest["database"]
        import psycopg

        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        drill.database_url = database_in(server.url, name)
        restore_dump(backup_dir / manifest["dump"], drill.database_url, keep_owners=False)
        if migrate:
            migrate_restored(drill.database_url, manifest)
        drill.timings["restore"] = time.monotonic() - started
        started = time.monotonic()
        drill.checks = validate(drill.database_url, manifest)
        drill.timings["validate"] = time.monotonic() - started
        if drill.ok and requeue_seconds > 0:
            drill.requeued = requeue_recent(
                drill.database_url, datetime.fromisoformat(manifest["taken_at"]), requeue_seconds
            )
    finally:
        server.stop()
    return drill


def switch_embedded(data: Path, restored: Path, stamp: str) -> dict[str, str]:
    """data/pg -> data/pg.before-<stamp>, the restored directory -> data/pg; NATS's store aside."""
    live = data / "pg"
    if embedded_running(live):
        raise SystemExit(f"PostgreSQL runs on {live}: stop make run first (nothing switched)")
    record = {"kind": "data-dir", "live": str(live), "restored": str(restored)}
    if live.exists():
        record["before"] = str(data / f"pg.before-{stamp}")
        live.rename(record["before"])
    restored.rename(live)
    nats = data / "nats"
    if nats.exists():
        record["nats_before"] = str(data / f"nats.before-{stamp}")
        nats.rename(record["nats_before"])
    return record


def reset_streams(nats_url: str) -> list[str]:
    """Deletes the platform's streams on a real NATS (the services re-create them empty)."""
    import asyncio

    import nats
    from nats.js.errors import NotFoundError

    async def delete() -> list[str]:
        nc = await nats.connect(nats_url)
        deleted = []
        try:
            js = nc.jetstream()
            for stream in PLATFORM_STREAMS:
                try:
                    await js.delete_stream(stream)
                    deleted.append(stream)
                except NotFoundError:
                    pass
        finally:
            await nc.close()
        return deleted

    return asyncio.run(delete())


def restore_dead_letters(data: Path, snapshots: Path, nats_url: str | None) -> dict[str, str]:
    """The backup's dead-letter streams into NATS_URL's server, else into make run's new
    (empty) JetStream store, started for the while; a stream that exists is kept."""
    from plumbing.devstack import EmbeddedNats
    from tools.stream_snapshots import restore_streams

    if nats_url:
        return restore_streams(nats_url, snapshots)
    server = EmbeddedNats(data / "nats")
    server.start()
    try:
        return restore_streams(server.url, snapshots)
    finally:
        server.stop()


def record_switch(data: Path, record: dict[str, str]) -> None:
    path = data / "backups" / SWITCHES_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    switches = json.loads(path.read_text()) if path.exists() else []
    switches.append({**record, "at": datetime.now(UTC).isoformat()})
    path.write_text(json.dumps(switches, indent=2) + "\n")


def switch_back(data: Path, server_url: str | None) -> dict[str, str]:
    """Undoes the last switch; what was switched to is kept aside (`pg.switched-away-<time>`, or
    the database `<name>_before_switched_away_<time>`). Returns the switch undone."""
    path = data / "backups" / SWITCHES_FILE
    switches = json.loads(path.read_text()) if path.exists() else []
    if not switches:
        raise SystemExit("no switch to undo")
    record = switches[-1]
    stamp = now_stamp()
    if record["kind"] == "data-dir":
        live = Path(record["live"])
        if embedded_running(live):
            raise SystemExit(f"PostgreSQL runs on {live}: stop make run first (nothing switched)")
        if "before" not in record:
            raise SystemExit("the switch had no data directory before it")
        live.rename(live.with_name(f"pg.switched-away-{stamp}"))
        Path(record["before"]).rename(live)
        nats = data / "nats"
        if "nats_before" in record:
            if nats.exists():
                nats.rename(data / f"nats.switched-away-{stamp}")
            Path(record["nats_before"]).rename(nats)
    else:
        if not server_url:
            raise SystemExit("the last switch renamed databases: set DATABASE_URL to the server")
        switch_database(server_url, record["live"], record["before"], f"switched_away_{stamp}")
    path.write_text(json.dumps(switches[:-1], indent=2) + "\n")
    return record


# -- command line --------------------------------------------------------------------------


def backups_dir(data: Path) -> Path:
    return data / "backups"


def newest_backup(data: Path) -> Path:
    found = sorted(p for p in backups_dir(data).glob("*") if (p / MANIFEST_FILE).exists())
    if not found:
        raise SystemExit(f"no backup in {backups_dir(data)}: make backup first")
    return found[-1]


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database",
        default=DATABASE_NAME,
        help="the database on DATABASE_URL's server (default booking, make run's)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("backup", help="pg_dump of every schema and a manifest into .data/backups/<time>/")
    commands.add_parser("list", help="the backups, newest last")
    commands.add_parser(
        "check", help="validate a database in place (DATABASE_URL's): migrations at head, the invariants"
    )
    restore = commands.add_parser("restore", help="restore to a new place, validate, switch to it")
    restore.add_argument("backup_dir", nargs="?", type=Path, help="default: the newest backup")
    restore.add_argument("--no-switch", action="store_true", help="restore and validate only")
    restore.add_argument(
        "--reset-streams",
        action="store_true",
        help="with NATS_URL: delete the platform's streams at the switch",
    )
    restore.add_argument(
        "--migrate",
        action="store_true",
        help="a backup of an older release: migrate the restored database to this release's heads first",
    )
    restore.add_argument(
        "--requeue-seconds",
        type=float,
        default=REQUEUE_SECONDS,
        help="outbox rows published this long before the dump are sent again (default 300; 0: none)",
    )
    commands.add_parser("switch-back", help="undo the last switch (the platform stopped)")
    args = parser.parse_args(argv)
    server_url = os.environ.get("DATABASE_URL")
    data = DATA
    if args.command == "list":
        for folder in sorted(backups_dir(data).glob("*")):
            if (folder / MANIFEST_FILE).exists():
                manifest = load_manifest(folder)
                print(
                    f"{folder}  {manifest['taken_at']}  {manifest['dump_bytes']} bytes"
                    f"  sagas {manifest['sagas_by_state']}"
                )
        return 0
    if args.command == "backup":
        folder = backups_dir(data) / now_stamp()
        from plumbing.devstack import database_in

        if server_url:
            url, server = database_in(server_url, args.database), None
        else:
            admin, server = embedded_server(data / "pg")
            url = database_in(admin, args.database)
        nats_url, nats_server = (os.environ.get("NATS_URL"), None)
        if not nats_url:
            nats_url, nats_server = embedded_nats(data)
        try:
            manifest = backup(url, folder, nats_url)
        finally:
            if server is not None:
                server.stop()
            if nats_server is not None:
                nats_server.stop()
        print(f"backup in {folder}: {manifest['dump_bytes']} bytes in {manifest['seconds']:.2f} s")
        print(f"  dead letters {manifest['nats']}")
        print(f"  migration heads {manifest['migration_heads']}")
        print(f"  sagas by state {manifest['sagas_by_state']}")
        return 0
    if args.command == "check":
        from plumbing.devstack import database_in

        admin, server = (server_url, None) if server_url else embedded_server(data / "pg")
        try:
            checks = validate(database_in(admin, args.database), None)
        finally:
            if server is not None:
                server.stop()
        print(Drill(Path("."), args.database, checks=checks).report())
        return 0 if all(check.ok for check in checks) else 1
    if args.command == "switch-back":
        record = switch_back(data, server_url)
        print(f"switched back: what was live before {record['at']} is live again")
        return 0
    backup_dir = args.backup_dir or newest_backup(data)
    stamp = now_stamp()
    live = args.database
    # The switch needs the platform stopped: said before the restore, not after it.
    if not args.no_switch and not server_url and embedded_running(data / "pg"):
        raise SystemExit(f"PostgreSQL runs on {data / 'pg'}: stop make run first (or restore --no-switch)")
    if not args.no_switch and server_url and (sessions := live_sessions(server_url, live)):
        raise SystemExit(f"{sessions} sessions use {live}: stop the services first (or restore --no-switch)")
    if server_url:
        restored = f"{live}_restored_{stamp.lower()}"
        drill = restore_to_database(backup_dir, server_url, restored, args.requeue_seconds, args.migrate)
    else:
        drill = restore_embedded(backup_dir, data, stamp, args.requeue_seconds, args.migrate)
    print(drill.report())
    if not drill.ok:
        print(f"validation failed: nothing switched; the restore is kept in {drill.target} to look at")
        if any(check.name == "migrations-at-head" and not check.ok for check in drill.checks):
            print("a backup of an older release? `restore --migrate` migrates it before validating")
        return 1
    if any(drill.requeued.values()):
        print(f"sent again at the next start (published in the {args.requeue_seconds:g} s before the dump):")
        print(f"  {drill.requeued}")
    if args.no_switch:
        print(f"restored and valid in {drill.target} (not switched: --no-switch)")
        return 0
    started = time.monotonic()
    if server_url:
        record = switch_database(server_url, live, drill.target, stamp)
        if args.reset_streams and os.environ.get("NATS_URL"):
            record["streams_deleted"] = ",".join(reset_streams(os.environ["NATS_URL"]))
    else:
        record = switch_embedded(data, Path(drill.target), stamp)
    record_switch(data, record)
    print(f"switched in {time.monotonic() - started:.2f} s: {record}")
    snapshots = backup_dir / "nats"
    if any(snapshots.glob("*.json")):
        print(f"dead letters: {restore_dead_letters(data, snapshots, os.environ.get('NATS_URL'))}")
    print("start the platform again (make run); `make restore-switch-back` undoes the switch")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
