"""The default storage: Python dicts and sorted key lists, in this process only.

Point reads and writes go to a ``dict`` (O(1)); each table also keeps its keys in a
:class:`sortedcontainers.SortedList` for ordered scans (O(log n) to find the start, then
O(1) an entry). Writes inside :meth:`MemoryStorage.atomic` are logged so that a block
that raises is undone, which makes every sync_core operation all-or-nothing even when
something fails half-way.

Snapshots are copy-on-write: :meth:`MemoryStorage.snapshot` and
:meth:`MemoryStorage.restore` cost O(tables) (about a dozen), whatever the number of
rows; a table is copied, O(its rows), by the first write to it after either, and
tables nothing writes to are never copied.

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

from collections.abc import Iterator
from itertools import islice
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


class _Table:
    """One table: its rows, its sorted keys, and whether a snapshot shares it."""

    __slots__ = ("keys", "rows", "shared")

    def __init__(self, rows: dict[Key, object] | None = None, keys: Any = None) -> None:
        self.rows: dict[Key, object] = {} if rows is None else rows
        self.keys: SortedList = SortedList() if keys is None else keys
        #: A snapshot holds this table: it is never written again; a write copies it.
        self.shared = False

    def copy(self) -> _Table:
        """A private copy: O(rows) (the keys are sorted already, which sorting notices)."""
        return _Table(dict(self.rows), SortedList(self.keys))


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
    """The context manager of :meth:`MemoryStorage.atomic` (a class: it runs on every call)."""

    __slots__ = ("_outermost", "_storage")

    def __init__(self, storage: MemoryStorage) -> None:
        self._storage = storage
        self._outermost = False

    def __enter__(self) -> None:
        storage = self._storage
        self._outermost = storage._depth == 0
        if self._outermost:
            storage._undo = []
        storage._depth += 1

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        storage = self._storage
        storage._depth -= 1
        if self._outermost:
            if kind is not None:
                storage._rollback()
            storage._undo = None


class MemoryStorage:
    """A :class:`~sync_core.storage.Storage` held in memory (the default)."""

    def __init__(self) -> None:
        self._tables: dict[str, _Table] = {}
        self._undo: list[tuple[str, Key, object]] | None = None
        self._depth = 0

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
        """Store ``value`` under ``key``. O(1) to replace, O(log n) to insert."""
        found = self._table(table)
        old = found.rows.get(key, _MISSING)
        if self._undo is not None:
            self._undo.append((table, key, old))
        found.rows[key] = value
        if old is _MISSING:
            found.keys.add(key)

    def delete(self, table: str, key: Key) -> bool:
        """Remove ``key``; whether it was there. O(log n)."""
        found = self._tables.get(table)
        if found is None or key not in found.rows:
            return False
        if found.shared:
            found = self._table(table)
        old = found.rows.pop(key)
        found.keys.remove(key)
        if self._undo is not None:
            self._undo.append((table, key, old))
        return True

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
        """Entries under ``prefix`` in key order from ``start``. O(log n + returned)."""
        found = self._tables.get(table)
        if found is None:
            return iter(())
        keys: Any = found.keys
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
        return _Atomic(self)

    def _outside_blocks(self, done: str) -> None:
        if self._depth:
            raise RuntimeError(f"a MemoryStorage cannot be {done} inside an atomic() block")

    def _rollback(self) -> None:
        undo, self._undo = self._undo or [], None
        for table, key, old in reversed(undo):
            found = self._table(table)
            present = key in found.rows
            if old is _MISSING:
                if present:
                    del found.rows[key]
                    found.keys.remove(key)
            else:
                found.rows[key] = old
                if not present:
                    found.keys.add(key)

    def snapshot(self) -> MemorySnapshot:
        """The state now, for :meth:`restore`. O(tables): no row is copied.

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
        """Assert the invariants: each table's sorted keys are exactly its dict's keys."""
        for name, table in self._tables.items():
            assert list(table.keys) == sorted(table.rows), name
            table.keys._check()

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={len(t.rows)}" for name, t in sorted(self._tables.items()))
        return f"MemoryStorage({sizes})"
