"""What Documents, Maps and Lists share: named objects of a service.

Each is addressed by its sid or its ``unique_name`` (unique per service and kind), is
created with an optional unique name and TTL, is listed in creation order, fetched and
deleted the same way. :class:`ObjectList` and :class:`ObjectContext` hold that common
part once; ``documents.py``, ``maps.py`` and ``lists.py`` add what differs (a
Document's data, a container's items) and name the classes users see.

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
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, Generic, TypeVar

import attrs

from .acl import Flag, authorize
from .engine import Engine
from .errors import fail
from .events import EventCallback, Subscription
from .lookup import expiry_after, new_sid, resolve_object, resolve_service
from .paging import Page, Position, read_page, stream_records
from .rows import ObjectRow, ServiceRow
from .store import PERMISSION_KINDS

__all__ = ["ObjectContext", "ObjectKind", "ObjectList"]

R = TypeVar("R")
C = TypeVar("C")


@attrs.frozen
class ObjectKind(Generic[R]):
    """What tells one kind of named object from another."""

    kind: str  # the rows' kind: "document", "map", "list"
    prefix: str  # its SIDs' prefix: "ET", "MP", "ES"
    collection: str  # its path segment: "Documents", "Maps", "Lists"
    record: Callable[[Engine, ObjectRow], R]  # the record callers get


class ObjectList(ABC, Generic[R, C]):
    """The objects of one kind in one service: create, list, stream, page, and lookup."""

    def __init__(
        self, engine: Engine, service: str, spec: ObjectKind[R], identity: str = "system"
    ) -> None:
        self._engine = engine
        self._service = service
        self._spec = spec
        self._identity = identity

    @property
    def _path(self) -> str:
        return f"/Services/{self._service}/{self._spec.collection}"

    def _service_row(self, now: datetime) -> ServiceRow:
        """The service (404), if the acting identity may create and list here (403)."""
        service = resolve_service(self._engine, now, self._service, self._path)
        if self._spec.kind in PERMISSION_KINDS:  # Streams have no permissions
            authorize(self._engine, service, self._identity, None, self._path)
        return service

    def _insert(
        self, now: datetime, service: ServiceRow, name: str | None, ttl: int, **fields: Any
    ) -> ObjectRow:
        """Add a new object whose parameters are checked; 409 if the name is taken."""
        spec, store = self._spec, self._engine.store
        if name is not None and store.object_named(service.sid, spec.kind, name) is not None:
            raise fail(
                "unique_name_taken",
                detail=f"a {spec.collection[:-1]} named {name!r} exists in this service",
            )
        row = ObjectRow(
            kind=spec.kind,
            sid=new_sid(
                self._engine,
                spec.prefix,
                lambda sid: store.object_by_sid(service.sid, sid) is not None,
            ),
            service_sid=service.sid,
            seq=store.next_seq(f"{spec.kind}:{service.sid}"),
            date_created=now,
            date_updated=now,
            created_by=self._identity,
            unique_name=name,
            date_expires=expiry_after(now, ttl),
            **fields,
        )
        store.put_object(row, old=None)
        self._engine.emit(
            f"{spec.kind}_created", row, identity=self._identity, when=now, data=row.data
        )
        return row

    def page(
        self, page_token: object = None, page_number: object = None, page_size: object = None
    ) -> Page[R]:
        """One page of the objects, in creation order. Cost: O(log n + page size).

        Raises:
            NotFoundError: 20404, no such service.
            InvalidParameterError: 54454 page size, 54453 page token.
        """
        engine, spec = self._engine, self._spec
        with engine.operation() as now:
            service = self._service_row(now)

            def fetch_slice(
                after: Position | None, backwards: bool, limit: int
            ) -> list[tuple[Position, R]]:
                seq = None if after is None else int(after[0])
                rows = engine.store.objects_from(
                    service.sid, spec.kind, seq, inclusive=False, reverse=backwards, limit=limit
                )
                return [((row.seq,), spec.record(engine, row)) for row in rows]

            return read_page(
                scope=f"{spec.kind}s:{service.sid}",
                page_token=page_token,
                page_number=page_number,
                page_size=page_size,
                fetch_slice=fetch_slice,
                fetch=lambda token: self.page(page_token=token),
            )

    def stream(self, limit: int | None = None, page_size: int | None = None) -> Iterator[R]:
        """The objects one at a time, reading a page at a time; at most ``limit``."""
        return stream_records(lambda size: self.page(page_size=size), limit, page_size)

    def list(self, limit: int | None = None, page_size: int | None = None) -> list[R]:
        """The objects as a list, in creation order, at most ``limit`` of them."""
        return list(self.stream(limit=limit, page_size=page_size))

    @abstractmethod
    def _context(self, sid: str) -> C:
        """The context class of this kind (each concrete list names its own)."""

    def get(self, sid: str) -> C:
        """The object with this sid or unique name (looked up when used)."""
        return self._context(sid)

    def __call__(self, sid: str) -> C:
        """The object with this sid or unique name (looked up when used)."""
        return self._context(sid)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._path}>"


class ObjectContext(Generic[R]):
    """One object, by sid or unique name: fetch and delete; subclasses add update."""

    def __init__(
        self,
        engine: Engine,
        service: str,
        sid: str,
        spec: ObjectKind[R],
        identity: str = "system",
    ) -> None:
        self._engine = engine
        self._service = service
        self.sid = sid
        self._spec = spec
        self._identity = identity

    @property
    def _path(self) -> str:
        return f"/Services/{self._service}/{self._spec.collection}/{self.sid}"

    def _resolve(self, now: datetime, flag: Flag, path: str | None = None) -> ObjectRow:
        """The object now, if the acting identity has ``flag`` on it.

        A 404 names ``path`` (this object's own path by default); a denial is 403.
        """
        shown = self._path if path is None else path
        spec, engine = self._spec, self._engine
        service = resolve_service(engine, now, self._service, shown)
        row = resolve_object(engine, service.sid, spec.kind, spec.prefix, self.sid, shown)
        if spec.kind in PERMISSION_KINDS:  # Streams have no permissions
            authorize(engine, service, self._identity, flag, shown, row)
        return row

    def fetch(self) -> R:
        """The object now. Cost: O(1) by sid, O(log n) by name.

        Raises:
            NotFoundError: 20404, no such service or object (or it expired).
        """
        with self._engine.operation() as now:
            return self._spec.record(self._engine, self._resolve(now, "read"))

    def delete(self) -> bool:
        """Remove the object (a Map or List with all its items); True.

        Cost: O(log n), and O(log n) per item of a Map or List.

        Raises:
            NotFoundError: 20404, no such service or object.
        """
        engine = self._engine
        with engine.operation() as now:
            row = self._resolve(now, "manage")
            engine.emit(
                f"{row.kind}_removed", row, identity=self._identity, when=now, previous=row.data
            )
            engine.store.delete_object(row)
            return True

    def _subscribe(self, callback: EventCallback) -> Subscription:
        """Watch this object's events (it must exist now: 404 otherwise)."""
        engine = self._engine
        with engine.operation() as now:
            row = self._resolve(now, "read")
            return engine.events.subscribe(callback, row.service_sid, row.sid, self._identity)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._path}>"
