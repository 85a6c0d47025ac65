"""Every failure of sync_core: one base class, one subclass per kind, one table.

A :class:`SyncError` carries exactly the four facts of Twilio's error body
(``{"code", "message", "more_info", "status"}``). Errors are never built by hand in
the domain modules: they call :func:`fail` with a key of :data:`ERRORS`, so every code,
status and message lives in the one table below.

>>> err = fail("unique_name_taken", detail="a document named 'prefs' exists")
>>> (type(err).__name__, err.status, err.code)
('ConflictError', 409, 54301)
>>> err.to_dict()
{'code': 54301, 'message': 'Unique name already exists', 'more_info': 'https://www.twilio.com/docs/errors/54301', 'status': 409}
"""

from __future__ import annotations

from typing import Any, Final

import attrs

__all__ = [
    "ERRORS",
    "ConflictError",
    "ErrorSpec",
    "ForbiddenError",
    "InvalidParameterError",
    "MethodNotAllowedError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PreconditionFailedError",
    "RateLimitedError",
    "SyncError",
    "fail",
]

MORE_INFO: Final = "https://www.twilio.com/docs/errors/{code}"


class SyncError(Exception):
    """Base of every sync_core error: Twilio's ``status``, ``code``, ``message``, ``more_info``.

    Subclasses name the kind of failure; catch ``SyncError`` to catch them all.
    """

    #: HTTP status of the kind, overridden per instance by the table.
    default_status: int = 400

    def __init__(
        self, message: str, *, code: int, status: int | None = None, detail: str | None = None
    ) -> None:
        super().__init__(message)
        self.message: str = message
        self.code: int = code
        self.status: int = self.default_status if status is None else status
        self.more_info: str = MORE_INFO.format(code=code)
        #: What exactly was wrong, for a person; not part of Twilio's error body.
        self.detail: str | None = detail

    def to_dict(self) -> dict[str, Any]:
        """Twilio's JSON error body for this error."""
        return {
            "code": self.code,
            "message": self.message,
            "more_info": self.more_info,
            "status": self.status,
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, code={self.code}, {self.message!r})"

    def __str__(self) -> str:
        text = f"HTTP {self.status} error {self.code}: {self.message}"
        return text if self.detail is None else f"{text} ({self.detail})"


class InvalidParameterError(SyncError):
    """A parameter is missing, malformed or out of range (HTTP 400)."""

    default_status = 400


class ForbiddenError(SyncError):
    """The acting identity lacks the permission (HTTP 403)."""

    default_status = 403


class NotFoundError(SyncError):
    """The addressed resource does not exist, or has expired (HTTP 404)."""

    default_status = 404


class ConflictError(SyncError):
    """A unique name or key is already taken (HTTP 409)."""

    default_status = 409


class PreconditionFailedError(SyncError):
    """``If-Match`` named a revision other than the current one (HTTP 412)."""

    default_status = 412


class PayloadTooLargeError(SyncError):
    """``data`` is over its size limit (HTTP 413)."""

    default_status = 413


class RateLimitedError(SyncError):
    """Too many requests for one object (HTTP 429)."""

    default_status = 429


class MethodNotAllowedError(SyncError):
    """The REST path exists, but not with this HTTP method (HTTP 405)."""

    default_status = 405


@attrs.frozen
class ErrorSpec:
    """One row of the error table: the class, Twilio code and message template."""

    kind: type[SyncError]
    code: int
    template: str

    @property
    def status(self) -> int:
        """The HTTP status of this error."""
        return self.kind.default_status


_400 = InvalidParameterError

