"""What a step of bench/booking_throughput.py cost: snapshots taken before and after it.

- CPU: utime + stime of every platform process from /proc/<pid>/stat (clock ticks). PostgreSQL
  is the postmaster plus its live backends plus what the postmaster has reaped (its
  cutime + cstime), so a backend that ended during the step still counts.
- PostgreSQL: pg_stat_database's committed + rolled-back transactions and rows written
  (tup_inserted + tup_updated + tup_deleted) of the bench's database, and the sessions
  established in the step (a pool that opens and closes connections under load makes the
  server start a backend each time; the bench's own few snapshot connections are in it). The platform's pollers
  (outbox relays, sweepers) run at idle too: their rate is measured over a quiet 3 s before
  the step and said beside the figure. Statements would need pg_stat_statements, which the
  embedded server (pgserver) does not ship: `StatementLog` counts them from the server log
  with log_statement = all instead, in a short step of their own (logging slows everything).
- NATS: the last sequence number of every JetStream stream (messages published; a stream's
  message count would miss what retention already removed).
- RPCs: the counts bench/rpc_count/sitecustomize.py writes from each service process.
- The saga step log: commands sent again after a deadline (`command` rows with attempt > 1)
  and the deadlines that passed (`timeout` rows).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # "pid (comm) state ppid ...": comm may hold spaces, so split after its closing bracket.
    return text[text.rindex(")") + 2 :].split()


def process_ticks(pid: int, *, reaped_children: bool = False) -> int:
    """utime + stime of a process (and cutime + cstime: its children it has waited for)."""
    fields = _stat_fields(pid)
    if fields is None:
        return 0
    ticks = int(fields[11]) + int(fields[12])
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks


def children_of(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None and int(fields[1]) == parent:
                found.append(int(entry.name))
    return found


def postmaster_pid(pgdata: Path) -> int | None:
    try:
        return int((pgdata / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def find_process(comm: str, argument: str) -> int | None:
    """The pid of a process named `comm` whose command line mentions `argument`."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != comm:
                continue
            if argument in (entry / "cmdline").read_bytes().decode(errors="replace"):
                return int(entry.name)
        except OSError:
            continue
    return None


@dataclass
class Snapshot:
    at: float
    cpu_ticks: dict[str, int]
    transactions: int
    rows_written: int
    sessions: int
    stream_seq: dict[str, int]
    rpcs: Counter[str]
    resent: int
    timeouts: int
    # schema.table -> (inserted, updated, deleted) rows, pg_stat_user_tables
    table_rows: dict[str, tuple[int, int, int]] = field(default_factory=dict)


