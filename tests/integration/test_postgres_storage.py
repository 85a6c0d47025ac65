"""PostgresStorage against a real PostgreSQL (the session's pgserver, tests/conftest.py).

The domain tests run on it too (the ``postgres`` parameter of ``sync_storage``); these
check what is its own: the conformance suite, exact values, opening and refusing a
schema, two storages of one schema (expiry, the commit counter, change notices), a
connection lost mid-operation and mid-commit, and fork refusal.
docs/durable-storage.md, "PostgreSQL", says what holds.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from sync_core import (
    ManualClock,
    MemoryStorage,
    PostgresStorage,
    StorageConnectionError,
    StorageForkedError,
    StorageFormatError,
    Sync,
)
from sync_core.storage.base import ChangeNotices, RangeDeletes, SharedStorage, Snapshots
from sync_core.storage.codec import encode_key
from sync_core.storage.postgres import _KNOWN, POLL_SECONDS, PostgresSnapshot
from sync_core.testing.conformance import run_storage_conformance

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

_names = itertools.count()


@pytest.fixture
def schemas(pg_dsn: str) -> Iterator[Callable[[], str]]:
    """Makes fresh schema names; every schema so named is dropped after the test."""
    made: list[str] = []

    def fresh() -> str:
        made.append(f"c{os.getpid()}_{next(_names)}")
        return made[-1]

    yield fresh
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        for name in made:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@pytest.fixture
def storage(pg_dsn: str, pg_schema: str) -> Iterator[PostgresStorage]:
    opened = PostgresStorage(pg_dsn, schema=pg_schema)
    yield opened
    opened.close()


@pytest.fixture
def other(pg_dsn: str, pg_schema: str, storage: PostgresStorage) -> Iterator[PostgresStorage]:
    """A second storage of the same schema (as another process would open it)."""
    opened = PostgresStorage(pg_dsn, schema=pg_schema)
    yield opened
    opened.close()


def admin(dsn: str) -> psycopg.Connection[Any]:
    return psycopg.connect(dsn, autocommit=True)


def tables_of(dsn: str, schema: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of ``schema`` and its rows, sorted: to show a schema is untouched."""
    with admin(dsn) as conn:
        names = [
            str(row[0])
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (schema,),
            )
        ]
        return {
            name: sorted(conn.execute(f'SELECT * FROM "{schema}"."{name}"').fetchall(), key=repr)
            for name in sorted(names)
        }


def write_then_fail(storage: PostgresStorage, announce: str | None = None) -> None:
    """A transaction that writes (and announces), then raises KeyError: rolled back."""
    with storage.atomic():
        storage.put("t", ("c",), 3)
        if announce is not None:
            storage.announce(announce)
        raise KeyError(announce)


# -- the protocol ---------------------------------------------------------------------


def test_it_passes_the_storage_conformance_suite(pg_dsn: str, schemas: Callable[[], str]) -> None:
    run_storage_conformance(
        lambda: PostgresStorage(pg_dsn, schema=schemas()), thorough=bool(os.environ.get("CI"))
    )


def test_it_offers_snapshots_shared_storage_change_notices_and_range_deletes(
    storage: PostgresStorage,
) -> None:
    assert isinstance(storage, Snapshots)
    assert isinstance(storage, RangeDeletes)
    assert isinstance(storage, SharedStorage)
    assert isinstance(storage, ChangeNotices)


@pytest.mark.parametrize(
    "value",
    ["\ud800", "a\udfffb", "\ud83d\ude00", "\x00nul", "é\u2028", "😀", -(2**63), 2**80],
    ids=repr,
)
def test_values_and_keys_round_trip_exactly_as_in_memory(
    storage: PostgresStorage, value: str | int
) -> None:
    # Lone surrogates and NUL are refused by PostgreSQL's text type; they are values the
    # Storage protocol may be given (the public API refuses lone surrogates itself).
    memory = MemoryStorage()
    key = (value if isinstance(value, str) else "int", 1)
    for place in (storage, memory):
        place.put("t", key, value)
    assert storage.get("t", key) == memory.get("t", key) == value
    assert type(storage.get("t", key)) is type(value)
    assert list(storage.scan("t", ())) == list(memory.scan("t", ())) == [(key, value)]
    storage._check()


def test_a_closed_storage_refuses_to_work(pg_dsn: str, pg_schema: str) -> None:
    store = PostgresStorage(pg_dsn, schema=pg_schema)
    store.put("t", ("a",), 1)
    store.close()
    with pytest.raises(StorageConnectionError, match="is closed"):
        store.get("t", ("a",))
    store.close()  # twice is fine


# -- opening ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["", "1abc", "a-b", 'x"; DROP SCHEMA public; --', "a" * 51, "sch ema", "é"]
)
def test_a_bad_schema_name_is_refused_before_anything_is_done(pg_dsn: str, name: str) -> None:
    before = tables_of(pg_dsn, name)
    with admin(pg_dsn) as conn:
        schemas_before = conn.execute("SELECT nspname FROM pg_namespace ORDER BY 1").fetchall()
    with pytest.raises(ValueError, match="schema must be a PostgreSQL name"):
        PostgresStorage(pg_dsn, schema=name)
    with admin(pg_dsn) as conn:
        assert conn.execute("SELECT nspname FROM pg_namespace ORDER BY 1").fetchall() == (
            schemas_before
        )
    assert tables_of(pg_dsn, name) == before


def test_a_new_schema_is_made_a_store_and_reopened_with_everything(
    pg_dsn: str, pg_schema: str
) -> None:
    clock = ManualClock()
    first = Sync(storage=PostgresStorage(pg_dsn, schema=pg_schema), clock=clock, seed=1)
    jobs = first.services("default").sync_lists.create(unique_name="jobs")
    items = first.services("default").sync_lists("jobs").sync_list_items
    for n in range(3):
        items.create(data={"n": n})
    items(2).delete()
    first.storage.close()
    tables = tables_of(pg_dsn, pg_schema)
    assert set(tables) == {"entries", "meta"}
    meta = dict(tables["meta"])
    assert meta["format"] == "sync_core"
    assert meta["schema_version"] == "1"
    assert int(meta["commits"]) > 0

    again = Sync(storage=PostgresStorage(pg_dsn, schema=pg_schema), clock=clock, seed=1)
    assert again.services("default").sync_lists("jobs").fetch().sid == jobs.sid
    fresh = again.services("default").sync_lists("jobs").sync_list_items.create(data={})
    assert fresh.index == 3  # an index is never given twice, across reopening too
    again._check()
    again.storage.close()


def test_an_empty_schema_made_beforehand_becomes_a_store(pg_dsn: str, pg_schema: str) -> None:
    with admin(pg_dsn) as conn:
        conn.execute(f'CREATE SCHEMA "{pg_schema}"')
    store = PostgresStorage(pg_dsn, schema=pg_schema)
    store.put("t", ("a",), 1)
    assert store.get("t", ("a",)) == 1
    store.close()


class WithoutAdvisoryLock(PostgresStorage):
    """Makes a new schema as on a server whose advisory locks lock nothing."""

    def _create(
        self, conn: psycopg.Connection[Any], *, use_advisory_lock: bool
    ) -> tuple[set[str], list[str]]:
        return super()._create(conn, use_advisory_lock=False)


