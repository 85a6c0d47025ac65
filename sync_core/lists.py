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

from typing import Any, ClassVar, Final

import attrs

from ._build import builder
from .actor import Actor
from .errors import LIST_ITEM_DATA_MISSING, PARAMETER_INVALID
from .instances import Instance, twin
from .items import ItemContext, ItemInstance, ItemKind, ItemList, Place
from .limits import Limits
from .objects import ContainerContext, ContainerInstance, ContainerList, ObjectKind
from .params import UNSET, Unset, check_index
from .payload import JsonData, JsonObject, decode_data
from .permissions import PermissionInstance, PermissionList
from .records import BASE_URL, ContainerRecord, ItemRecord, item_json, named_fields
from .rows import ItemRow, ObjectRow
from .store import Store

__all__ = [
    "LISTS",
    "LIST_ITEMS",
    "LIST_PERMISSIONS",
    "SyncListContext",
    "SyncListItemContext",
    "SyncListItemList",
    "SyncListList",
]


def _item_record(actor: Actor, row: ItemRow, data: JsonObject | None = None) -> SyncListItemRecord:
    assert isinstance(row.position, int)
    # Every field in order (_build_record, without __init__'s cost): items are read often.
    return _build_record(
        actor,
        actor.engine.account_sid,
        row.service_sid,
        str(row.revision),
        decode_data(row.data) if data is None else data,
        row.date_expires,
        row.date_created,
        row.date_updated,
        row.created_by,
        row.position,
        row.container_sid,
    )


def _item_json(row: ItemRow, account_sid: str, base: str) -> str:
    """The REST JSON text of a List Item's row, its ``url`` under ``base``: what
    :meth:`SyncListItemRecord.to_dict` holds (:func:`~sync_core.records.item_json`)."""
    index = row.position
    assert isinstance(index, int)
    list_sid = row.container_sid
    url = f"{base}/Services/{row.service_sid}/Lists/{list_sid}/Items/{index}"
    return item_json(f'"index": {index}, "list_sid": "{list_sid}"', account_sid, row, url)


def _index(value: object, limits: Limits) -> int:
    """A List Item index, addressed: a non-negative integer (no limit applies)."""
    return check_index(value)


def _chosen_by_the_list(value: object, limits: Limits) -> None:
    """A List Item's create names no index: the List chooses it."""
    return None


def _allot(
    store: Store, container: ObjectRow, index: Place | None, limits: Limits
) -> tuple[Place, int]:
    """A new item goes at the List's next index (never reused); a full List is 400.

    Full means holding ``limits.list_items`` items now (its ``item_count``): an item
    removed or expired makes room again.
    """
    most = limits.list_items
    if container.item_count >= most:
        raise PARAMETER_INVALID.error(f"a List holds at most {most:,} items")
    return container.next_index, container.next_index + 1


def _record(actor: Actor, row: ObjectRow, data: object = None) -> SyncListRecord:
    # ``data``: the kinds with data pass a copy of it (ObjectKind.record); these have none.
    return SyncListRecord(**named_fields(row, actor), revision=str(row.revision))


LISTS: Final = ObjectKind(kind="list", prefix="ES", collection="Lists", record=_record)
# A create names no index: the List chooses it.
LIST_ITEMS: Final = ItemKind(
    LISTS,
    LIST_ITEM_DATA_MISSING,
    int,
    _index,
    _chosen_by_the_list,
    _allot,
    _item_record,
    _item_json,
)


class SyncListItemContext(ItemContext["SyncListItemRecord"]):
    """One List Item, by index: ``...sync_lists("l").sync_list_items(3)``."""

    def __init__(self, actor: Actor, list_sid: str, index: int) -> None:
        # ItemContext.__init__(actor, list_sid, index, LIST_ITEMS), written out: a context
        # is made for every item call (tests/unit/test_hot_paths.py compares the two).
        self._actor = actor
        self._ident = list_sid
        self._kind = LISTS
        self._spec = LIST_ITEMS
        self._place = self.index = index


