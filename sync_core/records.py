"""What callers get back: frozen records with twilio-python's attribute names.

A record is a snapshot of the moment it was read: its fields are frozen, and changing
the store never changes it. ``data`` is the record's own fresh dict: a caller may
change it without touching the store or any other record. Dates are aware UTC datetimes;
:meth:`to_dict` gives the REST JSON of Twilio's examples exactly (dates as
``YYYY-MM-DDTHH:MM:SSZ``, absolute ``url`` and ``links``).

>>> from datetime import datetime, UTC
>>> when = datetime(2015, 7, 30, 20, 0, tzinfo=UTC)
>>> doc = DocumentRecord(
...     sid="ET" + "a" * 32, unique_name="prefs", account_sid="AC" + "a" * 32,
...     service_sid="IS" + "a" * 32, revision="0", data={"theme": "dark"},
...     date_expires=None, date_created=when, date_updated=when, created_by="system")
>>> doc.to_dict()["date_created"], doc.to_dict()["links"]["permissions"][-46:]
('2015-07-30T20:00:00Z', 'ETaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Permissions')
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Final
from urllib.parse import quote

import attrs

__all__ = [
    "BASE_URL",
    "ContainerRecord",
    "DocumentPermissionRecord",
    "DocumentRecord",
    "ServiceRecord",
    "StreamMessageRecord",
    "SyncListItemRecord",
    "SyncListPermissionRecord",
    "SyncListRecord",
    "SyncMapItemRecord",
    "SyncMapPermissionRecord",
    "SyncMapRecord",
    "SyncStreamRecord",
    "format_date",
]

#: Where the real service lives; ``url`` and ``links`` are absolute under it.
BASE_URL: Final = "https://sync.twilio.com/v1"


def format_date(when: datetime | None) -> str | None:
    """A date as Twilio's JSON writes it: ``YYYY-MM-DDTHH:MM:SSZ`` in UTC, or None.

    Sub-second precision is kept in records and dropped here, as on the wire.

    >>> format_date(datetime(2025, 1, 2, 3, 4, 5, 999, tzinfo=UTC))
    '2025-01-02T03:04:05Z'
    """
    if when is None:
        return None
    if when.tzinfo is not UTC:
        when = when.astimezone(UTC)
    # Formatted by hand: strftime is several times slower, and this runs for every date
    # of every record a REST answer carries.
    return (
        f"{when.year:04d}-{when.month:02d}-{when.day:02d}"
        f"T{when.hour:02d}:{when.minute:02d}:{when.second:02d}Z"
    )


@attrs.frozen
class ServiceRecord:
    """A Sync Service, as ``client.sync.v1.services(sid).fetch()`` returns it."""

    sid: str
    unique_name: str | None
    account_sid: str
    friendly_name: str | None
    date_created: datetime
    date_updated: datetime
    webhook_url: str | None
    webhooks_from_rest_enabled: bool
    reachability_webhooks_enabled: bool
    acl_enabled: bool
    reachability_debouncing_enabled: bool
    reachability_debouncing_window: int

    @property
    def url(self) -> str:
        """The absolute URL of this Service."""
        return f"{BASE_URL}/Services/{self.sid}"

    @property
    def links(self) -> dict[str, str]:
        """The URLs of the Service's documents, lists, maps and streams."""
        return {
            "documents": f"{self.url}/Documents",
            "lists": f"{self.url}/Lists",
            "maps": f"{self.url}/Maps",
            "streams": f"{self.url}/Streams",
        }

    def to_dict(self) -> dict[str, Any]:
        """The REST JSON of this Service."""
        return {
            "sid": self.sid,
            "unique_name": self.unique_name,
            "account_sid": self.account_sid,
            "friendly_name": self.friendly_name,
            "date_created": format_date(self.date_created),
            "date_updated": format_date(self.date_updated),
            "url": self.url,
            "webhook_url": self.webhook_url,
            "webhooks_from_rest_enabled": self.webhooks_from_rest_enabled,
            "reachability_webhooks_enabled": self.reachability_webhooks_enabled,
            "acl_enabled": self.acl_enabled,
            "reachability_debouncing_enabled": self.reachability_debouncing_enabled,
            "reachability_debouncing_window": self.reachability_debouncing_window,
            "links": self.links,
        }


