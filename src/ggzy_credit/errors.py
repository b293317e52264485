"""Domain errors. Services raise these; the web layer and the CLI turn them into 4xx / exit codes.

Messages are Chinese first (they reach users); ``field`` names the offending input field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"detail": self.message, "code": self.code}

    def headers(self) -> dict[str, str] | None:
        """Extra HTTP response headers (``WWW-Authenticate``, ``Retry-After``)."""
        return None


@dataclass(frozen=True)
class FieldProblem:
    """One bad input field: ``loc`` is the path to it (e.g. ``("body", "records", 3, "uscc")``)."""

    loc: tuple[str | int, ...]
    msg: str
    type: str = "value_error"

    def as_dict(self) -> dict[str, Any]:
        return {"loc": list(self.loc), "msg": self.msg, "type": self.type}


class InvalidInput(DomainError):
    """422: the request is well-formed but a field's value breaks a rule."""

    status = 422
    code = "invalid"

    def __init__(self, problems: list[FieldProblem] | FieldProblem) -> None:
        self.problems = [problems] if isinstance(problems, FieldProblem) else list(problems)
        super().__init__("；".join(f"{_field_name(p.loc)}: {p.msg}" for p in self.problems))

    @classmethod
    def field(cls, name: str, msg: str, type: str = "value_error") -> InvalidInput:
        return cls(FieldProblem(("body", name), msg, type))

    def body(self) -> dict[str, Any]:
        return {"detail": [p.as_dict() for p in self.problems], "code": self.code}


def _field_name(loc: tuple[str | int, ...]) -> str:
    parts = [str(p) for p in loc if p != "body"]
    return ".".join(parts) or "body"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    """409: the thing exists already (``existing_id``) or clashes with what exists."""

    status = 409
    code = "conflict"

    def __init__(self, message: str, existing_id: int | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.existing_id = existing_id
        self.extra = extra

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"detail": self.message, "code": self.code}
        if self.existing_id is not None:
            out["existing_id"] = self.existing_id
        return out | self.extra


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"

    def headers(self) -> dict[str, str] | None:
        return {"WWW-Authenticate": "Bearer"}


class RateLimited(DomainError):
    """429: too many requests (or failed logins) from one source; retry after ``retry_after`` seconds."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))

    def body(self) -> dict[str, Any]:
        return {"detail": self.message, "code": self.code, "retry_after": self.retry_after}

    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.retry_after)}
