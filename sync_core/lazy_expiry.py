"""Lazy expiry, as Twilio documents it: an expired object may linger for a while.

sync_core removes an object or item at the instant ``now >= date_expires`` by default
(:mod:`sync_core.expiry`). Twilio promises less: every ``date_expires`` of the Sync API
says the object "might not be deleted immediately after it expires" (the twilio SDK,
``twilio/rest/sync/v1/service/document/__init__.py`` and its siblings), and
https://www.twilio.com/docs/sync/objects-ttl says that "Sync's TTL implementation
sacrifices accurate firing times" and that timers may fire "up to minutes away from the
moment of expiry". ``Sync(lazy_expiry=LazyExpiry(max_lag=..., seed=...))`` lets a test
check that an app does not rely on the instant of deletion:

- each expiring object or item gets a **lag** in ``[0, max_lag]`` (microseconds), a
  pure function of the seed, its service SID, its SID (an item: its container's SID
  and its key or index) and its ``date_expires``: reproducible, whatever the order of
  the operations, and different for another seed;
- it is removed, and its removal announced (``expired=True``), at its **removal
  instant** ``date_expires + lag`` by the injected clock; until then it is readable,
  listed and writable like any live object (a write with a new TTL moves its expiry,
  and so its lag);
- removals come out in order of their removal instants (at one instant, objects before
  items); the event's ``date``, and a container's ``date_updated`` when an expired item
  of it goes, are the removal instant.

``max_lag=0`` is exact expiry again. Cost: while nothing can be due, O(1) per
operation, as in exact mode (the floor is the earliest removal instant exactly); an
operation at which something is due reads every entry already past its
``date_expires`` but not yet removed, and those that expire before the earliest
removal instant: O((lagging + those) x log n).

>>> from sync_core import LazyExpiry, ManualClock, Sync
>>> lazy = LazyExpiry(max_lag=60, seed=7)
>>> clock = ManualClock()
>>> docs = Sync(clock=clock, lazy_expiry=lazy, seed=1).services("default").documents
>>> doc = docs.create(unique_name="session", ttl=10)
>>> gone_at = lazy.removed_at(doc)
>>> doc.date_expires <= gone_at <= doc.date_expires + lazy.max_lag
True
>>> _ = clock.set(gone_at - timedelta(microseconds=1))     # expired, still there
>>> [d.unique_name for d in docs.list()]
['session']
>>> _ = clock.set(gone_at)
>>> docs.list()
[]
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from hashlib import blake2b
from typing import Final, cast

import attrs

from .expiry import _EPOCH, _NEVER, _NEVER_AT, Emit, Expiry, remove_expired
from .lists import SyncListItemRecord
from .maps import SyncMapItemRecord
from .records import NamedRecord
from .rows import ItemRow, ObjectRow
from .storage.base import Key
from .store import ITEM_TABLES, Store, micros

__all__ = ["LazyExpiry", "LazySweep"]

#: The expiry indexes in the order of removals at one instant: objects, then items.
_KINDS: Final[tuple[str | None, ...]] = (None, *ITEM_TABLES)
#: The last instant a datetime holds, in microseconds: a removal after it never comes.
_LAST: Final = micros(datetime.max.replace(tzinfo=UTC))
_MICROSECOND: Final = timedelta(microseconds=1)


def _as_lag(value: timedelta | float) -> timedelta:
    """``max_lag`` as a timedelta: given as one, or as seconds (an int or a float)."""
    if isinstance(value, bool) or not isinstance(value, timedelta | int | float):
        raise TypeError(f"max_lag must be a timedelta or seconds, got {value!r}")
    if isinstance(value, timedelta):
        if value < timedelta(0):
            raise ValueError(f"max_lag must be zero or more, got {value!r}")
        return value
    if not math.isfinite(value):
        raise ValueError(f"max_lag must be a finite number of seconds, got {value!r}")
    if value < 0:
        raise ValueError(f"max_lag must be zero or more, got {value!r}")
    try:
        return timedelta(seconds=value)
    except OverflowError:
        raise ValueError(f"max_lag is too large: {value!r} seconds") from None


def _check_seed(instance: object, attribute: object, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"seed must be an int, got {value!r}")


def _lag_us(seed: int, span: int, key: Key) -> int:
    """The lag (microseconds, below ``span``) of the expiry entry ``key``:
    ``(expires_us, service_sid, sid)`` or ``(expires_us, service_sid, container_sid,
    key or index)``. BLAKE2b of their repr, so it is the same in every process."""
    if span == 1:
        return 0
    item = key[3] if len(key) == 4 else None
    text = repr((seed, key[1], key[2], item, key[0]))
    digest = blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % span


@attrs.frozen
class LazyExpiry:
    """How late an expired object or item may be removed: ``Sync(lazy_expiry=...)``.

    >>> LazyExpiry(max_lag=90, seed=3).max_lag
    datetime.timedelta(seconds=90)
    >>> LazyExpiry(max_lag=-1)
    Traceback (most recent call last):
    ...
    ValueError: max_lag must be zero or more, got -1

    Args:
        max_lag: the longest an expired object or item stays: a timedelta, or seconds
            (an int or a float, to the microsecond).
        seed: which lags: the same seed gives the same lags.

    Raises:
        TypeError: ``max_lag`` is neither a timedelta nor a number, or ``seed`` is not
            an int.
        ValueError: ``max_lag`` is negative, not finite, or too large for a timedelta.
    """

    max_lag: timedelta = attrs.field(converter=_as_lag)
    seed: int = attrs.field(default=0, validator=_check_seed)

    def lag(
        self,
        service_sid: str,
        sid: str,
        date_expires: datetime,
        item: str | int | None = None,
    ) -> timedelta:
        """How long after ``date_expires`` the object ``sid`` (or its item ``item``, a
        Map key or a List index) is removed: in ``[0, max_lag]``, to the microsecond.

        >>> from datetime import UTC, datetime
        >>> lazy = LazyExpiry(max_lag=60, seed=1)
        >>> at = datetime(2025, 1, 1, tzinfo=UTC)
        >>> lazy.lag("IS1", "ET1", at) == lazy.lag("IS1", "ET1", at)
        True
        >>> LazyExpiry(max_lag=0).lag("IS1", "ET1", at)
        datetime.timedelta(0)
        """
        if not isinstance(date_expires, datetime) or date_expires.tzinfo is None:
            raise TypeError(f"date_expires must be an aware datetime, got {date_expires!r}")
        key: Key = (micros(date_expires), service_sid, sid)
        if item is not None:
            key = (*key, item)
        span = self.max_lag // _MICROSECOND + 1
        return timedelta(microseconds=_lag_us(self.seed, span, key))

    def removed_at(
        self, record: NamedRecord | SyncMapItemRecord | SyncListItemRecord
    ) -> datetime | None:
        """When ``record`` (a Document, Map, List or Stream, or a Map or List item) is
        removed: its ``date_expires`` plus its :meth:`lag`; None if it never expires, or
        if that instant is past the calendar's end (year 9999): then its removal never
        comes, as the sweep has it."""
        if not isinstance(record, NamedRecord | SyncMapItemRecord | SyncListItemRecord):
            raise TypeError(f"removed_at() takes an object's or an item's record, not {record!r}")
        expires = record.date_expires
        if expires is None:
            return None
        if isinstance(record, SyncMapItemRecord):
            lag = self.lag(record.service_sid, record.map_sid, expires, record.key)
        elif isinstance(record, SyncListItemRecord):
            lag = self.lag(record.service_sid, record.list_sid, expires, record.index)
        else:
            lag = self.lag(record.service_sid, record.sid, expires)
        try:
            return expires + lag
        except OverflowError:  # past datetime.max: never (the sweep's _LAST)
            return None


class LazySweep(Expiry):
    """The floor and the sweep of lazy expiry: :class:`~sync_core.expiry.Expiry`'s, with
    each entry due at its removal instant (``date_expires`` plus its lag) rather than
    at its ``date_expires``.

    The floor is the earliest removal instant of the indexes exactly (:meth:`settle`),
    and every entry written lowers it to its own removal instant, so an operation looks
    only when something is due.
    """

    def __init__(self, store: Store, lazy: LazyExpiry) -> None:
        super().__init__(store)
        self.lazy = lazy
        self._seed = lazy.seed
        self._span = lazy.max_lag // _MICROSECOND + 1
        # What the last sweep found of the floor for :meth:`settle`: the earliest removal
        # instant it read of what it did not remove, and that entry (None: none left).
        self._next: tuple[int, tuple[str | None, Key] | None] | None = None

    def _removal_us(self, key: Key) -> int:
        """The removal instant (microseconds) of the expiry entry ``key``."""
        return cast(int, key[0]) + _lag_us(self._seed, self._span, key)

    def _set(self, floor: int) -> None:
        # A removal after the last instant a datetime holds never comes.
        self.floor = floor
        self._floor_at = (
            _EPOCH + timedelta(microseconds=floor) if floor < min(_NEVER, _LAST) else _NEVER_AT
        )

    def _lower(self, key: Key) -> None:
        if self.floor is not None:
            removal = self._removal_us(key)
            if removal < self.floor:
                self._set(removal)

    def forget(self) -> None:
        super().forget()
        self._next = None

    def settle(self) -> None:
        """Set the floor to the earliest removal instant exactly.

        Right after a sweep, that is what the sweep found, if its entry is still there
        (not an item that went with its Map or List): O(log n). Else, reads each index
        in expiry order until an entry's ``date_expires`` is past the earliest removal
        instant found: the lagging entries, and those that expire before anything is due.
        """
        found, self._next = self._next, None
        if found is not None:
            best, entry = found
            if entry is None or self._row(*entry) is not None:
                self._set(best)
                return
        best = _NEVER
        for kind in _KINDS:
            for key in self._store.expiry_keys(kind):
                if cast(int, key[0]) >= best:
                    break
                best = min(best, self._removal_us(key))
        self._set(best)

    def sweep(self, now: datetime, emit: Emit) -> None:
        """Remove what is due at ``now`` (its removal instant at or before it), in
        order of removal instants, objects first at one instant, announcing each.

        Reads every entry whose ``date_expires`` is at or before ``now``, and those
        after it that expire before the earliest removal instant of what stays (for
        :meth:`settle`).
        """
        store, now_us = self._store, micros(now)
        due: list[tuple[int, int, Key]] = []
        best, entry = _NEVER, None  # of what stays: every removal instant is after now
        for rank, kind in enumerate(_KINDS):
            for key in store.expiry_keys(kind):
                if cast(int, key[0]) >= best:
                    break
                removal = self._removal_us(key)
                if removal <= now_us:
                    due.append((removal, rank, key))
                elif removal < best:
                    best, entry = removal, (kind, key)
        self._next = (best, entry)
        due.sort()
        for removal, rank, key in due:
            row = self._row(_KINDS[rank], key)
            if row is None:  # an item that went with its Map or List, removed first
                continue
            lag = timedelta(microseconds=removal - cast(int, key[0]))
            assert row.date_expires is not None
            remove_expired(store, row, row.date_expires + lag, emit, now)

    def _row(self, kind: str | None, key: Key) -> ObjectRow | ItemRow | None:
        """The object or item of the expiry entry ``key`` of ``kind``'s index, if any."""
        if kind is None:
            return self._store.object_by_sid(cast(str, key[1]), cast(str, key[2]))
        return self._store.item(kind, cast(str, key[1]), cast(str, key[2]), key[3])
