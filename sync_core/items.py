"""The items of Maps and Lists: one ordered-collection mechanism, used twice.

A Map's items are addressed and ordered by ``key`` (a string, in code-point order); a
List's by ``index`` (an integer the List assigns when an item is appended: 0, 1, 2,
... never reused). Everything else is the same and lives here once: the data and its
limits, the item's own revision and ``If-Match``, ``item_ttl`` (``ttl`` is its alias,
ignored when both are given), ``collection_ttl`` (which sets the container's expiry),
and listings with ``order``, ``from_`` and ``bounds``. :class:`ItemKind` holds what
differs; ``maps.py`` and ``lists.py`` name the classes users see.

Every change of an item is a change of its container too: the container's revision
goes up by one and its ``date_updated`` becomes now.

>>> from sync_core import Sync
>>> sync = Sync(seed=8)
>>> board = sync.services("default").sync_maps.create(unique_name="board")
>>> entries = sync.services("default").sync_maps("board").sync_map_items
>>> for name in ["carol", "alice", "bob"]:
...     _ = entries.create(key=name, data={"score": len(name)})
>>> [item.key for item in entries.list(order="desc", from_="bob")]
['bob', 'alice']
>>> entries("alice").update(data={"score": 9}, if_match="1")
Traceback (most recent call last):
...
sync_core.errors.PreconditionFailedError: HTTP 412 error 20412: The revision of the Map Item does not match the expected revision (If-Match is '1', the revision is '0')
>>> sync.services("default").sync_maps("board").fetch().revision
'3'
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import takewhile
from typing import Any, Final, Generic, Protocol, TypeVar

import attrs

from . import limits
from .acl import Flag, authorize
from .engine import Engine
from .errors import fail
from .lookup import expiry_after, resolve_object, resolve_service
from .objects import ObjectKind
from .paging import Cursor, Page, Position, read_page, stream_records
from .params import UNSET, check_bounds, check_if_match, check_order, given, pick_ttl
from .payload import JsonObject, decode_data, encode_data
from .rows import ItemRow, ObjectRow

__all__ = ["ItemContext", "ItemKind", "ItemList", "item_fields"]

R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)
C = TypeVar("C")

Place = str | int

#: The ``key`` of an item that goes at the end of its List.
APPEND: Final = object()


@attrs.frozen
class ItemKind(Generic[R]):
    """What tells Map Items from List Items."""

    kind: str  # the rows' kind: "map_item" or "list_item"
    label: str  # in messages: "Map Item", "List Item"
    container: ObjectKind[Any]  # the Map or List kind
    missing_data: str  # the error key for null data (54206, 54156)
    place: Callable[[object], Place]  # checks an item's key or index (400 if bad)
    record: RecordMaker[R]


class RecordMaker(Protocol[R_co]):
    """Makes an item's record from its row (and ``data``, a fresh copy, when at hand)."""

    def __call__(self, engine: Engine, row: ItemRow, data: JsonObject | None = None) -> R_co:
        """The record of ``row``; ``data`` saves decoding the row's JSON again."""
        ...


def item_fields(engine: Engine, row: ItemRow, data: JsonObject | None = None) -> dict[str, Any]:
    """The fields a Map Item's and a List Item's records share, from its row.

    ``data`` is a fresh copy of the row's data that the caller already holds (a create
    has one from validating it); otherwise the row's JSON is decoded.
    """
    return {
        "account_sid": engine.account_sid,
        "service_sid": row.service_sid,
        "revision": str(row.revision),
        "data": decode_data(row.data) if data is None else data,
        "date_expires": row.date_expires,
        "date_created": row.date_created,
        "date_updated": row.date_updated,
        "created_by": row.created_by,
    }


def _listing(
    kind: str, container_sid: str, descending: bool, start: Place | None, inclusive: bool
) -> str:
    """The scope of an item listing: its container and fixed parameters, as page tokens keep it."""
    return json.dumps(
        [kind, container_sid, "desc" if descending else "asc", start, inclusive],
        separators=(",", ":"),
        ensure_ascii=False,
    )


