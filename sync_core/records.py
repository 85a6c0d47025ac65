"""What callers get back: frozen records with twilio-python's attribute names.

A record is a snapshot of the moment it was read: its fields are frozen, and changing
the store never changes it. ``data`` is the record's own fresh dict: a caller may
change it without touching the store or any other record. Dates are aware UTC datetimes;
:meth:`to_dict` gives the REST JSON of Twilio's examples exactly (dates as
``YYYY-MM-DDTHH:MM:SSZ``, absolute ``url`` and ``links``).

This module holds what the records share; each record lives beside the context of its
object (:class:`~sync_core.DocumentRecord` in :mod:`sync_core.documents`, ...), since
a record also acts like twilio-python's instance of it (:mod:`sync_core.instances`):
``record.update(...)``, ``record.fetch()``, ``record.delete()`` and its sub-resources,
as the identity that read it.

>>> from datetime import datetime, UTC
>>> from sync_core import DocumentRecord
>>> when = datetime(2015, 7, 30, 20, 0, tzinfo=UTC)
>>> doc = DocumentRecord(
...     sid="ET" + "a" * 32, unique_name="prefs", account_sid="AC" + "a" * 32,
...     service_sid="IS" + "a" * 32, revision="0", data={"theme": "dark"},
...     date_expires=None, date_created=when, date_updated=when, created_by="system")
>>> doc.to_dict()["date_created"], doc.to_dict()["links"]["permissions"][-46:]
('2015-07-30T20:00:00Z', 'ETaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Permissions')
>>> doc.fetch()
Traceback (most recent call last):
...
TypeError: this DocumentRecord was not read from a Sync: it has no object to act on
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any, ClassVar, Final, SupportsIndex
from urllib.parse import quote

import attrs

from ._compat import reexported
from .actor import Actor
from .rows import ItemRow, ObjectRow

__all__ = [
    "BASE_URL",
    "ContainerRecord",
    "Record",
    "dated_json",
    "format_date",
    "item_json",
    "json_date",
    "json_fields",
    "json_text",
    "named_fields",
    "url_segment",
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
    # This runs for every date of every record a REST answer carries, and the same
    # instants come back (an object's dates, a test clock's now): remembered.
    formatted = _FORMATTED.get(when)
    if formatted is None:
        if len(_FORMATTED) >= _FORMATTED_MOST:
            _FORMATTED.clear()
        utc = when if when.tzinfo is UTC else when.astimezone(UTC)
        # Formatted by hand: strftime is several times slower.
        formatted = _FORMATTED[when] = (
            f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
            f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z"
        )
    return formatted


#: Dates formatted lately (equal instants format alike, whatever their time zone);
#: emptied when it holds ``_FORMATTED_MOST``.
_FORMATTED: Final[dict[datetime, str]] = {}
_FORMATTED_MOST: Final = 4096
#: What a URL path segment keeps as it is (:func:`url_segment`).
_SEGMENT_SAFE: Final = re.compile(r"[A-Za-z0-9_.~-]+")


def url_segment(text: str) -> str:
    """``text`` as one segment of a record's URL: percent-encoded, every character but
    letters, digits and ``_.-~`` (a Map Item's key, a permission's identity).

    >>> url_segment("key-1"), url_segment("a/b é")
    ('key-1', 'a%2Fb%20%C3%A9')
    """
    if _SEGMENT_SAFE.fullmatch(text):
        return text  # the common case, without the cost of quote()
    return quote(text, safe="")


#: A string as JSON text, non-ASCII characters as they are (as the REST answers are
#: written: ``ensure_ascii=False``): the json module's own C encoder of one string.
json_text: Final = encode_basestring


def json_date(when: datetime | None) -> str:
    """A date as JSON text in a REST answer: :func:`format_date` quoted, or ``null``.

    >>> json_date(datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)), json_date(None)
    ('"2025-01-02T03:04:05Z"', 'null')
    """
    if when is None:
        return "null"
    # Three per item in every REST answer: the quoted text is remembered too.
    quoted = _QUOTED.get(when)
    if quoted is None:
        if len(_QUOTED) >= _FORMATTED_MOST:
            _QUOTED.clear()
        quoted = _QUOTED[when] = f'"{format_date(when)}"'
    return quoted


#: Dates lately written by :func:`json_date`; emptied when it holds ``_FORMATTED_MOST``.
_QUOTED: Final[dict[datetime, str]] = {}


def dated_json(row: ItemRow | ObjectRow) -> str:
    """The JSON text of the members every stored record ends with (:class:`_Dated`):
    ``date_expires``, ``date_created``, ``date_updated`` and ``created_by`` of ``row``."""
    return (
        f'"date_expires": {json_date(row.date_expires)}, '
        f'"date_created": {json_date(row.date_created)}, '
        f'"date_updated": {json_date(row.date_updated)}, '
        f'"created_by": {json_text(row.created_by)}'
    )


def item_json(place: str, account_sid: str, row: ItemRow, url: str) -> str:
    """The REST JSON text of an item, written from its row: what
    :meth:`ItemRecord.to_dict` holds, in the same order, with the row's stored data
    (compact JSON text already) spliced in rather than decoded and encoded again.

    ``place`` is the JSON text of the first members (the key or index, and the
    container's sid). SIDs are written as they are: their shape (two letters and 32
    hex digits, :func:`~sync_core.sids.is_sid`) needs no escaping; every other string
    is escaped. ``tests/unit/test_rendering.py`` checks that this parses to exactly
    what the record's :meth:`~ItemRecord.to_dict` gives.
    """
    return (
        f'{{{place}, "account_sid": "{account_sid}", "service_sid": "{row.service_sid}", '
        f'"url": {json_text(url)}, "revision": "{row.revision}", "data": {row.data}, '
        f"{dated_json(row)}}}"
    )


def json_fields(value: object, names: tuple[str, ...]) -> dict[str, Any]:
    """The attributes ``names`` of ``value`` as JSON-ready values, dates formatted.

    >>> from types import SimpleNamespace
    >>> json_fields(SimpleNamespace(a=1, at=datetime(2025, 1, 2, tzinfo=UTC)), ("at", "a"))
    {'at': '2025-01-02T00:00:00Z', 'a': 1}
    """
    shown = {}
    for name in names:
        found = getattr(value, name)
        shown[name] = format_date(found) if isinstance(found, datetime) else found
    return shown


def named_fields(row: ObjectRow, actor: Actor) -> dict[str, Any]:
    """The fields the record of a Document, Map, List or Stream takes from its row."""
    # Written out: this runs for every record.
    return {
        "sid": row.sid,
        "unique_name": row.unique_name,
        "account_sid": actor.engine.account_sid,
        "service_sid": row.service_sid,
        "actor": actor,
        "date_expires": row.date_expires,
        "date_created": row.date_created,
        "date_updated": row.date_updated,
        "created_by": row.created_by,
    }


@attrs.frozen(kw_only=True, eq=False, repr=False)
class Record:
    """What every record that acts has: the actor that read it (not part of its value).

    The actor is left out of a record's equality, its repr and its pickle: an unpickled
    record shows what it showed, but has nothing to act on. A copy acts as the original.
    """

    _actor: Actor | None = attrs.field(default=None, eq=False, repr=False)

    def _values(self) -> dict[str, Any]:
        """The record's fields by their ``__init__`` names, but the actor."""
        return {
            field.alias: getattr(self, field.name)
            for field in attrs.fields(type(self))
            if field.name != "_actor"
        }

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        return (_remade, (type(self), self._values()))

    def __copy__(self) -> Record:
        return type(self)(actor=self._actor, **self._values())

    def __deepcopy__(self, memo: dict[int, Any]) -> Record:
        values = copy.deepcopy(self._values(), memo)
        return type(self)(actor=self._actor, **values)

    def _acting(self, service_sid: str) -> Actor:
        """The actor that read this record, addressing its Service by ``service_sid``."""
        if self._actor is None:
            raise TypeError(
                f"this {type(self).__name__} was not read from a Sync: it has no object to act on"
            )
        return self._actor._replace(service=service_sid)


