"""``python -m sync_core.bench``: what a page costs as a collection grows, and on SQLite.

Two sections, both run by default (``--pages`` or ``--storages`` runs one alone;
``--quick`` makes a smoke run of a few seconds).

Pages: for a Map and a List of each size, it times reading one 100-item page (the
first page, a page from the middle with ``from_``, the page after that through its
token, in both orders) and fetching one item. Every figure is also given as a ratio to
the same operation on the smallest collection, measured in the same run: the machines
are shared and noisy, so only ratios compare across runs. A page costs O(log n + page
size), so the ratios stay near 1 however large the collection grows.

Storages: on a Map of ``--items`` items in :class:`~sync_core.storage.MemoryStorage`
(the baseline) and in :class:`~sync_core.storage.SqliteStorage` files with
``synchronous="NORMAL"`` and ``"FULL"``, it times a map item create, update and fetch
and one 100-item page, each also given as a ratio to in-memory in the same run.

Filling the collections goes through the public API (about 50 µs an item: a
1,000,000-item collection takes a minute or so to fill, and some hundreds of MiB).

>>> rows = measure("map", [50, 200], repeat=3)
>>> [(row.size, row.operation) for row in rows][:2]
[(50, 'first page'), (50, 'middle page (from_)')]
>>> all(row.seconds > 0 for row in rows)
True
>>> timings = measure_storages(items=150, repeat=2)
>>> sorted({row.storage for row in timings}) == sorted(STORAGES)
True
>>> [row.operation for row in timings if row.storage == "memory"]
['create', 'update', 'fetch', 'page of 100']
>>> all(row.seconds > 0 for row in timings)
True
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import itertools
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from .clock import ManualClock
from .paging import Page
from .storage import MemoryStorage, SqliteStorage, Storage
from .sync import Sync

__all__ = ["STORAGES", "StorageTiming", "Timing", "main", "measure", "measure_storages"]

PAGE: int = 100
#: The storages that ``measure_storages`` compares; the first is the baseline.
STORAGES: tuple[str, ...] = ("memory", "sqlite NORMAL", "sqlite FULL")


@attrs.frozen
class Timing:
    """The median time of one operation on a collection of ``size`` items."""

    kind: str
    size: int
    operation: str
    seconds: float


def _filled(kind: str, size: int) -> tuple[Callable[..., Page[Any]], Callable[[object], object]]:
    """A Map or List of ``size`` items; its ``page`` method and a way to fetch one item."""
    sync = Sync(clock=ManualClock(), seed=0)
    service = sync.services("default")
    if kind == "map":
        service.sync_maps.create(unique_name="bench")
        map_items = service.sync_maps("bench").sync_map_items
        for n in range(size):
            map_items.create(key=f"key-{n:08d}", data={"n": n, "name": f"item {n}"})
        return map_items.page, lambda key: map_items(key).fetch()
    service.sync_lists.create(unique_name="bench")
    list_items = service.sync_lists("bench").sync_list_items
    for n in range(size):
        list_items.create(data={"n": n, "name": f"item {n}"})
    return list_items.page, lambda index: list_items(index).fetch()


def _operations(
    page: Callable[..., Page[Any]], fetch: Callable[[object], object], middle: object
) -> list[tuple[str, Callable[[], object]]]:
    token = page(page_size=PAGE, from_=middle).next_page_token
    return [
        ("first page", lambda: page(page_size=PAGE)),
        ("middle page (from_)", lambda: page(page_size=PAGE, from_=middle)),
        ("middle page, desc", lambda: page(page_size=PAGE, from_=middle, order="desc")),
        ("next page (token)", lambda: page(page_token=token, from_=middle)),
        ("fetch one item", lambda: fetch(middle)),
    ]


def measure(kind: str, sizes: Sequence[int], repeat: int = 50) -> list[Timing]:
    """Time the page and fetch operations on a ``kind`` ("map" or "list") of each size.

    All the collections are filled first; then each round times every operation once
    on every size in turn, so that a slow spell of a shared machine weighs on all sizes
    alike. Each operation runs once untimed first, so that caches are warm.
    """
    workloads = []
    for size in sizes:
        page, fetch = _filled(kind, size)
        middle: object = f"key-{size // 2:08d}" if kind == "map" else size // 2
        workloads.append((size, _operations(page, fetch, middle)))
    gc.collect()
    times: dict[tuple[int, str], list[float]] = {}
    for round_number in range(repeat + 1):
        for size, operations in workloads:
            for name, work in operations:
                start = time.perf_counter()
                work()
                if round_number:  # round 0 only warms up
                    times.setdefault((size, name), []).append(time.perf_counter() - start)
    return [
        Timing(kind, size, name, statistics.median(times[(size, name)]))
        for size, operations in workloads
        for name, _ in operations
    ]


def report(rows: Sequence[Timing]) -> str:
    """A table of the timings, each with its ratio to the smallest collection's."""
    smallest = min(row.size for row in rows)
    base = {(r.kind, r.operation): r.seconds for r in rows if r.size == smallest}
    lines = [
        f"{'kind':<5} {'items':>10}  {'operation':<22} {'median':>10}  ratio to {smallest:,}",
    ]
    for row in rows:
        ratio = row.seconds / base[(row.kind, row.operation)]
        lines.append(
            f"{row.kind:<5} {row.size:>10,}  {row.operation:<22} "
            f"{row.seconds * 1e6:>8.0f}µs  {ratio:>6.2f}x"
        )
    return "\n".join(lines)


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
            map_items.create(key=f"key-{n:08d}", data={"n": n, "name": f"item {n}"})
    middle = f"key-{items // 2:08d}"
    fresh = itertools.count()
    return [
        ("create", lambda: map_items.create(key=f"new-{next(fresh):08d}", data={"n": 0})),
        ("update", lambda: map_items(middle).update(data={"n": next(fresh), "name": "new"})),
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


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(
        prog="python -m sync_core.bench",
        description="What a page costs as a collection grows, and SQLite against in-memory.",
    )
    sections = parser.add_mutually_exclusive_group()
    sections.add_argument("--pages", action="store_true", help="only the page cost by size")
    sections.add_argument(
        "--storages", action="store_true", help="only SQLite (NORMAL, FULL) against in-memory"
    )
    parser.add_argument(
        "--sizes",
        help="collection sizes, comma-separated (default 1000,1000000; quick: 1000,10000)",
    )
    parser.add_argument("--kinds", default="map,list", help="map, list or both")
    parser.add_argument(
        "--items", type=int, help="items in the Map of the storages (default 10000; quick: 1000)"
    )
    parser.add_argument(
        "--dir", help="where the SQLite files go (default: the system temporary directory)"
    )
    parser.add_argument("--repeat", type=int, help="timings per operation (default 50; quick: 5)")
    parser.add_argument(
        "--quick", action="store_true", help="small collections, few rounds: a smoke run"
    )
    args = parser.parse_args(argv)
    repeat = args.repeat if args.repeat is not None else 5 if args.quick else 50
    if not args.storages:
        sizes_text = args.sizes or ("1000,10000" if args.quick else "1000,1000000")
        sizes = [int(size) for size in sizes_text.split(",")]
        rows: list[Timing] = []
        for kind in args.kinds.split(","):
            rows += measure(kind, sizes, repeat=repeat)
        print(f"One page of {PAGE} items, median of {repeat} runs each")
        print(report(rows))
    if not args.pages:
        items = args.items if args.items is not None else 1000 if args.quick else 10_000
        timings = measure_storages(items, repeat=repeat, directory=args.dir)
        if not args.storages:
            print()
        print(f"SQLite against in-memory, a Map of {items:,} items, median of {repeat} runs each")
        print(report_storages(timings))


if __name__ == "__main__":
    main()
