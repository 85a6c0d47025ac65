"""Checks of ``atomic()``: commit, rollback, the exception, and nesting."""

from __future__ import annotations

from contextlib import suppress

from ...storage.base import Key, Storage
from .support import _expect_scan, _expect_table, _Planned, _PlannedBase, _require


def _fill(storage: Storage) -> dict[str, dict[Key, object]]:
    state: dict[str, dict[Key, object]] = {
        "t": {("a", 1): "a1", ("a", 2): "a2", ("b", 1): "b1"},
        "u": {(1,): 1, (2,): 2},
    }
    for table, rows in state.items():
        for key, value in rows.items():
            storage.put(table, key, value)
    return state


def _expect_state(storage: Storage, state: dict[str, dict[Key, object]], what: str) -> None:
    for table, rows in state.items():
        _expect_table(storage, table, rows, what)


def _atomic_commit(storage: Storage, thorough: bool) -> None:
    state = _fill(storage)
    with storage.atomic():
        storage.put("t", ("c", 1), "c1")
        storage.put("t", ("a", 1), "changed")
        _require(storage.delete("t", ("b", 1)) is True, "delete in a block")
        storage.put("new", ("k",), "v")
        storage.delete("u", (1,))
        state["t"].update({("c", 1): "c1", ("a", 1): "changed"})
        del state["t"][("b", 1)]
        state["new"] = {("k",): "v"}
        del state["u"][(1,)]
        _expect_state(storage, state, "a block's writes, seen inside it")
    _expect_state(storage, state, "a block's writes, kept when it ends")
    with storage.atomic():
        pass
    _expect_state(storage, state, "after an empty block")


def _atomic_rollback(storage: Storage, thorough: bool) -> None:
    state = _fill(storage)
    for planned in (_Planned, _PlannedBase):
        try:
            with storage.atomic():
                storage.put("t", ("c", 1), "inserted")
                storage.put("t", ("a", 1), "replaced")
                storage.put("t", ("a", 1), "replaced twice")
                storage.delete("t", ("a", 2))
                storage.put("t", ("q", 1), "put")  # put, delete, put one new key
                storage.delete("t", ("q", 1))
                storage.put("t", ("q", 1), "put again")
                storage.delete("t", ("b", 1))  # delete, then put back another value
                storage.put("t", ("b", 1), "back")
                storage.delete("u", (1,))
                storage.put("u", (3,), 3)
                storage.put("fresh", ("first", 1), "a table first written here")
                _expect_table(
                    storage,
                    "t",
                    {
                        ("a", 1): "replaced twice",
                        ("b", 1): "back",
                        ("c", 1): "inserted",
                        ("q", 1): "put again",
                    },
                    "inside the block",
                )
                raise planned("half-way")
        except (_Planned, _PlannedBase):
            pass
        _expect_state(storage, state, f"after a block that raised {planned.__name__}")
        _require(
            storage.get("fresh", ("first", 1)) is None,
            "a table first written in a block that raised must be empty",
        )
        _expect_scan(storage, "fresh", {}, (), what="a table first written in a failed block")
    # Usable afterwards: a block commits, a later failure undoes only its own writes.
    with storage.atomic():
        storage.put("t", ("d", 1), "d1")
    state["t"][("d", 1)] = "d1"
    try:
        with storage.atomic():
            storage.delete("t", ("d", 1))
            storage.put("t", ("e", 1), "e1")
            raise _Planned
    except _Planned:
        pass
    _expect_state(storage, state, "a finished block is not undone by a later failure")


def _atomic_exception_propagates(storage: Storage, thorough: bool) -> None:
    for error in (_Planned("mine"), _PlannedBase("mine"), KeyError("k"), ValueError()):
        caught: BaseException | None = None
        try:
            with storage.atomic():
                storage.put("t", ("k",), 1)
                raise error
        except BaseException as err:  # whatever comes out is checked
            caught = err
        _require(
            caught is error,
            f"atomic() must let {error!r} through unchanged, got {caught!r}",
        )
        _require(storage.get("t", ("k",)) is None, f"the write before {error!r} must be undone")
    try:
        with storage.atomic(), storage.atomic():
            raise _Planned("inner")
    except _Planned as err:
        _require(str(err) == "inner", f"a nested block must let the error through, got {err!r}")


def _atomic_nested(storage: Storage, thorough: bool) -> None:
    # Inner and outer end: everything kept.
    with storage.atomic():
        storage.put("t", (1,), "outer")
        with storage.atomic():
            storage.put("t", (2,), "inner")
            with storage.atomic():
                storage.put("t", (3,), "innermost")
        _expect_table(storage, "t", {(1,): "outer", (2,): "inner", (3,): "innermost"}, "nested")
    kept: dict[Key, object] = {(1,): "outer", (2,): "inner", (3,): "innermost"}
    _expect_table(storage, "t", kept, "nested blocks that end")

    # The outer block raises after an inner one ended: the inner writes go too.
    with suppress(_Planned), storage.atomic():
        storage.put("t", (4,), "outer")
        with storage.atomic():
            storage.put("t", (5,), "inner")
            storage.delete("t", (1,))
        raise _Planned
    _expect_table(storage, "t", kept, "an outer block that raised after an inner one ended")

    # An inner block raises, the outer one catches it and ends: only the outermost block
    # rolls back, so the inner block's writes are kept (as MemoryStorage does).
    with storage.atomic():
        storage.put("t", (6,), "outer, before")
        with suppress(_Planned), storage.atomic():
            storage.put("t", (7,), "inner, raised")
            storage.delete("t", (2,))
            raise _Planned
        storage.put("t", (8,), "outer, after")
    kept.update({(6,): "outer, before", (7,): "inner, raised", (8,): "outer, after"})
    del kept[(2,)]
    _expect_table(
        storage,
        "t",
        kept,
        "an inner block that raised inside one that ended (only the outermost block rolls "
        "back: the inner writes are kept)",
    )

    # An inner block raises, is caught, then the outer block raises: everything undone.
    with suppress(_Planned), storage.atomic():
        storage.put("t", (9,), "outer")
        with suppress(_Planned), storage.atomic():
            storage.put("t", (10,), "inner")
            storage.delete("t", (3,))
            raise _Planned
        storage.put("t", (11,), "outer, after")
        raise _Planned
    _expect_table(storage, "t", kept, "inner and outer blocks that both raised")

    # The nesting is over: a new block is outermost again, and rolls back alone.
    with suppress(_Planned), storage.atomic():
        storage.put("t", (12,), "alone")
        raise _Planned
    _expect_table(storage, "t", kept, "a block after the nested ones")