def open_at_once(kind: type[PostgresStorage], dsn: str, schema: str) -> list[PostgresStorage]:
    """Four threads open ``schema`` at the same instant; the storages (any failure raised)."""
    start = threading.Barrier(4)
    opened: list[PostgresStorage] = []
    failures: list[BaseException] = []

    def open_it() -> None:
        start.wait()
        try:
            opened.append(kind(dsn, schema=schema))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    return opened


@pytest.mark.parametrize("kind", [PostgresStorage, WithoutAdvisoryLock])
def test_threads_opening_a_new_schema_at_once_all_succeed(
    pg_dsn: str, schemas: Callable[[], str], kind: type[PostgresStorage]
) -> None:
    for _ in range(6):
        schema = schemas()
        opened = open_at_once(kind, pg_dsn, schema)
        assert len(opened) == 4
        for number, store in enumerate(opened):
            store.put("t", (number,), number)
        assert [value for _, value in opened[0].scan("t", ())] == [0, 1, 2, 3]
        meta = dict(tables_of(pg_dsn, schema)["meta"])
        assert set(meta) == {"format", "schema_version", "commits"}
        for store in opened:
            store.close()


def test_a_foreign_schema_is_refused_and_left_untouched(pg_dsn: str, pg_schema: str) -> None:
    with admin(pg_dsn) as conn:
        conn.execute(f'CREATE SCHEMA "{pg_schema}"')
        conn.execute(f'CREATE TABLE "{pg_schema}".customers (id int, name text)')
        conn.execute(f"INSERT INTO \"{pg_schema}\".customers VALUES (1, 'ada')")
    before = tables_of(pg_dsn, pg_schema)
    with pytest.raises(StorageFormatError, match=r"not a sync_core store.*customers.*untouched"):
        PostgresStorage(pg_dsn, schema=pg_schema)
    assert tables_of(pg_dsn, pg_schema) == before


def test_a_meta_table_of_another_program_is_refused_untouched(pg_dsn: str, pg_schema: str) -> None:
    with admin(pg_dsn) as conn:
        conn.execute(f'CREATE SCHEMA "{pg_schema}"')
        conn.execute(f'CREATE TABLE "{pg_schema}".meta (key text, data text)')
        conn.execute(f'CREATE TABLE "{pg_schema}".entries (a int)')
        conn.execute(f"INSERT INTO \"{pg_schema}\".meta VALUES ('format', 'other')")
    before = tables_of(pg_dsn, pg_schema)
    with pytest.raises(StorageFormatError, match="not a sync_core store"):
        PostgresStorage(pg_dsn, schema=pg_schema)
    assert tables_of(pg_dsn, pg_schema) == before


@pytest.mark.parametrize(
    "change",
    [
        # entries keyed by text: a store of another layout, with sync_core's meta
        "ALTER TABLE \"{schema}\".entries ALTER COLUMN key TYPE text USING encode(key, 'hex')",
        'ALTER TABLE "{schema}".entries ADD COLUMN extra int NOT NULL DEFAULT 0',
        'ALTER TABLE "{schema}".entries DROP CONSTRAINT entries_pkey',
        "UPDATE \"{schema}\".meta SET value = 'many' WHERE name = 'commits'",
    ],
)
def test_a_store_whose_tables_are_laid_out_otherwise_is_refused_untouched(
    pg_dsn: str, pg_schema: str, change: str
) -> None:
    store = PostgresStorage(pg_dsn, schema=pg_schema)
    store.put("t", ("a",), "kept")
    store.close()
    with admin(pg_dsn) as conn:
        conn.execute(change.format(schema=pg_schema))
    before = tables_of(pg_dsn, pg_schema)
    with pytest.raises(StorageFormatError, match=r"not laid out as one.*untouched"):
        PostgresStorage(pg_dsn, schema=pg_schema)
    assert tables_of(pg_dsn, pg_schema) == before


def test_a_store_of_another_schema_version_is_refused_untouched(
    pg_dsn: str, pg_schema: str
) -> None:
    store = PostgresStorage(pg_dsn, schema=pg_schema)
    store.put("t", ("a",), "kept")
    store.close()
    with admin(pg_dsn) as conn:
        conn.execute(f"UPDATE \"{pg_schema}\".meta SET value = '99' WHERE name = 'schema_version'")
    before = tables_of(pg_dsn, pg_schema)
    with pytest.raises(StorageFormatError, match=r"schema version '99'.*untouched"):
        PostgresStorage(pg_dsn, schema=pg_schema)
    assert tables_of(pg_dsn, pg_schema) == before


def test_an_unreachable_server_is_a_storage_connection_error(tmp_path: Any) -> None:
    dsn = f"host={tmp_path} port=1 dbname=nothing user=nobody"
    with pytest.raises(StorageConnectionError, match="cannot connect to PostgreSQL") as refused:
        PostgresStorage(dsn, connect_timeout=2)
    assert isinstance(refused.value.__cause__, psycopg.OperationalError)
    assert "PostgresStorage(" in str(refused.value)


def test_the_password_is_not_in_messages(pg_dsn: str, pg_schema: str) -> None:
    store = PostgresStorage(pg_dsn + "&password=s3cret", schema=pg_schema)
    assert "s3cret" not in repr(store)
    assert pg_schema in repr(store)
    store.close()


# -- two storages of one schema ----------------------------------------------------------


def test_each_sees_the_others_commits_and_not_its_own(
    storage: PostgresStorage, other: PostgresStorage
) -> None:
    assert (storage.changed_elsewhere(), other.changed_elsewhere()) == (False, False)
    storage.put("t", ("a",), 1)
    assert storage.changed_elsewhere() is False
    assert other.changed_elsewhere() is True
    assert other.changed_elsewhere() is False
    with other.atomic():  # as sync_core asks: inside the transaction, under the lock
        assert other.changed_elsewhere() is False
        other.put("t", ("b",), 2)
    with storage.atomic():
        assert storage.changed_elsewhere() is True
        assert storage.get("t", ("b",)) == 2
    # A transaction that only read, or rolled back, changes nothing for the other.
    with storage.atomic():
        storage.get("t", ("a",))
    with pytest.raises(KeyError):
        write_then_fail(storage)
    with other.atomic():
        assert other.changed_elsewhere() is False
        assert other.get("t", ("c",)) is None


def test_a_ttl_written_through_one_is_honoured_through_the_other(
    storage: PostgresStorage, other: PostgresStorage
) -> None:
    clock = ManualClock()
    mine = Sync(storage=storage, clock=clock, seed=2)
    theirs = Sync(storage=other, clock=clock, seed=3)
    assert theirs.services("default").documents.list() == []  # nothing to expire yet
    mine.services("default").documents.create(unique_name="session", ttl=60)
    board = mine.services("default").sync_maps.create(unique_name="board")
    mine.services("default").sync_maps("board").sync_map_items.create(key="k", data={}, item_ttl=60)
    heard: list[tuple[str, bool | None]] = []
    theirs.subscribe(lambda event: heard.append((event.type, event.expired)))
    clock.advance(60)
    assert theirs.services("default").documents.list() == []
    assert theirs.services("default").sync_maps(board.sid).sync_map_items.list() == []
    assert sorted(heard) == [("document_removed", True), ("map_item_removed", True)]
    # The name is free again, for either.
    theirs.services("default").documents.create(unique_name="session")
    assert mine.services("default").documents("session").fetch().unique_name == "session"
    mine._check()
    theirs._check()