@dataclass
class Cost:
    """The difference of two snapshots, per confirmed booking."""

    bookings: int
    seconds: float
    cpu_ms: dict[str, float]
    transactions: float
    rows_written: float
    sessions: int  # connections opened during the step (each is a backend the server starts)
    messages: dict[str, float]
    rpcs: dict[str, float]
    resent: int
    timeouts: int
    idle_transactions: float = 0.0  # per booking, at the idle rate over the step's time
    idle_cpu_ms: float = 0.0
    # schema.table -> (inserted, updated, deleted) per booking, the busiest first
    table_rows: dict[str, tuple[float, float, float]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        if not self.bookings:
            return ["  (no booking confirmed: nothing to divide by)"]
        cpu = ", ".join(f"{name} {ms:.1f}" for name, ms in self.cpu_ms.items())
        total_cpu = sum(ms for name, ms in self.cpu_ms.items() if name != "bench client")
        messages = ", ".join(f"{name} {count:.2f}" for name, count in self.messages.items() if count)
        rpc_total = sum(self.rpcs.values())
        top = sorted(self.rpcs.items(), key=lambda item: -item[1])[:6]
        rpcs = ", ".join(f"{method.rsplit('/', 1)[-1]} {count:.2f}" for method, count in top if count)
        return [
            f"  CPU ms per booking: platform {total_cpu:.1f} = {cpu}"
            f" (the idle background's share: {self.idle_cpu_ms:.1f})",
            f"  PostgreSQL per booking: {self.transactions:.1f} transactions (the idle background's share:"
            f" {self.idle_transactions:.1f}), {self.rows_written:.1f} rows written;"
            f" {self.sessions} connections opened in the step",
            f"  NATS messages per booking: {sum(self.messages.values()):.2f} ({messages or 'none'})",
            f"  gRPC calls served per booking: {rpc_total:.2f}" + (f" ({rpcs})" if rpcs else ""),
            f"  re-sent commands: {self.resent} (deadlines passed: {self.timeouts})",
            "  rows written per booking by table (inserted + updated + deleted): "
            + (
                ", ".join(
                    f"{table} {ins:.1f}+{upd:.1f}+{dele:.1f}"
                    for table, (ins, upd, dele) in self.table_rows.items()
                    if ins + upd + dele >= 0.05
                )
                or "none"
            ),
        ]


@dataclass
class Probe:
    database_url: str
    nats_url: str
    processes: dict[str, list[int]]  # name -> pids (replicas of one module are summed)
    pgdata: Path | None
    nats_data: Path | None
    rpc_dir: Path
    _postmaster: int | None = field(default=None, init=False)
    _nats_pid: int | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.pgdata is not None:
            self._postmaster = postmaster_pid(self.pgdata)
        if self.nats_data is not None:
            self._nats_pid = find_process("nats-server", str(self.nats_data))

    def cpu_ticks(self) -> dict[str, int]:
        ticks = {name: sum(process_ticks(pid) for pid in pids) for name, pids in self.processes.items()}
        if self._postmaster is not None:
            ticks["postgres"] = process_ticks(self._postmaster, reaped_children=True) + sum(
                process_ticks(pid) for pid in children_of(self._postmaster)
            )
        if self._nats_pid is not None:
            ticks["nats-server"] = process_ticks(self._nats_pid)
        ticks["bench client"] = process_ticks(os.getpid())
        return ticks

    def rpc_counts(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for path in self.rpc_dir.glob("*.json"):
            try:
                counts.update(json.loads(path.read_text()))
            except (OSError, ValueError):
                continue
        return counts

    async def stream_seq(self) -> dict[str, int]:
        import nats

        client = await nats.connect(self.nats_url.split(",")[0])
        try:
            streams = await client.jetstream().streams_info()
            return {info.config.name or "?": int(info.state.last_seq) for info in streams}
        finally:
            await client.close()

    async def snapshot(self) -> Snapshot:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT xact_commit + xact_rollback, tup_inserted + tup_updated + tup_deleted, sessions"
                " FROM pg_stat_database WHERE datname = current_database()"
            ).fetchone()
            tables = conn.execute(
                "SELECT schemaname || '.' || relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables"
            ).fetchall()
            steps = conn.execute(
                "SELECT count(*) FILTER (WHERE kind = 'command' AND attempt > 1),"
                " count(*) FILTER (WHERE kind = 'timeout') FROM bookings.saga_steps"
            ).fetchone()
        assert row is not None and steps is not None
        return Snapshot(
            at=time.monotonic(),
            cpu_ticks=self.cpu_ticks(),
            transactions=int(row[0]),
            rows_written=int(row[1]),
            sessions=int(row[2]),
            stream_seq=await self.stream_seq(),
            rpcs=self.rpc_counts(),
            resent=int(steps[0]),
            timeouts=int(steps[1]),
            table_rows={str(name): (int(ins), int(upd), int(dele)) for name, ins, upd, dele in tables},
        )

    async def quiet_snapshot(self) -> tuple[Snapshot, Snapshot]:
        """A settled snapshot, and another 3 s later with nothing sent: the idle background."""
        first = await self.settled_snapshot()
        await asyncio.sleep(3)
        return first, await self.snapshot()

    async def settled_snapshot(self) -> Snapshot:
        """A snapshot once PostgreSQL's statistics have caught up: a backend flushes its
        counters at most once a second, an idle one within 10 s, so this waits until two
        reads a second apart agree (at most 12 s). The RPC counts are written every 0.5 s."""
        deadline = time.monotonic() + 12
        last = None
        while time.monotonic() < deadline:
            with psycopg.connect(self.database_url, autocommit=True) as conn:
                row = conn.execute(
                    "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
                ).fetchone()
            # Each read is one transaction of ours: compare allowing for it.
            if last is not None and row is not None and int(row[0]) - last <= 2:
                break
            last = int(row[0]) if row else None
            await asyncio.sleep(1.0)
        return await self.snapshot()


def cost(
    before: Snapshot, after: Snapshot, bookings: int, idle: tuple[Snapshot, Snapshot] | None = None
) -> Cost:
    per = max(bookings, 1)
    idle_transactions = idle_cpu_ms = 0.0
    if idle is not None:
        quiet, still = idle
        scale = (after.at - before.at) / max(still.at - quiet.at, 1e-3) / per
        idle_transactions = (still.transactions - quiet.transactions - 1) * scale  # -1: our own read
        idle_cpu_ms = (
            sum(
                ticks - quiet.cpu_ticks.get(name, 0)
                for name, ticks in still.cpu_ticks.items()
                if name != "bench client"
            )
            * 1000
            / TICKS
            * scale
        )
    return Cost(
        idle_transactions=idle_transactions,
        idle_cpu_ms=idle_cpu_ms,
        bookings=bookings,
        seconds=after.at - before.at,
        cpu_ms={
            name: (after.cpu_ticks.get(name, 0) - ticks) * 1000 / TICKS / per
            for name, ticks in before.cpu_ticks.items()
        },
        transactions=(after.transactions - before.transactions) / per,
        rows_written=(after.rows_written - before.rows_written) / per,
        sessions=after.sessions - before.sessions - 1,  # -1: the snapshot's own connection
        messages={
            name: (seq - before.stream_seq.get(name, 0)) / per
            for name, seq in sorted(after.stream_seq.items())
        },
        rpcs={method: (count - before.rpcs.get(method, 0)) / per for method, count in after.rpcs.items()},
        resent=after.resent - before.resent,
        timeouts=after.timeouts - before.timeouts,
        table_rows=_table_rows(before, after, per),
    )


def _table_rows(before: Snapshot, after: Snapshot, per: int) -> dict[str, tuple[float, float, float]]:
    """Rows each table had written per booking between two snapshots, the busiest first."""
    written = {}
    for table, counts in after.table_rows.items():
        was = before.table_rows.get(table, (0, 0, 0))
        delta = tuple((now - then) / per for now, then in zip(counts, was, strict=True))
        if any(delta):
            written[table] = (delta[0], delta[1], delta[2])
    return dict(sorted(written.items(), key=lambda item: -sum(item[1])))


class StatementLog:
    """Statements per process from the server log: log_statement = all (and the application
    name in each line) from `start` to `stop`, then the log's new lines are counted. Every
    service names its connections (`Database(application_name=...)`); the bench's own
    queries have no name and are left out."""

    LINE = re.compile(r"\] ([^|]*)\|LOG:  (?:statement|execute [^:]*): ?(.*)")
    CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "START TRANSACTION")

    def __init__(self, database_url: str, pgdata: Path, keep: Path | None = None) -> None:
        self.database_url = database_url
        self.log = pgdata / "log"
        self.offset = 0
        self.keep = keep  # where to copy the counted lines, to read which statements they are

    def _configure(self, *settings: str) -> None:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            for setting in settings:
                conn.execute(setting)  # type: ignore[arg-type]
            conn.execute("SELECT pg_reload_conf()")
        time.sleep(1.0)  # backends read the new settings before their next command

    def start(self) -> None:
        self.offset = self.log.stat().st_size
        self._configure(
            "ALTER SYSTEM SET log_statement = 'all'", "ALTER SYSTEM SET log_line_prefix = '%m [%p] %a|'"
        )

    def stop(self) -> tuple[Counter[str], Counter[str]]:
        """(statements per application, transaction control statements per application)."""
        self._configure("ALTER SYSTEM RESET log_statement", "ALTER SYSTEM RESET log_line_prefix")
        statements: Counter[str] = Counter()
        control: Counter[str] = Counter()
        with open(self.log, "rb") as file, open(self.keep or os.devnull, "w") as kept:
            file.seek(self.offset)
            for raw in file:
                line = raw.decode(errors="replace")
                kept.write(line)
                match = self.LINE.search(line)
                # "[unknown]": a connection without a name, the bench's own queries.
                if not match or match.group(1) in ("", "[unknown]"):
                    continue
                application = match.group(1).partition("-")[0]
                if match.group(2).lstrip().upper().startswith(self.CONTROL):
                    control[application] += 1
                else:
                    statements[application] += 1
        return statements, control
