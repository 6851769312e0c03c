"""Stable reason codes of the payments service (ErrorInfo.reason, StepReply.reason)."""

from __future__ import annotations

# Invalid requests (INVALID_ARGUMENT, with the field).
INVALID_REQUEST_ID = "INVALID_REQUEST_ID"
INVALID_ID = "INVALID_ID"
INVALID_AMOUNT = "INVALID_AMOUNT"
INVALID_CURRENCY = "INVALID_CURRENCY"
INVALID_CARD_TOKEN = "INVALID_CARD_TOKEN"

# Lookups (NOT_FOUND).
PAYMENT_NOT_FOUND = "PAYMENT_NOT_FOUND"
PAYMENT_METHOD_NOT_FOUND = "PAYMENT_METHOD_NOT_FOUND"

# A payment method used for another customer or company than its own (PERMISSION_DENIED).
PAYMENT_METHOD_NOT_OWNED = "PAYMENT_METHOD_NOT_OWNED"

# Illegal transitions (FAILED_PRECONDITION).
PAYMENT_NOT_AUTHORIZED = "PAYMENT_NOT_AUTHORIZED"
PAYMENT_NOT_CAPTURED = "PAYMENT_NOT_CAPTURED"
CURRENCY_MISMATCH = "CURRENCY_MISMATCH"

# Idempotency keys used twice for different things (ABORTED).
IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
REQUEST_ID_REUSED = "REQUEST_ID_REUSED"

# Saga: an EXECUTE that arrives after its compensation (or a tombstone).
ALREADY_COMPENSATED = "ALREADY_COMPENSATED"

# Card provider answers.
CARD_DECLINED = "CARD_DECLINED"
CARD_INSUFFICIENT_FUNDS = "CARD_INSUFFICIENT_FUNDS"
CARD_EXPIRED = "CARD_EXPIRED"
INVALID_CARD = "INVALID_CARD"
PROVIDER_REFUSED = "PROVIDER_REFUSED"
PROVIDER_UNAVAILABLE = "PROVIDER_UNAVAILABLE"

# Asynchronous authorizations (a pending answer resolved later by a webhook or a timeout).
AUTHENTICATION_TIMEOUT = "AUTHENTICATION_TIMEOUT"
AUTHENTICATION_FAILED = "AUTHENTICATION_FAILED"
# COMPENSATE while the provider's answer to the authorization is still unknown (not recorded:
# the orchestrator re-sends it once the answer is recorded or recovered).
AUTHORIZATION_IN_FLIGHT = "AUTHORIZATION_IN_FLIGHT"
# CompletePaymentAction on a payment that waits for no action (FAILED_PRECONDITION).
PAYMENT_NOT_REQUIRING_ACTION = "PAYMENT_NOT_REQUIRING_ACTION"
# CompletePaymentAction with a provider that has no sandbox controls (FAILED_PRECONDITION).
SANDBOX_ONLY = "SANDBOX_ONLY"

# Provider events (webhooks), INVALID_ARGUMENT: the gateway answers 400.
INVALID_SIGNATURE = "INVALID_SIGNATURE"
STALE_EVENT = "STALE_EVENT"
INVALID_EVENT = "INVALID_EVENT"
# A signed event whose reference, key, amount or currency is not that of the payment it names
# (FAILED_PRECONDITION: the gateway answers 409, the payment is left as it was).
EVENT_MISMATCH = "EVENT_MISMATCH"