class _InContainer(Generic[R]):
    """What the items list and an item context share: their Map or List, as addressed."""

    def __init__(
        self,
        engine: Engine,
        service: str,
        container: str,
        spec: ItemKind[R],
        identity: str = "system",
    ) -> None:
        self._engine = engine
        self._service = service
        self._container = container
        self._spec = spec
        self._identity = identity

    @property
    def _path(self) -> str:
        collection = self._spec.container.collection
        return f"/Services/{self._service}/{collection}/{self._container}/Items"

    def _container_row(self, now: datetime, flag: Flag) -> ObjectRow:
        """The Map or List (404 naming this path), if the identity has ``flag`` (403)."""
        return find_container(
            self._engine,
            now,
            self._service,
            self._container,
            self._spec,
            self._path,
            self._identity,
            flag,
        )


class ItemList(_InContainer[R], ABC, Generic[R, C]):
    """The items of one Map or List: listing with order/from/bounds, and lookup."""

    def _create(
        self,
        data: object,
        ttl: object,
        item_ttl: object,
        collection_ttl: object,
        key: object = APPEND,
    ) -> R:
        """Add an item at ``key`` (a Map) or, by default, at the end (a List).

        Checks, in order: the container (404), the key, data and TTLs (400/413), then
        a taken key (409) or a full List (400).
        """
        spec, engine = self._spec, self._engine
        with engine.operation() as now:
            container = self._container_row(now, "write")
            place = None if key is APPEND else spec.place(key)
            text, copy = encode_data(data, missing=spec.missing_data)
            seconds = pick_ttl(item_ttl, ttl, "item_ttl") or 0
            parent_ttl = pick_ttl(collection_ttl, UNSET, "collection_ttl")
            store = engine.store
            if place is None:
                if container.item_count >= limits.MAX_LIST_ITEMS:
                    raise fail(
                        "parameter_invalid",
                        detail=f"a List holds at most {limits.MAX_LIST_ITEMS:,} items",
                    )
                place = container.next_index
            elif store.item(spec.kind, container.service_sid, container.sid, place) is not None:
                raise fail("map_key_taken", detail=f"the key {place!r} is taken")
            row = ItemRow(
                kind=spec.kind,
                service_sid=container.service_sid,
                container_sid=container.sid,
                position=place,
                date_created=now,
                date_updated=now,
                created_by=self._identity,
                data=text,
                date_expires=expiry_after(now, seconds),
            )
            store.put_item(row, old=None)
            following = place + 1 if isinstance(place, int) else 0
            before = container
            container = touched(
                container,
                now,
                parent_ttl,
                item_count=container.item_count + 1,
                next_index=max(container.next_index, following),
            )
            store.put_object(container, old=before)
            engine.emit(
                f"{spec.kind}_added",
                container,
                identity=self._identity,
                when=now,
                item=row,
                data=text,
            )
            return spec.record(engine, row, copy)

    def page(
        self,
        order: object = None,
        from_: object = None,
        bounds: object = None,
        page_token: object = None,
        page_number: object = None,
        page_size: object = None,
    ) -> Page[R]:
        """One page of items in key (or index) order, from ``from_``.

        ``order`` is ``asc`` (default) or ``desc``; in ``desc`` order ``from_`` is the
        upper end. ``bounds`` ``inclusive`` (default) starts at ``from_``, ``exclusive``
        just past it; ``from_`` need not name an item. A page token keeps the order,
        ``from_`` and ``bounds`` of its listing: given without them it reads them from
        the token, given with others it is 400/54453. Cost: O(log n + page size).

        Raises:
            NotFoundError: 20404, no such service or container.
            InvalidParameterError: 54451 order, 54452 bounds, 54209/54458 from_,
                54453 page token, 54454 page size.
        """
        spec, engine = self._spec, self._engine
        with engine.operation() as now:
            container = self._container_row(now, "read")  # a missing container is 404 first
            if (
                given(page_token)
                and page_token != ""
                and not (given(order) or given(from_) or given(bounds))
            ):
                order, from_, bounds = _fixed_parameters(page_token, spec.kind)
            descending = check_order(order)
            inclusive = check_bounds(bounds)
            start = spec.place(from_) if given(from_) and from_ != "" else None

            def in_listing(position: Place) -> bool:
                if start is None or position == start:
                    return start is None or inclusive
                before = position < start  # type: ignore[operator]  # one kind per listing
                return before if descending else not before

            def fetch_slice(
                after: Position | None, backwards: bool, limit: int
            ) -> list[tuple[Position, R]]:
                if after is None:
                    begin, inclusive_begin = start, inclusive
                else:
                    begin, inclusive_begin = after[0], False
                rows = engine.store.items_from(
                    spec.kind,
                    container.service_sid,
                    container.sid,
                    begin,
                    inclusive=inclusive_begin,
                    reverse=descending != backwards,
                    limit=limit,
                )
                if backwards:  # never step back past from_: it bounds the listing
                    rows = list(takewhile(lambda row: in_listing(row.position), rows))
                return [((row.position,), spec.record(engine, row)) for row in rows]

            return read_page(
                scope=_listing(spec.kind, container.sid, descending, start, inclusive),
                page_token=page_token,
                page_number=page_number,
                page_size=page_size,
                fetch_slice=fetch_slice,
                fetch=lambda token: self.page(
                    order=order, from_=from_, bounds=bounds, page_token=token
                ),
            )

    def stream(
        self,
        order: object = None,
        from_: object = None,
        bounds: object = None,
        limit: int | None = None,
        page_size: int | None = None,
    ) -> Iterator[R]:
        """The items one at a time, reading a page at a time; at most ``limit``."""
        return stream_records(
            lambda size: self.page(order=order, from_=from_, bounds=bounds, page_size=size),
            limit,
            page_size,
        )

    def list(
        self,
        order: object = None,
        from_: object = None,
        bounds: object = None,
        limit: int | None = None,
        page_size: int | None = None,
    ) -> list[R]:
        """The items as a list (see :meth:`page` for the parameters); at most ``limit``."""
        return list(
            self.stream(order=order, from_=from_, bounds=bounds, limit=limit, page_size=page_size)
        )

    @abstractmethod
    def _context(self, place: object) -> C:
        """The context class of this kind (each concrete list names its own)."""

    def get(self, place: object) -> C:
        """The item with this key (or index), looked up when used."""
        return self._context(place)

    def __call__(self, place: object) -> C:
        """The item with this key (or index), looked up when used."""
        return self._context(place)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._path}>"


