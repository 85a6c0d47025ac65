"""Sync Lists and their items: JSON objects appended at growing indexes.

``sync.services(s).sync_lists`` is a :class:`SyncListList`; ``.sync_lists("l")`` a
:class:`SyncListContext`; ``.sync_lists("l").sync_list_items`` a
:class:`SyncListItemList` and ``.sync_list_items(3)`` a :class:`SyncListItemContext`.
Names and parameters are twilio-python's.

Rules (SEMANTICS.md): items are only appended; the List gives each the next index
(0, 1, 2, ...), indexes only grow and are never reused after a removal, so gaps are
normal; an index is a non-negative integer (400/54458); a List holds at most 1,000,000
items (400/20001); the List's revision goes up with every item added, updated or
removed.

>>> from sync_core import Sync
>>> lists = Sync(seed=12).services("default").sync_lists
>>> _ = lists.create(unique_name="queue")
>>> items = lists("queue").sync_list_items
>>> [items.create(data={"n": n}).index for n in range(3)]
[0, 1, 2]
>>> items(2).delete()
True
>>> items.create(data={"n": 3}).index                     # 2 is never given again
3
>>> [item.index for item in items.list(order="desc")]
[3, 1, 0]
>>> items("x").fetch()
Traceback (most recent call last):
...
sync_core.errors.InvalidParameterError: HTTP 400 error 54458: Invalid List Item index (index must be a non-negative integer, got 'x')
"""

from __future__ import annotations

from typing import Final

from .acl import LIST_PERMISSIONS, PermissionList
from .containers import ContainerContext, ContainerList, list_record
from .engine import Engine
from .items import ItemContext, ItemKind, ItemList, item_fields
from .objects import ObjectKind
from .params import UNSET, check_index
from .payload import JsonObject
from .records import SyncListItemRecord, SyncListPermissionRecord, SyncListRecord
from .rows import ItemRow

__all__ = ["SyncListContext", "SyncListItemContext", "SyncListItemList", "SyncListList"]


def _item_record(
    engine: Engine, row: ItemRow, data: JsonObject | None = None
) -> SyncListItemRecord:
    assert isinstance(row.position, int)
    return SyncListItemRecord(
        index=row.position, list_sid=row.container_sid, **item_fields(engine, row, data)
    )


LISTS: Final = ObjectKind(kind="list", prefix="ES", collection="Lists", record=list_record)
LIST_ITEMS: Final = ItemKind(
    kind="list_item",
    label="List Item",
    container=LISTS,
    missing_data="list_item_data_missing",
    place=check_index,
    record=_item_record,
)


class SyncListItemContext(ItemContext[SyncListItemRecord]):
    """One List Item, by index: ``...sync_lists("l").sync_list_items(3)``."""

    def __init__(
        self, engine: Engine, service: str, list_sid: str, index: object, identity: str = "system"
    ) -> None:
        super().__init__(engine, service, list_sid, index, LIST_ITEMS, identity)
        self.index = index


class SyncListItemList(ItemList[SyncListItemRecord, SyncListItemContext]):
    """The items of one List: ``...sync_lists("l").sync_list_items``."""

    def __init__(
        self, engine: Engine, service: str, list_sid: str, identity: str = "system"
    ) -> None:
        super().__init__(engine, service, list_sid, LIST_ITEMS, identity)

    def create(
        self,
        data: object,
        ttl: object = UNSET,
        item_ttl: object = UNSET,
        collection_ttl: object = UNSET,
    ) -> SyncListItemRecord:
        """Append an item at the List's next index; the List's revision goes up by one.

        Cost: O(log n).

        Args:
            data: a JSON object (a dict, or JSON text of one) of at most 16 KiB.
            ttl: an alias of ``item_ttl``, ignored when both are given.
            item_ttl: seconds until the item expires, 0-31,536,000; 0 = never.
            collection_ttl: seconds until the whole List expires (0 = never).

        Raises:
            NotFoundError: 20404, no such service or List.
            InvalidParameterError: 54008 data, 54156 null data, 54011 a TTL,
                20001 the List already holds 1,000,000 items.
            PayloadTooLargeError: 54006, data over 16 KiB.
        """
        return self._create(data, ttl, item_ttl, collection_ttl)

    def _context(self, place: object) -> SyncListItemContext:
        return SyncListItemContext(
            self._engine, self._service, self._container, place, self._identity
        )


class SyncListContext(ContainerContext[SyncListRecord]):
    """One List, by sid or unique name: ``sync.services(s).sync_lists("l")``."""

    def __init__(self, engine: Engine, service: str, sid: str, identity: str = "system") -> None:
        super().__init__(engine, service, sid, LISTS, identity)

    @property
    def sync_list_permissions(self) -> PermissionList[SyncListPermissionRecord]:
        """The per-identity permissions of this List (docs/permissions.md)."""
        return PermissionList(
            self._engine, self._service, self.sid, LIST_PERMISSIONS, self._identity
        )

    @property
    def sync_list_items(self) -> SyncListItemList:
        """The items of this List."""
        return SyncListItemList(self._engine, self._service, self.sid, self._identity)


class SyncListList(ContainerList[SyncListRecord, SyncListContext]):
    """The Lists of one service: ``sync.services(s).sync_lists``."""

    def __init__(self, engine: Engine, service: str, identity: str = "system") -> None:
        super().__init__(engine, service, LISTS, identity)

    def _context(self, sid: str) -> SyncListContext:
        return SyncListContext(self._engine, self._service, sid, self._identity)
