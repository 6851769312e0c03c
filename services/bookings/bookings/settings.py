from __future__ import annotations

from dataclasses import dataclass

from plumbing.config import ServiceSettings, env

# The longest a catalog row may be served without its change event: well inside the 30 s
# grace period after a session's cancellation (service/session_events.SETTLE_GRACE), whose
# last pass cancels a booking made on a session read as OPEN just before (or, with the cache,
# up to the TTL after) it was cancelled.
MAX_CATALOG_CACHE_TTL_SECONDS = 10.0


@dataclass(frozen=True)
class Settings(ServiceSettings):
    catalog_addr: str
    # Asked whether a payment plan's pass exists and is the customer's; empty = not asked
    # (tests that run bookings without passes), required in from_env.
    passes_addr: str = ""
    # Asked whether a payment_method_id is the customer's; empty = not asked, required in from_env.
    payments_addr: str = ""
    sweep_interval_seconds: float = 1.0
    billing_retry_seconds: float = 60.0
    first_step_timeout_seconds: float = 5.0
    # How often the lifecycle scheduler marks no-shows and completes ended bookings.
    lifecycle_sweep_seconds: float = 30.0
    # The deadline of each gRPC call bookings makes to catalog, passes and payments; past it the
    # call fails as unavailable (e.g. 503 CATALOG_UNAVAILABLE). A busy machine or a test platform
    # may set it longer.
    call_timeout_seconds: float = 5.0
    # How long a catalog row (session, resource, company) read on the booking path may be
    # served from this process's cache when its change event does not arrive first; 0 turns
    # the cache off. The environment's value is cut to MAX_CATALOG_CACHE_TTL_SECONDS (README,
    # "Catalog data cached in bookings"); tests may set more to tell the event from the TTL.
    catalog_cache_ttl_seconds: float = 5.0
    # A create whose payment steps would wait longer than this in the saga's queues is refused
    # (SAGA_BACKLOG, service/saga_backlog.py); 0 turns the check off.
    saga_backlog_max_wait_seconds: float = 5.0

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            **cls.shared_from_env("bookings"),
            catalog_addr=env("CATALOG_ADDR"),
            passes_addr=env("PASSES_ADDR"),
            payments_addr=env("PAYMENTS_ADDR"),
            sweep_interval_seconds=float(env("SAGA_SWEEP_INTERVAL_SECONDS", "1.0")),
            billing_retry_seconds=float(env("BILLING_RETRY_SECONDS", "60")),
            first_step_timeout_seconds=float(env("SAGA_STEP_TIMEOUT_SECONDS", "5")),
            lifecycle_sweep_seconds=float(env("LIFECYCLE_SWEEP_SECONDS", "30")),
            call_timeout_seconds=float(env("BOOKINGS_CALL_TIMEOUT_SECONDS", "5")),
            saga_backlog_max_wait_seconds=float(env("SAGA_BACKLOG_MAX_WAIT_SECONDS", "5")),
            catalog_cache_ttl_seconds=min(
                float(env("BOOKINGS_CATALOG_CACHE_TTL_SECONDS", "5")), MAX_CATALOG_CACHE_TTL_SECONDS
            ),
        )
