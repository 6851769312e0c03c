"""One fault-suite run: platform up, seeded workload and faults, quiescence, invariants.

`run_scenario(seed, scenario)` returns a `RunReport` whose `summary()` is the one line per
seed the suite prints; a failing invariant carries the seed, replayed with `FAULT_SEED=<seed>`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from fault_invariants import (
    Check,
    booking_outcomes,
    bookings_created_between,
    check_accepted_kept,
    check_all,
    check_no_step_timed_out,
    unfinished_work,
)
from fault_platform import PARTICIPANTS, SAGA_CONSUMERS, SERVICES, Platform
from fault_workload import (
    Clients,
    WorkloadStats,
    World,
    build_world,
    call,
    money,
    payment_plan,
    run_workload,
)
from grpc import aio

from bookings.domain.saga import MAX_EXECUTE_ATTEMPTS
from bookings.service.orchestrator import step_timeout
from plumbing.failpoints import CRASH_EXIT_CODE

MUTANT_WALLET = Path(__file__).resolve().parent / "fault_mutant_wallet.py"

# The failpoints wired in the services, per service (libs/plumbing + bookings).
PARTICIPANT_POINTS = (
    "consumer.before_transaction",
    "consumer.after_effect_before_commit",
    "consumer.after_commit_before_ack",
    "relay.after_publish_before_mark",
)
BOOKINGS_POINTS = (
    "relay.after_publish_before_mark",
    "consumer.before_transaction",
    "consumer.after_commit_before_ack",
    "orchestrator.after_state_update_before_commit",
    "sweeper.mid_batch",
    # Inside a group of creates (service/create_groups.py): before its commit, and after it
    # before any of its callers is answered or its commands published.
    "create_group.before_commit",
    "create_group.after_commit",
)
FAILPOINTS = {
    **{service: PARTICIPANT_POINTS for service in PARTICIPANTS},
    "bookings": BOOKINGS_POINTS,
    "catalog": ("relay.after_publish_before_mark",),
}


@dataclass
class Scenario:
    seconds: float = 20.0
    customers: int = 30
    sessions: int = 8
    workers: int = 6
    kills: bool = True
    nats_kill: bool = True
    pg_restart: bool = True
    pause: bool = True
    failpoint_cases: bool = False
    # An outage of NATS ("nats") or PostgreSQL ("postgres"): the server is stopped for a
    # seeded length in `outage_seconds` while the workload keeps going, and started again.
    outage: str = ""
    outage_seconds: tuple[float, float] = (30.0, 60.0)
    ack_wait_seconds: float = 4.0
    service_env: dict[str, dict[str, str]] = field(default_factory=dict)
    # The mutation check: the wallet runs without de-duplication (fault_mutant_wallet.py).
    mutant_wallet: bool = False
    sticky_failpoints: dict[str, str] = field(default_factory=dict)
    # How many starts the sticky failpoints are armed for (-1: every start). A bound lets the
    # crash loop end, so the run settles instead of waiting out its quiescence bound.
    sticky_starts: int = -1
    keep_logs_on_failure: bool = True  # the mutation check fails on purpose


@dataclass
class FaultEvent:
    at: float
    kind: str  # kill | nats | postgres | pause | outage
    target: str = ""
    down_for: float = 0.0


@dataclass
class RunReport:
    seed: int
    checks: list[Check] = field(default_factory=list)
    sagas: Counter[str] = field(default_factory=Counter)
    kills: Counter[str] = field(default_factory=Counter)
    crashes: Counter[str] = field(default_factory=Counter)
    unexpected_exits: list[str] = field(default_factory=list)
    failpoint_hits: dict[str, bool] = field(default_factory=dict)
    faults: Counter[str] = field(default_factory=Counter)
    workload: WorkloadStats | None = None
    quiesced: bool = False
    quiescence_seconds: float = 0.0
    quiescence_bound: float = 0.0
    waiting_for: list[str] = field(default_factory=list)
    logs: str = ""
    # The outage case: what was down and for how long, and how long after it ended the
    # platform was quiescent again (every saga terminal, every outbox and consumer drained).
    outage: str = ""
    outage_seconds: float = 0.0
    quiesced_after_outage: float = 0.0
    bookings: Counter[str] = field(default_factory=Counter)
    bookings_during_outage: int = 0

    def check(self, name: str) -> Check:
        return next(check for check in self.checks if check.name == name)

    @property
    def ok(self) -> bool:
        return self.quiesced and all(check.ok for check in self.checks) and not self.unexpected_exits

    def summary(self) -> str:
        kills = ",".join(f"{name}:{n}" for name, n in sorted(self.kills.items())) or "-"
        crashes = ",".join(f"{name}:{n}" for name, n in sorted(self.crashes.items())) or "-"
        faults = ",".join(f"{name}:{n}" for name, n in sorted(self.faults.items())) or "-"
        checks = " ".join(f"{c.name}={'OK' if c.ok else f'FAIL({len(c.violations)})'}" for c in self.checks)
        longest = next((c.value for c in self.checks if c.name == "termination"), 0.0)
        line = (
            f"[fault] seed={self.seed} sagas={sum(self.sagas.values())} "
            f"({', '.join(f'{k} {v}' for k, v in sorted(self.sagas.items()))}) kills={kills} "
            f"failpoint-crashes={crashes} other-faults={faults} "
            f"quiesced={'yes' if self.quiesced else 'NO'} in {self.quiescence_seconds:.1f}s "
            f"(bound {self.quiescence_bound:.0f}s) invariants: {checks} longest-to-terminal={longest:.1f}s"
        )
        if self.workload is not None:
            outcomes = ",".join(f"{k}:{v}" for k, v in sorted(self.workload.outcomes.items()))
            line += f" workload[{outcomes} retries:{self.workload.retries}]"
        if self.outage:
            statuses = ",".join(f"{k}:{v}" for k, v in sorted(self.bookings.items()))
            total = sum(self.bookings.values())
            line += (
                f" outage[{self.outage} down {self.outage_seconds:.0f}s, bookings {total}"
                f" ({statuses}), {self.bookings_during_outage} accepted during it,"
                f" quiescent {self.quiesced_after_outage:.1f}s after it ended]"
            )
        if self.failpoint_hits:
            hit = sum(self.failpoint_hits.values())
            line += f" failpoint-cases={hit}/{len(self.failpoint_hits)} crashed"
        return line

    def details(self) -> str:
        lines = [self.summary()]
        if not self.quiesced:
            lines.append(f"  not quiescent after {self.quiescence_bound:.0f} s: {self.waiting_for}")
        for name in self.unexpected_exits:
            lines.append(f"  unexpected exit: {name}")
        for check in self.checks:
            for violation in check.violations[:15]:
                lines.append(f"  {check.name}: {violation}")
            if len(check.violations) > 15:
                lines.append(f"  {check.name}: ... {len(check.violations) - 15} more")
        lines.append(f"  replay with FAULT_SEED={self.seed}; logs: {self.logs}")
        return "\n".join(lines)


def fault_schedule(rng: random.Random, scenario: Scenario) -> list[FaultEvent]:
    """Seeded faults inside the first 80 % of the workload, so recovery happens under load too."""
    window = scenario.seconds * 0.8
    events: list[FaultEvent] = []
    if scenario.kills:
        at = rng.uniform(0.5, 1.5)
        while at < window:
            events.append(FaultEvent(at, "kill", rng.choice(SERVICES), down_for=rng.uniform(0.0, 1.0)))
            at += rng.uniform(0.8, 2.2)
    if scenario.nats_kill:
        events.append(
            FaultEvent(rng.uniform(0.2, 0.7) * window, "nats", "nats", down_for=rng.uniform(0.3, 1.5))
        )
    if scenario.pg_restart:
        events.append(FaultEvent(rng.uniform(0.2, 0.9) * window, "postgres", "postgres"))
    if scenario.outage:
        low, high = scenario.outage_seconds
        events.append(
            FaultEvent(rng.uniform(3.0, 5.0), "outage", scenario.outage, down_for=rng.uniform(low, high))
        )
    if scenario.pause:
        # Longer than ack_wait (redelivery to nobody else: the replica is paused) and than
        # the first step deadline (the orchestrator re-sends with a new message id).
        down = max(scenario.ack_wait_seconds, step_timeout(1).total_seconds()) + rng.uniform(1.0, 2.5)
        events.append(
            FaultEvent(rng.uniform(0.1, 0.6) * window, "pause", rng.choice(SERVICES), down_for=down)
        )
    return sorted(events, key=lambda event: event.at)


# How long the workload goes on booking after an outage ended.
OUTAGE_TAIL_SECONDS = 5.0


def quiescence_bound(scenario: Scenario) -> float:
    """How long the platform may take to settle once faults stop, from its own timeouts.

    Only the step in flight when the last fault hit can need a re-send: its deadline (at
    most the capped step timeout) plus a redelivery after ack_wait, then the remaining
    steps (at most three forward and three back) each with a redelivery, plus start-ups.
    """
    capped_deadline = step_timeout(MAX_EXECUTE_ATTEMPTS + 10).total_seconds()
    return capped_deadline + 2 * scenario.ack_wait_seconds + 6 * (scenario.ack_wait_seconds + 1) + 30


class Run:
    def __init__(self, seed: int, scenario: Scenario, data_dir: Path) -> None:
        self.seed = seed
        self.scenario = scenario
        self.rng = random.Random(seed)
        self.platform = Platform(
            data_dir,
            ack_wait_seconds=scenario.ack_wait_seconds,
            service_env=scenario.service_env,
            service_scripts={"wallet": MUTANT_WALLET} if scenario.mutant_wallet else None,
        )
        self.report = RunReport(seed)
        self.locks: dict[str, asyncio.Lock] = {}
        self.stopping = False
        self.started = 0.0
        # Set from the start of the run until a few seconds after an outage ends, so the
        # workload keeps booking through the whole outage and into the recovery.
        self.outage_running = asyncio.Event() if scenario.outage else None
        self.outage_ended = 0.0
        self.outage_window = (datetime.now(UTC), datetime.now(UTC))

    # -- process control ------------------------------------------------------------------

    async def start_again(self, name: str) -> None:
        for attempt in range(20):
            try:
                await asyncio.to_thread(self.platform.start_again, name)
                return
            except RuntimeError:
                # A failpoint may crash the process during its start-up (e.g. the relay
                # publishing what is left): count it like a crash seen by the supervisor.
                if self.platform.services[name].reap() == CRASH_EXIT_CODE:
                    self.report.crashes[name] += 1
                # E.g. the database is restarting while the service starts: try again.
                await asyncio.sleep(min(0.5 * (attempt + 1), 3.0))
        raise RuntimeError(f"{name} does not come back; see {self.platform.services[name].log_file}")

    async def supervise(self) -> None:
        """Restarts a service that exited on its own (a failpoint), without its failpoint."""
        while not self.stopping:
            for name, service in self.platform.services.items():
                async with self.locks[name]:
                    code = service.reap()
                    if code is None:
                        continue
                    if code == CRASH_EXIT_CODE:
                        self.report.crashes[name] += 1
                    else:
                        self.report.unexpected_exits.append(
                            f"{name} exited with {code}; see {service.log_file}"
                        )
                    await self.start_again(name)
            await asyncio.sleep(0.2)

    async def inject(self, events: list[FaultEvent]) -> None:
        for event in events:
            delay = self.started + event.at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if event.kind == "kill":
                async with self.locks[event.target]:
                    self.platform.services[event.target].kill()
                    self.report.kills[event.target] += 1
                    await asyncio.sleep(event.down_for)
                    await self.start_again(event.target)
            elif event.kind == "nats":
                if self.platform.external_nats:
                    continue
                self.platform.nats.kill()
                self.report.kills["nats-server"] += 1
                await asyncio.sleep(event.down_for)
                await asyncio.to_thread(self.platform.nats.start)
            elif event.kind == "postgres":
                if await asyncio.to_thread(self.platform.pg.restart):
                    self.report.faults["pg-restart"] += 1
            elif event.kind == "outage":
                await self.outage(event)
            elif event.kind == "pause":
                async with self.locks[event.target]:
                    service = self.platform.services[event.target]
                    service.pause()
                    self.report.faults[f"sigstop-{event.target}-{event.down_for:.0f}s"] += 1
                    await asyncio.sleep(event.down_for)
                    service.resume()

    async def outage(self, event: FaultEvent) -> None:
        """Stops NATS or PostgreSQL (no restart at once: the services see it gone) for the
        event's length, then starts it again; the services must reconnect by themselves."""
        stop: Callable[[], object]
        if event.target == "nats":
            if self.platform.external_nats:
                raise RuntimeError("the NATS outage needs the suite's own nats-server")
            stop, start = self.platform.nats.stop, self.platform.nats.start
        else:
            if self.platform.pg.external:
                raise RuntimeError("the PostgreSQL outage needs the embedded PostgreSQL")
            stop, start = self.platform.pg.stop_server, self.platform.pg.start_server
        began = time.monotonic()
        down_at = datetime.now(UTC)
        await asyncio.to_thread(stop)
        self.report.faults[f"{event.target}-outage"] += 1
        await asyncio.sleep(max(0.0, event.down_for - (time.monotonic() - began)))
        await asyncio.to_thread(start)
        self.outage_ended = time.monotonic()
        self.outage_window = (down_at, datetime.now(UTC))
        self.report.outage = event.target
        self.report.outage_seconds = self.outage_ended - began
        assert self.outage_running is not None
        await asyncio.sleep(OUTAGE_TAIL_SECONDS)
        self.outage_running.clear()

    async def failpoint_cases(self, clients: Clients, world: World) -> None:
        """Every failpoint once: rounds arm one failpoint per service, each crashing once."""
        only = [name for name in os.environ.get("FAULT_FAILPOINTS", "").split(",") if name]
        cases = {
            service: [point for point in points if not only or f"{service}.{point}" in only]
            for service, points in FAILPOINTS.items()
        }
        while any(cases.values()):
            armed: dict[str, str] = {}
            for service, points in cases.items():
                if points:
                    point = points.pop(0)
                    armed[service] = f"{service}.{point}@{self.rng.randint(1, 3)}"
            crashes_before = {}
            for service, spec in armed.items():
                async with self.locks[service]:
                    self.platform.services[service].kill()
                    crashes_before[service] = self.platform.services[service].crashes
                    self.platform.services[service].failpoints = spec
                    await self.start_again(service)
            provoke = asyncio.create_task(self.provoke(clients, world, armed))
            deadline = time.monotonic() + 30
            waiting = dict(armed)
            while waiting and time.monotonic() < deadline:
                for service in list(waiting):
                    if self.platform.services[service].crashes > crashes_before[service]:
                        self.report.failpoint_hits[waiting.pop(service).split("@")[0]] = True
                await asyncio.sleep(0.2)
            for spec in waiting.values():
                self.report.failpoint_hits[spec.split("@")[0]] = False
            if provoke.done() and provoke.exception() is not None:
                raise RuntimeError("provoking a failpoint failed") from provoke.exception()
            provoke.cancel()
            for service in waiting:  # not hit: take the failpoint away again
                async with self.locks[service]:
                    self.platform.services[service].kill()
                    await self.start_again(service)

    async def provoke(self, clients: Clients, world: World, armed: dict[str, str]) -> None:
        """Traffic for points the booking workload does not reach by itself."""
        import uuid

        from bookingplatform.bookings.v1 import bookings_pb2
        from bookingplatform.catalog.v1 import catalog_pb2

        if any("sweeper" in spec for spec in armed.values()):
            # Deadlines only pass when a step stalls: pause the wallet past the first deadline.
            async with self.locks["wallet"]:
                self.platform.services["wallet"].pause()
                await asyncio.sleep(step_timeout(1).total_seconds() + 3)
                self.platform.services["wallet"].resume()
        if "catalog" in armed:
            # The catalog publishes events when sessions are created.
            for index in range(5):
                start = datetime.now(UTC) + timedelta(days=5, hours=index)
                request = catalog_pb2.CreateSessionRequest(
                    request_id=str(uuid.uuid4()), resource_id=world.resource_id, capacity=1, price=money(100)
                )
                request.start_time.FromDatetime(start)
                request.end_time.FromDatetime(start + timedelta(hours=1))
                await call(clients.catalog.CreateSession, request)
                await asyncio.sleep(0.5)
        if "create_group" in armed.get("bookings", ""):
            # The workload's sessions are mostly full by now, and planning refuses a full one
            # before any group: a fresh session with room, booked by the workload's customers
            # (retried with the same request id through the crash, as the workload does).
            start = datetime.now(UTC) + timedelta(days=6)
            request = catalog_pb2.CreateSessionRequest(
                request_id=str(uuid.uuid4()), resource_id=world.resource_id, capacity=40, price=money(100)
            )
            request.start_time.FromDatetime(start)
            request.end_time.FromDatetime(start + timedelta(hours=1))
            session = (await call(clients.catalog.CreateSession, request)).session
            for customer in world.customers:
                _, plan = payment_plan(self.rng, customer)
                booking = bookings_pb2.CreateBookingRequest(
                    request_id=str(uuid.uuid4()),
                    customer_id=customer.id,
                    session_id=session.id,
                    payment_plan=plan,
                )
                with contextlib.suppress(aio.AioRpcError):
                    await call(clients.bookings.CreateBooking, booking)
                await asyncio.sleep(0.1)

    # -- quiescence -----------------------------------------------------------------------

    async def wait_for_quiescence(self) -> None:
        import nats

        from plumbing import messaging

        bound = quiescence_bound(self.scenario)
        self.report.quiescence_bound = bound
        started = time.monotonic()
        nc = await nats.connect(self.platform.nats_url, max_reconnect_attempts=-1)
        try:
            js = nc.jetstream()
            calm = 0
            while time.monotonic() - started < bound:
                waiting = await asyncio.to_thread(self._database_waiting)
                for durable in SAGA_CONSUMERS:
                    info = await js.consumer_info(messaging.SAGA_STREAM, durable)
                    if info.num_pending or info.num_ack_pending:
                        waiting.append(
                            f"consumer {durable}: {info.num_pending} pending, {info.num_ack_pending} unacked"
                        )
                waiting += [f"{name} down" for name, s in self.platform.services.items() if not s.alive()]
                self.report.waiting_for = waiting
                calm = 0 if waiting else calm + 1
                if calm == 1 and self.outage_ended:
                    self.report.quiesced_after_outage = time.monotonic() - self.outage_ended
                if calm >= 3:
                    self.report.quiesced = True
                    break
                await asyncio.sleep(0.5)
        finally:
            await nc.close()
        self.report.quiescence_seconds = time.monotonic() - started

    def _database_waiting(self) -> list[str]:
        with psycopg.connect(self.platform.database_url) as conn:
            return unfinished_work(conn)

    # -- the run --------------------------------------------------------------------------

    async def drive(self) -> None:
        for name in self.platform.services:
            self.locks[name] = asyncio.Lock()
        addresses = {name: service.address for name, service in self.platform.services.items()}
        clients = Clients(addresses)
        supervisor = asyncio.create_task(self.supervise())
        try:
            world = await build_world(
                clients, self.rng, customers=self.scenario.customers, sessions=self.scenario.sessions
            )
            self.world = world
            events = fault_schedule(self.rng, self.scenario)
            self.started = time.monotonic()
            injector = asyncio.create_task(self.inject(events))
            keep_going = self.outage_running or asyncio.Event()
            if self.outage_running is not None:
                keep_going.set()  # cleared a few seconds after the outage ends
            cases = None
            if self.scenario.failpoint_cases:
                keep_going.set()  # the workload runs until every failpoint case is done
                cases = asyncio.create_task(self.failpoint_cases(clients, world))
                cases.add_done_callback(lambda _: keep_going.clear())
            workload = await run_workload(
                clients,
                world,
                self.rng,
                seconds=self.scenario.seconds,
                workers=self.scenario.workers,
                keep_going=keep_going,
            )
            self.report.workload = workload
            await injector
            if cases is not None:
                await cases
            await self.wait_for_quiescence()
        finally:
            self.stopping = True
            await supervisor
            await clients.close()

    def check(self) -> None:
        with psycopg.connect(self.platform.database_url) as conn:
            self.report.checks = check_all(conn, self.world)
            for row in conn.execute(
                "SELECT kind, state, COUNT(*) FROM bookings.sagas WHERE company_id = %s GROUP BY kind, state",
                (self.world.company_id,),
            ):
                self.report.sagas[f"{row[0]} {row[1]}"] += int(row[2])
        # A run in which nothing was booked proves nothing (and means the platform stayed
        # unavailable through the faults): it fails too, with the workload's outcomes.
        workload = Check("workload")
        if not self.report.sagas.get("booking COMPLETED"):
            outcomes = dict(self.report.workload.outcomes) if self.report.workload else {}
            workload.fail(f"no booking was confirmed during the run; outcomes {outcomes}")
        self.report.checks.insert(0, workload)
        if self.scenario.outage:
            self.check_outage()

    def check_outage(self) -> None:
        """Nothing accepted is lost; after a NATS outage no step timed out, and bookings were
        accepted while it lasted (else the case proves nothing)."""
        accepted = self.report.workload.booking_ids if self.report.workload else []
        with psycopg.connect(self.platform.database_url) as conn:
            self.report.bookings.update(booking_outcomes(conn, self.world))
            self.report.checks.append(check_accepted_kept(conn, self.world, accepted))
            during = bookings_created_between(conn, self.world, *self.outage_window)
            self.report.bookings_during_outage = during
            if self.scenario.outage == "nats":
                self.report.checks.append(check_no_step_timed_out(conn, self.world))
                if not during:
                    self.report.checks.append(Check("booked-during-outage", ["no booking was accepted"]))


