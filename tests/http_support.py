"""A real HTTP server on 127.0.0.1 in front of a Sync, and twilio clients that reach it.

``serving(sync)`` runs the standard library's WSGI server in a thread, on a free port of
127.0.0.1 only, answering every request with sync_core's WSGI app over ``sync``
(``sync_core.adapters.wsgi.make_app``; ``rebase=True`` gives it the server's address as
its ``base_url``), and always stops it. ``LocalHttpClient`` and ``AsyncLocalHttpClient``
are twilio's own HTTP clients (``requests`` and ``aiohttp`` on a real socket) whose every
request goes to that server instead of sync.twilio.com: what the SDK sends, as
``requests`` puts it on the wire. A URL already on the server (a ``next_page_url`` of a
rebased app) goes as it is; any other is a test failure. ``sent`` lists every URL they
requested, ``asked`` every URL the SDK asked for (before any rewriting).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.http_client import TwilioHttpClient

from sync_core import Sync
from sync_core.adapters.wsgi import make_app

#: Where the SDK sends Sync requests; the local clients send them to the server instead.
TWILIO = "https://sync.twilio.com"


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output clean."""


@contextmanager
def serving(sync: Sync, *, rebase: bool = False, **options: Any) -> Iterator[str]:
    """Serve ``sync`` over HTTP on 127.0.0.1; yields the server's base URL.

    ``options`` are ``make_app``'s; ``rebase`` makes the server's URL its ``base_url``.
    """
    server: WSGIServer = make_server("127.0.0.1", 0, make_app(sync), handler_class=_Quiet)
    base = f"http://127.0.0.1:{server.server_port}"
    server.set_app(make_app(sync, base_url=base if rebase else None, **options))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def _local(base: str, url: str) -> str:
    """``url`` on the local server at ``base``: Twilio's host replaced, or already there."""
    if url.startswith(base + "/"):
        return url
    assert url.startswith(TWILIO + "/"), url
    return base + url[len(TWILIO) :]


class LocalHttpClient(TwilioHttpClient):  # type: ignore[misc]  # twilio is untyped
    """twilio's own ``requests`` client, sending Sync requests to a local server."""

    def __init__(self, base: str) -> None:
        super().__init__(pool_connections=True, timeout=10)
        self.base = base
        self.asked: list[str] = []
        self.sent: list[str] = []
        self.session.trust_env = False  # no proxy from the environment: 127.0.0.1 only

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        local = _local(self.base, url)
        self.asked.append(url)
        self.sent.append(local)
        return super().request(method, local, *args, **kwargs)


class AsyncLocalHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]  # twilio is untyped
    """twilio's own ``aiohttp`` client, sending Sync requests to a local server."""

    def __init__(self, base: str) -> None:
        super().__init__(timeout=10)
        self.base = base
        self.asked: list[str] = []
        self.sent: list[str] = []

    async def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        local = _local(self.base, url)
        self.asked.append(url)
        self.sent.append(local)
        return await super().request(method, local, *args, **kwargs)
