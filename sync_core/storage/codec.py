"""Encodings for a durable storage: keys as order-preserving bytes, values as JSON text.

A key (a tuple of ``int`` and ``str``) becomes bytes whose byte order is the order
Python gives the tuples, so that a database's plain index on a BLOB column serves
ordered scans and prefix scans:

- an ``int`` is the tag ``0x01`` then 8 bytes, big-endian, with the sign bit flipped
  (so negative numbers sort first);
- a ``str`` is the tag ``0x02``, its UTF-8 bytes (whose order is code-point order;
  lone surrogates pass as their 3-byte forms, in their code-point place) with each
  ``0x00`` written ``0x00 0xFF``, then the terminator ``0x00 0x00``.

Every element is self-delimiting, so a key prefix of whole elements is a byte prefix,
and ``("a",)`` is not a prefix of ``("ab",)``. Every element begins with a tag below
``0xFF``, so ``prefix + b"\\xff"`` is above every key under ``prefix``.

>>> encode_key(("a", 2)) < encode_key(("a", 10)) < encode_key(("ab", -5))
True
>>> decode_key(encode_key(("é\\x00", -1, "")))
('é\\x00', -1, '')

An integer beyond 64 bits has no encoding (:class:`KeyRangeError`): no key holding one
can be stored. A read may still name one (a client's page token or List index can be
any number), so :func:`encode_bound` gives the place such a key would have among the
keys that can be stored: above every one of them with an int there (below, for a
negative one), which is where Python's order puts it.

>>> encode_key(("l", 2**63 - 1)) < encode_bound(("l", 10**30)) < encode_key(("m", 0))
True
>>> encode_key(("l", 2**70))
Traceback (most recent call last):
...
sync_core.storage.codec.KeyRangeError: a key integer must fit in 64 bits, got 1180591620717411303424

A value is JSON text: the rows of :mod:`sync_core.rows` (and the events the change feed
keeps, :class:`~sync_core.events.SyncEvent`) by class name and fields (aware
datetimes as microseconds since the epoch), strings and integers as themselves.

>>> from datetime import datetime, UTC
>>> from sync_core.rows import PermissionRow
>>> row = PermissionRow(service_sid="IS1", object_sid="ET1", identity="a", read=True)
>>> decode_value(encode_value(row)) == row
True
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import attrs

from ..events import SyncEvent
from ..rows import ItemRow, ObjectRow, PermissionRow, ServiceRow
from .base import Key

__all__ = [
    "BatchReader",
    "KeyCodecError",
    "KeyRangeError",
    "batched",
    "decode_key",
    "decode_value",
    "delete_range_of",
    "encode_bound",
    "encode_key",
    "encode_value",
    "scan_range",
]

_INT: Final = 0x01
_STR: Final = 0x02
_SIGN: Final = 1 << 63
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
#: The row classes a value may be, by the name stored with it.
_ROWS: Final[dict[str, type[Any]]] = {
    cls.__name__: cls for cls in (ServiceRow, ObjectRow, ItemRow, PermissionRow, SyncEvent)
}


class KeyCodecError(ValueError):
    """A key element is neither an ``int`` of 64 bits nor a ``str``."""


class KeyRangeError(KeyCodecError):
    """A key element is an ``int`` beyond 64 bits: no stored key can hold it."""


def encode_key(key: Key) -> bytes:
    """Order-preserving bytes for a key (see the module's text). Cost: O(len)."""
    out = bytearray()
    for element in key:
        if isinstance(element, bool) or not isinstance(element, int | str):
            raise KeyCodecError(f"a key element must be an int or a str, got {element!r}")
        if isinstance(element, int):
            if not -_SIGN <= element < _SIGN:
                raise KeyRangeError(f"a key integer must fit in 64 bits, got {element}")
            out.append(_INT)
            out += (element + _SIGN).to_bytes(8, "big")
        else:
            out.append(_STR)
            out += element.encode("utf-8", "surrogatepass").replace(b"\x00", b"\x00\xff")
            out += b"\x00\x00"
    return bytes(out)


def encode_bound(key: Key) -> bytes:
    """Bytes that sort where ``key`` sorts among the keys :func:`encode_key` encodes.

    For a key that can be stored, its own encoding. For one holding an int beyond 64
    bits, the encoding of the elements before it, then the int tag followed by
    ``0xFF`` nine times for a positive int (above every stored key with an int there:
    eight bytes and the next tag, at most ``0x02``, sort below it) or by nothing for a
    negative one (below every one). The bound equals no stored key, so whether a scan
    includes it makes no difference. Cost: O(len).
    """
    for at, element in enumerate(key):
        if isinstance(element, int) and not -_SIGN <= element < _SIGN:
            head = encode_key(key[:at])
            return head + bytes([_INT]) + (b"\xff" * 9 if element > 0 else b"")
    return encode_key(key)


def scan_range(
    prefix: Key, start: Key | None, inclusive: bool, reverse: bool
) -> tuple[bytes, bytes, bytes, bool] | None:
    """The byte range a database scans for :meth:`Storage.scan`'s arguments: ``(low,
    high, bound, strict)``: keys under ``prefix`` are at or above ``low`` and below
    ``high``; the scan begins at ``bound`` (excluded if ``strict``), upward, or downward
    when ``reverse``. None when nothing can match (an int beyond 64 bits in ``prefix``).

    >>> low, high, bound, strict = scan_range(("a",), None, True, False)
    >>> bound == low and not strict and high == low + b"\\xff"
    True
    >>> scan_range(("a", 2**70), None, True, False) is None
    True
    """
    try:
        low = encode_key(prefix)
    except KeyRangeError:
        return None
    high = low + b"\xff"
    if start is None:
        bound, strict = (high, True) if reverse else (low, False)
    else:
        bound, strict = encode_bound(start), not inclusive
    return low, high, bound, strict


def delete_range_of(prefix: Key, stop: Key) -> tuple[bytes, bytes, bytes] | None:
    """The byte range a database deletes for :meth:`RangeDeletes.delete_range`'s
    arguments: ``(low, high, bound)``: keys under ``prefix`` are at or above ``low``
    and below ``high``; those at or below ``bound`` go. None when nothing can match
    (an int beyond 64 bits in ``prefix``); one in ``stop`` stands where Python's order
    puts it (:func:`encode_bound`).

    >>> low, high, bound = delete_range_of(("a",), ("a", 2))
    >>> low < bound < high and delete_range_of(("a", 2**70), ("b",)) is None
    True
    """
    found = scan_range(prefix, None, True, False)
    if found is None:
        return None
    return found[0], found[1], encode_bound(stop)


#: Reads one batch of a scan: ``(bound, strict, size)`` -> up to ``size`` rows, each
#: ``(raw key, raw value)``, from ``bound`` (excluded if ``strict``) in scan order.
BatchReader = Callable[[bytes, bool, int], Sequence[tuple[bytes, Any]]]


def batched(
    read: BatchReader, bound: bytes, strict: bool, limit: int | None, size: int
) -> Iterator[tuple[bytes, Any]]:
    """The rows of a scan, read ``size`` at a time by ``read``, each batch a fresh query
    after the last key read (so no cursor stays open between batches, and writes may
    follow any batch), ``limit`` in all at most.

    >>> rows = [(bytes([n]), n) for n in range(5)]
    >>> def read(bound, strict, size):
    ...     return [r for r in rows if r[0] > bound or (not strict and r[0] == bound)][:size]
    >>> [value for _, value in batched(read, b"\\x01", False, 3, 2)]
    [1, 2, 3]
    """
    left = limit
    while left is None or left > 0:
        batch = size if left is None else min(size, left)
        rows = read(bound, strict, batch)
        yield from rows
        if len(rows) < batch:
            return
        bound, strict = bytes(rows[-1][0]), True
        if left is not None:
            left -= len(rows)


def decode_key(raw: bytes) -> Key:
    """The key :func:`encode_key` made ``raw`` from."""
    elements: list[str | int] = []
    at = 0
    while at < len(raw):
        tag = raw[at]
        if tag == _INT:
            elements.append(int.from_bytes(raw[at + 1 : at + 9], "big") - _SIGN)
            at += 9
            continue
        if tag != _STR:
            raise KeyCodecError(f"not an encoded key: tag {tag:#x} at {at}")
        # Inside a string a zero byte is always escaped (00 FF), so the first 00 00
        # after the tag is its terminator.
        end = raw.find(b"\x00\x00", at + 1)
        if end < 0:
            raise KeyCodecError(f"not an encoded key: unterminated string at {at}")
        text = raw[at + 1 : end].replace(b"\x00\xff", b"\x00")
        at = end + 2
        elements.append(text.decode("utf-8", "surrogatepass"))
    return tuple(elements)


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"a stored datetime must be aware, got {value!r}")
        delta = value - _EPOCH
        return {"$us": (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds}
    return value


def encode_value(value: object) -> str:
    """JSON text for a value a sync_core storage holds: a row, a ``str`` or an ``int``."""
    if isinstance(value, bool) or not (
        isinstance(value, str | int) or type(value).__name__ in _ROWS
    ):
        raise TypeError(f"cannot store a {type(value).__name__}")
    if isinstance(value, str | int):
        return json.dumps(value, ensure_ascii=False)
    row_type: Any = type(value)
    fields = {field.name: _plain(getattr(value, field.name)) for field in attrs.fields(row_type)}
    return json.dumps({"$row": type(value).__name__, **fields}, ensure_ascii=False)


def _restore(value: object) -> object:
    if isinstance(value, dict) and set(value) == {"$us"}:
        return _EPOCH + timedelta(microseconds=value["$us"])
    return value


def decode_value(text: str) -> object:
    """The value :func:`encode_value` made ``text`` from (a fresh object)."""
    value = json.loads(text)
    if isinstance(value, dict):
        cls = _ROWS[value.pop("$row")]
        return cls(**{name: _restore(field) for name, field in value.items()})
    return value
