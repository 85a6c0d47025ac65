"""Storage conformance: the checks any :class:`~sync_core.storage.Storage` must pass.

A storage author calls :func:`run_storage_conformance` from one test, with anything that
makes a fresh, empty storage:

>>> from sync_core import MemoryStorage
>>> run_storage_conformance(MemoryStorage)

Each check runs on a storage of its own from ``make_storage()`` and closes it after.
Every check is run, and the failures are reported together in one
:class:`AssertionError`, a line per failed check: its name and the first thing it found
wrong (a check stops at its first problem). A storage method that raises instead of
answering counts as a failure of the check that called it.

To see each check as a test of its own, parametrize over :data:`CHECKS`, ``(name,
check)`` pairs:

.. code-block:: python

    @pytest.mark.parametrize("name, check", CHECKS, ids=[name for name, _ in CHECKS])
    def test_my_storage(name: str, check: CheckFunction) -> None:
        check(MyStorage)  # a fresh storage, closed after; AssertionError if it fails

What is checked is what sync_core relies on (:mod:`sync_core.store`), and the
:class:`~sync_core.storage.Storage` protocol's own words:

- point access: a missing key (or table) reads as None; ``put`` then ``get``; ``put``
  replaces; ``delete`` says whether the key was there; tables are independent, even
  when their names share a beginning; writes outside ``atomic()`` are kept.
- values come back equal and of the same types: the frozen rows of
  :mod:`sync_core.rows` (``bool`` stays ``bool``, aware UTC datetimes keep their
  microseconds and their zone, None fields stay None), strings (empty, long,
  non-ASCII, astral) and ints (beyond 32 bits).
- keys come back as tuples with their element types, ordered as Python orders
  tuples: ints numerically (signed 64-bit, negative too), strings by code point
  (so ``"\\uffff" < "\\U00010000"``, unlike UTF-16; ``"a" < "a\\x00" < "ab"``). All the
  keys of one table have one length, as in sync_core.
- ``scan``: the prefix matches whole elements (prefix ``("a",)`` matches neither
  ``("ab", 1)`` nor ``("a\\x00", 1)``, prefix ``(1,)`` not ``(10, "x")``); the empty
  prefix matches all; a prefix as long as a key matches that key, a longer one
  nothing; ``start`` inclusive or not, in both directions, existing or not, before or
  after every key under the prefix (never leaking keys of a neighbouring prefix);
  ``reverse``; ``limit`` 0, 1 and more than there is; a scan of a missing table; a
  scan read to its limit and left, then writes (what sync_core's expiry does).
- ``atomic()``: writes of a block are seen inside it (``get`` and ``scan``) and kept
  when it ends; when it raises (an ``Exception`` or any ``BaseException``), every put,
  replace and delete of the block is undone, in every table, even a table first
  written in the block, and the exception propagates unchanged (the same object).
  Re-entrancy is :class:`~sync_core.MemoryStorage`'s: **only the outermost block
  rolls back**. An inner block that raises undoes nothing by itself; if the outer
  block catches the exception and ends normally, the inner block's writes are kept;
  if the outer block raises, everything since it began is undone. Finished blocks
  are never undone by a later failure.
- randomized: hundreds of random puts, deletes, gets, scans (random prefix, start,
  inclusive, reverse, limit) and atomic blocks, nested, some raising, compared with a
  plain ``dict`` model (``thorough=True``: several thousand, with several seeds).
- end to end: a :class:`~sync_core.Sync` on the storage (services, documents, maps
  with items, lists, permissions, streams, expiry by a manual clock, a service
  deleted) answers exactly as one on :class:`~sync_core.MemoryStorage` driven the
  same way, ``sync._check()`` passes, and every table holds the same entries.

Nothing here needs pytest or Hypothesis: randomness comes from seeded
:class:`random.Random`, so every run checks the same things.
"""

from __future__ import annotations

import random
import reprlib
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Final, NamedTuple, Protocol, runtime_checkable

import attrs

