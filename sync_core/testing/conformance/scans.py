"""Checks of ordered scans: prefix, reverse, start, limit, and writing after a scan."""

from __future__ import annotations

from ...storage.base import Key, Storage
from .support import _expect_scan, _expect_table, _require, _same_key, _show


def _scan_prefix(storage: Storage, thorough: bool) -> None:
    strs: dict[Key, object] = {
        (s, n): f"{s}{n}"
        for s in ("", "a", "a\x00", "a/", "a ", "ab", "b", "\uffff", "\U0001f600", "\U0001f600a")
        for n in (1, 2)
    }
    ints: dict[Key, object] = {(n, "x"): n for n in (-1, 1, 10, 12, 100, 2**40)}
    for key, value in [*strs.items()]:
        storage.put("strs", key, value)
    for key, value in ints.items():
        storage.put("ints", key, value)
    for prefix in [
        (),
        ("a",),  # not ("a\x00", _), ("a/", _), ("ab", _)
        ("",),  # the empty string is an element, not "everything"
        ("\uffff",),
        ("\U0001f600",),
        ("a", 2),  # as long as a key: that key
        ("a", 3),
        ("a", 1, "x"),  # longer than any key: nothing
        ("0",),  # before every key
        ("c",),  # between
        ("\U0010ffff",),  # after every key
    ]:
        for reverse in (False, True):
            _expect_scan(storage, "strs", strs, prefix, reverse=reverse, what="whole elements")
    for int_prefix in [(), (1,), (10,), (-1,), (2**40,), (0,), (2,), (1, "x"), (1, "")]:
        for reverse in (False, True):
            _expect_scan(storage, "ints", ints, int_prefix, reverse=reverse, what="ints")


def _scan_reverse(storage: Storage, thorough: bool) -> None:
    rows: dict[Key, object] = {}
    for group in ("a", "b", "b\x00", "c"):
        for n in (1, 2, 3, 2**62):
            rows[(group, n)] = f"{group}{n}"
    for key in reversed(list(rows)):
        storage.put("r", key, rows[key])
    for prefix in [(), ("a",), ("b",), ("c",), ("b", 2), ("bb",)]:
        _expect_scan(storage, "r", rows, prefix, reverse=True, what="descending order")
    # The last key under a prefix whose final element is the largest there is.
    top: dict[Key, object] = {("\U0010ffff", 2**63 - 1): "top", ("\U0010ffff", 0): "0"}
    for key, value in top.items():
        storage.put("top", key, value)
    for prefix in [(), ("\U0010ffff",)]:
        _expect_scan(storage, "top", top, prefix, reverse=True, what="the largest key")


def _scan_start(storage: Storage, thorough: bool) -> None:
    rows: dict[Key, object] = {}
    for group in ("a", "b", "b\x00", "c"):
        for n in (10, 20, 30):
            rows[(group, n)] = f"{group}{n}"
    for key, value in rows.items():
        storage.put("s", key, value)
    starts: list[Key] = [
        ("b", 20),  # a key
        ("b", 15),  # between two keys
        ("b", 10),  # the first under the prefix
        ("b", 30),  # the last
        ("b", 5),  # before every key under the prefix
        ("b", -(2**63)),
        ("b", 35),  # after every key under the prefix
        ("b", 2**63 - 1),
    ]
    for start in starts:
        for reverse in (False, True):
            for inclusive in (True, False):
                for limit in (None, 1):
                    _expect_scan(
                        storage,
                        "s",
                        rows,
                        ("b",),
                        start=start,
                        inclusive=inclusive,
                        reverse=reverse,
                        limit=limit,
                        what="from a start",
                    )
                    _expect_scan(
                        storage,
                        "s",
                        rows,
                        (),
                        start=start,
                        inclusive=inclusive,
                        reverse=reverse,
                        limit=limit,
                        what="from a start, no prefix",
                    )
    # Starts with string elements, around a shared beginning.
    words: dict[Key, object] = {("x", w): w for w in ("a", "a\x00", "ab", "b", "\U0001f600")}
    for key, value in words.items():
        storage.put("w", key, value)
    for w in ("", "a", "a\x00", "a\x01", "aa", "ab", "abc", "\uffff", "\U0001f600", "\U0010ffff"):
        for reverse in (False, True):
            for inclusive in (True, False):
                _expect_scan(
                    storage,
                    "w",
                    words,
                    ("x",),
                    start=("x", w),
                    inclusive=inclusive,
                    reverse=reverse,
                    what="from a string start",
                )


