"""Shared test setup: the tiers, the Hypothesis profiles, and the fixtures.

The tiers. The plain ``python -m pytest`` runs the fast tier: every test that runs
in-process on the in-memory storage, and the doctests. It deselects the three slow tiers:

- ``integration`` (the tests in ``tests/integration``, the doctests of
  ``sync_core.bench``, and the few marked so elsewhere): they start processes or take
  seconds each (the crash test, the benchmark smoke, the plugin in a user's fresh
  pytest run, the import without twilio, real servers);
- ``sqlite``: the domain tests once more, on a SQLite file (the ``sqlite`` parameter of
  the ``sync_storage`` fixture below);
- ``postgres``: the domain tests once more, on PostgreSQL (the ``postgres`` parameter of
  ``sync_storage``), and the tests of ``PostgresStorage`` itself (tests/integration/
  test_postgres_*.py). One PostgreSQL server (pgserver: its own binaries, listening on a
  unix socket only, in a temporary directory) serves the whole session, started by the
  first test that needs it and stopped at the end, also after a failure; each test gets
  a schema of its own (``pg_schema``), dropped after it.

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

import itertools
import os
import socket
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from kinds import Home, Kind, home_of

from sync_core import ManualClock, MemoryStorage, SqliteStorage, Storage, Sync

#: Apps the tests import under mock_twilio (they build a twilio Client at import time).
collect_ignore = ["apps"]

#: The markers of the slow tiers (registered in pyproject.toml).
SLOW_TIERS = ("integration", "sqlite", "postgres")
INTEGRATION = Path(__file__).resolve().parent / "integration"

settings.register_profile("fast", max_examples=30, deadline=None)
settings.register_profile(
    "thorough",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("thorough" if os.environ.get("CI") else "fast")

#: The hosts a test may reach: this machine only (a unix socket too).
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "::", ""})


def _is_local(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    return host is None or (
        isinstance(host, str) and (host in LOCAL_HOSTS or host.startswith("127."))
    )


def _guard_the_network() -> None:
    """Refuse, in every test of this process, a connection or a name lookup beyond this
    machine (the standard: no network call outside 127.0.0.1): a mock that failed to
    catch a request fails the test at once, with the address, rather than reach out.
    The ``no_network`` and ``blocked_sockets`` fixtures refuse more, for one test."""
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex
    getaddrinfo = socket.getaddrinfo

    def checked(address: Any) -> None:
        if isinstance(address, tuple) and not _is_local(address[0]):
            raise OSError(f"the tests reach only this machine, not {address!r}")

    def guarded_connect(self: socket.socket, address: Any) -> None:
        checked(address)
        connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        checked(address)
        return connect_ex(self, address)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_local(host):
            raise OSError(f"the tests look up only this machine, not {host!r}")
        return getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = guarded_connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = guarded_getaddrinfo


_guard_the_network()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--all-tiers",
        action="store_true",
        default=False,
        help="run the slow tiers (integration, sqlite, postgres) too, as CI=true does",
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
    return (
        "tiers: fast only; the slow tiers (integration, sqlite, postgres) run with CI=true "
        "or --all-tiers"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The plain command deselects the slow tiers (they are not skipped: not run at all).
    (The doctests of ``sync_core.bench`` are marked ``integration`` by the project's
    root ``conftest.py``, whichever path is collected.)"""
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
def blocked_sockets(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Any connection or name lookup fails, and is counted: nothing may leave the process
    (unlike ``no_network``, a request let through fails as the network would)."""
    tried: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        tried.append(address)
        raise OSError(f"the network is blocked in this test: {address!r}")

    def resolve(host: object, *args: object, **kwargs: object) -> list[Any]:
        tried.append(host)
        raise OSError(f"the network is blocked in this test: {host!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return tried


@pytest.fixture
def no_twilio_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No TWILIO_* variable of the machine leaks into the test (twilio's Client reads
    them)."""
    for name in list(os.environ):
        if name.startswith("TWILIO_"):
            monkeypatch.delenv(name)


@pytest.fixture
def sync_seed() -> int:
    """The project's tests seed their SIDs with 1234 (the plugin's default is 0)."""
    return 1234


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    """The DSN of the session's one PostgreSQL server (pgserver), started when first asked
    for and stopped at the end of the session (after a failure too). It listens on a
    unix socket in its directory and on no TCP address; its directory is removed."""
    import psycopg

    with warnings.catch_warnings():  # pgserver's platformdirs on a machine without XDG dirs
        warnings.simplefilter("ignore", UserWarning)
        from pgserver.postgres_server import get_server

        # Not under pytest's own temporary directory: run as root, pgserver runs PostgreSQL
        # as a user of its own, who must reach the directory (pytest's is private to root).
        server = get_server(tempfile.mkdtemp(prefix="sync_core-pg-"), cleanup_mode="delete")
    try:
        dsn = server.get_uri()
        with psycopg.connect(dsn, autocommit=True) as conn:
            row = conn.execute("SHOW listen_addresses").fetchone()
            assert row == ("",), f"the test PostgreSQL listens on TCP: {row}"
        yield dsn
    finally:
        server.cleanup()


_schemas = itertools.count()


@pytest.fixture
def pg_schema(pg_dsn: str) -> Iterator[str]:
    """A schema name no other test uses (made by the storage that opens it), dropped
    after the test with whatever is in it."""
    import psycopg

    name = f"t{os.getpid()}_{next(_schemas)}"
    yield name
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("SET lock_timeout = '10s'")  # a transaction left open fails the drop
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@pytest.fixture(
    params=[
        "memory",
        pytest.param("sqlite", marks=pytest.mark.sqlite),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
def sync_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """The domain tests run on every storage: in memory, in a SQLite file (the sqlite
    tier) and in a PostgreSQL schema (the postgres tier)."""
    if request.param == "memory":
        return MemoryStorage()
    if request.param == "postgres":
        from sync_core import PostgresStorage

        dsn: str = request.getfixturevalue("pg_dsn")
        return PostgresStorage(dsn, schema=request.getfixturevalue("pg_schema"))
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
