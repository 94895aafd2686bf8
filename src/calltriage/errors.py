"""One error root for the whole product.

Every error a user can meet is a ``CalltriageError``: a one-line message that names the
problem and the fix. Each boundary (CLI, API, desk) has exactly one handler that turns it
into its own shape; ``http_status`` is what the API answers with.
"""

from __future__ import annotations


class CalltriageError(Exception):
    """Base of every expected, user-facing error."""

    http_status = 400
    code = "bad-request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(CalltriageError):
    code = "configuration"


class PlaybookError(CalltriageError):
    """A playbook file is malformed or its graph is invalid."""

    http_status = 422
    code = "invalid-playbook"

    def __init__(self, message: str, *, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class NotFound(CalltriageError):
    http_status = 404
    code = "not-found"


class InvalidAnswer(CalltriageError):
    http_status = 422
    code = "invalid-answer"


class Conflict(CalltriageError):
    """Someone else changed the incident first (e.g. two operators answered the same step)."""

    http_status = 409
    code = "conflict"


class Forbidden(CalltriageError):
    http_status = 403
    code = "forbidden"


class Unauthorized(CalltriageError):
    http_status = 401
    code = "unauthorized"


class StoreError(CalltriageError):
    http_status = 503
    code = "store-unavailable"


class ProbeUnavailable(CalltriageError):
    """A probe could not run (no configuration, unreachable server...)."""

    http_status = 502
    code = "probe-unavailable"


class UploadRejected(CalltriageError):
    http_status = 413
    code = "upload-rejected"


class TooManyRequests(CalltriageError):
    """Too many attempts (logins) or too much work at once; ``retry_after`` seconds (HTTP 429)."""

    http_status = 429
    code = "too-many-requests"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))
