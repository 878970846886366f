"""Typed domain errors and their one mapping to gRPC status codes and HTTP statuses.

Services raise these; the gRPC interceptor (``shouwang.rpc``) turns them into status codes, the
gRPC client turns the codes back into these errors, and the gateway renders them as problem+json.
Messages must never carry personal data: they travel to clients and into logs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import grpc


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass
class DomainError(Exception):
    """Base of every error a caller is meant to see."""

    detail: str = ""
    errors: list[FieldError] = field(default_factory=list)
    retry_after_s: int | None = None

    grpc_code = grpc.StatusCode.UNKNOWN
    http_status = 500
    title = "Internal error"

    def __str__(self) -> str:
        return self.detail or self.title


class InvalidArgument(DomainError):
    """Values that are well-formed but break a rule (HTTP 422)."""

    grpc_code = grpc.StatusCode.INVALID_ARGUMENT
    http_status = 422
    title = "Invalid values"


class Malformed(DomainError):
    grpc_code = grpc.StatusCode.INVALID_ARGUMENT
    http_status = 400
    title = "Malformed request"


class Unauthenticated(DomainError):
    grpc_code = grpc.StatusCode.UNAUTHENTICATED
    http_status = 401
    title = "Unauthenticated"


class Forbidden(DomainError):
    grpc_code = grpc.StatusCode.PERMISSION_DENIED
    http_status = 403
    title = "Forbidden"


class NotFound(DomainError):
    grpc_code = grpc.StatusCode.NOT_FOUND
    http_status = 404
    title = "Not found"


class Conflict(DomainError):
    grpc_code = grpc.StatusCode.ALREADY_EXISTS
    http_status = 409
    title = "Conflict"


class Gone(DomainError):
    grpc_code = grpc.StatusCode.FAILED_PRECONDITION
    http_status = 410
    title = "Gone"


class RateLimited(DomainError):
    grpc_code = grpc.StatusCode.RESOURCE_EXHAUSTED
    http_status = 429
    title = "Too many requests"


class Unavailable(DomainError):
    grpc_code = grpc.StatusCode.UNAVAILABLE
    http_status = 503
    title = "Service unavailable"


_BY_GRPC_CODE: dict[grpc.StatusCode, type[DomainError]] = {
    cls.grpc_code: cls
    for cls in (
        Malformed,
        InvalidArgument,
        Unauthenticated,
        Forbidden,
        NotFound,
        Conflict,
        Gone,
        RateLimited,
        Unavailable,
    )
}
# INVALID_ARGUMENT is shared by 400 and 422; the detail payload says which.
_BY_NAME: dict[str, type[DomainError]] = {cls.__name__: cls for cls in DomainError.__subclasses__()}
_BY_GRPC_CODE[grpc.StatusCode.DEADLINE_EXCEEDED] = Unavailable
_BY_GRPC_CODE[grpc.StatusCode.INTERNAL] = DomainError
_BY_GRPC_CODE[grpc.StatusCode.UNKNOWN] = DomainError


# gRPC carries a status message in a header and refuses headers past 8 KiB by default; the
# field errors are cut to fit well within it (the first ones kept, their total named).
MAX_DETAILS_BYTES = 6 * 1024


def to_grpc_details(error: DomainError) -> str:
    """The status message that carries the error across a gRPC hop, field errors included (as
    many as fit in ``MAX_DETAILS_BYTES``)."""
    errors = [{"field": e.field, "message": e.message} for e in error.errors]
    details = _details(error, error.detail, errors)
    kept = len(errors)
    while len(details.encode()) > MAX_DETAILS_BYTES and kept > 0:
        kept //= 2
        detail = f"{error.detail} (the first {kept} of {len(errors)} field errors)"
        details = _details(error, detail, errors[:kept])
    return details


def _details(error: DomainError, detail: str, errors: list[dict[str, str]]) -> str:
    return json.dumps(
        {
            "kind": type(error).__name__,
            "detail": detail[:1024],
            "errors": errors,
            "retry_after_s": error.retry_after_s,
        },
        ensure_ascii=False,
    )


def from_grpc(code: grpc.StatusCode, details: str | None) -> DomainError:
    """Rebuild the domain error a server raised; unknown failures become ``Unavailable``."""
    try:
        payload = json.loads(details or "")
        cls = _BY_NAME[payload["kind"]]
        return cls(
            detail=payload.get("detail", ""),
            errors=[FieldError(**e) for e in payload.get("errors", [])],
            retry_after_s=payload.get("retry_after_s"),
        )
    except (ValueError, KeyError, TypeError):
        cls = _BY_GRPC_CODE.get(code, Unavailable)
        return cls(detail=f"upstream {code.name.lower()}")
