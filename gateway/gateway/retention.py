"""What the gateway deletes once it is old (plumbing.retention, every
`RETENTION_SWEEP_SECONDS`):

- its consumers' inboxes (the audit copier's, the notifications' and Web Push's): a week on,
  like every service's inbox;
- idempotency keys: a week after their claim (a client retrying with the same key within a
  week gets the first answer again; after that, the key is new);
- console sessions, refresh tokens and password resets: a day after they expired (an expired
  one is refused whether its row is there or not).

Business records stay: users, API keys, invitations, the audit log, e-mails sent, webhook and
push deliveries (the console shows their history).
"""

from __future__ import annotations

from datetime import timedelta

from gateway import audit_log
from gateway.notifications import tables as notification_tables
from gateway.push import tables as push_tables
from gateway.tables import idempotency_keys, ops_sessions, password_resets, refresh_tokens
from plumbing.retention import MESSAGE_RECORDS_KEPT, RetentionRule, message_rules

IDEMPOTENCY_KEYS_KEPT = timedelta(days=7)
EXPIRED_KEPT = timedelta(days=1)


def gateway_rules() -> list[RetentionRule]:
    return [
        *message_rules(None, audit_log.inbox),
        RetentionRule(
            notification_tables.inbox, notification_tables.inbox.c.received_at, MESSAGE_RECORDS_KEPT
        ),
        RetentionRule(push_tables.inbox, push_tables.inbox.c.received_at, MESSAGE_RECORDS_KEPT),
        RetentionRule(idempotency_keys, idempotency_keys.c.claimed_at, IDEMPOTENCY_KEYS_KEPT),
        RetentionRule(ops_sessions, ops_sessions.c.expires_at, EXPIRED_KEPT),
        RetentionRule(refresh_tokens, refresh_tokens.c.expires_at, EXPIRED_KEPT),
        RetentionRule(password_resets, password_resets.c.expires_at, EXPIRED_KEPT),
    ]
