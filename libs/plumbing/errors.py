"""Errors that cross a service boundary with a stable reason code.

Domain code raises `ServiceError` subclasses (plain Python, no framework); the gRPC
interceptor turns them into a status with `google.rpc.ErrorInfo`, and the gateway
turns that into problem+json with the same code.
"""

from __future__ import annotations

import enum


class ErrorKind(enum.Enum):
    """The gRPC status family of an error (names match `grpc.StatusCode`)."""

    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    FAILED_PRECONDITION = "FAILED_PRECONDITION"
    ABORTED = "ABORTED"
    RESOURCE_EXHAUSTED = "RESOURCE_EXHAUSTED"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    UNAVAILABLE = "UNAVAILABLE"
    DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"


class ServiceError(Exception):
    """A refusal the caller can act on: `reason` is a stable UPPER_SNAKE code."""

    kind: ErrorKind = ErrorKind.FAILED_PRECONDITION

    def __init__(
        self,
        reason: str,
        message: str,
        *,
        kind: ErrorKind | None = None,
        field: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        if kind is not None:
            self.kind = kind
        self.field = field
        self.metadata = dict(metadata or {})


class InvalidArgument(ServiceError):
    kind = ErrorKind.INVALID_ARGUMENT


class NotFound(ServiceError):
    kind = ErrorKind.NOT_FOUND


class Conflict(ServiceError):
    kind = ErrorKind.ABORTED


class FailedPrecondition(ServiceError):
    kind = ErrorKind.FAILED_PRECONDITION


class PermissionDenied(ServiceError):
    kind = ErrorKind.PERMISSION_DENIED
