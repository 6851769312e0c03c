"""What the gateway deletes once it is old (plumbing.retention, every
`RETENTION_SWEEP_SECONDS`):

- its consumers' inboxes (the audit copier's, the notifications' and Web Push's): a week on,
  like every service's inbox;
- idempotency keys: a week after their claim (a client retrying with the same key within a
  week gets the first answer again; after that, the key is new);
- console sessions, refresh tokens and password resets: a day after they expired (an expired
  one is refused whether its row is there or not);
- webhook and Web Push deliveries that are done (succeeded or failed for good) 30 days after
  they were made, with their attempts, and then the events none of whose deliveries is left
  (what the console's delivery history and a redelivery reach back to: 30 days, as the
  payment providers' webhook logs keep);
- e-mails sent or given up 90 days after they were queued (a customer asking about a message of
  last season still finds it).

Business records stay: users, API keys, invitations, the audit log. A delivery or e-mail still
being tried is never deleted, whatever its age.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Table, exists

from gateway import audit_log
from gateway.notifications import tables as notification_tables
from gateway.push import tables as push_tables
from gateway.tables import idempotency_keys, ops_sessions, password_resets, refresh_tokens
from gateway.webhooks import tables as webhook_tables
from plumbing.retention import MESSAGE_RECORDS_KEPT, RetentionRule, message_rules

IDEMPOTENCY_KEYS_KEPT = timedelta(days=7)
EXPIRED_KEPT = timedelta(days=1)
DELIVERIES_KEPT = timedelta(days=30)
EMAILS_KEPT = timedelta(days=90)


def delivery_rules(deliveries: Table, events: Table) -> list[RetentionRule]:
    """Done deliveries (their attempts go with them, ON DELETE CASCADE), then the events left
    without any: in this order, so one pass deletes both."""
    return [
        RetentionRule(
            deliveries, deliveries.c.created_at, DELIVERIES_KEPT, done=deliveries.c.status != "PENDING"
        ),
        RetentionRule(
            events,
            events.c.received_at,
            DELIVERIES_KEPT,
            done=~exists().where(deliveries.c.event_id == events.c.id),
        ),
    ]


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
        *delivery_rules(webhook_tables.deliveries, webhook_tables.events),
        *delivery_rules(push_tables.deliveries, push_tables.events),
        RetentionRule(
            notification_tables.messages,
            notification_tables.messages.c.created_at,
            EMAILS_KEPT,
            done=notification_tables.messages.c.status != "PENDING",
        ),
    ]
