"""The tables sync_core keeps in a Storage, and the indexes that keep them fast.

Every row is written together with its index entries, in one place, so that the
indexes cannot drift from the rows:

========================  =====================================  =================
table                     key                                    value
========================  =====================================  =================
``services``              ``(sid,)``                             :class:`ServiceRow`
``service_order``         ``(seq,)``                             sid
``service_names``         ``(unique_name,)``                     sid
``objects``               ``(service_sid, sid)``                 :class:`ObjectRow`
``object_order``          ``(service_sid, kind, seq)``           sid
``object_names``          ``(service_sid, kind, unique_name)``   sid
``expiry``                ``(expires_us, service_sid, sid)``     kind
``map_items``             ``(service_sid, map_sid, key)``        :class:`ItemRow`
``list_items``            ``(service_sid, list_sid, index)``     :class:`ItemRow`
``map_item_expiry``       ``(expires_us, service_sid, map_sid,   kind
                          key)``
``list_item_expiry``      ``(expires_us, service_sid, list_sid,  kind
                          index)``
``permissions``           ``(service_sid, object_sid, identity)``  :class:`PermissionRow`
``counters``              ``(name,)``                            int [#a]_
``changes``               ``(service_sid, sequence)``            :class:`SyncEvent` [#]_
========================  =====================================  =================

``seq`` numbers come from persistent counters and give listings their creation order;
``expires_us`` is the expiry instant in microseconds since the epoch, so that the
objects due at ``now`` are the first entries of ``expiry`` (no scan of everything).
The change feed (:mod:`sync_core.changes`) keeps every committed event in ``changes``,
in sequence order within its service.

Map and List items live in tables of their own (a key is a ``str``, an index an
``int``: within a table a key position always holds one type), ordered by key or index
within their container, which is what item listings page through.

The store holds no Sync rules: what a change means (a container's revision when an
item goes, who may do what, when something expires) lives in the modules named after
it; the store only keeps every row and its index entries together.

.. [#a] And one ``str``: under ``("account",)``, the account whose state the storage
   holds (:meth:`Store.claim_account`).
.. [#] In a :class:`~sync_core.storage.MemoryStorage` (the class itself, which keeps
   values as they are, never encoded), an event nobody listened to is kept unbuilt:
   the tuple of its field values (:func:`~sync_core.events.event_fields`), one C
   call to make and, holding only plain values, not followed by the garbage
   collector; a read builds the :class:`SyncEvent`, equal to the one built at once.
   Any other storage, a subclass of ``MemoryStorage`` too, is given the
   :class:`SyncEvent`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Final, NamedTuple, cast

from .events import Change, SyncEvent, event_fields, event_from_fields, make_event
from .rows import ItemRow, ObjectRow, PermissionRow, ServiceRow
from .storage.base import Key, RangeDeletes, Snapshots, Storage
from .storage.memory import MemoryStorage

__all__ = ["ITEM_KIND", "ITEM_TABLES", "TABLES", "Store", "history_counter", "micros"]

SERVICES: Final = "services"
SERVICE_ORDER: Final = "service_order"
SERVICE_NAMES: Final = "service_names"
OBJECTS: Final = "objects"
OBJECT_ORDER: Final = "object_order"
OBJECT_NAMES: Final = "object_names"
EXPIRY: Final = "expiry"
COUNTERS: Final = "counters"
PERMISSIONS: Final = "permissions"
CHANGES: Final = "changes"
#: When the feed's events dated before their commit (expiries removed after their
#: instant) were committed, in microseconds: what their age is judged by.
CHANGE_TIMES: Final = "change_times"
#: The entry of ``counters`` naming the account whose state the storage holds.
ACCOUNT: Final = "account"
#: Item kind -> (its table, its expiry table).
ITEM_TABLES: Final = {
    "map_item": ("map_items", "map_item_expiry"),
    "list_item": ("list_items", "list_item_expiry"),
}
#: Every kind of object, each numbered by a counter of its service.
OBJECT_KINDS: Final = ("document", "map", "list", "stream")
#: Container kind -> the kind of its items.
ITEM_KIND: Final = {"map": "map_item", "list": "list_item"}
#: Every table the store keeps.
TABLES: Final = (
    SERVICES,
    SERVICE_ORDER,
    SERVICE_NAMES,
    OBJECTS,
    OBJECT_ORDER,
    OBJECT_NAMES,
    EXPIRY,
    *(table for tables in ITEM_TABLES.values() for table in tables),
    PERMISSIONS,
    COUNTERS,
    CHANGES,
    CHANGE_TIMES,
)

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def micros(when: datetime) -> int:
    """Microseconds from the epoch to ``when``: an exact, orderable integer.

    >>> micros(datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC))
    1000000
    """
    delta = when - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


#: How many services' event counter keys a :class:`Store` keeps made.
_MOST_EVENT_KEYS: Final = 1_024


class Store:
    """Typed access to the tables of a :class:`~sync_core.storage.Storage`."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        #: The key of each service's event counter (:meth:`_event_key`).
        self._event_keys: dict[str, tuple[str]] = {}
        # Whether the storage snapshots, restores and clears itself (asked once: a
        # check against a runtime protocol costs microseconds).
        self._snapshots = isinstance(storage, Snapshots)
        # Its delete_range, when it offers one (:class:`~sync_core.storage.base.RangeDeletes`)
        # that goes with its delete (see _own_range_deletes).
        self._delete_range: Callable[[str, Key, Key], int] | None = (
            cast(RangeDeletes, storage).delete_range if _own_range_deletes(storage) else None
        )
        # Whether it keeps values as they are (the feed's events may be kept unbuilt):
        # a MemoryStorage itself; a subclass may encode what it is given.
        self._keeps_objects = type(storage) is MemoryStorage
        #: Told the key of every expiry entry written (its instant in microseconds
        #: first), so that the expiry floor (:class:`~sync_core.expiry.Expiry`) can
        #: follow it.
        self.on_expiry: Callable[[Key], None] = _ignore

    # -- the whole state ----------------------------------------------------------

    def snapshot(self) -> object:
        """Every table's entries now: the storage's own snapshot when it offers
        :class:`~sync_core.storage.base.Snapshots`, else a copy read table by table."""
        if self._snapshots:
            return cast(Snapshots, self.storage).snapshot()
        return _Copy({table: tuple(self.storage.scan(table, ())) for table in TABLES})

    def restore(self, snapshot: object) -> None:
        """Make every table hold what it held at ``snapshot`` (:meth:`snapshot`'s)."""
        if isinstance(snapshot, _Copy):
            with self.storage.atomic():
                self._clear_each()
                for table, entries in snapshot.tables.items():
                    for key, value in entries:
                        self.storage.put(table, key, value)
        elif self._snapshots:
            cast(Snapshots, self.storage).restore(snapshot)
        else:
            raise TypeError(f"{self.storage!r} cannot restore {snapshot!r}")

    def clear(self) -> None:
        """Remove every entry of every table."""
        if self._snapshots:
            cast(Snapshots, self.storage).clear()
            return
        with self.storage.atomic():
            self._clear_each()

    def _clear_each(self) -> None:
        for table in TABLES:
            for key in [key for key, _ in self.storage.scan(table, ())]:
                self.storage.delete(table, key)

    # -- counters ---------------------------------------------------------------

    def next_seq(self, name: str) -> int:
        """The next number of the persistent counter ``name`` (1, 2, 3, ...)."""
        current: int = self.storage.get(COUNTERS, (name,)) or 0  # type: ignore[assignment]
        self.storage.put(COUNTERS, (name,), current + 1)
        return current + 1

    def next_event(self, service_sid: str) -> int:
        """The next number of the event counter of ``service_sid`` (:meth:`next_seq` of
        ``events:<sid>``, its key made once a service: this runs on every write)."""
        key = self._event_key(service_sid)
        current: int = self.storage.get(COUNTERS, key) or 0  # type: ignore[assignment]
        self.storage.put(COUNTERS, key, current + 1)
        return current + 1

    def _event_key(self, service_sid: str) -> tuple[str]:
        """The key of the event counter of ``service_sid``: made once (for the last
        :data:`_MOST_EVENT_KEYS` services; the cache starts again when full)."""
        key = self._event_keys.get(service_sid)
        if key is None:
            if len(self._event_keys) >= _MOST_EVENT_KEYS:
                self._event_keys.clear()
            key = self._event_keys[service_sid] = (f"events:{service_sid}",)
        return key

    def claim_account(self, account_sid: str) -> str:
        """The account whose state the storage holds: ``account_sid`` if it held none or
        that one (written down now, again: a storage this process cannot write fails
        here, at once), else the one written before. Call inside a transaction."""
        held: str | None = self.storage.get(COUNTERS, (ACCOUNT,))  # type: ignore[assignment]
        if held is None or held == account_sid:
            self.storage.put(COUNTERS, (ACCOUNT,), account_sid)
            return account_sid
        return held

    # -- services ---------------------------------------------------------------

    def service(self, sid: str) -> ServiceRow | None:
        """The service with this sid."""
        return self.storage.get(SERVICES, (sid,))  # type: ignore[return-value]

    def service_named(self, unique_name: str) -> ServiceRow | None:
        """The service with this unique name."""
        sid: str | None = self.storage.get(SERVICE_NAMES, (unique_name,))  # type: ignore[assignment]
        return None if sid is None else self.storage.get(SERVICES, (sid,))  # type: ignore[return-value]

    def put_service(self, row: ServiceRow) -> None:
        """Insert or replace a service (its sid, seq and unique name never change)."""
        if self.storage.get(SERVICES, (row.sid,)) is None:
            self.storage.put(SERVICE_ORDER, (row.seq,), row.sid)
            if row.unique_name is not None:
                self.storage.put(SERVICE_NAMES, (row.unique_name,), row.sid)
        self.storage.put(SERVICES, (row.sid,), row)

    def objects_in(self, service_sid: str) -> list[ObjectRow]:
        """Every object of a service, of every kind, in sid order."""
        return [cast(ObjectRow, value) for _, value in self.storage.scan(OBJECTS, (service_sid,))]

    def delete_service(self, row: ServiceRow, objects: list[ObjectRow]) -> None:
        """Remove a service and its ``objects`` (:meth:`objects_in`, read by the caller)."""
        for obj in objects:
            self.delete_object(obj)
        self.storage.delete(SERVICE_ORDER, (row.seq,))
        if row.unique_name is not None:
            self.storage.delete(SERVICE_NAMES, (row.unique_name,))
        self.storage.delete(SERVICES, (row.sid,))
        for kind in OBJECT_KINDS:  # its objects' numbers: nothing is numbered there again
            self.storage.delete(COUNTERS, (f"{kind}:{row.sid}",))

    def services_from(
        self, start: int | None, *, inclusive: bool, reverse: bool, limit: int
    ) -> list[ServiceRow]:
        """Up to ``limit`` services in creation order from ``seq`` ``start``."""
        entries = self._slice(SERVICE_ORDER, (), start, inclusive, reverse, limit)
        return [row for _, sid in entries if (row := self.service(cast(str, sid)))]

    # -- objects (documents, maps, lists, streams) -------------------------------

    def object_by_sid(self, service_sid: str, sid: str) -> ObjectRow | None:
        """The object with this sid in this service."""
        return self.storage.get(OBJECTS, (service_sid, sid))  # type: ignore[return-value]

    def object_named(self, service_sid: str, kind: str, unique_name: str) -> ObjectRow | None:
        """The object of ``kind`` with this unique name in this service."""
        sid: str | None = self.storage.get(  # type: ignore[assignment]
            OBJECT_NAMES, (service_sid, kind, unique_name)
        )
        return None if sid is None else self.storage.get(OBJECTS, (service_sid, sid))  # type: ignore[return-value]

    def put_object(self, row: ObjectRow, old: ObjectRow | None) -> None:
        """Insert or replace an object, keeping its order, name and expiry entries.

        ``old`` is the row it replaces, as the caller read it (None for a new object).
        """
        if old is None:
            self.storage.put(OBJECT_ORDER, (row.service_sid, row.kind, row.seq), row.sid)
            if row.unique_name is not None:
                self.storage.put(
                    OBJECT_NAMES, (row.service_sid, row.kind, row.unique_name), row.sid
                )
        if (None if old is None else old.date_expires) != row.date_expires:
            self._move_expiry(EXPIRY, old, row)
        self.storage.put(OBJECTS, (row.service_sid, row.sid), row)

    def delete_object(self, row: ObjectRow) -> None:
        """Remove an object, its index entries, and the items of a container.

        Cost: O(log n) for a document; O(items x log n) for a Map or List.
        """
        item_kind = ITEM_KIND.get(row.kind)
        if item_kind is not None:
            table = ITEM_TABLES[item_kind][0]
            items = self.storage.scan(table, (row.service_sid, row.sid))
            for item in [cast(ItemRow, value) for _, value in items]:
                self.drop_item(item)
        grants = self.storage.scan(PERMISSIONS, (row.service_sid, row.sid))
        for key in [key for key, _ in grants]:
            self.storage.delete(PERMISSIONS, key)
        self.storage.delete(OBJECT_ORDER, (row.service_sid, row.kind, row.seq))
        if row.unique_name is not None:
            self.storage.delete(OBJECT_NAMES, (row.service_sid, row.kind, row.unique_name))
        if row.date_expires is not None:
            self.storage.delete(EXPIRY, self._expiry_key(row))
        self.storage.delete(OBJECTS, (row.service_sid, row.sid))

    def objects_from(
        self,
        service_sid: str,
        kind: str,
        start: int | None,
        *,
        inclusive: bool,
        reverse: bool,
        limit: int,
    ) -> list[ObjectRow]:
        """Up to ``limit`` objects of ``kind`` in creation order from ``seq`` ``start``."""
        entries = self._slice(OBJECT_ORDER, (service_sid, kind), start, inclusive, reverse, limit)
        return [
            row for _, sid in entries if (row := self.object_by_sid(service_sid, cast(str, sid)))
        ]

    # -- items of maps and lists -------------------------------------------------

    def item(
        self, kind: str, service_sid: str, container_sid: str, position: str | int
    ) -> ItemRow | None:
        """The item at ``position`` (a key or an index) of a container."""
        table = ITEM_TABLES[kind][0]
        return self.storage.get(table, (service_sid, container_sid, position))  # type: ignore[return-value]

    def put_item(self, row: ItemRow, old: ItemRow | None) -> None:
        """Insert or replace an item with its expiry entry (its container is not touched).

        ``old`` is the item it replaces, as the caller read it (None for a new one).
        """
        table, expiry = ITEM_TABLES[row.kind]
        if (None if old is None else old.date_expires) != row.date_expires:
            self._move_expiry(expiry, old, row)
        self.storage.put(table, (row.service_sid, row.container_sid, row.position), row)

    def drop_item(self, row: ItemRow) -> None:
        """Remove an item and its expiry entry (its container is not touched)."""
        table, expiry = ITEM_TABLES[row.kind]
        if row.date_expires is not None:
            self.storage.delete(expiry, self._expiry_key(row))
        self.storage.delete(table, (row.service_sid, row.container_sid, row.position))

    def items_from(
        self,
        kind: str,
        service_sid: str,
        container_sid: str,
        start: str | int | None,
        *,
        inclusive: bool,
        reverse: bool,
        limit: int,
    ) -> list[ItemRow]:
        """Up to ``limit`` items of a container in key (or index) order from ``start``.

        Cost: O(log n + limit).
        """
        table, prefix = ITEM_TABLES[kind][0], (service_sid, container_sid)
        entries = self._slice(table, prefix, start, inclusive, reverse, limit)
        return [cast(ItemRow, value) for _, value in entries]

    # -- permissions ------------------------------------------------------------

    def permission(self, service_sid: str, object_sid: str, identity: str) -> PermissionRow | None:
        """The permission of ``identity`` on an object, if one was set."""
        key = (service_sid, object_sid, identity)
        return self.storage.get(PERMISSIONS, key)  # type: ignore[return-value]

    def put_permission(self, row: PermissionRow) -> None:
        """Insert or replace a permission."""
        self.storage.put(PERMISSIONS, (row.service_sid, row.object_sid, row.identity), row)

    def delete_permission(self, row: PermissionRow) -> None:
        """Remove a permission."""
        self.storage.delete(PERMISSIONS, (row.service_sid, row.object_sid, row.identity))

    def permissions_from(
        self,
        service_sid: str,
        object_sid: str,
        start: str | None,
        *,
        reverse: bool,
        limit: int,
    ) -> list[PermissionRow]:
        """Up to ``limit`` permissions of an object in identity order, after ``start``.

        Cost: O(log n + limit).
        """
        entries = self._slice(PERMISSIONS, (service_sid, object_sid), start, False, reverse, limit)
        return [cast(PermissionRow, value) for _, value in entries]

    # -- the change feed ------------------------------------------------------------

    def put_change(
        self, change: Change, sequence: int, account_sid: str, event: SyncEvent | None = None
    ) -> None:
        """Keep in the feed the event of ``change`` numbered ``sequence`` (``event``, if it
        is built already)."""
        if event is None:
            if self._keeps_objects:  # kept unbuilt: read by _event
                key = (change.row.service_sid, sequence)
                self.storage.put(CHANGES, key, event_fields(change, sequence, account_sid))
                return
            event = make_event(change, sequence=sequence, account_sid=account_sid)
        self.storage.put(CHANGES, (event.service_sid, sequence), event)

    def put_change_time(self, service_sid: str, sequence: int, recorded: datetime) -> None:
        """Note that the event numbered ``sequence`` of ``service_sid``, dated earlier, was
        committed at ``recorded`` (:meth:`change_time`)."""
        self.storage.put(CHANGE_TIMES, (service_sid, sequence), micros(recorded))

    def change_time(self, event: SyncEvent) -> datetime:
        """When the feed's ``event`` was committed: its date, or the later instant an
        expiry removed after its instant was committed at (what its age is judged by)."""
        if event.expired:
            recorded: int | None = self.storage.get(  # type: ignore[assignment]
                CHANGE_TIMES, (event.service_sid, event.sequence)
            )
            if recorded is not None:
                return _EPOCH + timedelta(microseconds=recorded)
        return event.date

    def drop_changes_through(self, service_sid: str, first: int, sequence: int) -> int:
        """Remove the events of ``service_sid`` numbered from ``first`` (the oldest kept)
        to ``sequence``, and their commit times; how many events. One ``delete_range``
        when the storage offers it; else a ``delete`` a number, and a read to step over
        each number not kept (a hole)."""
        if first > sequence:
            return 0
        self._drop_change_times(service_sid, sequence)
        if self._delete_range is not None:
            return self._delete_range(CHANGES, (service_sid,), (service_sid, sequence))
        removed, delete = 0, self.storage.delete
        while first <= sequence:
            if delete(CHANGES, (service_sid, first)):
                removed += 1
                first += 1
                continue
            following = self.changes_from(service_sid, first, 1)
            if not following:
                break
            first = following[0].sequence
        return removed

    def _drop_change_times(self, service_sid: str, sequence: int) -> None:
        """Remove the commit times of the events of ``service_sid`` numbered up to
        ``sequence`` (one an expiry: a scan finds them)."""
        if self._delete_range is not None:
            self._delete_range(CHANGE_TIMES, (service_sid,), (service_sid, sequence))
            return
        gone = []
        for key, _ in self.storage.scan(CHANGE_TIMES, (service_sid,)):
            if cast(int, key[1]) > sequence:
                break
            gone.append(key)
        for key in gone:
            self.storage.delete(CHANGE_TIMES, key)

    def change(self, service_sid: str, sequence: int) -> SyncEvent | None:
        """The event numbered ``sequence`` of ``service_sid``, if the feed keeps it."""
        value = self.storage.get(CHANGES, (service_sid, sequence))
        return None if value is None else _event(value)

    def oldest_change(self, service_sid: str) -> tuple[int, datetime] | None:
        """The sequence and date of the oldest kept event of ``service_sid`` (None: none
        kept), without making the event: what a pruning visit reads first. O(log n)."""
        for _, value in self.storage.scan(CHANGES, (service_sid,), limit=1):
            if type(value) is tuple:  # event_fields' tuple: its sequence, its date
                return value[0], value[5]
            event = _event(value)
            return event.sequence, event.date
        return None

    def changes_from(self, service_sid: str, after: int, limit: int) -> list[SyncEvent]:
        """Up to ``limit`` kept events of ``service_sid`` numbered above ``after``, in
        order. Cost: O(log n + limit)."""
        entries = self.storage.scan(
            CHANGES, (service_sid,), start=(service_sid, after), inclusive=False, limit=limit
        )
        return [_event(value) for _, value in entries]

    def all_changes(self) -> Iterator[SyncEvent]:
        """Every kept event, by service then sequence (for checks)."""
        return (_event(value) for _, value in self.storage.scan(CHANGES, ()))

    def next_feed_service(self, after: str) -> str | None:
        """The first service after ``after`` (in SID order) whose feed keeps an event,
        or None: one step of a walk over every service with kept events. O(log n)."""
        for (service_sid, _), _ in self.storage.scan(
            CHANGES, (), start=(after, 2**63 - 1), inclusive=False, limit=1
        ):
            return cast(str, service_sid)
        return None

    def last_sequence(self, service_sid: str) -> int:
        """The number of the last event of ``service_sid`` (0: none yet)."""
        return self.storage.get(COUNTERS, self._event_key(service_sid)) or 0  # type: ignore[return-value]

    def forget_feed(self, service_sid: str) -> None:
        """Forget the event counters of ``service_sid``, a deleted service whose feed
        keeps nothing any more (its reads are a 404 from then on, as for any SID no
        service had)."""
        self.storage.delete(COUNTERS, (f"events:{service_sid}",))
        self.storage.delete(COUNTERS, (history_counter(service_sid),))

    def history_start(self, service_sid: str) -> int:
        """The last sequence of ``service_sid`` an import dropped the history of: no event
        numbered up to it is of the state now (0: no import did)."""
        return self.storage.get(COUNTERS, (history_counter(service_sid),)) or 0  # type: ignore[return-value]

    def _slice(
        self,
        table: str,
        prefix: Key,
        start: str | int | None,
        inclusive: bool,
        reverse: bool,
        limit: int,
    ) -> Iterator[tuple[Key, object]]:
        """Up to ``limit`` entries under ``prefix`` from its member ``start`` (or its end)."""
        key = None if start is None else (*prefix, start)
        return self.storage.scan(
            table, prefix, start=key, inclusive=inclusive, reverse=reverse, limit=limit
        )

    # -- expiry -----------------------------------------------------------------

    def _move_expiry(
        self, table: str, old: ObjectRow | ItemRow | None, row: ObjectRow | ItemRow
    ) -> None:
        """Replace ``old``'s entry in the expiry index ``table`` with ``row``'s."""
        if old is not None and old.date_expires is not None:
            self.storage.delete(table, self._expiry_key(old))
        if row.date_expires is not None:
            key = self._expiry_key(row)
            self.storage.put(table, key, row.kind)
            self.on_expiry(key)

    @staticmethod
    def _expiry_key(row: ObjectRow | ItemRow) -> Key:
        """An object's or item's key in its expiry index: its instant first."""
        assert row.date_expires is not None
        if isinstance(row, ItemRow):
            return (micros(row.date_expires), row.service_sid, row.container_sid, row.position)
        return (micros(row.date_expires), row.service_sid, row.sid)

    def expiry_heads(self) -> list[tuple[str | None, Key]]:
        """The first entry of each expiry index that has one: ``(item kind, key)``.

        The objects' index comes first (its item kind is None), then the item indexes.
        A key begins with its expiry instant in microseconds. Cost: O(log n).
        """
        tables: list[tuple[str | None, str]] = [(None, EXPIRY)]
        tables += [(kind, expiry) for kind, (_, expiry) in ITEM_TABLES.items()]
        return [
            (kind, key)
            for kind, table in tables
            for key, _ in self.storage.scan(table, (), limit=1)
        ]

    def expiry_keys(self, kind: str | None) -> Iterator[Key]:
        """The keys of one expiry index, earliest first: the objects' (``kind`` None) or
        the items' of an item kind. Consume them before writing. Cost: O(log n) to start,
        O(1) a key."""
        table = EXPIRY if kind is None else ITEM_TABLES[kind][1]
        return (key for key, _ in self.storage.scan(table, ()))

    def expiring(self, kind: str | None, key: Key) -> ObjectRow | ItemRow:
        """The row of an expiry entry of :meth:`expiry_heads` (an object's, or an item's)."""
        found: ObjectRow | ItemRow | None
        if kind is None:
            found = self.object_by_sid(cast(str, key[1]), cast(str, key[2]))
        else:
            found = self.item(kind, cast(str, key[1]), cast(str, key[2]), key[3])
        assert found is not None, f"expiry entry {key} has no row"
        return found

    # -- invariants -------------------------------------------------------------

    def _entries(self, table: str) -> Iterator[tuple[Key, object]]:
        return self.storage.scan(table, ())

    def _check(self) -> None:
        """Assert that every index entry matches a row and every row has its entries."""
        services = {key[0]: cast(ServiceRow, row) for key, row in self._entries(SERVICES)}
        order = {key[0]: sid for key, sid in self._entries(SERVICE_ORDER)}
        assert sorted(map(str, order.values())) == sorted(map(str, services))
        for seq, sid in order.items():
            assert services[cast(str, sid)].seq == seq
        names = {key[0]: sid for key, sid in self._entries(SERVICE_NAMES)}
        assert names == {r.unique_name: s for s, r in services.items() if r.unique_name}

        objects = {key: cast(ObjectRow, row) for key, row in self._entries(OBJECTS)}
        for (service_sid, sid), row in objects.items():
            assert row.service_sid == service_sid
            assert row.sid == sid
            assert service_sid in services, f"object {sid} of missing service {service_sid}"
            assert row.revision >= 0
        expected_order = {(r.service_sid, r.kind, r.seq): r.sid for r in objects.values()}
        assert dict(self._entries(OBJECT_ORDER)) == expected_order, "object_order drifted"
        expected_names = {
            (r.service_sid, r.kind, r.unique_name): r.sid
            for r in objects.values()
            if r.unique_name is not None
        }
        assert dict(self._entries(OBJECT_NAMES)) == expected_names, "object_names drifted"
        expected_expiry = {
            self._expiry_key(r): r.kind for r in objects.values() if r.date_expires is not None
        }
        assert dict(self._entries(EXPIRY)) == expected_expiry, "expiry index drifted"

        counts: dict[tuple[str, str], int] = {}
        for kind, (table, expiry) in ITEM_TABLES.items():
            expected_item_expiry = {}
            for (service_sid, container_sid, position), value in self._entries(table):
                item = cast(ItemRow, value)
                assert (item.kind, item.service_sid, item.container_sid, item.position) == (
                    kind,
                    service_sid,
                    container_sid,
                    position,
                )
                container = objects.get((cast(str, service_sid), cast(str, container_sid)))
                assert container is not None, f"item {position!r} of a missing container"
                assert ITEM_KIND.get(container.kind) == kind
                if kind == "list_item":
                    assert isinstance(position, int)
                    assert 0 <= position < container.next_index
                else:
                    assert isinstance(position, str)
                assert item.revision >= 0
                key = (container.service_sid, container.sid)
                counts[key] = counts.get(key, 0) + 1
                if item.date_expires is not None:
                    expected_item_expiry[self._expiry_key(item)] = kind
            assert dict(self._entries(expiry)) == expected_item_expiry, f"{expiry} drifted"
        for row in objects.values():
            assert row.item_count == counts.get((row.service_sid, row.sid), 0), "item_count"

        for grant_key, value in self._entries(PERMISSIONS):
            grant = cast(PermissionRow, value)
            assert grant_key == (grant.service_sid, grant.object_sid, grant.identity)
            owner = objects.get((grant.service_sid, grant.object_sid))
            assert owner is not None, f"permission of a missing object {grant.object_sid}"

        for (service_sid, sequence), value in self._entries(CHANGES):
            event = _event(value)
            assert (event.service_sid, event.sequence) == (service_sid, sequence)
            assert cast(int, sequence) <= self.last_sequence(cast(str, service_sid))
        for (service_sid, sequence), recorded in self._entries(CHANGE_TIMES):
            kept = self.change(cast(str, service_sid), cast(int, sequence))
            assert kept is not None, f"a commit time of no event {sequence}"
            assert kept.expired, f"a commit time of no expiry {sequence}"
            assert micros(kept.date) < cast(int, recorded)


