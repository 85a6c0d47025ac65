"""What the WSGI and ASGI apps share: a request's raw parts in, an answer's bytes out.

:class:`HttpCore` does everything between the server and
:class:`~sync_core.adapters.rest.RestApi` but the I/O, so that
:mod:`sync_core.adapters.wsgi` and :mod:`sync_core.adapters.asgi` are thin: they read
the request's method, path, query string, headers and body from their server, ask the
core, and send its :class:`Answer` (status, headers, body bytes). sync_core opens no
socket: a server (gunicorn, waitress, uvicorn, ...) runs the apps (docs/server.md).

What the core decides, in this order:

1. **Authentication** (``auth=True``; off by default): HTTP Basic with the account
   SID as the user name and the Sync's ``auth_token`` as the password, as Twilio's
   API takes them; anything else is 401/20003 ``Authenticate`` with
   ``WWW-Authenticate: Basic realm="Twilio API"``.
2. **Size**: a ``Content-Length`` over ``max_body`` is 413 before any of the body is
   read; a body of unknown length (chunked) is read until it passes ``max_body``, and
   then refused 413 the same way (:meth:`HttpCore.too_large`). The body is 54006
   ``Request entity too large``, the Sync API's own 413.
3. **Text**: the path (percent-decoded), the query string and the form body must be
   UTF-8; ``%FF`` in a path, or any byte sequence that is not UTF-8, is 400/20001
   ``Invalid parameter`` (Twilio's generic code: it has none of its own for this).
4. **Control routes** (``control_prefix``; off by default): a path under the prefix
   goes to :class:`~sync_core.adapters.control.Control`, never to the Sync REST API.
5. Everything else goes to the REST API, with the form's and the query's fields as
   text: blank values kept (``WebhookUrl=`` clears a webhook, ``UniqueName=`` is
   refused as in-process), and of a repeated name the first value (as a servlet's
   ``getParameter``).

Answers 1 to 4 are the HTTP layer's own: they are not in the Sync's request journal
(:mod:`sync_core.journal`), which records what the REST API answered.

An injected timeout (:mod:`sync_core.faults`) has no answer from the REST API: the
core answers it 504 ``Gateway Timeout`` with a ``Sync-Core-Fault: timeout`` header and
a Twilio-shaped body (code 20504, the faults' rule for a status without a code of its
own: 20000 + status), after ``timeout_hold`` seconds (0 by default; the apps wait, so
that a client whose timeout is shorter times out, as against Twilio).

>>> from sync_core import Sync
>>> core = HttpCore(Sync(seed=1))
>>> made = core.answer("POST", b"/v1/Services/default/Documents", b"", {},
...                    b"UniqueName=prefs&Data=%7B%22a%22%3A1%7D")
>>> made.status, made.status_line, made.json()["data"]
(201, '201 Created', {'a': 1})
>>> core.answer("GET", b"/v1/Services/default/Documents/%FF", b"", {}, b"").body
b'{"code": 20001, "message": "Invalid parameter", "more_info": "https://www.twilio.com/docs/errors/20001", "status": 400}'
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final, NamedTuple
from urllib.parse import quote, unquote_to_bytes

from ..errors import (
    AUTHENTICATION_FAILED,
    DATA_TOO_LARGE,
    METHOD_NOT_ALLOWED,
    PARAMETER_INVALID,
    SyncError,
)
from ..faults import FaultTimeout
from ..sync import Sync
from .rest import RestApi

if TYPE_CHECKING:
    from .control import Control

__all__ = [
    "DEFAULT_MAX_BODY",
    "Answer",
    "HttpCore",
    "ServedApp",
    "answer_json",
    "origin_form",
    "parse_form",
    "reason",
    "strip_mount",
]

logger: Final = logging.getLogger("sync_core.http")

#: How large a request body may be unless told otherwise: 1 MiB (a Sync request is a
#: form of at most a few fields of 16 KiB; a fixture for ``PUT {prefix}/state`` may
#: need more: raise ``max_body``).
DEFAULT_MAX_BODY: Final = 1_048_576
#: The realm of the 401's ``WWW-Authenticate``.
REALM: Final = "Twilio API"
#: What stays as it is when a path is passed on percent-encoded: ``%`` (the escapes
#: already there) and the characters a path segment may hold unescaped (RFC 3986).
_PATH_SAFE: Final = "/%!$&'()*+,;=:@"
_JSON: Final = ("Content-Type", "application/json")


def reason(status: int) -> str:
    """The reason phrase of ``status``, for a status line.

    >>> reason(201), reason(413), reason(499)
    ('Created', 'Request Entity Too Large', 'Client Error')
    """
    try:
        return HTTPStatus(status).phrase
    except ValueError:  # a status the standard library does not name (a fault's 499)
        return "Server Error" if status >= 500 else "Client Error"


class Answer(NamedTuple):
    """What to send back: the status, the headers (in order) and the body bytes."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    #: An injected timeout: the apps wait ``timeout_hold`` seconds before sending it.
    timed_out: bool = False

    @property
    def status_line(self) -> str:
        """The status as WSGI writes it: ``"201 Created"``."""
        return f"{self.status} {reason(self.status)}"

    def json(self) -> Any:
        """The body as JSON (None when there is none)."""
        return json.loads(self.body) if self.body else None


