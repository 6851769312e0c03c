"""Container health check without grpc_health_probe: exit 0 when healthy, 1 otherwise.

    python deploy/healthcheck.py grpc [HOST:PORT]   gRPC health Check("") answers SERVING
                                                    (default 127.0.0.1:$GRPC_PORT, else 50051)
    python deploy/healthcheck.py http URL           GET URL answers 2xx (the gateway's /readyz)

Used by compose; Kubernetes uses its native `grpc:` and `httpGet:` probes instead.
"""

from __future__ import annotations

import os
import sys
import urllib.request

TIMEOUT_SECONDS = 3.0


def grpc_ok(address: str) -> bool:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    # A local probe never goes through an HTTP proxy set in the environment.
    with grpc.insecure_channel(address, options=[("grpc.enable_http_proxy", 0)]) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=""), timeout=TIMEOUT_SECONDS
            )
        except grpc.RpcError as error:
            print(f"{address}: {error.code().name}", file=sys.stderr)
            return False
    serving = reply.status == health_pb2.HealthCheckResponse.SERVING
    if not serving:
        name = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
        print(f"{address}: {name}", file=sys.stderr)
    return serving


def http_ok(url: str) -> bool:
    try:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(url, timeout=TIMEOUT_SECONDS) as response:
            return 200 <= response.status < 300
    except OSError as error:
        print(f"{url}: {error}", file=sys.stderr)
        return False


def main(argv: list[str]) -> int:
    if argv[:1] == ["grpc"] and len(argv) <= 2:
        address = argv[1] if len(argv) == 2 else f"127.0.0.1:{os.environ.get('GRPC_PORT', '50051')}"
        return 0 if grpc_ok(address) else 1
    if argv[:1] == ["http"] and len(argv) == 2:
        return 0 if http_ok(argv[1]) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
