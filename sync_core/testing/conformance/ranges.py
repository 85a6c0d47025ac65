"""Checks of ``delete_range`` (:class:`~sync_core.storage.base.RangeDeletes`), for a
storage that offers it; a storage that does not passes them without being asked anything.
"""

from __future__ import annotations

from ...storage.base import Key, RangeDeletes, Storage
from .support import _expect_scan, _expect_table, _Planned, _PlannedBase, _require, _show

#: Strings around ``"a"``: the prefix ``("a",)`` must leave ``"a\x00"``, ``"a/"`` and
#: ``"ab"`` alone, and ``""`` is an element like any other.
_GROUPS = ("", "a", "a\x00", "a/", "ab", "b", "\U0001f600")
#: Ints at the edges of 64 bits, with gaps between them to stop in.
_NUMBERS = (-(2**63), -1, 0, 1, 2, 10, 2**63 - 1)
#: Ints no stored key can hold.
_HUGE = (2**63, 2**64, 10**30, -(2**63) - 1, -(10**30))


def _model_delete_range(rows: dict[Key, object], prefix: Key, stop: Key) -> int:
    """What ``delete_range`` must do to ``rows``, the slow, obvious way; how many go."""
    width = len(prefix)
    gone = [key for key in rows if key[:width] == prefix and key <= stop]
    for key in gone:
        del rows[key]
    return len(gone)


def _expect_delete_range(
    storage: RangeDeletes, table: str, rows: dict[Key, object], prefix: Key, stop: Key, what: str
) -> None:
    """``storage.delete_range`` removes from ``table`` what the model removes from
    ``rows`` (which it then mirrors), and says how many."""
    label = f"{what}: {table!r} delete_range(prefix={prefix!r}, stop={stop!r})"
    expected = _model_delete_range(rows, prefix, stop)
    got = storage.delete_range(table, prefix, stop)
    _require(
        type(got) is int and got == expected,
        f"{label} must return {expected} (an int), got {_show(got)}",
    )


def _cases() -> list[tuple[Key, Key, str]]:
    """``(prefix, stop, what)`` for a table of ``(str, int)`` keys made of
    :data:`_GROUPS` and :data:`_NUMBERS`."""
    cases: list[tuple[Key, Key, str]] = [
        ((), (), "the empty prefix, stop before every key"),
        ((), ("",), "the empty prefix, stop shorter than every key"),
        ((), ("a", 1), "the empty prefix, stop at a key"),
        ((), ("a", 5), "the empty prefix, stop between keys"),
        ((), ("a\x00", 2**64), "the empty prefix, stop beyond 64 bits"),
        ((), ("\U0010ffff",), "the empty prefix, stop after every key"),
        (("a",), ("a",), "stop = prefix (shorter than every key under it)"),
        (("a",), ("0", 5), "stop before the prefix"),
        (("a",), ("a", -(2**63)), "stop at the first key"),
        (("a",), ("a", 1), "stop at a key"),
        (("a",), ("a", 5), "stop between keys"),
        (("a",), ("a", 1, "z"), "stop longer than a key, just after it"),
        (("a",), ("a", 2**63 - 1), "stop at the last key"),
        (("a",), ("a\x00", 0), "stop in a neighbouring prefix"),
        (("a",), ("b", 0), "stop after the prefix and its neighbours"),
        (("",), ("", 10), "the empty string as the prefix"),
        (("\U0001f600",), ("\U0001f600", 0), "an astral prefix"),
        (("a", 1), ("a", 1), "a prefix as long as a key, stop at it"),
        (("a", 1), ("a", 0), "a prefix as long as a key, stop before it"),
        (("a", 1), ("b",), "a prefix as long as a key, stop after it"),
        (("a", 1, "x"), ("b",), "a prefix longer than any key"),
        (("c",), ("d",), "a prefix under which nothing is"),
    ]
    for huge in _HUGE:
        cases.append((("a",), ("a", huge), f"stop beyond 64 bits ({huge})"))
        cases.append((("a", huge), ("b",), f"a prefix beyond 64 bits ({huge})"))
        cases.append(((), ("a", huge, "x"), f"the empty prefix, stop beyond 64 bits ({huge})"))
    return cases