class ServedApp:
    """What both apps are besides their protocol: a :class:`HttpCore` and its Sync."""

    def __init__(self, core: HttpCore) -> None:
        self.core = core

    @property
    def sync(self) -> Sync:
        """The Sync it serves."""
        return self.core.sync

    def close(self) -> None:
        """Stop recording events for the control routes (:meth:`HttpCore.close`)."""
        self.core.close()


def answer_json(status: int, body: object, headers: list[tuple[str, str]] | None = None) -> Answer:
    """An answer with a JSON body, its ``Content-Type`` and ``Content-Length``.

    Text with a lone surrogate (a JSON ``\\ud800`` escape a client sent, named back in a
    message) has no UTF-8: the body then escapes every non-ASCII character, as JSON
    allows, rather than fail.

    >>> answer_json(400, {"message": "unknown field " + chr(0xD800)}).body
    b'{"message": "unknown field \\\\ud800"}'
    """
    text = json.dumps(body, ensure_ascii=False)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        data = json.dumps(body).encode("ascii")
    return Answer(status, [_JSON, ("Content-Length", str(len(data))), *(headers or [])], data)


#: The ``detail`` of Twilio's 401/20003 body, as pasted answers and the twilio client
#: libraries' test fixtures show it.
AUTHENTICATION_DETAIL: Final = "Your AccountSid or AuthToken was incorrect."


def _refusal(error: SyncError, headers: list[tuple[str, str]] | None = None) -> Answer:
    if error.detail is not None:
        logger.debug("refused: %s", error)
    return answer_json(error.status, error.to_dict(), headers)


def parse_form(raw: bytes) -> dict[str, str]:
    """``application/x-www-form-urlencoded`` bytes as text fields.

    Blank values are kept (``a=`` and a bare ``a`` are ``""``); of a repeated name the
    first value is kept, whatever the others. ``+`` is a space.

    >>> parse_form(b"WebhookUrl=&Data=%7B%7D&Data=ignored&Flag&x=a+b%20c")
    {'WebhookUrl': '', 'Data': '{}', 'Flag': '', 'x': 'a b c'}

    Raises:
        UnicodeDecodeError: a name or value that is not UTF-8 once percent-decoded.
    """
    fields: dict[str, str] = {}
    for piece in raw.split(b"&"):
        if not piece:
            continue
        name, _, value = piece.partition(b"=")
        key = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8")
        if key not in fields:
            fields[key] = unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
    return fields


#: The most digits a ``Content-Length`` within any ``max_body`` has (after leading zeros).
_MAX_LENGTH_DIGITS: Final = 18


def origin_form(target: bytes) -> bytes:
    """A request target's path as sent, whatever its form: an absolute-form target
    (``http://host/v1/...``, RFC 9112 3.2.2) loses its scheme and host, the query and
    fragment go.

    >>> origin_form(b"http://evil.example/v1/Services?PageSize=1")
    b'/v1/Services'
    >>> origin_form(b"https://h"), origin_form(b"/v1/x#y")
    (b'/', b'/v1/x')
    """
    if target.startswith((b"http://", b"https://")):
        target = b"/" + target.split(b"/", 3)[3] if target.count(b"/") >= 3 else b"/"
    return target.split(b"?", 1)[0].split(b"#", 1)[0]


