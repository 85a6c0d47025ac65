"""The change feed across processes: a follower process receives every change that 3
writer processes make, in sequence order, none missing; a follower that fell behind the
retention is told so. On a SQLite file (the follower polls) and, in
tests/integration/test_postgres_feed.py, on PostgreSQL (``LISTEN``/``NOTIFY`` wakes it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sync_core import SqliteStorage, Storage, Sync

pytestmark = pytest.mark.integration

HERE = Path(__file__).resolve().parent
CHILD = HERE / "feed_child.py"
ROOT = HERE.parents[1]
WRITERS = 3
ROUNDS = 40
#: The longest any child may run.
TIMEOUT = 180


def start(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(CHILD), *args],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        env=env,
        text=True,
    )


def lines(process: subprocess.Popen[str]) -> list[dict[str, Any]]:
    try:
        out, _ = process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, f"child exited {process.returncode}"
    return [json.loads(line) for line in out.splitlines()]


def check_followers_see_everything(spec: str, open_store: Callable[[], Storage]) -> None:
    """Run the scenario on the store ``spec`` names (``open_store`` opens it here)."""
    storage = open_store()
    setup = Sync(storage=storage)
    try:
        sid = setup.services.create().sid
        setup.services(sid).sync_lists.create(unique_name="jobs")
        setup.services(sid).sync_maps.create(unique_name="m")
        made = 2
        expected = made + WRITERS * (1 + 3 * ROUNDS)
        follower = start("follower", spec, sid, str(expected))
        writers = [start("writer", spec, sid, str(w), str(ROUNDS)) for w in range(WRITERS)]
        try:
            written = sum(lines(w)[0]["written"] for w in writers)
            received = lines(follower)
        finally:
            for process in [follower, *writers]:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        assert written + made == expected
        assert received[-1] == {"end": True}
        events = received[:-1]
        assert [e["sequence"] for e in events] == list(range(1, expected + 1))  # none missing
        assert events == [e.to_dict() for e in setup.changes(sid, limit=1000)]
        for w in range(WRITERS):  # each writer's changes in the order it made them
            mine = [
                e["data"]["i"]
                for e in events
                if e["type"] == "document_updated" and e["data"]["w"] == w
            ]
            assert mine == list(range(ROUNDS))
        (late,) = lines(start("late", spec, sid))
        assert late == {"gone": expected - 9, "latest": expected}
    finally:
        storage.close()


def test_a_follower_process_sees_every_change_of_three_writers(tmp_path: Path) -> None:
    path = tmp_path / "feed.db"
    check_followers_see_everything(f"sqlite:{path}", lambda: SqliteStorage(path, synchronous="OFF"))
