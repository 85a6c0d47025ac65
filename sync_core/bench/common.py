"""What every section of the benchmark shares: the payload, interleaved rounds, tables.

>>> len(compact(PAYLOAD))
100
>>> len(compact(payload(7))) == len(compact(payload(1_000_000)))
True
>>> medians = interleave([("a", lambda: None), ("b", lambda: None)], rounds=3, batch=2)
>>> sorted(medians), all(seconds > 0 for seconds in medians.values())
(['a', 'b'], True)
>>> print(table(["name", "ops/s"], [["a", "1,000"], ["bb", "20"]]))
name  ops/s
a     1,000
bb       20
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs

__all__ = [
    "PAYLOAD",
    "Target",
    "compact",
    "interleave",
    "milliseconds",
    "ops",
    "payload",
    "python_env",
    "rate",
    "report_targets",
    "table",
]


def payload(n: int) -> dict[str, Any]:
    """The data of item ``n``: 100 bytes of compact JSON whatever ``n`` (below 10**8)."""
    return {
        "id": f"item-{n:08d}",
        "name": "a bench item",
        "tags": ["red", "green", "blue"],
        "note": "all of 100 bytes",
    }


#: The data every timed write stores (the same for sync_core and the baselines).
PAYLOAD: dict[str, Any] = payload(42)


def compact(data: object) -> str:
    """``data`` as compact JSON, as the dict baseline stores it."""
    return json.dumps(data, separators=(",", ":"))


def interleave(
    workloads: Sequence[tuple[str, Callable[[], object]]], rounds: int, batch: int = 1
) -> dict[str, float]:
    """The median seconds per call of each workload, timed in interleaved rounds.

    Each round calls every workload ``batch`` times in a row (timed together), starting
    from the next workload each round, so that neither a slow spell of a shared machine
    nor the workload timed just before weighs on one more than on another. Round 0
    only warms up.
    """
    gc.collect()
    times: dict[str, list[float]] = {name: [] for name, _ in workloads}
    calls = range(batch)
    for round_number in range(rounds + 1):
        first = round_number % len(workloads)
        for name, work in [*workloads[first:], *workloads[:first]]:
            start = time.perf_counter()
            for _ in calls:
                work()
            elapsed = time.perf_counter() - start
            if round_number:
                times[name].append(elapsed / batch)
    return {name: statistics.median(spent) for name, spent in times.items()}


def ops(seconds: float | None) -> str:
    """Operations per second, for a table: ``"12,345"``, or ``"skipped"``."""
    return "skipped" if seconds is None else f"{1 / seconds:,.0f}"


def rate(numerator: float | None, denominator: float | None) -> str:
    """A ratio for a table: ``"1.25x"``, or ``"-"`` when either side is missing."""
    if numerator is None or denominator is None:
        return "-"
    return f"{numerator / denominator:.2f}x"


def milliseconds(value: float) -> str:
    """Milliseconds for a table, with three digits below 1 ms: ``"0.042 ms"``, ``"74.5 ms"``."""
    return f"{value:.3f} ms" if value < 1 else f"{value:,.1f} ms"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Rows under headers, the first column left-aligned and the others right-aligned."""
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        first, *rest = cells
        parts = [first.ljust(widths[0])] + [
            cell.rjust(w) for cell, w in zip(rest, widths[1:], strict=True)
        ]
        return "  ".join(parts).rstrip()

    return "\n".join(line(row) for row in [headers, *rows])


def python_env() -> dict[str, str]:
    """The environment for a child ``python``: this process's, importing this sync_core."""
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    return env


PYTHON: str = sys.executable


@attrs.frozen
class Target:
    """One target of issue 9, and what this run measured against it.

    ``measured`` is a ratio (``unit`` ``"x"``) or milliseconds (``unit`` ``"ms"``),
    ``None`` when the measurement was skipped. With ``at_most`` the target is met when
    ``measured <= limit``, otherwise when ``measured >= limit``.

    >>> Target("fast", 0.5, 1.0, at_most=True, unit="ms").met
    True
    >>> Target("big", 0.5, 4.0).met, Target("big", None, 4.0).met
    (False, None)
    """

    name: str
    measured: float | None
    limit: float
    at_most: bool = False
    unit: str = "x"
    note: str = ""

    @property
    def met(self) -> bool | None:
        """Whether the measurement meets the target; ``None`` if it was skipped."""
        if self.measured is None:
            return None
        return self.measured <= self.limit if self.at_most else self.measured >= self.limit

    @property
    def wanted(self) -> str:
        """The target as text: ``">= 4.00x"``, ``"< 100 ms"``."""
        if self.unit == "ms":
            return f"{'<' if self.at_most else '>'} {self.limit:g} ms"
        return f"{'<=' if self.at_most else '>='} {self.limit:.2f}x"


def report_targets(targets: Sequence[Target]) -> str:
    """A table of the targets: what each wants, what was measured, and whether it is met.

    >>> print(report_targets([Target("import", 42.0, 100, at_most=True, unit="ms")]))
    target  wanted    measured  met
    import  < 100 ms  42.0 ms   yes
    """
    rows = [["target", "wanted", "measured", "met"]]
    for target in targets:
        if target.measured is None:
            measured = "skipped"
        elif target.unit == "ms":
            measured = milliseconds(target.measured)
        else:
            measured = f"{target.measured:.2f}x"
        met = {True: "yes", False: "NO", None: "-"}[target.met]
        rows.append([target.name, target.wanted, measured, met + target.note])
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(
        "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[3]])
        for row in rows
    )
