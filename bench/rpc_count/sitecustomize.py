"""Counts the gRPC calls a platform process serves, for bench/booking_throughput.py.

The bench puts this folder first on PYTHONPATH of the processes it starts and sets
BENCH_RPC_COUNT_DIR: Python imports `sitecustomize` at start-up, which then wraps
`grpc.aio.server` so every server gets one more interceptor counting calls per method, and
writes the counts to <dir>/<pid>.json twice a second. Nothing else changes; without the
variable (any other run) this does nothing. The services expose no RPC metrics of their own.
"""

from __future__ import annotations

import os

_DIRECTORY = os.environ.get("BENCH_RPC_COUNT_DIR")

if _DIRECTORY:
    import collections
    import json
    import threading
    import time
    from typing import Any

    from grpc import aio

    _counts: collections.Counter[str] = collections.Counter()

    class _CountingInterceptor(aio.ServerInterceptor):
        async def intercept_service(self, continuation: Any, handler_call_details: Any) -> Any:
            _counts[handler_call_details.method] += 1
            return await continuation(handler_call_details)

    _original_server = aio.server

    def _server(*args: Any, interceptors: Any = None, **kwargs: Any) -> Any:
        return _original_server(*args, interceptors=[_CountingInterceptor(), *(interceptors or [])], **kwargs)

    aio.server = _server  # type: ignore[assignment]

    def _write_counts() -> None:
        path = os.path.join(_DIRECTORY, f"{os.getpid()}.json")
        while True:
            time.sleep(0.5)
            try:
                snapshot = dict(_counts)
            except RuntimeError:  # changed size while copied: next time
                continue
            if not snapshot:
                continue
            temporary = f"{path}.tmp"
            with open(temporary, "w") as file:
                json.dump(snapshot, file)
            os.replace(temporary, path)

    threading.Thread(target=_write_counts, name="bench-rpc-count", daemon=True).start()
