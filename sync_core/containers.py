"""What Maps and Lists share as objects: creation, the collection TTL, and their records.

A Map or a List is a named object (:mod:`sync_core.objects`) with no data of its own:
it holds items (:mod:`sync_core.items`), counts them, and its ``revision`` goes up by
one with every item added, updated or removed. Its expiry is its ``collection_ttl``;
``ttl`` is an alias that is ignored when both are given (Twilio's words).

Rules (SEMANTICS.md and docs/maps-and-lists.md): create takes ``unique_name``,
``ttl`` and ``collection_ttl``; update takes ``ttl`` and ``collection_ttl`` (neither is
400/54010) and, like a Document's TTL-only update, adds one to the revision; deleting
a Map or List deletes its items.

>>> from sync_core import Sync, ManualClock
>>> clock = ManualClock()
>>> maps = Sync(clock=clock, seed=5).services("default").sync_maps
>>> game = maps.create(unique_name="game", ttl=60, collection_ttl=3600)
>>> game.date_expires - clock.now()          # collection_ttl wins over its alias
datetime.timedelta(seconds=3600)
>>> maps("game").update(collection_ttl=0).date_expires is None
True
>>> maps("game").update()
Traceback (most recent call last):
...
sync_core.errors.InvalidParameterError: HTTP 400 error 54010: Expected at least 1 optional parameter, but none were provided (give ttl or collection_ttl)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import attrs

from .engine import Engine
from .errors import fail
from .events import EventCallback, Subscription
from .lookup import expiry_after
from .objects import ObjectContext, ObjectList
from .params import UNSET, check_unique_name, given, pick_ttl
from .records import ContainerRecord, SyncListRecord, SyncMapRecord
from .rows import ObjectRow

__all__ = ["ContainerContext", "ContainerList", "list_record", "map_record"]

R = TypeVar("R")
C = TypeVar("C")
T = TypeVar("T", bound=ContainerRecord)


def _record_of(cls: type[T]) -> Callable[[Engine, ObjectRow], T]:
    def record(engine: Engine, row: ObjectRow) -> T:
        return cls(
            sid=row.sid,
            unique_name=row.unique_name,
            account_sid=engine.account_sid,
            service_sid=row.service_sid,
            revision=str(row.revision),
            date_expires=row.date_expires,
            date_created=row.date_created,
            date_updated=row.date_updated,
            created_by=row.created_by,
        )

    return record


#: The record of a Map row.
map_record = _record_of(SyncMapRecord)
#: The record of a List row.
list_record = _record_of(SyncListRecord)


class ContainerList(ObjectList[R, C], Generic[R, C]):
    """The Maps (or Lists) of one service: create, and what every object list has."""

    def create(
        self, unique_name: object = UNSET, ttl: object = UNSET, collection_ttl: object = UNSET
    ) -> R:
        """Create an empty Map (or List), revision ``"0"``. Cost: O(log n).

        Args:
            unique_name: 1-320 characters, not shaped like a SID, unique among the
                service's objects of this kind; optional.
            ttl: an alias of ``collection_ttl``, ignored when both are given.
            collection_ttl: seconds until it expires with its items, 0-31,536,000;
                0 = never.

        Raises:
            NotFoundError: 20404, no such service.
            InvalidParameterError: 54302 unique name, 54011 ttl.
            ConflictError: 54301, the unique name is taken.
        """
        engine = self._engine
        with engine.operation() as now:
            service = self._service_row(now)
            name = check_unique_name(unique_name) if given(unique_name) else None
            seconds = pick_ttl(collection_ttl, ttl, "collection_ttl") or 0
            return self._spec.record(engine, self._insert(now, service, name, seconds))


class ContainerContext(ObjectContext[R], Generic[R]):
    """One Map (or List): fetch, delete, and update of its TTL."""

    def update(self, ttl: object = UNSET, collection_ttl: object = UNSET) -> R:
        """Set (or, with 0, clear) when the Map or List expires; the revision goes up by one.

        Raises:
            NotFoundError: 20404, no such service or object.
            InvalidParameterError: 54010 neither given, 54011 a bad TTL.
        """
        engine = self._engine
        with engine.operation() as now:
            row = self._resolve(now, "write")
            seconds = pick_ttl(collection_ttl, ttl, "collection_ttl")
            if seconds is None:
                raise fail("no_parameters", detail="give ttl or collection_ttl")
            new = attrs.evolve(
                row,
                revision=row.revision + 1,
                date_updated=now,
                date_expires=expiry_after(now, seconds),
            )
            engine.store.put_object(new, old=row)
            return self._spec.record(engine, new)

    def subscribe(self, callback: EventCallback) -> Subscription:
        """Call ``callback`` with every event of this Map (or List), from now on.

        Events: ``map_item_added``, ``map_item_updated``, ``map_item_removed`` (also
        when an item expires) and ``map_removed`` (``list_...`` for a List). A TTL
        update has no event: Twilio defines none. The callback runs after the change is
        committed, outside the library's lock. Returns a handle: ``unsubscribe()`` it, or
        use it in a ``with`` block.

        Raises:
            NotFoundError: 20404, no such service or object.
        """
        return self._subscribe(callback)
