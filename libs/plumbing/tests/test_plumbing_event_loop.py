"""A service process runs on uvloop's event loop: started by `run_service` as every service is,
it serves gRPC (its health answers SERVING over a real channel), says which loop it runs on,
and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

PROBE = """
import asyncio, os, sys
from pathlib import Path
from plumbing.grpc_server import create_server
from plumbing.runtime import RunningService, run_service

async def start():
    Path(os.environ["LOOP_FILE"]).write_text(type(asyncio.get_running_loop()).__module__)
    return RunningService(name="probe", grpc=await create_server([], []))

run_service("probe", start)
"""


def _wait_for(path: Path, process: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return path.read_text()
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError(f"{path.name} never written")


def test_a_service_runs_on_uvloop_serves_grpc_and_stops_on_sigterm(tmp_path: Path):
    port_file, loop_file = tmp_path / "port", tmp_path / "loop"
    env = {**os.environ, "PORT_FILE": str(port_file), "LOOP_FILE": str(loop_file)}
    process = subprocess.Popen(
        [sys.executable, "-c", PROBE], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        port = int(_wait_for(port_file, process))
        assert _wait_for(loop_file, process).startswith("uvloop")
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            answer = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
