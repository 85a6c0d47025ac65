"""The items of Maps and Lists: one ordered-collection mechanism, used twice.

A Map's items are addressed and ordered by ``key`` (a string, in code-point order); a
List's by ``index`` (an integer the List assigns when an item is appended: 0, 1, 2,
... never reused). Everything else is the same and lives here once: the data and its
limits, the item's own revision and ``If-Match``, ``item_ttl`` (``ttl`` is its alias,
ignored when both are given), ``collection_ttl`` (which sets the container's expiry),
and listings with ``order``, ``from_`` and ``bounds``. :class:`ItemKind` holds what
differs, as data and hooks (how a key or index is checked, where a new item goes and
what is refused there); ``maps.py`` and ``lists.py`` define the two kinds and name the
classes users see.

Every change of an item is a change of its container too: the container's revision
goes up by one and its ``date_updated`` becomes now (:mod:`sync_core.containers`).

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

from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import takewhile
from typing import Any, Final, Generic, NamedTuple, Protocol, TypeVar

import attrs

from .acl import Flag
from .actor import Actor
from .containers import remove_item, touched
from .errors import (
    NO_PARAMETERS,
    NOT_FOUND,
    PAGE_TOKEN_INVALID,
    PARAMETER_INVALID,
    REVISION_MISMATCH,
    ErrorSpec,
    SyncError,
)
from .events import Change, new_change
from .instances import acting, stream_twin, twin
from .limits import Limits
from .listing import Addressing, Listing, Source, gathered
from .objects import ObjectKind, OfObject
from .paging import Cursor, Page, Position, Scope
from .params import (
    UNSET,
    Unset,
    check_bounds,
    check_if_match,
    check_order,
    expiry_after,
    given,
    pick_ttl,
    ttl_given,
)
from .payload import JsonData, JsonObject, encode_data
from .rows import ItemRow, ObjectRow, build_item_row
from .store import Store

__all__ = [
    "ItemContext",
    "ItemFilters",
    "ItemInstance",
    "ItemKind",
    "ItemList",
    "touched",
    "updated_item",
]

R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)
C = TypeVar("C")

#: Where an item stands in its container: a Map Item's key, a List Item's index.
Place = str | int
#: The place type of one kind: ``str`` for Map Items, ``int`` for List Items.
P = TypeVar("P", bound=Place)


class RecordMaker(Protocol[R_co]):
    """Makes an item's record from its row (and ``data``, a fresh copy, when at hand)."""

    def __call__(self, actor: Actor, row: ItemRow, data: JsonObject | None = None) -> R_co:
        """The record of ``row``; ``data`` saves decoding the row's JSON again."""
        ...


@attrs.frozen(eq=False)
class ItemKind(Generic[R]):
    """What tells Map Items from List Items: their container, codes and hooks."""

    container: ObjectKind[Any]  # the Map or List kind
    missing_data: ErrorSpec  # the error of null data (54206, 54156)
    place_type: type[str] | type[int]  # what a key or index is
    #: Checks the key or index an address names (400 if malformed), under the Sync's
    #: limits (a key's length).
    place: Callable[[object, Limits], Place]
    #: Checks what a create asks for: the key of a Map Item; nothing for a List Item
    #: (None: the container chooses).
    new_place: Callable[[object, Limits], Place | None]
    #: Where a new item goes in ``container``, and the container's next index after it
    #: (a Map's stays as it is); refuses a taken key (409) or a full List (400, under
    #: the Sync's limits).
    allot: Callable[[Store, ObjectRow, Place | None, Limits], tuple[Place, int]]
    record: RecordMaker[R]
    #: The REST JSON text of an item's row, its ``url`` under a base (``(row,
    #: account_sid, base)``): what its record's ``to_dict`` holds, written straight from
    #: the row (the REST adapter's answers).
    json: Callable[[ItemRow, str, str], str]
    #: The rows' kind: ``map_item`` or ``list_item`` (made once: it is read on every call).
    kind: str = attrs.field(
        init=False, default=attrs.Factory(lambda spec: f"{spec.container.kind}_item", True)
    )
    #: Its name in messages: "Map Item", "List Item".
    label: str = attrs.field(
        init=False, default=attrs.Factory(lambda spec: f"{spec.container.label} Item", True)
    )
    #: The type of an item's added event: ``map_item_added``, ``list_item_added``.
    added: str = attrs.field(
        init=False, default=attrs.Factory(lambda spec: f"{spec.kind}_added", True)
    )
    #: The type of an item's updated event: ``map_item_updated``, ``list_item_updated``.
    updated: str = attrs.field(
        init=False, default=attrs.Factory(lambda spec: f"{spec.kind}_updated", True)
    )


