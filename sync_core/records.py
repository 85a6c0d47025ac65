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

from .rows import ItemRow, ObjectRow

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
    "dated_fields",
    "format_date",
    "named_fields",
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


@attrs.frozen(kw_only=True)
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
        return {name: f"{self.url}/{name.title()}" for name in _SERVICE_LINKS}

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


_SERVICE_LINKS: Final = ("documents", "lists", "maps", "streams")


def dated_fields(row: ObjectRow | ItemRow) -> dict[str, Any]:
    """The fields every stored record takes from its row: its dates and its maker."""
    return {
        "date_expires": row.date_expires,
        "date_created": row.date_created,
        "date_updated": row.date_updated,
        "created_by": row.created_by,
    }


def named_fields(row: ObjectRow, account_sid: str) -> dict[str, Any]:
    """The fields the record of a Document, Map, List or Stream takes from its row."""
    return {
        "sid": row.sid,
        "unique_name": row.unique_name,
        "account_sid": account_sid,
        "service_sid": row.service_sid,
        **dated_fields(row),
    }


@attrs.frozen(kw_only=True)
class _Dated:
    """What every stored record has: when it expires, was made and changed, and by whom."""

    date_expires: datetime | None
    date_created: datetime
    date_updated: datetime
    created_by: str

    def _dates(self) -> dict[str, Any]:
        return {
            "date_expires": format_date(self.date_expires),
            "date_created": format_date(self.date_created),
            "date_updated": format_date(self.date_updated),
            "created_by": self.created_by,
        }


@attrs.frozen(kw_only=True)
class _NamedRecord(_Dated):
    """What the records of Documents, Maps, Lists and Streams share."""

    #: The path segment of the kind ("Documents", ...), and its links: name -> segment.
    _COLLECTION: ClassVar[str] = ""
    _LINKS: ClassVar[dict[str, str]] = {}

    sid: str
    unique_name: str | None
    account_sid: str
    service_sid: str

    @property
    def url(self) -> str:
        """The absolute URL of this object."""
        return f"{BASE_URL}/Services/{self.service_sid}/{self._COLLECTION}/{self.sid}"

    @property
    def links(self) -> dict[str, str]:
        """The URLs of its sub-resources."""
        url = self.url
        return {name: f"{url}/{segment}" for name, segment in self._LINKS.items()}

    def _own(self) -> dict[str, Any]:
        """The fields of its kind, between ``links`` and the dates."""
        return {}

    def to_dict(self) -> dict[str, Any]:
        """The REST JSON of this object."""
        return {
            "sid": self.sid,
            "unique_name": self.unique_name,
            "account_sid": self.account_sid,
            "service_sid": self.service_sid,
            "url": self.url,
            "links": self.links,
            **self._own(),
            **self._dates(),
        }


@attrs.frozen(kw_only=True)
class DocumentRecord(_NamedRecord):
    """A Sync Document, as ``...documents(sid).fetch()`` returns it.

    ``revision`` is a decimal string ("0", "1", ...) to pass back as ``if_match``.
    """

    _COLLECTION: ClassVar[str] = "Documents"
    _LINKS: ClassVar[dict[str, str]] = {"permissions": "Permissions"}

    revision: str
    data: dict[str, Any] = attrs.field(hash=False)

    def _own(self) -> dict[str, Any]:
        return {"revision": self.revision, "data": self.data}


@attrs.frozen(kw_only=True)
class ContainerRecord(_NamedRecord):
    """What a Map and a List record share: all but the path of their URL.

    Its ``revision`` goes up by one with every item added, updated or removed.
    """

    _LINKS: ClassVar[dict[str, str]] = {"items": "Items", "permissions": "Permissions"}

    revision: str

    def _own(self) -> dict[str, Any]:
        return {"revision": self.revision}


@attrs.frozen(kw_only=True)
class SyncMapRecord(ContainerRecord):
    """A Sync Map, as ``...sync_maps(sid).fetch()`` returns it."""

    _COLLECTION: ClassVar[str] = "Maps"


@attrs.frozen(kw_only=True)
class SyncListRecord(ContainerRecord):
    """A Sync List, as ``...sync_lists(sid).fetch()`` returns it."""

    _COLLECTION: ClassVar[str] = "Lists"


