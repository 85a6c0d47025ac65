"""sync_core's REST API as a WSGI app under gunicorn, one Sync per worker (for
tests/integration/test_many_processes.py).

The app (``procs_wsgi:app``) is sync_core's WSGI app (``sync_core.adapters.wsgi``,
docs/server.md), with a header naming the worker; this module is also the
gunicorn configuration (``-c python:procs_wsgi``): its ``post_fork`` opens the storage
in each worker, after the fork, as docs/durable-storage.md says (with ``--preload``, the
module is imported in the master, which opens nothing). Set by the environment:

- ``SYNC_DB``: the SQLite file every worker opens;
- ``SYNC_CLOCK``: a file holding seconds since ``DEFAULT_START``: every worker reads the
  same clock, which the test moves by writing the file.

Each answer names the worker that gave it (``X-Worker-Pid``); a request with an
``X-Test-Delay`` header (seconds) is held that long first, so that requests sent at
once are served by several workers.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sync_core import SqliteStorage, Sync
from sync_core.adapters.wsgi import WsgiApp, make_app
from sync_core.clock import DEFAULT_START


class FileClock:
    """``DEFAULT_START`` plus the seconds written in a file: one clock for every worker."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def now(self) -> datetime:
        return DEFAULT_START + timedelta(seconds=float(self.path.read_text()))


#: This worker's app, made by ``post_fork``.
_app: WsgiApp | None = None


def post_fork(server: Any, worker: Any) -> None:
    """gunicorn's hook, in each worker just after the fork: open the storage there."""
    global _app
    storage = SqliteStorage(os.environ["SYNC_DB"], synchronous="OFF")
    _app = make_app(Sync(storage=storage, clock=FileClock(os.environ["SYNC_CLOCK"])))


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    served = _app
    assert served is not None, "post_fork opens the storage in each worker"
    delay = environ.get("HTTP_X_TEST_DELAY")
    if delay:
        time.sleep(float(delay))
    pid = ("X-Worker-Pid", str(os.getpid()))

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        return start_response(status, [*headers, pid], exc_info)

    return served(environ, start)
