"""A durable storage shared by many processes and machines: PostgreSQL, behind the same
Storage protocol.

``Sync(storage=PostgresStorage("postgresql://app@db/sync"))`` keeps everything in the
schema ``sync_core`` of that database (``schema=`` names another, so that several
stores share one database). Every process that opens the same schema sees the same
state, and sync_core's rules hold across all of them as in one process.
``pip install 'sync_core[postgres]'`` installs psycopg 3, which only this module
imports (``import sync_core`` does not).

How (docs/durable-storage.md, "PostgreSQL", says what holds and what it costs):

- two tables in the schema: ``entries(tbl, key, value)``, primary key ``(tbl, key)``,
  keys encoded as ``bytea`` whose byte order is Python's tuple order
  (:mod:`sync_core.storage.codec`; ``bytea`` compares bytewise), so a point read is
  one B-tree descent and an ordered scan from any place is a range of the primary key;
  values are the codec's JSON text stored as UTF-8 ``bytea`` (PostgreSQL ``text``
  holds no lone surrogate, which a value may hold); and ``meta(name, value)``, which
  records the format, the schema version and the commit counter;
- each outermost ``atomic()`` block is one transaction (READ COMMITTED) that begins by
  locking one row, ``meta``'s ``commits``, ``FOR UPDATE``: the transactions of every
  process run one at a time, each seeing every earlier commit, as SQLite's
  ``BEGIN IMMEDIATE`` makes them; a transaction that wrote adds one to that row as it
  commits, so :meth:`PostgresStorage.changed_elsewhere` knows whether anyone else
  committed (:class:`~sync_core.storage.base.SharedStorage`);
- inside a transaction, writes wait in memory (the last of a key wins) and travel with
  the counter's update and the ``COMMIT``, in one round trip (libpq's pipeline mode, one
  multi-row statement for the upserts and one for the deletes); a scan's query
  carries them before it, so it sees them; a read answers from them, and from what
  the transaction read already (no other connection writes while it holds the lock);
  a delete of a key the transaction neither wrote nor read asks the server at once
  (its answer says whether the key was there); a rollback drops them;
- a new schema is made by the first of many processes opening it at once, the others
  find it made; a schema that holds anything else (any object in the system
  catalogs: a table, sequence, view, type, function...), or a store of another schema
  version, is refused with :class:`StorageFormatError` and not written to;
- a lost connection (or one whose state is in doubt, as after a ``COPY`` cut short)
  fails the operation with :class:`StorageConnectionError` (nothing of it is kept;
  lost while committing, the outcome is unknown and the message says so), is closed,
  and the next operation connects again; a connection found dead by an operation's
  first statement (``BEGIN`` and the lock, which write nothing) is replaced and that
  statement sent again, once;
- :meth:`PostgresStorage.announce` and :meth:`PostgresStorage.wait_announced` wake
  the change feed's followers in every process (``NOTIFY``/``LISTEN``,
  :class:`~sync_core.storage.base.ChangeNotices`);
- a storage carried into a child by ``fork()`` refuses to be used there
  (:class:`StorageForkedError`), as :class:`~sync_core.storage.SqliteStorage` does.

The schema name is checked before anything is asked of the server:

>>> PostgresStorage("postgresql://app@db/sync", schema="sync-core")
Traceback (most recent call last):
...
ValueError: schema must be a PostgreSQL name of letters, digits and '_', not beginning with a digit, 50 characters at most; got 'sync-core'
>>> PostgresStorage("postgresql://app@db/sync", schema="pg_sync")
Traceback (most recent call last):
...
ValueError: schema must not begin with 'pg_', which PostgreSQL reserves for its own schemas; got 'pg_sync'

(The tests run it against a real server: tests/integration/test_postgres_storage.py,
and every domain test once more in the ``postgres`` tier.)
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final, NoReturn

import psycopg
from psycopg import sql

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
from .errors import StorageConnectionError, StorageForkedError, StorageFormatError

__all__ = [
    "POLL_SECONDS",
    "SCHEMA_VERSION",
    "PostgresSnapshot",
    "PostgresStorage",
    "StorageConnectionError",
    "StorageForkedError",
    "StorageFormatError",
]

#: The version of the table layout this code writes and reads.
SCHEMA_VERSION: Final = 1
#: What the ``meta`` table says a sync_core store is.
_FORMAT: Final = "sync_core"
#: The columns (name, type, nullable) and primary keys of a store's tables, as
#: ``information_schema`` and ``pg_index`` give them (:meth:`PostgresStorage._layout`).
_LAYOUT: Final[dict[str, object]] = {
    "entries": [("tbl", "text", "NO"), ("key", "bytea", "NO"), ("value", "bytea", "NO")],
    "meta": [("name", "text", "NO"), ("value", "text", "NO")],
    "entries key": ["key", "tbl"],
    "meta key": ["name"],
}
#: How many entries one query of a long scan reads.
_BATCH: Final = 256
#: How many buffered writes an ``atomic()`` block holds before it sends them.
_PENDING: Final = 1024
#: How many entries a transaction remembers having read or sent at most (beyond, it
#: forgets them all and asks the server again: memory stays bounded in a long one).
_KNOWN: Final = 4096
#: A schema name: an SQL identifier this code never needs to quote differently, short
#: enough that the notice channel's name (``sync_core.<schema>``) fits in 63 bytes.
_SCHEMA_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,49}")
#: How often (seconds) :meth:`PostgresStorage.wait_announced` wakes without notices.
POLL_SECONDS: Final = 0.25
#: How many times opening starts over when another process made the schema meanwhile.
_OPEN_ATTEMPTS: Final = 20
#: The tables of a store.
_TABLES: Final = frozenset({"meta", "entries"})
#: Every object of a schema, from the system catalogs, as (kind, name): relations
#: (``pg_class``: tables, sequences, views, materialized views, foreign tables,
#: composite types; not indexes, which go with their table); types that are not a
#: relation's row type or the array of one (those go with their relation); functions
#: and procedures; operators; collations.
_SQL_CONTENTS: Final = """
WITH ns AS (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = %(schema)s)
SELECT c.relkind::text, c.relname::text
  FROM pg_catalog.pg_class c
 WHERE c.relnamespace IN (SELECT oid FROM ns) AND c.relkind NOT IN ('i', 'I')
