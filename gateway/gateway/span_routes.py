"""The request span's route, found without rebuilding every route on every request.

opentelemetry-instrumentation-fastapi names each request's span after the route it matches
(`POST /v1/bookings`). To match, it flattens the app's routes on every request, and with
FastAPI's included routers that builds every route's fields anew (pydantic TypeAdapters for
each of the gateway's few hundred routes): about 6 % of the gateway's CPU per booking in a
profile of the booking path. An app's routes do not change once it is built, so the flattened
list is kept per route list and rebuilt only when the list's length changes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from opentelemetry.instrumentation import fastapi as instrumentation

# Route lists remembered (each kept alive with its flattened routes, so its id is not reused
# while remembered); an app built later pushes out the oldest, as tests build many.
REMEMBERED_APPS = 8


def remember_flattened_routes() -> bool:
    """Makes the instrumentation flatten an app's routes once; False when the instrumentation
    has no such step to wrap (a later version that does not need it)."""
    original: Callable[[Iterable[Any]], Iterator[Any]] | None = getattr(
        instrumentation, "_flatten_routes", None
    )
    if original is None:
        return False
    if getattr(original, "remembers", False):
        return True
    known: OrderedDict[int, tuple[list[Any], int, list[Any]]] = OrderedDict()

    def flatten(routes: Iterable[Any]) -> Iterator[Any]:
        if not isinstance(routes, list):
            return original(routes)
        entry = known.get(id(routes))
        if entry is None or entry[0] is not routes or entry[1] != len(routes):
            entry = (routes, len(routes), list(original(routes)))
            known[id(routes)] = entry
            while len(known) > REMEMBERED_APPS:
                known.popitem(last=False)
        return iter(entry[2])

    flatten.remembers = True  # type: ignore[attr-defined]
    instrumentation._flatten_routes = flatten  # type: ignore[attr-defined]
    return True