def _fixed_parameters(token: object, kind: str) -> tuple[object, object, object]:
    """The order, from and bounds a page token's listing was made with."""
    scope = Cursor.parse(token, scope=None).scope
    try:
        token_kind, _, order, start, inclusive = json.loads(scope)
    except (ValueError, TypeError):
        raise fail(
            "page_token_invalid", detail="the page token is not of an item listing"
        ) from None
    if token_kind != kind:
        raise fail("page_token_invalid", detail="the page token is not of this listing")
    return order, start, "inclusive" if inclusive else "exclusive"


def find_container(
    engine: Engine,
    now: datetime,
    service: str,
    container: str,
    spec: ItemKind[R],
    path: str,
    identity: str,
    flag: Flag,
) -> ObjectRow:
    """The Map or List addressed, if ``identity`` has ``flag`` on it.

    A 404 names ``path``, the whole path addressed; a denial is 403/54007.
    """
    kind = spec.container
    service_row = resolve_service(engine, now, service, path)
    row = resolve_object(engine, service_row.sid, kind.kind, kind.prefix, container, path)
    authorize(engine, service_row, identity, flag, path, row)
    return row


def touched(
    container: ObjectRow,
    now: datetime,
    collection_ttl: int | None,
    *,
    item_count: int | None = None,
    next_index: int | None = None,
) -> ObjectRow:
    """The container after a change of one of its items: one revision more, updated now.

    ``collection_ttl``, when given, sets its expiry (0 clears it).
    """
    expires = (
        container.date_expires if collection_ttl is None else expiry_after(now, collection_ttl)
    )
    # Built field by field rather than with attrs.evolve: this runs on every item write.
    return ObjectRow(
        kind=container.kind,
        sid=container.sid,
        service_sid=container.service_sid,
        seq=container.seq,
        date_created=container.date_created,
        date_updated=now,
        created_by=container.created_by,
        revision=container.revision + 1,
        unique_name=container.unique_name,
        data=container.data,
        date_expires=expires,
        item_count=container.item_count if item_count is None else item_count,
        next_index=container.next_index if next_index is None else next_index,
    )