UNION ALL
SELECT 'type', y.typname::text
  FROM pg_catalog.pg_type y
 WHERE y.typnamespace IN (SELECT oid FROM ns) AND y.typrelid = 0
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type e
                    WHERE e.oid = y.typelem AND e.typrelid <> 0 AND e.typarray = y.oid)
UNION ALL
SELECT 'function', p.proname::text
  FROM pg_catalog.pg_proc p WHERE p.pronamespace IN (SELECT oid FROM ns)
UNION ALL
SELECT 'operator', o.oprname::text
  FROM pg_catalog.pg_operator o WHERE o.oprnamespace IN (SELECT oid FROM ns)
UNION ALL
SELECT 'collation', l.collname::text
  FROM pg_catalog.pg_collation l WHERE l.collnamespace IN (SELECT oid FROM ns)
"""
#: How :data:`_SQL_CONTENTS`'s kinds are named in messages (``relkind`` letters).
_KINDS: Final = {
    "r": "table",
    "p": "table",
    "S": "sequence",
    "v": "view",
    "m": "materialized view",
    "f": "foreign table",
    "c": "type",
    "t": "TOAST table",
}

#: This process's id, kept current by a fork handler (checking a storage crossed no
#: fork then costs no system call).
_pid = os.getpid()


def _after_fork_in_child() -> None:
    global _pid
    _pid = os.getpid()


if hasattr(os, "register_at_fork"):  # POSIX; elsewhere there is no fork
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _lost(connection: psycopg.Connection[Any] | None) -> bool:
    """Whether ``connection`` can no longer be used (closed, or its socket broken)."""
    return connection is None or connection.closed or connection.broken


def _doubtful(connection: psycopg.Connection[Any] | None, exc: BaseException) -> bool:
    """Whether ``exc``, raised by a statement on ``connection``, leaves the connection
    in a state not to be trusted: lost, or an error of the client side or of the
    connection rather than one the server sent about a statement (psycopg may raise
    ``connection socket closed`` or ``another command is already in progress`` without
    marking the connection broken). Such a connection is closed, never used again."""
    if _lost(connection):
        return True
    if not isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return False
    if isinstance(exc, psycopg.errors.PipelineAborted):
        return False  # a statement skipped after another's error: that one is the cause
    sqlstate = exc.sqlstate
    # No SQLSTATE: raised by psycopg or libpq, not by the server. Class 08: connection
    # exception; 57P: the server ends the session (shutdown, terminate, idle timeout).
    return sqlstate is None or sqlstate.startswith(("08", "57P"))


def _close_quietly(connection: psycopg.Connection[Any] | None) -> None:
    """Close ``connection`` whatever its state (the server then rolls back its open
    transaction)."""
    if connection is None:
        return
    with contextlib.suppress(Exception):  # a connection dropped may fail to say goodbye
        connection.close()


def _value_bytes(value: object) -> bytes:
    return encode_value(value).encode("utf-8", "surrogatepass")


def _value_of(raw: bytes) -> object:
    return decode_value(bytes(raw).decode("utf-8", "surrogatepass"))


#: Why a transaction can go on no more, most often.
_LOST: Final = "the connection was lost earlier in this transaction"


def _one_line(exc: BaseException) -> str:
    """psycopg's message of ``exc``, on one line (libpq's span several)."""
    return " ".join(str(exc).split())


def _where(dsn: str) -> str:
    """``dsn`` without its password, for messages."""
    try:
        params = psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.Error:
        return "<an unreadable DSN>"
    params.pop("password", None)
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in params.items()})


class PostgresSnapshot:
    """The entries of a :class:`PostgresStorage` at one instant, held in memory. Opaque."""

    __slots__ = ("_rows",)

    def __init__(self, rows: tuple[tuple[str, bytes, bytes], ...]) -> None:
        self._rows = rows

    def __repr__(self) -> str:
        return f"<PostgresSnapshot {len(self._rows)} entries>"


class PostgresStorage:
    """A :class:`~sync_core.storage.Storage` in a schema of a PostgreSQL database.

    Thread-safe: one connection, used under a lock (sync_core calls a storage from one
    thread at a time anyway), and a second one, opened at the first
    :meth:`wait_announced`, for listening. Any number of processes, on any number of
    machines, may use one schema at once, each with its own ``PostgresStorage``; a
    storage is not carried across a ``fork()`` (:class:`StorageForkedError`).

    Args:
        dsn: a libpq connection string or URI
            (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING).
        schema: the PostgreSQL schema that holds the store (made when missing): letters,
            digits and ``_``, not beginning with a digit nor with ``pg_`` (reserved
            by PostgreSQL), 50 characters at most.
        connect_timeout: whole seconds a connection attempt may take (unless ``dsn`` says).
        lock_timeout: seconds an operation waits for the store's lock, held by another
            process's operation, before it fails with psycopg's ``LockNotAvailable``
            (PostgreSQL's ``lock_timeout``, whole milliseconds: rounded up, 1 ms at
            least; 0: for ever). As SQLite's busy timeout.
        notices: whether to send and hear change notices with ``NOTIFY``/``LISTEN``; None
            (the default): whenever the server accepts ``LISTEN`` (PostgreSQL does;
            CockroachDB, and YugabyteDB unless enabled, do not). Without them,
            :meth:`wait_announced` polls (it wakes every :data:`POLL_SECONDS`).

    Raises:
        ValueError: ``schema`` is not such a name, or ``lock_timeout`` not such a number.
        StorageFormatError: the schema holds objects but is not a sync_core store, or is
            one of a schema version other than :data:`SCHEMA_VERSION` (left untouched).
        StorageConnectionError: the server cannot be reached.
    """

    def __init__(
        self,
        dsn: str,
        *,
        schema: str = "sync_core",
        connect_timeout: int = 10,
        lock_timeout: float = 30.0,
        notices: bool | None = None,
    ) -> None:
        if not isinstance(schema, str) or not _SCHEMA_NAME.fullmatch(schema):
            raise ValueError(
                "schema must be a PostgreSQL name of letters, digits and '_', not beginning "
                f"with a digit, 50 characters at most; got {schema!r}"
            )
        if schema.startswith("pg_"):
            raise ValueError(
                "schema must not begin with 'pg_', which PostgreSQL reserves for its own "
                f"schemas; got {schema!r}"
            )
        self.dsn = dsn
        self.schema = schema
        #: The ``NOTIFY`` channel of this schema's change notices.
        self.channel = f"sync_core.{schema}"
        self._lock_timeout_ms = self._milliseconds(lock_timeout)
        self._connect_timeout = connect_timeout
        self._lock_timeout = float(lock_timeout)
        self._label = f"PostgresStorage({_where(dsn)!r}, schema={schema!r})"
        self._lock = threading.RLock()
        self._depth = 0
        #: The process that opened the connections: another one (a fork) may not use them.
        self._pid = _pid
        #: The commit counter read under the lock by the open transaction.
        self._read: int | None = None
        #: The counter as this storage last saw it (None: unknown, as after a reconnect).
        self._seen: int | None = None
        #: Whether the open transaction wrote (then it adds one to the counter).
        self._wrote = False
        #: The services announced by the open transaction.
        self._announced: set[str] = set()
        #: Whether the open transaction can go on no more (its later calls fail): its
        #: connection was lost, or its buffered writes could not be sent; and why.
        self._broken = False
        self._why = _LOST
        #: The open transaction's writes not yet sent, by ``(table, encoded key)``: the
        #: value, or None for a delete. Sent before any other statement that must see
        #: them (a scan), and with the ``COMMIT``.
        self._pending: dict[tuple[str, bytes], bytes | None] = {}
        #: What the open transaction knows of the server's entries, by ``(table, encoded
        #: key)``: the value, or None (absent). No other connection writes an entry while
        #: the transaction holds the lock, so a key read once need not be read again.
        self._known: dict[tuple[str, bytes], bytes | None] = {}
        #: Whether several statements travel in one round trip (libpq's pipeline mode).
        self._pipelines = psycopg.Pipeline.is_supported()
        #: The cursor that runs single statements (of the connection that made it).
        self._cursor: psycopg.Cursor[Any] | None = None
        self._listener: psycopg.Connection[Any] | None = None
        #: Held by the one thread that waits (or starts listening) at a time.
        self._listen_lock = threading.Lock()
        #: Held for an instant to set or take ``_listener`` and ``_closed`` together:
        #: :meth:`close` and a thread that starts listening agree on who closes it.
        self._listener_guard = threading.Lock()
        self._closed = False
        #: Whether change notices travel by NOTIFY/LISTEN (else wait_announced polls).
        self.notices = bool(notices)
        self._build_sql()
        self._conn: psycopg.Connection[Any] | None = self._connect("opening the store")
        try:
            self._open()
            if notices is None:
                self.notices = self._can_listen(self._conn)
        except BaseException:
            self._conn.close()
            raise

    @staticmethod
    def _milliseconds(lock_timeout: object) -> int:
        """``lock_timeout`` in PostgreSQL's whole milliseconds: rounded up, so that a
        positive timeout never becomes 0 (which PostgreSQL takes as no timeout)."""
        if (
            isinstance(lock_timeout, bool)
            or not isinstance(lock_timeout, int | float)
            or not 0 <= lock_timeout < math.inf
        ):
            raise ValueError(f"lock_timeout must be a number of seconds >= 0, got {lock_timeout!r}")
        if lock_timeout == 0:
            return 0
        # Rounded up, less a hair of float noise (1.1 * 1000 is 1100.0000000000002).
        milliseconds = max(1, math.ceil(lock_timeout * 1000 - 1e-6))
        if milliseconds >= 2**31:
            raise ValueError(
                f"lock_timeout must be a number of seconds >= 0, below {(2**31 - 1) / 1000:g}, "
                f"got {lock_timeout!r}"
            )
        return milliseconds

    # -- connecting and opening -------------------------------------------------------

    def _build_sql(self) -> None:
        schema = sql.Identifier(self.schema)

        def text(template: str, **more: sql.Composable) -> str:
            return sql.SQL(template).format(s=schema, **more).as_string(None)

        self._sql_get = text("SELECT value FROM {s}.entries WHERE tbl = %s AND key = %s")
        self._sql_put = text(
            "INSERT INTO {s}.entries (tbl, key, value) VALUES (%s, %s, %s) "
            "ON CONFLICT (tbl, key) DO UPDATE SET value = EXCLUDED.value"
        )
        self._sql_delete = text("DELETE FROM {s}.entries WHERE tbl = %s AND key = %s")
        self._sql_delete_range = text(
            "DELETE FROM {s}.entries WHERE tbl = %s AND key >= %s AND key < %s AND key <= %s"
        )
        # The writes an atomic() block buffered, sent at once: one statement each, whatever
        # their number (the same text every time, so the server keeps it prepared).
        self._sql_put_many = text(
            "INSERT INTO {s}.entries (tbl, key, value) "
            "SELECT * FROM unnest(%s::text[], %s::bytea[], %s::bytea[]) "
            "ON CONFLICT (tbl, key) DO UPDATE SET value = EXCLUDED.value"
        )
        self._sql_delete_many = text(
            "DELETE FROM {s}.entries WHERE (tbl, key) IN "
            "(SELECT * FROM unnest(%s::text[], %s::bytea[]))"
        )
        self._sql_scan = {
            (reverse, strict): text(
                "SELECT key, value FROM {s}.entries WHERE tbl = %s AND key >= %s AND key "
                + ("<" if strict else "<=")
                + " %s AND key < %s ORDER BY key DESC LIMIT %s"
                if reverse
                else "SELECT key, value FROM {s}.entries WHERE tbl = %s AND key "
                + (">" if strict else ">=")
                + " %s AND key >= %s AND key < %s ORDER BY key LIMIT %s"
            )
            for reverse in (False, True)
            for strict in (False, True)
        }
        # One round trip each: the transaction and its lock; the count and the commit.
        self._sql_begin = text(
            "BEGIN ISOLATION LEVEL READ COMMITTED; "
            "SELECT value FROM {s}.meta WHERE name = 'commits' FOR UPDATE"
        )
        self._sql_count = text(
            "UPDATE {s}.meta SET value = (value::bigint + 1)::text WHERE name = 'commits' "
            "RETURNING value"
        )
        self._sql_counter = text("SELECT value FROM {s}.meta WHERE name = 'commits'")
        self._sql_all = text("SELECT tbl, key, value FROM {s}.entries")
        self._sql_clear = text("DELETE FROM {s}.entries")
        self._sql_copy = text("COPY {s}.entries (tbl, key, value) FROM STDIN")
        self._sql_notify = sql.SQL("NOTIFY {}, {}")
        self._sql_notify_at_commit = "SELECT pg_notify(%s, %s)"
        self._sql_listen = text("LISTEN {c}", c=sql.Identifier(self.channel))

    def _connect(self, doing: str, *, main: bool = True) -> psycopg.Connection[Any]:
        """A new connection (autocommit: the transactions are this class's own); the main
        one waits for a lock ``lock_timeout`` at most."""
        try:
            conn = psycopg.connect(self.dsn, autocommit=True, connect_timeout=self._connect_timeout)
            if main:
                conn.execute(f"SET lock_timeout = {self._lock_timeout_ms}")
            return conn
        except psycopg.OperationalError as exc:
            raise StorageConnectionError(
                f"{self._label}: cannot connect to PostgreSQL while {doing}: {exc}"
            ) from exc

    def _open(self) -> None:
        """Check the schema is a sync_core store, or make it one (if it holds no table).

        Making is one transaction that takes a transaction-level advisory lock named after
        the schema, looks again, and makes the tables only if there are still none; a
        process that raced past the lock (a server without advisory locks, or whose
        advisory locks lock nothing, as older CockroachDB's) fails on a duplicate name
        or a serialization failure and starts over, to find the store made. A foreign
        schema is never written to.
        """
        conn = self._connection()
        advisory = True
        for attempt in range(_OPEN_ATTEMPTS):
            try:
                tables, foreign = self._contents(conn)
                if not tables and not foreign:
                    tables, foreign = self._create(conn, use_advisory_lock=advisory)
                if tables or foreign:
                    self._check_format(conn, tables, foreign)
                break
            except (psycopg.errors.UndefinedFunction, psycopg.errors.FeatureNotSupported):
                if not advisory:
                    raise
                advisory = False  # a server without advisory locks: the retries are the guard
            except (
                psycopg.errors.UniqueViolation,
                psycopg.errors.DuplicateSchema,
                psycopg.errors.DuplicateTable,
                psycopg.errors.DuplicateObject,
                psycopg.errors.SerializationFailure,  # a distributed server's way to say so
            ):
                if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    conn.execute("ROLLBACK")
                if attempt == _OPEN_ATTEMPTS - 1:
                    raise
            except psycopg.OperationalError as exc:
                if _doubtful(conn, exc):
                    raise StorageConnectionError(
                        f"{self._label}: the connection was lost while opening the store: {exc}"
                    ) from exc
                raise
        self._seen = self._counter(conn)

    def _can_listen(self, conn: psycopg.Connection[Any]) -> bool:
        """Whether the server accepts ``LISTEN`` (it listens and stops at once)."""
        try:
            conn.execute(self._sql_listen)
            conn.execute("UNLISTEN *")
        except psycopg.OperationalError:
            if _lost(conn):
                raise
            return False
        except (psycopg.errors.FeatureNotSupported, psycopg.errors.SyntaxError):
            return False
        return True

    def _contents(self, conn: psycopg.Connection[Any]) -> tuple[set[str], list[str]]:
        """What the schema holds, from the system catalogs (which list every object,
        whatever the role's privileges on it; ``information_schema`` lists only the
        tables the role may use): the names of its tables a store has (``meta``,
        ``entries``), and a description of each other object (sorted): anything but
        those tables (with their indexes and row types) makes the schema another
        program's."""
        rows = conn.execute(_SQL_CONTENTS, {"schema": self.schema}).fetchall()
        tables: set[str] = set()
        foreign: list[str] = []
        for kind, name in rows:
            if kind in ("r", "p") and name in _TABLES:
                tables.add(str(name))
            else:
                foreign.append(f"{_KINDS.get(str(kind), str(kind))} {name}")
        return tables, sorted(foreign)

    def _create(
        self, conn: psycopg.Connection[Any], *, use_advisory_lock: bool
    ) -> tuple[set[str], list[str]]:
        schema = sql.Identifier(self.schema)
        with conn.transaction():
            if use_advisory_lock:
                conn.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                    (f"sync_core schema {self.schema}",),
                )
            # Again, now that no other opener is making them.
            tables, foreign = self._contents(conn)
            if tables or foreign:
                return tables, foreign
            exists = conn.execute(
                "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = %s", (self.schema,)
            ).fetchone()
            if exists is None:
                conn.execute(sql.SQL("CREATE SCHEMA {}").format(schema))
            conn.execute(
                sql.SQL("CREATE TABLE {}.meta (name text PRIMARY KEY, value text NOT NULL)").format(
                    schema
                )
            )
            conn.execute(
                sql.SQL(
                    "CREATE TABLE {}.entries (tbl text NOT NULL, key bytea NOT NULL, "
                    "value bytea NOT NULL, PRIMARY KEY (tbl, key))"
                ).format(schema)
            )
            conn.execute(
                sql.SQL("INSERT INTO {}.meta (name, value) VALUES (%s, %s), (%s, %s), (%s, %s)")
                .format(schema)
                .as_string(None),
                ("format", _FORMAT, "schema_version", str(SCHEMA_VERSION), "commits", "0"),
            )
        return set(), []

    def _check_format(
        self, conn: psycopg.Connection[Any], tables: set[str], foreign: list[str]
    ) -> None:
        if foreign:
            raise StorageFormatError(
                f"{self._label}: schema {self.schema!r} is not a sync_core store (it holds "
                f"{', '.join(foreign)}); it was left untouched"
            )
        meta: dict[str, str] = {}
        if "meta" in tables:
            try:
                rows = conn.execute(
                    sql.SQL("SELECT name, value FROM {}.meta").format(sql.Identifier(self.schema))
                ).fetchall()
                meta = {str(name): str(value) for name, value in rows}
            except psycopg.errors.UndefinedColumn:
                meta = {}
        if meta.get("format") != _FORMAT or "entries" not in tables or "commits" not in meta:
            raise StorageFormatError(
                f"{self._label}: schema {self.schema!r} is not a sync_core store (it holds "
                f"tables {sorted(tables)}); it was left untouched"
            )
        if meta.get("schema_version") != str(SCHEMA_VERSION):
            raise StorageFormatError(
                f"{self._label}: schema {self.schema!r} is a sync_core store of schema "
                f"version {meta.get('schema_version')!r}; this sync_core reads version "
                f"{SCHEMA_VERSION} only; it was left untouched"
            )
        layout = self._layout(conn)
        if layout != _LAYOUT or not meta["commits"].isdigit():
            raise StorageFormatError(
                f"{self._label}: schema {self.schema!r} says it is a sync_core store, but "
                f"its tables are not laid out as one (columns and keys {layout}, the "
                f"commits counter {meta['commits']!r}); it was left untouched"
            )

    def _layout(self, conn: psycopg.Connection[Any]) -> dict[str, object]:
        """The columns (name, type, nullable) and primary key of ``meta`` and
        ``entries`` as the catalog has them (compared with :data:`_LAYOUT`)."""
        columns = conn.execute(
            "SELECT table_name, column_name, data_type, is_nullable "
            "FROM information_schema.columns WHERE table_schema = %s "
            "AND table_name IN ('meta', 'entries') ORDER BY table_name, ordinal_position",
            (self.schema,),
        ).fetchall()
        layout: dict[str, object] = {
            table: [tuple(row[1:]) for row in columns if row[0] == table]
            for table in ("entries", "meta")
        }
        for table in ("entries", "meta"):
            keys = conn.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a "
                "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
                "WHERE i.indrelid = to_regclass(%s) AND i.indisprimary ORDER BY a.attname",
                (sql.Identifier(self.schema, table).as_string(conn),),
            ).fetchall()
            layout[f"{table} key"] = [str(row[0]) for row in keys]
        return layout

    def _counter(self, conn: psycopg.Connection[Any]) -> int:
        row = conn.execute(self._sql_counter).fetchone()
        assert row is not None
        return int(row[0])

    def _connection(self) -> psycopg.Connection[Any]:
        """The connection, made again if it was lost (outside a transaction only)."""
        conn = self._conn
        if not _lost(conn):
            assert conn is not None
            return conn
        if self._closed:
            raise StorageConnectionError(f"{self._label} is closed")
        if conn is not None:
            conn.close()
        self._conn = None
        self._conn = conn = self._connect("reconnecting")
        self._seen = None  # what others committed meanwhile is unknown
        return conn

    def _execute(
        self, query: str, params: Sequence[object] | None = None, *, doing: str
    ) -> psycopg.Cursor[Any]:
        """Run one statement on the connection (under the lock), translating a lost
        connection into :class:`StorageConnectionError`."""
        return self._run([(query, params)], doing=doing)[-1]

    def _run(
        self, statements: list[tuple[str, Sequence[object] | None]], *, doing: str
    ) -> list[psycopg.Cursor[Any]]:
        """Run ``statements`` in order, in one round trip (under the lock), translating a
        lost connection into :class:`StorageConnectionError`; their cursors."""
        self._refuse_if_broken()
        conn = self._conn if self._depth else self._connection()
        assert conn is not None
        try:
            return self._send(conn, statements)
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            if not _doubtful(conn, exc):
                raise
            _close_quietly(conn)  # the next operation connects again
            self._broken = self._depth > 0
            raise StorageConnectionError(
                f"{self._label}: the connection to PostgreSQL was lost while {doing}: "
                f"{_one_line(exc)}; nothing of this operation was kept (the server rolls "
                "back an unfinished transaction); the next operation connects again"
            ) from exc

    def _refuse_if_broken(self) -> None:
        """Fail a call of a transaction whose connection was lost, or whose buffered
        writes could not be sent (it never goes on)."""
        if self._broken:
            raise StorageConnectionError(f"{self._label}: {self._why}; nothing of it is kept")

    def _run_flushing(
        self, statements: list[tuple[str, Sequence[object] | None]], *, doing: str
    ) -> list[psycopg.Cursor[Any]]:
        """:meth:`_run` with the buffered writes sent first. If they cannot be sent (an
        error psycopg raises before the server sees them leaves the server's transaction
        going, without them), the transaction is failed: it can only roll back."""
        flush = self._flushing()
        try:
            return self._run(flush + statements, doing=doing)
        except BaseException as exc:
            if flush and self._depth and not self._broken:
                self._broken = True
                self._why = (
                    "the writes of this transaction could not be sent "
                    f"({type(exc).__name__}: {_one_line(exc)})"
                )
            raise

    def _send(
        self, conn: psycopg.Connection[Any], statements: list[tuple[str, Sequence[object] | None]]
    ) -> list[psycopg.Cursor[Any]]:
        """Run ``statements`` in order: in one round trip when there are several (a
        pipeline), one at a time where libpq has no pipeline mode (before 14). The first
        that fails stops the rest (a pipeline skips them), and its error is raised."""
        if len(statements) == 1:
            # One statement, the usual case: on the connection's one cursor, which the
            # caller reads at once (a new cursor each time costs about as much as the
            # server's work for a point read).
            cursor = self._cursor
            if cursor is None or cursor.connection is not conn:
                self._cursor = cursor = conn.cursor()
            query, params = statements[0]
            return [cursor.execute(query, params)]
        if not self._pipelines:
            return [conn.execute(query, params) for query, params in statements]
        with conn.pipeline():
            return [conn.execute(query, params) for query, params in statements]

    def _flushing(self) -> list[tuple[str, Sequence[object] | None]]:
        """The statements that send the buffered writes (none if there are none), which
        are then taken as sent: the caller runs them before anything else, or the
        transaction fails."""
        pending = self._pending
        if not pending:
            return []
        puts: tuple[list[str], list[bytes], list[bytes]] = ([], [], [])
        deletes: tuple[list[str], list[bytes]] = ([], [])
        for (table, raw), value in pending.items():
            if value is None:
                deletes[0].append(table)
                deletes[1].append(raw)
            else:
                puts[0].append(table)
                puts[1].append(raw)
                puts[2].append(value)
        statements: list[tuple[str, Sequence[object] | None]] = []
        if puts[0]:
            statements.append((self._sql_put_many, puts))
        if deletes[0]:
            statements.append((self._sql_delete_many, deletes))
        self._remember(pending)
        pending.clear()
        return statements

    def _query(
        self, query: str, params: Sequence[object] | None = None, *, doing: str
    ) -> psycopg.Cursor[Any]:
        """Run ``query`` after the buffered writes, which it then sees: in the same round
        trip."""
        return self._run_flushing([(query, params)], doing=doing)[-1]

    # -- the Storage protocol -------------------------------------------------------

    def get(self, table: str, key: Key) -> object | None:
        """The value under ``key``, or None. One indexed query; inside ``atomic()``, none
        for a key the transaction wrote or read already.

        A key holding an int beyond 64 bits cannot be stored: None, without a query.
        """
        if self._pid != _pid:
            self._forked()
        try:
            raw = encode_key(key)
        except KeyRangeError:
            return None
        with self._lock:
            if not self._depth:
                row = self._execute(self._sql_get, (table, raw), doing="reading").fetchone()
                return None if row is None else _value_of(row[0])
            value = self._current(table, raw)
        return None if value is None else _value_of(value)

    def _current(self, table: str, raw: bytes) -> bytes | None:
        """Inside ``atomic()``: the encoded value under ``raw`` as the transaction sees it,
        from what it wrote or read, else from the server (then remembered)."""
        entry = (table, raw)
        self._refuse_if_broken()  # nothing more of this transaction, not even from memory
        if entry in self._pending:
            return self._pending[entry]
        if entry in self._known:
            return self._known[entry]
        row = self._execute(self._sql_get, entry, doing="reading").fetchone()
        value = None if row is None else bytes(row[0])
        self._remember({entry: value})
        return value

    def _remember(self, entries: dict[tuple[str, bytes], bytes | None]) -> None:
        """Note what the server holds now, in this transaction (within :data:`_KNOWN`)."""
        if len(self._known) + len(entries) > _KNOWN:
            self._known.clear()
        self._known.update(entries)

    def put(self, table: str, key: Key, value: object) -> None:
        """Store ``value`` under ``key``. Inside ``atomic()``, kept in memory and sent with
        the ``COMMIT`` (or before a scan); outside, in a transaction of its own (two
        round trips)."""
        if self._pid != _pid:
            self._forked()
        entry = (table, encode_key(key))
        encoded = _value_bytes(value)
        with self._lock:
            if not self._depth:
                with self.atomic():
                    self._put(entry, encoded)
                return
            self._put(entry, encoded)

    def _put(self, entry: tuple[str, bytes], value: bytes | None) -> None:
        """Buffer a write (None: a delete); beyond :data:`_PENDING` of them, send them."""
        self._refuse_if_broken()
        self._wrote = True
        self._pending[entry] = value
        if len(self._pending) >= _PENDING:
            self._run_flushing([], doing="writing")

    def delete(self, table: str, key: Key) -> bool:
        """Remove ``key``; whether it was there. (A key beyond 64 bits never is.)

        Inside ``atomic()``, a key the transaction wrote or read is answered from memory
        and its delete sent with the ``COMMIT``; another costs one statement at once
        (which says whether the key was there).
        """
        if self._pid != _pid:
            self._forked()
        try:
            raw = encode_key(key)
        except KeyRangeError:
            return False
        with self._lock:
            if not self._depth:
                with self.atomic():
                    return self._delete(table, raw)
            return self._delete(table, raw)

    def _delete(self, table: str, raw: bytes) -> bool:
        entry = (table, raw)
        self._refuse_if_broken()
        if entry in self._pending or entry in self._known:
            if self._current(table, raw) is None:
                return False
            self._put(entry, None)
            return True
        cursor = self._execute(self._sql_delete, entry, doing="deleting")
        self._remember({entry: None})
        if cursor.rowcount > 0:
            self._wrote = True
            return True
        return False

    def delete_range(self, table: str, prefix: Key, stop: Key) -> int:
        """Remove every entry under ``prefix`` whose key is at most ``stop``; how many.
        One ``DELETE``, a range of the primary key: O(log n + removed).

        Inside ``atomic()``, it is sent at once, after the writes the transaction
        buffered (in the same round trip: it removes those in its range too), and what
        the transaction remembers of the keys in its range becomes "absent"; outside,
        it is a transaction of its own, as :meth:`delete`. An int beyond 64 bits in
        ``prefix`` matches nothing (0, without a query); in ``stop``, it stands where
        Python's order puts it (:func:`~sync_core.storage.codec.encode_bound`), as a
        scan's ``start`` does.
        """
        if self._pid != _pid:
            self._forked()
        found = delete_range_of(prefix, stop)
        if found is None:
            return 0
        low, high, bound = found
        with self._lock:
            if not self._depth:
                with self.atomic():
                    return self._delete_range(table, low, high, bound)
            return self._delete_range(table, low, high, bound)

    def _delete_range(self, table: str, low: bytes, high: bytes, bound: bytes) -> int:
        self._refuse_if_broken()
        cursor = self._query(
            self._sql_delete_range, (table, low, high, bound), doing="deleting a range"
        )
        # Every key of the range is gone now, whatever the transaction knew of it
        # (the buffered writes were sent before the DELETE, and are remembered).
        known = self._known
        for entry in [e for e in known if e[0] == table and low <= e[1] < high and e[1] <= bound]:
            known[entry] = None
        removed = cursor.rowcount
        if removed > 0:
            self._wrote = True
        return removed

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
        """Entries under ``prefix`` in key order from ``start``: a range of the primary key.

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
        def read(bound: bytes, strict: bool, size: int) -> list[tuple[Any, Any]]:
            query = self._sql_scan[(reverse, strict)]
            args = (table, low, bound, high, size) if reverse else (table, bound, low, high, size)
            if self._pid != _pid:  # a scan begun before a fork, read on after it
                self._forked()
            with self._lock:
                return self._query(query, args, doing="scanning").fetchall()

        for raw, value in batched(read, bound, strict, limit, _BATCH):
            yield decode_key(bytes(raw)), _value_of(value)

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """One transaction for the outermost block, which first locks the commit counter's
        row (every process's transactions then run one at a time), and commits (adding
        one to the counter if it wrote), or rolls back if the block raises.

        Nested blocks are part of the outermost one (only it rolls back).

        Raises:
            StorageConnectionError: the connection was lost; while committing, whether
                the transaction committed is unknown (the message says so).
        """
        if self._pid != _pid:
            self._forked()
        with self._lock:
            outermost = self._depth == 0
            if outermost:
                self._begin()
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outermost:
                    self._rollback()
                raise
            self._depth -= 1
            if outermost:
                self._commit()

    def _forget(self) -> None:
        """Drop the buffered writes and what the transaction read."""
        self._pending.clear()
        self._known.clear()

    def _begin(self) -> None:
        self._wrote = False
        self._announced.clear()
        self._forget()
        self._broken, self._why = False, _LOST
        # A connection that looked sound, found lost by this first statement, died
        # while idle (the server restarted, an idle timeout, pg_terminate_backend):
        # begun again once, on a new connection. Safe, whenever it died: nothing of the
        # operation was sent but this statement, which writes nothing.
        again = not _lost(self._conn)
        try:
            try:
                cursor = self._execute(self._sql_begin, doing="beginning a transaction")
            except StorageConnectionError:
                if not again or not _lost(self._conn):
                    raise
                self._rollback()
                cursor = self._execute(self._sql_begin, doing="beginning a transaction")
            cursor.nextset()
            row = cursor.fetchone()
        except psycopg.errors.LockNotAvailable as exc:
            self._rollback()
            exc.add_note(
                f"{self._label}: another connection held the store's lock (meta.commits) "
                f"for lock_timeout = {self._lock_timeout:g} s: an operation of another "
                "process took that long, or hangs in its transaction"
            )
            raise
        except BaseException:
            self._rollback()
            raise
        if row is None:  # the row is gone: someone emptied meta behind sync_core's back
            self._rollback()
            raise StorageFormatError(
                f"{self._label}: the commit counter of schema {self.schema!r} is missing"
            )
        self._read = int(row[0])

    def _rollback(self) -> None:
        """End the transaction, keeping nothing; on a lost connection, the server already
        did."""
        self._read = None
        self._announced.clear()
        self._forget()
        broken, self._broken = self._broken, False
        conn = self._conn
        if broken or _lost(conn):
            _close_quietly(conn)
            return
        assert conn is not None
        status = conn.info.transaction_status
        if status == psycopg.pq.TransactionStatus.IDLE:
            return
        if status not in (
            psycopg.pq.TransactionStatus.INTRANS,
            psycopg.pq.TransactionStatus.INERROR,
        ):
            # A statement still running (a COPY cut short) or a state libpq does not
            # know: a ROLLBACK would fail ("another command is already in progress").
            # Closing rolls back too; the next operation connects again.
            _close_quietly(conn)
            return
        try:
            conn.execute("ROLLBACK")
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            if not _doubtful(conn, exc):
                raise
            # The transaction ends with the connection; the error that made this
            # rollback goes on (it says what happened), and the next operation connects.
            _close_quietly(conn)

    def _commit(self) -> None:
        """Commit, in one round trip with the buffered writes, the counter's update and
        the notices."""
        if self._broken:
            why = self._why
            self._rollback()
            raise StorageConnectionError(f"{self._label}: {why}; nothing of it is kept")
        conn = self._conn
        assert conn is not None
        statements = self._flushing()
        counted = len(statements)
        if self._wrote:
            statements.append((self._sql_count, None))
        for service_sid in sorted(self._announced):
            statements.append((self._sql_notify_at_commit, (self.channel, service_sid)))
        statements.append(("COMMIT", None))
        read, wrote = self._read, self._wrote
        self._read = None
        self._announced.clear()
        self._forget()
        try:
            cursors = self._send(conn, statements)
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            if not _doubtful(conn, exc):
                self._rollback()
                raise
            _close_quietly(conn)  # the next operation connects again
            raise StorageConnectionError(
                f"{self._label}: the connection to PostgreSQL was lost while committing: "
                f"{_one_line(exc)}; whether this operation was kept is unknown (it "
                "committed entirely or not at all); the next operation connects again"
            ) from exc
        except BaseException:
            self._rollback()
            raise
        if wrote:
            row = cursors[counted].fetchone()
            assert row is not None
            if self._seen == read:  # nobody else committed in between: still up to date
                self._seen = int(row[0])

    def snapshot(self) -> PostgresSnapshot:
        """Every entry now, in memory, for :meth:`restore`: one query, in a transaction
        that holds the lock (no other process's operation is half in it)."""
        if self._pid != _pid:
            self._forked()
        with self._lock, self.atomic():
            rows = self._query(self._sql_all, doing="taking a snapshot").fetchall()
        return PostgresSnapshot(tuple((str(t), bytes(k), bytes(v)) for t, k, v in rows))

    def restore(self, snapshot: object) -> None:
        """Make the schema hold exactly the entries of ``snapshot``, in one transaction
        (a ``DELETE`` and a ``COPY``).

        Raises:
            TypeError: ``snapshot`` is not a :class:`PostgresSnapshot`.
        """
        if not isinstance(snapshot, PostgresSnapshot):
            raise TypeError(f"a PostgresStorage restores a PostgresSnapshot, not {snapshot!r}")
        if self._pid != _pid:
            self._forked()
        with self._lock, self.atomic():
            self._wrote = True
            self._forget()  # what the block wrote or read before is replaced
            self._execute(self._sql_clear, doing="restoring a snapshot")
            conn = self._conn
            assert conn is not None
            try:
                with conn.cursor().copy(self._sql_copy) as copy:
                    for row in snapshot._rows:
                        copy.write_row(row)
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                # Whatever it says, a COPY cut short leaves the connection in doubt
                # (psycopg may raise "connection socket closed" without marking it
                # broken, and libpq still think the COPY runs): closed, which rolls
                # the transaction back; the next operation connects again.
                _close_quietly(conn)
                self._broken = True
                raise StorageConnectionError(
                    f"{self._label}: the connection to PostgreSQL was lost while restoring "
                    f"a snapshot: {_one_line(exc)}; nothing of the restore was kept"
                ) from exc

    def clear(self) -> None:
        """Remove every entry (the schema stays a sync_core store), in one transaction."""
        if self._pid != _pid:
            self._forked()
        with self._lock, self.atomic():
            self._wrote = True
            self._forget()  # what the block wrote or read before is removed
            self._execute(self._sql_clear, doing="clearing")

    def changed_elsewhere(self) -> bool:
        """Whether another connection committed to the schema since the last call (or
        since the storage was opened): another process, or another ``PostgresStorage``
        of the schema in this one. This storage's own commits do not count; after a
        reconnect, True once (what happened meanwhile is unknown).

        Inside ``atomic()``, where sync_core asks, it compares the counter read under
        the lock with the one last seen: no query. Outside, one query.
        """
        if self._pid != _pid:
            self._forked()
        with self._lock:
            counter = self._read
            if counter is None:
                row = self._execute(self._sql_counter, doing="reading the counter").fetchone()
                assert row is not None
                counter = int(row[0])
        if counter == self._seen:
            return False
        self._seen = counter
        return True

    # -- change notices -----------------------------------------------------------------

    def announce(self, service_sid: str) -> None:
        """Wake every :meth:`wait_announced` of the schema once the open transaction
        commits (a ``NOTIFY`` sent with the ``COMMIT``); nobody if it rolls back.
        Outside ``atomic()``, at once. Without notices (``notices=False``), nothing."""
        if self._pid != _pid:
            self._forked()
        if not self.notices:
            return
        with self._lock:
            if self._depth:
                self._announced.add(service_sid)
                return
            notify = self._sql_notify.format(
                sql.Identifier(self.channel), sql.Literal(service_sid)
            ).as_string(None)
            self._execute(notify, doing="announcing")

    def wait_announced(self, timeout: float) -> bool:
        """Block until an announcement arrives (``LISTEN`` on a second connection), or
        ``timeout`` seconds pass; whether one arrived. The first call (and the first
        after the listening connection was lost) starts listening and returns True at
        once. Safe from any thread, while the storage is used from another; threads
        that wait at once take turns, and none waits longer than its ``timeout``
        for its turn (then False). After :meth:`close`, False at once.

        Without notices (``notices=False``), it polls: it sleeps
        :data:`POLL_SECONDS` (or ``timeout``, if shorter) and answers True (read again)
        unless the whole ``timeout`` passed.
        """
        if self._pid != _pid:
            self._forked()
        if not self.notices:
            pause = min(max(timeout, 0.0), POLL_SECONDS)
            time.sleep(pause)
            return pause < timeout
        timeout = max(timeout, 0.0)
        deadline = time.monotonic() + timeout
        # Another thread may be waiting: this one waits for its turn within its timeout.
        if not self._listen_lock.acquire(timeout=timeout):
            return False
        try:
            if self._closed:
                return False
            listener = self._listener
            if _lost(listener):
                return self._listen(listener)
            assert listener is not None
            try:
                arrived = self._notified(listener, max(deadline - time.monotonic(), 0.0))
                if arrived:
                    while self._notified(listener, 0.0):  # drain: one wake-up is enough
                        pass
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                if not _doubtful(listener, exc):
                    raise
                _close_quietly(listener)  # the next call listens again, on a new one
                return True  # the caller reads again: it may have missed a notice
            return arrived
        finally:
            self._listen_lock.release()

    def _listen(self, lost: psycopg.Connection[Any] | None) -> bool:
        """Replace the listening connection ``lost`` (or None) with a new one that
        listens (under ``_listen_lock``): True; False if the storage was closed
        meanwhile (the new connection is closed then)."""
        _close_quietly(lost)
        listener = self._connect("listening", main=False)
        try:
            listener.execute(self._sql_listen)
        except psycopg.Error as exc:
            _close_quietly(listener)
            raise StorageConnectionError(
                f"{self._label}: cannot listen for change notices: {exc}"
            ) from exc
        except BaseException:
            _close_quietly(listener)
            raise
        with self._listener_guard:
            if not self._closed:
                self._listener = listener
                return True
        # close() ran while it connected: it could not see this connection, so it is
        # closed here (and close() leaves no connection open once this call returns).
        _close_quietly(listener)
        return False

    @staticmethod
    def _notified(listener: psycopg.Connection[Any], timeout: float) -> bool:
        """Whether a notice arrives on ``listener`` within ``timeout`` seconds."""
        notices = listener.notifies(timeout=timeout, stop_after=1)
        try:
            return next(notices, None) is not None
        finally:
            notices.close()  # lets go of the connection's lock

    def close(self) -> None:
        """Close both connections. In a process forked from the one that opened them,
        only let go: they are the parent's, and are not touched."""
        with self._listener_guard:
            self._closed = True
            listener, self._listener = self._listener, None
        if self._pid != _pid:
            return
        if listener is not None:
            listener.close()
        with self._lock:
            if self._conn is not None:
                self._conn.close()

    def _forked(self) -> NoReturn:
        raise StorageForkedError(
            f"{self!r} was opened by process {self._pid} and is used in process "
            f"{os.getpid()}, forked from it: a PostgreSQL connection must not cross a fork. "
            "Open a new PostgresStorage (and Sync) in this process; with gunicorn --preload, "
            "in a post_fork hook or lazily in each worker (docs/durable-storage.md)"
        )

    # -- for tests -----------------------------------------------------------------

    def backend_pid(self) -> int:
        """The process id of this storage's server backend (``pg_backend_pid()``)."""
        with self._lock:
            return self._connection().info.backend_pid

    def _check(self) -> None:
        """Assert every key decodes back to itself and every value decodes."""
        if self._pid != _pid:
            self._forked()
        with self._lock:
            for table, raw, value in self._query(self._sql_all, doing="checking").fetchall():
                assert encode_key(decode_key(bytes(raw))) == bytes(raw), (table, raw)
                _value_of(value)

    def __repr__(self) -> str:
        return self._label
