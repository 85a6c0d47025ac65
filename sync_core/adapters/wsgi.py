"""A WSGI app (PEP 3333) that is Twilio Sync's REST API: ``make_app(sync)``.

Any WSGI server runs it (gunicorn, waitress, mod_wsgi, ``wsgiref``); sync_core itself
opens no socket. Everything but the I/O is :class:`~sync_core.adapters.http.HttpCore`'s,
shared with the ASGI app (:mod:`sync_core.adapters.asgi`); docs/server.md has the
commands and every option.

What this module adds is reading the request the way PEP 3333 gives it:

- the path after the mount point (``SCRIPT_NAME``), percent-encoded as the client sent
  it when the server says how (``RAW_URI``: gunicorn; ``REQUEST_URI``: waitress,
  uWSGI), so that ``%2F`` stays inside a key; else ``PATH_INFO``, which the server
  decoded;
- the body: ``CONTENT_LENGTH`` bytes, or without it, when the server marks its input
  as ending (``wsgi.input_terminated``, or ``Transfer-Encoding: chunked``), to its end,
  in blocks, stopping once past ``max_body`` (413, the rest never read);
- the status line with its reason phrase (``201 Created``), and ``Content-Length``.

>>> import io, json
>>> from wsgiref.util import setup_testing_defaults
>>> from wsgiref.validate import validator
>>> from sync_core import Sync
>>> app = validator(make_app(Sync(seed=1), base_url="http://127.0.0.1:8000"))
>>> form = b"FriendlyName=chat"
>>> environ = {"REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": "/v1/Services",
...            "QUERY_STRING": "", "CONTENT_LENGTH": str(len(form)),
...            "wsgi.input": io.BytesIO(form)}
>>> setup_testing_defaults(environ)
>>> seen = []
>>> result = app(environ, lambda status, headers: seen.append(status))
>>> body = b"".join(result)
>>> result.close()  # as a server does (the validator checks it)
>>> seen, json.loads(body)["url"].startswith("http://127.0.0.1:8000/v1/Services/IS")
(['201 Created'], True)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, Final
from urllib.parse import quote, unquote_to_bytes

from ..sync import Sync
from .http import DEFAULT_MAX_BODY, Answer, HttpCore, ServedApp, origin_form, strip_mount

__all__ = ["WsgiApp", "make_app"]

StartResponse = Callable[..., Any]
#: How much of a body of unknown length is read at a time.
_BLOCK: Final = 65_536


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    """The request's headers by lower-case name (``HTTP_IF_MATCH`` -> ``if-match``)."""
    headers = {
        key[5:].replace("_", "-").lower(): value
        for key, value in environ.items()
        if key.startswith("HTTP_") and isinstance(value, str)
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        value = environ.get(key)
        if value:
            headers[key.replace("_", "-").lower()] = value
    return headers


def request_path(environ: dict[str, Any]) -> bytes:
    """The path after the mount point, percent-encoded.

    As sent (``RAW_URI`` or ``REQUEST_URI``) when that agrees with ``SCRIPT_NAME`` and
    ``PATH_INFO``; else ``PATH_INFO`` encoded again.

    >>> request_path({"PATH_INFO": "/v1/x/a/b", "RAW_URI": "/v1/x/a%2Fb?q=1"})
    b'/v1/x/a%2Fb'
    >>> request_path({"PATH_INFO": "/v1/x/caf\\xc3\\xa9"})
    b'/v1/x/caf%C3%A9'

    A server that drops a path's extra leading slashes from ``PATH_INFO`` (waitress)
    does not make ``//v1/...`` (a path naming no host: 404) into ``/v1/...``:

    >>> request_path({"PATH_INFO": "/v1/x/a/b", "REQUEST_URI": "//v1/x/a%2Fb"})
    b'//v1/x/a%2Fb'
    """
    info = environ.get("PATH_INFO", "").encode("latin-1")
    sent = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if isinstance(sent, str) and sent:
        try:
            raw = sent.encode("latin-1")
        except UnicodeEncodeError:
            raw = b""
        raw = origin_form(raw)
        rest = strip_mount(raw, environ.get("SCRIPT_NAME", "").encode("latin-1"))
        if rest is not None:
            decoded = unquote_to_bytes(rest)
            if decoded == info or (
                rest.startswith(b"//") and decoded.lstrip(b"/") == info.lstrip(b"/")
            ):
                return rest
    return quote(info, safe="/").encode("ascii")


class WsgiApp(ServedApp):
    """The WSGI app: call it as a server does. ``core`` is its :class:`HttpCore`."""

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        answer = self._answer(environ)
        if answer.timed_out and self.core.timeout_hold:
            time.sleep(self.core.timeout_hold)
        start_response(answer.status_line, answer.headers)
        if environ.get("REQUEST_METHOD") == "HEAD":  # a HEAD answer carries no body (RFC 9110)
            return []
        return [answer.body] if answer.body else []

    def _answer(self, environ: dict[str, Any]) -> Answer:
        core = self.core
        headers = _headers(environ)
        refused = core.before_body(headers)
        if refused is not None:
            return refused
        body = self._body(environ, headers)
        if isinstance(body, Answer):
            return body
        return core.answer(
            str(environ.get("REQUEST_METHOD", "GET")),
            request_path(environ),
            environ.get("QUERY_STRING", "").encode("latin-1"),
            headers,
            body,
        )

    def _body(self, environ: dict[str, Any], headers: dict[str, str]) -> bytes | Answer:
        """The whole body, or the refusal of it: 413 when it is over ``max_body`` (the
        rest unread), 400 when it ends before its ``Content-Length`` (a client that went
        away half-way: gunicorn gives what came, and nothing of it is acted on)."""
        stream = environ["wsgi.input"]
        length = self.core.content_length(headers)
        if length is not None:
            if not length:
                return b""
            body: bytes = stream.read(length)
            while len(body) < length:  # a short read: more may come, or the end
                more = stream.read(length - len(body))
                if not more:
                    return self.core.cut_short(length, len(body))
                body += more
            return body
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        if not (chunked or environ.get("wsgi.input_terminated")):
            return b""  # no length, and an input that may never end: no body
        limit = self.core.max_body
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = stream.read(min(_BLOCK, limit + 1 - size))
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > limit:
                return self.core.too_large()
            chunks.append(chunk)


def make_app(
    sync: Sync,
    *,
    base_url: str | None = None,
    max_body: int = DEFAULT_MAX_BODY,
    auth: bool = False,
    control_prefix: str | None = None,
    timeout_hold: float = 0.0,
) -> WsgiApp:
    """A WSGI app answering Twilio Sync's REST API with ``sync``.

    Args:
        sync: the Sync that answers (its state, clock, faults, journal).
        base_url: the server's own address (``http://127.0.0.1:8000``, ``/v1`` or
            not): every ``url``, ``links`` and page URL of the answers is under it,
            so a client following ``next_page_url`` stays on the server. None (the
            default): Twilio's, ``https://sync.twilio.com/v1``.
        max_body: the largest request body, in bytes (1 MiB); a larger one is 413.
        auth: require HTTP Basic auth: the account SID and ``sync.auth_token``
            (401/20003 otherwise).
        control_prefix: serve the control routes under it (``"/_sync_core"``;
            :mod:`sync_core.adapters.control`); None (the default): none.
        timeout_hold: seconds to wait before answering an injected timeout (504).

    Raises:
        ValueError: a bad option (:class:`~sync_core.adapters.http.HttpCore`).
    """
    return WsgiApp(
        HttpCore(
            sync,
            base_url=base_url,
            max_body=max_body,
            auth=auth,
            control_prefix=control_prefix,
            timeout_hold=timeout_hold,
        )
    )
