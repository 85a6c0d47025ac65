"""An ASGI 3 app that is Twilio Sync's REST API: ``make_app(sync)``.

Any ASGI server runs it (uvicorn, hypercorn, daphne); sync_core itself opens no
socket. Everything but the I/O is :class:`~sync_core.adapters.http.HttpCore`'s, shared
with the WSGI app (:mod:`sync_core.adapters.wsgi`); docs/server.md has the commands and
every option.

What this module adds is the ASGI protocol:

- ``http``: the path after the mount point (``root_path``) as the client sent it
  (``raw_path``, so ``%FF`` or ``%2F`` is seen as sent; ``path`` when the server gives
  no ``raw_path``), the ``query_string``, the headers, and the body read message by
  message (``more_body``), stopping once past ``max_body`` (413, the rest never read);
  a client gone before its body ends (``http.disconnect``) gets nothing;
- ``lifespan``: startup and shutdown are acknowledged (there is nothing to start);
- ``websocket``: refused (closed at the handshake): Sync's REST API has none.

The Sync is called on the event loop's thread: an answer takes microseconds on
:class:`~sync_core.MemoryStorage`. Control routes are answered in a thread
(:func:`asyncio.to_thread`): the change feed's long poll waits there. An injected timeout held ``timeout_hold`` seconds
waits with :func:`asyncio.sleep` (so that hold needs an asyncio server).

>>> import asyncio, json
>>> from sync_core import Sync
>>> app = make_app(Sync(seed=1))
>>> sent = []
>>> async def receive():
...     return {"type": "http.request", "body": b"FriendlyName=chat", "more_body": False}
>>> async def send(message):
...     sent.append(message)
>>> scope = {"type": "http", "method": "POST", "path": "/v1/Services",
...          "query_string": b"", "headers": []}
>>> asyncio.run(app(scope, receive, send))
>>> sent[0]["status"], json.loads(sent[1]["body"])["friendly_name"]
(201, 'chat')
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import quote, unquote_to_bytes

from ..sync import Sync
from .http import DEFAULT_MAX_BODY, Answer, HttpCore, ServedApp, origin_form, strip_mount

__all__ = ["AsgiApp", "make_app"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class _Gone(Exception):
    """The client disconnected before its request was read."""


def _headers(scope: Scope) -> dict[str, str]:
    """The request's headers by lower-case name; a repeated one joined with ``, ``."""
    headers: dict[str, str] = {}
    for name, value in scope.get("headers") or ():
        key = bytes(name).decode("latin-1").lower()
        text = bytes(value).decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers


def request_path(scope: Scope) -> bytes:
    """The path after the mount point (``root_path``), percent-encoded as sent.

    >>> request_path({"path": "/sync/v1/x", "raw_path": b"/sync/v1/%FF", "root_path": "/sync"})
    b'/v1/%FF'
    >>> request_path({"path": "/v1/caf\\u00e9"})
    b'/v1/caf%C3%A9'
    """
    root = scope.get("root_path") or ""
    raw = scope.get("raw_path")
    if raw is None:  # optional in the spec: the decoded path, encoded again
        path = str(scope.get("path", ""))
        if root and path.startswith(root):
            path = path[len(root) :]
        # A lone surrogate (no server sends one, the spec does not forbid it) is kept as
        # bytes that are no UTF-8, which the path's decoding refuses: 400, never a raise.
        return quote(path.encode("utf-8", "surrogatepass"), safe="/").encode("ascii")
    raw = origin_form(bytes(raw))
    if root:  # raw_path includes root_path (uvicorn), or not (older servers)
        rest = strip_mount(raw, root.encode("utf-8"))
        if rest is not None:
            return rest
    return raw


class AsgiApp(ServedApp):
    """The ASGI 3 app: call it as a server does. ``core`` is its :class:`HttpCore`."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "websocket":
            message = await receive()
            if message["type"] == "websocket.connect":
                await send({"type": "websocket.close", "code": 1008})
        else:
            raise ValueError(f"sync_core's ASGI app serves http, not {kind!r}")

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        core = self.core
        headers = _headers(scope)
        answer = core.before_body(headers)
        if answer is None:
            try:
                body = await self._body(receive)
            except _Gone:
                return
            if body is None:
                answer = core.too_large()
            else:
                path = request_path(scope)
                respond = functools.partial(
                    core.answer,
                    str(scope.get("method", "GET")),
                    path,
                    bytes(scope.get("query_string") or b""),
                    headers,
                    body,
                )
                # A control route may block (the changes long poll): in a thread, so that
                # the loop goes on answering, the writes that end the poll among them.
                if self._control(path):
                    answer = await self._in_thread(respond, receive)
                else:
                    answer = respond()
        await self._send(answer, send, head=scope.get("method") == "HEAD")

    async def _in_thread(self, respond: Callable[[], Answer], receive: Receive) -> Answer:
        """``respond()`` in a thread, told (:data:`~sync_core.adapters.control.client_gone`)
        if the client goes away meanwhile: a long poll then ends, and frees its place."""
        import threading

        from .control import client_gone

        gone = threading.Event()

        async def watch() -> None:
            # Once its body is read, a server's receive() waits for the disconnect
            # (ASGI 3); one that gives anything else says nothing of it.
            if (await receive())["type"] == "http.disconnect":
                gone.set()

        watcher = asyncio.ensure_future(watch())
        token = client_gone.set(gone)  # asyncio.to_thread runs it in this context
        try:
            return await asyncio.to_thread(respond)
        except asyncio.CancelledError:  # the request was ended (a shutdown, a timeout):
            gone.set()  # its thread cannot be, but a poll in it ends within a slice
            raise
        finally:
            client_gone.reset(token)
            watcher.cancel()

    def _control(self, path: bytes) -> bool:
        """Whether ``path`` may be a control route's (then it is answered in a thread)."""
        control = self.core.control
        return control is not None and unquote_to_bytes(path).startswith(
            control.prefix.encode("utf-8")
        )

    async def _body(self, receive: Receive) -> bytes | None:
        """The whole body, or None once it is over ``max_body`` (the rest unread)."""
        limit = self.core.max_body
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Gone
            chunk = bytes(message.get("body") or b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _send(self, answer: Answer, send: Send, head: bool = False) -> None:
        if answer.timed_out and self.core.timeout_hold:
            import asyncio

            await asyncio.sleep(self.core.timeout_hold)
        headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in answer.headers
        ]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        # A HEAD answer carries no body (RFC 9110): not every server strips it.
        await send({"type": "http.response.body", "body": b"" if head else answer.body})


def make_app(
    sync: Sync,
    *,
    base_url: str | None = None,
    max_body: int = DEFAULT_MAX_BODY,
    auth: bool = False,
    control_prefix: str | None = None,
    timeout_hold: float = 0.0,
) -> AsgiApp:
    """An ASGI 3 app answering Twilio Sync's REST API with ``sync``.

    The options are :func:`sync_core.adapters.wsgi.make_app`'s, to the letter.

    Raises:
        ValueError: a bad option (:class:`~sync_core.adapters.http.HttpCore`).
    """
    return AsgiApp(
        HttpCore(
            sync,
            base_url=base_url,
            max_body=max_body,
            auth=auth,
            control_prefix=control_prefix,
            timeout_hold=timeout_hold,
        )
    )
