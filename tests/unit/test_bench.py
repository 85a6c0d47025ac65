"""A smoke test of ``python -m sync_core.bench --quick``: the shape of its output only.

Speed is never asserted here (docs/performance.md): the machines are shared and noisy.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from sync_core import bench

STORAGE_ROW = re.compile(r"^(memory|sqlite NORMAL|sqlite FULL) +(\S.*?) +[\d.]+µs +[\d.]+x$")


def storage_rows(out: str) -> list[tuple[str, str]]:
    return [(match[1], match[2]) for line in out.splitlines() if (match := STORAGE_ROW.match(line))]


def test_quick_storages_alone(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bench.main(["--storages", "--quick", "--repeat", "2", "--dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert "One page of" not in out
    assert out.startswith("SQLite against in-memory, a Map of 1,000 items, median of 2 runs")
    assert storage_rows(out) == [
        (storage, operation)
        for operation in ("create", "update", "fetch", "page of 100")
        for storage in bench.STORAGES
    ]
    assert all(line.endswith(" 1.00x") for line in out.splitlines() if line.startswith("memory"))
    assert os.listdir(tmp_path) == []  # the SQLite files are removed


def test_quick_runs_both_sections(capsys: pytest.CaptureFixture[str]) -> None:
    bench.main(["--quick", "--repeat", "1", "--kinds", "map"])
    out = capsys.readouterr().out
    pages, storages = out.split("\n\n")
    assert pages.startswith("One page of 100 items, median of 1 runs each")
    assert len(pages.splitlines()) == 2 + 2 * 5  # title, header, 5 operations on 2 sizes
    assert len(storage_rows(storages)) == 4 * len(bench.STORAGES)


def test_sections_are_exclusive() -> None:
    with pytest.raises(SystemExit):
        bench.main(["--pages", "--storages"])
