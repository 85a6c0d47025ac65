"""The Storage port: an ordered key-value store with atomic operations.

sync_core asks very little of a storage, so that a durable one is easy to write and
easy to check: named tables of ``key -> value``, keys being tuples of ``str``/``int``
ordered as Python orders tuples, point reads and writes, ordered range scans, and
``atomic()``, inside which a sync_core operation does all its writes: either all of
them are kept or, if the block raises, none.

sync_core calls a storage from one thread at a time (under its own lock), and keeps
its indexes itself (:mod:`sync_core.store`), so a storage never interprets keys or
values. Values are the frozen rows of :mod:`sync_core.rows`, strings and ints.

A storage may also offer :class:`Snapshots` (``snapshot``, ``restore``, ``clear``),
which ``Sync.snapshot()``, ``Sync.restore()`` and ``Sync.reset()`` then use; without
them, sync_core reads and writes every table through the five methods above
(O(state), and correct for any storage).

A storage that other processes may write at the same time (a file several server
workers open, as :class:`~sync_core.storage.SqliteStorage`) offers :class:`SharedStorage`
(``changed_elsewhere``): sync_core asks it inside each operation's transaction whether
anyone else committed since it last asked, and if so forgets what it knows of the state
(the expiry floor) before the operation reads. A storage without it, as
:class:`~sync_core.storage.MemoryStorage`, is never asked: it is this process's alone.

A storage may offer :class:`RangeDeletes` (``delete_range``): the change feed's pruning
then removes a run of old events at once (one ``DELETE`` statement, one slice of a
sorted index) instead of one ``delete`` each.

A storage that can wake the followers of the change feed in other processes (as
PostgreSQL's ``LISTEN``/``NOTIFY``) offers :class:`ChangeNotices` (``announce``,
``wait_announced``); without it, a follower waiting in ``sync.changes(..., wait=...)``
is woken by this process's own commits at once, and polls for other processes'.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

__all__ = ["ChangeNotices", "Key", "RangeDeletes", "SharedStorage", "Snapshots", "Storage"]

#: A key: a tuple of strings and ints, compared as Python compares tuples. Within a
#: table, a given position always holds the same type.
Key = tuple[str | int, ...]


@runtime_checkable
class Storage(Protocol):
    """What sync_core needs from a place to keep its state."""

    def get(self, table: str, key: Key) -> object | None:
        """The value stored under ``key`` in ``table``, or None.

        Cost: O(log n) or better.
        """
        ...

    def put(self, table: str, key: Key, value: object) -> None:
        """Store ``value`` under ``key``, replacing any value there."""
        ...

    def delete(self, table: str, key: Key) -> bool:
        """Remove ``key``; whether it was there."""
        ...

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
        """Entries whose key begins with ``prefix``, in key order (descending if ``reverse``).

        ``start`` (a whole key beginning with ``prefix``) is where to begin: keys at or
        after it (at or before it when ``reverse``), ``start`` itself only if
        ``inclusive``. ``start`` need not exist. At most ``limit`` entries. The caller
        consumes the iterator before it writes to the table again.

        Cost: O(log n + entries returned).
        """
        ...

    def atomic(self) -> AbstractContextManager[None]:
        """A block whose writes are all kept, or all undone if it raises. Re-entrant.

        Only the outermost block rolls back: a nested block is part of it, so an inner
        block that raises, inside an outer block that catches the exception and ends
        normally, keeps its writes (``run_storage_conformance`` checks exactly this).
        """
        ...

    def close(self) -> None:
        """Release what the storage holds; it is not used afterwards."""
        ...


@runtime_checkable
class Snapshots(Protocol):
    """What a storage may add so that snapshots, restores and resets cost less.

    :class:`~sync_core.storage.MemoryStorage` (copy-on-write, O(tables)) and
    :class:`~sync_core.storage.SqliteStorage` (O(entries)) offer it. sync_core calls
    these outside any ``atomic()`` block, under its lock.
    """

    def snapshot(self) -> object:
        """An opaque value holding every entry of every table now; later writes do not
        change it."""
        ...

    def restore(self, snapshot: object) -> None:
        """Make every table hold exactly what it held at ``snapshot``, atomically."""
        ...

    def clear(self) -> None:
        """Remove every entry of every table, atomically."""
        ...


@runtime_checkable
class RangeDeletes(Protocol):
    """What a storage may add so that a run of entries goes at once.

    The change feed (:mod:`sync_core.changes`) removes its oldest events in runs: for a
    storage with this method, a run is one call; without it, one ``delete`` per event.
    :class:`~sync_core.storage.MemoryStorage`, :class:`~sync_core.storage.SqliteStorage`
    and :class:`~sync_core.storage.postgres.PostgresStorage` offer it. A subclass that
    overrides ``delete`` and not ``delete_range`` (to count, to inject faults, to
    encode), or a wrapper that passes other attributes through, is pruned through its
    ``delete``: sync_core uses ``delete_range`` only when its class defines it at or
    below the one that defines ``delete``.
    """

    def delete_range(self, table: str, prefix: Key, stop: Key) -> int:
        """Remove every entry of ``table`` whose key is under ``prefix`` (its first
        elements are ``prefix``'s, as for ``scan``) and at most ``stop`` (in key order);
        how many were removed.

        Inside ``atomic()`` it is one more write of the block: undone with the others
        if the block raises. ``stop`` may hold an int beyond 64 bits (every stored key
        with a smaller int there is removed). Cost: O(log n + removed).
        """
        ...


@runtime_checkable
class SharedStorage(Protocol):
    """What a storage adds when others (other processes, other connections) may write to
    it while sync_core uses it.

    sync_core keeps one thing of the state in memory between operations: the expiry
    floor (:class:`~sync_core.expiry.Expiry`), a lower bound of every expiry instant,
    which its own writes keep right. A write by another process can break it (a TTL
    this process never saw), so, for a storage that offers this method, every operation
    asks it once its transaction has begun (inside ``atomic()``, under sync_core's lock,
    before the operation reads anything); when it answers True, sync_core forgets the
    floor, removes what is due by its ``now`` in that same transaction, and sets the
    floor again. :class:`~sync_core.storage.SqliteStorage` offers it; a storage that
    only this process writes should not (each operation would pay for the question).
    """

    def changed_elsewhere(self) -> bool:
        """Whether anything else committed to the storage since the last call (or, at
        the first call, since it was opened). This process's own commits do not count.

        When in doubt, True: a False that should have been True lets an operation miss
        another process's expiry. Cost: O(1), one cheap question.
        """
        ...


@runtime_checkable
class ChangeNotices(Protocol):
    """What a storage adds when it can tell followers of the change feed, in any process
    that uses the same database, that a transaction recorded changes.

    ``sync.changes(service_sid, after=..., wait=...)`` (:mod:`sync_core.changes`) reads
    the feed; when nothing is new, it waits with :meth:`wait_announced` (outside
    sync_core's lock) and reads again. A wake-up that brings nothing (another service's
    changes, or a notice read late) costs one read, never a missed change.
    """

    def announce(self, service_sid: str) -> None:
        """Called inside ``atomic()`` by a transaction that recorded changes of
        ``service_sid``: once it commits, wake every :meth:`wait_announced` of every
        process using the database; if it rolls back, wake nobody. Cheap: it should
        ride on the commit rather than cost a round trip of its own."""
        ...

    def wait_announced(self, timeout: float) -> bool:
        """Block until an announcement committed since the last call (of this storage
        object) arrives, or ``timeout`` seconds pass; whether one arrived.

        The first call starts listening and returns True at once: what was committed
        before it listened is read again by the caller. Called outside ``atomic()``,
        from any thread, concurrently with the other methods.
        """
        ...