@attrs.frozen(kw_only=True)
class SyncStreamRecord(_NamedRecord):
    """A Sync Stream, as ``...sync_streams(sid).fetch()`` returns it.

    A Stream has no data and no revision: it carries messages, which are never stored.
    """

    _COLLECTION: ClassVar[str] = "Streams"
    _LINKS: ClassVar[dict[str, str]] = {"stream_messages": "Messages"}


@attrs.frozen(kw_only=True)
class _ItemRecord(_Dated):
    """What a Map Item's and a List Item's records share."""

    account_sid: str
    service_sid: str
    revision: str
    data: dict[str, Any] = attrs.field(hash=False)

    def _item_dict(self, place: dict[str, Any], url: str) -> dict[str, Any]:
        """The REST JSON; ``place`` holds its key or index and its container's sid."""
        return {
            **place,
            "account_sid": self.account_sid,
            "service_sid": self.service_sid,
            "url": url,
            "revision": self.revision,
            "data": self.data,
            **self._dates(),
        }


@attrs.frozen(kw_only=True)
class SyncMapItemRecord(_ItemRecord):
    """An item of a Sync Map, as ``...sync_map_items(key).fetch()`` returns it.

    The key is percent-encoded in ``url`` (every character but letters, digits and
    ``_.-~``), so that any key gives a valid URL.
    """

    key: str
    map_sid: str

    @property
    def url(self) -> str:
        """The absolute URL of this item."""
        key = quote(self.key, safe="")
        return f"{BASE_URL}/Services/{self.service_sid}/Maps/{self.map_sid}/Items/{key}"

    def to_dict(self) -> dict[str, Any]:
        """The REST JSON of this Map Item."""
        return self._item_dict({"key": self.key, "map_sid": self.map_sid}, self.url)


@attrs.frozen(kw_only=True)
class SyncListItemRecord(_ItemRecord):
    """An item of a Sync List, as ``...sync_list_items(index).fetch()`` returns it."""

    index: int
    list_sid: str

    @property
    def url(self) -> str:
        """The absolute URL of this item."""
        return f"{BASE_URL}/Services/{self.service_sid}/Lists/{self.list_sid}/Items/{self.index}"

    def to_dict(self) -> dict[str, Any]:
        """The REST JSON of this List Item."""
        return self._item_dict({"index": self.index, "list_sid": self.list_sid}, self.url)


@attrs.frozen(kw_only=True)
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


@attrs.frozen(kw_only=True)
class _PermissionRecord:
    """What one identity may do with one object; the identity is percent-encoded in ``url``."""

    #: The path segment of the owner's kind, and the name of its sid field.
    _COLLECTION: ClassVar[str] = ""
    _OWNER: ClassVar[str] = ""

    account_sid: str
    service_sid: str
    identity: str
    read: bool
    write: bool
    manage: bool

    @property
    def _owner_sid(self) -> str:
        return str(getattr(self, self._OWNER))

    @property
    def url(self) -> str:
        """The absolute URL of this permission."""
        identity = quote(self.identity, safe="")
        return (
            f"{BASE_URL}/Services/{self.service_sid}/{self._COLLECTION}/{self._owner_sid}"
            f"/Permissions/{identity}"
        )

    def to_dict(self) -> dict[str, Any]:
        """The REST JSON of this permission."""
        return {
            "account_sid": self.account_sid,
            "service_sid": self.service_sid,
            self._OWNER: self._owner_sid,
            "identity": self.identity,
            "read": self.read,
            "write": self.write,
            "manage": self.manage,
            "url": self.url,
        }


@attrs.frozen(kw_only=True)
class DocumentPermissionRecord(_PermissionRecord):
    """What one identity may do with a Document: ``...document_permissions(identity).fetch()``."""

    _COLLECTION: ClassVar[str] = "Documents"
    _OWNER: ClassVar[str] = "document_sid"

    document_sid: str


@attrs.frozen(kw_only=True)
class SyncMapPermissionRecord(_PermissionRecord):
    """What one identity may do with a Map: ``...sync_map_permissions(identity).fetch()``."""

    _COLLECTION: ClassVar[str] = "Maps"
    _OWNER: ClassVar[str] = "map_sid"

    map_sid: str


@attrs.frozen(kw_only=True)
class SyncListPermissionRecord(_PermissionRecord):
    """What one identity may do with a List: ``...sync_list_permissions(identity).fetch()``."""

    _COLLECTION: ClassVar[str] = "Lists"
    _OWNER: ClassVar[str] = "list_sid"

    list_sid: str
