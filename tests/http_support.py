"""A real HTTP server on 127.0.0.1 in front of a Sync, and twilio clients that reach it.

``serving(sync)`` runs the standard library's WSGI server in a thread, on a free port of
127.0.0.1 only, answering every request with a ``RestApi`` over ``sync``, and always
stops it. ``LocalHttpClient`` and ``AsyncLocalHttpClient`` are twilio's own HTTP clients
(``requests`` and ``aiohttp`` on a real socket) whose every request goes to that server
instead of sync.twilio.com: what the SDK sends, as ``requests`` puts it on the wire.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, quote
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.http_client import TwilioHttpClient

from sync_core import Sync
from sync_core.adapters.rest import RestApi

#: Where the SDK sends Sync requests; the local clients send them to the server instead.
TWILIO = "https://sync.twilio.com"

StartResponse = Callable[[str, list[tuple[str, str]]], object]


def wsgi_app(sync: Sync) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """A WSGI app answering with a RestApi over ``sync`` (blank values kept)."""
    api = RestApi(sync)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(size).decode("utf-8") if size else ""
        # WSGI gives the path percent-decoded, as latin-1: its bytes are UTF-8.
        path = quote(environ["PATH_INFO"].encode("latin-1"), safe="/")
        headers = {"If-Match": environ["HTTP_IF_MATCH"]} if "HTTP_IF_MATCH" in environ else {}
        answer = api.handle(
            environ["REQUEST_METHOD"],
            path,
            params=dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)),
            data=dict(parse_qsl(body, keep_blank_values=True)),
            headers=headers,
        )
        reason = HTTPStatus(answer.status).phrase
        start_response(f"{answer.status} {reason}", list(answer.headers.items()))
        return [answer.text.encode("utf-8")]

    return app


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output clean."""


@contextmanager
def serving(sync: Sync) -> Iterator[str]:
    """Serve ``sync`` over HTTP on 127.0.0.1; yields the server's base URL."""
    server: WSGIServer = make_server("127.0.0.1", 0, wsgi_app(sync), handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


class LocalHttpClient(TwilioHttpClient):  # type: ignore[misc]  # twilio is untyped
    """twilio's own ``requests`` client, sending Sync requests to a local server."""

    def __init__(self, base: str) -> None:
        super().__init__(pool_connections=True, timeout=10)
        self.base = base
        self.session.trust_env = False  # no proxy from the environment: 127.0.0.1 only

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        assert url.startswith(TWILIO), url
        return super().request(method, self.base + url[len(TWILIO) :], *args, **kwargs)


class AsyncLocalHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]  # twilio is untyped
    """twilio's own ``aiohttp`` client, sending Sync requests to a local server."""

    def __init__(self, base: str) -> None:
        super().__init__(timeout=10)
        self.base = base

    async def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        assert url.startswith(TWILIO), url
        return await super().request(method, self.base + url[len(TWILIO) :], *args, **kwargs)
