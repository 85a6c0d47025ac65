"""SqliteStorage: conformance, exact restoration on reopen, refusing foreign files.

The domain test suite also runs on SQLite: the ``sqlite`` tier (tests/conftest.py
parametrizes the ``sync_storage`` fixture; CI runs it). The crash test is
tests/integration/test_crash_safety.py.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sync_core import ManualClock, SqliteStorage, StorageFormatError, Sync, SyncEvent
from sync_core.storage.sqlite import SCHEMA_VERSION
from sync_core.testing.conformance import CHECKS, run_storage_conformance


def file_storage(tmp_path: Path) -> Any:
    """A factory of fresh file storages in ``tmp_path``."""
    count = iter(range(1_000_000))
    return lambda: SqliteStorage(tmp_path / f"conformance-{next(count)}.db", synchronous="OFF")


def test_a_file_storage_passes_the_conformance_suite(tmp_path: Path) -> None:
    run_storage_conformance(file_storage(tmp_path), thorough=True)


def test_an_in_memory_database_passes_the_conformance_suite() -> None:
    run_storage_conformance(lambda: SqliteStorage(":memory:"))


@pytest.mark.parametrize(("name", "check"), CHECKS, ids=[name for name, _ in CHECKS])
def test_each_conformance_check_passes(tmp_path: Path, name: str, check: Any) -> None:
    check(file_storage(tmp_path))


def snapshot(sync: Sync) -> dict[str, Any]:
    """Everything a Sync holds, through its public API, as plain data."""
    state: dict[str, Any] = {"services": []}
    for service in sync.services.list():
        tree = sync.services(service.sid)
        entry: dict[str, Any] = {"service": service.to_dict()}
        entry["documents"] = [
            (d.to_dict(), [p.to_dict() for p in tree.documents(d.sid).document_permissions.list()])
            for d in tree.documents.list()
        ]
        entry["maps"] = [
            (
                m.to_dict(),
                [i.to_dict() for i in tree.sync_maps(m.sid).sync_map_items.list()],
                [p.to_dict() for p in tree.sync_maps(m.sid).sync_map_permissions.list()],
            )
            for m in tree.sync_maps.list()
        ]
        entry["lists"] = [
            (lst.to_dict(), [i.to_dict() for i in tree.sync_lists(lst.sid).sync_list_items.list()])
            for lst in tree.sync_lists.list()
        ]
        entry["streams"] = [s.to_dict() for s in tree.sync_streams.list()]
        state["services"].append(entry)
    return state


def build(sync: Sync) -> None:
    """A bit of everything: names, data, revisions, expiries, permissions, gaps in indexes."""
    svc = sync.services("default")
    svc.documents.create(unique_name="prefs", data={"theme": "dark", "é": ["\U0001f600"]})
    svc.documents("prefs").update(data={"theme": "light"}, ttl=3600)
    svc.documents("prefs").document_permissions("alice").update(read=True, write=False, manage=True)
    svc.sync_maps.create(unique_name="board", collection_ttl=7200)
    for key in ["b", "a", "a b", "\x00k", "\U0001f600"]:
        svc.sync_maps("board").sync_map_items.create(key=key, data={"k": key}, item_ttl=60)
    svc.sync_maps("board").sync_map_items("a").update(data={"k": "A"})
    svc.sync_maps("board").sync_map_permissions("bob").update(read=True, write=True, manage=False)
    svc.sync_lists.create(unique_name="jobs")
    for n in range(4):
        svc.sync_lists("jobs").sync_list_items.create(data={"n": n})
    svc.sync_lists("jobs").sync_list_items(3).delete()
    svc.sync_lists("jobs").sync_list_items(1).delete()
    svc.sync_streams.create(unique_name="ticker", ttl=30)
    sync.services.create(friendly_name="second", acl_enabled=True, webhook_url="https://x.io/h")


def test_reopening_a_file_restores_everything_exactly(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    clock = ManualClock()
    first = Sync(storage=SqliteStorage(path), clock=clock, seed=5)
    before_close: list[SyncEvent] = []
    first.services("default").subscribe(before_close.append)
    build(first)
    clock.advance(10)
    before = snapshot(first)
    first.storage.close()

    again = Sync(storage=SqliteStorage(path), clock=clock, seed=5)
    assert snapshot(again) == before
    again._check()
    jobs = again.services("default").sync_lists("jobs").sync_list_items
    seen: list[SyncEvent] = []
    again.services("default").subscribe(seen.append)
    assert jobs.create(data={}).index == 4  # the index counter came back: 3 is not reused
    assert seen[0].sequence == before_close[-1].sequence + 1  # so did the event counter
    clock.advance(timedelta(minutes=1))  # expiries came back: the map items go now
    assert again.services("default").sync_maps("board").sync_map_items.list() == []
    again.storage.close()


def test_a_reopened_store_matches_one_that_never_closed(tmp_path: Path) -> None:
    clock_a, clock_b = ManualClock(), ManualClock()
    path = tmp_path / "a.db"
    kept = Sync(clock=clock_b, seed=8)
    reopened = Sync(storage=SqliteStorage(path), clock=clock_a, seed=8)
    for round_number in range(3):
        for sync in (kept, reopened):
            svc = sync.services("default")
            svc.sync_lists.create(unique_name=f"l{round_number}")
            svc.sync_lists(f"l{round_number}").sync_list_items.create(data={"r": round_number})
        reopened.storage.close()
        reopened = Sync(storage=SqliteStorage(path), clock=clock_a, seed=8 + round_number)
        # the SID generator restarts, but SIDs in use are skipped: nothing collides
    assert [lst.unique_name for lst in reopened.services("default").sync_lists.list()] == [
        "l0",
        "l1",
        "l2",
    ]
    assert len(snapshot(reopened)["services"][0]["lists"]) == 3
    reopened._check()


def test_a_file_that_is_not_a_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"these are my notes, not a database\n" * 100)
    before = path.read_bytes()
    with pytest.raises(StorageFormatError, match="not a sync_core store"):
        SqliteStorage(path)
    assert path.read_bytes() == before


def test_another_programs_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (name TEXT)")
        db.execute("INSERT INTO customers VALUES ('ada')")
    db.close()
    before = path.read_bytes()
    with pytest.raises(StorageFormatError, match=r"not a sync_core store.*customers"):
        SqliteStorage(path)
    assert path.read_bytes() == before


def test_a_store_of_an_unknown_schema_version_is_refused_and_left_untouched(
    tmp_path: Path,
) -> None:
    path = tmp_path / "future.db"
    SqliteStorage(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '99' WHERE name = 'schema_version'")
    db.close()
    before = path.read_bytes()
    with pytest.raises(StorageFormatError, match="schema version '99'"):
        SqliteStorage(path)
    assert path.read_bytes() == before


def test_a_new_file_records_its_format_and_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    SqliteStorage(path).close()
    with sqlite3.connect(path) as db:
        meta = dict(db.execute("SELECT name, value FROM meta").fetchall())
        mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    db.close()
    assert meta == {"format": "sync_core", "schema_version": str(SCHEMA_VERSION)}
    assert mode == "wal"


def test_synchronous_must_be_one_of_sqlites_settings(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="synchronous"):
        SqliteStorage(tmp_path / "x.db", synchronous="SOMETIMES")  # type: ignore[arg-type]


def test_a_failed_operation_leaves_nothing_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    sync = Sync(storage=SqliteStorage(path), clock=ManualClock(), seed=2)
    sync.services("default").documents.create(unique_name="d", data={"v": 1})
    storage = sync.storage
    real_put = storage.put

    def failing_put(table: str, key: Any, value: object) -> None:
        if table == "object_order":
            raise OSError("disk on fire")
        real_put(table, key, value)

    storage.put = failing_put  # type: ignore[method-assign]
    with pytest.raises(OSError, match="disk on fire"):
        sync.services("default").documents.create(unique_name="e", data={"v": 2})
    storage.put = real_put  # type: ignore[method-assign]
    storage.close()
    again = Sync(storage=SqliteStorage(path), clock=ManualClock(), seed=2)
    assert [d.unique_name for d in again.services("default").documents.list()] == ["d"]
    again._check()


def test_long_scans_read_past_one_batch(tmp_path: Path) -> None:
    sync = Sync(storage=SqliteStorage(tmp_path / "big.db", synchronous="OFF"), seed=4)
    items = sync.services("default").sync_lists
    items.create(unique_name="big")
    for n in range(600):
        items("big").sync_list_items.create(data={"n": n})
    assert [i.index for i in items("big").sync_list_items.list(page_size=100)] == list(range(600))
    items("big").delete()  # deleting 600 items scans them all
    sync._check()


def test_threads_racing_on_a_file_lose_nothing(tmp_path: Path) -> None:
    sync = Sync(storage=SqliteStorage(tmp_path / "race.db", synchronous="OFF"), seed=6)
    sync.services("default").sync_maps.create(unique_name="m")
    items = sync.services("default").sync_maps("m").sync_map_items
    failures: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for step in range(25):
                items.create(key=f"t{n}-{step}", data={"n": n})
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert len(items.list()) == 150
    assert sync.services("default").sync_maps("m").fetch().revision == "150"
    sync._check()
