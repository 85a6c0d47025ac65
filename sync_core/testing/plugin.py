"""The pytest plugin: fixtures for testing code that talks to Twilio Sync.

Installed with sync_core (a ``pytest11`` entry point), so any test can ask for:

- ``sync``: a fresh :class:`~sync_core.Sync` on ``sync_clock``, with SIDs seeded by
  ``sync_seed``; its invariants are checked after the test.
- ``sync_clock``: the :class:`~sync_core.ManualClock` it runs on, at
  2025-01-01T00:00:00Z; ``sync_clock.advance(seconds)`` moves time (TTLs expire).
- ``sync_seed``: the seed of the SIDs (0); override the fixture to change it.
- ``sync_storage``: where ``sync`` keeps its state, a fresh
  :class:`~sync_core.MemoryStorage`; override the fixture (e.g. with a
  :class:`~sync_core.SqliteStorage` in ``tmp_path``) to run on another. It is closed
  after the test.
- ``sync_webhooks``: a :class:`~sync_core.testing.WebhookRecorder` attached to
  ``sync``: every webhook ``sync`` would send, captured as Twilio sends it (signed with
  ``sync.auth_token``), ready to deliver into your WSGI or ASGI app
  (``sync_webhooks.deliver(app)``).
- ``mock_twilio``: every ``twilio.rest.Client`` of the process, even one the code under
  test builds itself, answered by ``sync`` for Sync only
  (:func:`sync_core.testing.mock_twilio` for one test); yields ``sync``.
- ``twilio_client``: a real ``twilio.rest.Client`` whose every request is answered by
  ``sync`` (:class:`~sync_core.adapters.twilio.SyncHttpClient`); skipped when the
  ``twilio`` package is not installed. It is isolated from the machine's ``TWILIO_*``
  environment variables (those the session began with are removed for the test, the
  suite's own kept, and the client is built with explicit credentials and its own
  environment), so no setting can send it to the network.
- ``twilio_async_client``: the same, for the SDK's ``*_async`` methods
  (:class:`~sync_core.adapters.twilio.AsyncSyncHttpClient`).
- ``sync_factory``: a :class:`~sync_core.testing.SyncFactory`, session-scoped: call
  it inside a test for a fresh Sync per Hypothesis example (a function-scoped fixture
  such as ``sync`` is made once per test, not per example), from an empty state, a
  fixture file or a setup function built once.

Disable it with ``pytest -p no:sync_core``. This module needs only pytest.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, Final

import pytest

from ..clock import ManualClock
from ..storage import MemoryStorage, Storage
from ..sync import Sync
from .factory import SyncFactory
from .webhooks import WebhookRecorder

__all__ = [
    "mock_twilio",
    "sync",
    "sync_clock",
    "sync_factory",
    "sync_seed",
    "sync_storage",
    "sync_webhooks",
    "twilio_async_client",
    "twilio_client",
]


@pytest.fixture
def sync_seed() -> int:
    """The seed of the ``sync`` fixture's SIDs; override it in your conftest.py."""
    return 0


@pytest.fixture
def sync_clock() -> ManualClock:
    """The manual clock of the ``sync`` fixture, at 2025-01-01T00:00:00Z."""
    return ManualClock()


@pytest.fixture
def sync_storage() -> Iterator[Storage]:
    """Where the ``sync`` fixture keeps its state: a fresh in-memory storage, closed
    after the test."""
    storage = MemoryStorage()
    yield storage
    storage.close()


@pytest.fixture
def sync(sync_clock: ManualClock, sync_seed: int, sync_storage: Storage) -> Iterator[Sync]:
    """A fresh Sync on ``sync_clock`` and ``sync_storage``, seeded SIDs; checked after
    the test (its invariants), and its storage closed then, whatever the check finds
    (do not close it in the test: the check reads it)."""
    instance = Sync(clock=sync_clock, seed=sync_seed, storage=sync_storage)
    yield instance
    try:
        instance._check()
    finally:
        sync_storage.close()