#: A :class:`Change`'s last fields (message SID, expired, recorded) for an item's own
#: add or update: what :func:`~sync_core.events.new_change` is given after the others.
_NO_MESSAGE: Final = (None, False, None)


def updated_item(row: ItemRow, when: datetime, data: str, expires: datetime | None) -> ItemRow:
    """``row`` updated at ``when``: its new data and expiry, one revision more; its
    ``date_updated`` never earlier than it was (a clock of your own that stepped back).

    Built positionally (:data:`~sync_core.rows.build_item_row`) rather than with
    :func:`attrs.evolve` (this runs on every item update);
    ``tests/unit/test_hot_paths.py`` checks it is what ``attrs.evolve`` gives.
    """
    return build_item_row(
        row.kind,
        row.service_sid,
        row.container_sid,
        row.position,
        row.date_created,
        when if when >= row.date_updated else row.date_updated,
        row.created_by,
        data,
        row.revision + 1,
        expires,
    )


class ItemFilters(NamedTuple):
    """An item listing's ``order``, ``from_`` and ``bounds``, as the caller gave them."""

    order: str | Unset | None = UNSET
    from_: Place | Unset | None = UNSET
    bounds: str | Unset | None = UNSET

    @property
    def given(self) -> bool:
        """Whether any of the three was given."""
        return given(self.order) or given(self.from_) or given(self.bounds)


class _InContainer(OfObject[ItemKind[R]]):
    """What the items list and an item context share: their Map or List, as addressed
    (made as an :class:`~sync_core.objects.OfObject` of the container's kind)."""

    @property
    def _path(self) -> str:
        return f"{self._object_path}/Items"

    def _container_row(self, now: datetime, flag: Flag) -> ObjectRow:
        """The Map or List (404 naming this path), if the identity has ``flag`` (403)."""
        return self._object(now, flag, self._where)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._path}>"


