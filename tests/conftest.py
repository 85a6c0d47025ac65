"""Shared test setup: the tiers, the Hypothesis profiles, and the fixtures.

The tiers. The plain ``python -m pytest`` runs the fast tier: every test that runs
in-process on the in-memory storage, and the doctests. It deselects the two slow tiers:

- ``integration`` (the tests in ``tests/integration``, and the few marked so elsewhere):
  they start processes or take seconds each (the crash test, the benchmark smoke, the
  plugin in a user's fresh pytest run, the import without twilio, real servers);
- ``sqlite``: the domain tests once more, on a SQLite file (the ``sqlite`` parameter of
  the ``sync_storage`` fixture below).

Every tier runs when ``CI`` is set (``.ci/run`` sets it) or with ``--all-tiers``. A
``-m`` expression decides alone (``-m integration`` runs that tier by itself), and so
does a command that names a path in ``tests/integration``.

Hypothesis runs a fast profile by default and a thorough one when ``CI`` is set
(``--hypothesis-profile=thorough`` asks for it locally).

The ``sync``, ``sync_clock`` and ``twilio_client`` fixtures come from sync_core's own
pytest plugin (``sync_core.testing.plugin``, installed as an entry point); the project's
tests use them as every user would, with their own seed and the shorter name ``clock``.
``home`` and ``box`` give the tests of one kind of object a fresh service (tests/kinds.py;
the test module says which ``kind``).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from kinds import Home, Kind, home_of

from sync_core import ManualClock, MemoryStorage, SqliteStorage, Storage, Sync

#: Apps the tests import under mock_twilio (they build a twilio Client at import time).
collect_ignore = ["apps"]

#: The markers of the slow tiers (registered in pyproject.toml).
SLOW_TIERS = ("integration", "sqlite")
INTEGRATION = Path(__file__).resolve().parent / "integration"

settings.register_profile("fast", max_examples=30, deadline=None)
settings.register_profile(
    "thorough",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("thorough" if os.environ.get("CI") else "fast")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--all-tiers",
        action="store_true",
        default=False,
        help="run the slow tiers (integration, sqlite) too, as CI=true does",
    )


def every_tier(config: pytest.Config) -> bool:
    """Whether this run keeps the slow tiers (see the module's docstring)."""
    if os.environ.get("CI") or config.getoption("--all-tiers") or config.getoption("markexpr"):
        return True
    if config.args_source is not pytest.Config.ArgsSource.ARGS:
        return False
    here = config.invocation_params.dir
    named = ((here / arg.split("::")[0]).resolve() for arg in config.args)
    return any(path == INTEGRATION or INTEGRATION in path.parents for path in named)


def pytest_report_header(config: pytest.Config) -> str:
    if every_tier(config):
        return "tiers: every tier asked for (CI, --all-tiers, -m or tests/integration)"
    return "tiers: fast only; the slow tiers (integration, sqlite) run with CI=true or --all-tiers"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The plain command deselects the slow tiers (they are not skipped: not run at all)."""
    if every_tier(config):
        return
    slow = {id(item) for item in items if any(map(item.get_closest_marker, SLOW_TIERS))}
    if slow:
        config.hook.pytest_deselected(items=[item for item in items if id(item) in slow])
        items[:] = [item for item in items if id(item) not in slow]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection, or to look a name up, fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network call attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture
def sync_seed() -> int:
    """The project's tests seed their SIDs with 1234 (the plugin's default is 0)."""
    return 1234


@pytest.fixture(params=["memory", pytest.param("sqlite", marks=pytest.mark.sqlite)])
def sync_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """The domain tests run on both storages: in memory, and (the sqlite tier) in a file."""
    if request.param == "memory":
        return MemoryStorage()
    # synchronous=OFF: the tests need no fsync (tests/integration/test_crash_safety.py does).
    return SqliteStorage(tmp_path / "sync.db", synchronous="OFF")


@pytest.fixture
def clock(sync_clock: ManualClock) -> ManualClock:
    """The plugin's manual clock (the one ``sync`` runs on), at 2025-01-01T00:00:00Z."""
    return sync_clock


@pytest.fixture
def home(sync: Sync, clock: ManualClock, kind: Kind) -> Home:
    """A fresh service, for the objects of ``kind`` (a fixture of the test module)."""
    return home_of(sync, clock, kind)


@pytest.fixture
def box(home: Home) -> Home:
    """``home`` with an object of ``kind`` named ``box`` in it."""
    home.objects.create(unique_name="box")
    return home


@pytest.fixture
def service_sid(sync: Sync) -> str:
    """A fresh service of ``sync`` (for the twilio SDK tests)."""
    return sync.services.create(friendly_name="sdk").sid


@pytest.fixture
def svc(client: Any, service_sid: str) -> Any:
    """The SDK's context of ``service_sid``; the test module provides the SDK ``client``."""
    return client.sync.v1.services(service_sid)
