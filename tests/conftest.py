"""Shared test setup: the Hypothesis profiles and the fixtures (the tiers and the
network guard are the root ``conftest.py``'s: they apply whatever path a run names).

The ``sqlite`` tier runs the domain tests once more on a SQLite file (the ``sqlite``
parameter of the ``sync_storage`` fixture below); the ``postgres`` tier on PostgreSQL
(its ``postgres`` parameter), with the tests of ``PostgresStorage`` itself
(tests/integration/test_postgres_*.py). One PostgreSQL server (pgserver: its own
binaries, listening on a unix socket only, in a temporary directory) serves the whole
session, started by the first test that needs it and stopped at the end, also after a
failure; each test gets a schema of its own (``pg_schema``), dropped after it.

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


settings.register_profile("fast", max_examples=30, deadline=None)
settings.register_profile(
    "thorough",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("thorough" if os.environ.get("CI") else "fast")


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
