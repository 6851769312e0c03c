"""A started process settles its garbage collector: what it built is frozen out of the
collector's reach, young collections run less often, and cycles made later are still freed."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import gc, json, weakref
from plumbing.runtime import YOUNG_GENERATION_THRESHOLD, settle_garbage_collector

class Node:
    pass

built_at_start = [object() for _ in range(1000)]
settle_garbage_collector()
frozen = gc.get_freeze_count()
node = Node()
node.self = node  # a cycle made while serving
alive = weakref.ref(node)
del node
gc.collect()
print(json.dumps({"frozen": frozen, "threshold": gc.get_threshold()[0],
                  "young": YOUNG_GENERATION_THRESHOLD, "cycle_freed": alive() is None}))
"""


def test_settling_freezes_what_was_built_and_still_frees_later_cycles():
    run = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    seen = json.loads(run.stdout)

    assert seen["frozen"] > 1000
    assert seen["threshold"] == seen["young"] > 700
    assert seen["cycle_freed"] is True
