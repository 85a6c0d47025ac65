"""Sync Maps and their items: JSON objects under string keys, kept in key order.

``sync.services(s).sync_maps`` is a :class:`SyncMapList`; ``.sync_maps("m")`` a
:class:`SyncMapContext`; ``.sync_maps("m").sync_map_items`` a :class:`SyncMapItemList`
and ``.sync_map_items("key")`` a :class:`SyncMapItemContext`. Names and parameters are
twilio-python's.

Rules (SEMANTICS.md): a key is 1 to 320 characters, any characters (400/54209), unique
in its Map (409/54208 on create); items are listed in Unicode code-point order of their
keys (Python's ``str`` order); each item's data is a JSON object of at most 16 KiB; the
Map's revision goes up with every item added, updated or removed.

>>> from sync_core import Sync
>>> maps = Sync(seed=11).services("default").sync_maps
>>> scores = maps.create(unique_name="scores")
>>> items = maps("scores").sync_map_items
>>> for key in ["b", "a", "B", "é"]:
...     _ = items.create(key=key, data={"points": 1})
>>> [item.key for item in items.list()]        # code-point order: "B" < "a" < "b" < "é"
['B', 'a', 'b', 'é']
>>> items.create(key="a", data={})
Traceback (most recent call last):
...
sync_core.errors.ConflictError: HTTP 409 error 54208: An Item with given key already exists in the Map (the key 'a' is taken)
>>> items("a").delete()
True
>>> maps("scores").fetch().revision
'5'
"""

from __future__ import annotations

from typing import Any, ClassVar, Final

import attrs

from ._build import builder
from .actor import Actor
from .errors import MAP_ITEM_DATA_MISSING, MAP_KEY_TAKEN
from .instances import Instance, twin
from .items import ItemContext, ItemInstance, ItemKind, ItemList, Place
from .limits import Limits
from .objects import ContainerContext, ContainerInstance, ContainerList, ObjectKind
from .params import UNSET, Unset, check_key
from .payload import JsonData, JsonObject, decode_data
from .permissions import PermissionInstance, PermissionList
from .records import (
    BASE_URL,
    ContainerRecord,
    ItemRecord,
    item_json,
    json_text,
    named_fields,
    url_segment,
)
from .rows import ItemRow, ObjectRow
from .store import Store

__all__ = [
    "MAPS",
    "MAP_ITEMS",
    "MAP_PERMISSIONS",
    "SyncMapContext",
    "SyncMapItemContext",
    "SyncMapItemList",
    "SyncMapList",
]


def _item_record(actor: Actor, row: ItemRow, data: JsonObject | None = None) -> SyncMapItemRecord:
    assert isinstance(row.position, str)
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
    """The REST JSON text of a Map Item's row, its ``url`` under ``base``: what
    :meth:`SyncMapItemRecord.to_dict` holds (:func:`~sync_core.records.item_json`)."""
    key = row.position
    assert isinstance(key, str)
    map_sid = row.container_sid
    url = f"{base}/Services/{row.service_sid}/Maps/{map_sid}/Items/{url_segment(key)}"
    return item_json(f'"key": {json_text(key)}, "map_sid": "{map_sid}"', account_sid, row, url)


def _key(value: object, limits: Limits) -> str:
    """A Map Item key, addressed or asked for: 1 to ``limits.map_key_length`` characters."""
    return check_key(value, limits.map_key_length)


def _allot(
    store: Store, container: ObjectRow, key: Place | None, limits: Limits
) -> tuple[Place, int]:
    """A new item goes under its own key, which must be free (409/54208)."""
    assert isinstance(key, str)
    if store.item("map_item", container.service_sid, container.sid, key) is not None:
        raise MAP_KEY_TAKEN.error(f"the key {key!r} is taken")
    return key, container.next_index


def _record(actor: Actor, row: ObjectRow, data: object = None) -> SyncMapRecord:
    # ``data``: the kinds with data pass a copy of it (ObjectKind.record); these have none.
    return SyncMapRecord(**named_fields(row, actor), revision=str(row.revision))


MAPS: Final = ObjectKind(kind="map", prefix="MP", collection="Maps", record=_record)
# An item's key is checked alike when it addresses an item and when a create asks for it.
MAP_ITEMS: Final = ItemKind(
    MAPS, MAP_ITEM_DATA_MISSING, str, _key, _key, _allot, _item_record, _item_json
)


class SyncMapItemContext(ItemContext["SyncMapItemRecord"]):
    """One Map Item, by key: ``...sync_maps("m").sync_map_items("key")``."""

    def __init__(self, actor: Actor, map_sid: str, key: str) -> None:
        # ItemContext.__init__(actor, map_sid, key, MAP_ITEMS), written out: a context is
        # made for every item call (tests/unit/test_hot_paths.py compares the two).
        self._actor = actor
        self._ident = map_sid
        self._kind = MAPS
        self._spec = MAP_ITEMS
        self._place = self.key = key


