"""What the checks share: failing with a clear message, comparing, a model of scans."""

from __future__ import annotations

import reprlib
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import TypedDict, Unpack

import attrs

from ...storage.base import Key, Storage

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


class ScanOptions(TypedDict, total=False):
    """The keyword arguments of :meth:`Storage.scan <sync_core.storage.Storage.scan>`."""

    start: Key | None
    inclusive: bool
    reverse: bool
    limit: int | None


def _model_scan(
    rows: dict[Key, object], prefix: Key, **options: Unpack[ScanOptions]
) -> list[tuple[Key, object]]:
    """What ``scan`` must return, computed the slow, obvious way."""
    start, limit = options.get("start"), options.get("limit")
    inclusive, reverse = options.get("inclusive", True), options.get("reverse", False)
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


def _scan_call(prefix: Key, options: ScanOptions) -> str:
    """How a scan was called, for messages and logs."""
    given = "".join(f", {name}={value!r}" for name, value in options.items())
    return f"scan(prefix={prefix!r}{given})"


def _expect_scan(
    storage: Storage,
    table: str,
    rows: dict[Key, object],
    prefix: Key,
    what: str = "",
    **options: Unpack[ScanOptions],
) -> None:
    """``storage.scan`` answers as :func:`_model_scan` over ``rows``, types and all."""
    label = f"{what}{': ' if what else ''}{table!r} {_scan_call(prefix, options)}"
    result = storage.scan(table, prefix, **options)
    _require(isinstance(result, Iterator), f"{label} must return an iterator, got {result!r}")
    got = list(result)
    expected = _model_scan(rows, prefix, **options)
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