def test_a_transaction_waits_for_the_other_storages_to_end(
    storage: PostgresStorage, other: PostgresStorage
) -> None:
    storage.put("t", ("n",), 0)
    order: list[str] = []
    inside = threading.Event()

    def hold() -> None:
        with storage.atomic():
            value = storage.get("t", ("n",))
            assert isinstance(value, int)
            inside.set()
            time.sleep(0.3)
            storage.put("t", ("n",), value + 1)
            order.append("first committed")

    holder = threading.Thread(target=hold)
    holder.start()
    assert inside.wait(10)
    with other.atomic():  # waits on the locked row until the first commits
        order.append("second began")
        value = other.get("t", ("n",))
        assert isinstance(value, int)
        other.put("t", ("n",), value + 1)
    holder.join(10)
    assert order == ["first committed", "second began"]
    assert storage.get("t", ("n",)) == 2  # no update lost


def test_snapshot_restore_and_clear_are_whole_transactions(
    storage: PostgresStorage, other: PostgresStorage
) -> None:
    for n in range(300):
        storage.put("t", ("k", n), f"v{n}")
    saved = storage.snapshot()
    assert repr(saved) == "<PostgresSnapshot 300 entries>"
    storage.clear()
    assert list(storage.scan("t", ())) == []
    assert other.changed_elsewhere() is True
    storage.put("t", ("other",), 1)
    storage.restore(saved)
    assert [value for _, value in other.scan("t", ("k",))] == [f"v{n}" for n in range(300)]
    assert other.get("t", ("other",)) is None
    with pytest.raises(TypeError, match="restores a PostgresSnapshot"):
        storage.restore(MemoryStorage().snapshot())
    assert len(list(storage.scan("t", ()))) == 300  # the refusal changed nothing


# -- change notices ------------------------------------------------------------------------


def test_a_commit_wakes_the_other_storage_and_a_rollback_nobody(
    storage: PostgresStorage, other: PostgresStorage
) -> None:
    assert other.wait_announced(5) is True  # the first call listens, and answers at once
    started = time.monotonic()
    assert other.wait_announced(0.2) is False  # nothing: the timeout
    assert time.monotonic() - started >= 0.19

    with storage.atomic():
        storage.put("t", ("a",), 1)
        storage.announce("IS1")
        storage.announce("IS2")
    assert other.wait_announced(5) is True
    assert other.wait_announced(0.1) is False  # both notices woke it once

    with pytest.raises(KeyError):
        write_then_fail(storage, "IS1")
    assert other.get("t", ("c",)) is None
    assert other.wait_announced(0.3) is False  # rolled back: nobody is woken


def test_a_waiting_thread_is_woken_by_a_commit(
    storage: PostgresStorage, other: PostgresStorage
) -> None:
    assert other.wait_announced(1) is True
    woken: list[tuple[bool, float]] = []

    def wait() -> None:
        started = time.monotonic()
        woken.append((other.wait_announced(20), time.monotonic() - started))

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.2)
    other.put("t", ("a",), 1)  # the other storage works on while its listener waits
    with storage.atomic():
        storage.announce("IS1")
    waiter.join(20)
    assert len(woken) == 1
    assert woken[0][0] is True
    assert woken[0][1] < 10


def test_a_notice_of_its_own_commit_wakes_its_own_listener(storage: PostgresStorage) -> None:
    assert storage.wait_announced(1) is True
    storage.announce("IS1")  # outside atomic(): at once
    assert storage.wait_announced(5) is True


# -- connection loss ---------------------------------------------------------------------


def terminate(dsn: str, pid: int) -> None:
    with admin(dsn) as conn:
        assert conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)
    # The backend is gone once the server says so.
    with admin(dsn) as conn:
        for _ in range(200):
            if not conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
                return
            time.sleep(0.01)


class KilledOnPut(PostgresStorage):
    """Its connection is terminated by another connection just before its ``kill_at``-th
    ``put`` (counting from 1 after ``arm()``)."""

    kill_at = 0
    puts = 0

    def arm(self, at: int) -> None:
        self.kill_at, self.puts = at, 0

    def put(self, table: str, key: Any, value: object) -> None:
        self.puts += 1
        if self.puts == self.kill_at:
            terminate(self.dsn, self.backend_pid())
        super().put(table, key, value)


class KilledOnCommit(PostgresStorage):
    """Its connection is terminated just before its next commit, once ``armed``."""

    armed = False

    def _commit(self) -> None:
        if self.armed:
            self.armed = False
            terminate(self.dsn, self.backend_pid())
        super()._commit()


def test_a_connection_lost_mid_operation_keeps_nothing_and_the_next_reconnects(
    pg_dsn: str, pg_schema: str
) -> None:
    storage = KilledOnPut(pg_dsn, schema=pg_schema)
    clock = ManualClock()
    sync = Sync(storage=storage, clock=clock, seed=4)
    sync.services("default").sync_maps.create(unique_name="board")
    before = tables_of(pg_dsn, pg_schema)
    backend = storage.backend_pid()
    storage.changed_elsewhere()

    # A map item create writes more than once: killed half-way. Its writes wait in
    # memory, so the next round trip, a read of the counters, finds the connection lost.
    storage.arm(2)
    items = sync.services("default").sync_maps("board").sync_map_items
    with pytest.raises(StorageConnectionError) as lost:
        items.create(key="k", data={"a": 1})
    message = str(lost.value)
    assert "connection to PostgreSQL was lost while reading" in message
    assert "nothing of this operation was kept" in message
    assert "PostgresStorage(" in message
    assert isinstance(lost.value.__cause__, psycopg.OperationalError)
    assert storage.puts >= 2
    assert tables_of(pg_dsn, pg_schema) == before  # nothing of it, not even the counter

    storage.arm(0)
    assert items.create(key="k", data={"a": 2}).data == {"a": 2}  # over a new connection
    assert storage.backend_pid() != backend
    assert [item.key for item in items.list()] == ["k"]
    sync._check()
    storage.close()


def test_after_a_reconnect_changed_elsewhere_answers_true_once(pg_dsn: str, pg_schema: str) -> None:
    storage = KilledOnPut(pg_dsn, schema=pg_schema)
    assert storage.changed_elsewhere() is False
    terminate(pg_dsn, storage.backend_pid())
    with pytest.raises(StorageConnectionError, match="lost while reading"):
        storage.get("t", ("a",))
    assert storage.get("t", ("a",)) is None  # reconnected
    with storage.atomic():
        assert storage.changed_elsewhere() is True  # what happened meanwhile is unknown
    with storage.atomic():
        assert storage.changed_elsewhere() is False
    storage.close()