from ..clock import ManualClock
from ..errors import SyncError
from ..rows import ItemRow, ObjectRow, PermissionRow, ServiceRow
from ..storage.base import Key, Storage
from ..storage.memory import MemoryStorage
from ..store import (
    COUNTERS,
    EXPIRY,
    ITEM_TABLES,
    OBJECT_NAMES,
    OBJECT_ORDER,
    OBJECTS,
    PERMISSIONS,
    SERVICE_NAMES,
    SERVICE_ORDER,
    SERVICES,
)
from ..sync import Sync

__all__ = ["CHECKS", "Check", "CheckFunction", "StorageFactory", "run_storage_conformance"]

#: Makes a fresh, empty storage (a class with no required arguments will do).
StorageFactory = Callable[[], Storage]


class CheckFunction(Protocol):
    """One check: runs on a fresh storage from ``make_storage``; AssertionError if it fails."""

    def __call__(self, make_storage: StorageFactory, *, thorough: bool = False) -> None: ...


class Check(NamedTuple):
    """A named check, as listed in :data:`CHECKS`."""

    name: str
    run: CheckFunction


def run_storage_conformance(make_storage: StorageFactory, *, thorough: bool = False) -> None:
    """Run every check of :data:`CHECKS`, each on a fresh storage from ``make_storage()``.

    All the checks run; the failures are reported together.

    Args:
        make_storage: makes a fresh, empty storage; each one is closed after its check.
        thorough: run many more randomized operations (a few seconds, not a fraction).

    Raises:
        AssertionError: one line per failed check, its name and what went wrong.
    """
    failures: list[str] = []
    for _, check in CHECKS:
        try:
            check(make_storage, thorough=thorough)
        except AssertionError as err:
            failures.append(str(err))
    if failures:
        lines = "\n".join(f"- {failure}" for failure in failures)
        raise AssertionError(
            f"storage conformance: {len(failures)} of {len(CHECKS)} checks failed:\n{lines}"
        )


# -- helpers -----------------------------------------------------------------------

_repr = reprlib.Repr()
_repr.maxstring = 80
_repr.maxother = 200
_repr.maxlist = _repr.maxtuple = 12


def _show(value: object) -> str:
    """A short repr, for messages."""
    return _repr.repr(value)


def _fail(message: str) -> AssertionError:
    return AssertionError(message)


def _require(condition: bool, message: str) -> None:
    """``assert`` that survives ``python -O``."""
    if not condition:
        raise _fail(message)


def _same_value(got: object, expected: object, what: str) -> None:
    """``got`` equals ``expected``, with the same type, field by field for a row."""
    if type(got) is not type(expected):
        raise _fail(
            f"{what}: expected a {type(expected).__name__} {_show(expected)}, "
            f"got a {type(got).__name__} {_show(got)}"
        )
    if attrs.has(type(expected)):
        for field in attrs.fields(type(expected)):  # type: ignore[arg-type]  # checked above
            _same_value(
                getattr(got, field.name), getattr(expected, field.name), f"{what}.{field.name}"
            )
    elif isinstance(expected, datetime):
        assert isinstance(got, datetime)
        _require(
            got.tzinfo is not None and got.utcoffset() == timedelta(0),
            f"{what}: expected an aware UTC datetime, got {got!r}",
        )
    _require(got == expected, f"{what}: expected {_show(expected)}, got {_show(got)}")


def _same_key(got: object, expected: Key, what: str) -> None:
    _require(type(got) is tuple, f"{what}: a key must come back as a tuple, got {got!r}")
    assert isinstance(got, tuple)
    _require(
        len(got) == len(expected)
        and all(type(g) is type(e) for g, e in zip(got, expected, strict=False)),
        f"{what}: expected key {expected!r}, got {got!r}",
    )
    _require(got == expected, f"{what}: expected key {expected!r}, got {got!r}")


