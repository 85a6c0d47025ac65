"""Every failure of sync_core: one base class, one subclass per kind, one table.

A :class:`SyncError` carries exactly the four facts of Twilio's error body
(``{"code", "message", "more_info", "status"}``). Errors are never built by hand in
the domain modules: each error of the one table below is a named constant (as
fakeredis's ``_msgs.py`` names its messages) whose ``error()`` method builds the
exception, so a misspelt error is a mypy error, not a ``KeyError`` on the error path.

>>> err = UNIQUE_NAME_TAKEN.error("a document named 'prefs' exists")
>>> (type(err).__name__, err.status, err.code)
('ConflictError', 409, 54301)
>>> err.to_dict()
{'code': 54301, 'message': 'Unique name already exists', 'more_info': 'https://www.twilio.com/docs/errors/54301', 'status': 409}
>>> NOT_FOUND.error("/Services/default/Documents/prefs").message
'The requested resource /Services/default/Documents/prefs was not found'
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any, Final, NamedTuple, TypeAlias

__all__ = [
    "ACCESS_TOKEN_EXPIRED",
    "ACCESS_TOKEN_GRANTS_INVALID",
    "ACCESS_TOKEN_HEADER_INVALID",
    "ACCESS_TOKEN_INVALID",
    "ACCESS_TOKEN_ISSUER_INVALID",
    "ACCESS_TOKEN_NOT_YET_VALID",
    "ACCESS_TOKEN_SIGNATURE_INVALID",
    "ACCESS_TOKEN_TTL_TOO_LONG",
    "AUTHENTICATION_FAILED",
    "BOUNDS_INVALID",
    "DATA_INVALID",
    "DATA_TOO_LARGE",
    "DOCUMENT_DATA_MISSING",
    "ERRORS",
    "FORBIDDEN",
    "FRIENDLY_NAME_INVALID",
    "IDENTITY_INVALID",
    "IF_MATCH_INVALID",
    "INDEX_INVALID",
    "INTERNAL_ERROR",
    "LIST_ITEM_DATA_MISSING",
    "MAP_ITEM_DATA_MISSING",
    "MAP_KEY_INVALID",
    "MAP_KEY_TAKEN",
    "METHOD_NOT_ALLOWED",
    "NOT_FOUND",
    "NO_PARAMETERS",
    "OBJECT_RATE_LIMITED",
    "ORDER_INVALID",
    "PAGE_SIZE_INVALID",
    "PAGE_TOKEN_INVALID",
    "PARAMETER_INVALID",
    "RATE_LIMITED",
    "REVISION_MISMATCH",
    "SERVICE_UNAVAILABLE",
    "STREAM_MESSAGE_DATA_MISSING",
    "TTL_INVALID",
    "UNIQUE_NAME_INVALID",
    "UNIQUE_NAME_TAKEN",
    "WEBHOOK_URL_INVALID",
    "ConflictError",
    "ErrorSpec",
    "ForbiddenError",
    "InternalServerError",
    "InvalidParameterError",
    "MethodNotAllowedError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PreconditionFailedError",
    "RateLimitedError",
    "ResourceErrorSpec",
    "RevisionErrorSpec",
    "ServiceUnavailableError",
    "SyncError",
    "UnauthorizedError",
    "Where",
    "fail",
    "spelled",
]

MORE_INFO: Final = "https://www.twilio.com/docs/errors/{code}"


class SyncError(Exception):
    """Base of every sync_core error: Twilio's ``status``, ``code``, ``message``, ``more_info``.

    Subclasses name the kind of failure; catch ``SyncError`` to catch them all.
    """

    #: HTTP status of the kind, overridden per instance by the table.
    default_status: int = 400

    #: The name of the injected fault that raised it (:mod:`sync_core.faults`), if one did.
    fault: str | None = None

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


class UnauthorizedError(SyncError):
    """An Access Token was refused: malformed, badly signed, expired, or for another
    account or grant (HTTP 401)."""

    default_status = 401


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


class InternalServerError(SyncError):
    """A failure of sync_core itself (HTTP 500); the REST adapter answers it, logged."""

    default_status = 500


class ServiceUnavailableError(SyncError):
    """The service is unavailable for now (HTTP 503): only ever an injected fault."""

    default_status = 503


class _Row(NamedTuple):
    """What every row of the table holds: the class, Twilio's code and message text.

    (A named tuple, as :class:`~sync_core.events.Change`: the table is built at import,
    and a tuple class costs a fraction of an attrs class to make.)
    """

    kind: type[SyncError]
    code: int
    template: str

    @property
    def status(self) -> int:
        """The HTTP status of this error."""
        return self.kind.default_status

    def _build(self, message: str, detail: str | None) -> SyncError:
        return self.kind(message, code=self.code, detail=detail)


class ErrorSpec(_Row):
    """An error whose message is fixed text."""

    __slots__ = ()

    def error(self, detail: str | None = None) -> SyncError:
        """The exception to raise; ``detail`` says, for a person, what exactly was wrong.

        >>> PAGE_SIZE_INVALID.error("PageSize must be an integer, got 'x'")
        InvalidParameterError(status=400, code=54454, "Invalid 'PageSize' query parameter")
        """
        return self._build(self.template, detail)


#: A path as the caller addressed it, or how to spell it when it is needed (a path is
#: only shown in refusals: a call that succeeds need not build it).
Where: TypeAlias = str | Callable[[], str]


def shown(value: object) -> str:
    """``repr(value)``, for a refusal's message, but for an int of over 256 bits its
    size (Python refuses to make text of an int over 4,300 digits; one of 78 digits is
    long enough to read), and for what holds such an int, its type. A refusal of
    ``ttl=10**5000`` is a ``SyncError`` as any other, never that ``ValueError``.

    >>> shown("a"), shown(10**5000), shown([10**5000])
    ("'a'", 'an integer of 16610 bits', 'a list holding an integer too long to write out')
    """
    if isinstance(value, int) and value.bit_length() > 256:
        return f"an integer of {value.bit_length()} bits"
    try:
        return repr(value)
    except ValueError:  # such an int inside a list, a dict...
        return f"a {type(value).__name__} holding an integer too long to write out"


def spelled(path: Where) -> str:
    """The path ``path`` names.

    >>> spelled("/Services/default"), spelled(lambda: "/Services/IS1")
    ('/Services/default', '/Services/IS1')
    """
    return path if isinstance(path, str) else path()


class ResourceErrorSpec(_Row):
    """An error whose message names the resource addressed (``{path}``)."""

    __slots__ = ()

    def error(self, path: Where, detail: str | None = None) -> SyncError:
        """The exception to raise for ``path``, as the caller addressed it (no ``/v1``)."""
        return self._build(self.template.format(path=spelled(path)), detail)


class RevisionErrorSpec(_Row):
    """An error whose message names the kind of record (``{kind}``: "Document", ...)."""

    __slots__ = ()

    def error(self, kind: str, detail: str | None = None) -> SyncError:
        """The exception to raise for a record of ``kind``."""
        return self._build(self.template.format(kind=kind), detail)


_400 = InvalidParameterError

# The table: every error sync_core raises. The message is Twilio's text: observed on
# the real REST API where we could find it (404, 413, 409, 412, invalid JSON), else the
# error catalog page's description or title. Sources and the choices made: docs/errors.md.

#: The path as the caller addressed it, without /v1 (observed on the real REST API).
NOT_FOUND: Final = ResourceErrorSpec(
    NotFoundError, 20404, "The requested resource {path} was not found"
)
#: SEMANTICS.md decision: 20412 for every If-Match mismatch (the catalog also has
#: 54103/54155/54205); the text follows the one observed for documents.
REVISION_MISMATCH: Final = RevisionErrorSpec(
    PreconditionFailedError,
    20412,
    "The revision of the {kind} does not match the expected revision",
)
UNIQUE_NAME_TAKEN: Final = ErrorSpec(ConflictError, 54301, "Unique name already exists")
MAP_KEY_TAKEN: Final = ErrorSpec(
    ConflictError, 54208, "An Item with given key already exists in the Map"
)
FORBIDDEN: Final = ErrorSpec(ForbiddenError, 54007, "Access forbidden for identity")
RATE_LIMITED: Final = ErrorSpec(RateLimitedError, 54009, "Rate limit exceeded")
#: An object over its rate (sync_core.rates): the text a real answer was recorded with
#: for a Map's writes, "Rate limit exceeded for write-map-keystore" (docs/errors.md).
OBJECT_RATE_LIMITED: Final = ResourceErrorSpec(
    RateLimitedError, 54009, "Rate limit exceeded for {path}"
)
#: Twilio's catalog: 20004 "Method not allowed", for a method a resource does not take.
METHOD_NOT_ALLOWED: Final = ErrorSpec(MethodNotAllowedError, 20004, "Method not allowed")
#: Twilio's catalog: 20500 "Internal Server Error"; the REST adapter's answer to a bug.
INTERNAL_ERROR: Final = ErrorSpec(InternalServerError, 20500, "Internal Server Error")
#: Only ever injected (sync_core.faults): the catalog's text.
SERVICE_UNAVAILABLE: Final = ErrorSpec(ServiceUnavailableError, 20503, "Service unavailable")
DATA_TOO_LARGE: Final = ErrorSpec(PayloadTooLargeError, 54006, "Request entity too large")
DATA_INVALID: Final = ErrorSpec(
    _400, 54008, "Invalid request body: the type of one of the attributes is invalid"
)
DOCUMENT_DATA_MISSING: Final = ErrorSpec(_400, 54101, "The 'Data' parameter cannot be null")
LIST_ITEM_DATA_MISSING: Final = ErrorSpec(_400, 54156, "The 'Data' parameter cannot be null")
MAP_ITEM_DATA_MISSING: Final = ErrorSpec(_400, 54206, "The 'Data' parameter cannot be null")
STREAM_MESSAGE_DATA_MISSING: Final = ErrorSpec(_400, 54251, "The 'Data' parameter cannot be null")
NO_PARAMETERS: Final = ErrorSpec(
    _400, 54010, "Expected at least 1 optional parameter, but none were provided"
)
TTL_INVALID: Final = ErrorSpec(
    _400,
    54011,
    "The TTL value in seconds must either be empty or an integer between 0 and 31 536 000 (1 year)",
)
#: The real backend's words, recorded by Twilio's own Sync SDK's integration tests
#: (twilio/twilio-sync-sdk, DocumentTest.kt and its List, Map and Stream siblings); the
#: error catalog's older text says 1-256.
UNIQUE_NAME_INVALID: Final = ErrorSpec(
    _400,
    54302,
    "Invalid unique name. Expected a string with length 1-320 not matching the SID pattern "
    "[A-Z]{2}[a-f0-9]{32}",
)
MAP_KEY_INVALID: Final = ErrorSpec(_400, 54209, "Invalid Map Item key")
IDENTITY_INVALID: Final = ErrorSpec(_400, 54351, "Invalid identity")
FRIENDLY_NAME_INVALID: Final = ErrorSpec(_400, 54053, "Invalid friendly name")
WEBHOOK_URL_INVALID: Final = ErrorSpec(_400, 54051, "Invalid webhook URL")
IF_MATCH_INVALID: Final = ErrorSpec(_400, 54003, "Invalid If-Match header")
ORDER_INVALID: Final = ErrorSpec(_400, 54451, "Invalid 'Order' query parameter")
BOUNDS_INVALID: Final = ErrorSpec(_400, 54452, "Invalid 'Bounds' query parameter")
PAGE_TOKEN_INVALID: Final = ErrorSpec(_400, 54453, "Invalid 'PageToken' query parameter")
PAGE_SIZE_INVALID: Final = ErrorSpec(_400, 54454, "Invalid 'PageSize' query parameter")
INDEX_INVALID: Final = ErrorSpec(_400, 54458, "Invalid List Item index")
#: Twilio's generic "Invalid parameter", for parameters without a Sync code of their
#: own (booleans, reachability_debouncing_window, the list length limit).
PARAMETER_INVALID: Final = ErrorSpec(_400, 20001, "Invalid parameter")


# Access Tokens (Sync.for_token, tokens.py): the titles of Twilio's catalog pages
# 20101-20107 and 20157 (https://www.twilio.com/docs/api/errors/<code>); 401, as
# Twilio answers a token it refuses.
_401 = UnauthorizedError
ACCESS_TOKEN_INVALID: Final = ErrorSpec(_401, 20101, "Invalid Access Token")
ACCESS_TOKEN_HEADER_INVALID: Final = ErrorSpec(_401, 20102, "Invalid Access Token header")
ACCESS_TOKEN_ISSUER_INVALID: Final = ErrorSpec(_401, 20103, "Invalid Access Token issuer/subject")
ACCESS_TOKEN_EXPIRED: Final = ErrorSpec(
    _401, 20104, "Access Token expired or expiration date invalid"
)
ACCESS_TOKEN_NOT_YET_VALID: Final = ErrorSpec(_401, 20105, "Access Token not yet valid")
ACCESS_TOKEN_GRANTS_INVALID: Final = ErrorSpec(_401, 20106, "Invalid Access Token grants")
ACCESS_TOKEN_SIGNATURE_INVALID: Final = ErrorSpec(_401, 20107, "Invalid Access Token signature")
#: A lifetime over 24 hours (the catalog's 20104 text mentions it too; 20157 is the
#: code Twilio's troubleshooting guide and its voice-errors list give for it).
ACCESS_TOKEN_TTL_TOO_LONG: Final = ErrorSpec(
    _401, 20157, "Expiration Time Exceeds Maximum Time Allowed"
)

#: HTTP Basic auth refused (the account SID and auth token; only a server built with
#: ``make_app(..., auth=True)`` checks it, sync_core.adapters.http): the message the
#: real API answers, "Authenticate" (pasted answers; the catalog's page for 20003 is
#: titled "Permission Denied").
AUTHENTICATION_FAILED: Final = ErrorSpec(_401, 20003, "Authenticate")

#: The table by name (the constant's name in lower case), for listing and docs.
ERRORS: Final[Mapping[str, ErrorSpec | ResourceErrorSpec | RevisionErrorSpec]] = {
    name.lower(): spec
    for name, spec in list(globals().items())
    if isinstance(spec, ErrorSpec | ResourceErrorSpec | RevisionErrorSpec) and name.isupper()
}


def fail(key: str, detail: str | None = None, **fields: object) -> SyncError:
    """Deprecated: the error of the row named ``key``; use the named constants instead.

    ``fail("not_found", path=p)`` is ``NOT_FOUND.error(p)``: the constants make a
    misspelt name a mypy error rather than a ``KeyError`` on the error path.

    Raises:
        KeyError: ``key`` is not a row of :data:`ERRORS` or a template field is missing.
    """
    warnings.warn(
        "sync_core.errors.fail() is deprecated: use the named constants, "
        "e.g. NOT_FOUND.error(path)",
        DeprecationWarning,
        stacklevel=2,
    )
    spec = ERRORS[key]
    return spec._build(spec.template.format(**fields), detail)