class _Copy(NamedTuple):
    """A snapshot of a storage without :class:`~sync_core.storage.base.Snapshots`."""

    tables: dict[str, tuple[tuple[Key, object], ...]]


def _own_range_deletes(storage: Storage) -> bool:
    """Whether ``storage`` offers :class:`~sync_core.storage.base.RangeDeletes` with a
    ``delete_range`` its own class defines at or below its ``delete``: a subclass that
    changes ``delete`` (to count, to inject faults, to encode) and not ``delete_range``,
    or a wrapper that passes other attributes through, is pruned through its
    ``delete``."""
    if not isinstance(storage, RangeDeletes):
        return False
    mro = type(storage).__mro__
    ranged = next((cls for cls in mro if "delete_range" in vars(cls)), None)
    deleting = next((cls for cls in mro if "delete" in vars(cls)), None)
    return ranged is not None and deleting is not None and issubclass(ranged, deleting)


def history_counter(service_sid: str) -> str:
    """The name of the counter that says up to which sequence an import dropped the
    history of ``service_sid`` (:meth:`Store.history_start`)."""
    return f"history:{service_sid}"


def _event(value: object) -> SyncEvent:
    """The event the feed keeps as ``value``: a :class:`SyncEvent`, or the tuple of its
    field values (:func:`~sync_core.events.event_fields`) a
    :class:`~sync_core.storage.MemoryStorage` keeps, built now."""
    if type(value) is tuple:
        return event_from_fields(value)
    return cast(SyncEvent, value)


def _ignore(key: Key) -> None:
    """The default :attr:`Store.on_expiry`: nobody follows the expiry entries."""