def _model_scan(
    rows: dict[Key, object],
    prefix: Key,
    *,
    start: Key | None = None,
    inclusive: bool = True,
    reverse: bool = False,
    limit: int | None = None,
) -> list[tuple[Key, object]]:
    """What ``scan`` must return, computed the slow, obvious way."""
    width = len(prefix)
    keys = sorted(key for key in rows if key[:width] == prefix)
    if start is not None:
        if reverse:
            keys = [key for key in keys if key < start or (inclusive and key == start)]
        else:
            keys = [key for key in keys if key > start or (inclusive and key == start)]
    if reverse:
        keys.reverse()
    if limit is not None:
        keys = keys[:limit]
    return [(key, rows[key]) for key in keys]


def _scan_args(
    prefix: Key,
    start: Key | None,
    inclusive: bool,
    reverse: bool,
    limit: int | None,
) -> str:
    return (
        f"scan(prefix={prefix!r}, start={start!r}, inclusive={inclusive}, "
        f"reverse={reverse}, limit={limit})"
    )


def _expect_scan(
    storage: Storage,
    table: str,
    rows: dict[Key, object],
    prefix: Key,
    *,
    start: Key | None = None,
    inclusive: bool = True,
    reverse: bool = False,
    limit: int | None = None,
    what: str = "",
) -> None:
    """``storage.scan`` answers as :func:`_model_scan` over ``rows``, types and all."""
    call = _scan_args(prefix, start, inclusive, reverse, limit)
    label = f"{what}{': ' if what else ''}{table!r} {call}"
    result = storage.scan(
        table, prefix, start=start, inclusive=inclusive, reverse=reverse, limit=limit
    )
    _require(isinstance(result, Iterator), f"{label} must return an iterator, got {result!r}")
    got = list(result)
    expected = _model_scan(
        rows, prefix, start=start, inclusive=inclusive, reverse=reverse, limit=limit
    )
    got_keys = [entry[0] if isinstance(entry, tuple) and entry else entry for entry in got]
    expected_keys = [key for key, _ in expected]
    if got_keys != expected_keys:
        raise _fail(
            f"{label}: expected {len(expected_keys)} keys {_show(expected_keys)}, "
            f"got {len(got_keys)} {_show(got_keys)}{_first_difference(got_keys, expected_keys)}"
        )
    for entry, (key, value) in zip(got, expected, strict=True):
        _require(
            isinstance(entry, tuple) and len(entry) == 2,
            f"{label}: entries must be (key, value) pairs, got {_show(entry)}",
        )
        _same_key(entry[0], key, label)
        _same_value(entry[1], value, f"{label}, value under {key!r}")


def _first_difference(got: Sequence[object], expected: Sequence[object]) -> str:
    for index, (g, e) in enumerate(zip(got, expected, strict=False)):
        if g != e:
            return f" (first difference at {index}: expected {e!r}, got {g!r})"
    return ""


def _expect_table(storage: Storage, table: str, rows: dict[Key, object], what: str) -> None:
    """The whole table, by ``scan`` and by ``get``, is exactly ``rows``."""
    _expect_scan(storage, table, rows, (), what=what)
    for key, value in rows.items():
        _same_value(storage.get(table, key), value, f"{what}: get({table!r}, {key!r})")


class _Planned(Exception):
    """Raised on purpose inside an atomic block."""


class _PlannedBase(BaseException):
    """Raised on purpose inside an atomic block: not an Exception (think KeyboardInterrupt)."""


# -- sample keys and values ---------------------------------------------------------

#: Strings in code-point order traps: prefixes of one another, NUL and separators,
#: Latin-1, the BMP's top, and astral characters (above U+FFFF, where UTF-16 disagrees).
STRINGS: Final = (
    "",
    " ",
    "/",
    "0",
    "10",
    "9",
    "A",
    "Z",
    "a",
    "a\x00",
    "a\x00b",
    "a/",
    "ab",
    "b",
    "z",
    "~",
    "\x7f",
    "\u00e9",
    "\u00ff",
    "\u0100",
    "\u4e2d",
    "\ufb01",
    "\uffff",
    "\U00010000",
    "\U0001f600",
    "\U0010ffff",
)

