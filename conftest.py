"""The project's root conftest: what applies whichever path is collected.

The doctests of ``sync_core.bench`` are the benchmark's smoke (small runs of each
section, fresh processes for ``import``): the integration tier's, marked here so that
``-m integration`` selects them, and the plain command (tests/conftest.py) deselects
them, however the run names its paths.
"""

from __future__ import annotations

import pytest

#: Where the benchmark's doctests are (by node id).
BENCH_DOCTESTS = "sync_core/bench/"


@pytest.hookimpl(tryfirst=True)  # the marks first: -m and the tiers select by them after
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.startswith(BENCH_DOCTESTS):
            item.add_marker(pytest.mark.integration)
