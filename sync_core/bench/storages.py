"""SQLite and PostgreSQL against in-memory, for a map item create, update, fetch and page,
and many processes writing at once (``storages``).

On a Map of ``items`` items in :class:`~sync_core.storage.MemoryStorage` (the baseline),
in :class:`~sync_core.storage.SqliteStorage` files with ``synchronous="NORMAL"`` and
``"FULL"``, and in a :class:`~sync_core.storage.PostgresStorage` schema, it times a map
item create, update and fetch and one 100-item page, each also given as a ratio to
in-memory in the same run. PostgreSQL is measured when a server is given
(``postgres_dsn``; ``python -m sync_core.bench`` starts one with pgserver in a temporary
directory when none is named with ``--postgres-dsn``); its rows read "skipped" without.

>>> timings = measure_storages(items=150, repeat=2)
>>> sorted({row.storage for row in timings}) == sorted(STORAGES)
True
>>> [row.operation for row in timings if row.storage == "memory"]
['create', 'update', 'fetch', 'page of 100']
>>> all(row.seconds > 0 for row in timings if row.storage != "postgres")
True
>>> {row.seconds for row in timings if row.storage == "postgres"}  # no server given
{None}

:func:`measure_processes` counts map item updates per second with 1, 2 and 4 processes
writing at once, to different Maps or all to one item, on a SQLite file and on
PostgreSQL: what serializing every operation (one write lock, one locked row) costs
when processes share the store.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import multiprocessing
import os
import shutil
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import attrs

from ..clock import ManualClock
from ..storage import MemoryStorage, SqliteStorage, Storage
from ..sync import Sync
from .common import PAYLOAD, payload, table
from .pages import PAGE

__all__ = [
    "PROCESS_COUNTS",
    "PROCESS_STORAGES",
    "STORAGES",
    "ProcessesTiming",
    "StorageTiming",
    "measure_processes",
    "measure_storages",
    "postgres_server",
    "report_processes",
    "report_storages",
]

#: The storages that ``measure_storages`` compares; the first is the baseline.
STORAGES: tuple[str, ...] = ("memory", "sqlite NORMAL", "sqlite FULL", "postgres")
#: The storages that ``measure_processes`` shares between processes.
PROCESS_STORAGES: tuple[str, ...] = ("sqlite NORMAL", "postgres")
#: How many processes write at once, in turn.
PROCESS_COUNTS: tuple[int, ...] = (1, 2, 4)
#: Why PostgreSQL is skipped when psycopg or pgserver is missing.
POSTGRES_MISSING = (
    "psycopg 3 and pgserver are not installed (pip install 'sync_core[postgres]' pgserver, "
    "or name a server with --postgres-dsn)"
)
#: Schemas made by this process's runs (dropped by each run).
_schemas = itertools.count()


@attrs.frozen
class StorageTiming:
    """The median time of one operation on a Map of ``items`` items in one storage
    (None: the storage was skipped)."""

    storage: str
    items: int
    operation: str
    seconds: float | None


@contextlib.contextmanager
def postgres_server(dsn: str | None = None) -> Iterator[tuple[str | None, str]]:
    """``(dsn, "")`` of a PostgreSQL server to measure: ``dsn`` itself when given, else
    one that pgserver starts in a temporary directory (unix socket only) and stops and
    removes afterwards; ``(None, why)`` when psycopg or pgserver is missing."""
    try:
        import psycopg  # noqa: F401  # only whether it is there
    except ImportError:
        yield None, POSTGRES_MISSING
        return
    if dsn is not None:
        yield dsn, ""
        return
    try:
        with warnings.catch_warnings():  # platformdirs, on a machine without XDG dirs
            warnings.simplefilter("ignore", UserWarning)
            from pgserver.postgres_server import get_server
    except ImportError:
        yield None, POSTGRES_MISSING
        return
    directory = tempfile.mkdtemp(prefix="sync_core-bench-pg-")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            server = get_server(directory, cleanup_mode="stop")
        try:
            yield server.get_uri(), ""
        finally:
            server.cleanup()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _new_schema() -> str:
    return f"bench_{os.getpid()}_{next(_schemas)}"


def _drop_schema(dsn: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _open(name: str, where: str, postgres_dsn: str | None) -> Storage:
    """A storage of one of :data:`STORAGES` at ``where`` (a SQLite file, or a schema)."""
    if name == "sqlite NORMAL":
        return SqliteStorage(where, synchronous="NORMAL")
    if name == "sqlite FULL":
        return SqliteStorage(where, synchronous="FULL")
    if name == "postgres":
        from ..storage import PostgresStorage

        assert postgres_dsn is not None
        return PostgresStorage(postgres_dsn, schema=where)
    assert name == "memory", name
    return MemoryStorage()


def _storage(
    name: str, directory: str, postgres_dsn: str | None, opened: contextlib.ExitStack
) -> Storage:
    """A fresh storage of one of :data:`STORAGES`, closed (and a schema dropped) by
    ``opened``; SQLite files go in ``directory``."""
    if name == "postgres":
        assert postgres_dsn is not None
        schema = _new_schema()
        opened.callback(_drop_schema, postgres_dsn, schema)
        storage = _open(name, schema, postgres_dsn)
    else:
        file = "normal.db" if name == "sqlite NORMAL" else "full.db"
        storage = _open(name, os.path.join(directory, file), postgres_dsn)
    opened.callback(storage.close)
    return storage


def _map_operations(storage: Storage, items: int) -> list[tuple[str, Callable[[], object]]]:
    """A Map of ``items`` items in ``storage``, and the four operations timed on it.

    The filling is one storage transaction, so that it costs no commit (and no fsync)
    an item; every timed operation is its own transaction, as in use.
    """
    sync = Sync(clock=ManualClock(), storage=storage, seed=0)
    service = sync.services("default")
    service.sync_maps.create(unique_name="bench")
    map_items = service.sync_maps("bench").sync_map_items
    with storage.atomic():
        for n in range(items):
            map_items.create(key=f"key-{n:08d}", data=payload(n))
    middle = f"key-{items // 2:08d}"
    fresh = itertools.count()
    return [
        ("create", lambda: map_items.create(key=f"new-{next(fresh):08d}", data=PAYLOAD)),
        ("update", lambda: map_items(middle).update(data=PAYLOAD)),
        ("fetch", lambda: map_items(middle).fetch()),
        (f"page of {PAGE}", lambda: map_items.page(page_size=PAGE, from_=middle)),
    ]


def measure_storages(
    items: int = 10_000,
    repeat: int = 50,
    directory: str | None = None,
    postgres_dsn: str | None = None,
) -> list[StorageTiming]:
    """Time a map item create, update and fetch and one page on each of :data:`STORAGES`.

    Each storage holds a Map of ``items`` items (the SQLite ones in files of a
    temporary directory under ``directory``, or the system's, removed afterwards; the
    PostgreSQL one in a new schema of ``postgres_dsn``'s database, dropped afterwards,
    or skipped without a DSN: its rows' ``seconds`` are None). Each
    round times every operation once on every storage, starting from a different
    storage each round, so that neither a slow spell of the machine nor the storage
    timed just before weighs on one storage more than on another. Round 0 only warms
    up. The rows come operation by operation, in the order of :data:`STORAGES`.
    """
    with (
        tempfile.TemporaryDirectory(prefix="sync_core-bench-", dir=directory) as tmp,
        contextlib.ExitStack() as opened,  # closed before the directory is removed
    ):
        workloads = []
        for name in STORAGES:
            if name == "postgres" and postgres_dsn is None:
                continue
            storage = _storage(name, tmp, postgres_dsn, opened)
            workloads.append((name, _map_operations(storage, items)))
        gc.collect()
        times: dict[tuple[str, str], list[float]] = {}
        for round_number in range(repeat + 1):
            first = round_number % len(workloads)
            for name, operations in workloads[first:] + workloads[:first]:
                for operation, work in operations:
                    start = time.perf_counter()
                    work()
                    if round_number:
                        times.setdefault((name, operation), []).append(time.perf_counter() - start)
    return [
        StorageTiming(
            name,
            items,
            operation,
            statistics.median(times[(name, operation)]) if (name, operation) in times else None,
        )
        for operation, _ in workloads[0][1]
        for name in STORAGES
    ]


def report_storages(rows: Sequence[StorageTiming]) -> str:
    """A table of the timings, each with its ratio to the same operation in memory."""
    base = {row.operation: row.seconds for row in rows if row.storage == STORAGES[0]}
    lines = [f"{'storage':<14} {'operation':<12} {'median':>10}  ratio to {STORAGES[0]}"]
    for row in rows:
        baseline = base[row.operation]
        if row.seconds is None or baseline is None:
            lines.append(f"{row.storage:<14} {row.operation:<12} {'skipped':>10}")
            continue
        lines.append(
            f"{row.storage:<14} {row.operation:<12} {row.seconds * 1e6:>8.1f}µs  "
            f"{row.seconds / baseline:>6.2f}x"
        )
    return "\n".join(lines)


# -- many processes at once ---------------------------------------------------------------


@attrs.frozen
class ProcessesTiming:
    """Map item updates per second, all ``processes`` together, in one storage, each
    process updating an item of its own Map (``same_object`` False) or all one item
    (True); None: the storage was skipped."""

    storage: str
    processes: int
    same_object: bool
    per_second: float | None


def _writer(
    name: str, where: str, postgres_dsn: str | None, number: int, commands: Any, answers: Any
) -> None:
    """A writing process: opens the store, then for each ``(at, seconds, same)`` command
    updates its item (or the shared one) from wall-clock ``at`` for ``seconds``, and
    answers how many updates it made; stops at ``None``."""
    storage = _open(name, where, postgres_dsn)
    try:
        sync = Sync(storage=storage)
        maps = sync.services("default").sync_maps
        own = maps(f"m{number}").sync_map_items("k")
        shared = maps("m0").sync_map_items("k")
        answers.put(("ready", number))
        while (command := commands.get()) is not None:
            at, seconds, same = command
            item = shared if same else own
            while time.time() < at:
                time.sleep(min(0.001, max(0.0, at - time.time())))
            end = at + seconds
            done = 0
            while time.time() < end:
                item.update(data=PAYLOAD)
                done += 1
            answers.put((number, done))
    finally:
        storage.close()


def _measure_one_storage(
    name: str, where: str, postgres_dsn: str | None, counts: Sequence[int], seconds: float
) -> list[ProcessesTiming]:
    context = multiprocessing.get_context("spawn")
    answers = context.Queue()
    queues = [context.Queue() for _ in range(max(counts))]
    workers = [
        context.Process(
            target=_writer,
            args=(name, where, postgres_dsn, number, queues[number], answers),
            daemon=True,
        )
        for number in range(max(counts))
    ]
    for worker in workers:
        worker.start()
    try:
        for _ in workers:
            answer = answers.get(timeout=120)
            assert answer[0] == "ready", answer
        rows = []
        for count in counts:
            for same in (False, True):
                at = time.time() + 0.05
                for number in range(count):
                    queues[number].put((at, seconds, same))
                done = sum(answers.get(timeout=120 + seconds)[1] for _ in range(count))
                rows.append(ProcessesTiming(name, count, same, done / seconds))
        return rows
    finally:
        for command_queue in queues:
            command_queue.put(None)
        for worker in workers:
            worker.join(30)
            if worker.is_alive():
                worker.kill()
                worker.join()


def measure_processes(
    seconds: float = 2.0,
    counts: Sequence[int] = PROCESS_COUNTS,
    directory: str | None = None,
    postgres_dsn: str | None = None,
) -> list[ProcessesTiming]:
    """Map item updates per second with each of ``counts`` processes writing at once, to
    different objects and to one, on each of :data:`PROCESS_STORAGES`.

    Every process (started once per storage, with ``spawn``) has its own storage and
    ``Sync`` on the shared store (a SQLite file, ``synchronous="NORMAL"``, in a
    temporary directory under ``directory``; a new schema of ``postgres_dsn``'s
    database, or skipped without a DSN), and updates, for ``seconds`` from the same
    instant as the others, an item of a Map of its own, or the one item they all share.
    """
    rows: list[ProcessesTiming] = []
    with tempfile.TemporaryDirectory(prefix="sync_core-bench-", dir=directory) as tmp:
        for name in PROCESS_STORAGES:
            if name == "postgres" and postgres_dsn is None:
                rows += [
                    ProcessesTiming(name, count, same, None)
                    for count in counts
                    for same in (False, True)
                ]
                continue
            where = _new_schema() if name == "postgres" else os.path.join(tmp, "shared.db")
            try:
                storage = _open(name, where, postgres_dsn)
                try:
                    sync = Sync(storage=storage)
                    for number in range(max(counts)):
                        made = sync.services("default").sync_maps.create(unique_name=f"m{number}")
                        sync.services("default").sync_maps(made.sid).sync_map_items.create(
                            key="k", data=PAYLOAD
                        )
                finally:
                    storage.close()
                rows += _measure_one_storage(name, where, postgres_dsn, counts, seconds)
            finally:
                if name == "postgres":
                    assert postgres_dsn is not None
                    _drop_schema(postgres_dsn, where)
    return rows


def report_processes(rows: Sequence[ProcessesTiming]) -> str:
    """A table: per storage and process count, updates per second to different objects
    and to one object, all processes together."""
    cells: dict[tuple[str, int], dict[bool, float | None]] = {}
    for row in rows:
        cells.setdefault((row.storage, row.processes), {})[row.same_object] = row.per_second

    def shown(value: float | None) -> str:
        return "skipped" if value is None else f"{value:,.0f}"

    return table(
        ["storage", "processes", "different objects", "same object"],
        [
            [storage, str(processes), shown(by[False]), shown(by[True])]
            for (storage, processes), by in cells.items()
        ],
    )