@attrs.frozen
class DocumentRecord:
    """A Sync Document, as ``...documents(sid).fetch()`` returns it.

    ``revision`` is a decimal string ("0", "1", ...) to pass back as ``if_match``.
    """

    sid: str
    unique_name: str | None
    account_sid: str
    service_sid: str
    revision: str
    data: dict[str, Any] = attrs.field(hash=False)
    date_expires: datetime | None
    date_created: datetime
    date_updated: datetime
    created_by: str

    @property
    def url(self) -> str:
        """The absolute URL of this Document."""
        return f"{BASE_URL}/Services/{self.service_sid}/Documents/{self.sid}"

    @property
    def links(self) -> dict[str, str]:
        """The URL of the Document's permissions."""
        return {"permissions": f"{self.url}/Permissions"}

    def to_dict(self) -> dict[str, Any]:
        """The REST JSON of this Document."""
        return {
            "sid": self.sid,
            "unique_name": self.unique_name,
            "account_sid": self.account_sid,
            "service_sid": self.service_sid,
            "url": self.url,
            "links": self.links,
            "revision": self.revision,
            "data": self.data,
            "date_expires": format_date(self.date_expires),
            "date_created": format_date(self.date_created),
            "date_updated": format_date(self.date_updated),
            "created_by": self.created_by,
        }


@attrs.frozen
class ContainerRecord:
    """What a Map and a List record share: all but the path of their URL."""

    _COLLECTION: ClassVar[str] = ""

    sid: str
    unique_name: str | None
    account_sid: str
    service_sid: str
    revision: str
    date_expires: datetime | None
    date_created: datetime
    date_updated: datetime
    created_by: str

    @property
    def url(self) -> str:
        """The absolute URL of this Map or List."""
        return f"{BASE_URL}/Services/{self.service_sid}/{self._COLLECTION}/{self.sid}"

    @property
    def links(self) -> dict[str, str]:
        """The URLs of its items and permissions."""
        return {"items": f"{self.url}/Items", "permissions": f"{self.url}/Permissions"}

    def to_dict(self) -> dict[str, Any]:
        """The REST JSON of this Map or List."""
        return {
            "sid": self.sid,
            "unique_name": self.unique_name,
            "account_sid": self.account_sid,
            "service_sid": self.service_sid,
            "url": self.url,
            "links": self.links,
            "revision": self.revision,
            "date_expires": format_date(self.date_expires),
            "date_created": format_date(self.date_created),
            "date_updated": format_date(self.date_updated),
            "created_by": self.created_by,
        }


@attrs.frozen
class SyncMapRecord(ContainerRecord):
    """A Sync Map, as ``...sync_maps(sid).fetch()`` returns it.

    Its ``revision`` goes up by one with every item added, updated or removed.
    """

    _COLLECTION: ClassVar[str] = "Maps"


@attrs.frozen
class SyncListRecord(ContainerRecord):
    """A Sync List, as ``...sync_lists(sid).fetch()`` returns it.

    Its ``revision`` goes up by one with every item added, updated or removed.
    """

    _COLLECTION: ClassVar[str] = "Lists"


def _item_dict(
    item: SyncMapItemRecord | SyncListItemRecord, place: dict[str, Any]
) -> dict[str, Any]:
    """The REST JSON of a Map or List Item; ``place`` holds its key or index and parent."""
    return {
        **place,
        "account_sid": item.account_sid,
        "service_sid": item.service_sid,
        "url": item.url,
        "revision": item.revision,
        "data": item.data,
        "date_expires": format_date(item.date_expires),
        "date_created": format_date(item.date_created),
        "date_updated": format_date(item.date_updated),
        "created_by": item.created_by,
    }


@attrs.frozen
class SyncMapItemRecord:
    """An item of a Sync Map, as ``...sync_map_items(key).fetch()`` returns it.

    The key is percent-encoded in ``url`` (every character but letters, digits and
    ``_.-~``), so that any key gives a valid URL.
    """

    key: str
    account_sid: str
    service_sid: str
    map_sid: str
    revision: str
    data: dict[str, Any] = attrs.field(hash=False)
    date_expires: datetime | None
    date_created: datetime
    date_updated: datetime
    created_by: str

    @property
    def url(self) -> str:
        """The absolute URL of this item."""
        key = quote(self.key, safe="")
        return f"{BASE_URL}/Services/{self.service_sid}/Maps/{self.map_sid}/Items/{key}"

    def to_dict(self) -> dict[str, Any]:
        """The REST JSON of this Map Item."""
        return _item_dict(self, {"key": self.key, "map_sid": self.map_sid})