def test_a_connection_lost_inside_atomic_fails_the_rest_of_the_block(
    pg_dsn: str, pg_schema: str
) -> None:
    storage = KilledOnPut(pg_dsn, schema=pg_schema)
    storage.put("t", ("kept",), 1)
    storage.arm(2)
    caught: list[str] = []

    def block() -> None:
        with storage.atomic():
            storage.put("t", ("a",), 1)
            storage.put("t", ("b",), 2)  # killed here; the write waits in memory
            try:
                storage.get("t", ("z",))  # the next round trip finds the loss
            except StorageConnectionError as lost:
                caught.append(str(lost))
            with pytest.raises(StorageConnectionError, match="lost earlier"):
                storage.get("t", ("a",))  # not even from memory
            with pytest.raises(StorageConnectionError, match="lost earlier"):
                storage.delete("t", ("a",))
            storage.put("t", ("c",), 3)  # not silently on a new connection, outside it

    with pytest.raises(StorageConnectionError, match="lost earlier in this transaction"):
        block()
    assert len(caught) == 1
    assert [key for key, _ in storage.scan("t", ())] == [("kept",)]
    storage.close()


def test_a_connection_lost_while_committing_says_the_outcome_is_unknown(
    pg_dsn: str, pg_schema: str
) -> None:
    storage = KilledOnCommit(pg_dsn, schema=pg_schema)
    storage.armed = True
    with pytest.raises(StorageConnectionError, match=r"lost while committing.*is unknown"):
        storage.put("t", ("a",), 1)  # its own transaction
    # It did not commit here (the backend died first); the next call reconnects.
    assert storage.get("t", ("a",)) is None
    storage.put("t", ("a",), 2)
    assert storage.get("t", ("a",)) == 2
    storage.close()


# -- fork ----------------------------------------------------------------------------------


def test_a_storage_used_in_a_forked_child_is_refused(pg_dsn: str, pg_schema: str) -> None:
    if not hasattr(os, "fork"):
        pytest.skip("this platform has no fork()")
    storage = PostgresStorage(pg_dsn, schema=pg_schema)
    storage.put("t", ("before",), 1)
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, then leave at once (no atexit, no finalizers)
        report: dict[str, Any] = {}
        try:
            calls: list[tuple[str, Callable[[], object]]] = [
                ("put", lambda: storage.put("t", ("child",), 1)),
                ("get", lambda: storage.get("t", ("before",))),
                ("delete_range", lambda: storage.delete_range("t", (), ("z",))),
                ("atomic", lambda: storage.atomic().__enter__()),
                ("wait", lambda: storage.wait_announced(0)),
            ]
            for name, call in calls:
                try:
                    call()
                except StorageForkedError as refused:
                    report[name] = str(refused)
            storage.close()  # lets go without touching the parent's connection
            fresh = PostgresStorage(pg_dsn, schema=pg_schema)
            fresh.put("t", ("child-fresh",), 2)
            fresh.close()
        except BaseException as exc:
            report["error"] = repr(exc)
        os.write(writer, json.dumps(report).encode())
        os._exit(0)
    os.close(writer)
    deadline = time.monotonic() + 30
    while (waited := os.waitpid(pid, os.WNOHANG)) == (0, 0):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the forked child did not finish in 30 s")
        time.sleep(0.01)
    assert waited[1] == 0
    with os.fdopen(reader) as pipe:
        report = json.loads(pipe.read())
    assert "error" not in report, report["error"]
    assert set(report) == {"put", "get", "delete_range", "atomic", "wait"}
    assert all("must not cross a fork" in text for text in report.values())
    # The parent's connection works on; the refused write is nowhere.
    assert [key for key, _ in storage.scan("t", ())] == [("before",), ("child-fresh",)]
    storage.close()


def test_without_notices_announce_is_silent_and_waiting_polls(
    pg_dsn: str, pg_schema: str, storage: PostgresStorage
) -> None:
    assert storage.notices is True  # PostgreSQL accepts LISTEN
    quiet = PostgresStorage(pg_dsn, schema=pg_schema, notices=False)
    assert storage.wait_announced(1) is True
    with quiet.atomic():
        quiet.put("t", ("a",), 1)
        quiet.announce("IS1")
    assert storage.wait_announced(0.3) is False  # no NOTIFY was sent
    started = time.monotonic()
    assert quiet.wait_announced(10) is True  # a poll: read again
    assert POLL_SECONDS - 0.01 <= time.monotonic() - started < 5
    assert quiet.wait_announced(0.05) is False  # the whole timeout passed
    quiet.close()


def test_waiting_for_the_lock_longer_than_lock_timeout_fails_and_changes_nothing(
    pg_dsn: str, pg_schema: str, storage: PostgresStorage
) -> None:
    impatient = PostgresStorage(pg_dsn, schema=pg_schema, lock_timeout=0.2)
    storage.put("t", ("a",), 1)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with storage.atomic():
            holding.set()
            release.wait(20)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(10)
        started = time.monotonic()
        with pytest.raises(psycopg.errors.LockNotAvailable) as refused:
            impatient.put("t", ("a",), 2)
        assert 0.15 < time.monotonic() - started < 10
        assert any("lock_timeout = 0.2 s" in note for note in refused.value.__notes__)
    finally:
        release.set()
        holder.join(20)
    assert impatient.get("t", ("a",)) == 1  # nothing written
    impatient.put("t", ("a",), 3)  # the lock is free again: it works on
    assert storage.get("t", ("a",)) == 3
    impatient.close()


@pytest.mark.parametrize("bad", [-1, float("nan"), "30", 10**10, True, False, float("inf")])
def test_a_bad_lock_timeout_is_refused(pg_dsn: str, bad: Any) -> None:
    with pytest.raises(ValueError, match="lock_timeout must be"):
        PostgresStorage(pg_dsn, schema="never_made", lock_timeout=bad)
    assert tables_of(pg_dsn, "never_made") == {}


# -- the write buffer: an atomic() block's writes travel with its COMMIT ------------------


class Counted(PostgresStorage):
    """Counts its round trips to the server (each ``_send`` is one)."""

    trips = 0

    def _send(self, conn: Any, statements: Any) -> Any:
        self.trips += 1 if self._pipelines else len(statements)
        return super()._send(conn, statements)


@pytest.fixture(params=["pipeline", "one at a time"])
def buffered(request: pytest.FixtureRequest, pg_dsn: str, pg_schema: str) -> Iterator[Counted]:
    """A storage that sends several statements in one pipeline, or (as with a libpq older
    than 14) one at a time."""
    opened = Counted(pg_dsn, schema=pg_schema)
    opened._pipelines = request.param == "pipeline"
    yield opened
    opened.close()


def entries(dsn: str, schema: str) -> dict[tuple[str, bytes], bytes]:
    """What the server holds, as another connection sees it (committed rows only)."""
    with admin(dsn) as conn:
        rows = conn.execute(f'SELECT tbl, key, value FROM "{schema}".entries').fetchall()
    return {(str(t), bytes(k)): bytes(v) for t, k, v in rows}


def test_reads_in_a_block_see_its_own_writes_which_reach_the_server_at_commit(
    buffered: Counted, pg_dsn: str, pg_schema: str
) -> None:
    buffered.put("t", ("gone",), "old")
    buffered.put("t", ("kept",), "old")
    committed = entries(pg_dsn, pg_schema)
    with buffered.atomic():
        buffered.put("t", ("a",), "v1")
        buffered.put("t", ("a",), "v2")  # the last write of a key wins
        buffered.put("t", ("kept",), "new")
        assert buffered.delete("t", ("gone",)) is True
        assert buffered.get("t", ("a",)) == "v2"
        assert buffered.get("t", ("kept",)) == "new"
        assert buffered.get("t", ("gone",)) is None
        assert entries(pg_dsn, pg_schema) == committed  # nothing sent yet
    assert entries(pg_dsn, pg_schema) != committed
    with buffered.atomic():
        assert buffered.get("t", ("a",)) == "v2"
        assert buffered.get("t", ("kept",)) == "new"
        assert buffered.get("t", ("gone",)) is None
    assert [key for key, _ in buffered.scan("t", ())] == [("a",), ("kept",)]