class SyncMapItemList(ItemList["SyncMapItemRecord", SyncMapItemContext, str]):
    """The items of one Map: ``...sync_maps("m").sync_map_items``."""

    def __init__(self, actor: Actor, map_sid: str, *, spec: ItemKind[Any] = MAP_ITEMS) -> None:
        # ``spec``: what the calls return; the REST adapter's gives the rows themselves.
        super().__init__(actor, map_sid, MAPS, spec)

    def create(
        self,
        key: str,
        data: JsonData | None,
        ttl: int | Unset | None = UNSET,
        item_ttl: int | Unset | None = UNSET,
        collection_ttl: int | Unset | None = UNSET,
    ) -> SyncMapItemRecord:
        """Add an item under a new ``key``; the Map's revision goes up by one.

        Cost: O(log n).

        Args:
            key: 1-320 characters, not yet in the Map.
            data: a JSON object (a dict, or JSON text of one) of at most 16 KiB.
            ttl: an alias of ``item_ttl``, ignored when both are given.
            item_ttl: seconds until the item expires, 0-31,536,000; 0 = never.
            collection_ttl: seconds until the whole Map expires (0 = never).

        Raises:
            NotFoundError: 20404, no such service or Map.
            InvalidParameterError: 54209 key, 54008 data, 54206 null data, 54011 a TTL.
            PayloadTooLargeError: 54006, data over 16 KiB.
            ConflictError: 54208, the key is taken.
        """
        return self._create(data, ttl, item_ttl, collection_ttl, key=key)

    create_async = twin(create)

    def _context(self, place: str) -> SyncMapItemContext:
        return SyncMapItemContext(self._actor, self._ident, place)


class SyncMapContext(ContainerContext["SyncMapRecord"]):
    """One Map, by sid or unique name: ``sync.services(s).sync_maps("m")``."""

    def __init__(self, actor: Actor, sid: str) -> None:
        super().__init__(actor, sid, MAPS, MAPS)

    @property
    def sync_map_permissions(self) -> PermissionList[SyncMapPermissionRecord]:
        """The per-identity permissions of this Map (docs/permissions.md)."""
        return PermissionList(self._actor, self.sid, MAP_PERMISSIONS)

    @property
    def sync_map_items(self) -> SyncMapItemList:
        """The items of this Map."""
        return SyncMapItemList(self._actor, self.sid)


class SyncMapList(ContainerList["SyncMapRecord", SyncMapContext]):
    """The Maps of one service: ``sync.services(s).sync_maps``."""

    def __init__(self, actor: Actor) -> None:
        super().__init__(actor, MAPS)

    def _context(self, sid: str) -> SyncMapContext:
        return SyncMapContext(self._actor, sid)


@attrs.frozen(kw_only=True)
class SyncMapRecord(ContainerRecord, ContainerInstance, Instance[SyncMapContext]):
    """A Sync Map, as ``...sync_maps(sid).fetch()`` returns it.

    Its ``revision`` goes up by one with every item added, updated or removed. Like
    twilio-python's ``SyncMapInstance`` it also acts, as the identity that read it:
    ``fetch``, ``update``, ``delete`` (and their ``_async`` twins), ``sync_map_items``
    and ``sync_map_permissions``.
    """

    _COLLECTION: ClassVar[str] = "Maps"

    def _context(self) -> SyncMapContext:
        return SyncMapContext(self._acting(self.service_sid), self.sid)

    @property
    def sync_map_items(self) -> SyncMapItemList:
        """The items of this Map."""
        return self._context().sync_map_items

    @property
    def sync_map_permissions(self) -> PermissionList[SyncMapPermissionRecord]:
        """The per-identity permissions of this Map (docs/permissions.md)."""
        return self._context().sync_map_permissions


@attrs.frozen(kw_only=True)
class SyncMapItemRecord(ItemRecord, ItemInstance, Instance[SyncMapItemContext]):
    """An item of a Sync Map, as ``...sync_map_items(key).fetch()`` returns it.

    The key is percent-encoded in ``url`` (every character but letters, digits and
    ``_.-~``), so that any key gives a valid URL. Like twilio-python's
    ``SyncMapItemInstance`` it also acts, as the identity that read it: ``fetch``,
    ``update``, ``delete`` and their ``_async`` twins.
    """

    key: str
    map_sid: str

    @property
    def url(self) -> str:
        """The absolute URL of this item."""
        key = url_segment(self.key)
        return f"{BASE_URL}/Services/{self.service_sid}/Maps/{self.map_sid}/Items/{key}"

    def to_dict(self) -> dict[str, Any]:
        """The REST JSON of this Map Item."""
        return self._item_dict({"key": self.key, "map_sid": self.map_sid}, self.url)

    def _context(self) -> SyncMapItemContext:
        return SyncMapItemContext(self._acting(self.service_sid), self.map_sid, self.key)


#: A :class:`SyncMapItemRecord` from every field's value, in order (:func:`_item_record`).
_build_record: Final = builder(SyncMapItemRecord)


@attrs.frozen(kw_only=True)
class SyncMapPermissionRecord(PermissionInstance["SyncMapPermissionRecord"]):
    """What one identity may do with a Map: ``...sync_map_permissions(identity).fetch()``."""

    _OWNER: ClassVar[str] = "map_sid"

    map_sid: str


MAP_PERMISSIONS: Final = SyncMapPermissionRecord.kind_of(MAPS)