@attrs.frozen
class SyncListItemRecord:
    """An item of a Sync List, as ``...sync_list_items(index).fetch()`` returns it."""

    index: int
    account_sid: str
    service_sid: str
    list_sid: str
    revision: str
    data: dict[str, Any] = attrs.field(hash=False)
    date_expires: datetime | None
    date_created: datetime
    date_updated: datetime
    created_by: str

    @property
    def url(self) -> str:
        """The absolute URL of this item."""
        return f"{BASE_URL}/Services/{self.service_sid}/Lists/{self.list_sid}/Items/{self.index}"

    def to_dict(self) -> dict[str, Any]:
        """The REST JSON of this List Item."""
        return _item_dict(self, {"index": self.index, "list_sid": self.list_sid})


@attrs.frozen
class SyncStreamRecord:
    """A Sync Stream, as ``...sync_streams(sid).fetch()`` returns it.

    A Stream has no data and no revision: it carries messages, which are never stored.
    """

    sid: str
    unique_name: str | None
    account_sid: str
    service_sid: str
    date_expires: datetime | None
    date_created: datetime
    date_updated: datetime
    created_by: str

    @property
    def url(self) -> str:
        """The absolute URL of this Stream."""
        return f"{BASE_URL}/Services/{self.service_sid}/Streams/{self.sid}"

    @property
    def links(self) -> dict[str, str]:
        """The URL of the Stream's messages."""
        return {"stream_messages": f"{self.url}/Messages"}

    def to_dict(self) -> dict[str, Any]:
        """The REST JSON of this Stream."""
        return {
            "sid": self.sid,
            "unique_name": self.unique_name,
            "account_sid": self.account_sid,
            "service_sid": self.service_sid,
            "url": self.url,
            "links": self.links,
            "date_expires": format_date(self.date_expires),
            "date_created": format_date(self.date_created),
            "date_updated": format_date(self.date_updated),
            "created_by": self.created_by,
        }


@attrs.frozen
class StreamMessageRecord:
    """A message published to a Stream: its ``TZ...`` sid and its data, nothing else.

    >>> StreamMessageRecord(sid="TZ" + "0" * 32, data={"x": 1}).to_dict()
    {'sid': 'TZ00000000000000000000000000000000', 'data': {'x': 1}}
    """

    sid: str
    data: dict[str, Any] = attrs.field(hash=False)

    def to_dict(self) -> dict[str, Any]:
        """The REST JSON of this Stream Message."""
        return {"sid": self.sid, "data": self.data}


def _permission_dict(
    record: DocumentPermissionRecord | SyncMapPermissionRecord | SyncListPermissionRecord,
    owner: dict[str, str],
    collection: str,
) -> dict[str, Any]:
    """The REST JSON of a permission; ``owner`` holds its object's sid under its own name."""
    object_sid = next(iter(owner.values()))
    identity = quote(record.identity, safe="")
    return {
        "account_sid": record.account_sid,
        "service_sid": record.service_sid,
        **owner,
        "identity": record.identity,
        "read": record.read,
        "write": record.write,
        "manage": record.manage,
        "url": f"{BASE_URL}/Services/{record.service_sid}/{collection}/{object_sid}"
        f"/Permissions/{identity}",
    }


@attrs.frozen
class DocumentPermissionRecord:
    """What one identity may do with a Document: ``...document_permissions(identity).fetch()``.

    The identity is percent-encoded in ``url``.
    """

    account_sid: str
    service_sid: str
    document_sid: str
    identity: str
    read: bool
    write: bool
    manage: bool

    @property
    def url(self) -> str:
        """The absolute URL of this permission."""
        return str(self.to_dict()["url"])

    def to_dict(self) -> dict[str, Any]:
        """The REST JSON of this Document Permission."""
        return _permission_dict(self, {"document_sid": self.document_sid}, "Documents")


@attrs.frozen
class SyncMapPermissionRecord:
    """What one identity may do with a Map: ``...sync_map_permissions(identity).fetch()``."""

    account_sid: str
    service_sid: str
    map_sid: str
    identity: str
    read: bool
    write: bool
    manage: bool

    @property
    def url(self) -> str:
        """The absolute URL of this permission."""
        return str(self.to_dict()["url"])

    def to_dict(self) -> dict[str, Any]:
        """The REST JSON of this Map Permission."""
        return _permission_dict(self, {"map_sid": self.map_sid}, "Maps")


@attrs.frozen
class SyncListPermissionRecord:
    """What one identity may do with a List: ``...sync_list_permissions(identity).fetch()``."""

    account_sid: str
    service_sid: str
    list_sid: str
    identity: str
    read: bool
    write: bool
    manage: bool

    @property
    def url(self) -> str:
        """The absolute URL of this permission."""
        return str(self.to_dict()["url"])

    def to_dict(self) -> dict[str, Any]:
        """The REST JSON of this List Permission."""
        return _permission_dict(self, {"list_sid": self.list_sid}, "Lists")
