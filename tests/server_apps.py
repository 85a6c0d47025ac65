"""The apps ``tests/integration/test_servers.py`` runs under real servers.

A server imports this module and calls a factory (``gunicorn 'server_apps:wsgi()'``,
``waitress-serve --call server_apps:wsgi``, ``uvicorn --factory server_apps:asgi``):
each builds a fresh Sync on a manual clock and sync_core's app over it, configured by
environment variables, as a user's own module would be:

- ``SYNC_CORE_BASE_URL``: the app's ``base_url`` (the server's address);
- ``SYNC_CORE_CONTROL_PREFIX``: its ``control_prefix``;
- ``SYNC_CORE_AUTH``: ``1`` for ``auth=True``.
"""

from __future__ import annotations

import os
from typing import Any

from sync_core import ManualClock, Sync
from sync_core.adapters import asgi as asgi_adapter
from sync_core.adapters import wsgi as wsgi_adapter


def options() -> dict[str, Any]:
    """``make_app``'s options, from the environment."""
    return {
        "base_url": os.environ.get("SYNC_CORE_BASE_URL") or None,
        "control_prefix": os.environ.get("SYNC_CORE_CONTROL_PREFIX") or None,
        "auth": os.environ.get("SYNC_CORE_AUTH") == "1",
    }


def wsgi() -> wsgi_adapter.WsgiApp:
    """The WSGI app over a fresh Sync."""
    return wsgi_adapter.make_app(Sync(clock=ManualClock(), seed=1), **options())


def asgi() -> asgi_adapter.AsgiApp:
    """The ASGI app over a fresh Sync."""
    return asgi_adapter.make_app(Sync(clock=ManualClock(), seed=1), **options())
