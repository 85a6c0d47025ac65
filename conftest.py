"""The project's root conftest: what applies whichever path a run collects.

The tiers. The plain ``python -m pytest`` runs the fast tier: every test that runs
in-process on the in-memory storage, and the doctests. It deselects the three slow tiers:

- ``integration`` (the tests in ``tests/integration``, the doctests of
  ``sync_core.bench``, and the few marked so elsewhere): they start processes or take
  seconds each (the crash test, the benchmark smoke, the plugin in a user's fresh
  pytest run, the import without twilio, real servers);
- ``sqlite``: the domain tests once more, on a SQLite file (the ``sqlite`` parameter of
  the ``sync_storage`` fixture, tests/conftest.py), the SQLite halves of the hostile-input
  and fuzz tests, and the tests of ``SqliteStorage`` itself (tests/unit/test_sqlite_storage.py);
- ``postgres``: the domain tests once more, on PostgreSQL, and the tests of
  ``PostgresStorage`` itself.

Every tier runs when ``CI`` is set (``.ci/run`` sets it) or with ``--all-tiers``. A
``-m`` expression decides alone (``-m integration`` runs that tier by itself), and so
does a command that names a path in ``tests/integration``.

The network: no test reaches beyond this machine (a connection or a name lookup
elsewhere fails at once, naming the address).
"""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path
from typing import Any

import pytest

#: The markers of the slow tiers (registered in pyproject.toml).
SLOW_TIERS = ("integration", "sqlite", "postgres")
INTEGRATION = Path(__file__).resolve().parent / "tests" / "integration"
#: Where the benchmark's doctests are (by node id): the integration tier's.
BENCH_DOCTESTS = "sync_core/bench/"
#: The hosts a test may reach: this machine only (a unix socket too).
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "::", ""})


def _is_local(host: object) -> bool:
    """Whether ``host`` is this machine: a name of it, or a loopback address written as
    one (``127.0.0.1.nip.io`` is a name another machine resolves: not this one)."""
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if host is None or host in LOCAL_HOSTS:
        return True
    if not isinstance(host, str):
        return False
    if ":" in host:  # IPv6: a scope (``%lo``) is no part of the address
        host = host.split("%", 1)[0]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ``::ffff:127.0.0.1``
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def _hosts_file() -> frozenset[str]:
    """The addresses and names /etc/hosts lists: what this machine resolves alone."""
    try:
        with open("/etc/hosts", encoding="utf-8", errors="replace") as hosts:
            lines = hosts.read().splitlines()
    except OSError:
        return frozenset()
    return frozenset(word for line in lines for word in line.split("#", 1)[0].split())


def _guard_the_network() -> None:
    """Refuse, in every test of this process, a connection or a name lookup beyond this
    machine (the standard: no network call outside 127.0.0.1): a mock that failed to
    catch a request fails the test at once, with the address, rather than reach out.
    The ``no_network`` and ``blocked_sockets`` fixtures refuse more, for one test."""
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex
    sendto, sendmsg = socket.socket.sendto, socket.socket.sendmsg
    getaddrinfo, getnameinfo = socket.getaddrinfo, socket.getnameinfo
    by_name, by_name_ex = socket.gethostbyname, socket.gethostbyname_ex
    by_address = socket.gethostbyaddr

    def checked(address: Any) -> None:
        if isinstance(address, tuple) and not _is_local(address[0]):
            raise OSError(f"the tests reach only this machine, not {address!r}")

    def guarded_connect(self: socket.socket, address: Any) -> None:
        checked(address)
        connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        checked(address)
        return connect_ex(self, address)

    def guarded_sendto(self: socket.socket, data: Any, *rest: Any) -> int:
        checked(rest[-1])  # (data, address) or (data, flags, address)
        return sendto(self, data, *rest)

    def guarded_sendmsg(self: socket.socket, buffers: Any, *rest: Any) -> int:
        if len(rest) >= 3:  # (buffers, ancillary, flags, address)
            checked(rest[2])
        return sendmsg(self, buffers, *rest)

    def looked_up(host: Any) -> None:
        if not _is_local(host):
            raise OSError(f"the tests look up only this machine, not {host!r}")

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        looked_up(host)
        return getaddrinfo(host, *args, **kwargs)

    def guarded_by_name(host: str) -> str:
        looked_up(host)
        return by_name(host)

    def guarded_by_name_ex(host: str) -> tuple[str, list[str], list[str]]:
        looked_up(host)
        return by_name_ex(host)

    listed = _hosts_file()

    def guarded_by_address(host: str) -> tuple[str, list[str], list[str]]:
        # A reverse lookup of an address /etc/hosts does not list asks DNS, whatever
        # the address (127.0.0.2, ::1): refused.
        if host not in listed:
            raise OSError(f"the tests look up only this machine's names, not {host!r}")
        return by_address(host)

    def guarded_getnameinfo(address: Any, flags: int) -> tuple[str, str]:
        checked(address)
        if isinstance(address, tuple) and address[0] not in listed:
            flags |= socket.NI_NUMERICHOST  # (a name for it would be asked of DNS)
        return getnameinfo(address, flags)

    socket.socket.connect = guarded_connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign,assignment]
    socket.socket.sendto = guarded_sendto  # type: ignore[method-assign,assignment]
    socket.socket.sendmsg = guarded_sendmsg  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = guarded_getaddrinfo
    socket.gethostbyname = guarded_by_name
    socket.gethostbyname_ex = guarded_by_name_ex
    socket.gethostbyaddr = guarded_by_address
    socket.getnameinfo = guarded_getnameinfo


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
    The doctests of ``sync_core.bench`` are marked ``integration`` first."""
    for item in items:
        if item.nodeid.startswith(BENCH_DOCTESTS):
            item.add_marker(pytest.mark.integration)
    if every_tier(config):
        return
    slow = {id(item) for item in items if any(map(item.get_closest_marker, SLOW_TIERS))}
    if slow:
        config.hook.pytest_deselected(items=[item for item in items if id(item) in slow])
        items[:] = [item for item in items if id(item) not in slow]