class SyncListItemList(ItemList["SyncListItemRecord", SyncListItemContext, int]):
    """The items of one List: ``...sync_lists("l").sync_list_items``."""

    def __init__(self, actor: Actor, list_sid: str, *, spec: ItemKind[Any] = LIST_ITEMS) -> None:
        # ``spec``: what the calls return; the REST adapter's gives the rows themselves.
        super().__init__(actor, list_sid, LISTS, spec)

    def create(
        self,
        data: JsonData | None,
        ttl: int | Unset | None = UNSET,
        item_ttl: int | Unset | None = UNSET,
        collection_ttl: int | Unset | None = UNSET,
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

    create_async = twin(create)

    def _context(self, place: int) -> SyncListItemContext:
        return SyncListItemContext(self._actor, self._ident, place)


class SyncListContext(ContainerContext["SyncListRecord"]):
    """One List, by sid or unique name: ``sync.services(s).sync_lists("l")``."""

    def __init__(self, actor: Actor, sid: str) -> None:
        super().__init__(actor, sid, LISTS, LISTS)

    @property
    def sync_list_permissions(self) -> PermissionList[SyncListPermissionRecord]:
        """The per-identity permissions of this List (docs/permissions.md)."""
        return PermissionList(self._actor, self.sid, LIST_PERMISSIONS)

    @property
    def sync_list_items(self) -> SyncListItemList:
        """The items of this List."""
        return SyncListItemList(self._actor, self.sid)


class SyncListList(ContainerList["SyncListRecord", SyncListContext]):
    """The Lists of one service: ``sync.services(s).sync_lists``."""

    def __init__(self, actor: Actor) -> None:
        super().__init__(actor, LISTS)

    def _context(self, sid: str) -> SyncListContext:
        return SyncListContext(self._actor, sid)


@attrs.frozen(kw_only=True)
class SyncListRecord(ContainerRecord, ContainerInstance, Instance[SyncListContext]):
    """A Sync List, as ``...sync_lists(sid).fetch()`` returns it.

    Its ``revision`` goes up by one with every item added, updated or removed. Like
    twilio-python's ``SyncListInstance`` it also acts, as the identity that read it:
    ``fetch``, ``update``, ``delete`` (and their ``_async`` twins), ``sync_list_items``
    and ``sync_list_permissions``.
    """

    _COLLECTION: ClassVar[str] = "Lists"

    def _context(self) -> SyncListContext:
        return SyncListContext(self._acting(self.service_sid), self.sid)

    @property
    def sync_list_items(self) -> SyncListItemList:
        """The items of this List."""
        return self._context().sync_list_items

    @property
    def sync_list_permissions(self) -> PermissionList[SyncListPermissionRecord]:
        """The per-identity permissions of this List (docs/permissions.md)."""
        return self._context().sync_list_permissions


@attrs.frozen(kw_only=True)
class SyncListItemRecord(ItemRecord, ItemInstance, Instance[SyncListItemContext]):
    """An item of a Sync List, as ``...sync_list_items(index).fetch()`` returns it.

    Like twilio-python's ``SyncListItemInstance`` it also acts, as the identity that
    read it: ``fetch``, ``update``, ``delete`` and their ``_async`` twins.
    """

    index: int
    list_sid: str

    @property
    def url(self) -> str:
        """The absolute URL of this item."""
        return f"{BASE_URL}/Services/{self.service_sid}/Lists/{self.list_sid}/Items/{self.index}"

    def to_dict(self) -> dict[str, Any]:
        """The REST JSON of this List Item."""
        return self._item_dict({"index": self.index, "list_sid": self.list_sid}, self.url)

    def _context(self) -> SyncListItemContext:
        return SyncListItemContext(self._acting(self.service_sid), self.list_sid, self.index)


#: A :class:`SyncListItemRecord` from every field's value, in order (:func:`_item_record`).
_build_record: Final = builder(SyncListItemRecord)


@attrs.frozen(kw_only=True)
class SyncListPermissionRecord(PermissionInstance["SyncListPermissionRecord"]):
    """What one identity may do with a List: ``...sync_list_permissions(identity).fetch()``."""

    _OWNER: ClassVar[str] = "list_sid"

    list_sid: str


LIST_PERMISSIONS: Final = SyncListPermissionRecord.kind_of(LISTS)