#: Every error sync_core raises. ``message`` is Twilio's text: observed on the real REST
#: API where we could find it (404, 413, 409, 412, invalid JSON), else the error
#: catalog's description. ``{...}`` fields are filled by :func:`fail`. Sources and the
#: choices made: docs/errors.md.
ERRORS: Final[dict[str, ErrorSpec]] = {
    # The path as the caller addressed it, without /v1 (observed on the real REST API).
    "not_found": ErrorSpec(NotFoundError, 20404, "The requested resource {path} was not found"),
    # SEMANTICS.md decision: 20412 for every If-Match mismatch (the catalog also has
    # 54103/54155/54205); the text follows the one observed for documents.
    "revision_mismatch": ErrorSpec(
        PreconditionFailedError,
        20412,
        "The revision of the {kind} does not match the expected revision",
    ),
    "unique_name_taken": ErrorSpec(ConflictError, 54301, "Unique name already exists"),
    "map_key_taken": ErrorSpec(
        ConflictError, 54208, "An Item with given key already exists in the Map"
    ),
    "forbidden": ErrorSpec(ForbiddenError, 54007, "Access forbidden for identity"),
    "rate_limited": ErrorSpec(RateLimitedError, 54009, "Rate limit exceeded"),
    # Twilio's catalog: 20004 "Method not allowed", for a method a resource does not take.
    "method_not_allowed": ErrorSpec(MethodNotAllowedError, 20004, "Method not allowed"),
    "data_too_large": ErrorSpec(PayloadTooLargeError, 54006, "Request entity too large"),
    "data_invalid": ErrorSpec(
        _400, 54008, "Invalid request body: the type of one of the attributes is invalid"
    ),
    "document_data_missing": ErrorSpec(_400, 54101, "The 'Data' parameter cannot be null"),
    "list_item_data_missing": ErrorSpec(_400, 54156, "The 'Data' parameter cannot be null"),
    "map_item_data_missing": ErrorSpec(_400, 54206, "The 'Data' parameter cannot be null"),
    "stream_message_data_missing": ErrorSpec(_400, 54251, "The 'Data' parameter cannot be null"),
    "no_parameters": ErrorSpec(
        _400, 54010, "Expected at least 1 optional parameter, but none were provided"
    ),
    "ttl_invalid": ErrorSpec(
        _400,
        54011,
        "The TTL value in seconds must either be empty or an integer between 0 and "
        "31 536 000 (1 year)",
    ),
    "unique_name_invalid": ErrorSpec(_400, 54302, "Invalid unique name"),
    "map_key_invalid": ErrorSpec(_400, 54209, "Invalid Map Item key"),
    "identity_invalid": ErrorSpec(_400, 54351, "Invalid identity"),
    "friendly_name_invalid": ErrorSpec(_400, 54053, "Invalid friendly name"),
    "webhook_url_invalid": ErrorSpec(_400, 54051, "Invalid webhook URL"),
    "if_match_invalid": ErrorSpec(_400, 54003, "Invalid If-Match header"),
    "order_invalid": ErrorSpec(_400, 54451, "Invalid 'Order' query parameter"),
    "bounds_invalid": ErrorSpec(_400, 54452, "Invalid 'Bounds' query parameter"),
    "page_token_invalid": ErrorSpec(_400, 54453, "Invalid 'PageToken' query parameter"),
    "page_size_invalid": ErrorSpec(_400, 54454, "Invalid 'PageSize' query parameter"),
    "index_invalid": ErrorSpec(_400, 54458, "Invalid List Item index"),
    # Twilio's generic "Invalid parameter", for parameters without a Sync code of their
    # own (booleans, reachability_debouncing_window, the list length limit).
    "parameter_invalid": ErrorSpec(_400, 20001, "Invalid parameter"),
}


def fail(key: str, detail: str | None = None, **fields: object) -> SyncError:
    """Build the error of the table row ``key``, its message filled with ``fields``.

    The caller raises it: ``raise fail("not_found", path=...)``. ``detail`` says, for a
    person, what exactly was wrong; it is not part of Twilio's body.

    >>> err = fail("page_size_invalid", detail="PageSize must be from 1 to 1000, got 0")
    >>> err
    InvalidParameterError(status=400, code=54454, "Invalid 'PageSize' query parameter")
    >>> str(err)
    "HTTP 400 error 54454: Invalid 'PageSize' query parameter (PageSize must be from 1 to 1000, got 0)"

    Raises:
        KeyError: ``key`` is not a row of :data:`ERRORS` or a template field is missing.
    """
    spec = ERRORS[key]
    return spec.kind(spec.template.format(**fields), code=spec.code, detail=detail)
