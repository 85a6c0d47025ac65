"""The kinds of Sync object as the tests see them: Documents, Maps, Lists and Streams.

What the kinds share is tested once, parametrized by kind (tests/unit/test_objects.py for
all four, tests/unit/test_collections.py for Maps and Lists); a ``Kind`` says what tells
them apart: the path segment, the SID prefix, the name of the TTL, the records, and for
Maps and Lists the items and their codes. A ``Home`` is a fresh service with the
objects of one kind in it, and the steps those tests repeat.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sync_core import (
    DocumentPermissionRecord,
    DocumentRecord,
    ManualClock,
    PermissionList,
    ServiceContext,
    Sync,
    SyncEvent,
    SyncListItemRecord,
    SyncListPermissionRecord,
    SyncListRecord,
    SyncMapItemRecord,
    SyncMapPermissionRecord,
    SyncMapRecord,
    SyncStreamRecord,
)


@dataclass(frozen=True, kw_only=True)
class Kind:
    """One kind of Sync object."""

    name: str  # as in its events' types: document, map, list, stream
    collection: str  # its path segment: Documents, Maps, Lists, Streams
    prefix: str  # of its SIDs
    schema: str  # the OpenAPI schema of its records
    record: type[Any]
    objects: Callable[[ServiceContext], Any]  # a service -> its objects of this kind
    ttl: str  # its own TTL parameter: ttl (Documents, Streams), collection_ttl (Maps, Lists)
    #: Every name its TTL takes: Maps and Lists take ``ttl`` as an alias.
    ttl_names: tuple[str, ...] = ("ttl",)
    #: What a new object of this kind has beyond the fields all kinds have.
    defaults: dict[str, Any] = field(default_factory=dict)
    links: tuple[tuple[str, str], ...]  # (link, path below the object's URL)
    #: Permissions (not Streams): an object -> its permissions, and their records.
    permissions: Callable[[Any], PermissionList[Any]] | None = None
    permission_schema: str = ""
    permission_record: type[Any] | None = None
    sid_field: str = ""  # how its items and permissions name it: document_sid, map_sid...
    null_data: int = 0  # the code of null data: 54101 (Document), 54206 (Map), 54156 (List)

    def __str__(self) -> str:
        return self.name

    @property
    def revised(self) -> bool:
        """Whether its records have a revision (all but Streams)."""
        return "revision" in self.defaults

    def of(self, sync: Sync, service: str) -> Any:
        """The objects of this kind of ``service``."""
        return self.objects(sync.services(service))

    def path(self, service: str, *parts: object) -> str:
        """``/Services/{service}/{collection}/{parts...}``, as a 404 names it."""
        return "/".join([f"/Services/{service}/{self.collection}", *map(str, parts)])

    def links_of(self, url: str) -> dict[str, str]:
        return {link: f"{url}/{below}" for link, below in self.links}


@dataclass(frozen=True, kw_only=True)
class ContainerKind(Kind):
    """Maps and Lists: objects holding items, a Map's under keys, a List's at indexes."""

    item: str  # how messages name one: Map Item, List Item
    place: str  # the attribute that places an item: key, index
    items: Callable[[Any], Any]  # a Map or List -> its items
    item_schema: str
    item_record: type[Any]
    bad_place: tuple[int, str]  # the refusal of a bad key or index: code, message

    @property
    def stale(self) -> str:
        return f"The revision of the {self.item} does not match the expected revision"

    def add(self, items: Any, data: Any, at: str = "k", **params: Any) -> Any:
        """Create an item: in a Map under the key ``at``, in a List at the next index."""
        if self.place == "key":
            return items.create(key=at, data=data, **params)
        return items.create(data=data, **params)


DOCUMENT = Kind(
    name="document",
    collection="Documents",
    prefix="ET",
    schema="sync.v1.service.document",
    record=DocumentRecord,
    objects=lambda svc: svc.documents,
    ttl="ttl",
    defaults={"revision": "0", "data": {}},
    links=(("permissions", "Permissions"),),
    permissions=lambda doc: doc.document_permissions,
    permission_schema="sync.v1.service.document.document_permission",
    permission_record=DocumentPermissionRecord,
    sid_field="document_sid",
    null_data=54101,
)


def container(
    name: str, prefix: str, records: tuple[type[Any], ...], **codes: Any
) -> ContainerKind:
    """Maps and Lists: named alike, as the SDK and the OpenAPI description name them."""
    record, item_record, permission_record = records
    schema = f"sync.v1.service.sync_{name}"
    return ContainerKind(
        name=name,
        collection=f"{name.capitalize()}s",
        prefix=prefix,
        schema=schema,
        record=record,
        objects=lambda svc: getattr(svc, f"sync_{name}s"),
        ttl="collection_ttl",
        ttl_names=("ttl", "collection_ttl"),
        defaults={"revision": "0"},
        links=(("items", "Items"), ("permissions", "Permissions")),
        permissions=lambda obj: getattr(obj, f"sync_{name}_permissions"),
        permission_schema=f"{schema}.sync_{name}_permission",
        permission_record=permission_record,
        sid_field=f"{name}_sid",
        item=f"{name.capitalize()} Item",
        items=lambda obj: getattr(obj, f"sync_{name}_items"),
        item_schema=f"{schema}.sync_{name}_item",
        item_record=item_record,
        **codes,
    )


Row = tuple[str, str, tuple[type[Any], ...], str, int, tuple[int, str]]


def _rows(*rows: Row) -> list[Row]:
    return list(rows)


#: The Map and List kinds: what tells them apart.
MAP, LIST = (
    container(name, prefix, records, place=place, null_data=null, bad_place=bad)
    for name, prefix, records, place, null, bad in _rows(
        (
            "map",
            "MP",
            (SyncMapRecord, SyncMapItemRecord, SyncMapPermissionRecord),
            "key",
            54206,
            (54209, "Invalid Map Item key"),
        ),
        (
            "list",
            "ES",
            (SyncListRecord, SyncListItemRecord, SyncListPermissionRecord),
            "index",
            54156,
            (54458, "Invalid List Item index"),
        ),
    )
)
STREAM = Kind(
    name="stream",
    collection="Streams",
    prefix="TO",
    schema="sync.v1.service.sync_stream",
    record=SyncStreamRecord,
    objects=lambda svc: svc.sync_streams,
    ttl="ttl",
    links=(("messages", "Messages"),),
)

KINDS = [DOCUMENT, MAP, LIST, STREAM]
CONTAINERS = [MAP, LIST]
#: The kinds that hold data: Documents, and the items of Maps and Lists.
HOLDERS = [DOCUMENT, MAP, LIST]
#: The kinds with permissions.
GUARDED = [DOCUMENT, MAP, LIST]


@dataclass
class Home:
    """A fresh service, and the objects of one kind in it; most tests use one, ``box``."""

    sync: Sync
    clock: ManualClock
    kind: Kind
    service: str

    @property
    def objects(self) -> Any:
        return self.kind.of(self.sync, self.service)

    @property
    def container(self) -> ContainerKind:
        assert isinstance(self.kind, ContainerKind), self.kind
        return self.kind

    def path(self, *parts: object) -> str:
        return self.kind.path(self.service, *parts)

    def items(self, ident: str = "box") -> Any:
        """The items of the Map or List ``ident``."""
        return self.container.items(self.objects(ident))

    def add(self, data: Any, at: str = "k", ident: str = "box", **params: Any) -> Any:
        """An item added to ``ident``: under the key ``at`` in a Map, next in a List."""
        return self.container.add(self.items(ident), data, at, **params)

    def place(self, item: Any) -> Any:
        """Where ``item`` is: its key or its index."""
        return getattr(item, self.container.place)

    # Documents and items hold data: ``put`` one, ``held`` finds it again; the last of
    # ``state()`` lists them all.

    @property
    def holder_ttl(self) -> str:
        """The TTL of what holds data: a Document's ``ttl``, an item's ``item_ttl``."""
        return "item_ttl" if isinstance(self.kind, ContainerKind) else "ttl"

    def put(self, data: Any, at: str = "k", **params: Any) -> Any:
        """A Document named ``at`` holding ``data``, or an item of ``box`` (see ``add``)."""
        if isinstance(self.kind, ContainerKind):
            return self.add(data, at, **params)
        return self.objects.create(unique_name=at, data=data, **params)

    def held(self, record: Any) -> Any:
        """The Document or item ``record`` is of, to fetch, update or delete."""
        if isinstance(self.kind, ContainerKind):
            return self.items()(self.place(record))
        return self.objects(record.sid)

    def state(self, ident: str = "box") -> tuple[Any, ...]:
        """The object, the listing and the object's items: what a refusal leaves as it was."""
        now = (self.objects(ident).fetch(), self.objects.list())
        if isinstance(self.kind, ContainerKind):
            return (*now, self.items(ident).list())
        return now

    def watch(self) -> list[SyncEvent]:
        """Every event of the service from now on, in the order delivered."""
        events: list[SyncEvent] = []
        self.sync.services(self.service).subscribe(events.append)
        return events

    @contextmanager
    def unchanged(self, ident: str = "box") -> Iterator[None]:
        """What the block refuses changes nothing and announces nothing.

        The clock moves 5 seconds first, so that a stray change of a date would show.
        """
        before = self.state(ident)
        events = self.watch()
        self.clock.advance(5)
        yield
        assert self.state(ident) == before
        assert events == []


def home_of(sync: Sync, clock: ManualClock, kind: Kind) -> Home:
    """A ``Home`` in a fresh service."""
    return Home(sync, clock, kind, sync.services.create().sid)


def everything(sync: Sync) -> list[dict[str, Any]]:
    """Every service, object, item and permission, as JSON, through the plain API."""
    found: list[dict[str, Any]] = []
    for service in sync.services.list():
        found.append(service.to_dict())
        for kind in KINDS:
            for record in kind.of(sync, service.sid).list():
                found.append(record.to_dict())
                obj = kind.of(sync, service.sid)(record.sid)
                if isinstance(kind, ContainerKind):
                    found += [item.to_dict() for item in kind.items(obj).list()]
                if kind.permissions is not None:
                    found += [grant.to_dict() for grant in kind.permissions(obj).list()]
    return found
