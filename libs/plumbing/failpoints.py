"""Named failpoints: crash the process at an exact point, to prove recovery (docs/saga.md).

`FAILPOINTS="wallet.consumer.after_commit_before_ack@3,bookings.relay.after_publish_before_mark@1"`
makes the wallet exit on the 3rd time it passes that point, and bookings on the 1st. The
process dies with `os._exit` (no cleanup, like SIGKILL). Unset, a failpoint costs one dict
lookup. Names are `<service>.<point>`; the service name is set by `run_service`.
"""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger(__name__)

CRASH_EXIT_CODE = 86

_service = ""
_armed: dict[str, int] = {}
_hits: dict[str, int] = {}


def configure(service: str, spec: str | None = None) -> None:
    """Arms the failpoints of `spec` (default: $FAILPOINTS) that belong to this service."""
    global _service
    _service = service
    _armed.clear()
    _hits.clear()
    for item in (spec if spec is not None else os.environ.get("FAILPOINTS", "")).split(","):
        item = item.strip()
        if not item:
            continue
        name, _, count = item.partition("@")
        if name.startswith(f"{service}."):
            _armed[name[len(service) + 1 :]] = int(count or 1)


def failpoint(point: str) -> None:
    """Exits the process when this point's armed hit count is reached."""
    if not _armed:
        return
    target = _armed.get(point)
    if target is None:
        return
    _hits[point] = _hits.get(point, 0) + 1
    if _hits[point] == target:
        log.error("failpoint %s.%s hit %d times: crashing", _service, point, target)
        sys.stderr.flush()
        os._exit(CRASH_EXIT_CODE)
