"""SQLite against in-memory, for a map item create, update, fetch and page (``storages``).

On a Map of ``items`` items in :class:`~sync_core.storage.MemoryStorage` (the baseline)
and in :class:`~sync_core.storage.SqliteStorage` files with ``synchronous="NORMAL"``
and ``"FULL"``, it times a map item create, update and fetch and one 100-item page,
each also given as a ratio to in-memory in the same run.

>>> timings = measure_storages(items=150, repeat=2)
>>> sorted({row.storage for row in timings}) == sorted(STORAGES)
True
>>> [row.operation for row in timings if row.storage == "memory"]
['create', 'update', 'fetch', 'page of 100']
>>> all(row.seconds > 0 for row in timings)
True
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence

import attrs

from ..clock import ManualClock
from ..storage import MemoryStorage, SqliteStorage, Storage
from ..sync import Sync
from .common import PAYLOAD, payload
from .pages import PAGE

__all__ = ["STORAGES", "StorageTiming", "measure_storages", "report_storages"]

#: The storages that ``measure_storages`` compares; the first is the baseline.
STORAGES: tuple[str, ...] = ("memory", "sqlite NORMAL", "sqlite FULL")


@attrs.frozen
class StorageTiming:
    """The median time of one operation on a Map of ``items`` items in one storage."""

    storage: str
    items: int
    operation: str
    seconds: float


def _storage(name: str, directory: str) -> Storage:
    """A fresh storage of one of :data:`STORAGES`; SQLite files go in ``directory``."""
    if name == "sqlite NORMAL":
        return SqliteStorage(os.path.join(directory, "normal.db"), synchronous="NORMAL")
    if name == "sqlite FULL":
        return SqliteStorage(os.path.join(directory, "full.db"), synchronous="FULL")
    assert name == "memory", name
    return MemoryStorage()


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
    items: int = 10_000, repeat: int = 50, directory: str | None = None
) -> list[StorageTiming]:
    """Time a map item create, update and fetch and one page on each of :data:`STORAGES`.

    Each storage holds a Map of ``items`` items (the SQLite ones in files of a
    temporary directory under ``directory``, or the system's, removed afterwards). Each
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
            storage = _storage(name, tmp)
            opened.callback(storage.close)
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
        StorageTiming(name, items, operation, statistics.median(times[(name, operation)]))
        for operation, _ in workloads[0][1]
        for name, _ in workloads
    ]


def report_storages(rows: Sequence[StorageTiming]) -> str:
    """A table of the timings, each with its ratio to the same operation in memory."""
    base = {row.operation: row.seconds for row in rows if row.storage == STORAGES[0]}
    lines = [f"{'storage':<14} {'operation':<12} {'median':>10}  ratio to {STORAGES[0]}"]
    for row in rows:
        lines.append(
            f"{row.storage:<14} {row.operation:<12} {row.seconds * 1e6:>8.1f}µs  "
            f"{row.seconds / base[row.operation]:>6.2f}x"
        )
    return "\n".join(lines)
