"""The shipped semantics machine on a real Sync, strict, with white-box checks added.

The rules and the model are the shipped ``SemanticsMachine``'s
(sync_core/testing/machine.py), strict: sync_core's own decisions where Twilio is
silent are held too. This subclass drives the plain target on a ``Sync`` it can reach,
and adds what only sync_core's own tests can check:

- after every step the store's invariants hold (``Sync._check()``);
- every event has exactly ``SyncEvent.to_dict()``'s fields, and a subscriber to the
  whole account (from before the service existed: creating a service announces
  nothing) got the same events as the service's;
- removals due at one instant come in sync_core's order: objects (by SID), then Map
  items, then List items (by container SID, then key or index);
- a 404 names the path as addressed (``/Services/<sid>/Maps/<name>/Items/<key>``);
- no data is shared: the target sends copies of the machine's data and spoils them
  after each call, and the machine spoils every answer it has read; the store must not
  notice;
- the clock also moves without the target knowing (by fractions of a second, to the
  very instant something expires or one microsecond before): the library's next call,
  a write, a refused call, a read or ``sync.expire()``, announces the removals before
  its own event;
- Documents, Maps and Lists are listed in creation order (with any page size), as
  records of their class; Services too: neighbour Services, holding objects with the
  same names, share nothing with the target's, and their deletion takes everything
  theirs with it;
- the refusals the other targets cannot express: an empty key (400/54209), JSON
  ``null`` as an item's new data (400/54206, 400/54156), a page size of 0 (400/54454).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ClassVar, TypeVar, cast

import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from sync_core import ManualClock, Sync, SyncError, SyncEvent
from sync_core.records import (
    DocumentRecord,
    SyncListRecord,
    SyncMapRecord,
)
from sync_core.testing.machine import (
    BAD_PAGE_SIZE,
    BAD_PLACE,
    DEFAULT_STEPS,
    NOT_FOUND,
    NULL_DATA,
    Due,
    Error,
    SemanticsMachine,
    applicable,
    picks,
)
from sync_core.testing.target import CollectionKind, Json, ObjectKind, Place, TargetError
from sync_core.testing.targets import PlainTarget

T = TypeVar("T")

#: What ``SyncEvent.to_dict()`` gives: the event's fields, its data decoded.
EVENT_FIELDS = {field.name.removesuffix("_json") for field in attrs.fields(SyncEvent)}
RECORDS: dict[ObjectKind, type[DocumentRecord | SyncMapRecord | SyncListRecord]] = {
    "document": DocumentRecord,
    "map": SyncMapRecord,
    "list": SyncListRecord,
}
LISTINGS: dict[ObjectKind, str] = {
    "document": "documents",
    "map": "sync_maps",
    "list": "sync_lists",
}
ITEMS = {"map": "sync_map_items", "list": "sync_list_items"}
#: At most this many neighbour Services at once.
NEIGHBOURS = 2
SPOILT = "spoilt"


def spoil(value: object) -> None:
    """Change a JSON answer's data in place (rows of a listing too)."""
    for row in value if isinstance(value, list) else [value]:
        if isinstance(row, dict) and isinstance(row.get("data"), dict):
            row["data"][SPOILT] = True


def expect_missing(call: Callable[[], object]) -> None:
    with pytest.raises(SyncError) as info:
        call()
    assert (info.value.status, info.value.code) == NOT_FOUND, repr(info.value)


class WhiteBoxTarget(PlainTarget):
    """The plain target, on a Sync whose whole account is watched, sharing no data: it
    sends copies of the data it is given, and spoils them once the call returned."""

    def __init__(self) -> None:
        sync = Sync(clock=ManualClock(), seed=2025)
        self.account_events: list[SyncEvent] = []
        sync.subscribe(self.account_events.append)
        super().__init__(sync)

    def _sent(self, data: Json | None, call: Callable[[Json | None], Json]) -> Json:
        copied = copy.deepcopy(data)
        try:
            return call(copied)
        finally:
            spoil({"data": copied})

    def create_document(self, unique_name: str | None, data: Json | None, ttl: int | None) -> Json:
        send = super().create_document
        return self._sent(data, lambda copied: send(unique_name, copied, ttl))

    def update_document(self, name: str, *, data: Json | None = None, **rest: Any) -> Json:
        send = super().update_document
        return self._sent(data, lambda copied: send(name, data=copied, **rest))

    def add_item(
        self,
        kind: CollectionKind,
        name: str,
        key: str | None,
        data: Json | None,
        *rest: Any,
        **more: Any,
    ) -> Json:
        send = super().add_item
        return self._sent(data, lambda copied: send(kind, name, key, copied, *rest, **more))

    def update_item(
        self,
        kind: CollectionKind,
        name: str,
        place: Place,
        *,
        data: Json | None = None,
        **rest: Any,
    ) -> Json:
        send = super().update_item
        return self._sent(data, lambda copied: send(kind, name, place, data=copied, **rest))


