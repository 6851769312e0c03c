"""The restore drill (deploy/README.md "Backups and restore drills") on the real platform as OS
processes: bookings in flight, backup, more bookings, restore into a new database, validate,
switch the services to it; the sagas in flight at the backup then finish or compensate and
every invariant of the fault suite holds.

The wallet is paused (SIGSTOP) while the first bookings are made, so the sagas paying from a
wallet wait on its step when `tools/backup.py` takes the dump. After the restore the services
start again with an empty JetStream (what the switch of `make restore` does, and why:
tools/backup.py): nothing but the restored database drives the sagas, whose step deadlines
re-send their commands. The dead letters (JetStream only) are snapshotted with the backup and
restored into the new JetStream before the services start, as `make restore` does.
"""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

import psycopg
import pytest
from fault_invariants import check_accepted_kept, check_all, unfinished_work
from fault_platform import SERVICES, Nats, Platform, prepare_saga_consumers
from fault_workload import Clients, build_world, run_workload

from plumbing.devstack import drop_database
from tools import backup as backup_tool
from tools.invariants import TERMINAL
from tools.stream_snapshots import restore_streams

pytestmark = [pytest.mark.fault, pytest.mark.timeout(420)]

ACK_WAIT_SECONDS = 2.0
STEP_TIMEOUT_SECONDS = 2.0  # the first step deadline: in-flight sagas re-send soon after the switch
SETTLE_SECONDS = 90.0  # from the switch to quiescence, at most


def saga_states(url: str) -> dict[str, str]:
    with psycopg.connect(url) as conn:
        return {str(row[0]): row[1] for row in conn.execute("SELECT id, state FROM bookings.sagas")}