class ItemList(_InContainer[R], Listing[R, ItemFilters], Addressing[P, C], Generic[R, C, P]):
    """The items of one Map or List: create, listing with order/from/bounds, and lookup."""

    def _create(
        self,
        data: JsonData | None,
        ttl: int | Unset | None,
        item_ttl: int | Unset | None,
        collection_ttl: int | Unset | None,
        key: object = None,
    ) -> R:
        """Add an item at ``key`` (a Map), or where the List puts it (its end).

        Checks, in order: the container (404), the key, data and TTLs (400/413), then
        where the item goes (409 a taken key, 400 a full List).
        """
        spec, actor = self._spec, self._actor
        engine = actor.engine
        limits = engine.limits
        with engine.operation("create", self) as now:
            container = self._object(now, "write", self._where)  # _container_row, inline
            asked = spec.new_place(key, limits)
            text, copy = encode_data(data, limit=limits.data_bytes, missing=spec.missing_data)
            # No TTL given, the common case, without the calls that would find so.
            neither = item_ttl is UNSET and ttl is UNSET
            seconds = 0 if neither else pick_ttl(item_ttl, ttl, "item_ttl") or 0
            parent_ttl = (
                None
                if collection_ttl is UNSET
                else pick_ttl(collection_ttl, UNSET, "collection_ttl")
            )
            store = engine.store
            place, next_index = spec.allot(store, container, asked, limits)
            # Positional (kind, service, container, position, created, updated, by, data,
            # revision, expires): a hot path.
            row = build_item_row(
                spec.kind,
                container.service_sid,
                container.sid,
                place,
                now,
                now,
                actor.identity,
                text,
                0,
                None if neither else expiry_after(now, seconds),  # no TTL given: none
            )
            store.put_item(row, None)
            before = container
            # (container, when, collection_ttl, item_count, next_index), positionally.
            container = touched(container, now, parent_ttl, container.item_count + 1, next_index)
            store.put_object(container, before)
            engine.emit(
                # Change(type, row, identity, when, item, data), made as the tuple it is
                # (events.new_change, every field in order): a hot path.
                new_change(
                    (spec.added, container, actor.identity, now, row, text, None, *_NO_MESSAGE)
                )
            )
            return spec.record(actor, row, copy)

    def _source(self, now: datetime, filters: ItemFilters, page_token: object) -> Source[R]:
        """The items in key (or index) order from ``from_`` (404 without the container)."""
        spec, engine = self._spec, self._actor.engine
        container = self._container_row(now, "read")  # a missing container is 404 first
        name = f"{spec.kind}:{container.service_sid}:{container.sid}"  # a SID is a Service's
        if given(page_token) and page_token != "" and not filters.given:
            # A token alone keeps the order, from_ and bounds of the listing it came from.
            scope = Cursor.parse(page_token, scope=None).scope
            if scope.name != name or not isinstance(scope.start, spec.place_type | None):
                raise PAGE_TOKEN_INVALID.error("the page token is not of this listing")
            if scope.start is not None:  # its from_ is one a query's would be (a forgery's not)
                try:
                    spec.place(scope.start, engine.limits)
                except SyncError:
                    raise PAGE_TOKEN_INVALID.error(
                        "the page token is not of this listing"
                    ) from None
        else:
            descending = check_order(filters.order)
            inclusive = check_bounds(filters.bounds)
            start = (
                spec.place(filters.from_, engine.limits)
                if given(filters.from_) and filters.from_ != ""
                else None
            )
            scope = Scope(name, descending, start, inclusive)
        start, descending, inclusive = scope.start, scope.descending, scope.inclusive

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
            return [((row.position,), spec.record(self._actor, row)) for row in rows]

        return Source(scope, fetch_slice, spec.place_type)

    def page(
        self,
        order: str | Unset | None = UNSET,
        from_: P | Unset | None = UNSET,
        bounds: str | Unset | None = UNSET,
        page_token: str | Unset | None = UNSET,
        page_number: int | Unset | None = UNSET,
        page_size: int | Unset | None = UNSET,
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
        filters = ItemFilters(order, from_, bounds)
        return self._page(filters, page_token, page_number, page_size)

    def stream(
        self,
        order: str | Unset | None = UNSET,
        from_: P | Unset | None = UNSET,
        bounds: str | Unset | None = UNSET,
        limit: int | None = None,
        page_size: int | None = None,
    ) -> Iterator[R]:
        """The items one at a time, reading a page at a time; at most ``limit``."""
        return self._stream(ItemFilters(order, from_, bounds), limit, page_size)

    list = gathered(stream)
    page_async = twin(page)
    stream_async = stream_twin(stream)
    list_async = twin(list)


class ItemContext(_InContainer[R]):
    """One item of a Map or List, by key or index: fetch, update, delete."""

    def __init__(self, actor: Actor, container: str, place: Place, spec: ItemKind[R]) -> None:
        # OfObject.__init__'s fields, set here: a context is made for every item call.
        self._actor = actor
        self._ident = container
        self._kind = spec.container
        self._spec = spec
        self._place = place

    @property
    def _path(self) -> str:
        return f"{super()._path}/{self._place}"

    def _find(self, now: datetime, flag: Flag) -> tuple[ObjectRow, Place]:
        """The container (404 if missing, 403 without ``flag``) and the checked key (400)."""
        container = self._object(now, flag, self._where)  # _container_row, one call less
        return container, self._spec.place(self._place, self._actor.engine.limits)

    def _item(self, container: ObjectRow, place: Place) -> ItemRow:
        row = self._actor.engine.store.item(
            self._spec.kind, container.service_sid, container.sid, place
        )
        if row is None:
            raise NOT_FOUND.error(self._path)
        return row

    def _check_revision(self, row: ItemRow, expected: str | None) -> None:
        if expected is not None and expected != str(row.revision):
            raise REVISION_MISMATCH.error(
                self._spec.label,
                f"If-Match is {expected!r}, the revision is {str(row.revision)!r}",
            )

    def fetch(self) -> R:
        """The item now. Cost: O(log n).

        Raises:
            NotFoundError: 20404, no such service, container or item (or it expired).
            InvalidParameterError: 54209/54458, a malformed key or index.
        """
        engine = self._actor.engine
        with engine.operation("fetch", self) as now:
            # _find(), inline: the container (404, 403), then the key (400).
            container = self._object(now, "read", self._where)
            place = self._spec.place(self._place, engine.limits)
            return self._spec.record(self._actor, self._item(container, place))

    def update(
        self,
        if_match: str | Unset | None = UNSET,
        data: JsonData | Unset | None = UNSET,
        ttl: int | Unset | None = UNSET,
        item_ttl: int | Unset | None = UNSET,
        collection_ttl: int | Unset | None = UNSET,
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
        actor = self._actor
        engine = actor.engine
        with engine.operation("update", self) as now:
            container, place = self._find(now, "write")
            seconds = pick_ttl(item_ttl, ttl, "item_ttl")
            if not given(data) and seconds is None:
                if ttl_given(collection_ttl):
                    raise PARAMETER_INVALID.error(
                        "collection_ttl is accepted only together with data or a ttl"
                    )
                raise NO_PARAMETERS.error("give data, item_ttl (or ttl), or both")
            expected = check_if_match(if_match)
            missing = self._spec.missing_data
            text, copy = (
                encode_data(data, limit=engine.limits.data_bytes, missing=missing)
                if given(data)
                else (None, None)
            )
            parent_ttl = pick_ttl(collection_ttl, UNSET, "collection_ttl")
            row = self._item(container, place)
            self._check_revision(row, expected)
            new = updated_item(
                row,
                now,
                row.data if text is None else text,
                row.date_expires if seconds is None else expiry_after(now, seconds),
            )
            engine.store.put_item(new, row)
            before = container
            container = touched(container, now, parent_ttl)
            engine.store.put_object(container, before)
            engine.emit(
                # Change(type, row, identity, when, item, data, previous), as the tuple it
                # is (events.new_change, every field in order): a hot path.
                new_change(
                    (
                        self._spec.updated,
                        container,
                        actor.identity,
                        now,
                        new,
                        new.data,
                        row.data,
                        *_NO_MESSAGE,
                    )
                )
            )
            return self._spec.record(self._actor, new, copy)  # the copy saves a decode

    def delete(self, if_match: str | Unset | None = UNSET) -> bool:
        """Remove the item (only at revision ``if_match``, when given); True.

        The container's revision goes up by one. Cost: O(log n).

        Raises:
            NotFoundError: 20404, no such service, container or item.
            InvalidParameterError: 54003 If-Match, 54209/54458 key or index.
            PreconditionFailedError: 20412, ``if_match`` is not the item's revision.
        """
        actor = self._actor
        engine = actor.engine
        with engine.operation("delete", self) as now:
            container, place = self._find(now, "write")
            expected = check_if_match(if_match)
            row = self._item(container, place)
            self._check_revision(row, expected)
            container = remove_item(engine.store, row, container, now)
            engine.emit(
                Change(
                    f"{row.kind}_removed",
                    container,
                    identity=actor.identity,
                    when=now,
                    item=row,
                    previous=row.data,
                )
            )
            return True

    fetch_async = twin(fetch)
    update_async = twin(update)
    delete_async = twin(delete)


class ItemInstance:
    """What a Map Item's or List Item's record does, through its context (the record is
    an :class:`~sync_core.instances.Instance` of it): ``fetch``, ``update``, ``delete``
    and their ``_async`` twins."""

    fetch, fetch_async = acting(ItemContext.fetch)
    update, update_async = acting(ItemContext.update)
    delete, delete_async = acting(ItemContext.delete)
