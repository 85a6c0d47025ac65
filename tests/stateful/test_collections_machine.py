"""A state machine that drives Maps, Lists and their items against a plain model.

One Sync on a ManualClock; random Maps and Lists (created, fetched, given a TTL,
deleted) and random items (created or appended, fetched, updated, deleted, listed),
while the clock moves so that items and containers expire. The model is plain data:
each container's revision, dates, expiry and items ``{key or index: Item}``, and a
List's next index. The rules are docs/maps-and-lists.md and SEMANTICS.md:

- create: revision 0; ``collection_ttl`` (``ttl`` its alias, ignored when both are
  given, not even checked); a unique name is unique per kind (409/54301).
- every item added, updated or removed, and every item that expires, adds one to its
  container's revision and sets its ``date_updated`` (to the expiry instant for an
  expiry); a TTL update of the container adds one too.
- order of checks: service/container (404), then parameters (400), then the item
  (404), then If-Match (412), then a taken key (409). A refused call changes nothing.
- expiry is exact: gone from the instant ``now >= date_expires``; a container's expiry
  removes its items.

Every result and every error (status, code, and the 404's path) is checked against the
model; after every step the store's invariants hold and every container, with its full
item listing, equals the model.

The event log is checked too. The machine subscribes to its service (and, before the
service exists, to the whole account: creating a service announces nothing) and the
model lists the events it expects, one per change, compared after every step field by
field (sequence, type, identity, date, object sid, unique name and revision, revision,
item key or index, expired, data and previous data):

- sequence numbers count the service's events from 1, one more per event;
- ``map_created``/``list_created`` at revision 0; a TTL update of a container has no
  event; ``*_removed`` on delete carries the container's revision then, and its items
  get no events;
- ``*_item_added``/``*_item_updated``/``*_item_removed`` carry the container's
  revision after the change, the item's revision (at removal, for a removal), the data
  after (None for a removal) and before (None for an addition);
- a refused call announces nothing;
- expiry: each expired container or item is announced (identity ``system``, expired
  true, dated its ``date_expires``), earliest first; at one instant containers first
  (by sid), then Map items, then List items (each by container sid, then key or
  index). An expired item is one revision of its container; an expired container's
  items get no events (but those that expired strictly earlier do). The removals come
  at the start of the next call, before its own event, even when that call is refused;
  after a move of the clock the machine makes that call a write, a refused call,
  ``sync.expire()``, or leaves it to the next check.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any, Literal

import attrs
import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from sync_core import ManualClock, Sync, SyncError, SyncEvent
from sync_core.records import (
    SyncListItemRecord,
    SyncListRecord,
    SyncMapItemRecord,
    SyncMapRecord,
)

Kind = Literal["map", "list"]
Place = str | int
ContainerRecord = SyncMapRecord | SyncListRecord
ItemRecord = SyncMapItemRecord | SyncListItemRecord
Error = tuple[int, int]

KINDS: tuple[Kind, ...] = ("map", "list")
#: Few names, so that names are taken (409) and reused after a delete or an expiry.
NAMES = ("a", "b", "c")
#: Few keys, so that keys are taken (409/54208); any characters.
KEYS = ("k", "l", "é", "a b", "z/1", "K", "\N{GRINNING FACE}", "kk")
TTLS = (0, 1, 2, 5, 30, 300)
#: A TTL out of range (400/54011), used where an alias may hide it.
BAD_TTL = -1
MAX_CONTAINERS = 6

NOT_FOUND: Error = (404, 20404)
BAD_TTL_ERROR: Error = (400, 54011)
NOTHING_TO_UPDATE: Error = (400, 54010)
BAD_IF_MATCH: Error = (400, 54003)
STALE: Error = (412, 20412)
BAD_PLACE: dict[Kind, Error] = {"map": (400, 54209), "list": (400, 54458)}
NULL_DATA: dict[Kind, Error] = {"map": (400, 54206), "list": (400, 54156)}

small_data = st.dictionaries(
    st.sampled_from("xyz"), st.integers(0, 9) | st.text("pq", max_size=2), max_size=3
)
#: Item data; sometimes missing (None: 400/54206 or 54156).
values = st.integers(0, 9).flatmap(lambda n: st.none() if n == 0 else small_data)
#: Item data for an update: often none given, sometimes the JSON text "null" (400).
new_values = st.integers(0, 9).flatmap(
    lambda n: st.none() if n < 3 else st.just("null") if n == 3 else small_data
)


def sometimes(strategy: st.SearchStrategy[int], in_ten: int) -> st.SearchStrategy[int | None]:
    """``strategy`` ``in_ten`` times out of ten, else None (not given)."""
    return st.integers(0, 9).flatmap(lambda n: strategy if n < in_ten else st.none())


any_ttl = st.sampled_from(TTLS)
#: ``ttl``, the alias: sometimes out of range, which counts only when it is not ignored.
alias_ttl = st.sampled_from((*TTLS, BAD_TTL))
#: Mostly short steps (TTLs run out one by one), sometimes past every TTL.
advances = st.integers(0, 3) | st.floats(0, 2, allow_nan=False, allow_infinity=False) | st.just(31)


@attrs.define
class Item:
    """What the model knows of one Map or List item."""

    data: dict[str, Any]
    revision: int
    expires_at: datetime | None
    created_at: datetime
    updated_at: datetime


@attrs.define
class Container:
    """What the model knows of one Map or List."""

    kind: Kind
    unique_name: str | None
    revision: int
    expires_at: datetime | None
    created_at: datetime
    updated_at: datetime
    items: dict[Place, Item] = attrs.Factory(dict)
    next_index: int = 0  # a List's next index: only grows


@attrs.frozen
class Announced:
    """One event: what the model expects, or what a :class:`SyncEvent` says, compared."""

    sequence: int
    type: str
    identity: str
    date: datetime
    object_sid: str
    object_unique_name: str | None
    object_revision: str | None
    revision: str | None
    item_key: str | None
    item_index: int | None
    expired: bool
    data: dict[str, Any] | None
    previous_data: dict[str, Any] | None

    @classmethod
    def of(cls, event: SyncEvent) -> Announced:
        return cls(**{field.name: getattr(event, field.name) for field in attrs.fields(cls)})


def expect_error(
    expected: Collection[Error], call: Callable[[], object], path: str | None = None
) -> None:
    """``call`` fails with one of ``expected``; a 404 names ``path`` as addressed."""
    with pytest.raises(SyncError) as info:
        call()
    error = info.value
    got = (error.status, error.code)
    assert got in expected, f"{error!r}, expected one of {sorted(expected)}"
    if got == NOT_FOUND and path is not None:
        assert error.message == f"The requested resource {path} was not found"


def expiry(now: datetime, ttl: int | None) -> datetime | None:
    return None if not ttl else now + timedelta(seconds=ttl)


def chosen_ttl(value: int | None, alias: int | None) -> int | None:
    """The TTL a call uses: ``value``, else its alias ``ttl``; None when neither."""
    return value if value is not None else alias


class CollectionsMachine(RuleBasedStateMachine):
    """Random Map, List and item operations on one service, checked against a model."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock()
        self.sync = Sync(clock=self.clock, seed=2025)
        #: Every event of the account, from before the service was created.
        self.everything: list[SyncEvent] = []
        self.sync.subscribe(self.everything.append)
        self.service = self.sync.services.create().sid
        #: Live containers by sid, in creation order.
        self.model: dict[str, Container] = {}
        #: Every container sid ever made (deleted and expired ones too), of both kinds.
        self.all_sids: list[str] = []
        #: The events of the service, as delivered (subscribed to in ``start``).
        self.seen: list[SyncEvent] = []
        #: The events the model expects, in order.
        self.expected: list[Announced] = []
        #: How many of ``seen`` have been compared with ``expected`` so far.
        self.checked = 0

    # -- helpers ------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock.now()

    def collection(self, kind: Kind) -> Any:
        """``sync_maps`` or ``sync_lists`` of the service."""
        svc = self.sync.services(self.service)
        return svc.sync_maps if kind == "map" else svc.sync_lists

    def items_of(self, kind: Kind, ident: str) -> Any:
        """The item list of the container addressed as ``ident``."""
        context = self.collection(kind)(ident)
        return context.sync_map_items if kind == "map" else context.sync_list_items

    def path(self, kind: Kind, ident: str) -> str:
        return f"/Services/{self.service}/{'Maps' if kind == 'map' else 'Lists'}/{ident}"

    def live(self, kind: Kind) -> dict[str, Container]:
        return {sid: c for sid, c in self.model.items() if c.kind == kind}

    def find(self, kind: Kind, ident: str) -> str | None:
        """The sid of the live container of ``kind`` addressed as ``ident``."""
        for sid, container in self.live(kind).items():
            if ident in (sid, container.unique_name):
                return sid
        return None

    def draw_kind(self, data: st.DataObject) -> Kind:
        """Maps or Lists: mostly a kind that has live containers."""
        live = sorted({container.kind for container in self.model.values()})
        if live and data.draw(st.integers(0, 9), label="a live kind?") < 9:
            return data.draw(st.sampled_from(live), label="kind")
        return data.draw(st.sampled_from(KINDS), label="any kind")

    def draw_ident(self, data: st.DataObject, kind: Kind) -> str:
        """A live container's sid or name, or else any sid ever made (of either kind) or
        any name."""
        live = self.live(kind)
        if live and data.draw(st.integers(0, 9), label="live container?") < 9:
            sid = data.draw(st.sampled_from(list(live)), label="container")
            name = live[sid].unique_name
            if name is not None and data.draw(st.booleans(), label="by name?"):
                return name
            return sid
        return data.draw(st.sampled_from([*NAMES, *self.all_sids]), label="any container")

    def draw_place(
        self,
        data: st.DataObject,
        kind: Kind,
        sid: str | None,
        *,
        listing: bool = False,
        new: bool = False,
    ) -> tuple[object, bool]:
        """A key (Map) or index (List) to address an item by, and whether it is valid:
        mostly an existing item's (unless ``new``), else any key of a few, any index.

        An empty ``from_`` of a listing counts as not given (docs/maps-and-lists.md), so
        a listing's malformed key is only ever a too-long one.
        """
        if data.draw(st.integers(0, 19), label="malformed place?") == 0:
            bad: list[object] = ["", "x" * 321] if kind == "map" else [-1, "x", "1.5"]
            if listing and kind == "map":
                bad.remove("")
            return data.draw(st.sampled_from(bad), label="malformed place"), False
        container = self.model.get(sid) if sid is not None else None
        existing = sorted(container.items) if container is not None else []
        if existing and not new and data.draw(st.integers(0, 3), label="existing?") < 3:
            place = data.draw(st.sampled_from(existing), label="existing place")
            if kind == "map" or data.draw(st.integers(0, 4), label="index as text?"):
                return place, True
            return str(place), True
        if kind == "map":
            return data.draw(st.sampled_from(KEYS), label="key"), True
        top = container.next_index if container is not None else 0
        index = data.draw(st.integers(0, top + 2), label="any index")
        if data.draw(st.integers(0, 4), label="index as text?") == 0:
            return str(index), True
        return index, True

    @staticmethod
    def normal(kind: Kind, place: object) -> Place:
        """A valid key or index as the model keys it (an index given as text is an int)."""
        if kind == "list":
            assert isinstance(place, int | str)
            return int(place)
        assert isinstance(place, str)
        return place

    def check_container(self, record: ContainerRecord, sid: str) -> None:
        container = self.model[sid]
        prefix = "MP" if container.kind == "map" else "ES"
        assert isinstance(record, SyncMapRecord if container.kind == "map" else SyncListRecord)
        assert record.sid == sid
        assert record.sid.startswith(prefix)
        assert record.service_sid == self.service
        assert record.account_sid == self.sync.account_sid
        assert record.unique_name == container.unique_name
        assert record.revision == str(container.revision)
        assert record.date_expires == container.expires_at
        assert record.date_created == container.created_at
        assert record.date_updated == container.updated_at
        assert record.created_by == "system"

    def check_item(self, record: ItemRecord, sid: str, place: Place) -> None:
        container = self.model[sid]
        item = container.items[place]
        if isinstance(record, SyncMapItemRecord):
            assert container.kind == "map"
            assert (record.key, record.map_sid) == (place, sid)
        else:
            assert container.kind == "list"
            assert (record.index, record.list_sid) == (place, sid)
        assert record.service_sid == self.service
        assert record.account_sid == self.sync.account_sid
        assert record.data == item.data
        assert record.revision == str(item.revision)
        assert record.date_expires == item.expires_at
        assert record.date_created == item.created_at
        assert record.date_updated == item.updated_at
        assert record.created_by == "system"

    def announce(
        self,
        what: str,
        sid: str,
        container: Container,
        *,
        revision: int | None = None,
        place: Place | None = None,
        data: dict[str, Any] | None = None,
        previous: dict[str, Any] | None = None,
        when: datetime | None = None,
        expired: bool = False,
    ) -> None:
        """Expect the next event: ``what`` happened to ``container`` (as it now is) or to
        its item at ``place`` (of ``revision``); ``when`` defaults to now."""
        self.expected.append(
            Announced(
                sequence=len(self.expected) + 1,
                type=f"{container.kind}_{what}",
                identity="system",
                date=self.now() if when is None else when,
                object_sid=sid,
                object_unique_name=container.unique_name,
                object_revision=str(container.revision),
                revision=str(container.revision if revision is None else revision),
                item_key=place if isinstance(place, str) else None,
                item_index=place if isinstance(place, int) else None,
                expired=expired,
                data=None if data is None else dict(data),
                previous_data=None if previous is None else dict(previous),
            )
        )

    def check_events(self) -> None:
        """The events delivered since the last check are the ones the model expects."""
        new = self.seen[self.checked :]
        for event_ in new:
            assert event_.account_sid == self.sync.account_sid
            assert event_.service_sid == self.service
            assert event_.message_sid is None
        got = [Announced.of(event_) for event_ in new]
        assert got == self.expected[self.checked :]
        self.checked = len(self.seen)
        # The account-wide subscriber got the same events, and nothing else.
        assert self.everything == self.seen

    def touch(self, container: Container, collection_ttl: int | None) -> None:
        """An item of ``container`` changed now: one revision more, maybe a new expiry."""
        container.revision += 1
        container.updated_at = self.now()
        if collection_ttl is not None:
            container.expires_at = expiry(self.now(), collection_ttl)

    def expire_model(self) -> None:
        """Remove what expired by now, earliest first, announcing each removal.

        At one instant containers come first (by sid), then Map items, then List items
        (each by container sid, then key or index). An expired container takes its
        items with it (one event); an expired item is a revision of its container,
        dated when it expired.
        """
        now = self.now()
        rank: dict[Kind, int] = {"map": 1, "list": 2}
        due: list[tuple[datetime, int, str, Place]] = []
        for sid, container in self.model.items():
            if container.expires_at is not None and container.expires_at <= now:
                due.append((container.expires_at, 0, sid, ""))
            for place, item in container.items.items():
                if item.expires_at is not None and item.expires_at <= now:
                    due.append((item.expires_at, rank[container.kind], sid, place))
        due.sort()
        for _, group in itertools.groupby(due, key=lambda entry: entry[0]):
            orders = [entry[1] for entry in group]
            if orders.count(0) > 1:
                event("expiry tie: containers")
            if 0 in orders and len(set(orders)) > 1:
                event("expiry tie: a container and items")
            if {1, 2} <= set(orders):
                event("expiry tie: map and list items")
            if len(orders) - orders.count(0) > 1:
                event("expiry tie: items")
        swept: set[str] = set()  # containers that lost an item in this sweep
        for expires_at, order, sid, place in due:
            owner = self.model.get(sid)
            if owner is None:  # its container expired first (or at the same instant)
                event("expiry: an item went with its container")
                continue
            if order == 0:
                event(f"a {owner.kind} expired")
                if sid in swept:
                    event("expiry: an item expired, then its container")
                del self.model[sid]
                self.announce("removed", sid, owner, when=expires_at, expired=True)
                continue
            event(f"a {owner.kind} item expired")
            swept.add(sid)
            item = owner.items.pop(place)
            owner.revision += 1
            owner.updated_at = max(owner.updated_at, expires_at)
            self.announce(
                "item_removed",
                sid,
                owner,
                revision=item.revision,
                place=place,
                previous=item.data,
                when=expires_at,
                expired=True,
            )

    def expected_listing(
        self,
        container: Container,
        order: str | None,
        from_: Place | None,
        bounds: str | None,
    ) -> list[Place]:
        places = sorted(container.items, reverse=order == "desc")
        if from_ is None:
            return places
        inclusive = bounds != "exclusive"

        def keep(place: Place) -> bool:
            if place == from_:
                return inclusive
            before = place < from_  # type: ignore[operator]
            return before if order == "desc" else not before

        return [p for p in places if keep(p)]

    # -- containers -----------------------------------------------------------------

    @initialize(
        kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=3),
        data=st.data(),
    )
    def start(self, kinds: list[Kind], data: st.DataObject) -> None:
        """A few containers, named a, b, c, with a few items each (some with a TTL, and
        some containers with one too: expiries at one instant, to be announced in order)."""
        self.sync.services(self.service).subscribe(self.seen.append)
        for n, kind in enumerate(kinds):
            collection_ttl = data.draw(sometimes(st.just(5), 4), label="collection_ttl")
            self.create(kind, NAMES[n], None, collection_ttl)
            count = data.draw(st.integers(1, len(KEYS)), label="items")
            for key in KEYS[:count]:
                item_ttl = data.draw(sometimes(any_ttl, 5), label="item_ttl")
                place = key if kind == "map" else None
                self.add_item(kind, NAMES[n], place, True, {"n": n}, item_ttl, None, None)

    def create(
        self, kind: Kind, unique_name: str | None, ttl: int | None, collection_ttl: int | None
    ) -> None:
        collection = self.collection(kind)

        def create() -> ContainerRecord:
            return collection.create(  # type: ignore[no-any-return]
                unique_name=unique_name, ttl=ttl, collection_ttl=collection_ttl
            )

        if chosen_ttl(collection_ttl, ttl) == BAD_TTL:
            expect_error({BAD_TTL_ERROR}, create)
            return
        if unique_name is not None and self.find(kind, unique_name) is not None:
            event(f"create {kind}: name taken")
            expect_error({(409, 54301)}, create)
            return
        if collection_ttl is not None and ttl is not None:
            event(f"create {kind}: ttl alias ignored")
        record = create()
        assert record.sid not in self.all_sids
        self.all_sids.append(record.sid)
        now = self.now()
        self.model[record.sid] = Container(
            kind=kind,
            unique_name=unique_name,
            revision=0,
            expires_at=expiry(now, chosen_ttl(collection_ttl, ttl)),
            created_at=now,
            updated_at=now,
        )
        self.announce("created", record.sid, self.model[record.sid])
        self.check_container(record, record.sid)

    @precondition(lambda self: len(self.model) < MAX_CONTAINERS)
    @rule(
        kind=st.sampled_from(KINDS),
        unique_name=st.none() | st.sampled_from(NAMES),
        ttl=sometimes(alias_ttl, 2),
        collection_ttl=sometimes(any_ttl, 2),
    )
    def create_container(
        self,
        kind: Kind,
        unique_name: str | None,
        ttl: int | None,
        collection_ttl: int | None,
    ) -> None:
        self.create(kind, unique_name, ttl, collection_ttl)

    # Only while there are others: a run whose containers are all gone tests little.
    @precondition(lambda self: len(self.model) >= 2)
    @rule(data=st.data())
    def delete_container(self, data: st.DataObject) -> None:
        kind = self.draw_kind(data)
        ident = self.draw_ident(data, kind)
        sid = self.find(kind, ident)
        context = self.collection(kind)(ident)
        if sid is None:
            expect_error({NOT_FOUND}, context.delete, self.path(kind, ident))
            return
        assert context.delete() is True
        self.announce("removed", sid, self.model.pop(sid))
        expect_error({NOT_FOUND}, self.collection(kind)(sid).fetch)
        expect_error({NOT_FOUND}, self.items_of(kind, sid).list)

    @rule(data=st.data())
    def fetch_container(self, data: st.DataObject) -> None:
        kind = self.draw_kind(data)
        ident = self.draw_ident(data, kind)
        sid = self.find(kind, ident)
        context = self.collection(kind)(ident)
        if sid is None:
            expect_error({NOT_FOUND}, context.fetch, self.path(kind, ident))
        else:
            self.check_container(context.fetch(), sid)

    @rule(
        data=st.data(),
        ttl=sometimes(alias_ttl, 5),
        collection_ttl=sometimes(any_ttl, 5),
    )
    def update_container(
        self, data: st.DataObject, ttl: int | None, collection_ttl: int | None
    ) -> None:
        kind = self.draw_kind(data)
        ident = self.draw_ident(data, kind)
        sid = self.find(kind, ident)
        context = self.collection(kind)(ident)

        def update() -> ContainerRecord:
            return context.update(ttl=ttl, collection_ttl=collection_ttl)  # type: ignore[no-any-return]

        seconds = chosen_ttl(collection_ttl, ttl)
        if sid is None:
            expect_error({NOT_FOUND}, update, self.path(kind, ident))
            return
        if seconds is None:
            expect_error({NOTHING_TO_UPDATE}, update)
            return
        if seconds == BAD_TTL:
            expect_error({BAD_TTL_ERROR}, update)
            return
        record = update()
        container = self.model[sid]
        container.revision += 1
        container.updated_at = self.now()
        container.expires_at = expiry(self.now(), seconds)
        self.check_container(record, sid)

    # -- items ----------------------------------------------------------------------

    @rule(
        data=st.data(),
        value=values,
        item_ttl=sometimes(any_ttl, 6),
        ttl=sometimes(alias_ttl, 2),
        collection_ttl=sometimes(any_ttl, 1),
    )
    def create_map_item(
        self,
        data: st.DataObject,
        value: dict[str, Any] | None,
        item_ttl: int | None,
        ttl: int | None,
        collection_ttl: int | None,
    ) -> None:
        """A Map item under a key of a few (a taken one is 409/54208)."""
        ident = self.draw_ident(data, "map")
        key, valid = self.draw_place(data, "map", self.find("map", ident), new=True)
        self.add_item("map", ident, key, valid, value, item_ttl, ttl, collection_ttl)

    @rule(
        data=st.data(),
        value=values,
        item_ttl=sometimes(any_ttl, 6),
        ttl=sometimes(alias_ttl, 2),
        collection_ttl=sometimes(any_ttl, 1),
    )
    def append_list_item(
        self,
        data: st.DataObject,
        value: dict[str, Any] | None,
        item_ttl: int | None,
        ttl: int | None,
        collection_ttl: int | None,
    ) -> None:
        """A List item, at the List's next index."""
        ident = self.draw_ident(data, "list")
        self.add_item("list", ident, None, True, value, item_ttl, ttl, collection_ttl)

    def add_item(
        self,
        kind: Kind,
        ident: str,
        key: object,
        valid: bool,
        value: dict[str, Any] | None,
        item_ttl: int | None,
        ttl: int | None,
        collection_ttl: int | None,
    ) -> None:
        """Create an item (or fail as the model says) and record it in the model."""
        sid = self.find(kind, ident)
        items = self.items_of(kind, ident)

        def create() -> ItemRecord:
            extra = {"key": key} if kind == "map" else {}
            return items.create(  # type: ignore[no-any-return]
                data=value, ttl=ttl, item_ttl=item_ttl, collection_ttl=collection_ttl, **extra
            )

        if sid is None:
            event(f"create {kind} item: no such container")
            expect_error({NOT_FOUND}, create, self.path(kind, ident) + "/Items")
            return
        problems: set[Error] = set()
        if not valid:
            problems.add(BAD_PLACE[kind])
        if value is None:
            problems.add(NULL_DATA[kind])
        seconds = chosen_ttl(item_ttl, ttl)
        if seconds == BAD_TTL:
            problems.add(BAD_TTL_ERROR)
        if problems:
            event(f"create {kind} item: bad parameters")
            expect_error(problems, create)
            return
        assert value is not None
        container = self.model[sid]
        place: Place = container.next_index if key is None else self.normal(kind, key)
        if place in container.items:
            event("create map item: key taken")
            expect_error({(409, 54208)}, create)
            return
        record = create()
        now = self.now()
        container.items[place] = Item(
            data=value,
            revision=0,
            expires_at=expiry(now, seconds),
            created_at=now,
            updated_at=now,
        )
        if kind == "list":
            container.next_index += 1
        self.touch(container, collection_ttl)
        self.announce("item_added", sid, container, revision=0, place=place, data=value)
        self.check_item(record, sid, place)
        event(f"create {kind} item: done")

    def draw_if_match(self, data: st.DataObject, current: int | None) -> tuple[str, str | None]:
        """How to give If-Match (none, correct, stale or malformed) and its value."""
        ways = ["none", "none", "correct", "correct", "stale", "stale", "malformed"]
        how = data.draw(st.sampled_from(ways), label="If-Match")
        revision = 0 if current is None else current
        if how == "correct":
            return how, str(revision)
        if how == "stale":
            stale = [r for r in range(revision + 4) if r != revision]
            return how, str(data.draw(st.sampled_from(stale), label="stale revision"))
        if how == "malformed":
            return how, data.draw(st.sampled_from(["abc", "-1", "1.0"]), label="bad if_match")
        return how, None

    @rule(
        data=st.data(),
        value=new_values,
        item_ttl=sometimes(any_ttl, 4),
        ttl=sometimes(alias_ttl, 2),
        collection_ttl=sometimes(any_ttl, 3),
    )
    def update_item(
        self,
        data: st.DataObject,
        value: dict[str, Any] | str | None,
        item_ttl: int | None,
        ttl: int | None,
        collection_ttl: int | None,
    ) -> None:
        kind = self.draw_kind(data)
        ident = self.draw_ident(data, kind)
        sid = self.find(kind, ident)
        place_given, valid = self.draw_place(data, kind, sid)
        container = self.model.get(sid) if sid is not None else None
        place = self.normal(kind, place_given) if valid else None
        item = container.items.get(place) if container is not None and place is not None else None
        how, if_match = self.draw_if_match(data, item.revision if item is not None else None)
        context = self.items_of(kind, ident)(place_given)

        def update() -> ItemRecord:
            return context.update(  # type: ignore[no-any-return]
                if_match=if_match,
                data=value,
                ttl=ttl,
                item_ttl=item_ttl,
                collection_ttl=collection_ttl,
            )

        if container is None:
            event(f"update {kind} item: no such container")
            expect_error({NOT_FOUND}, update, self.path(kind, ident) + f"/Items/{place_given}")
            return
        problems: set[Error] = set()
        if not valid:
            problems.add(BAD_PLACE[kind])
        seconds = chosen_ttl(item_ttl, ttl)
        if seconds == BAD_TTL:
            problems.add(BAD_TTL_ERROR)
        if value is None and seconds is None:
            problems.add((400, 20001) if collection_ttl is not None else NOTHING_TO_UPDATE)
        if how == "malformed":
            problems.add(BAD_IF_MATCH)
        if value == "null":
            problems.add(NULL_DATA[kind])
        if problems:
            event(f"update {kind} item: bad parameters")
            expect_error(problems, update)
            return
        assert place is not None
        if item is None:
            event(f"update {kind} item: not found")
            path = self.path(kind, ident) + f"/Items/{place_given}"
            expect_error({NOT_FOUND}, update, path)
            return
        if how == "stale":
            event(f"update {kind} item: stale If-Match")
            expect_error({STALE}, update)
            return
        record = update()
        event(f"update {kind} item: done, If-Match {how}")
        now = self.now()
        previous = item.data
        if isinstance(value, dict):
            item.data = value
        if seconds is not None:
            item.expires_at = expiry(now, seconds)
        item.revision += 1
        item.updated_at = now
        self.touch(container, collection_ttl)
        assert sid is not None
        self.announce(
            "item_updated",
            sid,
            container,
            revision=item.revision,
            place=place,
            data=item.data,
            previous=previous,
        )
        self.check_item(record, sid, place)

    @rule(data=st.data())
    def delete_item(self, data: st.DataObject) -> None:
        kind = self.draw_kind(data)
        ident = self.draw_ident(data, kind)
        sid = self.find(kind, ident)
        place_given, valid = self.draw_place(data, kind, sid)
        container = self.model.get(sid) if sid is not None else None
        place = self.normal(kind, place_given) if valid else None
        item = container.items.get(place) if container is not None and place is not None else None
        how, if_match = self.draw_if_match(data, item.revision if item is not None else None)
        context = self.items_of(kind, ident)(place_given)
        path = self.path(kind, ident) + f"/Items/{place_given}"

        def delete() -> bool:
            return context.delete(if_match=if_match)  # type: ignore[no-any-return]

        if container is None:
            event(f"delete {kind} item: no such container")
            expect_error({NOT_FOUND}, delete, path)
            return
        problems: set[Error] = set()
        if not valid:
            problems.add(BAD_PLACE[kind])
        if how == "malformed":
            problems.add(BAD_IF_MATCH)
        if problems:
            expect_error(problems, delete)
            return
        if item is None:
            expect_error({NOT_FOUND}, delete, path)
            return
        if how == "stale":
            event(f"delete {kind} item: stale If-Match")
            expect_error({STALE}, delete)
            return
        assert delete() is True
        event(f"delete {kind} item: done, If-Match {how}")
        assert place is not None
        assert sid is not None
        del container.items[place]
        self.touch(container, None)
        self.announce(
            "item_removed",
            sid,
            container,
            revision=item.revision,
            place=place,
            previous=item.data,
        )
        expect_error({NOT_FOUND}, context.fetch, path)

    @rule(data=st.data())
    def fetch_item(self, data: st.DataObject) -> None:
        kind = self.draw_kind(data)
        ident = self.draw_ident(data, kind)
        sid = self.find(kind, ident)
        place_given, valid = self.draw_place(data, kind, sid)
        context = self.items_of(kind, ident)(place_given)
        path = self.path(kind, ident) + f"/Items/{place_given}"
        if sid is None:
            expect_error({NOT_FOUND}, context.fetch, path)
            return
        if not valid:
            expect_error({BAD_PLACE[kind]}, context.fetch)
            return
        place = self.normal(kind, place_given)
        if place not in self.model[sid].items:
            expect_error({NOT_FOUND}, context.fetch, path)
            return
        self.check_item(context.fetch(), sid, place)

    @rule(
        data=st.data(),
        order=st.sampled_from([None, "asc", "desc", "sideways"]),
        bounds=st.sampled_from([None, "inclusive", "exclusive", "both"]),
        page_size=st.none() | st.integers(1, 5) | st.sampled_from([0, 100, 1000, 1001]),
    )
    def list_items(
        self,
        data: st.DataObject,
        order: str | None,
        bounds: str | None,
        page_size: int | None,
    ) -> None:
        kind = self.draw_kind(data)
        ident = self.draw_ident(data, kind)
        sid = self.find(kind, ident)
        from_given: object = None
        valid_from = True
        how = data.draw(st.sampled_from(["none", "place", "place", "empty"]), label="from_")
        if how == "place":
            from_given, valid_from = self.draw_place(data, kind, sid, listing=True)
        elif how == "empty":
            from_given = ""  # an empty from_ counts as not given
        items = self.items_of(kind, ident)

        def listing() -> list[ItemRecord]:
            return items.list(  # type: ignore[no-any-return]
                order=order, from_=from_given, bounds=bounds, page_size=page_size
            )

        if sid is None:  # 404 whatever the other parameters
            event(f"list {kind} items: no such container")
            expect_error({NOT_FOUND}, listing, self.path(kind, ident) + "/Items")
            return
        problems: set[Error] = set()
        if order not in (None, "asc", "desc"):
            problems.add((400, 54451))
        if bounds not in (None, "inclusive", "exclusive"):
            problems.add((400, 54452))
        if not valid_from:
            problems.add(BAD_PLACE[kind])
        if page_size is not None and not 1 <= page_size <= 1000:
            problems.add((400, 54454))
        if problems:
            expect_error(problems, listing)
            return
        from_ = None if from_given in (None, "") else self.normal(kind, from_given)
        expected = self.expected_listing(self.model[sid], order, from_, bounds)
        # At most one record more than expected: pages that never end fail, not hang.
        stream = items.stream(order=order, from_=from_given, bounds=bounds, page_size=page_size)
        records: list[ItemRecord] = list(itertools.islice(stream, len(expected) + 1))
        places: list[Place] = [
            r.key if isinstance(r, SyncMapItemRecord) else r.index for r in records
        ]
        assert places == expected
        for place, record in zip(places, records, strict=True):
            self.check_item(record, sid, place)

    # -- time -----------------------------------------------------------------------

    def after_moving(self, data: st.DataObject) -> None:
        """The clock moved (and the model expired what is due): the library's next call
        announces the removals first. Make that call now, a write (its own event comes
        after them) or a refused one or ``sync.expire()``, or leave it to the checks."""
        how = data.draw(st.sampled_from(["later", "expire", "write", "refused"]), label="then")
        event(f"after the clock moved: {how}")
        if how == "later":
            return
        if how == "expire":
            self.sync.expire()
        elif how == "write" and self.model:
            sid = data.draw(st.sampled_from(list(self.model)), label="write to")
            kind = self.model[sid].kind
            key = data.draw(st.sampled_from(KEYS), label="key") if kind == "map" else None
            self.add_item(kind, sid, key, True, {"then": 1}, None, None, None)
        else:
            self.create("list", None, None, BAD_TTL)  # refused: 400/54011
        self.check_events()

    @rule(data=st.data(), seconds=advances)
    def advance_clock(self, data: st.DataObject, seconds: float) -> None:
        self.clock.advance(seconds)
        self.expire_model()
        self.after_moving(data)

    def expiries(self, of: str = "any") -> list[datetime]:
        """When containers (``of`` "container"), items ("item") or both ("any") expire."""
        found: list[datetime] = []
        for container in self.model.values():
            if of != "item" and container.expires_at is not None:
                found.append(container.expires_at)
            if of != "container":
                found.extend(i.expires_at for i in container.items.values() if i.expires_at)
        return found

    @precondition(lambda self: bool(self.expiries()))
    @rule(data=st.data(), just_before=st.booleans())
    def advance_to_an_expiry(self, data: st.DataObject, just_before: bool) -> None:
        """Move the clock to the instant the next item or container (or the next item, or
        the next container) expires, or 1 us before it."""
        kinds = [of for of in ("any", "item", "container") if self.expiries(of)]
        of = data.draw(st.sampled_from(kinds), label="next expiry of")
        soonest = min(self.expiries(of))
        target = soonest - timedelta(microseconds=1) if just_before else soonest
        if target >= self.now():
            self.clock.set(target)
        self.expire_model()
        self.after_moving(data)

    # -- invariants -----------------------------------------------------------------

    @invariant()
    def events_match_the_model(self) -> None:
        self.sync.expire()  # in case nothing called in since the clock moved
        self.check_events()

    @invariant()
    def store_is_consistent(self) -> None:
        self.sync._check()

    @invariant()
    def containers_match_the_model(self) -> None:
        for kind in KINDS:
            live = self.live(kind)
            records = self.collection(kind).list()
            assert [r.sid for r in records] == list(live)
            for record in records:
                self.check_container(record, record.sid)

    @invariant()
    def items_match_the_model(self) -> None:
        for sid, container in self.model.items():
            self.check_container(self.collection(container.kind)(sid).fetch(), sid)
            records = self.items_of(container.kind, sid).list()
            places = [r.key if isinstance(r, SyncMapItemRecord) else r.index for r in records]
            assert places == sorted(container.items)
            for place, record in zip(places, records, strict=True):
                self.check_item(record, sid, place)


CollectionsMachine.TestCase.settings = settings(stateful_step_count=50)
TestCollectionsMachine = CollectionsMachine.TestCase