#: Ints whose numeric order differs from their text order, across 32 and 53 bits.
INTS: Final = (
    -(2**63),
    -(2**31),
    -10,
    -1,
    0,
    1,
    2,
    9,
    10,
    11,
    100,
    255,
    256,
    2**31,
    2**32,
    2**53 + 1,
    2**63 - 1,
)

_T0: Final = datetime(2025, 1, 2, 3, 4, 5, 678_901, tzinfo=UTC)
_SID_IS: Final = "IS" + "0123456789abcdef" * 2
_SID_ET: Final = "ET" + "fedcba9876543210" * 2
_SID_MP: Final = "MP" + "00112233445566778899aabbccddeeff"
_SID_ES: Final = "ES" + "0f" * 16
_SID_AC: Final = "AC" + "1" * 32


def sample_values() -> list[object]:
    """Values sync_core stores: every kind of row, with and without optional fields."""
    return [
        ServiceRow(sid=_SID_IS, account_sid=_SID_AC, seq=1, date_created=_T0, date_updated=_T0),
        ServiceRow(
            sid=_SID_IS,
            account_sid=_SID_AC,
            seq=2**40,
            date_created=datetime(1970, 1, 1, tzinfo=UTC),
            date_updated=_T0 + timedelta(microseconds=1),
            friendly_name="caf\u00e9 \U0001f600 \x00 '\"",
            unique_name="default",
            webhook_url="https://example.com/hook?a=1&b=%20",
            webhooks_from_rest_enabled=True,
            reachability_webhooks_enabled=True,
            acl_enabled=True,
            reachability_debouncing_enabled=True,
            reachability_debouncing_window=1,
        ),
        ObjectRow(
            kind="document",
            sid=_SID_ET,
            service_sid=_SID_IS,
            seq=3,
            date_created=_T0,
            date_updated=_T0 + timedelta(days=1),
            created_by="system",
            revision=7,
            unique_name="\U0001f600 notes",
            data='{"a":1,"b":[true,null],"c":"\U0001f600\\u0000"}',
            date_expires=None,
        ),
        ObjectRow(
            kind="map",
            sid=_SID_MP,
            service_sid=_SID_IS,
            seq=1,
            date_created=_T0,
            date_updated=_T0,
            created_by="\u00e9ve",
            revision=2**40,
            date_expires=datetime(2026, 1, 2, 3, 4, 5, 999_999, tzinfo=UTC),
            item_count=3,
        ),
        ObjectRow(
            kind="list",
            sid=_SID_ES,
            service_sid=_SID_IS,
            seq=2,
            date_created=_T0,
            date_updated=_T0,
            created_by="system",
            next_index=7,
            item_count=0,
        ),
        ItemRow(
            kind="map_item",
            service_sid=_SID_IS,
            container_sid=_SID_MP,
            position="k\x00\U0001f600",
            date_created=_T0,
            date_updated=_T0,
            created_by="system",
            data='{"x":"' + "y\u00e9\U0001f600" * 5_000 + '"}',
            revision=1,
            date_expires=_T0 + timedelta(seconds=31_536_000),
        ),
        ItemRow(
            kind="list_item",
            service_sid=_SID_IS,
            container_sid=_SID_ES,
            position=0,
            date_created=_T0,
            date_updated=_T0,
            created_by="system",
            data="{}",
        ),
        PermissionRow(
            service_sid=_SID_IS, object_sid=_SID_ET, identity="alice", read=True, manage=True
        ),
        PermissionRow(service_sid=_SID_IS, object_sid=_SID_MP, identity="\U0001f600"),
        "",
        "sid",
        "\U0001f600" * 10_000,
        0,
        1,
        -1,
        2**62,
    ]


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
    try:
        with storage.atomic():
            storage.put("t", (4,), "outer")
            with storage.atomic():
                storage.put("t", (5,), "inner")
                storage.delete("t", (1,))
            raise _Planned
    except _Planned:
        pass
    _expect_table(storage, "t", kept, "an outer block that raised after an inner one ended")

    # An inner block raises, the outer one catches it and ends: only the outermost block
    # rolls back, so the inner block's writes are kept (as MemoryStorage does).
    with storage.atomic():
        storage.put("t", (6,), "outer, before")
        try:
            with storage.atomic():
                storage.put("t", (7,), "inner, raised")
                storage.delete("t", (2,))
                raise _Planned
        except _Planned:
            pass
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
    try:
        with storage.atomic():
            storage.put("t", (9,), "outer")
            try:
                with storage.atomic():
                    storage.put("t", (10,), "inner")
                    storage.delete("t", (3,))
                    raise _Planned
            except _Planned:
                pass
            storage.put("t", (11,), "outer, after")
            raise _Planned
    except _Planned:
        pass
    _expect_table(storage, "t", kept, "inner and outer blocks that both raised")

    # The nesting is over: a new block is outermost again, and rolls back alone.
    try:
        with storage.atomic():
            storage.put("t", (12,), "alone")
            raise _Planned
    except _Planned:
        pass
    _expect_table(storage, "t", kept, "a block after the nested ones")


