"""Checks of ``snapshot``, ``restore`` and ``clear`` (:class:`~sync_core.storage.base.
Snapshots`), for a storage that offers them; one that does not passes them without
being asked anything. sync_core's ``sync.snapshot()``, ``restore()`` and ``reset()``
use them when they are there (:mod:`sync_core.snapshots`), outside ``atomic()``.
"""

from __future__ import annotations

from ...storage.base import Key, Snapshots, Storage
from .samples import sample_values
from .support import _expect_table

#: Two tables, so that a snapshot is seen to hold each, and one never written before.
_TABLES = ("one", "two")


def _fill(storage: Storage) -> dict[str, dict[Key, object]]:
    """Entries in each table, and the model of them."""
    rows: dict[str, dict[Key, object]] = {}
    values = sample_values()
    with storage.atomic():
        for table in _TABLES:
            rows[table] = {}
            for n in range(5):
                key: Key = (table, n)
                value = values[n % len(values)]
                storage.put(table, key, value)
                rows[table][key] = value
    return rows


def _change(storage: Storage, round_: int) -> None:
    """Writes of every kind after a snapshot: a new key, a new value, a delete, a new
    table."""
    values = sample_values()
    with storage.atomic():
        storage.put("one", ("one", 99), values[-1])
        storage.put("two", ("two", 0), values[(round_ + 7) % len(values)])
        storage.delete("two", ("two", 1))
        storage.put("three", ("three", round_), values[0])


def _expect_all(storage: Storage, rows: dict[str, dict[Key, object]], what: str) -> None:
    for table in (*_TABLES, "three"):
        _expect_table(storage, table, rows.get(table, {}), f"{what}, table {table!r}")


def _snapshots(storage: Storage, thorough: bool) -> None:
    """A snapshot is not changed by later writes, nor by being restored (twice, with
    writes between); ``restore`` brings back exactly its tables (a table first written
    after it is empty again); ``clear`` empties every table, and the storage takes
    writes after it."""
    if not isinstance(storage, Snapshots):
        return
    rows = _fill(storage)
    taken = storage.snapshot()
    for round_ in range(3 if thorough else 2):
        _change(storage, round_)
        storage.restore(taken)
        _expect_all(storage, rows, f"after writes and restore #{round_ + 1}")
    storage.clear()
    _expect_all(storage, {}, "after clear()")
    after = sample_values()[1]
    storage.put("one", ("one", 1), after)
    _expect_all(storage, {"one": {("one", 1): after}}, "a write after clear()")
    storage.restore(taken)
    _expect_all(storage, rows, "restore after clear()")
