"""Settings of the gateway, read from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from limits import parse

from plumbing.config import database_url, env, env_int

DEV_JWT_SECRET = "dev-only-jwt-secret-not-for-production-use-0123456789"
MIN_JWT_SECRET_LENGTH = 32


@dataclass(frozen=True)
class Settings:
    catalog_addr: str
    bookings_addr: str
    wallet_addr: str
    passes_addr: str
    payments_addr: str
    database_url: str
    jwt_secret: str
    host: str = "127.0.0.1"
    port: int = 0
    port_file: str | None = None
    # Access tokens are short-lived: a refresh token (rotated, revocable) renews them.
    token_ttl_seconds: int = 900
    grpc_timeout_seconds: float = 5.0
    log_level: str = "info"
    # How long an idle kept-alive connection stays open. Longer than any client's or load
    # balancer's own idle reuse (60 s for the common ones): the side that closes an idle
    # connection races the other side's next request on it, and that request then fails with
    # a reset instead of an answer, so the gateway must never be the first to close.
    keep_alive_seconds: int = 75
    # `limits` notation (e.g. "10/minute"); counted in this process only (see ratelimit.py).
    login_limit_per_ip: str = "10/minute"
    login_limit_per_account: str = "5/minute"
    # Peers whose X-Forwarded-For / X-Forwarded-Proto are believed (IPs or CIDRs); empty:
    # the TCP peer is the client, so no caller can pick the address it is rate-limited under.
    trusted_proxies: tuple[str, ...] = ()
    ops_session_ttl_seconds: int = 1800
    # Guest bookings (no account), per client address and per e-mail (see ratelimit.py).
    guest_booking_limit_per_ip: str = "20/hour"
    guest_booking_limit_per_email: str = "5/hour"
    # Lifetime of a guest's manage link and 3-D Secure link (gateway.guest_links).
    guest_link_ttl_seconds: int = 30 * 24 * 3600
    # NATS, for the audit entries the services publish (gateway.audit_log); without it the
    # gateway's audit log holds only its own entries.
    nats_url: str | None = None
    # Admission control of writes (gateway.admission): at most this many in flight per process
    # (0: no limit), this many more waiting, each at most this long, else 503 OVERLOADED.
    max_writes_in_flight: int = 32
    write_queue: int = 32
    write_queue_wait_seconds: float = 1.0
    # How long a write's body may take to arrive, read before it takes a slot (else 408).
    body_read_seconds: float = 10.0
    # How often old inbox rows, idempotency keys and expired sessions and tokens are deleted
    # (gateway.retention); 0: never.
    retention_sweep_seconds: float = 3600.0
    # Webhook endpoints (gateway.webhooks) may name private or loopback addresses: tests and
    # `make run` (BOOKING_ENV=dev) deliver to a local receiver; never in production.
    webhooks_allow_private_urls: bool = False
    # Web Push for staff (gateway.push): the VAPID private key (P-256, PEM or base64url; none:
    # no pushes, the console says so), the contact pushed with it (`mailto:` or https), and
    # whether a subscription's push service may be on a loopback address (the tests' own).
    vapid_private_key: str | None = None
    vapid_subject: str = "mailto:ops@booking-platform.invalid"
    push_allow_loopback_endpoints: bool = False
    # E-mail notifications (gateway.notifications): sent by SMTP to this server; with no host
    # the notifier is off. The password is never logged (nor shown in this object's repr).
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_starttls: bool = False
    mail_from: str = "bookings@localhost"
    # The first retry of an e-mail the server refused for now; each next one waits twice as long.
    notifications_first_retry_seconds: float = 30.0
    # Check-in reminders (gateway.notifications.reminders): an e-mail this many hours before a
    # confirmed booking starts (0: none), looked for every `reminder_sweep_seconds`.
    reminder_hours: float = 24.0
    reminder_sweep_seconds: float = 60.0
    # A trace viewer's page of one trace, `{trace_id}` replaced (e.g. Jaeger's
    # http://localhost:16686/trace/{trace_id}); none: the saga page shows the id unlinked.
    trace_url: str | None = None
    # Where people reach this gateway (e.g. https://book.example.com): the customer e-mails'
    # "Manage or cancel" link to the company site's Find my booking; none: the e-mail says it
    # in words.
    public_url: str = ""

    @classmethod
    def from_env(cls) -> Settings:
        """JWT_SECRET is required unless BOOKING_ENV=dev, which allows a fixed dev secret."""
        dev = os.environ.get("BOOKING_ENV", "") == "dev"
        secret = os.environ.get("JWT_SECRET") or (DEV_JWT_SECRET if dev else None)
        if secret is None:
            raise RuntimeError(
                "environment variable JWT_SECRET is not set (only BOOKING_ENV=dev has a default)"
            )
        if len(secret) < MIN_JWT_SECRET_LENGTH:
            raise RuntimeError(f"JWT_SECRET must be at least {MIN_JWT_SECRET_LENGTH} characters long")
        return cls(
            catalog_addr=env("CATALOG_ADDR"),
            bookings_addr=env("BOOKINGS_ADDR"),
            wallet_addr=env("WALLET_ADDR"),
            passes_addr=env("PASSES_ADDR"),
            payments_addr=env("PAYMENTS_ADDR"),
            database_url=database_url("gateway"),
            jwt_secret=secret,
            host=env("GATEWAY_HOST", "127.0.0.1"),
            port=env_int("GATEWAY_PORT", 0),
            port_file=os.environ.get("PORT_FILE") or None,
            token_ttl_seconds=env_int("GATEWAY_TOKEN_TTL_SECONDS", 900),
            grpc_timeout_seconds=float(env("GATEWAY_GRPC_TIMEOUT_SECONDS", "5")),
            log_level=env("LOG_LEVEL", "info").lower(),
            keep_alive_seconds=_at_least("GATEWAY_KEEP_ALIVE_SECONDS", 75, 1),
            login_limit_per_ip=_rate("GATEWAY_LOGIN_LIMIT_PER_IP", "10/minute"),
            login_limit_per_account=_rate("GATEWAY_LOGIN_LIMIT_PER_ACCOUNT", "5/minute"),
            trusted_proxies=tuple(
                p.strip() for p in os.environ.get("GATEWAY_TRUSTED_PROXIES", "").split(",") if p.strip()
            ),
            ops_session_ttl_seconds=env_int("GATEWAY_OPS_SESSION_TTL_SECONDS", 1800),
            guest_booking_limit_per_ip=_rate("GATEWAY_GUEST_BOOKING_LIMIT_PER_IP", "20/hour"),
            guest_booking_limit_per_email=_rate("GATEWAY_GUEST_BOOKING_LIMIT_PER_EMAIL", "5/hour"),
            guest_link_ttl_seconds=env_int("GATEWAY_GUEST_LINK_TTL_SECONDS", 30 * 24 * 3600),
            nats_url=os.environ.get("NATS_URL") or None,
            max_writes_in_flight=_at_least("GATEWAY_MAX_WRITES_IN_FLIGHT", 32, 0),
            write_queue=_at_least("GATEWAY_WRITE_QUEUE", 32, 0),
            retention_sweep_seconds=float(env("RETENTION_SWEEP_SECONDS", "3600")),
            write_queue_wait_seconds=float(env("GATEWAY_WRITE_QUEUE_WAIT_SECONDS", "1")),
            body_read_seconds=float(env("GATEWAY_BODY_READ_SECONDS", "10")),
            webhooks_allow_private_urls=env(
                "GATEWAY_WEBHOOKS_ALLOW_PRIVATE_URLS", "true" if dev else "false"
            ).lower()
            in ("1", "true", "yes"),
            vapid_private_key=_vapid_key(
                os.environ.get("GATEWAY_VAPID_PRIVATE_KEY") or None,
                env("GATEWAY_VAPID_SUBJECT", "mailto:ops@booking-platform.invalid"),
            ),
            vapid_subject=env("GATEWAY_VAPID_SUBJECT", "mailto:ops@booking-platform.invalid"),
            push_allow_loopback_endpoints=env("GATEWAY_PUSH_ALLOW_LOOPBACK_ENDPOINTS", "false").lower()
            in ("1", "true", "yes"),
            smtp_host=os.environ.get("GATEWAY_SMTP_HOST") or None,
            smtp_port=env_int("GATEWAY_SMTP_PORT", 25),
            smtp_username=os.environ.get("GATEWAY_SMTP_USERNAME") or None,
            smtp_password=os.environ.get("GATEWAY_SMTP_PASSWORD") or None,
            smtp_starttls=env("GATEWAY_SMTP_STARTTLS", "false").lower() in ("1", "true", "yes"),
            mail_from=env("GATEWAY_MAIL_FROM", "bookings@localhost"),
            notifications_first_retry_seconds=float(env("GATEWAY_NOTIFICATIONS_FIRST_RETRY_SECONDS", "30")),
            reminder_hours=float(env("GATEWAY_REMINDER_HOURS", "24")),
            reminder_sweep_seconds=float(env("GATEWAY_REMINDER_SWEEP_SECONDS", "60")),
            trace_url=_trace_url(os.environ.get("GATEWAY_TRACE_URL") or None),
            public_url=_public_url(env("GATEWAY_PUBLIC_URL", "")),
        )


def _trace_url(value: str | None) -> str | None:
    if value is not None and ("{trace_id}" not in value or not value.startswith(("http://", "https://"))):
        raise RuntimeError("GATEWAY_TRACE_URL must be an http(s) address with {trace_id} in it")
    return value


def _public_url(value: str) -> str:
    value = value.strip().rstrip("/")
    if value and (not value.startswith(("http://", "https://")) or any(c in value for c in '?#"<> ')):
        raise RuntimeError("GATEWAY_PUBLIC_URL must be an http(s) address without query or fragment")
    return value


def _vapid_key(value: str | None, subject: str) -> str | None:
    """The key and the subject, checked at start-up (the key itself never in the message)."""
    if value is not None:
        from gateway.push.vapid import InvalidVapidKey, VapidKey

        try:
            VapidKey(value, subject)
        except InvalidVapidKey as error:
            raise RuntimeError(f"GATEWAY_VAPID_PRIVATE_KEY / GATEWAY_VAPID_SUBJECT: {error}") from None
    return value


def _rate(name: str, default: str) -> str:
    value = env(name, default)
    try:
        parse(value)
    except ValueError:
        raise RuntimeError(f"{name} must be a rate such as 10/minute, got {value!r}") from None
    return value


def _at_least(name: str, default: int, smallest: int) -> int:
    value = env_int(name, default)
    if value < smallest:
        raise RuntimeError(f"{name} must be at least {smallest}, got {value}")
    return value