def _delete_range(storage: Storage, thorough: bool) -> None:
    """``delete_range`` removes exactly the keys under its prefix at or before its stop."""
    if not isinstance(storage, RangeDeletes):
        return  # an optional capability: nothing to check
    ranged: RangeDeletes = storage
    full: dict[Key, object] = {(g, n): f"{g}|{n}" for g in _GROUPS for n in _NUMBERS}
    for index, (prefix, stop, what) in enumerate(_cases()):
        table = f"range{index}"
        with storage.atomic():
            for key, value in full.items():
                storage.put(table, key, value)
        rows = dict(full)
        _expect_delete_range(ranged, table, rows, prefix, stop, what)
        _expect_scan(storage, table, rows, (), what=f"{what}: what is left")
        _expect_delete_range(ranged, table, rows, prefix, stop, f"{what}, again")
    _expect_delete_range(ranged, "absent", {}, (), ("z",), "a missing table")
    _expect_delete_range(ranged, "absent", {}, ("a",), ("a", 5), "a missing table")
    _expect_scan(storage, "absent", {}, (), what="a missing table, after delete_range")

    # Ints first, as in sync_core's expiry tables: (1,) is not a prefix of (10, ...).
    ints: dict[Key, object] = {(n, s): n for n in (-1, 1, 10, 12, 2**40) for s in ("x", "y")}
    with storage.atomic():
        for key, value in ints.items():
            storage.put("ints", key, value)
    for prefix, stop in [((1,), (1, "x")), ((1,), (11, "")), ((), (10, "x")), ((12,), (2**64,))]:
        _expect_delete_range(ranged, "ints", ints, prefix, stop, "int keys")
        _expect_table(storage, "ints", ints, "int keys: what is left")

    # The change feed's use: a run of one service's oldest events; neighbouring
    # services (one whose SID begins with this one's) keep theirs.
    feed: dict[Key, object] = {
        (service, n): f"{service}/{n}" for service in ("IS", "IS1", "IS10") for n in range(1, 9)
    }
    with storage.atomic():
        for key, value in feed.items():
            storage.put("changes", key, value)
    for service, through in [("IS1", 3), ("IS1", 5), ("IS", 8), ("IS10", 0), ("IS1", 2**70)]:
        with storage.atomic():
            _expect_delete_range(
                ranged, "changes", feed, (service,), (service, through), "a feed's oldest"
            )
        _expect_table(storage, "changes", feed, "a feed's oldest: what is left")


def _delete_range_atomic(storage: Storage, thorough: bool) -> None:
    """Inside ``atomic()``, ``delete_range`` is one more write of the block: seen by the
    block's reads, undone with the others when the outermost block raises."""
    if not isinstance(storage, RangeDeletes):
        return  # an optional capability: nothing to check
    ranged: RangeDeletes = storage
    state: dict[str, dict[Key, object]] = {
        "t": {(g, n): f"{g}{n}" for g in ("a", "a\x00", "ab", "b") for n in (1, 2, 3, 4)},
        "u": {("u", n): n for n in range(6)},
    }
    for table, rows in state.items():
        for key, value in rows.items():
            storage.put(table, key, value)

    def expect_state(expected: dict[str, dict[Key, object]], what: str) -> None:
        for table, rows in expected.items():
            _expect_table(storage, table, rows, what)

    for planned in (_Planned, _PlannedBase):
        inside = {table: dict(rows) for table, rows in state.items()}
        t, u = inside["t"], inside["u"]
        try:
            with storage.atomic():
                # Read first (a storage may remember what a transaction read), and
                # write in the range before it goes (a storage may hold writes back).
                for key in [("a", 1), ("a", 3), ("ab", 1)]:
                    _require(storage.get("t", key) == t[key], f"get({key!r}) in the block")
                written: dict[Key, object] = {
                    ("a", 0): "new, in the range",
                    ("a", 2): "replaced, in the range",
                    ("a", 9): "new, beyond the stop",
                }
                for key, value in written.items():
                    storage.put("t", key, value)
                t.update(written)
                _require(storage.delete("t", ("a", 1)), "delete of a present key in the block")
                del t[("a", 1)]
                _expect_delete_range(ranged, "t", t, ("a",), ("a", 3), "in a block")
                for key in [("a", 0), ("a", 1), ("a", 2), ("a", 3)]:
                    _require(
                        storage.get("t", key) is None, f"get({key!r}) after delete_range in a block"
                    )
                    _require(
                        storage.delete("t", key) is False,
                        f"delete({key!r}) after delete_range in a block must be False",
                    )
                _expect_scan(storage, "t", t, (), what="after delete_range in a block")
                storage.put("t", ("a", 2), "put back")  # the range may be written again
                t[("a", 2)] = "put back"
                with storage.atomic():  # a nested block is part of the outer one
                    _expect_delete_range(ranged, "u", u, ("u",), ("u", 3), "in a nested block")
                _expect_delete_range(ranged, "t", t, (), ("a\x00", 4), "in a block, again")
                expect_state(inside, "every write of the block, seen inside it")
                raise planned("half-way")
        except (_Planned, _PlannedBase):
            pass
        expect_state(state, f"after a block with delete_range that raised {planned.__name__}")

    # An inner block that raises, caught by the outer one that ends: only the outermost
    # block rolls back, so what the inner delete_range removed stays removed.
    with storage.atomic():
        try:
            with storage.atomic():
                _expect_delete_range(ranged, "u", state["u"], ("u",), ("u", 1), "inner block")
                raise _Planned
        except _Planned:
            pass
    expect_state(state, "an inner block's delete_range, kept when the outer block ends")
    # A block that ends keeps what it removed; a later failed block does not bring it back.
    with storage.atomic():
        _expect_delete_range(ranged, "t", state["t"], ("ab",), ("ab", 3), "a block that ends")
    try:
        with storage.atomic():
            _expect_delete_range(ranged, "t", dict(state["t"]), ("b",), ("b", 2), "failing")
            raise _Planned
    except _Planned:
        pass
    expect_state(state, "a finished block's delete_range is not undone by a later failure")
