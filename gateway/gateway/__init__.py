"""The HTTP gateway: JSON over HTTP in, gRPC to the services out.

Thin on purpose: authentication, the HTTP Idempotency-Key, translation between JSON and
protos, and the mapping of gRPC errors onto problem+json. No business rule lives here.
"""
