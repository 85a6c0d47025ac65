"""Shared test setup: Hypothesis profiles and the usual fixtures.

Hypothesis runs a fast profile by default and a thorough one when ``CI`` is set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from sync_core import ManualClock, Sync

settings.register_profile("fast", max_examples=30, deadline=None)
settings.register_profile(
    "thorough",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("thorough" if os.environ.get("CI") else "fast")


@pytest.fixture
def clock() -> ManualClock:
    """A manual clock at its default start, 2025-01-01T00:00:00Z."""
    return ManualClock()


@pytest.fixture
def sync(clock: ManualClock) -> Iterator[Sync]:
    """A fresh Sync on the manual clock with seeded SIDs; its invariants checked after."""
    instance = Sync(clock=clock, seed=1234)
    yield instance
    instance._check()