def test_delete_answers_whether_the_key_was_there_as_the_block_sees_it(
    buffered: Counted, pg_dsn: str, pg_schema: str
) -> None:
    buffered.put("t", ("on server",), 1)
    buffered.put("t", ("read first",), 2)
    with buffered.atomic():
        assert buffered.delete("t", ("new",)) is False  # nowhere: one statement
        buffered.put("t", ("new",), 3)
        assert buffered.delete("t", ("new",)) is True  # buffered: from memory
        assert buffered.delete("t", ("new",)) is False
        assert buffered.get("t", ("read first",)) == 2
        trips = buffered.trips
        assert buffered.delete("t", ("read first",)) is True  # read before: from memory
        assert buffered.delete("t", ("read first",)) is False
        assert buffered.get("t", ("never",)) is None
        assert buffered.delete("t", ("never",)) is False  # read as absent: from memory
        assert buffered.trips == trips + 1  # only the get of "never"
        assert buffered.delete("t", ("on server",)) is True  # unknown: one statement
        assert buffered.delete("t", ("on server",)) is False
        buffered.put("t", ("on server",), 4)
        assert buffered.get("t", ("on server",)) == 4
    assert [(key, value) for key, value in buffered.scan("t", ())] == [(("on server",), 4)]
    # Outside atomic(), each is a transaction of its own, and says the same.
    assert buffered.delete("t", ("on server",)) is True
    assert buffered.delete("t", ("on server",)) is False
    assert entries(pg_dsn, pg_schema) == {}


def test_delete_range_is_one_statement_after_the_buffer_and_the_block_knows_the_range_gone(
    buffered: Counted, pg_dsn: str, pg_schema: str
) -> None:
    with buffered.atomic():
        for n in range(1, 7):
            buffered.put("t", ("IS1", n), n)
        buffered.put("t", ("IS10", 1), "a neighbour")
    with buffered.atomic():
        assert buffered.get("t", ("IS1", 2)) == 2  # remembered
        buffered.put("t", ("IS1", 0), 0)  # buffered, in the range
        buffered.put("t", ("IS1", 9), 9)  # buffered, beyond it
        trips = buffered.trips
        assert buffered.delete_range("t", ("IS1",), ("IS1", 3)) == 4
        # The buffer (one statement for the puts) and the DELETE: one round trip in a
        # pipeline, else a statement each.
        assert buffered.trips == trips + (1 if buffered._pipelines else 2)
        trips = buffered.trips
        assert buffered.get("t", ("IS1", 2)) is None  # what it read: now absent
        assert buffered.delete("t", ("IS1", 0)) is False  # what it wrote: now absent
        assert buffered.get("t", ("IS1", 9)) == 9
        assert buffered.trips == trips  # all from memory
        assert buffered.get("t", ("IS1", 4)) == 4  # never read: from the server
        assert buffered.delete_range("t", ("IS1",), ("IS1", 3)) == 0
    assert sorted(entries(pg_dsn, pg_schema)) == sorted(
        ("t", encode_key(key))
        for key in [("IS1", 4), ("IS1", 5), ("IS1", 6), ("IS1", 9), ("IS10", 1)]
    )
    # A block that raises keeps nothing of it.
    committed = entries(pg_dsn, pg_schema)

    def block() -> None:
        with buffered.atomic():
            assert buffered.delete_range("t", (), ("z",)) == 5
            raise KeyError("no")

    with pytest.raises(KeyError):
        block()
    assert entries(pg_dsn, pg_schema) == committed
    # Outside atomic(), a transaction of its own, as delete; a huge prefix asks nothing.
    trips = buffered.trips
    assert buffered.delete("t", ("IS1", 4)) is True
    one_delete = buffered.trips - trips
    trips = buffered.trips
    assert buffered.delete_range("t", ("IS1",), ("IS1", 2**64)) == 3
    assert buffered.trips - trips == one_delete
    trips = buffered.trips
    assert buffered.delete_range("t", ("IS1", 2**64), ("z",)) == 0
    assert buffered.trips == trips
    assert [key for key, _ in buffered.scan("t", ())] == [("IS10", 1)]


def test_a_scan_sees_the_blocks_writes_before_it_and_between_its_batches(
    buffered: Counted,
) -> None:
    for n in range(600):
        buffered.put("t", (n,), n)
    with buffered.atomic():
        buffered.put("t", (1000,), "new")
        assert buffered.delete("t", (0,)) is True
        buffered.put("t", (5,), "five")
        seen = []
        for key, value in buffered.scan("t", ()):  # three batches of 256 at most
            seen.append((key, value))
            if key == (300,):  # in the second batch: the third is read after these
                buffered.put("t", (700,), "written while scanning")
                buffered.put("t", (299,), "behind the scan")
                assert buffered.delete("t", (550,)) is True
        expected: dict[tuple[int], object] = {(n,): n for n in range(1, 600)}
        expected.update({(1000,): "new", (5,): "five", (700,): "written while scanning"})
        del expected[(550,)]
        assert seen == sorted(expected.items())
        backwards = list(buffered.scan("t", (), reverse=True, limit=3))
        assert backwards == [((1000,), "new"), ((700,), "written while scanning"), ((599,), 599)]
        assert buffered.get("t", (299,)) == "behind the scan"
    assert buffered.get("t", (550,)) is None
    assert buffered.get("t", (700,)) == "written while scanning"


def test_a_rolled_back_block_keeps_nothing_of_its_buffer_nor_of_what_it_read(
    buffered: Counted, pg_dsn: str, pg_schema: str
) -> None:
    buffered.put("t", ("a",), 1)
    committed = entries(pg_dsn, pg_schema)
    buffered.changed_elsewhere()

    def block() -> None:
        with buffered.atomic():
            assert buffered.get("t", ("a",)) == 1
            buffered.put("t", ("a",), 2)
            buffered.put("t", ("b",), 2)
            assert list(buffered.scan("t", ())) == [(("a",), 2), (("b",), 2)]  # sent first
            buffered.put("t", ("c",), 3)
            assert buffered.delete("t", ("a",)) is True
            raise KeyError("no")

    with pytest.raises(KeyError):
        block()
    assert entries(pg_dsn, pg_schema) == committed
    # Another connection changes "a" meanwhile: the next block reads it, not a memory.
    with admin(pg_dsn) as conn:
        conn.execute(
            f'UPDATE "{pg_schema}".entries SET value = %s WHERE tbl = %s',
            (b"7", "t"),
        )
    with buffered.atomic():
        assert buffered.changed_elsewhere() is False  # no sync_core commit counted
        assert buffered.get("t", ("a",)) == 7
        assert buffered.get("t", ("b",)) is None
        assert buffered.get("t", ("c",)) is None


