"""Maps and Lists as containers of items: the rules of their rows.

A Map or a List holds items (:mod:`sync_core.items`) and has no data of its own. Every
change of one of its items is a change of the container too (SEMANTICS.md,
"Revisions"): the container's revision goes up by one and its ``date_updated`` becomes
the instant of the change. That holds for an item added, updated or removed, and for
an item that expires (then the instant is the item's expiry, so the date does not
depend on when the sweep happened to run). A ``collection_ttl`` given with an item
write sets the container's expiry (0 clears it). The container counts its items, and a
List keeps the index its next item gets (indexes only grow, so that is not the count).

This module is that rule, written once: :func:`touched` for every item write and
:func:`remove_item` for deletes and expiry alike. The classes users call live in
:mod:`sync_core.objects` (what Maps and Lists share as objects), :mod:`sync_core.maps`
and :mod:`sync_core.lists`.

>>> from sync_core import Sync, ManualClock
>>> clock = ManualClock()
>>> maps = Sync(clock=clock, seed=5).services("default").sync_maps
>>> game = maps.create(unique_name="game")
>>> _ = maps("game").sync_map_items.create(key="a", data={}, ttl=10)
>>> _ = clock.advance(10)
>>> after = maps("game").fetch()                 # the item expired: one revision more
>>> after.revision, after.date_updated == clock.now()
('2', True)
"""

from __future__ import annotations

from datetime import datetime

from ._compat import moved
from .params import expiry_after
from .rows import ItemRow, ObjectRow, build_object_row
from .store import Store

__all__ = ["remove_item", "touched"]


def touched(
    container: ObjectRow,
    when: datetime,
    collection_ttl: int | None,
    item_count: int | None = None,
    next_index: int | None = None,
) -> ObjectRow:
    """The container after a change of one of its items at ``when``: one revision more.

    Its ``date_updated`` becomes ``when`` (never earlier than it was: an expired item
    is removed dated at its own expiry). ``collection_ttl``, when given, sets its
    expiry from ``when`` (0 clears it); ``item_count`` and ``next_index`` replace its
    own when given.
    """
    expires = (
        container.date_expires if collection_ttl is None else expiry_after(when, collection_ttl)
    )
    # Built positionally (rows.build_object_row) rather than with attrs.evolve: this
    # runs on every item write.
    # (kind, sid, service, seq, created, updated, by, revision, name, data, expires,
    # item count, next index)
    return build_object_row(
        container.kind,
        container.sid,
        container.service_sid,
        container.seq,
        container.date_created,
        when if when >= container.date_updated else container.date_updated,
        container.created_by,
        container.revision + 1,
        container.unique_name,
        container.data,
        expires,
        container.item_count if item_count is None else item_count,
        container.next_index if next_index is None else next_index,
    )


def remove_item(store: Store, item: ItemRow, container: ObjectRow, when: datetime) -> ObjectRow:
    """Remove ``item`` at ``when``: its container counts one item less, one revision more.

    Used by an item's delete and by its expiry alike. Returns the container as it now
    is. Cost: O(log n).
    """
    store.drop_item(item)
    new = touched(container, when, None, item_count=container.item_count - 1)
    store.put_object(new, container)
    return new


__getattr__ = moved(
    __name__, {"ContainerContext": "sync_core.objects", "ContainerList": "sync_core.objects"}
)