def booking_ids(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {str(row[0]) for row in conn.execute("SELECT id FROM bookings.bookings")}


async def settle(platform: Platform, seconds: float) -> list[str]:
    """Waits until no saga runs, every outbox is drained and no consumer has work; returns
    what was still waiting when the time ran out (empty: quiescent)."""
    import nats
    from fault_platform import SAGA_CONSUMERS

    from plumbing import messaging

    deadline = time.monotonic() + seconds
    nc = await nats.connect(platform.nats_url)
    try:
        js = nc.jetstream()
        calm, waiting = 0, ["not looked yet"]
        while time.monotonic() < deadline:
            with psycopg.connect(platform.database_url) as conn:
                waiting = unfinished_work(conn)
            for durable in SAGA_CONSUMERS:
                info = await js.consumer_info(messaging.SAGA_STREAM, durable)
                if info.num_pending or info.num_ack_pending:
                    waiting.append(f"consumer {durable}: {info.num_pending} pending")
            calm = 0 if waiting else calm + 1
            if calm >= 3:
                return []
            await asyncio.sleep(0.5)
        return waiting
    finally:
        await nc.close()


def start_services(platform: Platform) -> None:
    for name in SERVICES:
        service = platform.services[name]
        service.env = {**service.env, "DATABASE_URL": platform.database_url, "NATS_URL": platform.nats_url}
        service.start()  # on its old port: its callers' addresses stay right
        service.wait_ready()


def test_restore_drill_in_flight_sagas_finish_and_every_invariant_holds(tmp_path: Path) -> None:
    platform = Platform(
        tmp_path,
        ack_wait_seconds=ACK_WAIT_SECONDS,
        service_env={"bookings": {"SAGA_STEP_TIMEOUT_SECONDS": f"{STEP_TIMEOUT_SECONDS:g}"}},
    )
    leftovers: list[str] = []
    try:
        platform.start()
        timings = asyncio.run(drill(platform, tmp_path, leftovers))
    finally:
        platform.stop()
        if platform.pg.external:
            for name in leftovers:
                drop_database(platform.pg.server_url, name)
    print("\n[drill] " + ", ".join(f"{part} {seconds:.2f} s" for part, seconds in timings.items()))


async def drill(platform: Platform, data_dir: Path, leftovers: list[str]) -> dict[str, float]:
    """The drill; `leftovers` gets the databases to drop afterwards (on a real server)."""
    rng = random.Random(12)
    timings: dict[str, float] = {}
    clients = Clients({name: service.address for name, service in platform.services.items()})
    try:
        world = await build_world(clients, rng, customers=12, sessions=10)
        # 1. Bookings in flight: the wallet stops answering, so wallet-paid sagas wait on it.
        platform.services["wallet"].pause()
        before = await run_workload(clients, world, rng, seconds=3.0, workers=3)
        in_flight = {
            saga for saga, state in saga_states(platform.database_url).items() if state not in TERMINAL
        }
        assert in_flight, f"no saga in flight at the backup; outcomes {dict(before.outcomes)}"

        # 2. Backup (the sagas still in flight), then more bookings with the wallet back.
        started = time.monotonic()
        backup_dir = data_dir / "backups" / backup_tool.now_stamp()
        manifest = await asyncio.to_thread(
            backup_tool.backup, platform.database_url, backup_dir, platform.nats_url
        )
        assert "DLQ" in manifest["nats"], manifest["nats"]  # the dead letters' snapshot
        timings["backup"] = time.monotonic() - started
        running_at_backup = sum(n for state, n in manifest["sagas_by_state"].items() if state not in TERMINAL)
        assert running_at_backup >= len(in_flight), manifest["sagas_by_state"]
        platform.services["wallet"].resume()
        after = await run_workload(clients, world, rng, seconds=3.0, workers=3)
        booked_after = set(after.booking_ids) - set(before.booking_ids)
        assert booked_after, f"no booking after the backup; outcomes {dict(after.outcomes)}"
    finally:
        await clients.close()

    # 3. The platform stops; the backup is restored into a new database and validated.
    for service in platform.services.values():
        service.stop()
    for service in platform.services.values():
        service.wait_stopped()
    live = platform.pg.name
    stamp = backup_tool.now_stamp()
    restored = f"{live}_restored_{stamp.lower()}"
    # As `make restore` does: what was published in the last minutes before the dump is sent
    # again (the streams start empty; the inboxes drop what was consumed already).
    result = await asyncio.to_thread(
        backup_tool.restore_to_database,
        backup_dir,
        platform.pg.server_url,
        restored,
        backup_tool.REQUEUE_SECONDS,
    )
    timings.update(result.timings)
    assert result.ok, result.report()
    assert result.requeued.get("bookings"), result.requeued  # the commands the wallet never took

    # 4. Switch: the restored database takes the live one's name (the services' DATABASE_URL
    # stays), a new JetStream gets only the backup's dead letters, the services start again.
    started = time.monotonic()
    record = await asyncio.to_thread(
        backup_tool.switch_database, platform.pg.server_url, live, restored, stamp
    )
    leftovers.append(record["before"])
    platform.nats.stop()
    platform.nats = Nats(data_dir / "nats-after-restore")
    platform.nats.start()
    dead_letters = await asyncio.to_thread(restore_streams, platform.nats_url, backup_dir / "nats")
    assert dead_letters.get("DLQ", "").startswith("restored"), dead_letters
    await asyncio.to_thread(prepare_saga_consumers, platform.nats_url, ACK_WAIT_SECONDS)
    await asyncio.to_thread(start_services, platform)
    timings["switch"] = time.monotonic() - started

    # 5. The sagas in flight at the backup finish or compensate; every invariant holds.
    started = time.monotonic()
    waiting = await settle(platform, SETTLE_SECONDS)
    timings["settle"] = time.monotonic() - started
    assert not waiting, f"not quiescent {SETTLE_SECONDS:.0f} s after the switch: {waiting}"
    states = saga_states(platform.database_url)
    assert {saga: states.get(saga) for saga in in_flight if states.get(saga) not in TERMINAL} == {}
    present = booking_ids(platform.database_url)
    assert not booked_after & present, "bookings made after the backup survived the restore"
    with psycopg.connect(platform.database_url) as conn:
        checks = [*check_all(conn, world), check_accepted_kept(conn, world, before.booking_ids)]
    failed = [f"{c.name}: {v}" for c in checks for v in c.violations]
    assert not failed, "\n".join(failed)
    outcome = {state: sum(1 for s in in_flight if states[s] == state) for state in TERMINAL}
    with psycopg.connect(platform.database_url) as conn:
        reasons = dict(
            conn.execute(
                "SELECT COALESCE(NULLIF(b.reject_reason, ''), b.status), COUNT(*) FROM bookings.sagas s "
                "JOIN bookings.bookings b ON b.id = s.booking_id WHERE s.id = ANY(%s) GROUP BY 1",
                (sorted(in_flight),),
            ).fetchall()
        )
    print(
        f"\n[drill] {len(in_flight)} sagas in flight at the backup ended {outcome} {reasons}; "
        f"{len(booked_after)} bookings after the backup undone; sent again {result.requeued}; "
        + "; ".join(c.note for c in checks if c.note)
    )
    return timings