def _remade(cls: type[Record], values: dict[str, Any]) -> Record:
    """A record of ``cls`` made of ``values`` (how a pickled record is made again)."""
    return cls(**values)


class _Dated:
    """What every stored record shows last: when it expires, was made and changed, by whom."""

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


@attrs.frozen(kw_only=True, eq=False, repr=False)
class NamedRecord(Record, _Dated):
    """What the records of Documents, Maps, Lists and Streams share."""

    #: The path segment of the kind ("Documents", ...), and its links: name -> segment.
    _COLLECTION: ClassVar[str] = ""
    _LINKS: ClassVar[dict[str, str]] = {}

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


@attrs.frozen(kw_only=True, eq=False, repr=False)
class ContainerRecord(NamedRecord):
    """What a Map and a List record share: all but the path of their URL.

    Its ``revision`` goes up by one with every item added, updated or removed.
    """

    _LINKS: ClassVar[dict[str, str]] = {"items": "Items", "permissions": "Permissions"}

    revision: str

    def _own(self) -> dict[str, Any]:
        return {"revision": self.revision}


@attrs.frozen(kw_only=True, eq=False, repr=False)
class ItemRecord(Record, _Dated):
    """What a Map Item's and a List Item's records share."""

    account_sid: str
    service_sid: str
    revision: str
    data: dict[str, Any] = attrs.field(hash=False)
    date_expires: datetime | None
    date_created: datetime
    date_updated: datetime
    created_by: str

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

    class QueryResultOrder:
        """twilio-python's values of an item listing's ``order``."""

        ASC = "asc"
        DESC = "desc"

    class QueryFromBoundType:
        """twilio-python's values of an item listing's ``bounds``."""

        INCLUSIVE = "inclusive"
        EXCLUSIVE = "exclusive"


@attrs.frozen(kw_only=True, eq=False, repr=False)
class PermissionRecord(Record):
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
        identity = url_segment(self.identity)
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


# The records of each kind live beside their contexts; these names still answer here.
__getattr__ = reexported(
    __name__,
    {
        "ServiceRecord": "sync_core.service",
        "DocumentRecord": "sync_core.documents",
        "DocumentPermissionRecord": "sync_core.documents",
        "SyncMapRecord": "sync_core.maps",
        "SyncMapItemRecord": "sync_core.maps",
        "SyncMapPermissionRecord": "sync_core.maps",
        "SyncListRecord": "sync_core.lists",
        "SyncListItemRecord": "sync_core.lists",
        "SyncListPermissionRecord": "sync_core.lists",
        "SyncStreamRecord": "sync_core.streams",
        "StreamMessageRecord": "sync_core.streams",
    },
)