def _scan_limit(storage: Storage, thorough: bool) -> None:
    rows: dict[Key, object] = {("g", n): n for n in range(5)}
    rows.update({("h", n): n for n in range(3)})
    for key, value in rows.items():
        storage.put("l", key, value)
    for limit in (None, 0, 1, 2, 3, 4, 5, 100):
        for reverse in (False, True):
            for prefix in [(), ("g",), ("h",), ("i",)]:
                _expect_scan(storage, "l", rows, prefix, reverse=reverse, limit=limit, what="limit")
            _expect_scan(
                storage,
                "l",
                rows,
                ("g",),
                start=("g", 2),
                inclusive=False,
                reverse=reverse,
                limit=limit,
                what="limit from a start",
            )
    _expect_scan(storage, "missing", {}, (), limit=3, what="limit on a missing table")


def _scan_then_write(storage: Storage, thorough: bool) -> None:
    """What sync_core's expiry does: read the first entry with limit=1, write, again."""
    rows: dict[Key, object] = {(n * 1_000_000, "IS", f"ET{n}"): "document" for n in range(20)}
    for key, value in rows.items():
        storage.put("expiry", key, value)
    removed = 0
    while True:
        with storage.atomic():
            first = [key for key, _ in storage.scan("expiry", (), limit=1)]
            if not first:
                break
            _same_key(first[0], min(rows), "the first entry, read with limit=1")
            _require(storage.delete("expiry", first[0]), f"delete of {first[0]!r} just read")
            del rows[first[0]]
            removed += 1
            if removed % 3 == 0:  # and some writes to the same table meanwhile
                key = (removed * 1_000_000 + 1, "IS", f"new{removed}")
                storage.put("expiry", key, "map")
                rows[key] = "map"
            _expect_scan(storage, "expiry", rows, (), what="in the block that deleted")
    _require(rows == {}, f"entries left behind: {_show(rows)}")
    _expect_table(storage, "expiry", {}, "after removing everything")
    # An abandoned iterator (read once, never finished) does not block a write.
    storage.put("expiry", (1, "IS", "a"), "x")
    storage.put("expiry", (2, "IS", "b"), "y")
    with storage.atomic():
        scan = storage.scan("expiry", (), limit=2)
        next(scan)
    storage.put("expiry", (3, "IS", "c"), "z")
    _expect_table(
        storage,
        "expiry",
        {(1, "IS", "a"): "x", (2, "IS", "b"): "y", (3, "IS", "c"): "z"},
        "after a scan left unfinished",
    )


def _reads_beyond_64_bits(storage: Storage, thorough: bool) -> None:
    """Reads may name an int no stored key can hold: a client's page token or List index.

    A storage may refuse to *store* a key with an int beyond 64 bits, but a read naming
    one answers as if the int were in its place in Python's order: ``get`` None,
    ``delete`` False, a scan from it (or under it) what the model says, never an error.
    """
    rows: dict[Key, object] = {("a", n, "x"): n for n in (-(2**63), -1, 0, 7, 2**63 - 1)}
    rows[("b", 0, "x")] = "b"
    for key, value in rows.items():
        storage.put("big", key, value)
    huge = (2**63, 2**64, 10**30, -(2**63) - 1, -(10**30))
    for n in huge:
        _require(storage.get("big", ("a", n, "x")) is None, f"get of ('a', {n}, 'x') must be None")
        _require(
            storage.delete("big", ("a", n, "x")) is False,
            f"delete of ('a', {n}, 'x') must be False",
        )
        for reverse in (False, True):
            _expect_scan(storage, "big", rows, ("a", n), reverse=reverse, what="a huge prefix")
            for inclusive in (True, False):
                for start in (("a", n), ("a", n, "x")):
                    _expect_scan(
                        storage,
                        "big",
                        rows,
                        ("a",),
                        start=start,
                        inclusive=inclusive,
                        reverse=reverse,
                        what="from a huge start",
                    )
    _expect_table(storage, "big", rows, "after reads beyond 64 bits")