def strip_mount(sent: bytes, mount: bytes) -> bytes | None:
    """The part of the path ``sent`` (percent-encoded) after the mount point ``mount``
    (decoded), or None when ``sent`` does not begin with it.

    >>> strip_mount(b"/sync/v1/Services/a%2Fb", b"/sync")
    b'/v1/Services/a%2Fb'
    >>> strip_mount(b"/v1/Services", b"/sync") is None
    True
    """
    depth = mount.count(b"/")
    parts = sent.split(b"/")
    if len(parts) <= depth or unquote_to_bytes(b"/".join(parts[: depth + 1])) != mount:
        return None
    rest = parts[depth + 1 :]
    return b"/" + b"/".join(rest) if rest else b""


class HttpCore:
    """The HTTP layer of the apps: one per app, over one :class:`~sync_core.Sync`.

    Thread-safe, as the Sync is. See the module's docstring for what it decides.

    Args:
        sync: the Sync that answers.
        base_url: the server's own address (``http://127.0.0.1:8000``, with or without
            ``/v1``): every ``url``, ``links`` and page URL of the answers is under it
            (:class:`~sync_core.adapters.rest.RestApi`); None: Twilio's.
        max_body: the largest request body accepted, in bytes.
        auth: require HTTP Basic auth with the account SID and ``sync.auth_token``.
        control_prefix: where the control routes are (``"/_sync_core"``), or None for
            none (:mod:`sync_core.adapters.control`).
        timeout_hold: how long the apps wait before answering an injected timeout, in
            seconds.

    Raises:
        ValueError: a bad ``base_url``, ``max_body``, ``control_prefix`` or
            ``timeout_hold``.
    """

    def __init__(
        self,
        sync: Sync,
        *,
        base_url: str | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        auth: bool = False,
        control_prefix: str | None = None,
        timeout_hold: float = 0.0,
    ) -> None:
        if not isinstance(sync, Sync):
            raise TypeError(f"an app serves a Sync, not {sync!r}")
        if isinstance(max_body, bool) or not isinstance(max_body, int) or max_body < 0:
            raise ValueError(f"max_body must be a number of bytes (0 or more), got {max_body!r}")
        if not isinstance(auth, bool):
            raise TypeError(f"auth must be True or False, got {auth!r}")
        if (
            isinstance(timeout_hold, bool)
            or not isinstance(timeout_hold, int | float)
            or not 0 <= timeout_hold <= 3600
        ):
            raise ValueError(f"timeout_hold must be 0 to 3600 seconds, got {timeout_hold!r}")
        self.sync = sync
        self.api = RestApi(sync, base_url=base_url)
        self.max_body = max_body
        self.auth = auth
        self.timeout_hold = float(timeout_hold)
        #: The control routes, when there are some.
        self.control: Control | None = None
        if control_prefix is not None:
            from .control import Control

            self.control = Control(sync, control_prefix)

    @property
    def base_url(self) -> str | None:
        """Where the answers say the v1 API is (``http://host:port/v1``), or None."""
        return self.api.base_url

    def close(self) -> None:
        """Stop recording events for the control routes (nothing else to release)."""
        if self.control is not None:
            self.control.close()

    # -- before the body

    def before_body(self, headers: Mapping[str, str]) -> Answer | None:
        """The refusal a request gets before its body is read, if any: 401 (``auth``),
        400 (a malformed ``Content-Length``) or 413 (one over ``max_body``).

        ``headers`` by lower-case name.
        """
        if self.auth and not self._authenticated(headers.get("authorization")):
            www = ("WWW-Authenticate", f'Basic realm="{REALM}"')
            refused = AUTHENTICATION_FAILED.error("no valid HTTP Basic auth")
            logger.debug("refused: %s", refused)
            # Twilio's 401 body has a "detail" too (every pasted answer shows it).
            body = {**refused.to_dict(), "detail": AUTHENTICATION_DETAIL}
            return answer_json(refused.status, dict(sorted(body.items())), [www])
        length = headers.get("content-length")
        if length is not None and length.strip():
            size = length.strip()
            if not size.isdigit() or not size.isascii():
                return _refusal(PARAMETER_INVALID.error(f"Content-Length {length[:40]!r}"))
            digits = size.lstrip("0")
            if len(digits) > _MAX_LENGTH_DIGITS or int(digits or "0") > self.max_body:
                return self.too_large()  # (more digits than any body: refused unread)
        return None

    def too_large(self) -> Answer:
        """The answer to a body over ``max_body`` (413/54006)."""
        return _refusal(DATA_TOO_LARGE.error(f"the request body is over {self.max_body} bytes"))

    def cut_short(self, length: int, received: int) -> Answer:
        """The answer to a body that ended before its ``Content-Length`` (400/20001): the
        client went away half-way, and nothing of it is acted on."""
        return _refusal(
            PARAMETER_INVALID.error(
                f"the request body ended after {received} of its {length} bytes"
            )
        )

    def content_length(self, headers: Mapping[str, str]) -> int | None:
        """The body's announced length (None: unknown, read to the end); after
        :meth:`before_body` let the request through."""
        length = headers.get("content-length", "").strip().lstrip("0")
        if not length:
            return 0 if headers.get("content-length", "").strip() else None
        return int(length)

    def _authenticated(self, header: str | None) -> bool:
        """Whether ``Authorization`` is HTTP Basic with this account's credentials."""
        if header is None:
            return False
        scheme, _, encoded = header.strip().partition(" ")
        if scheme.lower() != "basic":
            return False
        import base64
        import binascii
        import hmac

        try:
            decoded = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        user, colon, password = decoded.partition(b":")
        # Both compared, in constant time, whatever the first gives. A token beyond
        # ASCII as the twilio SDK sends it: Latin-1 (requests' and aiohttp's BasicAuth
        # encoding); one Latin-1 cannot write, as UTF-8.
        right_user = hmac.compare_digest(user, self.sync.account_sid.encode())
        token = self.sync.auth_token
        try:
            expected = token.encode("latin-1")
        except UnicodeEncodeError:
            expected = token.encode("utf-8")
        right_password = hmac.compare_digest(password, expected)
        return bool(colon) and right_user and right_password

    def _allowed(self, path: bytes) -> str:
        """What the resource at ``path`` (as sent) takes, as ``Allow`` says it."""
        try:
            decoded = unquote_to_bytes(path).decode("utf-8")
        except UnicodeDecodeError:
            return ""
        if self.control is not None and self.control.owns(decoded):
            return self.control.allowed(decoded) or ""
        return self.api.allowed(quote(path, safe=_PATH_SAFE)) or ""

    # -- the answer

    def answer(
        self, method: str, path: bytes, query: bytes, headers: Mapping[str, str], body: bytes
    ) -> Answer:
        """The answer to a request whose body was read (and let through by
        :meth:`before_body`).

        Args:
            method: the HTTP method.
            path: the path after the app's mount point, percent-encoded as sent (raw
                UTF-8 bytes are taken as they are).
            query: the query string, as sent.
            headers: by lower-case name.
            body: the whole body, read as a form.
        """
        if not method.isupper():
            # Methods are case-sensitive (RFC 9110, 9.1): ``post`` is no POST. gunicorn
            # and waitress refuse it themselves; uvicorn hands it on as sent. The 405
            # names the methods the resource takes (RFC 9110, 15.5.6; none: no route).
            refused = METHOD_NOT_ALLOWED.error(f"{method[:40]!r} is no method here")
            return _refusal(refused, [("Allow", self._allowed(path))])
        try:
            decoded = unquote_to_bytes(path).decode("utf-8")
            params = parse_form(query)
        except UnicodeDecodeError as error:
            return _refusal(PARAMETER_INVALID.error(f"not UTF-8: {error}"))
        if self.control is not None and self.control.owns(decoded):
            return self.control.handle(method, decoded, params, body)  # its body as it is
        try:
            form = parse_form(body)
        except UnicodeDecodeError as error:
            return _refusal(PARAMETER_INVALID.error(f"not UTF-8: {error}"))
        url = quote(path, safe=_PATH_SAFE)
        try:
            answer = self.api.handle(method, url, params=params, data=form, headers=headers)
        except FaultTimeout as timeout:
            logger.debug("%s %s: %s", method, url, timeout)
            held = SyncError("Gateway Timeout", code=20504, status=504)
            found = answer_json(504, held.to_dict(), [("Sync-Core-Fault", "timeout")])
            return found._replace(timed_out=True)
        if answer.body is None:
            return Answer(answer.status, list(answer.headers.items()), b"")
        data = answer.text.encode("utf-8")
        extra = [("Content-Length", str(len(data)))]
        return Answer(answer.status, [*answer.headers.items(), *extra], data)
