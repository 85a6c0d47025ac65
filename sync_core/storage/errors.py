"""The errors of the durable storages (SQLite, PostgreSQL), in a module of their own so
that catching one imports neither :mod:`sqlite3` nor psycopg.

``sync_core.storage.sqlite.StorageFormatError`` and ``StorageForkedError`` are these
same classes, as are ``sync_core.StorageFormatError`` and the others.
"""

from __future__ import annotations

__all__ = ["StorageConnectionError", "StorageForkedError", "StorageFormatError"]


class StorageFormatError(Exception):
    """The file or database schema is not a sync_core store, or one of a schema version
    this code does not know. Nothing was written to it."""


class StorageForkedError(RuntimeError):
    """A durable storage was used in a process forked from the one that opened it.

    A database connection must not cross a ``fork()``: the child would share the
    parent's file descriptors (a SQLite file's locks, a PostgreSQL socket) without
    owning them, which can corrupt a SQLite file
    (https://www.sqlite.org/howtocorrupt.html, "Carrying an open database connection
    across a fork()") or mix two processes' messages on one PostgreSQL connection
    (libpq: "forking a process with open libpq connections can lead to unpredictable
    results", https://www.postgresql.org/docs/current/libpq-connect.html). Open a new
    storage (and ``Sync``) in the
    child; with gunicorn's ``--preload``, in a ``post_fork`` hook or lazily in each
    worker (docs/durable-storage.md, "Many processes on one file").
    """


class StorageConnectionError(ConnectionError):
    """The connection to the database server was lost, or could not be made.

    The message names the storage and what it was doing. Lost during an operation,
    nothing of the operation is kept (the server rolls back a transaction that did not
    commit); lost while committing, whether it committed is unknown (the message says
    so). The next call connects again by itself.
    """
