"""What it costs to start a test from a shaped state (the ``state`` section).

A Sync holding ``items`` map items (100 bytes each) and as many list items, on each
storage, is timed for ``reset()``, ``snapshot()``, ``restore()``, the first write after
a restore (on memory it copies the table it writes to: copy-on-write), a fresh
``SyncFactory`` Sync, ``export_state()`` and ``import_state()``. The baseline, measured
in the same run, is what a test would do without them: build the same state again
through the API. Each figure is the median of ``repeat`` rounds, interleaved.

>>> rows = measure_snapshots(items=20, repeat=1, storages=("memory",))
>>> {"reset()", "restore()", "snapshot()"} <= {row.operation for row in rows}
True
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any, Final

import attrs

from ..clock import ManualClock
from ..storage.base import Storage
from ..storage.memory import MemoryStorage
from ..sync import Sync
from .common import milliseconds, payload, table

__all__ = ["SnapshotTiming", "measure_snapshots", "report_snapshots"]


@attrs.frozen
class SnapshotTiming:
    """The median seconds of one ``operation`` on a ``storage`` holding ``items`` items."""

    storage: str
    operation: str
    items: int
    seconds: float
    baseline: float  # building the same state through the API, same run


def _storage(name: str) -> Storage:
    if name == "memory":
        return MemoryStorage()
    from ..storage.sqlite import SqliteStorage

    return SqliteStorage(":memory:", synchronous="OFF")


def _fill(sync: Sync, items: int) -> None:
    home = sync.services("default")
    home.sync_maps.create(unique_name="bench")
    home.sync_lists.create(unique_name="queue")
    keyed = home.sync_maps("bench").sync_map_items
    queue = home.sync_lists("queue").sync_list_items
    for n in range(items):
        keyed.create(key=f"key-{n:08d}", data=payload(n))
        queue.create(data=payload(n))


def _filler(items: int) -> Callable[[Sync], None]:
    def fill(sync: Sync) -> None:
        _fill(sync, items)

    return fill


#: One timed call: made ready by its first function (untimed), done by its second.
_Workload = tuple[str, Callable[[], Any], Callable[[Any], object]]
BASELINE: Final = "build through the API (baseline)"


def _timed(prepare: Callable[[], Any], work: Callable[[Any], object]) -> float:
    subject = prepare()
    start = time.perf_counter()
    work(subject)
    return time.perf_counter() - start


def _workloads(name: str, items: int) -> list[_Workload]:
    """What is timed on the storage ``name``, the baseline first."""
    from ..testing.factory import SyncFactory

    sync = Sync(clock=ManualClock(), seed=0, storage=_storage(name))
    _fill(sync, items)
    saved = sync.snapshot()
    state = sync.export_state()
    factory = SyncFactory()
    filler = _filler(items)
    factory(setup=filler)  # built once, outside the timing

    def restored() -> Sync:
        sync.restore(saved)
        return sync

    def rebuild(_: None) -> None:
        _fill(Sync(clock=ManualClock(), seed=0, storage=_storage(name)), items)

    def write(subject: Sync) -> None:
        subject.services("default").sync_maps("bench").sync_map_items.create(key="new", data={})

    def import_anew(_: None) -> None:
        Sync(clock=ManualClock(), storage=_storage(name)).import_state(state)

    workloads: list[_Workload] = [
        (BASELINE, lambda: None, rebuild),
        ("reset()", restored, Sync.reset),
        ("snapshot()", restored, Sync.snapshot),
        ("restore()", lambda: sync, lambda subject: subject.restore(saved)),
        ("first write after restore()", restored, write),
        ("export_state()", restored, Sync.export_state),
        ("import_state() into a new Sync", lambda: None, import_anew),
    ]
    if name == "memory":
        workloads.append(
            ("SyncFactory(): a new Sync, restored", lambda: None, lambda _: factory(setup=filler))
        )
    return workloads


def measure_snapshots(
    items: int = 10_000, repeat: int = 5, storages: Sequence[str] = ("memory", "sqlite")
) -> list[SnapshotTiming]:
    """Time each operation ``repeat`` times on each storage; medians, with the baseline."""
    rows: list[SnapshotTiming] = []
    for name in storages:
        workloads = _workloads(name, items)
        times: dict[str, list[float]] = {label: [] for label, _, _ in workloads}
        for _ in range(repeat):
            gc.collect()  # once a round: a collection costs more than most of the calls
            for label, prepare, work in workloads:
                times[label].append(_timed(prepare, work))
        medians = {label: statistics.median(spent) for label, spent in times.items()}
        rows += [
            SnapshotTiming(name, label, items, seconds, medians[BASELINE])
            for label, seconds in medians.items()
        ]
    return rows


def report_snapshots(rows: Sequence[SnapshotTiming]) -> str:
    """A table: storage, operation, median time, and how many times the baseline's."""
    return table(
        ["storage", "operation", "median", "times faster than building it"],
        [
            [
                row.storage,
                row.operation,
                milliseconds(row.seconds * 1e3),
                f"{row.baseline / row.seconds:,.1f}x",
            ]
            for row in rows
        ],
    )