def test_more_writes_than_a_block_buffers_are_sent_early_and_still_one_transaction(
    buffered: Counted, pg_dsn: str, pg_schema: str
) -> None:
    def block() -> None:
        with buffered.atomic():
            for n in range(2500):
                buffered.put("t", (n,), n)
            assert buffered.get("t", (2499,)) == 2499
            raise KeyError("no")

    with pytest.raises(KeyError):
        block()
    assert entries(pg_dsn, pg_schema) == {}
    with buffered.atomic():
        for n in range(2500):
            buffered.put("t", (n,), n)
        for n in range(0, 2500, 2):
            assert buffered.delete("t", (n,)) is True
    assert [key for key, _ in buffered.scan("t", ())] == [(n,) for n in range(1, 2500, 2)]
    # A block that reads more keys than it remembers still answers each rightly, and
    # what it remembers stays bounded.
    with buffered.atomic():
        for n in range(5000):
            assert buffered.get("t", (n,)) == (n if n % 2 and n < 2500 else None)
            assert len(buffered._known) <= _KNOWN
        assert buffered.get("t", (1,)) == 1
        assert buffered.delete("t", (1,)) is True
        assert buffered.get("t", (1,)) is None
    assert buffered.get("t", (1,)) is None


def test_clear_and_restore_in_a_block_replace_its_buffer_and_what_it_read(
    buffered: Counted,
) -> None:
    buffered.put("t", ("a",), 1)
    saved = buffered.snapshot()
    with buffered.atomic():
        assert buffered.get("t", ("a",)) == 1
        buffered.put("t", ("b",), 2)
        buffered.clear()
        assert buffered.get("t", ("a",)) is None
        assert buffered.get("t", ("b",)) is None
        buffered.put("t", ("c",), 3)
        buffered.restore(saved)
        assert buffered.get("t", ("c",)) is None
        assert buffered.get("t", ("a",)) == 1
        buffered.put("t", ("d",), 4)
        assert repr(buffered.snapshot()) == "<PostgresSnapshot 2 entries>"  # sees "d"
    assert list(buffered.scan("t", ())) == [(("a",), 1), (("d",), 4)]


def test_a_connection_lost_while_committing_the_buffer_keeps_nothing_of_it(
    pg_dsn: str, pg_schema: str
) -> None:
    class Killed(KilledOnCommit, Counted):
        pass

    storage = Killed(pg_dsn, schema=pg_schema)
    other = PostgresStorage(pg_dsn, schema=pg_schema)
    assert other.wait_announced(5) is True
    for n in range(5):
        storage.put("t", (n,), n)
    before = tables_of(pg_dsn, pg_schema)
    storage.armed = True

    def block() -> None:
        with storage.atomic():
            for n in range(5):
                storage.put("t", (n,), -n)
            assert storage.delete("t", (4,)) is True
            storage.put("t", (9,), 9)
            storage.announce("IS1")

    with pytest.raises(StorageConnectionError) as lost:
        block()
    message = str(lost.value)
    assert "lost while committing" in message
    assert "committed entirely or not at all" in message
    assert isinstance(lost.value.__cause__, psycopg.OperationalError)
    assert tables_of(pg_dsn, pg_schema) == before  # no write, nor the counter
    assert other.wait_announced(0.3) is False  # nor the notice
    assert [value for _, value in storage.scan("t", ())] == [0, 1, 2, 3, 4]  # reconnected
    other.close()
    storage.close()


def test_a_connection_lost_while_sending_the_buffer_before_a_scan_keeps_nothing(
    pg_dsn: str, pg_schema: str
) -> None:
    storage = PostgresStorage(pg_dsn, schema=pg_schema)
    storage.put("t", ("kept",), 1)
    before = tables_of(pg_dsn, pg_schema)

    def block() -> None:
        with storage.atomic():
            storage.put("t", ("a",), 1)
            terminate(pg_dsn, storage.backend_pid())
            with pytest.raises(StorageConnectionError, match=r"lost while scanning.*nothing of"):
                list(storage.scan("t", ()))

    with pytest.raises(StorageConnectionError, match="lost earlier"):
        block()
    assert tables_of(pg_dsn, pg_schema) == before
    assert storage.get("t", ("a",)) is None
    storage.close()


def test_the_round_trips_of_an_operation(buffered: Counted) -> None:
    sync = Sync(storage=buffered, clock=ManualClock(), seed=5)
    sync.services("default").sync_maps.create(unique_name="m")
    items = sync.services("default").sync_maps("m").sync_map_items
    items.create(key="a", data={"n": 0})
    calls: list[tuple[str, Callable[[], object]]] = [
        ("create", lambda: items.create(key="b", data={"n": 1})),
        ("update", lambda: items("b").update(data={"n": 2})),
        ("fetch", lambda: items("b").fetch()),
    ]
    trips = {}
    for name, call in calls:
        before = buffered.trips
        call()
        trips[name] = buffered.trips - before
    if buffered._pipelines:
        # the lock (with the counter); 6 reads (7 asked: the service twice, from the
        # server once); the 4 writes, the counter's update, the change notice and the
        # COMMIT together.
        # (Before the buffer: 13, each write and the second read a round trip.)
        assert trips == {"create": 8, "update": 8, "fetch": 7}
    else:
        # the same, each statement of the commit a round trip: the writes (one
        # statement: no delete), the counter, the change notice, the COMMIT
        assert trips == {"create": 11, "update": 11, "fetch": 7}
    before = buffered.trips
    buffered.put("t", ("x",), 1)  # outside atomic(): lock, then write and commit
    assert buffered.trips - before == (2 if buffered._pipelines else 4)
    assert items("b").fetch().data == {"n": 2}


# -- after review: connection loss in restore's COPY, waiting, closing, foreign schemas ----


class KilledRows(tuple[tuple[str, bytes, bytes], ...]):
    """A snapshot's rows whose reading terminates the storage's backend just before the
    row numbered ``at`` is handed to the ``COPY`` (``at`` = the number of rows: after the
    last, as the ``COPY`` ends)."""

    dsn = ""
    pid = 0
    at = -1

    def __iter__(self) -> Iterator[tuple[str, bytes, bytes]]:
        for number, row in enumerate(super().__iter__()):
            if number == self.at:
                terminate(self.dsn, self.pid)
            yield row
        if self.at == len(self):
            terminate(self.dsn, self.pid)


def count_entries(dsn: str, schema: str) -> int:
    with admin(dsn) as conn:
        row = conn.execute(f'SELECT count(*) FROM "{schema}".entries').fetchone()
    assert row is not None
    return int(row[0])