class WhiteBoxMachine(SemanticsMachine):
    """The shipped machine, strict, on :class:`WhiteBoxTarget`, with white-box checks."""

    make_target: ClassVar[Callable[[], WhiteBoxTarget]] = WhiteBoxTarget
    strict = True
    ordered_ties = True

    def __init__(self) -> None:
        super().__init__()
        self.box = cast(WhiteBoxTarget, self.target)
        self.sync = self.box.sync
        assert self.box.clock is not None
        self.clock = self.box.clock
        self.origin = self.clock.now()  # exactly: the clock also moves by fractions
        self.account_seen = 0
        self.listings = 0
        #: Neighbour Services, in creation order.
        self.neighbours: list[str] = []

    # -- white-box checks of what the shipped rules do ----------------------------------

    def attempt(self, refusals: list[Error], call: Callable[[], T], path: str = "") -> T | None:
        """As the shipped machine; a 404 names ``path``; answers are spoilt once read."""

        def checked() -> T:
            try:
                return call()
            except SyncError as error:  # a call on the plain API (plain_only_refusals)
                refused = TargetError(error.status, error.code, error.message)
            except TargetError as error:
                refused = error
            if (refused.status, refused.code) == NOT_FOUND:
                service = self.box.service_sid
                wanted = f"The requested resource /Services/{service}/{path} was not found"
                assert refused.message == wanted, f"404 {refused.message!r}, not {wanted!r}"
            raise refused

        result = super().attempt(refusals, checked, path)
        kept = copy.deepcopy(result)
        spoil(result)
        return kept

    def expiry_order(self, due: Due) -> tuple[Any, ...]:
        """sync_core's sweep: at one instant objects (by SID), then Map items, then List
        items (by container SID, then key or index)."""
        if due.place is None:
            return (due.at, 0, due.entry.sid)
        return (due.at, 1 if due.entry.kind == "map" else 2, due.entry.sid, due.place)

    def check_events(self) -> None:
        """What a quiet move of the clock left due is removed now (``sync.expire()``);
        then the shipped checks, the fields of each event, and the account's view."""
        self.sync.expire()
        new = self.box.events()[self.events_seen :]
        super().check_events()
        for event in new:
            assert set(event) == EVENT_FIELDS, sorted(set(event) ^ EVENT_FIELDS)
        account = self.box.account_events[self.account_seen :]
        self.account_seen = len(self.box.account_events)
        mine = [e.to_dict() for e in account if e.service_sid == self.box.service_sid]
        assert mine == new, "the account's subscriber saw other events than the service's"

    @invariant()
    def store_is_consistent(self) -> None:
        self.sync._check()

    @invariant()
    def listed_in_creation_order(self) -> None:
        """Documents, Maps and Lists in creation order (one kind by pages of 1, 2 or 5,
        in turn); Services."""
        service = self.sync.services(self.box.service_sid)
        self.listings += 1
        paged = list(LISTINGS)[self.listings % 3]
        for kind, attribute in LISTINGS.items():
            page_size = (1, 2, 5)[self.listings % 3] if kind == paged else None
            records = getattr(service, attribute).list(page_size=page_size)
            live = [entry for entry in self.objects.values() if entry.kind == kind]
            assert [r.sid for r in records] == [e.sid for e in live], f"{kind} listing"
            for record, entry in zip(records, live, strict=True):
                assert isinstance(record, RECORDS[kind]), record
                self.check_object(dict(record.to_dict()), entry)
        services = [s.sid for s in self.sync.services.list()]
        assert services == [self.box.service_sid, *self.neighbours], services

    # -- the clock, moved behind the target's back --------------------------------------

    def expiries(self, of: str) -> list[timedelta]:
        """When objects (``of`` "object"), items ("item") or either ("any") expire."""
        found: list[timedelta] = []
        for entry in self.objects.values():
            if of != "item" and entry.expires is not None:
                found.append(entry.expires)
            if of != "object":
                found.extend(i.expires for i in entry.items.values() if i.expires is not None)
        return found

    @rule(
        move=st.sampled_from(("by", "to the next expiry", "just before it")),
        seconds=st.integers(0, 3) | st.floats(0, 2, allow_nan=False) | st.just(31),
        of=st.sampled_from(("any", "item", "object")),
        then=st.sampled_from(("later", "expire", "write", "refused", "read")),
        pick=picks,
    )
    def move_clock_quietly(self, move: str, seconds: float, of: str, then: str, pick: int) -> None:
        """Move the clock without the target: the library's next call announces the
        removals first, even a refused one. Make that call now, or leave it to the
        step's check (``sync.expire()``)."""
        delta = timedelta(seconds=seconds)
        instants = self.expiries(of)
        if move != "by" and instants:
            soonest = min(instants) - timedelta(microseconds=move == "just before it")
            delta = max(soonest - self.now, timedelta(0))
        self.clock.advance(delta)
        self.pass_time(delta)
        if then == "expire":
            self.sync.expire()
        elif then == "write":  # added, or refused: after the removals either way
            self.add_item(pick, pick, {"then": 1}, (None, None, None))
        elif then == "refused":
            self.create_collection("list", None, -1, None)
        elif then == "read":
            self.fetch_object(pick)

    # -- neighbour services ---------------------------------------------------------------

    @rule(pick=picks)
    def neighbour(self, pick: int) -> None:
        """Create a neighbour Service holding objects named like the target's (names are
        unique per Service; a SID of the target's is not found there), or delete one."""
        if len(self.neighbours) < NEIGHBOURS and pick % 3:
            sid = self.sync.services.create().sid
            self.neighbours.append(sid)
            service = self.sync.services(sid)
            for entry in list(self.objects.values()):
                listing = getattr(service, LISTINGS[entry.kind])
                expect_missing(listing(entry.sid).fetch)
                if entry.unique_name is None:
                    continue
                listing.create(unique_name=entry.unique_name)
                if entry.kind != "document":
                    items = getattr(listing(entry.unique_name), ITEMS[entry.kind])
                    key = {} if entry.kind == "list" else {"key": next(iter(entry.items), "k")}
                    items.create(data={"neighbour": sid}, **key)
        elif self.neighbours:
            sid = self.neighbours.pop(pick % len(self.neighbours))
            service = self.sync.services(sid)
            assert service.delete() is True
            expect_missing(service.fetch)
            expect_missing(lambda: service.documents.create(data={}))
            for name in ("a", "b", "ü"):
                expect_missing(service.sync_maps(name).sync_map_items.list)

    # -- what only the plain API can send -------------------------------------------------

    @rule(what=st.sampled_from(("empty key", "null data", "page size 0")), pick=picks, spot=picks)
    def plain_only_refusals(self, what: str, pick: int, spot: int) -> None:
        """Refusals of what the other targets cannot send (nothing changes)."""
        service = self.sync.services(self.box.service_sid)
        if what == "empty key":
            _, address, entry = self.pick_object(("map",), pick)
            items = service.sync_maps(address).sync_map_items
            refusals = applicable((entry is None, NOT_FOUND), (True, BAD_PLACE["map"]))
            self.attempt(refusals, lambda: items.create(key="", data={}), f"Maps/{address}/Items")
            return
        kind, address, entry = self.pick_collection(pick)
        items = getattr(getattr(service, LISTINGS[kind])(address), ITEMS[kind])
        path = self.path(kind, address, "Items")
        if what == "page size 0":
            refusals = applicable((entry is None, NOT_FOUND), (True, BAD_PAGE_SIZE))
            self.attempt(refusals, lambda: items.list(page_size=0), path)
            return
        sent, place = self.pick_place(kind, entry, spot)
        refusals = applicable(
            (entry is None, NOT_FOUND),
            (place is None, BAD_PLACE[kind]),
            (True, NULL_DATA[kind]),
        )
        self.attempt(refusals, lambda: items(sent).update(data="null"), f"{path}/{sent}")


#: At least 40 examples, more than the fast profile's: this one machine does the work of the
#: two the project had before it (and the plain target is the quickest to drive).
WhiteBoxMachine.TestCase.settings = settings(
    max_examples=max(40, settings().max_examples),
    stateful_step_count=DEFAULT_STEPS,
    deadline=None,
)
TestWhiteBoxMachine = WhiteBoxMachine.TestCase