def _randomized(storage: Storage, thorough: bool) -> None:
    for round_ in range(4 if thorough else 1):
        _RandomRun(storage, round_, 3_000 if thorough else 500).run()


class _RandomRun:
    """Random operations on two tables, each compared with a ``dict`` at once."""

    def __init__(self, storage: Storage, round_: int, operations: int) -> None:
        self.storage = storage
        self.seed = f"storage-conformance-{round_}"
        self.rng = random.Random(self.seed)
        self.left = operations
        self.tables: dict[str, Callable[[], Key]] = {
            f"r{round_}_si": self._str_int_key,
            f"r{round_}_iss": self._int_str_str_key,
        }
        self.model: dict[str, dict[Key, object]] = {name: {} for name in self.tables}
        self.log: list[str] = []
        self.values = sample_values()

    def _str(self) -> str:
        return self.rng.choice(("", "a", "a\x00", "ab", "b", "\u00e9", "\uffff", "\U0001f600"))

    def _int(self) -> int:
        return self.rng.choice((-1, 0, 1, 2, 10, 2**40))

    def _str_int_key(self) -> Key:
        return (self._str(), self._int())

    def _int_str_str_key(self) -> Key:
        return (self._int(), self._str(), self._str())

    def _existing_or_new(self, table: str) -> Key:
        rows = self.model[table]
        if rows and self.rng.random() < 0.6:
            return self.rng.choice(sorted(rows))
        return self.tables[table]()

    def _fail(self, err: AssertionError) -> AssertionError:
        recent = "\n    ".join(self.log[-12:])
        return AssertionError(
            f"{err} (seed {self.seed!r}, operation {len(self.log)}; the last ones:\n    {recent})"
        )

    def run(self) -> None:
        try:
            self._operations(depth=0)
            for table, rows in self.model.items():
                _expect_table(self.storage, table, rows, "at the end")
        except AssertionError as err:
            raise self._fail(err) from None

    def _operations(self, depth: int, count: int | None = None) -> None:
        done = 0
        while self.left > 0 and (count is None or done < count):
            self.left -= 1
            done += 1
            self._one(depth)

    def _one(self, depth: int) -> None:
        rng, storage = self.rng, self.storage
        table = rng.choice(sorted(self.tables))
        rows = self.model[table]
        roll = rng.random()
        if roll < 0.4:
            key, value = self._existing_or_new(table), rng.choice(self.values)
            self.log.append(f"put({table!r}, {key!r}, {_show(value)})")
            storage.put(table, key, value)
            rows[key] = value
        elif roll < 0.55:
            key = self._existing_or_new(table)
            self.log.append(f"delete({table!r}, {key!r})")
            was = storage.delete(table, key)
            _require(was is (key in rows), f"delete({table!r}, {key!r}) returned {was!r}")
            rows.pop(key, None)
        elif roll < 0.65:
            key = self._existing_or_new(table)
            self.log.append(f"get({table!r}, {key!r})")
            got = storage.get(table, key)
            if key in rows:
                _same_value(got, rows[key], f"get({table!r}, {key!r})")
            else:
                _require(got is None, f"get({table!r}, {key!r}) of a missing key: {got!r}")
        elif roll < 0.9:
            self._scan(table)
        elif depth < 3:
            self._atomic(depth)

    def _scan(self, table: str) -> None:
        rng = self.rng
        base = self._existing_or_new(table)
        prefix = base[: rng.randint(0, len(base))]
        start: Key | None = None
        if rng.random() < 0.6:
            other = self._existing_or_new(table)
            start = (*prefix, *other[len(prefix) :])
        inclusive, reverse = rng.random() < 0.5, rng.random() < 0.5
        limit = rng.choice((None, None, 0, 1, 2, rng.randint(0, 30)))
        self.log.append(f"{table!r} {_scan_args(prefix, start, inclusive, reverse, limit)}")
        _expect_scan(
            self.storage,
            table,
            self.model[table],
            prefix,
            start=start,
            inclusive=inclusive,
            reverse=reverse,
            limit=limit,
        )

    def _atomic(self, depth: int) -> None:
        raises = self.rng.random() < 0.35
        snapshot = {name: dict(rows) for name, rows in self.model.items()}
        self.log.append(f"{'  ' * depth}atomic() {{ # depth {depth}")
        try:
            with self.storage.atomic():
                self._operations(depth + 1, self.rng.randint(0, 8))
                if raises:
                    self.log.append(f"{'  ' * depth}}} raise")
                    raise _Planned
                self.log.append(f"{'  ' * depth}}} end")
        except _Planned:
            if depth == 0:  # only the outermost block rolls back
                self.model = snapshot


