"""The default storage: Python dicts and sorted key lists, in this process only.

Point reads and writes go to a ``dict`` (O(1)); each table also keeps its keys in a
:class:`sortedcontainers.SortedList` for ordered scans (O(log n) to find the start, then
O(1) an entry). Writes inside :meth:`MemoryStorage.atomic` are logged so that a block
that raises is undone, which makes every sync_core operation all-or-nothing even when
something fails half-way.

The sorted index is brought up to date lazily: a put of a new key appends it to the
table's list of pending keys (O(1): about 0.25 µs for the whole put, where one
``SortedList.add`` into a table of 10,000 keys costs 0.3 to 0.7 µs), and whatever needs
the order (a scan, a delete of a key other than the last one put, a snapshot) first
adds the pending keys in one ``SortedList.update``: O(p log n) one by one, or, when they
are at least a quarter of the table, O(n) by one sort of the whole. The cost moves
rather than vanishes: a map item create puts two new keys (the item and its change
feed event), and a listing, or the feed's pruning (every 256 events), sorts them in
later; a table nothing scans (the items of a Map nobody lists) never pays it. A new
key a failed block put is usually the last pending one, popped off the end. The
context manager of :meth:`MemoryStorage.atomic` is made once per storage.

Keys made in order (the feed's new events, a List's appends) come as a strictly
ascending run above every key of their table: it goes in at the end in one step
(``_append_run``), not one ``SortedList.add`` a key. The feed's pruning removes its
oldest events with :meth:`MemoryStorage.delete_range`: a run goes as one slice of
each sublist of the index it is in (``_delete_run``). Both work on the sublists of
sortedcontainers 2.x and keep every invariant ``SortedList._check`` asserts.

Snapshots are copy-on-write: :meth:`MemoryStorage.snapshot` and
:meth:`MemoryStorage.restore` cost O(tables) (about a dozen), whatever the number of
rows, besides sorting in the pending keys; a table is copied, O(its rows), by the first
write to it after either, and tables nothing writes to are never copied. A snapshot
sorts in every table's pending keys before it shares the table, so a shared table has
none and is never written again: two storages restored from one snapshot may scan it
at once, from two threads (each storage itself is used under one lock, its Sync's).

>>> store = MemoryStorage()
>>> with store.atomic():
...     store.put("t", ("a", 2), "a2")
...     store.put("t", ("a", 1), "a1")
...     store.put("t", ("b", 1), "b1")
>>> [value for _, value in store.scan("t", ("a",))]
['a1', 'a2']
>>> [value for _, value in store.scan("t", (), reverse=True, limit=2)]
['b1', 'a2']
>>> try:
...     with store.atomic():
...         _ = store.delete("t", ("b", 1))
...         raise RuntimeError("half-way")
... except RuntimeError:
...     pass
>>> store.get("t", ("b", 1))
'b1'
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Iterator
from itertools import islice
from operator import lt as _lt
from typing import Any, Final

from sortedcontainers import SortedList

from .base import Key

__all__ = ["MemorySnapshot", "MemoryStorage"]


class _Top:
    """Greater than any key element: ``(*prefix, TOP)`` bounds every key under ``prefix``."""

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return other is not self

    def __le__(self, other: object) -> bool:
        return other is self

    def __ge__(self, other: object) -> bool:
        return True

    def __repr__(self) -> str:
        return "TOP"


TOP: Final = _Top()
_MISSING: Final = object()


#: Whether ``SortedList`` has the sublists ``_append_run`` and ``_delete_run`` work on
#: (sortedcontainers 2.x): checked once; without them, ``SortedList``'s own methods.
_SUBLISTS: Final = all(
    hasattr(SortedList([0]), name) for name in ("_lists", "_maxes", "_index", "_len", "_load")
) and callable(getattr(SortedList, "_expand", None))


def _append_run(keys: SortedList, run: list[Key]) -> bool:
    """Add ``run`` to ``keys`` at their end in one step, if it is a strictly ascending
    run above every key of ``keys`` (new events of the change feed, a List's appends,
    keys made in order) and small beside them; whether it did.

    ``SortedList.update`` adds such a run one key at a time (a bisection and an insert
    each, 0.4 µs); this extends the last sublist and cuts it to the load factor, which
    keeps every invariant ``SortedList._check`` asserts. It uses the sublists of
    sortedcontainers 2.x (``_lists``, ``_maxes``, ``_index``, ``_len``, ``_load``):
    ``tests/unit/test_memory_storage.py`` checks them with ``_check``.
    """
    if not _SUBLISTS:
        return False
    maxes = keys._maxes
    if not maxes or len(run) * 4 >= keys._len or not maxes[-1] < run[0]:
        return False
    if len(run) > 1 and not all(map(_lt, run, islice(run, 1, None))):
        return False
    lists, load = keys._lists, keys._load
    last = lists[-1]
    last += run
    keys._len += len(run)
    del keys._index[:]
    if len(last) <= load << 1:
        maxes[-1] = last[-1]
        return True
    lists.pop()
    maxes.pop()
    for at in range(0, len(last), load):
        chunk = last[at : at + load]
        lists.append(chunk)
        maxes.append(chunk[-1])
    return True


def _delete_run(keys: SortedList, run: list[Key]) -> None:
    """Remove ``run``, keys of ``keys`` next to each other, in order (the change feed's
    oldest events of one Service).

    ``del keys[i:j]`` removes them one position at a time (0.35 µs each); here the part
    of the run in each sublist goes as one slice, and a sublist left shorter than half
    the load factor is joined to its neighbour (and cut again if that makes it too
    long), as ``SortedList._delete`` does: the invariants ``SortedList._check`` asserts
    hold. O(log n + len(run)), and O(load factor) a join.
    """
    done = 0
    while done < len(run):
        lists, maxes = keys._lists, keys._maxes
        first = run[done]
        pos = bisect_left(maxes, first)
        sublist = lists[pos]
        at = bisect_left(sublist, first)
        count = min(len(run) - done, len(sublist) - at)
        del sublist[at : at + count]
        done += count
        keys._len -= count
        del keys._index[:]
        if len(sublist) > keys._load >> 1:
            maxes[pos] = sublist[-1]
        elif len(lists) > 1:
            if not pos:
                pos = 1
            before = lists[pos - 1]
            before += lists[pos]
            maxes[pos - 1] = before[-1]
            del lists[pos]
            del maxes[pos]
            keys._expand(pos - 1)
        elif sublist:
            maxes[pos] = sublist[-1]
        else:
            del lists[pos]
            del maxes[pos]


class _Table:
    """One table: its rows, its sorted keys, the keys not sorted in yet, and whether a
    snapshot shares it.

    Every key of ``rows`` is in exactly one of ``keys`` and ``pending``.

    ``pending`` is one list for the table's life (never replaced: a put appends to it
    without a lock), and whatever changes ``keys`` or takes from ``pending`` holds
    ``lock``: a scan from another thread than the Sync's (``sync.storage`` read while
    operations run, which is no storage's contract) may sort the pending keys in at the
    same time as an operation puts or removes one, and no key is lost either way.
    """

    __slots__ = ("keys", "lock", "pending", "rows", "shared")

    def __init__(
        self,
        rows: dict[Key, object] | None = None,
        keys: Any = None,
        pending: list[Key] | None = None,
    ) -> None:
        self.rows: dict[Key, object] = {} if rows is None else rows
        self.keys: SortedList = SortedList() if keys is None else keys
        #: Keys put since ``keys`` was last brought up to date, in the order put.
        self.pending: list[Key] = [] if pending is None else pending
        #: A snapshot holds this table: it is never written again; a write copies it.
        self.shared = False
        self.lock = threading.RLock()

    def sorted_keys(self) -> SortedList:
        """``keys``, with the pending keys sorted in first: O(p log n) for p pending,
        or O(n) when p >= n / 4 (``SortedList.update`` sorts the whole then)."""
        pending = self.pending
        if pending:
            with self.lock:
                # What is pending now goes in; a key put meanwhile stays pending.
                batch = pending[:]
                if not _append_run(self.keys, batch):
                    self.keys.update(batch)
                del pending[: len(batch)]
        return self.keys

    def unindex(self, key: Key) -> None:
        """Remove ``key``, gone from ``rows``, from the index: O(1) if it was the last
        key put, else O(log n) once the pending keys are sorted in."""
        pending = self.pending
        with self.lock:
            if pending and pending[-1] == key:
                pending.pop()
                return
            keys = self.sorted_keys()
            if keys[0] == key:  # the oldest first (the change feed's pruning): no search
                del keys[0]
            else:
                keys.remove(key)

    def copy(self) -> _Table:
        """A private copy: O(rows) (the keys are sorted already, which sorting notices).

        The copy takes the pending keys as they are: this table may be shared, and a
        shared table is never written to (a snapshot leaves none pending anyway).
        """
        return _Table(dict(self.rows), SortedList(self.keys), list(self.pending))


class MemorySnapshot:
    """The state of a :class:`MemoryStorage` at one instant: its tables, shared read-only.

    Opaque; restore it with :meth:`MemoryStorage.restore`, as often as wanted, into
    this storage or another ``MemoryStorage``.
    """

    __slots__ = ("_tables",)

    def __init__(self, tables: dict[str, _Table]) -> None:
        self._tables = tables

    def __repr__(self) -> str:
        rows = sum(len(table.rows) for table in self._tables.values())
        return f"<MemorySnapshot {len(self._tables)} tables, {rows} rows>"


class _Atomic:
    """The context manager of :meth:`MemoryStorage.atomic`: one per storage, made once
    (it runs on every operation). The block that brings the depth back to 0 is the
    outermost one: it keeps or undoes the writes of all."""

    __slots__ = ("_storage",)

    def __init__(self, storage: MemoryStorage) -> None:
        self._storage = storage

    def __enter__(self) -> None:
        storage = self._storage
        if not storage._depth:
            storage._undo = []
        storage._depth += 1

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        storage = self._storage
        storage._depth -= 1
        if not storage._depth:
            if kind is not None:
                storage._rollback()
            storage._undo = None


class MemoryStorage:
    """A :class:`~sync_core.storage.Storage` held in memory (the default)."""

    def __init__(self) -> None:
        self._tables: dict[str, _Table] = {}
        self._undo: list[tuple[str, Key, object]] | None = None
        self._depth = 0
        self._atomic = _Atomic(self)

    def _table(self, name: str) -> _Table:
        """The table ``name``, to write to: made if missing, copied if a snapshot holds it."""
        table = self._tables.get(name)
        if table is None:
            table = self._tables[name] = _Table()
        elif table.shared:
            table = self._tables[name] = table.copy()
        return table

    def get(self, table: str, key: Key) -> object | None:
        """The value under ``key``, or None. O(1)."""
        found = self._tables.get(table)
        return None if found is None else found.rows.get(key)

    def put(self, table: str, key: Key, value: object) -> None:
        """Store ``value`` under ``key``. O(1); a new key is sorted in later, by
        whatever needs the order first."""
        found = self._tables.get(table)
        if found is None or found.shared:
            found = self._table(table)
        rows = found.rows
        old = rows.get(key, _MISSING)
        undo = self._undo
        if undo is not None:
            undo.append((table, key, old))
        rows[key] = value
        if old is _MISSING:
            found.pending.append(key)

    def delete(self, table: str, key: Key) -> bool:
        """Remove ``key``; whether it was there. O(1) for the last key put, else O(log n)
        after sorting in the pending keys."""
        found = self._tables.get(table)
        if found is None or key not in found.rows:
            return False
        if found.shared:
            found = self._table(table)
        old = found.rows.pop(key)
        found.unindex(key)
        undo = self._undo
        if undo is not None:
            undo.append((table, key, old))
        return True

    def delete_range(self, table: str, prefix: Key, stop: Key) -> int:
        """Remove every entry under ``prefix`` whose key is at most ``stop``; how many.
        O(log n + removed), after sorting in the pending keys."""
        found = self._tables.get(table)
        if found is None:
            return 0
        if found.shared:
            found = self._table(table)
        with found.lock:
            keys = found.sorted_keys()
            first = keys.bisect_left(prefix)
            last = min(keys.bisect_right(stop), keys.bisect_left((*prefix, TOP)))
            if last <= first:
                return 0
            gone = keys[first:last]
            if _SUBLISTS:
                _delete_run(keys, gone)
            else:
                del keys[first:last]
        rows, undo = found.rows, self._undo
        if undo is None:
            for key in gone:
                del rows[key]
        else:
            undo.extend([(table, key, rows.pop(key)) for key in gone])
        return len(gone)

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
        """Entries under ``prefix`` in key order from ``start``. O(log n + returned),
        after sorting in the keys put since the table's last scan."""
        found = self._tables.get(table)
        if found is None:
            return iter(())
        # A shared table has no pending key (snapshot() saw to it): this writes nothing.
        keys: Any = found.sorted_keys() if found.pending else found.keys
        width = len(prefix)
        if reverse:
            top = (*prefix, TOP) if start is None else start
            candidates = keys.irange(
                maximum=top, inclusive=(True, inclusive or start is None), reverse=True
            )
        else:
            bottom = prefix if start is None else start
            candidates = keys.irange(minimum=bottom, inclusive=(inclusive or start is None, True))
        rows = found.rows

        def entries() -> Iterator[tuple[Key, object]]:
            for key in candidates:
                if key[:width] != prefix:
                    return
                yield key, rows[key]

        return entries() if limit is None else islice(entries(), limit)

    def atomic(self) -> _Atomic:
        """Keep every write of the block, or undo them all if it raises.

        Only the outermost block rolls back; a nested block is part of it.
        """
        return self._atomic

    def _outside_blocks(self, done: str) -> None:
        if self._depth:
            raise RuntimeError(f"a MemoryStorage cannot be {done} inside an atomic() block")

    def _rollback(self) -> None:
        """Undo the logged writes, last first: a key the block added is usually the
        last one pending in its table, and is popped off."""
        undo, self._undo = self._undo or [], None
        for table, key, old in reversed(undo):
            found = self._table(table)
            present = key in found.rows
            if old is _MISSING:
                if present:
                    del found.rows[key]
                    found.unindex(key)
            else:
                found.rows[key] = old
                if not present:
                    found.pending.append(key)

    def snapshot(self) -> MemorySnapshot:
        """The state now, for :meth:`restore`. O(tables): no row is copied (the keys put
        since each table's last scan are sorted into its index first).

        The tables become shared with the snapshot: the next write to each copies it
        first (O(its rows)), so neither side ever sees the other's later writes.

        >>> store = MemoryStorage()
        >>> store.put("t", ("a",), 1)
        >>> saved = store.snapshot()
        >>> store.put("t", ("b",), 2)
        >>> store.restore(saved)
        >>> [key for key, _ in store.scan("t", ())]
        [('a',)]
        """
        self._outside_blocks("snapshotted")
        for table in self._tables.values():
            if not table.shared:  # a shared table has nothing pending, and stays unwritten
                table.sorted_keys()
                table.shared = True
        return MemorySnapshot(dict(self._tables))

    def restore(self, snapshot: object) -> None:
        """Make the state what it was at ``snapshot`` (:meth:`snapshot`'s). O(tables).

        Raises:
            TypeError: ``snapshot`` is not a :class:`MemorySnapshot`.
        """
        if not isinstance(snapshot, MemorySnapshot):
            raise TypeError(f"a MemoryStorage restores a MemorySnapshot, not {snapshot!r}")
        self._outside_blocks("restored")
        self._tables = dict(snapshot._tables)

    def clear(self) -> None:
        """Remove every row of every table. O(tables)."""
        self._outside_blocks("cleared")
        self._tables = {}

    def close(self) -> None:
        """Drop everything."""
        self._tables = {}

    def _check(self) -> None:
        """Assert the invariants: each table's sorted keys and pending keys are, together
        and without a repeat, exactly its dict's keys; a shared table has none pending.
        Reads only: the pending keys stay pending."""
        for name, table in self._tables.items():
            keys, pending = table.keys, table.pending
            keys._check()
            assert not (table.shared and pending), f"{name}: shared with keys pending"
            assert len(keys) + len(pending) == len(table.rows), name
            assert sorted([*keys, *pending]) == sorted(table.rows), name

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={len(t.rows)}" for name, t in sorted(self._tables.items()))
        return f"MemoryStorage({sizes})"