def test_a_connection_lost_during_restores_copy_never_wedges_the_storage(
    pg_dsn: str, pg_schema: str, storage: PostgresStorage
) -> None:
    with storage.atomic():
        for n in range(20_000):
            storage.put("t", (n,), "x")
    saved = storage.snapshot()
    storage.clear()
    storage.put("t", ("before",), 1)

    # Deterministic: the backend dies at chosen rows of the COPY (at its end, too).
    for at in (0, 1, 700, 10_000, 19_999, 20_000):
        rows = KilledRows(saved._rows)
        rows.dsn, rows.pid, rows.at = pg_dsn, storage.backend_pid(), at
        with pytest.raises(StorageConnectionError, match="lost while restoring") as lost:
            storage.restore(PostgresSnapshot(rows))
        assert "nothing of the restore was kept" in str(lost.value)
        # The next operation works, over a new connection, and nothing was kept.
        assert storage.get("t", ("before",)) == 1
        assert storage.get("t", (0,)) is None
        assert count_entries(pg_dsn, pg_schema) == 1

    # At random instants of restores (the DELETE, the COPY, the COMMIT): whatever the
    # instant, the call fails with StorageConnectionError or succeeds, and the next works.
    started = time.monotonic()
    storage.restore(saved)
    took = time.monotonic() - started
    storage.clear()
    outcomes: set[str] = set()
    for _ in range(40):
        killer = threading.Timer(
            random_instant(took), terminate, args=(pg_dsn, storage.backend_pid())
        )
        killer.start()
        try:
            storage.restore(saved)
            outcomes.add("restored")
        except StorageConnectionError:
            outcomes.add("lost")
        finally:
            killer.join(30)
        with storage.atomic():  # the next operation works (the kill may come after it)
            assert storage.get("t", ("nothing",)) is None
        assert count_entries(pg_dsn, pg_schema) in (0, 20_000)  # all or nothing
        storage.clear()
    assert "lost" in outcomes
    storage.restore(saved)
    assert count_entries(pg_dsn, pg_schema) == 20_000
    assert storage.get("t", (19_999,)) == "x"


_random = random.Random(20)


def random_instant(took: float) -> float:
    """An instant within a restore that takes ``took`` seconds (a little beyond)."""
    return _random.uniform(0, took * 1.2)


def test_a_rollback_on_a_connection_in_doubt_closes_it_and_the_next_reconnects(
    storage: PostgresStorage,
) -> None:
    storage.put("t", ("a",), 1)
    backend = storage.backend_pid()

    def block() -> None:
        with storage.atomic():
            storage.put("t", ("a",), 2)
            conn = storage._conn
            assert conn is not None
            # A statement left running (as a COPY cut short leaves one): a ROLLBACK
            # would fail with "another command is already in progress".
            conn.pgconn.send_query(b"SELECT pg_sleep(0.2)")
            raise KeyError("a")

    with pytest.raises(KeyError):
        block()
    assert storage.get("t", ("a",)) == 1  # a new connection: the old one was closed
    assert storage.backend_pid() != backend


def test_wait_announced_keeps_to_its_timeout_while_another_thread_waits(
    storage: PostgresStorage,
) -> None:
    assert storage.wait_announced(1) is True
    waiter = threading.Thread(target=storage.wait_announced, args=(3.0,))
    waiter.start()
    time.sleep(0.3)  # it waits, holding the listener
    for timeout in (0.0, 0.2):
        started = time.monotonic()
        assert storage.wait_announced(timeout) is False
        assert time.monotonic() - started < timeout + 0.15
    waiter.join(10)
    assert not waiter.is_alive()
    started = time.monotonic()
    assert storage.wait_announced(0.2) is False  # its turn: the whole timeout
    assert time.monotonic() - started >= 0.19


def backends_named(dsn: str, name: str) -> int:
    """How many server backends the clients named ``name`` have (once they settle)."""
    count = 0
    with admin(dsn) as conn:
        for _ in range(200):
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (name,)
            ).fetchone()
            assert row is not None
            count = int(row[0])
            if count == 0:
                break
            time.sleep(0.01)
    return count


class ClosedWhileListening(PostgresStorage):
    """Closed by another thread just as its first wait_announced has connected."""

    def _connect(self, doing: str, *, main: bool = True) -> psycopg.Connection[Any]:
        conn = super()._connect(doing, main=main)
        if not main:
            closer = threading.Thread(target=self.close)
            closer.start()
            closer.join(10)
        return conn


def test_close_racing_the_first_wait_leaves_no_connection_open(pg_dsn: str, pg_schema: str) -> None:
    dsn = pg_dsn + "&application_name=close_race"
    # Deterministic: close() runs while the listener connects.
    store = ClosedWhileListening(dsn, schema=pg_schema)
    assert store.wait_announced(1) is False  # closed: it does not listen
    assert store._listener is None
    assert backends_named(pg_dsn, "close_race") == 0
    with pytest.raises(StorageConnectionError, match="is closed"):
        store.get("t", ("a",))
    assert store.wait_announced(0.1) is False  # closed: no new listener either
    assert backends_named(pg_dsn, "close_race") == 0

    # And at whatever instant two threads happen to meet.
    for n in range(30):
        racing = PostgresStorage(dsn, schema=pg_schema)
        meet = threading.Barrier(2)

        def wait(storage: PostgresStorage = racing, meet: threading.Barrier = meet) -> None:
            meet.wait()
            storage.wait_announced(0)

        waiter = threading.Thread(target=wait)
        waiter.start()
        meet.wait()
        time.sleep(0.001 * (n % 5))
        racing.close()
        waiter.join(10)
        assert racing._listener is None or racing._listener.closed
    assert backends_named(pg_dsn, "close_race") == 0


def catalog_of(dsn: str, schema: str) -> list[tuple[str, str]]:
    """Every object of ``schema`` in the catalogs (relations, types, functions), as the
    superuser sees it: to show a refused schema got nothing."""
    with admin(dsn) as conn:
        rows = conn.execute(
            "SELECT 'rel', relname::text FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = %(s)s "
            "UNION ALL SELECT 'type', typname::text FROM pg_type t JOIN pg_namespace n "
            "ON n.oid = t.typnamespace WHERE n.nspname = %(s)s "
            "UNION ALL SELECT 'proc', proname::text FROM pg_proc p JOIN pg_namespace n "
            "ON n.oid = p.pronamespace WHERE n.nspname = %(s)s ORDER BY 1, 2",
            {"s": schema},
        ).fetchall()
    return [(str(kind), str(name)) for kind, name in rows]


def test_a_schema_of_another_role_with_tables_this_role_cannot_see_is_refused(
    pg_dsn: str, pg_schema: str
) -> None:
    owner, user = f"{pg_schema}_owner", f"{pg_schema}_user"
    with admin(pg_dsn) as conn:
        conn.execute(f'CREATE ROLE "{owner}" LOGIN')
        conn.execute(f'CREATE ROLE "{user}" LOGIN')
    try:
        with admin(pg_dsn) as conn:
            conn.execute(f'CREATE SCHEMA "{pg_schema}" AUTHORIZATION "{owner}"')
            conn.execute(f'CREATE TABLE "{pg_schema}".orders (id int PRIMARY KEY)')
            conn.execute(f'ALTER TABLE "{pg_schema}".orders OWNER TO "{owner}"')
            conn.execute(f'GRANT USAGE, CREATE ON SCHEMA "{pg_schema}" TO "{user}"')
        before = catalog_of(pg_dsn, pg_schema)
        params = psycopg.conninfo.conninfo_to_dict(pg_dsn)
        params["user"] = user
        as_user = psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in params.items()})
        with psycopg.connect(as_user, autocommit=True) as conn:  # it cannot see the table
            assert not conn.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = %s", (pg_schema,)
            ).fetchall()
        with pytest.raises(StorageFormatError, match=r"not a sync_core store.*table orders"):
            PostgresStorage(as_user, schema=pg_schema)
        assert catalog_of(pg_dsn, pg_schema) == before
    finally:
        with admin(pg_dsn) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{pg_schema}" CASCADE')
            conn.execute(f'DROP OWNED BY "{user}"')
            conn.execute(f'DROP ROLE "{user}"')
            conn.execute(f'DROP ROLE "{owner}"')


