"""A grpc.aio server with health checking, reflection and error translation.

`create_server` binds and starts, returning the real port, so tests bind port 0 and
run the real server in-process; `GrpcServer.stop` turns health NOT_SERVING first.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
import psycopg
from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc import aio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status
from opentelemetry.instrumentation.grpc import aio_server_interceptor
from sqlalchemy import exc as sqlalchemy_exc

from plumbing.deadline import serving_until
from plumbing.errors import ErrorKind, ServiceError
from plumbing.metrics import RPC_SECONDS
from plumbing.principal import acting_as, principal_from_metadata
from plumbing.request_id import request_id_from_metadata, with_request_id
from plumbing.validation import refuse_nul

log = logging.getLogger(__name__)

ERROR_DOMAIN = "bookingplatform"

_CODES = {
    ErrorKind.INVALID_ARGUMENT: code_pb2.INVALID_ARGUMENT,
    ErrorKind.NOT_FOUND: code_pb2.NOT_FOUND,
    ErrorKind.ALREADY_EXISTS: code_pb2.ALREADY_EXISTS,
    ErrorKind.FAILED_PRECONDITION: code_pb2.FAILED_PRECONDITION,
    ErrorKind.ABORTED: code_pb2.ABORTED,
    ErrorKind.RESOURCE_EXHAUSTED: code_pb2.RESOURCE_EXHAUSTED,
    ErrorKind.PERMISSION_DENIED: code_pb2.PERMISSION_DENIED,
    ErrorKind.UNAVAILABLE: code_pb2.UNAVAILABLE,
    ErrorKind.DEADLINE_EXCEEDED: code_pb2.DEADLINE_EXCEEDED,
}


def status_for(error: ServiceError) -> status_pb2.Status:
    """Builds the rich status of an error: ErrorInfo always, BadRequest for a bad field."""
    info = error_details_pb2.ErrorInfo(reason=error.reason, domain=ERROR_DOMAIN, metadata=error.metadata)
    details = [info]
    if error.field:
        details.append(
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(field=error.field, description=error.message)
                ]
            )
        )
    packed = []
    for detail in details:
        item = any_pb2.Any()
        item.Pack(detail)
        packed.append(item)
    return status_pb2.Status(code=_CODES[error.kind], message=error.message, details=packed)


class ErrorInterceptor(aio.ServerInterceptor):
    """Turns a ServiceError raised by a unary handler into a status with ErrorInfo.

    Anything else is logged and becomes INTERNAL with reason INTERNAL, never a leak of
    the exception text. A request with a NUL character in any string field is refused
    before the handler runs (INVALID_ARGUMENT `VALIDATION_FAILED`): PostgreSQL cannot store
    one, so every service would otherwise fail it as INTERNAL. A call whose deadline has
    passed by the time it would start (it waited in a busy server's queue) is not started:
    DEADLINE_EXCEEDED `DEADLINE_EXCEEDED`, since its caller has given up on it. The handler
    runs with the call's deadline in `plumbing.deadline`, which the calls it makes inherit.
    """

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        behaviour = handler.unary_unary
        method = handler_call_details.method

        async def guarded(request: Any, context: aio.ServicerContext) -> Any:
            started = time.perf_counter()
            code = "OK"
            try:
                remaining = context.time_remaining()
                if remaining is not None and remaining <= 0:
                    log.info("%s not started: its deadline passed while it waited", method)
                    raise ServiceError(
                        "DEADLINE_EXCEEDED",
                        "the call's deadline passed before it could start",
                        kind=ErrorKind.DEADLINE_EXCEEDED,
                    )
                if isinstance(request, Message):
                    refuse_nul(request)
                metadata = context.invocation_metadata()
                principal = principal_from_metadata(metadata)
                with (
                    acting_as(principal),
                    with_request_id(request_id_from_metadata(metadata)),
                    serving_until(remaining),
                ):
                    return await behaviour(request, context)  # type: ignore[arg-type]
            except ServiceError as error:
                code = error.kind.name
                await context.abort_with_status(rpc_status.to_status(status_for(error)))
            except aio.AbortError:
                raise
            except Exception as error:
                if database_unreachable(error):
                    # PostgreSQL is restarting or out of reach: the caller may retry the
                    # same request (request ids make that safe); this is no bug of ours.
                    log.warning("database unreachable in %s: %s", method, type(error).__name__)
                    code = ErrorKind.UNAVAILABLE.name
                    unavailable = ServiceError(
                        "DATABASE_UNAVAILABLE",
                        "the database is not reachable; retry shortly",
                        kind=ErrorKind.UNAVAILABLE,
                    )
                    await context.abort_with_status(rpc_status.to_status(status_for(unavailable)))
                log.exception("unhandled error in %s", method)
                code = "INTERNAL"
                internal = ServiceError("INTERNAL", "internal error")
                status = status_for(internal)
                status.code = code_pb2.INTERNAL
                await context.abort_with_status(rpc_status.to_status(status))
            finally:
                RPC_SECONDS.labels(method, code).observe(time.perf_counter() - started)

        return grpc.unary_unary_rpc_method_handler(
            guarded,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


def database_unreachable(error: BaseException) -> bool:
    """A lost or refused database connection (server down, restarting, pool exhausted),
    as opposed to a bug: the pool's pre-ping replaces dead connections, but a connection
    can still break mid-transaction or fail to open while the server is down."""
    if isinstance(error, sqlalchemy_exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(
        error,
        sqlalchemy_exc.OperationalError
        | sqlalchemy_exc.TimeoutError
        | psycopg.OperationalError
        | ConnectionError,
    )


Registrar = Callable[[aio.Server], None]


@dataclass
class GrpcServer:
    server: aio.Server
    health: HealthServicer
    port: int
    service_names: Sequence[str]

    async def stop(self, grace: float = 5.0) -> None:
        """NOT_SERVING first so load balancers drain us, then finish in-flight calls."""
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)


def connection_age_options(
    max_age: float | None = None, grace: float | None = None, environ: Mapping[str, str] | None = None
) -> list[tuple[str, int]]:
    """The server options that close each client connection after `max_age` seconds
    (GRPC_MAX_CONNECTION_AGE_SECONDS; unset or 0: never, the default), letting its calls
    finish for `grace` seconds (GRPC_MAX_CONNECTION_AGE_GRACE_SECONDS, default 30).

    The server sends GOAWAY; the client's channel reconnects and re-resolves its `dns:///`
    name, so behind a Kubernetes headless Service the pods added since (a scale-out, a
    rollout) get their share of calls instead of none until every client restarts. grpc adds
    +-10% jitter, so the clients of one server do not all reconnect at once."""
    env = environ if environ is not None else os.environ
    if max_age is None:
        max_age = float(env.get("GRPC_MAX_CONNECTION_AGE_SECONDS", "").strip() or 0)
    if grace is None:
        grace = float(env.get("GRPC_MAX_CONNECTION_AGE_GRACE_SECONDS", "").strip() or 30)
    if max_age <= 0:
        return []
    return [
        ("grpc.max_connection_age_ms", max(1, int(max_age * 1000))),
        ("grpc.max_connection_age_grace_ms", max(0, int(grace * 1000))),
    ]


async def create_server(
    registrars: Sequence[Registrar],
    service_names: Sequence[str],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    max_connection_age: float | None = None,
    max_connection_age_grace: float | None = None,
) -> GrpcServer:
    """Starts a server with the given servicers on host:port (0 = a free port).

    `max_connection_age` / `_grace` (seconds; default from the environment, off unless
    GRPC_MAX_CONNECTION_AGE_SECONDS is set): see `connection_age_options`."""
    server = aio.server(
        # The span first, so it covers the error translation and records the status sent.
        interceptors=[aio_server_interceptor(), ErrorInterceptor()],
        options=[
            ("grpc.so_reuseport", 0),
            *connection_age_options(max_connection_age, max_connection_age_grace),
        ],
    )
    for register in registrars:
        register(server)
    health = HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    names = [*service_names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name]
    reflection.enable_server_reflection([*names, reflection.SERVICE_NAME], server)
    bound = server.add_insecure_port(f"{host}:{port}")
    if bound == 0:
        raise RuntimeError(f"could not bind gRPC server to {host}:{port}")
    await server.start()
    serving = health_pb2.HealthCheckResponse.SERVING
    await health.set("", serving)
    for name in service_names:
        await health.set(name, serving)
    return GrpcServer(server=server, health=health, port=bound, service_names=service_names)


# Trailing metadata of an answer a service gave while nearly at its limit (e.g. bookings
# admitting a create with the saga's queues nearly full): the seconds the caller should send no
# more of the same requests. The gateway then refuses them at its edge (gateway.admission).
OVERLOAD_RETRY_AFTER_METADATA = "overload-retry-after"


def error_info(error: grpc.aio.AioRpcError | grpc.RpcError) -> error_details_pb2.ErrorInfo | None:
    """The ErrorInfo of a failed call (reason and metadata), if the server sent one."""
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    if status is None:
        return None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info
    return None


def error_reason(error: grpc.aio.AioRpcError | grpc.RpcError) -> str | None:
    """The ErrorInfo reason of a failed call, if the server sent one."""
    info = error_info(error)
    return info.reason if info is not None else None
