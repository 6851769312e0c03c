"""Use cases of catalog, one module per aggregate: each takes a validated command and runs one
transaction.

Creates are idempotent per request_id: the insert does nothing when the key exists, and
the row of the first request is returned instead. A request_id already used under
another parent (company or resource) is refused rather than leaking that row
(`rules.same_parent`).
"""
