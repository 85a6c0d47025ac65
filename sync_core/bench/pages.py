"""What one 100-item page costs as a Map or a List grows (the ``pages`` section).

For a Map and a List of each size, it times reading one 100-item page (the first
page, a page from the middle with ``from_``, the same in ``desc`` order, the page after
it through its token) and fetching one item. Every figure is also given as a ratio to
the same operation on the smallest collection, measured in the same run: the machines
are shared and noisy, so only ratios compare across runs. A page costs O(log n + page
size), so the ratios stay near 1 however large the collection grows.

The collections are filled through the public API, one item (of :data:`PAYLOAD`'s
100 bytes) at a time.

>>> rows = measure("map", [50, 200], repeat=3)
>>> [(row.size, row.operation) for row in rows][:2]
[(50, 'first page'), (50, 'middle page (from_)')]
>>> all(row.seconds > 0 for row in rows)
True
>>> [target.name for target in page_targets(rows)]
['map page of 100, 200 items / 50 (worst read)']
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from ..clock import ManualClock
from ..paging import Page
from ..sync import Sync
from .common import Target, payload

__all__ = ["PAGE", "PAGE_OPERATIONS", "Timing", "measure", "page_targets", "report"]

PAGE: int = 100
#: The operations of :func:`measure` that read a page (the last one fetches an item).
PAGE_OPERATIONS: tuple[str, ...] = (
    "first page",
    "middle page (from_)",
    "middle page, desc",
    "next page (token)",
)


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
            map_items.create(key=f"key-{n:08d}", data=payload(n))
        return map_items.page, lambda key: map_items(key).fetch()
    service.sync_lists.create(unique_name="bench")
    list_items = service.sync_lists("bench").sync_list_items
    for n in range(size):
        list_items.create(data=payload(n))
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


def page_targets(rows: Sequence[Timing], limit: float = 1.5) -> list[Target]:
    """Per kind: the worst page read's ratio, largest collection to smallest, at most 1.5x.

    The target is stated for 1,000,000 items against 1,000; with other sizes (as in
    ``--quick``) it is checked on the sizes measured, and the target's name says which.
    """
    targets = []
    for kind in dict.fromkeys(row.kind for row in rows):
        mine = [row for row in rows if row.kind == kind and row.operation in PAGE_OPERATIONS]
        smallest, largest = min(row.size for row in mine), max(row.size for row in mine)
        base = {row.operation: row.seconds for row in mine if row.size == smallest}
        worst = max(row.seconds / base[row.operation] for row in mine if row.size == largest)
        targets.append(
            Target(
                f"{kind} page of {PAGE}, {largest:,} items / {smallest:,} (worst read)",
                worst,
                limit,
                at_most=True,
                note=""
                if (smallest, largest) == (1000, 1_000_000)
                else "  (not the target's sizes)",
            )
        )
    return targets
