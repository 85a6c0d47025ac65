"""Shared test setup: Hypothesis profiles, and the plugin's fixtures as the project uses them.

Hypothesis runs a fast profile by default and a thorough one when ``CI`` is set. The
``sync``, ``sync_clock`` and ``twilio_client`` fixtures come from sync_core's own pytest
plugin (``sync_core.testing.plugin``, installed as an entry point); the project's tests
use them as every user would, with their own seed and the shorter name ``clock``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from sync_core import ManualClock, MemoryStorage, SqliteStorage, Storage

settings.register_profile("fast", max_examples=30, deadline=None)
settings.register_profile(
    "thorough",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("thorough" if os.environ.get("CI") else "fast")


@pytest.fixture
def sync_seed() -> int:
    """The project's tests seed their SIDs with 1234 (the plugin's default is 0)."""
    return 1234


@pytest.fixture(params=["memory", "sqlite"])
def sync_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """The domain tests run on both storages: in memory, and SQLite in a file."""
    if request.param == "memory":
        return MemoryStorage()
    # synchronous=OFF: the tests need no fsync (tests/unit/test_crash_safety.py does).
    return SqliteStorage(tmp_path / "sync.db", synchronous="OFF")


@pytest.fixture
def clock(sync_clock: ManualClock) -> ManualClock:
    """The plugin's manual clock (the one ``sync`` runs on), at 2025-01-01T00:00:00Z."""
    return sync_clock
