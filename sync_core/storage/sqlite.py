"""A durable storage: SQLite, in one file, crash-safe, behind the same Storage protocol.

``Sync(storage=SqliteStorage("state.db"))`` keeps everything in ``state.db``: reopen
the file and every record, revision, unique name, list index counter, expiry,
permission and event sequence number is back exactly as it was. ``":memory:"`` gives a
private in-memory database (nothing survives ``close()``).

How (docs/durable-storage.md says what survives what):

- one table, ``entries(tbl, key, value)``, with the primary key ``(tbl, key)`` in a
  ``WITHOUT ROWID`` B-tree: keys are encoded so that byte order is Python's tuple
  order (:mod:`sync_core.storage.codec`), so a point read is O(log n) and an ordered
  scan from any place is O(log n + entries), as in memory;
- the journal is a write-ahead log (``journal_mode=WAL``), and each outermost
  ``atomic()`` block, which sync_core opens for every operation, is one transaction
  (``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` when the block raises): an
  operation is in the file whole or not at all;
- ``synchronous`` is ``FULL`` by default: a commit is on disk when the operation
  returns; ``NORMAL`` is faster and still survives a killed process;
- the file records its format and schema version; opening a file that is not a
  sync_core store, or one of an unknown version, raises :class:`StorageFormatError`
  and never writes to it;
- several processes may open and use one file at once (server workers): a new file's
  tables are made under the write lock (``BEGIN IMMEDIATE``), whoever comes first,
  and opening waits for, and retries past, a busy database; every operation takes
  the write lock, so operations are serialized across processes; and
  :meth:`SqliteStorage.changed_elsewhere` (``PRAGMA data_version``) tells sync_core
  when another process committed, so that it honours that process's expiries
  (:class:`~sync_core.storage.base.SharedStorage`);
- a storage carried into a child by ``fork()`` refuses to be used there
  (:class:`StorageForkedError`): a SQLite connection must not cross a fork.

>>> import os, tempfile
>>> from sync_core import Sync, ManualClock
>>> path = os.path.join(tempfile.mkdtemp(), "state.db")
>>> sync = Sync(storage=SqliteStorage(path), clock=ManualClock(), seed=3)
>>> _ = sync.services("default").sync_lists.create(unique_name="jobs")
>>> _ = [sync.services("default").sync_lists("jobs").sync_list_items.create(data={"n": n})
...      for n in range(3)]
>>> sync.services("default").sync_lists("jobs").sync_list_items(2).delete()
True
>>> sync.storage.close()
>>> again = Sync(storage=SqliteStorage(path), clock=ManualClock(), seed=3)
>>> again.services("default").sync_lists("jobs").sync_list_items.create(data={}).index
3
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final, Literal, NoReturn

from .base import Key
from .codec import (
    KeyRangeError,
    batched,
    decode_key,
    decode_value,
    delete_range_of,
    encode_key,
    encode_value,
    scan_range,
)
from .errors import StorageForkedError, StorageFormatError

__all__ = [
    "SCHEMA_VERSION",
    "SqliteSnapshot",
    "SqliteStorage",
    "StorageForkedError",
    "StorageFormatError",
]

#: The version of the file layout this code writes and reads.
SCHEMA_VERSION: Final = 1
#: What the ``meta`` table says a sync_core store is.
_FORMAT: Final = "sync_core"
#: How many entries one query of a long scan reads.
_BATCH: Final = 256
#: How long (seconds) a statement waits for another connection's lock (SQLite's busy
#: timeout), and how long opening a file keeps retrying while another process holds it.
_BUSY_TIMEOUT: Final = 30.0
#: The primary result codes of a database another connection holds: retried on open.
_BUSY_CODES: Final = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})

#: This process's id, kept current by a fork handler (so that checking whether a
#: storage crossed a fork costs no system call: ``os.getpid()`` is one).
_pid = os.getpid()


def _after_fork_in_child() -> None:
    global _pid
    _pid = os.getpid()


if hasattr(os, "register_at_fork"):  # POSIX; elsewhere there is no fork
    os.register_at_fork(after_in_child=_after_fork_in_child)

Synchronous = Literal["OFF", "NORMAL", "FULL", "EXTRA"]


def _busy(error: sqlite3.OperationalError) -> bool:
    """Whether ``error`` says another connection holds the database (worth a retry)."""
    return (getattr(error, "sqlite_errorcode", 0) & 0xFF) in _BUSY_CODES


class SqliteSnapshot:
    """The entries of a :class:`SqliteStorage` at one instant, held in memory. Opaque."""

    __slots__ = ("_rows",)

    def __init__(self, rows: tuple[tuple[str, bytes, str], ...]) -> None:
        self._rows = rows

    def __repr__(self) -> str:
        return f"<SqliteSnapshot {len(self._rows)} entries>"


#: ``PRAGMA table_info`` of the tables :meth:`SqliteStorage._create` makes: (column,
#: name, type, not null, default, place in the primary key).
_META_LAYOUT: Final = [(0, "name", "TEXT", 0, None, 1), (1, "value", "TEXT", 1, None, 0)]
_ENTRIES_LAYOUT: Final = [
    (0, "tbl", "TEXT", 1, None, 1),
    (1, "key", "BLOB", 1, None, 2),
    (2, "value", "TEXT", 1, None, 0),
]


class SqliteStorage:
    """A :class:`~sync_core.storage.Storage` in a SQLite file (or ``":memory:"``).

    Thread-safe: one connection, used under a lock (sync_core calls a storage from one
    thread at a time anyway). Several processes may use one file at once, each with its
    own ``SqliteStorage`` (docs/durable-storage.md, "Many processes on one file"); a
    storage is not carried across a ``fork()`` (:class:`StorageForkedError`).

    Args:
        path: the database file (created when missing), or ``":memory:"``.
        synchronous: SQLite's ``synchronous`` setting: ``FULL`` (the default) makes a
            committed operation survive a power loss; ``NORMAL`` survives a killed
            process; ``OFF`` is for tests only.

    Raises:
        StorageFormatError: the file exists but is not a sync_core store, or records a
            schema version other than :data:`SCHEMA_VERSION`.
        sqlite3.OperationalError: another connection kept the file locked for 30
            seconds while this one opened it.
    """

    def __init__(self, path: str | os.PathLike[str], *, synchronous: Synchronous = "FULL") -> None:
        if synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"synchronous must be OFF, NORMAL, FULL or EXTRA, got {synchronous!r}")
        self.path = str(path)
        self._lock = threading.RLock()
        self._depth = 0
        #: The process that opened the connection: another one (a fork) may not use it.
        self._pid = _pid
        #: Whether nobody else can reach the database (an in-memory one).
        self._private = self.path in (":memory:", "")
        #: ``PRAGMA data_version`` when last asked (:meth:`changed_elsewhere`).
        self._version = 0
        try:
            self._db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=_BUSY_TIMEOUT
            )
        except sqlite3.Error as exc:
            raise StorageFormatError(f"{self.path}: cannot be opened: {exc}") from None
        try:
            self._open_retrying(synchronous)
        except BaseException:
            self._db.close()
            raise

    def _open_retrying(self, synchronous: Synchronous) -> None:
        """:meth:`_open`, again while another connection holds the database.

        SQLite waits for a lock by itself (the busy timeout), but not when waiting could
        deadlock (https://www.sqlite.org/c3ref/busy_handler.html): then it answers
        "database is locked" at once. Each retry starts over (what another process made
        meanwhile is then checked, never made again), after a short random pause, for
        the busy timeout at most.
        """
        deadline = time.monotonic() + _BUSY_TIMEOUT
        pause = 0.001
        while True:
            try:
                self._open(synchronous)
                return
            except sqlite3.OperationalError as exc:
                if not _busy(exc):
                    raise
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                if time.monotonic() >= deadline:
                    exc.add_note(
                        f"{self.path}: another connection held the database for "
                        f"{_BUSY_TIMEOUT:g} s while this one opened it"
                    )
                    raise
            time.sleep(pause * (0.5 + random.random()))
            pause = min(pause * 2, 0.05)

    def _open(self, synchronous: Synchronous) -> None:
        """Check the file is a sync_core store, or make it one (if it has no table), then
        set the journal (WAL) and ``synchronous``; writes nothing to a foreign file."""
        tables = self._tables()
        if not tables:
            tables = self._create()
        if tables:
            self._check_format(tables)
        if not self._private:
            self._use_wal()
        self._db.execute(f"PRAGMA synchronous={synchronous}")
        self._version = self._data_version()

    def _tables(self) -> set[str]:
        """The names in the schema (tables, indexes, views); none in a new file."""
        try:
            return {row[0] for row in self._db.execute("SELECT name FROM sqlite_master")}
        except sqlite3.OperationalError as exc:
            if _busy(exc):
                raise  # retried
            raise StorageFormatError(f"{self.path} is not a sync_core store: {exc}") from None
        except sqlite3.DatabaseError as exc:  # e.g. "file is not a database"
            raise StorageFormatError(f"{self.path} is not a sync_core store: {exc}") from None

    def _create(self) -> set[str]:
        """Make a new store's tables under the write lock, unless another process made
        them since :meth:`_tables` looked: then make nothing and return what is there."""
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            tables = self._tables()  # again, now that nobody else can write
            if not tables:
                db.execute(
                    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
                )
                db.execute(
                    "CREATE TABLE IF NOT EXISTS entries (tbl TEXT NOT NULL, key BLOB NOT NULL, "
                    "value TEXT NOT NULL, PRIMARY KEY (tbl, key)) WITHOUT ROWID"
                )
                db.executemany(
                    "INSERT INTO meta VALUES (?, ?)",
                    [("format", _FORMAT), ("schema_version", str(SCHEMA_VERSION))],
                )
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return tables

    def _use_wal(self) -> None:
        """Put the file in WAL mode, unless it is already (then nothing is asked of the
        file: changing the mode needs every other connection out of the way)."""
        mode = self._db.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() != "wal":
            self._db.execute("PRAGMA journal_mode=WAL")

    def _data_version(self) -> int:
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def _check_format(self, tables: set[str]) -> None:
        try:
            layout = {
                name: (kind, self._db.execute(f"PRAGMA table_info({name})").fetchall())
                for name, kind in self._db.execute(
                    "SELECT name, type FROM sqlite_master WHERE name IN ('meta', 'entries')"
                )
            }
            meta = (
                dict(self._db.execute("SELECT name, value FROM meta").fetchall())
                if layout.get("meta") == ("table", _META_LAYOUT)
                else {}
            )
        except sqlite3.OperationalError as exc:
            if _busy(exc):
                raise  # retried
            raise StorageFormatError(f"{self.path} is not a sync_core store: {exc}") from None
        except sqlite3.DatabaseError as exc:  # its schema or meta pages damaged
            raise StorageFormatError(f"{self.path} is not a sync_core store: {exc}") from None
        if meta.get("format") != _FORMAT or "entries" not in tables:
            raise StorageFormatError(
                f"{self.path} is not a sync_core store (it holds tables {sorted(tables)}); "
                "it was left untouched"
            )
        if layout.get("entries") != ("table", _ENTRIES_LAYOUT):
            # meta says sync_core, but the table is another's (its columns, their types,
            # what may be null, its key), or a view: refused now, not at its first use.
            raise StorageFormatError(
                f"{self.path} says it is a sync_core store, but its entries table is laid "
                f"out otherwise ({layout.get('entries')!r}); it was left untouched"
            )
        if meta.get("schema_version") != str(SCHEMA_VERSION):
            raise StorageFormatError(
                f"{self.path} is a sync_core store of schema version "
                f"{meta.get('schema_version')!r}; this sync_core reads version "
                f"{SCHEMA_VERSION} only; it was left untouched"
            )

    # -- the Storage protocol -------------------------------------------------------

    def get(self, table: str, key: Key) -> object | None:
        """The value under ``key``, or None. O(log n).

        A key holding an int beyond 64 bits cannot be stored: None, without a query.
        """
        if self._pid != _pid:
            self._forked()
        try:
            raw = encode_key(key)
        except KeyRangeError:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT value FROM entries WHERE tbl = ? AND key = ?", (table, raw)
            ).fetchone()
        return None if row is None else decode_value(row[0])

    def put(self, table: str, key: Key, value: object) -> None:
        """Store ``value`` under ``key``. O(log n)."""
        if self._pid != _pid:
            self._forked()
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO entries VALUES (?, ?, ?)",
                (table, encode_key(key), encode_value(value)),
            )

    def delete(self, table: str, key: Key) -> bool:
        """Remove ``key``; whether it was there. O(log n). (A key beyond 64 bits never is.)"""
        if self._pid != _pid:
            self._forked()
        try:
            raw = encode_key(key)
        except KeyRangeError:
            return False
        with self._lock:
            cursor = self._db.execute("DELETE FROM entries WHERE tbl = ? AND key = ?", (table, raw))
            return cursor.rowcount > 0

    def delete_range(self, table: str, prefix: Key, stop: Key) -> int:
        """Remove every entry under ``prefix`` whose key is at most ``stop``; how many.
        One ``DELETE``, a range of the primary key: O(log n + removed).

        An int beyond 64 bits in ``prefix`` matches nothing (0, without a query); in
        ``stop``, it stands where Python's order puts it
        (:func:`~sync_core.storage.codec.encode_bound`), as a scan's ``start`` does.

        >>> store = SqliteStorage(":memory:")
        >>> for n in (1, 2, 3):
        ...     store.put("t", ("a", n), n)
        >>> store.put("t", ("ab", 1), "a neighbour")
        >>> store.delete_range("t", ("a",), ("a", 2)), [key for key, _ in store.scan("t", ())]
        (2, [('a', 3), ('ab', 1)])
        """
        if self._pid != _pid:
            self._forked()
        found = delete_range_of(prefix, stop)
        if found is None:
            return 0
        low, high, bound = found
        with self._lock:
            cursor = self._db.execute(
                "DELETE FROM entries WHERE tbl = ? AND key >= ? AND key < ? AND key <= ?",
                (table, low, high, bound),
            )
            return cursor.rowcount

    def scan(
        self,
        table: str,
        prefix: Key,
        *,
        start: Key | None = None,
        inclusive: bool = True,
        reverse: bool = False,
        limit: int | None = None,
    ) -> Iterator[tuple[Key, object]]:
        """Entries under ``prefix`` in key order from ``start``. O(log n + returned).

        Reads a batch at a time, each batch a fresh query after the last key read, so
        no cursor stays open between batches and writes may follow any batch. An int
        beyond 64 bits in ``prefix`` matches nothing; in ``start``, it stands where
        Python's order puts it (:func:`~sync_core.storage.codec.encode_bound`).
        """
        if self._pid != _pid:
            self._forked()
        found = scan_range(prefix, start, inclusive, reverse)
        if found is None or (limit is not None and limit <= 0):
            return iter(())
        return self._batches(table, *found, reverse, limit)

    def _batches(
        self,
        table: str,
        low: bytes,
        high: bytes,
        bound: bytes,
        strict: bool,
        reverse: bool,
        limit: int | None,
    ) -> Iterator[tuple[Key, object]]:
        def read(bound: bytes, strict: bool, size: int) -> list[tuple[bytes, str]]:
            if reverse:
                op = "<" if strict else "<="
                sql = (
                    f"SELECT key, value FROM entries WHERE tbl = ? AND key >= ? AND key {op} ? "
                    "AND key < ? ORDER BY key DESC LIMIT ?"
                )
            else:
                op = ">" if strict else ">="
                sql = (
                    f"SELECT key, value FROM entries WHERE tbl = ? AND key {op} ? AND key >= ? "
                    "AND key < ? ORDER BY key LIMIT ?"
                )
            args = (table, low, bound, high, size) if reverse else (table, bound, low, high, size)
            if self._pid != _pid:  # a scan begun before a fork, read on after it
                self._forked()
            with self._lock:
                rows: list[tuple[bytes, str]] = self._db.execute(sql, args).fetchall()
            return rows

        for raw, text in batched(read, bound, strict, limit, _BATCH):
            yield decode_key(raw), decode_value(text)

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """One transaction for the outermost block: committed, or rolled back if it raises.

        Nested blocks are part of the outermost one (only it rolls back), as in
        :class:`~sync_core.storage.MemoryStorage`.
        """
        if self._pid != _pid:
            self._forked()
        with self._lock:
            outermost = self._depth == 0
            if outermost:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outermost:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outermost:
                try:
                    self._db.execute("COMMIT")
                except BaseException:  # e.g. a full disk: leave no transaction open
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise

    def snapshot(self) -> SqliteSnapshot:
        """Every entry now, in memory, for :meth:`restore`. O(entries).

        >>> store = SqliteStorage(":memory:")
        >>> store.put("t", ("a",), 1)
        >>> saved = store.snapshot()
        >>> store.put("t", ("b",), 2)
        >>> store.restore(saved)
        >>> [key for key, _ in store.scan("t", ())]
        [('a',)]
        """
        if self._pid != _pid:
            self._forked()
        with self._lock:
            rows = self._db.execute("SELECT tbl, key, value FROM entries").fetchall()
        return SqliteSnapshot(tuple(rows))

    def restore(self, snapshot: object) -> None:
        """Make the file hold exactly the entries of ``snapshot``, in one transaction.

        O(entries now + entries in the snapshot).

        Raises:
            TypeError: ``snapshot`` is not a :class:`SqliteSnapshot`.
        """
        if not isinstance(snapshot, SqliteSnapshot):
            raise TypeError(f"a SqliteStorage restores a SqliteSnapshot, not {snapshot!r}")
        with self.atomic():
            self._db.execute("DELETE FROM entries")
            self._db.executemany("INSERT INTO entries VALUES (?, ?, ?)", snapshot._rows)

    def clear(self) -> None:
        """Remove every entry (the file stays a sync_core store), in one transaction."""
        with self.atomic():
            self._db.execute("DELETE FROM entries")

    def changed_elsewhere(self) -> bool:
        """Whether another connection committed to the file since the last call (or
        since it was opened): another process, or another ``SqliteStorage`` of the
        file in this one. This storage's own commits do not count. Always False for a
        private in-memory database.

        SQLite's ``PRAGMA data_version`` (https://www.sqlite.org/pragma.html#pragma_data_version):
        about a microsecond and a half inside a transaction, where sync_core asks
        (:class:`~sync_core.storage.base.SharedStorage`).

        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "shared.db")
        >>> mine, theirs = SqliteStorage(path), SqliteStorage(path)
        >>> mine.put("t", ("a",), 1)
        >>> mine.changed_elsewhere(), theirs.changed_elsewhere()
        (False, True)
        >>> theirs.changed_elsewhere()
        False
        """
        if self._pid != _pid:
            self._forked()
        if self._private:
            return False
        with self._lock:
            version = self._data_version()
        if version == self._version:
            return False
        self._version = version
        return True

    def close(self) -> None:
        """Close the database (a WAL file is checkpointed into the main file).

        In a process forked from the one that opened it, close only lets go: the
        connection is the parent's, and is not touched.
        """
        if self._pid != _pid:
            return
        with self._lock:
            self._db.close()

    def _forked(self) -> NoReturn:
        raise StorageForkedError(
            f"{self!r} was opened by process {self._pid} and is used in process "
            f"{os.getpid()}, forked from it: a SQLite connection must not cross a fork. "
            "Open a new SqliteStorage (and Sync) in this process; with gunicorn --preload, "
            "in a post_fork hook or lazily in each worker (docs/durable-storage.md)"
        )

    # -- for tests -----------------------------------------------------------------

    def _check(self) -> None:
        """Assert the file is sound and every key decodes back to itself."""
        if self._pid != _pid:
            self._forked()
        with self._lock:
            assert self._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            for table, raw in self._db.execute("SELECT tbl, key FROM entries"):
                assert encode_key(decode_key(raw)) == raw, (table, raw)

    def __repr__(self) -> str:
        return f"SqliteStorage({self.path!r})"
