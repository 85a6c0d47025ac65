"""The one call that sweeps ``items`` due map items (the ``expiry`` section).

Each round fills a fresh Map (in memory, a :class:`~sync_core.ManualClock`) with
``items`` items created with ``item_ttl=60``, advances the clock 61 seconds, and times
``sync.expire()``, which removes them all (checked: the Map is empty after it). The
figure is the median of the rounds, and per expired item.

>>> timing = measure_expiry(items=50, rounds=1)
>>> timing.items, timing.seconds > 0
(50, True)
"""

from __future__ import annotations

import gc
import statistics
import time

import attrs

from ..clock import ManualClock
from ..sync import Sync
from .common import payload, table

__all__ = ["ExpiryTiming", "measure_expiry", "report_expiry"]


@attrs.frozen
class ExpiryTiming:
    """The median time of one ``sync.expire()`` that removes ``items`` map items."""

    items: int
    rounds: int
    seconds: float

    @property
    def per_item(self) -> float:
        """Seconds per expired item."""
        return self.seconds / self.items


def _sweep(items: int) -> float:
    clock = ManualClock()
    sync = Sync(clock=clock, seed=0)
    service = sync.services("default")
    service.sync_maps.create(unique_name="bench")
    map_items = service.sync_maps("bench").sync_map_items
    for n in range(items):
        map_items.create(key=f"key-{n:08d}", data=payload(n), item_ttl=60)
    clock.advance(61)
    gc.collect()
    start = time.perf_counter()
    sync.expire()
    seconds = time.perf_counter() - start
    if len(map_items.page(page_size=1)):
        raise RuntimeError("sync.expire() left due items behind")
    return seconds


def measure_expiry(items: int = 100_000, rounds: int = 3) -> ExpiryTiming:
    """Fill and sweep ``rounds`` times; the median time of the sweep."""
    return ExpiryTiming(items, rounds, statistics.median(_sweep(items) for _ in range(rounds)))


def report_expiry(timing: ExpiryTiming) -> str:
    """A one-row table: the sweep's median time and its time per expired item."""
    return table(
        ["expired map items", "one sync.expire()", "µs per expired item"],
        [[f"{timing.items:,}", f"{timing.seconds * 1e3:,.1f} ms", f"{timing.per_item * 1e6:.2f}"]],
    )
