"""What Documents, Maps, Lists and Streams share: named objects of a service.

Each is addressed by its sid or its ``unique_name`` (unique per service and kind), is
created with an optional unique name and TTL, is listed in creation order, fetched and
deleted the same way. :class:`ObjectList` and :class:`ObjectContext` hold that common
part once; :class:`ContainerList` and :class:`ContainerContext` add what Maps and Lists
share as objects (``collection_ttl``, and an update of it that counts a revision);
``documents.py``, ``maps.py``, ``lists.py`` and ``streams.py`` add what differs (a
Document's data, a container's items, a Stream's messages) and name the classes users
see. The rules of a container's row when its items change are in
:mod:`sync_core.containers`.

>>> from sync_core import Sync
>>> svc = Sync(seed=3).services("default")
>>> doc = svc.documents.create(unique_name="shared")
>>> lst = svc.sync_lists.create(unique_name="shared")   # another kind: the name is free
>>> (doc.sid[:2], lst.sid[:2])
('ET', 'ES')
>>> svc.sync_maps("shared").fetch()
Traceback (most recent call last):
...
sync_core.errors.NotFoundError: HTTP 404 error 20404: The requested resource /Services/default/Maps/shared was not found

Maps and Lists (Twilio's words): create takes ``unique_name``, ``ttl`` and
``collection_ttl``, update takes ``ttl`` and ``collection_ttl`` (neither is 400/54010)
and, like a Document's TTL-only update, adds one to the revision; ``ttl`` is an alias
of ``collection_ttl`` that is ignored when both are given.

>>> from sync_core import ManualClock
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
from datetime import datetime
from typing import Any, Generic, TypeVar

import attrs

from .acl import Flag, authorize
from .actor import Acting, Actor
from .errors import NO_PARAMETERS, NOT_FOUND, UNIQUE_NAME_TAKEN, Where
from .events import Change, EventCallback, Subscription, new_change
from .instances import acting, twin
from .listing import Addressing, PlainListing, Source
from .lookup import find_object, new_sid, resolve_service
from .paging import Position, Scope
from .params import UNSET, Unset, check_unique_name, expiry_after, given, pick_ttl
from .payload import JsonObject
from .rows import ObjectRow, ServiceRow, build_object_row

__all__ = [
    "ContainerContext",
    "ContainerInstance",
    "ContainerList",
    "ObjectContext",
    "ObjectInstance",
    "ObjectKind",
    "ObjectList",
    "OfObject",
]

R = TypeVar("R")
C = TypeVar("C")
S = TypeVar("S")


@attrs.frozen(eq=False)
class ObjectKind(Generic[R]):
    """What tells one kind of named object from another."""

    kind: str  # the rows' kind: "document", "map", "list", "stream"
    prefix: str  # its SIDs' prefix: "ET", "MP", "ES", "TO"
    collection: str  # its path segment: "Documents", "Maps", "Lists", "Streams"
    #: The record callers get, acting as the actor; its third argument, when given, is
    #: a fresh copy of the row's data (a Document's), which saves decoding it again.
    record: Callable[[Actor, ObjectRow, JsonObject | None], R]
    #: The REST JSON text of a row, its URLs under a base (``(row, account_sid,
    #: base)``), written straight from the row: what its record's ``to_dict`` holds.
    #: None: the REST adapter writes the record's ``to_dict`` (the kinds without data).
    json: Callable[[ObjectRow, str, str], str] | None = None
    #: The type of its created event: ``document_created``, ``map_created``...
    created: str = attrs.field(
        init=False, default=attrs.Factory(lambda spec: f"{spec.kind}_created", True)
    )

    @property
    def label(self) -> str:
        """Its name in messages: "Document", "Map", "List", "Stream"."""
        return self.collection[:-1]


class ObjectList(Acting, PlainListing[R], Addressing[str, C], Generic[R, C]):
    """The objects of one kind in one service: create, list, stream, page, and lookup."""

    def __init__(self, actor: Actor, spec: ObjectKind[R]) -> None:
        self._actor = actor
        self._spec = spec

    @property
    def _path(self) -> str:
        return f"{self._actor.service_path}/{self._spec.collection}"

    def _where(self) -> str:
        return self._path

    def _service_row(self, now: datetime) -> ServiceRow:
        """The service (404), if the acting identity may create and list here (403)."""
        engine, path = self._actor.engine, self._where
        service = resolve_service(engine, now, self._actor.service, path)
        authorize(engine.store, service, self._actor.identity, None, path, kind=self._spec.kind)
        return service

    def _create(
        self,
        unique_name: str | Unset | None,
        checked: Callable[[], tuple[int, str | None, JsonObject | None]],
    ) -> R:
        """Create an object of this kind and return its record.

        Checks, in order: the Service (404) and the acting identity (403), the unique
        name (400), what ``checked`` checks and returns (400/413): the TTL, the data's
        JSON text (a Document's; None for the kinds without data) and a fresh copy of
        the data for the record (None: the record decodes it); then whether the name is
        taken (409).
        """
        engine = self._actor.engine
        with engine.operation("create", self) as now:
            service = self._service_row(now)
            name = (
                check_unique_name(unique_name, engine.limits.unique_name_length)
                if given(unique_name)
                else None
            )
            ttl, data, copy = checked()
            row = self._insert(now, service, name, ttl, data)
            return self._spec.record(self._actor, row, copy)

    def _insert(
        self, now: datetime, service: ServiceRow, name: str | None, ttl: int, data: str | None
    ) -> ObjectRow:
        """Add a new object whose parameters are checked; 409 if the name is taken."""
        spec, engine, identity = self._spec, self._actor.engine, self._actor.identity
        store = engine.store
        if name is not None and store.object_named(service.sid, spec.kind, name) is not None:
            raise UNIQUE_NAME_TAKEN.error(f"a {spec.label} named {name!r} exists in this service")
        sid = new_sid(
            engine, spec.prefix, lambda sid: store.object_by_sid(service.sid, sid) is not None
        )
        # Positional (kind, sid, service, seq, created, updated, by, revision, name, data,
        # expires, item count, next index): a hot path (rows.build_object_row).
        row = build_object_row(
            spec.kind,
            sid,
            service.sid,
            store.next_seq(f"{spec.kind}:{service.sid}"),
            now,
            now,
            identity,
            0,
            name,
            data,
            expiry_after(now, ttl),
            0,
            0,
        )
        store.put_object(row, None)
        # Change(type, row, identity, when, item, data, ...), as the tuple it is
        # (events.new_change): every create makes one.
        engine.emit(
            new_change((spec.created, row, identity, now, None, row.data, None, None, False, None))
        )
        return row

    def _source(self, now: datetime, filters: None, page_token: object) -> Source[R]:
        """The objects of this kind in creation order (404 without the service)."""
        engine, spec = self._actor.engine, self._spec
        service = self._service_row(now)

        def fetch_slice(
            after: Position | None, backwards: bool, limit: int
        ) -> list[tuple[Position, R]]:
            seq = None if after is None else int(after[0])
            rows = engine.store.objects_from(
                service.sid, spec.kind, seq, inclusive=False, reverse=backwards, limit=limit
            )
            return [((row.seq,), spec.record(self._actor, row, None)) for row in rows]

        return Source(Scope(f"{spec.kind}s:{service.sid}"), fetch_slice, int)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._path}>"


class OfObject(Acting, Generic[S]):
    """What every resource of one Document, Map, List or Stream holds: who acts, the
    object as addressed (a sid or unique name), its kind, and the resource's own kind
    (``spec``: the object's kind itself, an item kind, a permission kind)."""

    def __init__(self, actor: Actor, ident: str, kind: ObjectKind[Any], spec: S) -> None:
        self._actor = actor
        self._ident = ident
        self._kind = kind
        self._spec = spec

    @property
    def _object_path(self) -> str:
        """The object's path as addressed: ``/Services/{service}/{Collection}/{ident}``."""
        return f"{self._actor.service_path}/{self._kind.collection}/{self._ident}"

    @property
    def _path(self) -> str:
        """This resource's path as addressed (the object's own, unless overridden)."""
        return self._object_path

    def _where(self) -> str:
        """This resource's path, for a refusal to spell when it happens (a :data:`Where`)."""
        return self._path

    def _object(self, now: datetime, flag: Flag, path: Where) -> ObjectRow:
        """The object now, if the acting identity has ``flag`` on it.

        A missing Service or object is a 404 naming ``path``, the whole path addressed;
        a denial is 403/54007 (:func:`~sync_core.acl.authorize`).
        """
        actor, kind = self._actor, self._kind
        engine = actor.engine
        service = resolve_service(engine, now, actor.service, path)
        row = find_object(engine, service.sid, kind.kind, kind.prefix, self._ident)
        if row is None:
            raise NOT_FOUND.error(path=path)
        authorize(engine.store, service, actor.identity, flag, path, row)
        if engine._touches is not None and flag == "read":  # only while rates are limited
            engine.read(row)
        return row


class ObjectContext(OfObject[ObjectKind[R]]):
    """One object, by sid or unique name: fetch and delete; subclasses add update."""

    @property
    def sid(self) -> str:
        """The object as addressed: its sid or unique name."""
        return self._ident

    def _resolve(self, now: datetime, flag: Flag, path: Where | None = None) -> ObjectRow:
        """The object now, if the acting identity has ``flag`` on it.

        A 404 names ``path`` (this object's own path by default); a denial is 403.
        """
        return self._object(now, flag, self._where if path is None else path)

    def fetch(self) -> R:
        """The object now. Cost: O(log n) (O(1) in memory by sid).

        Raises:
            NotFoundError: 20404, no such service or object (or it expired).
        """
        with self._actor.engine.operation("fetch", self) as now:
            return self._spec.record(self._actor, self._resolve(now, "read"), None)

    def delete(self) -> bool:
        """Remove the object (a Map or List with all its items); True.

        Cost: O(log n), and O(log n) per item of a Map or List.

        Raises:
            NotFoundError: 20404, no such service or object.
        """
        engine, identity = self._actor.engine, self._actor.identity
        with engine.operation("delete", self) as now:
            row = self._resolve(now, "manage")
            engine.emit(
                Change(f"{row.kind}_removed", row, identity=identity, when=now, previous=row.data)
            )
            engine.store.delete_object(row)
            return True

    fetch_async = twin(fetch)
    delete_async = twin(delete)

    def _subscribe(self, callback: EventCallback) -> Subscription:
        """Watch this object's events (it must exist now: 404 otherwise)."""
        engine = self._actor.engine
        with engine.operation("subscribe", self) as now:
            row = self._resolve(now, "read")
            return engine.events.subscribe(callback, row.service_sid, row.sid, self._actor.identity)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._path}>"


class ContainerList(ObjectList[R, C], Generic[R, C]):
    """The Maps (or Lists) of one service: create, and what every object list has."""

    def create(
        self,
        unique_name: str | Unset | None = UNSET,
        ttl: int | Unset | None = UNSET,
        collection_ttl: int | Unset | None = UNSET,
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
        return self._create(
            unique_name, lambda: (pick_ttl(collection_ttl, ttl, "collection_ttl") or 0, None, None)
        )

    create_async = twin(create)


class ContainerContext(ObjectContext[R], Generic[R]):
    """One Map (or List): fetch, delete, and update of its TTL."""

    def update(
        self, ttl: int | Unset | None = UNSET, collection_ttl: int | Unset | None = UNSET
    ) -> R:
        """Set (or, with 0, clear) when the Map or List expires; the revision goes up by one.

        Raises:
            NotFoundError: 20404, no such service or object.
            InvalidParameterError: 54010 neither given, 54011 a bad TTL.
        """
        engine = self._actor.engine
        with engine.operation("update", self) as now:
            row = self._resolve(now, "write")
            seconds = pick_ttl(collection_ttl, ttl, "collection_ttl")
            if seconds is None:
                raise NO_PARAMETERS.error("give ttl or collection_ttl")
            new = attrs.evolve(
                row,
                revision=row.revision + 1,
                date_updated=max(now, row.date_updated),  # never back: containers.touched
                date_expires=expiry_after(now, seconds),
            )
            engine.store.put_object(new, row)
            if engine._touches is not None:  # a write no event announces: count it
                engine.wrote(new)
            return self._spec.record(self._actor, new, None)

    def subscribe(self, callback: EventCallback) -> Subscription:
        """Call ``callback`` with every event of this Map (or List), from now on.

        Events: ``map_item_added``, ``map_item_updated``, ``map_item_removed`` (also
        when an item expires) and ``map_removed`` (``list_...`` for a List). A TTL
        update has no event: Twilio defines none. The callback runs after the change is
        committed, outside the library's lock. Returns a handle: ``unsubscribe()`` it, or
        use it in a ``with`` block.

        Raises:
            NotFoundError: 20404, no such service or object.
            TypeError: ``callback`` cannot be called with the event (not callable, an
                async function, or one that takes no argument).
        """
        return self._subscribe(callback)

    update_async = twin(update)


class ObjectInstance:
    """What a Document's, Map's, List's or Stream's record does, through its context
    (the record is an :class:`~sync_core.instances.Instance` of it): ``fetch`` and
    ``delete`` and their ``_async`` twins (each kind adds ``update``)."""

    fetch, fetch_async = acting(ObjectContext.fetch)
    delete, delete_async = acting(ObjectContext.delete)


class ContainerInstance(ObjectInstance):
    """What a Map's or List's record does: also ``update`` (its TTL)."""

    update, update_async = acting(ContainerContext.update)