@pytest.fixture
def sync_webhooks(sync: Sync) -> Iterator[WebhookRecorder]:
    """Every webhook ``sync`` would send, captured as Twilio sends it, to deliver.

    A :class:`~sync_core.testing.WebhookRecorder` attached to ``sync`` (its webhook
    sink) for the test: ``sync_webhooks.calls``, ``sync_webhooks.of_type(...)``,
    ``sync_webhooks.deliver(app)``.
    """
    recorder = WebhookRecorder(sync)
    yield recorder
    if sync.webhook_sink is recorder:  # the test may have detached it, or chained another
        recorder.detach()


@pytest.fixture(scope="session")
def sync_factory() -> SyncFactory:
    """Fresh Syncs from a starting state built once: one per Hypothesis example.

    ``sync_factory()`` is empty, ``sync_factory("fixtures/sync.json")`` holds a fixture
    file, ``sync_factory(setup=fn)`` what ``fn(sync)`` made; each on its own
    ManualClock with SIDs seeded 0 (``seed=`` to change).
    """
    return SyncFactory()


#: The machine's ``TWILIO_*`` settings, as the session found them (pytest loads this
#: module before any conftest): what the fixtures keep a test from. What the suite sets
#: itself (a conftest, an autouse fixture: an app's API key, say) is its own, and kept.
_MACHINE: Final = {name: value for name, value in os.environ.items() if name.startswith("TWILIO_")}


def _isolate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove, for the test, the ``TWILIO_*`` variables still holding the machine's
    values (real credentials, a region: nothing of the machine reaches the test)."""
    for name, value in list(os.environ.items()):
        if name.startswith("TWILIO_") and _MACHINE.get(name) == value:
            monkeypatch.delenv(name)


def _client(sync: Sync, monkeypatch: pytest.MonkeyPatch, asynchronous: bool) -> Any:
    """A real twilio ``Client`` answered by ``sync``, isolated from ``TWILIO_*``."""
    rest = pytest.importorskip("twilio.rest", reason="the twilio package is not installed")
    from ..adapters.twilio import AsyncSyncHttpClient, SyncHttpClient
    from .mock import _ENVIRONMENT, _innermost, _stack

    _isolate(monkeypatch)
    if _stack:  # under the suite's own block: its test credentials, for the code's Client
        block = _innermost()
        for name, value in _ENVIRONMENT.items():
            if name not in os.environ:
                monkeypatch.setenv(name, value(block.sync))
    answering = AsyncSyncHttpClient if asynchronous else SyncHttpClient
    return rest.Client(
        sync.account_sid,
        sync.auth_token,
        http_client=answering(sync),
        environment={"SYNC_CORE": "isolated"},
    )


@pytest.fixture
def twilio_client(sync: Sync, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The real twilio SDK's ``Client``, answered in-process by the ``sync`` fixture."""
    return _client(sync, monkeypatch, asynchronous=False)


@pytest.fixture
def twilio_async_client(sync: Sync, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The real twilio SDK's ``Client`` for its ``*_async`` methods, answered by ``sync``."""
    return _client(sync, monkeypatch, asynchronous=True)


@pytest.fixture
def mock_twilio(sync: Sync, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sync]:
    """Every twilio ``Client`` of the process answered by ``sync``, for Sync only.

    :func:`sync_core.testing.mock_twilio` for one test: the code under test may build
    its own ``Client``. The machine's ``TWILIO_*`` variables are removed for the test,
    the suite's own kept (an API key an autouse fixture set), and
    ``TWILIO_ACCOUNT_SID`` and ``TWILIO_AUTH_TOKEN`` set to test values when absent, as
    the block sets them; yields the ``Sync``.
    """
    pytest.importorskip("twilio.rest", reason="the twilio package is not installed")
    from .mock import _ENVIRONMENT
    from .mock import mock_twilio as block

    _isolate(monkeypatch)
    # Set through monkeypatch (not by the block alone), so that whatever else changes
    # TWILIO_* through it in the test (twilio_client, the test itself) is undone first,
    # and the machine's environment comes back last.
    for name, value in _ENVIRONMENT.items():
        if name not in os.environ:
            monkeypatch.setenv(name, value(sync))
    with block(sync) as answering:
        yield answering
