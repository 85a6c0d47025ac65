"""Expiry: the floor that makes "nothing is due" cost O(1), the merged indexes, the sweep.

Twilio's rule as sync_core keeps it (SEMANTICS.md, "Expiry"): an object or item is gone
from the instant ``now >= date_expires`` by the injected clock, and its removal is
announced like any other removal. Every operation first removes whatever expired at or
before its ``now`` (:class:`~sync_core.engine.Engine` calls :meth:`Expiry.sweep` when
:meth:`Expiry.may_be_due` says something might be), so no read ever sees an expired
object, and removals come out in expiry order:

- the three expiry indexes (objects, map items, list items; :mod:`sync_core.store`)
  are merged, the earliest instant first; at one instant an object comes before
  items, as a Map or List that expires takes its items with it (and its removal is
  the one event);
- an expired item is a removal like any other (:func:`sync_core.containers.remove_item`):
  its container counts one revision more, dated when the item expired.

Cost: O(log n) per expired object or item, and O(1) per operation while nothing can
be due: the floor is a lower bound of every expiry instant in the indexes.

This is exact expiry, the default. Lazy expiry (``Sync(lazy_expiry=...)``), where an
expired object may stay for a seeded lag as Twilio documents, is
:class:`~sync_core.lazy_expiry.LazySweep`, this class with another floor and sweep.

>>> from sync_core import Sync, ManualClock
>>> clock = ManualClock()
>>> sync = Sync(clock=clock, seed=2)
>>> docs = sync.services("default").documents
>>> _ = docs.create(unique_name="b", ttl=20)
>>> _ = docs.create(unique_name="a", ttl=10)
>>> gone = []
>>> handle = sync.subscribe(lambda e: gone.append((e.type, e.object_unique_name, e.expired)))
>>> _ = clock.advance(30)
>>> sync.expire()
>>> gone
[('document_removed', 'a', True), ('document_removed', 'b', True)]
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Final, cast

from .actor import SYSTEM
from .containers import remove_item
from .events import Change
from .rows import ItemRow, ObjectRow
from .storage.base import Key
from .store import Store, micros

__all__ = ["Emit", "Expiry", "remove_expired"]

#: An expiry floor above every instant: nothing expires, ever.
_NEVER: Final = 1 << 62
_NEVER_AT: Final = datetime.max.replace(tzinfo=UTC)
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


#: How the sweep announces a removal (:meth:`sync_core.engine.Engine.emit`).
Emit = Callable[[Change], None]


class Expiry:
    """The expiry floor of one store, and the sweep that removes what is due."""

    def __init__(self, store: Store) -> None:
        self._store = store
        #: A lower bound of every expiry instant in the indexes (microseconds): while
        #: ``now`` is below it nothing can be due, and the sweep need not look. Every
        #: expiry entry written lowers it; a sweep sets it exactly. A rolled-back write
        #: leaves it lower than needed, which only costs a look. ``None``: not known yet
        #: (a storage opened with state in it).
        self.floor: int | None = None
        # The floor as an instant, to compare ``now`` with it directly: every operation
        # asks, and a comparison of datetimes costs less than turning ``now`` into µs.
        self._floor_at: datetime | None = None
        store.on_expiry = self._lower

    def _set(self, floor: int) -> None:
        self.floor = floor
        self._floor_at = _EPOCH + timedelta(microseconds=floor) if floor < _NEVER else _NEVER_AT

    def _lower(self, key: Key) -> None:
        """An expiry entry was written (:attr:`Store.on_expiry`): lower the floor to it."""
        expires_us = cast(int, key[0])
        if self.floor is not None and expires_us < self.floor:
            self._set(expires_us)

    def forget(self) -> None:
        """Know nothing of the floor: the state was replaced under it (the next
        operation looks, then :meth:`settle` sets it)."""
        self.floor = None
        self._floor_at = None

    def may_be_due(self, now: datetime) -> bool:
        """Whether anything might have expired at ``now``: O(1) while nothing can."""
        return self._floor_at is None or now >= self._floor_at

    def settle(self) -> None:
        """Set :attr:`floor` to the earliest expiry in the indexes exactly. O(log n)."""
        heads = self._store.expiry_heads()
        self._set(min((cast(int, key[0]) for _, key in heads), default=_NEVER))

    def first_due(self, now: datetime) -> ObjectRow | ItemRow | None:
        """The object or item whose expiry comes first, if it is at or before ``now``.

        The earliest instant wins; at one instant the objects' index (listed first by
        the store) wins over the items'. Cost: O(log n), whatever the number of
        entries that are not due.
        """
        heads = self._store.expiry_heads()
        if not heads:
            return None
        rank = min(range(len(heads)), key=lambda at: (cast(int, heads[at][1][0]), at))
        kind, key = heads[rank]
        if cast(int, key[0]) > micros(now):
            return None
        return self._store.expiring(kind, key)

    def sweep(self, now: datetime, emit: Emit) -> None:
        """Remove what expired at or before ``now``, earliest first, announcing each.

        Run inside a transaction of its own (the engine's), before the operation that
        reads ``now``; then :meth:`settle` sets the floor.
        """
        store = self._store
        while (due := self.first_due(now)) is not None:
            assert due.date_expires is not None
            remove_expired(store, due, due.date_expires, emit, now)


def remove_expired(
    store: Store, due: ObjectRow | ItemRow, when: datetime, emit: Emit, now: datetime
) -> None:
    """Remove ``due``, which expired, dated ``when``, and announce it (``expired=True``),
    at ``now`` (the change feed keeps its event for its retention from ``now``: an
    expiry removed long after its instant, once a server is back, is still new).

    An object goes with its items and permissions (one event); an item is a removal
    like any other (:func:`~sync_core.containers.remove_item`): its container counts
    one revision more, dated ``when``. Cost: O(log n) (a Map or List: and its items).
    """
    if isinstance(due, ObjectRow):
        emit(
            Change(
                f"{due.kind}_removed",
                due,
                identity=SYSTEM,
                when=when,
                previous=due.data,
                expired=True,
                recorded=now if now > when else None,
            )
        )
        store.delete_object(due)
        return
    container = store.object_by_sid(due.service_sid, due.container_sid)
    assert container is not None
    container = remove_item(store, due, container, when)
    emit(
        Change(
            f"{due.kind}_removed",
            container,
            identity=SYSTEM,
            when=when,
            item=due,
            previous=due.data,
            expired=True,
            recorded=now if now > when else None,
        )
    )
