"""Plumbing shared by every service: no domain code lives here.

Server bootstrap (`grpc_server`, `runtime`), client channels over several replicas
(`grpc_client`), database access, outbox and inbox, messaging (`PullConsumer` and the one
`RetryPolicy`), the one inbox consumer of every stream (`inbox_consumer`), dead letters
(`dead_letters`: the DLQ stream, its watcher and the ops DeadLetterService), the principal
of a call (`principal`), the audit log (`audit`), the catalog's answer to whose customer an id
is (`customer_directory`, for the wallet and passes), errors, telemetry and test fixtures.
"""