def run_scenario(seed: int, scenario: Scenario) -> RunReport:
    with tempfile.TemporaryDirectory(prefix=f"bp-fault-{seed}-") as data_dir:
        run = Run(seed, scenario, Path(data_dir))
        try:
            run.platform.start()
            for service, spec in scenario.sticky_failpoints.items():
                run.platform.services[service].sticky_failpoints = spec
                run.platform.services[service].sticky_starts = scenario.sticky_starts
                run.platform.restart(service)
            asyncio.run(run.drive())
            run.check()
        finally:
            run.platform.stop()
            failed = not run.report.ok and scenario.keep_logs_on_failure
            if failed or os.environ.get("FAULT_KEEP_LOGS"):
                run.report.logs = _keep_logs(run, Path(data_dir))
        return run.report


def _keep_logs(run: Run, data_dir: Path) -> str:
    """Copies the services' logs out of the temporary directory of a failed run."""
    import shutil

    target = Path(tempfile.gettempdir()) / f"bp-fault-logs-{run.seed}"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(data_dir / "run", target, ignore=shutil.ignore_patterns("*.port"), dirs_exist_ok=True)
    nats_log = data_dir / "nats" / "nats.log"
    if nats_log.exists():
        shutil.copy(nats_log, target / "nats.log")
    return str(target)


def random_seed() -> int:
    return random.SystemRandom().randrange(1, 2**31)


def describe(reports: list[RunReport]) -> str:
    return "\n".join(report.summary() for report in reports)


__all__ = ["FaultEvent", "RunReport", "Scenario", "describe", "random_seed", "run_scenario"]
