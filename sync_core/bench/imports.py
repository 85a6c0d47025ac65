"""What ``import sync_core`` and a fresh ``Sync()`` cost (the ``import`` section).

``import sync_core`` is timed in fresh processes: the wall time of ``python -c "import
sync_core"`` minus that of ``python -c "pass"``, the median of each over ``processes``
rounds (each round runs every kind of process once, in turn). The processes read their
bytecode from a temporary ``PYTHONPYCACHEPREFIX`` that one import fills first, as an
installed package's ``.pyc`` files are there when it is imported: otherwise, where
``PYTHONDONTWRITEBYTECODE`` is set (or the source tree cannot be written), every
module changed since its ``.pyc`` was written would be compiled again in every
process, and the figure would be the compiler's. Beside it: the
cumulative time ``python -X importtime`` reports for ``sync_core`` (no interpreter
start-up in it, but the tracing's own cost), and the first ``Sync()`` of a fresh
process, just after the import. A fresh ``Sync()`` in this warm process, the median
of ``repeat`` rounds of ``batch`` calls, is the figure the target is about.

>>> timing = measure_imports(processes=1, repeat=2, batch=2)
>>> timing.with_import > 0 and timing.sync > 0 and timing.importtime > 0
True
"""

from __future__ import annotations

import re
import statistics
import subprocess
import tempfile
import time
from collections.abc import Sequence

import attrs

from ..sync import Sync
from .common import PYTHON, Target, interleave, milliseconds, python_env, table

__all__ = ["ImportTiming", "import_targets", "measure_imports", "report_imports"]

_FIRST_SYNC = (
    "import time, sync_core\n"
    "start = time.perf_counter()\n"
    "sync_core.Sync()\n"
    "print(time.perf_counter() - start)"
)
_CUMULATIVE = re.compile(r"^import time:\s*\d+\s*\|\s*(\d+)\s*\|\s*sync_core\s*$", re.MULTILINE)


@attrs.frozen
class ImportTiming:
    """Medians, in seconds, over ``processes`` fresh processes (``sync``: this one)."""

    processes: int
    python: float
    with_import: float
    importtime: float
    first_sync: float
    sync: float

    @property
    def import_seconds(self) -> float:
        """``import sync_core``: the wall time with the import, less the bare start-up."""
        return self.with_import - self.python


def _wall(env: dict[str, str], *args: str) -> tuple[float, str, str]:
    start = time.perf_counter()
    done = subprocess.run([PYTHON, *args], capture_output=True, text=True, env=env, check=True)
    return time.perf_counter() - start, done.stdout, done.stderr


def measure_imports(processes: int = 11, repeat: int = 50, batch: int = 100) -> ImportTiming:
    """Time ``import sync_core`` and ``Sync()`` in fresh processes, and ``Sync()`` here."""
    with tempfile.TemporaryDirectory(prefix="sync_core-bench-pycache-") as cache:
        env = {**python_env(), "PYTHONPYCACHEPREFIX": cache}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        _wall(env, "-c", _FIRST_SYNC)  # compiles what every process below imports

        def bare() -> float:
            return _wall(env, "-c", "pass")[0]

        def with_import() -> float:
            return _wall(env, "-c", "import sync_core")[0]

        def importtime() -> float:
            stderr = _wall(env, "-X", "importtime", "-c", "import sync_core")[2]
            match = _CUMULATIVE.search(stderr)
            assert match, stderr
            return int(match[1]) / 1e6

        def first_sync() -> float:
            return float(_wall(env, "-c", _FIRST_SYNC)[1])

        kinds = [bare, with_import, importtime, first_sync]
        times: list[list[float]] = [[] for _ in kinds]
        for round_number in range(processes):
            first = round_number % len(kinds)
            for index in [*range(first, len(kinds)), *range(first)]:
                times[index].append(kinds[index]())
    medians = [statistics.median(spent) for spent in times]
    warm = interleave([("Sync()", Sync)], rounds=repeat, batch=batch)["Sync()"]
    python, with_import_, importtime_, first_sync_ = medians
    return ImportTiming(processes, python, with_import_, importtime_, first_sync_, warm)


def report_imports(timing: ImportTiming) -> str:
    """A table of the medians, in milliseconds."""
    rows: Sequence[tuple[str, float]] = [
        ('python -c "pass" (wall)', timing.python),
        ('python -c "import sync_core" (wall)', timing.with_import),
        ("import sync_core (the difference)", timing.import_seconds),
        ("import sync_core (-X importtime, cumulative)", timing.importtime),
        ("first Sync() of a fresh process", timing.first_sync),
        ("Sync() in a warm process", timing.sync),
    ]
    return table(
        ["measure", "median"], [[name, milliseconds(seconds * 1e3)] for name, seconds in rows]
    )


def import_targets(timing: ImportTiming) -> list[Target]:
    """``import sync_core`` under 100 ms; a fresh ``Sync()`` under 1 ms."""
    return [
        Target("import sync_core", timing.import_seconds * 1e3, 100, at_most=True, unit="ms"),
        Target("a fresh Sync() (warm process)", timing.sync * 1e3, 1, at_most=True, unit="ms"),
    ]
