"""`make run` as a user runs it: every process supervised, and all of them stopped with make.

A Makefile of the test's own runs tools/stack.py exactly like the project's `run` target
(the real one would first bring the virtualenv up to date), with its data in a temporary
directory and the embedded PostgreSQL and NATS. make is started as a terminal's shell
starts it: in a process group of its own (the group Ctrl-C signals) with SIGINT at its
default. A non-interactive parent (CI, a script's `&`) may hand SIGINT down ignored, and an
ignored signal stays ignored across exec, so make would never see Ctrl-C.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import httpx
import psutil
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from plumbing.testing import eventually

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("catalog", "wallet", "passes", "payments", "bookings")
# Runs argv[1:] with SIGINT at its default, as a terminal's shell runs a foreground job.
EXEC_WITH_SIGINT_DEFAULT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL);"
    " os.execvp(sys.argv[1], sys.argv[1:])"
)


@dataclass
class Stack:
    make: subprocess.Popen[str]
    data: Path
    lines: list[str] = field(default_factory=list)

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def matched(self, pattern: str) -> bool:
        return any(re.search(pattern, line) for line in self.lines)

    def output(self) -> str:
        return "\n".join(self.lines[-40:])

    def port(self, name: str) -> int:
        return int((self.data / "run" / f"{name}.port").read_text())

    def nats_url(self) -> str:
        [ports_file] = (self.data / "nats" / "ports").glob("*.ports")
        return str(json.loads(ports_file.read_text())["nats"][0])

    def supervisor(self) -> psutil.Process:
        [stack] = psutil.Process(self.make.pid).children()
        return stack

    def child(self, name: str) -> psutil.Process:
        [found] = [child for child in self.supervisor().children() if child.name() == name]
        return found


def start_make_run(home: Path) -> Stack:
    makefile = home / "Makefile"
    makefile.write_text(f"run:\n\t{sys.executable} {ROOT / 'tools' / 'stack.py'} --no-demo\n")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NATS_URL", "REPLICAS")}
    env["BOOKING_DATA_DIR"] = str(home / "data")
    make = subprocess.Popen(
        [sys.executable, "-c", EXEC_WITH_SIGINT_DEFAULT, "make", "-s", "-f", str(makefile), "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        process_group=0,  # make's own group, as a terminal's foreground job
    )
    return Stack(make, home / "data")


def stop_make(make: subprocess.Popen[str]) -> None:
    if make.poll() is None:
        make.terminate()
        make.wait(120)


@asynccontextmanager
async def running_stack() -> AsyncIterator[Stack]:
    # Not under pytest's basetemp: PostgreSQL runs as pgserver's own user, and any other
    # pytest session starting meanwhile (a busy CI host, engineers side by side) makes
    # /tmp/pytest-of-<user> 0700 again, so a restarted postgres could not reach its data.
    home = Path(tempfile.mkdtemp(prefix="bp-stack-"))
    running = start_make_run(home)
    make = running.make

    def read() -> None:
        assert make.stdout is not None
        for line in make.stdout:
            running.lines.append(line.rstrip())

    threading.Thread(target=read, daemon=True).start()
    try:
        await eventually(
            lambda: running.said("The booking platform is running") or make.poll() is not None,
            timeout=240,
            message=running.output,
        )
        assert make.poll() is None, running.output()
        yield running
    finally:
        stop_make(make)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
async def stack() -> AsyncIterator[Stack]:
    async with running_stack() as running:
        yield running


async def everything_stops(stack: Stack, processes: list[psutil.Process]) -> None:
    """make exits, every process it started with it, and nothing is left in its group."""
    await eventually(lambda: stack.make.poll() is not None, timeout=120, message=stack.output)
    _, alive = psutil.wait_procs(processes, timeout=30)
    assert alive == [], [(process.pid, process.name()) for process in alive]
    left = []
    for process in psutil.process_iter(["pid", "name"]):
        try:
            if os.getpgid(process.pid) == stack.make.pid:
                left.append((process.pid, process.name()))
        except (ProcessLookupError, psutil.Error):
            continue
    assert left == []
    assert stack.said("stopped.")


def processes_of(stack: Stack) -> list[psutil.Process]:
    processes = psutil.Process(stack.make.pid).children(recursive=True)
    names = {process.name() for process in processes}
    assert {"postgres", "nats-server"} <= names, names
    return processes


async def health(address: str) -> str:
    async with grpc.aio.insecure_channel(address) as channel:
        try:
            reply = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=5
            )
        except grpc.RpcError:
            return "UNAVAILABLE"
    return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)


async def test_killed_nats_server_and_postgres_come_back_on_the_same_addresses_and_services_answer(stack):
    nats_url = stack.nats_url()
    socket = stack.data / "pg" / ".s.PGSQL.5432"
    nats, postgres = stack.child("nats-server"), stack.child("postgres")

    nats.send_signal(signal.SIGKILL)
    postgres.send_signal(signal.SIGKILL)

    for name, where in (("nats-server", nats_url), ("postgres", f"socket {socket}")):
        # A first try may fail (PostgreSQL while its killed sessions still hold its shared
        # memory) and be made again after a back-off: any count of restarts will do.
        await eventually(
            lambda name=name, where=where: stack.matched(rf"{name} restarted \(\d+\) on {re.escape(where)}$"),
            timeout=120,
            message=stack.output,
        )
        assert stack.said(f"{name} exited (killed by SIGKILL); restart 1")
    assert stack.child("nats-server").pid != nats.pid
    assert stack.child("postgres").pid != postgres.pid

    async def everything_serves() -> bool:
        statuses = [await health(f"127.0.0.1:{stack.port(name)}") for name in SERVICES]
        return all(status == "SERVING" for status in statuses)

    await eventually(everything_serves, timeout=120, message=stack.output)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.port('catalog')}") as channel:
        catalog = catalog_pb2_grpc.CatalogServiceStub(channel)
        created = await catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                request_id=str(uuid.uuid4()), name="After the crash", time_zone="UTC", currency_code="EUR"
            ),
            timeout=30,
        )
        found = await catalog.GetCompany(
            catalog_pb2.GetCompanyRequest(company_id=created.company.id), timeout=30
        )
    assert found.company.name == "After the crash"
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{stack.port('gateway')}", timeout=30) as http:
        assert (await http.get("/readyz")).status_code == 200


async def test_ctrl_c_stops_every_process_of_the_stack(stack):
    processes = processes_of(stack)

    os.killpg(stack.make.pid, signal.SIGINT)  # what Ctrl-C in make's terminal does

    await everything_stops(stack, processes)
    assert stack.said("got SIGINT")


async def test_sigterm_to_make_alone_stops_every_process_of_the_stack():
    async with running_stack() as stack:
        processes = processes_of(stack)

        stack.make.send_signal(signal.SIGTERM)  # to make's PID only; make passes it on

        await everything_stops(stack, processes)
        assert stack.said("got SIGTERM")
