"""SqliteStorage: conformance, exact restoration on reopen, refusing foreign files, and
what several connections to one file need (the outside-change signal, opening a file
another connection holds, refusing a storage carried across a fork).

The domain test suite also runs on SQLite: the ``sqlite`` tier (tests/conftest.py
parametrizes the ``sync_storage`` fixture; CI runs it). The crash test is
tests/integration/test_crash_safety.py; several processes on one file,
tests/integration/test_many_processes.py.

These tests are the ``sqlite`` tier too (they open SQLite files, seconds in all): the
plain ``python -m pytest`` leaves them to CI, ``-m sqlite`` runs them alone.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sync_core import (
    LazyExpiry,
    ManualClock,
    MemoryStorage,
    NotFoundError,
    SqliteStorage,
    StorageForkedError,
    StorageFormatError,
    Sync,
    SyncEvent,
)
from sync_core.storage import sqlite as sqlite_module
from sync_core.storage.base import RangeDeletes, SharedStorage
from sync_core.storage.sqlite import SCHEMA_VERSION
from sync_core.testing.conformance import CHECKS, run_storage_conformance

pytestmark = pytest.mark.sqlite


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


def test_a_store_holds_one_accounts_state_and_refuses_another_account(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    first, other = "AC" + "1" * 32, "AC" + "2" * 32
    sync = Sync(storage=SqliteStorage(path), account_sid=first, seed=1)
    sync.services("default").documents.create(unique_name="d")
    before = sync.export_state()
    # Another process (another storage on the file), of another account: refused at
    # once, before it answers anything with records of two accounts.
    stranger = SqliteStorage(path)
    with pytest.raises(ValueError, match=f"holds the state of the account {first}, not of {other}"):
        Sync(storage=stranger, account_sid=other)
    stranger.close()
    assert sync.export_state() == before
    # Reset keeps the store the account's; so does an import of its own state.
    sync.reset()
    sync.import_state(before)
    sync.storage.close()
    with pytest.raises(ValueError, match="account"):
        Sync(storage=SqliteStorage(path), account_sid=other)
    again = Sync(storage=SqliteStorage(path), account_sid=first)
    assert again.export_state() == before
    # A store written before the account was written down is claimed by its first Sync.
    with again.storage.atomic():
        assert again.storage.delete("counters", ("account",))
    again.storage.close()
    claimed = Sync(storage=SqliteStorage(path), account_sid=other)
    assert claimed.services("default").documents("d").fetch().account_sid == other
    claimed.storage.close()


def test_a_store_this_process_cannot_write_fails_when_the_sync_is_made(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    first = Sync(storage=SqliteStorage(path), seed=1)
    first.services("default").documents.create(unique_name="d")
    first.storage.close()
    storage = SqliteStorage(path)
    # As a file the process may read but not write (a read-only mount, another owner's
    # file): reads would answer until the first write, or the first expiry, failed.
    storage._db.execute("PRAGMA query_only = 1")
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        Sync(storage=storage)
    storage.close()


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


@pytest.mark.parametrize(
    ("meta", "entries", "words"),
    [
        (  # meta says sync_core in columns of its own
            "CREATE TABLE meta (name TEXT PRIMARY KEY, v TEXT)",
            "CREATE TABLE entries (tbl TEXT NOT NULL, key BLOB NOT NULL, value TEXT NOT NULL,"
            " PRIMARY KEY (tbl, key)) WITHOUT ROWID",
            "not a sync_core store",
        ),
        (
            "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE TABLE entries (a INTEGER)",
            "laid out otherwise",
        ),
        (
            "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE TABLE entries (tbl TEXT, key BLOB, value TEXT)",  # no key, nulls
            "laid out otherwise",
        ),
        (
            "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE VIEW entries AS SELECT 'a' AS tbl, x'00' AS key, '1' AS value",
            "laid out otherwise",
        ),
    ],
)
def test_a_store_whose_tables_are_laid_out_otherwise_is_refused_at_open(
    tmp_path: Path, meta: str, entries: str, words: str
) -> None:
    # As PostgresStorage checks its layout: meta saying sync_core is not enough (these
    # opened, then failed with sqlite3's errors at their first use).
    path = tmp_path / "odd.db"
    with sqlite3.connect(path) as db:
        db.execute(meta)
        db.execute(entries)
        if "(name, v)" in meta or " v TEXT" in meta:
            db.execute("INSERT INTO meta VALUES ('format', 'sync_core')")
        else:
            db.executemany(
                "INSERT INTO meta VALUES (?, ?)", [("format", "sync_core"), ("schema_version", "1")]
            )
    db.close()
    before = path.read_bytes()
    with pytest.raises(StorageFormatError, match=words):
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


def test_delete_range_is_one_delete_statement(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "range.db", synchronous="OFF")
    assert isinstance(storage, RangeDeletes)
    with storage.atomic():
        for service in ("IS1", "IS10"):
            for n in range(1, 301):
                storage.put("changes", (service, n), n)
    statements: list[str] = []
    storage._db.set_trace_callback(statements.append)
    with storage.atomic():
        assert storage.delete_range("changes", ("IS1",), ("IS1", 250)) == 250
    assert [s.split()[0] for s in statements] == ["BEGIN", "DELETE", "COMMIT"]
    statements.clear()
    assert storage.delete_range("changes", ("IS1", 2**64), ("z",)) == 0  # asks nothing
    assert statements == []
    storage._db.set_trace_callback(None)
    assert storage.delete_range("changes", ("IS1",), ("IS1", 2**64)) == 50
    assert [key for key, _ in storage.scan("changes", ())] == [("IS10", n) for n in range(1, 301)]
    storage._check()
    storage.close()


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


# -- several connections to one file -----------------------------------------------


def test_changed_elsewhere_tells_of_other_connections_commits_only(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    mine, theirs = SqliteStorage(path, synchronous="OFF"), SqliteStorage(path, synchronous="OFF")
    assert isinstance(mine, SharedStorage)
    assert (mine.changed_elsewhere(), theirs.changed_elsewhere()) == (False, False)
    mine.put("t", ("a",), 1)
    assert (mine.changed_elsewhere(), theirs.changed_elsewhere()) == (False, True)
    assert theirs.changed_elsewhere() is False  # told once

    def rolled_back() -> None:
        with theirs.atomic():
            theirs.put("t", ("b",), 2)
            raise RuntimeError("undone")

    with pytest.raises(RuntimeError):  # a rolled-back write is no change
        rolled_back()
    assert mine.changed_elsewhere() is False
    with theirs.atomic():  # inside a transaction too, as sync_core asks
        theirs.put("t", ("b",), 2)
    with mine.atomic():
        assert mine.changed_elsewhere() is True
        assert mine.get("t", ("b",)) == 2
    assert mine.changed_elsewhere() is False
    mine.close()
    theirs.close()
    private = SqliteStorage(":memory:")
    private.put("t", ("a",), 1)
    assert private.changed_elsewhere() is False  # nobody else can reach it
    assert not isinstance(MemoryStorage(), SharedStorage)  # this process's alone


def two_syncs(tmp_path: Path, clock: Any) -> tuple[Sync, Sync, list[SyncEvent]]:
    """Two Syncs on one file, each with its own connection, as two processes; and the
    removals either announces."""
    path = tmp_path / "two.db"
    a = Sync(storage=SqliteStorage(path, synchronous="OFF"), clock=clock, seed=1)
    b = Sync(storage=SqliteStorage(path, synchronous="OFF"), clock=clock, seed=2)
    removals: list[SyncEvent] = []
    for sync in (a, b):
        sync.subscribe(lambda e: removals.append(e) if e.type.endswith("_removed") else None)
    return a, b, removals


def test_a_ttl_written_through_another_connection_is_honoured(tmp_path: Path) -> None:
    clock = ManualClock()
    a, b, removals = two_syncs(tmp_path, clock)
    assert b.services("default").documents.list() == []  # B knows nothing expires
    a.services("default").documents.create(unique_name="session", ttl=60)
    a.services("default").sync_maps.create(unique_name="m")
    a.services("default").sync_maps("m").sync_map_items.create(key="k", data={}, item_ttl=30)
    clock.advance(60)
    with pytest.raises(NotFoundError):
        b.services("default").documents("session").fetch()
    assert b.services("default").documents.list() == []
    assert b.services("default").sync_maps("m").sync_map_items.list() == []
    again = b.services("default").documents.create(unique_name="session")  # the name is free
    assert a.services("default").documents("session").fetch().sid == again.sid
    assert sorted((e.type, e.expired) for e in removals) == [
        ("document_removed", True),
        ("map_item_removed", True),
    ]
    a._check()
    b._check()


def test_lazy_expiry_written_through_another_connection_is_honoured(tmp_path: Path) -> None:
    lazy = LazyExpiry(max_lag=60, seed=7)
    clock = ManualClock()
    path = tmp_path / "lazy.db"
    a = Sync(storage=SqliteStorage(path, synchronous="OFF"), clock=clock, lazy_expiry=lazy)
    b = Sync(storage=SqliteStorage(path, synchronous="OFF"), clock=clock, lazy_expiry=lazy)
    assert b.services("default").documents.list() == []
    doc = a.services("default").documents.create(unique_name="session", ttl=10)
    gone_at = lazy.removed_at(doc)
    assert gone_at is not None
    clock.set(gone_at - timedelta(microseconds=1))  # expired, lingering: as in A
    assert [d.unique_name for d in b.services("default").documents.list()] == ["session"]
    clock.set(gone_at)
    assert b.services("default").documents.list() == []
    assert a.services("default").documents.list() == []
    b._check()


class CallbackClock(ManualClock):
    """A manual clock that runs ``on_read`` (once) when it is next read."""

    on_read: Callable[[], None] | None = None

    def now(self) -> datetime:
        hook, self.on_read = self.on_read, None
        if hook is not None:
            hook()
        return super().now()


def test_now_is_read_once_the_files_lock_is_held(tmp_path: Path) -> None:
    # Another connection holds the file's lock while B's update begins; the clock passes
    # the Document's expiry before the lock is free. B reads its now once it holds the
    # lock: the Document has expired for B too (404), and is not written back to life
    # (read before the wait, B's now would find it alive and give it a new TTL).
    clock = ManualClock()
    path = tmp_path / "held.db"
    a = Sync(storage=SqliteStorage(path, synchronous="OFF"), clock=clock, seed=1)
    b = Sync(storage=SqliteStorage(path, synchronous="OFF"), clock=clock, seed=2)
    a.services("default").documents.create(unique_name="session", data={"v": 1}, ttl=60)
    assert b.services("default").documents("session").fetch().data == {"v": 1}
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    outcome: list[object] = []

    def update() -> None:
        try:
            document = b.services("default").documents("session")
            outcome.append(document.update(data={"v": 2}, ttl=3600))
        except Exception as error:  # looked at below
            outcome.append(error)

    updating = threading.Thread(target=update)
    updating.start()
    try:
        time.sleep(0.3)  # B's update waits for the lock
        clock.advance(61)
    finally:
        holder.execute("COMMIT")
        holder.close()
        updating.join(timeout=30)
    assert len(outcome) == 1
    assert isinstance(outcome[0], NotFoundError), outcome
    with pytest.raises(NotFoundError):
        a.services("default").documents("session").fetch()
    b._check()


def test_a_caught_up_removal_rolled_back_with_its_body_is_made_again(tmp_path: Path) -> None:
    clock = ManualClock()
    a, b, removals = two_syncs(tmp_path, clock)
    assert b.services("default").documents.list() == []
    a.services("default").documents.create(unique_name="session", ttl=60)
    clock.advance(61)
    # B's operation removes the expired Document first, in its transaction; the
    # operation then fails (404), so that removal is undone with it, and made again at
    # once in a transaction of its own: announced once, and gone for A too.
    with pytest.raises(NotFoundError):
        b.services("default").documents("missing").fetch()
    assert [(e.type, e.object_unique_name, e.expired) for e in removals] == [
        ("document_removed", "session", True)
    ]
    with pytest.raises(NotFoundError):
        b.services("default").documents("session").fetch()
    with pytest.raises(NotFoundError):
        a.services("default").documents("session").fetch()
    assert len(removals) == 1
    b._check()


def test_a_fetch_of_what_expired_is_404_and_leaves_it_removed(tmp_path: Path) -> None:
    # The sweep runs in the body's transaction on a shared file; the body then fails
    # because of what it removed (404): the removal is kept all the same.
    clock = ManualClock()
    a, b, removals = two_syncs(tmp_path, clock)
    a.services("default").documents.create(unique_name="session", ttl=60)
    assert b.services("default").documents("session").fetch().unique_name == "session"
    clock.advance(61)
    for sync in (b, b, a):
        with pytest.raises(NotFoundError):
            sync.services("default").documents("session").fetch()
    assert [(e.type, e.expired) for e in removals] == [("document_removed", True)]
    assert a.export_state()["services"][0]["documents"] == []
    a._check()


class CountingShared(MemoryStorage):
    """A MemoryStorage that says it is shared: counts the questions, and where they come."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.asked_at: list[int] = []

    def atomic(self) -> Any:
        outer = super().atomic()
        storage = self

        class Counting:
            def __enter__(self) -> None:
                outer.__enter__()
                storage.depth += 1

            def __exit__(self, *exc_info: Any) -> Any:
                storage.depth -= 1
                return outer.__exit__(*exc_info)

        return Counting()

    def changed_elsewhere(self) -> bool:
        self.asked_at.append(self.depth)
        return False