@pytest.mark.parametrize(
    ("making", "named"),
    [
        ("CREATE SEQUENCE {}.invoice_no", "sequence invoice_no"),
        ("CREATE VIEW {}.one AS SELECT 1 AS one", "view one"),
        ("CREATE TYPE {}.mood AS ENUM ('fine')", "type mood"),
        ("CREATE TYPE {}.pair AS (a int, b int)", "type pair"),
        ("CREATE DOMAIN {}.positive AS int CHECK (VALUE > 0)", "type positive"),
        ("CREATE FUNCTION {}.two() RETURNS int LANGUAGE sql AS 'SELECT 2'", "function two"),
    ],
)
def test_a_schema_holding_only_objects_that_are_not_tables_is_refused(
    pg_dsn: str, pg_schema: str, making: str, named: str
) -> None:
    with admin(pg_dsn) as conn:
        conn.execute(f'CREATE SCHEMA "{pg_schema}"')
        conn.execute(making.format(f'"{pg_schema}"'))
    before = catalog_of(pg_dsn, pg_schema)
    with pytest.raises(StorageFormatError, match=f"not a sync_core store.*{named}.*untouched"):
        PostgresStorage(pg_dsn, schema=pg_schema)
    assert catalog_of(pg_dsn, pg_schema) == before


def test_a_store_with_an_index_added_to_its_table_still_opens(pg_dsn: str, pg_schema: str) -> None:
    PostgresStorage(pg_dsn, schema=pg_schema).close()
    with admin(pg_dsn) as conn:
        conn.execute(f'CREATE INDEX entries_by_value ON "{pg_schema}".entries (value)')
    store = PostgresStorage(pg_dsn, schema=pg_schema)
    store.put("t", ("a",), 1)
    assert store.get("t", ("a",)) == 1
    store.close()


def test_a_sub_millisecond_lock_timeout_still_times_out(
    pg_dsn: str, pg_schema: str, storage: PostgresStorage
) -> None:
    hasty = PostgresStorage(pg_dsn, schema=pg_schema, lock_timeout=0.0001)
    storage.put("t", ("a",), 1)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with storage.atomic():
            holding.set()
            release.wait(5)  # a lock_timeout of 0 (for ever) would wait this long

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(10)
        started = time.monotonic()
        with pytest.raises(psycopg.errors.LockNotAvailable):
            hasty.put("t", ("a",), 2)
        assert time.monotonic() - started < 3
    finally:
        release.set()
        holder.join(20)
    assert hasty.get("t", ("a",)) == 1  # nothing written
    hasty.close()


@pytest.mark.parametrize("name", ["pg_sync", "pg_catalog", "pg_toast", "pg_"])
def test_a_schema_name_postgresql_reserves_is_refused_before_connecting(
    pg_dsn: str, name: str
) -> None:
    with admin(pg_dsn) as conn:
        schemas_before = conn.execute("SELECT nspname FROM pg_namespace ORDER BY 1").fetchall()
    with pytest.raises(ValueError, match="must not begin with 'pg_'"):
        PostgresStorage(pg_dsn, schema=name)
    with pytest.raises(ValueError, match="must not begin with 'pg_'"):  # no server needed
        PostgresStorage("host=/nonexistent port=1 dbname=x", schema=name)
    with admin(pg_dsn) as conn:
        assert conn.execute("SELECT nspname FROM pg_namespace ORDER BY 1").fetchall() == (
            schemas_before
        )


def test_the_first_operation_after_the_idle_connection_died_succeeds(
    pg_dsn: str, pg_schema: str
) -> None:
    storage = PostgresStorage(pg_dsn, schema=pg_schema)
    sync = Sync(storage=storage, clock=ManualClock(), seed=6)
    sync.services("default").sync_maps.create(unique_name="m")
    items = sync.services("default").sync_maps("m").sync_map_items
    items.create(key="a", data={"n": 1})
    backend = storage.backend_pid()
    terminate(pg_dsn, backend)  # the server ends it while idle
    assert items("a").fetch().data == {"n": 1}  # the next operation: begun again
    assert storage.backend_pid() != backend
    terminate(pg_dsn, storage.backend_pid())
    storage.put("t", ("x",), 1)  # a write too
    assert storage.get("t", ("x",)) == 1
    terminate(pg_dsn, storage.backend_pid())
    with storage.atomic():
        assert storage.changed_elsewhere() is True  # what happened meanwhile is unknown
    sync._check()
    storage.close()


@pytest.mark.parametrize("bad_table", ["bad\x00", "bad\ud800"])
def test_buffered_writes_that_cannot_be_sent_fail_the_whole_transaction(
    storage: PostgresStorage, bad_table: str
) -> None:
    """A buffered write psycopg cannot send (a table name PostgreSQL text cannot hold)
    fails before the server sees it, leaving the server's transaction going: the
    transaction is failed, never committed without the writes it had buffered."""

    def transaction() -> None:
        with storage.atomic():
            storage.put("t", ("a",), 1)
            storage.put(bad_table, ("k",), 2)
            try:
                with storage.atomic():
                    list(storage.scan("t", ()))  # sends the buffered writes first
            except (psycopg.DataError, UnicodeEncodeError):
                pass  # caught: the outer block goes on, as a caller may
            else:
                raise AssertionError("the bad table name was sent")
            storage.put("t", ("b",), 3)  # refused: the transaction can only roll back

    with pytest.raises(StorageConnectionError, match="could not be sent"):
        transaction()
    assert list(storage.scan("t", ())) == []  # nothing of it kept, not even ("b",)
    storage.put("t", ("c",), 4)  # the storage goes on
    assert [key for key, _ in storage.scan("t", ())] == [("c",)]


def test_now_is_read_once_the_schemas_lock_is_held(
    pg_dsn: str, pg_schema: str, storage: PostgresStorage, other: PostgresStorage
) -> None:
    """Another connection holds the store's lock (``meta.commits FOR UPDATE``, as a long
    operation of another process would) while B's update begins; the clock passes the
    Document's expiry before the lock is free. B reads its now once it holds the lock:
    the Document has expired for B too (404), and is not written back to life."""
    from sync_core import NotFoundError

    clock = ManualClock()
    a = Sync(storage=storage, clock=clock, seed=1)
    b = Sync(storage=other, clock=clock, seed=2)
    a.services("default").documents.create(unique_name="session", data={"v": 1}, ttl=60)
    assert b.services("default").documents("session").fetch().data == {"v": 1}
    outcome: list[object] = []

    def update() -> None:
        try:
            document = b.services("default").documents("session")
            outcome.append(document.update(data={"v": 2}, ttl=3600))
        except Exception as error:  # looked at below
            outcome.append(error)

    with admin(pg_dsn) as holder:
        holder.execute("BEGIN")
        holder.execute(
            f'SELECT value FROM "{pg_schema}".meta WHERE name = %s FOR UPDATE', ("commits",)
        )
        updating = threading.Thread(target=update)
        updating.start()
        try:
            time.sleep(0.3)  # B's update waits for the lock
            clock.advance(61)
        finally:
            holder.execute("COMMIT")
            updating.join(timeout=30)
    assert len(outcome) == 1
    assert isinstance(outcome[0], NotFoundError), outcome
    with pytest.raises(NotFoundError):
        a.services("default").documents("session").fetch()
    a._check()
