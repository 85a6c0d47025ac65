"""Smoke tests of ``python -m sync_core.bench``: the shape of its output only.

Speed is never asserted here (docs/performance.md): the machines are shared and noisy.
The targets it prints are information, so whether they are met is not asserted either.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sync_core import bench
from sync_core.bench.memory import STORES
from sync_core.bench.operations import OPERATIONS
from sync_core.bench.sdk import SDK_OPERATIONS

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
STORAGE_ROW = re.compile(
    r"^(memory|sqlite NORMAL|sqlite FULL|postgres) +(\S.*?) +[\d.]+µs +[\d.]+x$"
)
NUMBER = r"[\d,]+(?:\.\d+)?"


def storage_rows(out: str) -> list[tuple[str, str]]:
    return [(match[1], match[2]) for line in out.splitlines() if (match := STORAGE_ROW.match(line))]


def check_processes_table(lines: list[str], *, postgres: bool = True) -> None:
    """The many-processes table: a row per storage and process count, two rates each
    (or "skipped" for PostgreSQL without it)."""
    assert re.split(r"  +", lines[0]) == [
        "storage",
        "processes",
        "different objects",
        "same object",
    ]
    rows = [re.split(r"  +", line.strip()) for line in lines[1:7]]
    assert [(row[0], row[1]) for row in rows] == [
        (storage, str(count))
        for storage in bench.storages.PROCESS_STORAGES
        for count in bench.storages.PROCESS_COUNTS
    ]
    for row in rows:
        if row[0] == "postgres" and not postgres:
            assert row[2:] == ["skipped", "skipped"], row
        else:
            assert all(re.fullmatch(r"[\d,]+", cell) and cell != "0" for cell in row[2:]), row


def run(*args: str, block: str | None = None) -> str:
    """Run the benchmark in a fresh process (``block``: a module it cannot import)."""
    code = "import sys\n"
    if block:
        code += f"sys.modules[{block!r}] = None  # import {block} raises ImportError\n"
    code += f"from sync_core.bench import main\nmain({list(args)!r})\n"
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


STATE_OPERATIONS = (
    "build through the API (baseline)",
    "reset()",
    "snapshot()",
    "restore()",
    "first write after restore()",
    "export_state()",
    "import_state() into a new Sync",
)


def test_the_http_section_falls_back_to_wsgiref_without_waitress() -> None:
    out = run("--quick", "--http", block="waitress")
    assert list(sections(out)) == ["HTTP:", "Ran"]
    assert "the WSGI app under wsgiref on 127.0.0.1" in out


def test_the_state_section_alone(capsys: pytest.CaptureFixture[str]) -> None:
    bench.main(["--state", "--quick", "--state-items", "50", "--repeat", "1"])
    out = capsys.readouterr().out
    assert out.startswith("Shaping test state: 50 map items and 50 list items, median of 1 ")
    rows = [re.split(r"  +", line.strip()) for line in out.splitlines()[2:] if line.strip()]
    timed = {(row[0], row[1]) for row in rows if len(row) == 4}
    assert ("memory", "restore()") in timed
    assert ("sqlite", "reset()") in timed


def sections(out: str) -> dict[str, list[str]]:
    """Each table of the output by the first word of its title: its lines after the title."""
    blocks = [block.splitlines() for block in out.strip().split("\n\n")]
    return {block[0].split()[0]: block[1:] for block in blocks}


def test_module_quick_prints_every_section() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sync_core.bench", "--quick"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    tables = sections(done.stdout)
    assert list(tables) == [
        "Operations",
        "One",
        "Expiry:",
        "The",
        "import",
        "Memory",
        "SQLite",
        "Processes",
        "HTTP:",
        "Shaping",
        "Targets",
        "Ran",
    ]
    ops = tables["Operations"]
    assert ops[0].split("  ")[0] == "operation"
    assert [re.split(r"  +", line)[0] for line in ops[1:]] == list(OPERATIONS)
    for line in ops[1:]:
        assert re.fullmatch(rf".+?(  +{NUMBER}){{4}}(  +{NUMBER}x){{2}}", line), line
    pages = tables["One"]
    assert len(pages) == 1 + 2 * 2 * 5  # header; map and list, 2 sizes, 5 operations
    assert re.fullmatch(rf"[\d,]+  +{NUMBER} ms  +{NUMBER}", tables["Expiry:"][1])
    sdk = tables["The"]
    assert [re.split(r"  +", line)[0] for line in sdk[1:]] == list(SDK_OPERATIONS)
    for line in sdk[1:]:
        assert re.fullmatch(
            rf".+?  +{NUMBER}  +{NUMBER}  +{NUMBER}x  +{NUMBER}  +{NUMBER}  +{NUMBER}x", line
        ), line
    imports = tables["import"]
    assert len(imports) == 1 + 6
    assert all(re.search(rf"  {NUMBER} ms$", line) for line in imports[1:])
    memory = tables["Memory"]
    assert [re.split(r"  +", line)[0] for line in memory[1:]] == list(STORES)
    assert all("skipped" not in line for line in memory)
    assert len(storage_rows("\n".join(tables["SQLite"]))) == 4 * len(bench.STORAGES)
    check_processes_table(tables["Processes"])
    over_http = tables["HTTP:"]
    assert [re.split(r"  +", line)[0] for line in over_http[1:]] == [
        "map item fetch",
        "map item update",
    ]
    for line in over_http[1:]:
        assert re.fullmatch(rf".+?  +{NUMBER}  +{NUMBER}  +{NUMBER}x", line), line
    state = tables["Shaping"]
    assert [re.split(r"  +", line)[1] for line in state[1:]] == [
        *STATE_OPERATIONS,
        "SyncFactory(): a new Sync, restored",
        *STATE_OPERATIONS,
    ]
    for line in state[1:]:
        assert re.fullmatch(rf"(memory|sqlite) .+?  +{NUMBER} ms  +{NUMBER}x", line), line
    targets = tables["Targets"]
    assert len(targets) == 1 + 4 + 2 + 3 + 2 + 1  # header; ops, pages, sdk, import, memory
    assert all(re.search(r"  (yes|NO)(  \(.*\))?$", line) for line in targets[1:])
    assert tables["Ran"] == []


def test_without_fakeredis_its_baseline_is_skipped() -> None:
    tables = sections(run("--quick", "--ops", "--memory", "--repeat", "1", block="fakeredis"))
    assert list(tables) == ["Operations", "Memory", "Targets", "Ran"]
    ops, memory, targets = tables["Operations"], tables["Memory"], tables["Targets"]
    assert all(re.search(r"  skipped  .*  -$", line) for line in ops[1 : 1 + len(OPERATIONS)])
    assert ops[-1].startswith("fakeredis: skipped, fakeredis is not installed")
    assert re.fullmatch(r"fakeredis hash  +[\d,]+  +skipped  +-  +-  +-", memory[3])
    assert memory[-1].startswith("fakeredis: skipped")
    assert re.fullmatch(r"dict of JSON strings .*1\.00x .*", memory[1])
    redis_targets = [line for line in targets if "fakeredis" in line]
    assert len(redis_targets) == 2
    assert all(re.search(r"  skipped  +-  \(fakeredis not installed\)$", t) for t in redis_targets)


def test_without_twilio_the_sdk_section_is_skipped() -> None:
    tables = sections(run("--quick", "--sdk", block="twilio"))
    assert tables["The"] == [f"skipped: {bench.sdk.TWILIO_MISSING}"]
    assert all("skipped" in line for line in tables["Targets"][1:])


def test_quick_storages_alone(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bench.main(["--storages", "--quick", "--repeat", "2", "--dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert "One page of" not in out
    assert out.startswith(
        "SQLite and PostgreSQL against in-memory, a Map of 1,000 items, median of 2 runs"
    )
    assert storage_rows(out) == [
        (storage, operation)
        for operation in ("create", "update", "fetch", "page of 100")
        for storage in bench.STORAGES
    ]
    assert all(line.endswith(" 1.00x") for line in out.splitlines() if line.startswith("memory"))
    assert "Targets" not in out  # the storages have none
    assert os.listdir(tmp_path) == []  # the SQLite files are removed
    check_processes_table(sections(out)["Processes"])


def test_without_psycopg_the_postgres_rows_are_skipped() -> None:
    out = run("--storages", "--quick", "--repeat", "1", "--process-seconds", "0.1", block="psycopg")
    tables = sections(out)
    assert list(tables) == ["SQLite", "Processes", "Ran"]
    assert storage_rows("\n".join(tables["SQLite"])) == [
        (storage, operation)
        for operation in ("create", "update", "fetch", "page of 100")
        for storage in bench.STORAGES
        if storage != "postgres"
    ]
    skipped = [line for line in tables["SQLite"] if line.startswith("postgres")]
    assert len(skipped) == 5
    assert all(re.fullmatch(r"postgres +\S.*? +skipped", line) for line in skipped[:4])
    assert skipped[4].startswith("postgres: skipped, psycopg 3 and pgserver are not installed")
    check_processes_table(tables["Processes"], postgres=False)
    assert tables["Processes"][-1].startswith("postgres: skipped")


def test_sections_combine(capsys: pytest.CaptureFixture[str]) -> None:
    bench.main(["--pages", "--storages", "--quick", "--repeat", "1", "--kinds", "map"])
    tables = sections(capsys.readouterr().out)
    assert list(tables) == ["One", "SQLite", "Processes", "Targets", "Ran"]
    assert tables["One"][0].split()[:3] == ["kind", "items", "operation"]
    assert len(tables["One"]) == 1 + 2 * 5  # header, 5 operations on 2 sizes
    assert len(storage_rows("\n".join(tables["SQLite"]))) == 4 * len(bench.STORAGES)
    assert len(tables["Targets"]) == 1 + 1  # the map's page


def test_the_old_names_are_still_there() -> None:
    for name in ("STORAGES", "StorageTiming", "Timing", "main", "measure", "measure_storages"):
        assert hasattr(bench, name), name


def test_unknown_options_are_refused() -> None:
    with pytest.raises(SystemExit):
        bench.main(["--no-such-section"])
