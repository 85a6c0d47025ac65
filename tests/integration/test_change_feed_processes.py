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
import time
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


@pytest.mark.postgres
def test_a_follower_process_sees_every_change_of_three_writers_on_postgres(
    pg_dsn: str, pg_schema: str
) -> None:
    """On PostgreSQL: the follower waits on ``LISTEN``/``NOTIFY`` (it does not poll)."""
    from sync_core import PostgresStorage

    check_followers_see_everything(
        f"postgres:{pg_schema}:{pg_dsn}", lambda: PostgresStorage(pg_dsn, schema=pg_schema)
    )


@pytest.mark.postgres
def test_every_follower_of_a_sync_is_woken_by_one_notice(pg_dsn: str, pg_schema: str) -> None:
    """Twelve followers of one Sync on PostgreSQL, a change committed by another: only
    one of them at a time waits for the storage's notices, and what it hears wakes all
    (they do not queue to listen, each for its own slice)."""
    import threading

    from sync_core import PostgresStorage, SyncEvent

    writer = Sync(storage=PostgresStorage(pg_dsn, schema=pg_schema))
    storage = PostgresStorage(pg_dsn, schema=pg_schema)
    reader = Sync(storage=storage)
    inside, most = 0, 0
    guard = threading.Lock()
    wait_announced = storage.wait_announced

    def counted(timeout: float) -> bool:
        nonlocal inside, most
        with guard:
            inside += 1
            most = max(most, inside)
        try:
            return wait_announced(timeout)
        finally:
            with guard:
                inside -= 1

    storage.wait_announced = counted  # type: ignore[method-assign]
    try:
        sid = writer.services.create().sid
        got: list[list[SyncEvent]] = []
        threads = [
            threading.Thread(target=lambda: got.append(reader.changes(sid, wait=30)))
            for _ in range(12)
        ]
        for thread in threads:
            thread.start()
        while reader._engine.followers < len(threads):
            pass
        time.sleep(1)  # (not a timing assertion) so that all have read, and wait
        writer.services(sid).documents.create(data={"n": 1})
        for thread in threads:
            thread.join(60)
        assert [[e.data for e in events] for events in got] == [[{"n": 1}]] * 12
        assert most == 1
    finally:
        writer.storage.close()
        storage.close()