def test_a_shared_storage_is_asked_once_per_operation_inside_its_transaction() -> None:
    storage = CountingShared()
    sync = Sync(storage=storage, clock=ManualClock(), seed=1)
    docs = sync.services("default").documents
    docs.create(unique_name="a")
    docs("a").fetch()
    with pytest.raises(NotFoundError):
        docs("b").fetch()
    docs.list()
    assert storage.asked_at == [1, 1, 1, 1]  # four operations, each inside atomic()


# -- opening a file that other connections use ---------------------------------------


def test_opening_waits_for_another_connection_holding_a_new_file(tmp_path: Path) -> None:
    path = tmp_path / "held.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")  # a new, empty file, locked
    release = threading.Timer(0.15, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        storage = SqliteStorage(path, synchronous="OFF")
    finally:
        release.join()
        holder.close()
    sync = Sync(storage=storage, clock=ManualClock())
    assert sync.services("default").documents.create(unique_name="d").unique_name == "d"
    storage.close()


def busy() -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("database is locked")
    error.sqlite_errorcode = sqlite3.SQLITE_BUSY
    return error


def test_opening_retries_when_sqlite_answers_busy_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = SqliteStorage._use_wal
    answers = [busy(), busy()]

    def flaky(self: SqliteStorage) -> None:
        if answers:
            raise answers.pop()
        real(self)

    monkeypatch.setattr(SqliteStorage, "_use_wal", flaky)
    storage = SqliteStorage(tmp_path / "flaky.db", synchronous="OFF")
    assert answers == []  # refused twice, then opened
    storage.put("t", ("a",), 1)
    storage.close()
    with sqlite3.connect(tmp_path / "flaky.db") as db:
        meta = dict(db.execute("SELECT name, value FROM meta").fetchall())
    db.close()
    assert meta == {"format": "sync_core", "schema_version": str(SCHEMA_VERSION)}


def test_opening_gives_up_past_the_busy_timeout_and_other_errors_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def always_busy(self: SqliteStorage) -> None:
        calls.append("busy")
        raise busy()

    monkeypatch.setattr(sqlite_module, "_BUSY_TIMEOUT", 0.05)
    monkeypatch.setattr(SqliteStorage, "_use_wal", always_busy)
    with pytest.raises(sqlite3.OperationalError, match="locked") as refused:
        SqliteStorage(tmp_path / "busy.db")
    assert len(calls) > 1
    assert any("held the database for 0.05 s" in note for note in refused.value.__notes__)

    def broken(self: SqliteStorage) -> None:
        calls.append("broken")
        raise sqlite3.OperationalError("disk I/O error")

    calls.clear()
    monkeypatch.setattr(SqliteStorage, "_use_wal", broken)
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        SqliteStorage(tmp_path / "broken.db")
    assert calls == ["broken"]  # not retried


def test_a_store_made_by_another_process_meanwhile_is_not_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first look finds no table; by the time the write lock is held, another
    # connection has made the store: nothing is made twice ("table meta already exists").
    path = tmp_path / "raced.db"
    SqliteStorage(path, synchronous="OFF").close()
    real = SqliteStorage._tables
    looks: list[int] = []

    def first_look_empty(self: SqliteStorage) -> set[str]:
        looks.append(1)
        return set() if len(looks) == 1 else real(self)

    monkeypatch.setattr(SqliteStorage, "_tables", first_look_empty)
    storage = SqliteStorage(path, synchronous="OFF")
    assert len(looks) == 2
    storage.put("t", ("a",), 1)
    storage.close()


def test_a_foreign_database_made_meanwhile_is_refused_and_left_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (name TEXT)")
    db.close()
    before = path.read_bytes()
    real = SqliteStorage._tables
    looks: list[int] = []

    def first_look_empty(self: SqliteStorage) -> set[str]:
        looks.append(1)
        return set() if len(looks) == 1 else real(self)

    monkeypatch.setattr(SqliteStorage, "_tables", first_look_empty)
    with pytest.raises(StorageFormatError, match="customers"):
        SqliteStorage(path)
    assert path.read_bytes() == before


# -- a storage carried across a fork ---------------------------------------------------


def test_a_storage_used_in_another_process_than_its_opener_is_refused(tmp_path: Path) -> None:
    # What a fork() does to a storage, without forking: the process using it is not the
    # one that opened it (tests/integration/test_many_processes.py forks for real).
    path = tmp_path / "forked.db"
    storage = SqliteStorage(path, synchronous="OFF")
    sync = Sync(storage=storage, clock=ManualClock(), seed=1)
    sync.services("default").documents.create(unique_name="kept")
    opener = storage._pid
    storage._pid = opener + 1
    uses: list[Callable[[], object]] = [
        lambda: storage.get("objects", ("x",)),
        lambda: storage.put("objects", ("x",), 1),
        lambda: storage.delete("objects", ("x",)),
        lambda: storage.delete_range("objects", (), ("z",)),
        lambda: storage.scan("objects", ()),
        lambda: storage.atomic().__enter__(),
        storage.snapshot,
        storage.clear,
        storage.changed_elsewhere,
        lambda: sync.services("default").documents.create(unique_name="lost"),
        lambda: sync.services("default").documents.list(),
    ]
    for use in uses:
        with pytest.raises(StorageForkedError, match="must not cross a fork") as refused:
            use()
        assert f"opened by process {opener + 1}" in str(refused.value)
        assert "post_fork" in str(refused.value)
    storage.close()  # lets go without touching the connection: it still works below
    storage._pid = opener
    assert [d.unique_name for d in sync.services("default").documents.list()] == ["kept"]
    storage.close()
    again = Sync(storage=SqliteStorage(path), clock=ManualClock(), seed=1)
    assert [d.unique_name for d in again.services("default").documents.list()] == ["kept"]
    again._check()
    again.storage.close()


def test_the_fork_handler_makes_the_child_a_process_of_its_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    storage = SqliteStorage(tmp_path / "handler.db", synchronous="OFF")
    monkeypatch.setattr(os, "getpid", lambda: storage._pid + 7)
    sqlite_module._after_fork_in_child()  # as os.register_at_fork runs it in a child
    try:
        with pytest.raises(StorageForkedError):
            storage.get("t", ("a",))
    finally:
        monkeypatch.undo()
        sqlite_module._after_fork_in_child()
    assert storage.get("t", ("a",)) is None
    storage.close()


def test_check_reads_one_state_while_another_connection_writes(tmp_path: Path) -> None:
    # Sync._check (the tests' invariant check) reads the store in one transaction: a
    # writer on another connection commits between its reads no more.
    path = tmp_path / "live.db"
    writer = Sync(storage=SqliteStorage(path, synchronous="OFF"), clock=ManualClock(), seed=1)
    checker = Sync(storage=SqliteStorage(path, synchronous="OFF"), clock=ManualClock(), seed=2)
    writer.services("default").sync_maps.create(unique_name="m")
    items = writer.services("default").sync_maps("m").sync_map_items
    stop = threading.Event()
    written: list[int] = []

    def write() -> None:
        n = 0
        while not stop.is_set() and n < 400:
            items.create(key=f"k{n}", data={})
            n += 1
        written.append(n)

    writing = threading.Thread(target=write)
    writing.start()
    try:
        for _ in range(6):
            checker._check()
    finally:
        stop.set()
        writing.join(timeout=60)
    assert written
    assert written[0] > 0
    checker._check()