class ItemContext(_InContainer[R]):
    """One item of a Map or List, by key or index: fetch, update, delete."""

    def __init__(
        self,
        engine: Engine,
        service: str,
        container: str,
        place: object,
        spec: ItemKind[R],
        identity: str = "system",
    ) -> None:
        super().__init__(engine, service, container, spec, identity)
        self._place = place

    @property
    def _path(self) -> str:
        return f"{super()._path}/{self._place}"

    def _find(self, now: datetime, flag: Flag) -> tuple[ObjectRow, Place]:
        """The container (404 if missing, 403 without ``flag``) and the checked key (400)."""
        return self._container_row(now, flag), self._spec.place(self._place)

    def _item(self, container: ObjectRow, place: Place) -> ItemRow:
        row = self._engine.store.item(self._spec.kind, container.service_sid, container.sid, place)
        if row is None:
            raise fail("not_found", path=self._path)
        return row

    def _check_revision(self, row: ItemRow, expected: str | None) -> None:
        if expected is not None and expected != str(row.revision):
            raise fail(
                "revision_mismatch",
                kind=self._spec.label,
                detail=f"If-Match is {expected!r}, the revision is {str(row.revision)!r}",
            )

    def fetch(self) -> R:
        """The item now. Cost: O(log n).

        Raises:
            NotFoundError: 20404, no such service, container or item (or it expired).
            InvalidParameterError: 54209/54458, a malformed key or index.
        """
        with self._engine.operation() as now:
            container, place = self._find(now, "read")
            return self._spec.record(self._engine, self._item(container, place))

    def update(
        self,
        if_match: object = UNSET,
        data: object = UNSET,
        ttl: object = UNSET,
        item_ttl: object = UNSET,
        collection_ttl: object = UNSET,
    ) -> R:
        """Replace the item's data and/or TTL; its revision and its container's go up by one.

        With ``if_match``, only if the item's revision is still that one. Updating only
        the data keeps ``date_expires``. ``collection_ttl`` sets the container's expiry
        and is accepted only together with ``data`` or a TTL. Cost: O(log n).

        Raises:
            NotFoundError: 20404, no such service, container or item.
            InvalidParameterError: 54010 nothing to change, 20001 ``collection_ttl``
                alone, 54003 If-Match, 54008/54206/54156 data, 54011 a TTL.
            PayloadTooLargeError: 54006.
            PreconditionFailedError: 20412, ``if_match`` is not the item's revision.
        """
        engine = self._engine
        with engine.operation() as now:
            container, place = self._find(now, "write")
            seconds = pick_ttl(item_ttl, ttl, "item_ttl")
            if not given(data) and seconds is None:
                if given(collection_ttl):
                    raise fail(
                        "parameter_invalid",
                        detail="collection_ttl is accepted only together with data or a ttl",
                    )
                raise fail("no_parameters", detail="give data, item_ttl (or ttl), or both")
            expected = check_if_match(if_match)
            text = encode_data(data, missing=self._spec.missing_data)[0] if given(data) else None
            parent_ttl = pick_ttl(collection_ttl, UNSET, "collection_ttl")
            row = self._item(container, place)
            self._check_revision(row, expected)
            new = attrs.evolve(
                row,
                data=row.data if text is None else text,
                revision=row.revision + 1,
                date_updated=now,
                date_expires=row.date_expires if seconds is None else expiry_after(now, seconds),
            )
            engine.store.put_item(new, old=row)
            before = container
            container = touched(container, now, parent_ttl)
            engine.store.put_object(container, old=before)
            engine.emit(
                f"{new.kind}_updated",
                container,
                identity=self._identity,
                when=now,
                item=new,
                data=new.data,
                previous=row.data,
            )
            return self._spec.record(engine, new)

    def delete(self, if_match: object = UNSET) -> bool:
        """Remove the item (only at revision ``if_match``, when given); True.

        The container's revision goes up by one. Cost: O(log n).

        Raises:
            NotFoundError: 20404, no such service, container or item.
            InvalidParameterError: 54003 If-Match, 54209/54458 key or index.
            PreconditionFailedError: 20412, ``if_match`` is not the item's revision.
        """
        engine = self._engine
        with engine.operation() as now:
            container, place = self._find(now, "write")
            expected = check_if_match(if_match)
            row = self._item(container, place)
            self._check_revision(row, expected)
            container = engine.store.remove_item(row, container, now)
            engine.emit(
                f"{row.kind}_removed",
                container,
                identity=self._identity,
                when=now,
                item=row,
                previous=row.data,
            )
            return True

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._path}>"