# -- end to end ---------------------------------------------------------------------

#: Every table sync_core keeps (:mod:`sync_core.store`).
SYNC_TABLES: Final = (
    SERVICES,
    SERVICE_ORDER,
    SERVICE_NAMES,
    OBJECTS,
    OBJECT_ORDER,
    OBJECT_NAMES,
    EXPIRY,
    COUNTERS,
    PERMISSIONS,
    *(table for pair in ITEM_TABLES.values() for table in pair),
)


@runtime_checkable
class _Record(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


def _plain(value: object) -> object:
    if isinstance(value, _Record):
        return value.to_dict()
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _drive(sync: Sync, clock: ManualClock) -> list[tuple[str, object]]:
    """Use every part of sync_core; what each step answered, in order."""
    out: list[tuple[str, object]] = []

    def step(label: str, action: Callable[[], object]) -> Any:
        try:
            result = action()
        except SyncError as err:
            out.append((label, ("error", err.status, err.code)))
            return None
        out.append((label, _plain(result)))
        return result

    alpha = step("service alpha", lambda: sync.services.create(friendly_name="alpha \U0001f600"))
    beta = step(
        "service beta",
        lambda: sync.services.create(friendly_name="beta", webhook_url="https://example.com/h"),
    )
    step("default service", lambda: sync.services("default").fetch())
    a = sync.services(alpha.sid)

    docs = a.documents
    step("doc d1", lambda: docs.create(unique_name="d1", data={"n": 1}, ttl=100))
    d2 = step("doc d2", lambda: docs.create(unique_name="d2", data={"\U0001f600": [1, None]}))
    step("doc caf\u00e9", lambda: docs.create(unique_name="caf\u00e9", ttl=500))
    step("doc unnamed", lambda: docs.create(data={"x": "y" * 1000}))
    step("doc taken name", lambda: docs.create(unique_name="d1"))
    step("doc d2 update", lambda: docs("d2").update(data={"n": 2}, if_match=d2.revision))
    step("doc stale update", lambda: docs("d2").update(data={"n": 3}, if_match="0"))
    step("doc ttl", lambda: docs(d2.sid).update(ttl=300))
    step("docs", lambda: docs.list())
    step("docs page 1", lambda: list(docs.page(page_size=2)))
    step("docs page 2", lambda: list(docs.page(page_size=2).next_page() or []))

    maps = a.sync_maps
    step("map scores", lambda: maps.create(unique_name="scores"))
    items = maps("scores").sync_map_items
    keys = ["b", "a", "\U0001f600", "\uffff", "\u00e9", "a\x00", "Z", "10", "9", "ab"]
    for n, key in enumerate(keys):
        step(
            f"item {key!r}",
            partial(items.create, key=key, data={"n": n}, item_ttl=50 if n % 3 == 0 else 0),
        )
    step("item taken", lambda: items.create(key="b", data={}))
    step("item update", lambda: items("a").update(data={"n": "updated"}))
    step("item delete", lambda: items("ab").delete())
    step("items asc", lambda: items.list())
    step("items desc", lambda: items.list(order="desc"))
    step("items from b", lambda: items.list(from_="b", bounds="exclusive"))
    step("items desc from b", lambda: items.list(order="desc", from_="b"))
    step("items paged", lambda: items.list(page_size=3))
    step("map short", lambda: maps.create(unique_name="short", collection_ttl=150))
    for key in ("x", "y"):
        step(f"short item {key}", partial(maps("short").sync_map_items.create, key=key, data={}))

    lists = a.sync_lists
    step("list queue", lambda: lists.create(unique_name="queue"))
    queue = lists("queue").sync_list_items
    for n in range(6):
        step(f"list item {n}", partial(queue.create, data={"job": n}, item_ttl=50 if n % 2 else 0))
    step("list item delete", lambda: queue(2).delete())
    step("list item update", lambda: queue(4).update(data={"job": "four"}))
    step("list items desc", lambda: queue.list(order="desc"))
    step("list items from 3", lambda: queue.list(from_=3))

    a.update(acl_enabled=True)
    for identity in ("zed", "alice", "\u00e9ve", "bob", "\U0001f600"):
        grant = docs("d2").document_permissions(identity)
        step(
            f"doc permission {identity}",
            partial(grant.update, read=True, write=identity < "c", manage=False),
        )
        map_grant = maps("scores").sync_map_permissions(identity)
        step(
            f"map permission {identity}",
            partial(map_grant.update, read=True, write=False, manage=identity == "alice"),
        )
    step(
        "list permission",
        partial(
            lists("queue").sync_list_permissions("bob").update, read=True, write=True, manage=True
        ),
    )
    step("permission delete", lambda: docs("d2").document_permissions("bob").delete())
    step("doc permissions", lambda: docs("d2").document_permissions.list())
    step("doc permissions paged", lambda: docs("d2").document_permissions.list(page_size=2))
    step("map permissions", lambda: maps("scores").sync_map_permissions.list())
    alice = a.for_identity("alice")
    step("alice reads", lambda: alice.documents("d2").fetch())
    step("alice writes", lambda: alice.documents("d2").update(data={"by": "alice"}))
    step("zed writes", lambda: a.for_identity("zed").documents("d2").update(data={}))
    step(
        "zed reads a map item",
        lambda: a.for_identity("zed").sync_maps("scores").sync_map_items("b").fetch(),
    )

    streams = a.sync_streams
    step("stream", lambda: streams.create(unique_name="s", ttl=60))
    step("stream message", lambda: streams("s").stream_messages.create(data={"m": 1}))

    b = sync.services(beta.sid)
    step("beta doc", lambda: b.documents.create(unique_name="d", data={}))
    step("beta map", lambda: b.sync_maps.create(unique_name="m", ttl=1000))
    step("beta map item", lambda: b.sync_maps("m").sync_map_items.create(key="k", data={}, ttl=10))
    step("beta list", lambda: b.sync_lists.create())
    step(
        "beta permission",
        partial(
            b.documents("d").document_permissions("x").update, read=True, write=True, manage=True
        ),
    )

    for seconds in (60, 60, 100, 800):
        clock.advance(seconds)
        sync.expire()
        step(f"+{seconds}s docs", lambda: docs.list())
        step(f"+{seconds}s d1", lambda: docs("d1").fetch())
        step(f"+{seconds}s items", lambda: items.list())
        step(f"+{seconds}s list items", lambda: queue.list())
        step(f"+{seconds}s maps", lambda: maps.list())
        step(f"+{seconds}s streams", lambda: streams.list())
        step(f"+{seconds}s beta maps", lambda: b.sync_maps.list())

    step("delete beta", lambda: b.delete())
    step("beta after delete", lambda: b.fetch())
    step("delete queue", lambda: lists("queue").delete())
    step("delete queue again", lambda: lists("queue").delete())
    step("doc that outlives the scenario", lambda: docs.create(unique_name="late", ttl=5000))
    step("item that outlives it", lambda: items.create(key="late", data={}, item_ttl=5000))
    step("services", lambda: sync.services.list())
    step("services desc page", lambda: list(sync.services.page(page_size=1)))
    step("another service", lambda: sync.services.create(friendly_name="gamma"))
    step("services at the end", lambda: sync.services.list())
    return out


def _dump(storage: Storage) -> dict[str, list[tuple[Key, object]]]:
    return {table: list(storage.scan(table, ())) for table in SYNC_TABLES}


def _sync_end_to_end(storage: Storage, thorough: bool) -> None:
    reference = MemoryStorage()
    try:
        clock = ManualClock()
        expected = _drive(Sync(storage=reference, clock=clock, seed=7), clock)
        clock = ManualClock()
        sync = Sync(storage=storage, clock=clock, seed=7)
        got = _drive(sync, clock)
        for (label, value), (_, want) in zip(got, expected, strict=False):
            _require(
                value == want,
                f"Sync over this storage answered {label!r} with {_show(value)}, "
                f"over MemoryStorage with {_show(want)}",
            )
        _require(len(got) == len(expected), "a different number of steps")
        try:
            sync._check()
        except AssertionError as err:
            raise _fail(f"sync._check() failed after the scenario: {err}") from err
        want_tables = _dump(reference)
        for table in SYNC_TABLES:
            _expect_table(storage, table, dict(want_tables[table]), "the tables sync_core kept")
    finally:
        reference.close()


# -- the list -----------------------------------------------------------------------


def _named(name: str, body: Callable[[Storage, bool], None]) -> Check:
    def run(make_storage: StorageFactory, *, thorough: bool = False) -> None:
        storage = make_storage()
        try:
            body(storage, thorough)
        except AssertionError as err:
            raise AssertionError(f"{name}: {err}") from err
        except (Exception, _PlannedBase) as err:  # a storage that raises fails the check
            raise AssertionError(f"{name}: raised {type(err).__name__}: {err}") from err
        finally:
            storage.close()

    run.__name__ = run.__qualname__ = name
    run.__doc__ = body.__doc__
    return Check(name, run)


#: Every check, as ``(name, check)``; ``check(make_storage, thorough=False)`` runs one.
CHECKS: Final[tuple[Check, ...]] = (
    _named("is_a_storage", _is_a_storage),
    _named("get_put_delete", _get_put_delete),
    _named("tables_are_independent", _tables_are_independent),
    _named("values_round_trip", _values_round_trip),
    _named("keys_ordered", _keys_ordered),
    _named("scan_prefix", _scan_prefix),
    _named("scan_reverse", _scan_reverse),
    _named("scan_start", _scan_start),
    _named("scan_limit", _scan_limit),
    _named("scan_then_write", _scan_then_write),
    _named("atomic_commit", _atomic_commit),
    _named("atomic_rollback", _atomic_rollback),
    _named("atomic_exception_propagates", _atomic_exception_propagates),
    _named("atomic_nested", _atomic_nested),
    _named("randomized", _randomized),
    _named("sync_end_to_end", _sync_end_to_end),
)
