"""What the HTTP layer costs: the WSGI app under one server on loopback (``http``).

A map item fetch and update, sent over HTTP to :func:`sync_core.adapters.wsgi.make_app`
served on 127.0.0.1 (waitress when installed, else the standard library's
``wsgiref``), against the same requests given to
:class:`~sync_core.adapters.rest.RestApi` directly, in the same run: requests per
second each, and their ratio. The client keeps one connection open (HTTP/1.1
keep-alive, ``http.client``); the server runs in a thread of this process and is
always stopped. Nothing leaves 127.0.0.1.

>>> rows = measure_http(repeat=1, batch=5)
>>> [row.operation for row in rows]
['map item fetch', 'map item update']
>>> all(row.http > 0 and row.direct > 0 for row in rows)
True
"""

from __future__ import annotations

import contextlib
import http.client
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import attrs

from ..clock import ManualClock
from ..sync import Sync
from .common import PAYLOAD, compact, interleave, payload, rate, table

__all__ = ["HttpTiming", "measure_http", "report_http", "server_name"]

_PATH = "/v1/Services/default/Maps/bench/Items/key-00000050"


@attrs.frozen
class HttpTiming:
    """Median seconds per request of one operation over HTTP and given directly."""

    operation: str
    http: float
    direct: float


def server_name() -> str:
    """The server the section uses: waitress when installed, else wsgiref."""
    try:
        import waitress  # noqa: F401
    except ImportError:
        return "wsgiref"
    return "waitress"


@contextlib.contextmanager
def _serving(app: Any) -> Iterator[int]:
    """Serve ``app`` on 127.0.0.1 in a thread; its port. Always stopped."""
    if server_name() == "waitress":
        from waitress.server import create_server

        server: Any = create_server(app, host="127.0.0.1", port=0, threads=2)
        port = server.effective_port
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            yield port
        finally:
            server.close()
            thread.join(timeout=5)
        return
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return None

    simple = make_server("127.0.0.1", 0, app, handler_class=Quiet)
    thread = threading.Thread(target=simple.serve_forever, daemon=True)
    thread.start()
    try:
        yield simple.server_port
    finally:
        simple.shutdown()
        simple.server_close()
        thread.join(timeout=5)


def _filled() -> Sync:
    sync = Sync(clock=ManualClock(), seed=0)
    sync.services("default").sync_maps.create(unique_name="bench")
    items = sync.services("default").sync_maps("bench").sync_map_items
    for n in range(100):
        items.create(key=f"key-{n:08d}", data=payload(n))
    return sync


def measure_http(repeat: int = 20, batch: int = 50) -> list[HttpTiming]:
    """Time a map item fetch and update over HTTP and directly; medians per request."""
    from ..adapters.rest import RestApi
    from ..adapters.wsgi import make_app

    sync = _filled()
    api = RestApi(sync)
    form = urlencode({"Data": compact(PAYLOAD)})
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    with _serving(make_app(sync)) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

        def over_http(method: str, body: str | None) -> Callable[[], object]:
            def call() -> object:
                connection.request(method, _PATH, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                if response.status >= 400:
                    raise RuntimeError(f"{method} {_PATH}: {response.status} {data!r}")
                return data

            return call

        workloads = [
            ("http|map item fetch", over_http("GET", None)),
            ("direct|map item fetch", lambda: api.handle("GET", _PATH).text),
            ("http|map item update", over_http("POST", form)),
            (
                "direct|map item update",
                lambda: api.handle("POST", _PATH, data={"Data": compact(PAYLOAD)}).text,
            ),
        ]
        try:
            medians = interleave(workloads, rounds=repeat, batch=batch)
        finally:
            connection.close()
    return [
        HttpTiming(operation, medians[f"http|{operation}"], medians[f"direct|{operation}"])
        for operation in ("map item fetch", "map item update")
    ]


def report_http(rows: list[HttpTiming]) -> str:
    """A table: requests per second over HTTP and directly, and their ratio."""
    return table(
        ["operation", "over HTTP req/s", "RestApi direct req/s", "HTTP ÷ direct"],
        [
            [
                row.operation,
                f"{1 / row.http:,.0f}",
                f"{1 / row.direct:,.0f}",
                rate(row.direct, row.http),
            ]
            for row in rows
        ],
    )
