"""The request span's route is found as the instrumentation finds it, from routes flattened
once per app (gateway.span_routes)."""

from fastapi import APIRouter, FastAPI
from opentelemetry.instrumentation import fastapi as instrumentation

from gateway.span_routes import remember_flattened_routes


def scope_of(app: FastAPI, method: str, path: str) -> dict:
    return {"type": "http", "method": method, "path": path, "root_path": "", "app": app, "headers": []}


def test_the_span_route_comes_from_routes_flattened_once_and_a_route_added_later_is_found():
    assert remember_flattened_routes()
    assert remember_flattened_routes()  # wrapping twice keeps one wrapper
    app = FastAPI()
    router = APIRouter()

    @router.get("/v1/things/{thing_id}")
    async def thing(thing_id: str) -> dict:
        return {}

    app.include_router(router)
    found = instrumentation._get_route_details(scope_of(app, "GET", "/v1/things/42"))
    assert found == "/v1/things/{thing_id}"
    first = list(instrumentation._flatten_routes(app.routes))
    again = list(instrumentation._flatten_routes(app.routes))
    assert first and all(a is b for a, b in zip(first, again, strict=True))  # not rebuilt

    @app.post("/v1/other")
    async def other() -> dict:
        return {}

    assert instrumentation._get_route_details(scope_of(app, "POST", "/v1/other")) == "/v1/other"
    assert instrumentation._get_route_details(scope_of(app, "GET", "/nowhere")) is None
