"""In-process clients of the WSGI and ASGI apps: a request in, the app's answer out.

``WsgiClient`` builds a PEP 3333 environ by hand and calls the app through
``wsgiref.validate.validator``, so that every call also checks the app's conformance;
``AsgiClient`` builds an ASGI 3 ``http`` scope and its messages and runs the app with
``asyncio.run``. Both take the same request and give the same :class:`Reply`, so the
cases of ``app_cases.py`` run against either.

A body is sent whole with its length, or in ``chunks`` with none (chunked: WSGI's
``wsgi.input_terminated``, ASGI's ``more_body``). ``declared`` announces a length without
sending a body. ``read_limit`` fails the test if the app reads more body bytes than it.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol
from urllib.parse import quote, unquote, unquote_to_bytes, urlencode
from wsgiref.validate import validator

import attrs

from sync_core.adapters.asgi import AsgiApp
from sync_core.adapters.wsgi import WsgiApp


@attrs.frozen
class Reply:
    """An answer as a client sees it: status, reason (WSGI), headers by lower-case name."""

    status: int
    reason: str | None
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class Client(Protocol):
    """What the cases call: one request, its reply. ``app`` is the app it calls."""

    app: Any

    def request(
        self,
        method: str,
        path: str | bytes,
        *,
        query: str | bytes = b"",
        form: Mapping[str, str] | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        chunks: Iterable[bytes] | None = None,
        declared: int | None = None,
        read_limit: int | None = None,
    ) -> Reply: ...


def _body(form: Mapping[str, str] | bytes | None) -> bytes:
    if form is None:
        return b""
    if isinstance(form, bytes):
        return form
    return urlencode(form, quote_via=quote).encode("ascii")


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


class _Source:
    """Body bytes handed out as asked, failing the test if read past ``limit``."""

    def __init__(self, chunks: Iterable[bytes], limit: int | None) -> None:
        self.chunks = iter(chunks)
        self.buffer = b""
        self.limit = limit
        self.read = 0

    def take(self, size: int) -> bytes:
        while len(self.buffer) < size:
            chunk = next(self.chunks, None)
            if chunk is None:
                break
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        self.count(len(data))
        return data

    def next_chunk(self) -> bytes | None:
        chunk = next(self.chunks, None)
        if chunk is not None:
            self.count(len(chunk))
        return chunk

    def count(self, size: int) -> None:
        self.read += size
        assert self.limit is None or self.read <= self.limit, f"read {self.read} bytes"


class _Input(io.RawIOBase):
    """``wsgi.input`` over a :class:`_Source`."""

    def __init__(self, source: _Source) -> None:
        self.source = source

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return self.source.take(1 << 62)
        return self.source.take(size)

    def readline(self, size: int | None = -1) -> bytes:
        raise AssertionError("the app reads lines of the body")


class WsgiClient:
    """Calls a WSGI app as a server would, through ``wsgiref.validate.validator``.

    ``raw_uri``: give the request target as sent in ``RAW_URI``, as gunicorn does
    (waitress: ``REQUEST_URI``); without it the app has only ``PATH_INFO``, decoded.
    """

    def __init__(self, app: WsgiApp, *, raw_uri: bool = True, **environ: Any) -> None:
        self.app = app
        self.validated = validator(app)
        self.raw_uri = raw_uri
        self.extra = environ  # SCRIPT_NAME... for every request

    def request(
        self,
        method: str,
        path: str | bytes,
        *,
        query: str | bytes = b"",
        form: Mapping[str, str] | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        chunks: Iterable[bytes] | None = None,
        declared: int | None = None,
        read_limit: int | None = None,
        **environ: Any,
    ) -> Reply:
        body = _body(form)
        source = _Source([body] if chunks is None else chunks, read_limit)
        # The server has decoded the path: its bytes as latin-1 (PEP 3333).
        raw = _as_bytes(path)
        env: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_bytes(raw).decode("latin-1"),
            "QUERY_STRING": _as_bytes(query).decode("latin-1"),
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": _Input(source),
            "wsgi.errors": io.StringIO(),
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        if self.raw_uri:
            target = raw + (b"?" + _as_bytes(query) if query else b"")
            env["RAW_URI"] = target.decode("latin-1")
        if chunks is None:
            env["CONTENT_LENGTH"] = str(len(body) if declared is None else declared)
        else:
            env["wsgi.input_terminated"] = True
            env["HTTP_TRANSFER_ENCODING"] = "chunked"
        for name, value in (headers or {}).items():
            key = name.upper().replace("-", "_")
            env[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
        env.update(self.extra)
        env.update(environ)
        return self.call(env)

    def call(self, environ: dict[str, Any], *, validate: bool = True) -> Reply:
        """Call the app with ``environ`` as it is (``validate=False``: not validated)."""
        seen: list[tuple[str, list[tuple[str, str]]]] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> Any:
            seen.append((status, headers))
            return lambda data: None

        app: Callable[..., Any] = self.validated if validate else self.app
        result = app(environ, start_response)
        try:
            data = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        status, headers = seen[0]
        code, _, reason = status.partition(" ")
        return Reply(int(code), reason, {k.lower(): v for k, v in headers}, data)


class AsgiClient:
    """Calls an ASGI 3 app as a server would: one ``http`` scope, its messages."""

    def __init__(self, app: AsgiApp, **scope: Any) -> None:
        self.app = app
        self.extra = scope  # root_path... for every request

    def request(
        self,
        method: str,
        path: str | bytes,
        *,
        query: str | bytes = b"",
        form: Mapping[str, str] | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        chunks: Iterable[bytes] | None = None,
        declared: int | None = None,
        read_limit: int | None = None,
        **scope: Any,
    ) -> Reply:
        body = _body(form)
        raw = _as_bytes(path)
        fields = {"content-length": str(len(body) if declared is None else declared)}
        if chunks is not None:
            fields = {"transfer-encoding": "chunked"}
        fields.update({name.lower(): value for name, value in (headers or {}).items()})
        full: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            # As uvicorn: path decoded (a bad escape replaced), raw_path as sent.
            "path": unquote(raw.decode("latin-1")),
            "raw_path": raw,
            "query_string": _as_bytes(query),
            "root_path": "",
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in fields.items()],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }
        full.update(self.extra)
        full.update(scope)
        source = _Source([body] if chunks is None else chunks, read_limit)
        return self.call(full, source, stream=chunks is not None)

    def call(self, scope: dict[str, Any], source: _Source, *, stream: bool) -> Reply:
        sent: list[dict[str, Any]] = []
        pending: list[bytes | None] = []
        if not stream:
            pending.append(source.next_chunk() or b"")

        body_read = False

        async def receive() -> dict[str, Any]:
            # As a server (ASGI 3): the body, then, once it is read, nothing until the
            # answer is sent (the client stays), then the disconnect.
            nonlocal body_read
            if body_read:
                await events["answered"].wait()
                return {"type": "http.disconnect"}
            if not stream:
                body_read = True
                return {"type": "http.request", "body": pending.pop(), "more_body": False}
            chunk = source.next_chunk()
            if chunk is None:
                body_read = True
                return {"type": "http.request", "body": b"", "more_body": False}
            return {"type": "http.request", "body": chunk, "more_body": True}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                events["answered"].set()

        async def run() -> None:
            events["answered"] = asyncio.Event()  # made in the loop it is awaited in
            await self.app(scope, receive, send)  # type: ignore[arg-type]

        events: dict[str, asyncio.Event] = {}
        asyncio.run(run())
        start, *bodies = sent
        assert start["type"] == "http.response.start", sent
        assert all(m["type"] == "http.response.body" for m in bodies), sent
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in start["headers"]}
        return Reply(start["status"], None, headers, b"".join(m.get("body", b"") for m in bodies))
