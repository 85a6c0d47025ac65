"""Checks of point reads and writes, tables, value round trips and key order."""

from __future__ import annotations

import random

from ...storage.base import Key, Storage
from .samples import INTS, STRINGS, sample_values
from .support import _expect_scan, _expect_table, _Planned, _require, _same_value

# -- the checks ---------------------------------------------------------------------


def _is_a_storage(storage: Storage, thorough: bool) -> None:
    _require(
        isinstance(storage, Storage),
        f"{type(storage).__name__} lacks a method of the Storage protocol",
    )


def _get_put_delete(storage: Storage, thorough: bool) -> None:
    _require(storage.get("t", ("a", 1)) is None, "get of a key in a missing table must be None")
    _require(storage.delete("t", ("a", 1)) is False, "delete in a missing table must be False")
    storage.put("t", ("a", 1), "a1")
    _same_value(storage.get("t", ("a", 1)), "a1", "get after put")
    _require(storage.get("t", ("a", 2)) is None, "get of a missing key must be None")
    _require(storage.get("t", ("b", 1)) is None, "get of a missing key must be None")
    storage.put("t", ("a", 1), "replaced")
    _same_value(storage.get("t", ("a", 1)), "replaced", "get after a put that replaces")
    _expect_scan(storage, "t", {("a", 1): "replaced"}, (), what="a replaced key, once")
    storage.put("t", ("a", 2), 2)
    _require(storage.delete("t", ("a", 1)) is True, "delete of a present key must be True")
    _require(storage.get("t", ("a", 1)) is None, "get after delete must be None")
    _require(storage.delete("t", ("a", 1)) is False, "delete of a deleted key must be False")
    _require(storage.delete("t", ("a", 3)) is False, "delete of a missing key must be False")
    _expect_table(storage, "t", {("a", 2): 2}, "after delete")
    storage.put("t", ("a", 1), "again")
    _expect_table(storage, "t", {("a", 1): "again", ("a", 2): 2}, "put after delete")
    # Writes outside atomic() are kept: a later failed block does not undo them.
    try:
        with storage.atomic():
            storage.put("t", ("a", 3), "in a block")
            raise _Planned
    except _Planned:
        pass
    _expect_table(
        storage, "t", {("a", 1): "again", ("a", 2): 2}, "writes outside atomic() are kept"
    )


def _tables_are_independent(storage: Storage, thorough: bool) -> None:
    names = ("map_items", "map_item_expiry", "map_items_", "map", "Map_items", "m")
    for index, name in enumerate(names):
        storage.put(name, ("k", 1), index)
        storage.put(name, (name, index), name)
    for index, name in enumerate(names):
        _expect_table(
            storage, name, {("k", 1): index, (name, index): name}, f"table {name!r} alone"
        )
    _require(storage.delete("map_items", ("k", 1)) is True, "delete of a present key must be True")
    _require(
        storage.delete("map_items", ("k", 1)) is False,
        "delete of a key just deleted must be False (the same key in other tables is no matter)",
    )
    storage.put("map", ("k", 1), "replaced")
    for index, name in enumerate(names):
        value: object = {"map_items": None, "map": "replaced"}.get(name, index)
        rows: dict[Key, object] = {(name, index): name}
        if value is not None:
            rows[("k", 1)] = value
        _expect_table(storage, name, rows, f"table {name!r} after writes to others")
    _require(storage.get("absent", ("k", 1)) is None, "get in a table never written")
    _expect_scan(storage, "absent", {}, (), what="a table never written")


def _values_round_trip(storage: Storage, thorough: bool) -> None:
    values = sample_values()
    rows: dict[Key, object] = {}
    with storage.atomic():
        for index, value in enumerate(values):
            storage.put("values", ("v", index), value)
            rows[("v", index)] = value
            _same_value(
                storage.get("values", ("v", index)), value, f"get of value {index} in its block"
            )
    for index, value in enumerate(values):
        _same_value(storage.get("values", ("v", index)), value, f"get of value {index}")
    _expect_scan(storage, "values", rows, ("v",), what="values by scan")
    _expect_scan(storage, "values", rows, ("v",), reverse=True, what="values by scan")


def _keys_ordered(storage: Storage, thorough: bool) -> None:
    rng = random.Random("keys-ordered")
    two: dict[Key, object] = {(s, n): f"{s}|{n}" for s in STRINGS for n in INTS}
    flipped: dict[Key, object] = {(n, s): n for s in STRINGS for n in INTS}
    three: dict[Key, object] = {
        (s, n, t): len(t) for s in STRINGS[::5] for n in INTS[::4] for t in STRINGS[::3]
    }
    tables = {"str_int": two, "int_str": flipped, "str_int_str": three}
    for table, rows in tables.items():
        keys = list(rows)
        rng.shuffle(keys)
        for key in keys:
            storage.put(table, key, rows[key])
    for table, rows in tables.items():
        _expect_scan(storage, table, rows, (), what="every key, in Python's order")
        _expect_scan(storage, table, rows, (), reverse=True, what="every key, in Python's order")
    for s in STRINGS:
        _expect_scan(storage, "str_int", two, (s,), what="ints in numeric order")
        _expect_scan(storage, "str_int", two, (s,), reverse=True, what="ints in numeric order")
    for n in INTS:
        _expect_scan(storage, "int_str", flipped, (n,), what="strings in code-point order")
    for s in STRINGS[::5]:
        for n in INTS[::4]:
            _expect_scan(storage, "str_int_str", three, (s, n), what="a two-element prefix")
            _expect_scan(
                storage, "str_int_str", three, (s, n), reverse=True, what="a two-element prefix"
            )
