"""Memory per stored map item, against a dict of JSON strings and fakeredis (``memory``).

Each store is filled with ``items`` items (keys ``key-00000000`` on, each with the
100-byte :func:`~sync_core.bench.common.payload`) in a fresh ``python`` process of its
own, so that no measurement inherits another's heap; the figure is the growth of that
process's resident set size (``/proc/self/statm``; the peak RSS where there is no
``/proc``) from just before the fill to just after it, after a garbage collection:

- ``dict of JSON strings``: ``d[key] = json.dumps(data)``, the floor;
- ``sync_core Map``: ``map_items.create(key=..., data=...)`` through the public API,
  in memory, one call per item;
- ``fakeredis hash``: ``HSET`` of the JSON texts into one hash, 1,000 fields a call
  (skipped without fakeredis).

RSS rather than tracemalloc: tracing every allocation makes filling a million items
five times slower. RSS counts whole pages, so with few items (``--quick``) the figures
are rough. The fill time per item is given too (for sync_core it is what a map item
create costs as the Map grows).

>>> use = measure_memory(2_000, stores=("dict of JSON strings",))
>>> [(row.store, row.items) for row in use]
[('dict of JSON strings', 2000)]
>>> use[0].bytes is not None and use[0].seconds is not None
True
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import subprocess
import time
from collections.abc import Sequence

import attrs

from .common import PYTHON, Target, payload, python_env, table

__all__ = ["STORES", "MemoryUse", "child", "measure_memory", "memory_targets", "report_memory"]

#: The stores compared; the first is the baseline.
STORES: tuple[str, ...] = ("dict of JSON strings", "sync_core Map", "fakeredis hash")


@attrs.frozen
class MemoryUse:
    """What ``items`` items cost one store: RSS growth in bytes and fill time in seconds.

    Both are ``None`` when the store was skipped (fakeredis not installed).
    """

    store: str
    items: int
    bytes: int | None
    seconds: float | None


def _rss() -> int:
    """This process's resident set size in bytes (its peak where there is no /proc)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux
        import resource
        import sys

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def child(store: str, items: int) -> None:
    """In a fresh process: fill ``store`` with ``items`` items; print bytes and seconds."""
    separators = (",", ":")
    if store == STORES[0]:
        target: dict[str, str] = {}

        def fill() -> None:
            for n in range(items):
                target[f"key-{n:08d}"] = json.dumps(payload(n), separators=separators)

    elif store == STORES[1]:
        from ..clock import ManualClock
        from ..sync import Sync

        service = Sync(clock=ManualClock(), seed=0).services("default")
        service.sync_maps.create(unique_name="bench")
        map_items = service.sync_maps("bench").sync_map_items
        map_items.create(key="warm", data=payload(0)).to_dict()  # first-call costs
        map_items("warm").delete()

        def fill() -> None:
            for n in range(items):
                map_items.create(key=f"key-{n:08d}", data=payload(n))

    else:
        assert store == STORES[2], store
        redis = importlib.import_module("fakeredis").FakeRedis()
        redis.hset("warm", "warm", "warm")

        def fill() -> None:
            for start in range(0, items, 1000):
                chunk = range(start, min(start + 1000, items))
                texts = {
                    f"key-{n:08d}": json.dumps(payload(n), separators=separators) for n in chunk
                }
                redis.hset("map", mapping=texts)

    gc.collect()
    before = _rss()
    start = time.perf_counter()
    fill()
    seconds = time.perf_counter() - start
    gc.collect()
    print(json.dumps({"bytes": _rss() - before, "seconds": seconds}))


def measure_memory(
    items: int = 1_000_000, stores: Sequence[str] = STORES, fakeredis: bool = True
) -> list[MemoryUse]:
    """Measure each of ``stores`` in a fresh process; fakeredis only if ``fakeredis``."""
    rows = []
    for store in stores:
        if store == STORES[2] and not fakeredis:
            rows.append(MemoryUse(store, items, None, None))
            continue
        code = f"from sync_core.bench.memory import child; child({store!r}, {items})"
        done = subprocess.run(
            [PYTHON, "-c", code], capture_output=True, text=True, env=python_env(), check=True
        )
        answer = json.loads(done.stdout)
        rows.append(MemoryUse(store, items, answer["bytes"], answer["seconds"]))
    return rows


def report_memory(rows: Sequence[MemoryUse]) -> str:
    """A table: RSS growth in MiB and per item, ratio to the first store, fill time."""
    base = rows[0].bytes
    body = []
    for row in rows:
        if row.bytes is None or row.seconds is None:
            body.append([row.store, f"{row.items:,}", "skipped", "-", "-", "-"])
            continue
        body.append(
            [
                row.store,
                f"{row.items:,}",
                f"{row.bytes / 2**20:,.1f}",
                f"{row.bytes / row.items:,.0f}",
                "-" if not base else f"{row.bytes / base:.2f}x",
                f"{row.seconds / row.items * 1e6:.1f}",
            ]
        )
    headers = ["store", "items", "MiB", "bytes/item", f"ratio to {rows[0].store}", "fill µs/item"]
    return table(headers, body)


def memory_targets(rows: Sequence[MemoryUse]) -> list[Target]:
    """The sync_core Map's memory at most 2x the dict of JSON strings'."""
    by_store = {row.store: row for row in rows}
    base, mine = by_store.get(STORES[0]), by_store.get(STORES[1])
    if base is None or mine is None or not base.bytes or mine.bytes is None:
        return []
    note = "" if mine.items == 1_000_000 else f"  ({mine.items:,} items, not 1,000,000)"
    return [
        Target(
            "memory of map items / dict of JSON strings",
            mine.bytes / base.bytes,
            2.0,
            at_most=True,
            note=note,
        )
    ]
