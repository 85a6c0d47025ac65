"""A reusable state machine that checks a Sync target against a plain model of the rules.

``semantics_machine(make_target)`` returns a Hypothesis ``RuleBasedStateMachine``
class. Each run builds a target with ``make_target()`` (see
:mod:`sync_core.testing.target`), performs random operations on it, and compares every
answer, every refusal and every event with a model made of plain dicts::

    from sync_core.testing.machine import semantics_machine
    from sync_core.testing.targets import RestTarget

    TestRest = semantics_machine(RestTarget).TestCase      # collected by pytest

What the model knows, and so what is checked (Twilio's rules as sync_core documents
them, SEMANTICS.md):

- **Documents, Maps, Lists** by unique name (a few names, so names are taken and
  reused): a new object is at revision 0, every change adds one; a name is unique per
  kind (409/54301); deleting or expiring an object frees its name and takes its items
  and permissions with it.
- **Items**: Map items by key (a few keys, non-ASCII and a space among them; a taken
  key is 409/54208), List items by an index the List gives, 0, 1, 2, ..., never
  reused. Every item added, updated or removed (or expired) adds one to its
  container's revision; a container's TTL update adds one too.
- **Conditional writes**: ``if_match`` with the current revision applies, a stale one
  is 412/20412 and changes nothing (document update, item update and delete).
- **TTL** with time travel: expiry is exact, an object or item is gone from the
  instant ``now >= expires``; updating only data keeps the expiry, TTL 0 clears it, a
  TTL of -1 is 400/54011. Targets that cannot travel in time get no positive TTL.
- **Limits**: data of exactly 16,384 UTF-8 bytes is accepted, one byte more is
  413/54006; an update with nothing to change is 400/54010.
- **Paging**: item listings with random ``order``, ``from_``, ``bounds`` and
  ``page_size`` equal the model's sorted slice (keys in code-point order).
- **Permissions**: set, fetched, listed in identity order, deleted (404 when absent).
- **Events** (when the target observes them): after each step the new events'
  ``(type, object_unique_name, item_key, item_index)`` equal the model's, in order
  (as a multiset after a move of the clock, since ties between expiries are ordered by
  rules the model does not spell out): ``*_created``, ``document_updated``,
  ``*_item_added/_updated/_removed``, ``*_removed`` on delete or expiry; none for a
  Map's or List's TTL update, for the items removed with their container, for a
  permission, or for a refusal.

A refused call must be refused with one of the (status, code) pairs the model allows
(when a call breaks several rules, any of them), and must change nothing. After every
step every object, and every item of every Map and List, is compared with the model.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import ClassVar, Literal, TypeAlias, TypeVar, cast

import attrs
from hypothesis import settings as Settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from ..limits import MAX_DATA_BYTES
from .strategies import json_size
from .target import (
    Bounds,
    CollectionKind,
    Json,
    ObjectKind,
    Order,
    Place,
    SyncTarget,
    TargetError,
)

__all__ = ["DEFAULT_STEPS", "SemanticsMachine", "semantics_machine"]

T = TypeVar("T")
Error: TypeAlias = tuple[int, int]
#: What the machine compares of an event: type, object name, item key, item index.
EventKey: TypeAlias = tuple[str, str | None, str | None, int | None]
IfMatch: TypeAlias = Literal["none", "current", "stale"]

#: Steps per run unless the settings given say otherwise.
DEFAULT_STEPS = 50

NOT_FOUND: Error = (404, 20404)
NAME_TAKEN: Error = (409, 54301)
KEY_TAKEN: Error = (409, 54208)
STALE: Error = (412, 20412)
BAD_TTL: Error = (400, 54011)
TOO_LARGE: Error = (413, 54006)
NOTHING_TO_UPDATE: Error = (400, 54010)

# -- what the rules draw from -----------------------------------------------------------

#: Few names, so that names are taken (409) and reused after a delete or an expiry.
NAMES = ("a", "b", "ü")
#: Few keys, so that keys are taken; code-point order: "K" < "a b" < "k" < "kk" < "é".
KEYS = ("k", "a b", "é", "K", "kk")
IDENTITIES = ("alice", "bob", "ç")
COLLECTIONS: tuple[CollectionKind, ...] = ("map", "list")
KINDS: tuple[ObjectKind, ...] = ("document", "map", "list")
#: TTLs in seconds: None (not given), 0 (never expires), short ones, and -1 (400/54011).
TTLS = (None, 0, 1, 2, 5, 30, -1)
#: Clock moves in seconds: short ones so TTLs run out one by one, and one past them all.
ADVANCES = (1, 2, 3, 31)
#: Exactly 16,384 bytes of compact UTF-8 JSON ("é" is two bytes): accepted.
AT_LIMIT: Json = {"x": "é" * 8188}
#: One byte more: 413/54006.
OVER_LIMIT: Json = {"x": "é" * 8188 + "a"}
DATA_LIMIT = MAX_DATA_BYTES

small_data = st.dictionaries(
    st.sampled_from(("x", "y", "é")), st.integers(0, 9) | st.text("pé ", max_size=3), max_size=2
)
#: Data for a create: mostly small, sometimes at the limit or just over it.
datas = st.integers(0, 15).flatmap(
    lambda n: st.just(OVER_LIMIT) if n == 15 else st.just(AT_LIMIT) if n == 14 else small_data
)
#: Data for an update: sometimes not given (None).
new_datas = st.integers(0, 3).flatmap(lambda n: st.none() if n == 0 else datas)
names = st.sampled_from(NAMES)
keys = st.sampled_from(KEYS)
#: Chooses a live or missing object, an existing or missing item (see ``pick_object``).
picks = st.integers(0, 99)
#: A TTL for a create or an update: half the time none (so that objects live a while).
ttls = st.sampled_from((None,) * 5 + TTLS[1:])
#: A TTL that is given.
new_ttls = st.sampled_from(TTLS[1:])
if_matches = st.sampled_from(("none", "current", "stale"))


def applicable(*checks: tuple[bool, Error]) -> list[Error]:
    """The errors whose condition holds: what a call may be refused with."""
    return [error for broken, error in checks if broken]


# -- the model --------------------------------------------------------------------------


@attrs.define
class Item:
    """A Map or List item as the model knows it."""

    data: Json
    revision: int = 0
    expires: int | None = None  # seconds from the start; None: never


@attrs.define
class Entry:
    """A Document, Map or List as the model knows it."""

    kind: ObjectKind
    data: Json | None = None  # Documents only
    revision: int = 0
    expires: int | None = None
    items: dict[Place, Item] = attrs.Factory(dict)  # Maps and Lists only
    next_index: int = 0  # a List's next index: only grows
    permissions: dict[str, tuple[bool, bool, bool]] = attrs.Factory(dict)


class SemanticsMachine(RuleBasedStateMachine):
    """Random operations on one target, each checked against the model.

    Use :func:`semantics_machine` to get a subclass bound to your target factory.
    """

    make_target: ClassVar[Callable[[], SyncTarget]]

    def __init__(self) -> None:
        super().__init__()
        self.target = type(self).make_target()
        #: Live objects by (kind, unique name).
        self.objects: dict[tuple[ObjectKind, str], Entry] = {}
        #: Seconds since the start, by the target's clock.
        self.now = 0
        #: The target's instant at ``now == 0``, learnt from the first write's date.
        self.origin: datetime | None = None
        #: Events the current step should have caused, and whether their order counts.
        self.expected: list[EventKey] = []
        self.ordered = True
        self.events_seen = 0

    def teardown(self) -> None:
        self.target.close()

    # -- helpers ------------------------------------------------------------------------

    def attempt(self, refusals: list[Error], call: Callable[[], T]) -> T | None:
        """Run ``call``: refused with one of ``refusals`` if any, else it must succeed."""
        try:
            result = call()
        except TargetError as error:
            refused: TargetError | None = error
        else:
            refused = None
        if refused is not None:
            got = (refused.status, refused.code)
            wanted = refusals or "success"
            assert got in refusals, f"refused with {got} ({refused.message}), expected {wanted}"
            return None
        assert not refusals, f"succeeded, expected a refusal with one of {refusals}"
        return result

    def ttl(self, ttl: int | None) -> int | None:
        """The TTL to send: no positive TTL to a target that cannot travel in time."""
        if ttl is not None and ttl > 0 and not self.target.can_travel_in_time:
            return None
        return ttl

    def expiry(self, ttl: int) -> int | None:
        """When something given ``ttl`` now expires (None: never)."""
        return None if ttl == 0 else self.now + ttl

    def if_match(self, choice: IfMatch, revision: int) -> str | None:
        """No If-Match, the current revision, or a stale one."""
        return {"none": None, "current": str(revision), "stale": str(revision + 1)}[choice]

    def announce(
        self, type_: str, name: str, key: str | None = None, index: int | None = None
    ) -> None:
        self.expected.append((type_, name, key, index))

    def learn_origin(self, result: Json) -> None:
        """Fix the target's start instant from a write's ``date_updated`` (once)."""
        if self.origin is None and result.get("date_updated"):
            written = datetime.strptime(result["date_updated"], "%Y-%m-%dT%H:%M:%SZ")
            self.origin = written.replace(tzinfo=UTC) - timedelta(seconds=self.now)

    def check_expiry(self, result: Json, expires: int | None) -> None:
        got = result.get("date_expires")
        if expires is None:
            assert got is None, f"date_expires {got}, expected none"
            return
        assert got is not None, f"no date_expires, expected one at +{expires}s"
        if self.origin is not None:
            wanted = self.origin + timedelta(seconds=expires)
            assert got == wanted.strftime("%Y-%m-%dT%H:%M:%SZ"), f"date_expires {got} != {wanted}"

    def check_object(self, result: Json, name: str, entry: Entry) -> None:
        """A Document's, Map's or List's JSON against the model."""
        assert result["unique_name"] == name, result
        assert result["revision"] == str(entry.revision), (
            f"{entry.kind} {name!r}: revision {result['revision']}, model {entry.revision}"
        )
        if entry.kind == "document":
            assert result["data"] == entry.data, f"document {name!r}: data {result['data']}"
        self.check_expiry(result, entry.expires)

    def check_item(self, result: Json, kind: CollectionKind, place: Place, item: Item) -> None:
        """An item's JSON against the model."""
        assert result["key" if kind == "map" else "index"] == place, result
        assert result["revision"] == str(item.revision), (
            f"{kind} item {place!r}: revision {result['revision']}, model {item.revision}"
        )
        assert result["data"] == item.data, f"{kind} item {place!r}: data {result['data']}"
        self.check_expiry(result, item.expires)

    def check_permission(self, result: Json, identity: str, flags: tuple[bool, ...]) -> None:
        got = (result["identity"], result["read"], result["write"], result["manage"])
        assert got == (identity, *flags), f"permission {got}, model {flags}"

    # -- choosing what a rule addresses -------------------------------------------------

    def pick_object(
        self, kinds: tuple[ObjectKind, ...], pick: int
    ) -> tuple[ObjectKind, str, Entry | None]:
        """An object for a rule to address: four times in five a live one of ``kinds``
        (when there is one), else one the model does not have (404).

        Drawing a kind and a name at random would hit a live object too rarely.
        """
        live = sorted(key for key in self.objects if key[0] in kinds)
        missing = [(k, n) for k in kinds for n in NAMES if (k, n) not in self.objects]
        if live and (pick % 5 or not missing):
            kind, name = live[pick % len(live)]
        else:
            kind, name = missing[pick % len(missing)]
        return kind, name, self.objects.get((kind, name))

    def pick_collection(self, pick: int) -> tuple[CollectionKind, str, Entry | None]:
        """A Map or List, as :meth:`pick_object`."""
        kind, name, entry = self.pick_object(COLLECTIONS, pick)
        return cast(CollectionKind, kind), name, entry

    def pick_place(self, kind: CollectionKind, entry: Entry | None, pick: int) -> Place:
        """An item's key or index: mostly one that exists, sometimes one that does not."""
        existing = sorted(entry.items) if entry is not None else []
        if existing and pick % 4:
            return existing[pick % len(existing)]
        if kind == "map":
            return KEYS[pick % len(KEYS)]
        return pick % ((entry.next_index if entry is not None else 0) + 2)  # gaps, the next one

    @initialize(kinds=st.lists(st.sampled_from(COLLECTIONS), min_size=1, max_size=2))
    def start(self, kinds: list[CollectionKind]) -> None:
        """Begin with a Document, one or two Maps or Lists with three items, a permission.

        (Hypothesis enables a random subset of the rules in each run: without this, runs
        that cannot create objects would spend every step on 404s.)
        """
        self.create_document(NAMES[0], {}, None)
        for kind, name in zip(kinds, NAMES, strict=False):
            self.create_collection(kind, name, None)
        for pick in (1, 2, 3):
            self.add_item(pick, KEYS[pick], {"n": pick}, None)
        self.permission("set", 1, IDENTITIES[0], (True, False, True))

    @rule(pick=picks)
    def fetch_object(self, pick: int) -> None:
        """Fetch a Document, Map or List (404 when the model has none)."""
        kind, name, entry = self.pick_object(KINDS, pick)
        result = self.attempt(
            applicable((entry is None, NOT_FOUND)),
            lambda: (
                self.target.fetch_document(name)
                if kind == "document"
                else self.target.fetch_collection(kind, name)
            ),
        )
        if entry is not None and result is not None:
            self.check_object(result, name, entry)

    # -- documents ----------------------------------------------------------------------

    @rule(name=names, data=datas, ttl=ttls)
    def create_document(self, name: str, data: Json, ttl: int | None) -> None:
        ttl = self.ttl(ttl)
        refusals = applicable(
            (ttl == -1, BAD_TTL),
            (json_size(data) > DATA_LIMIT, TOO_LARGE),
            (("document", name) in self.objects, NAME_TAKEN),
        )
        result = self.attempt(refusals, lambda: self.target.create_document(name, data, ttl))
        if result is None:
            return
        entry = Entry("document", data=data, expires=self.expiry(ttl or 0))
        self.objects["document", name] = entry
        self.learn_origin(result)
        self.check_object(result, name, entry)
        self.announce("document_created", name)

    @rule(pick=picks, data=new_datas, ttl=ttls, choice=if_matches)
    def update_document(
        self, pick: int, data: Json | None, ttl: int | None, choice: IfMatch
    ) -> None:
        """Data and/or TTL, with no, the current or a stale ``if_match``."""
        ttl = self.ttl(ttl)
        _, name, entry = self.pick_object(("document",), pick)
        if_match = None if entry is None else self.if_match(choice, entry.revision)
        refusals = applicable(
            (entry is None, NOT_FOUND),
            (data is None and ttl is None, NOTHING_TO_UPDATE),
            (ttl == -1, BAD_TTL),
            (data is not None and json_size(data) > DATA_LIMIT, TOO_LARGE),
            (entry is not None and choice == "stale", STALE),
        )
        result = self.attempt(
            refusals,
            lambda: self.target.update_document(name, data=data, ttl=ttl, if_match=if_match),
        )
        if entry is None or result is None:
            return
        entry.revision += 1
        if data is not None:
            entry.data = data
        if ttl is not None:
            entry.expires = self.expiry(ttl)
        self.check_object(result, name, entry)
        self.announce("document_updated", name)

    @rule(pick=picks)
    def delete_document(self, pick: int) -> None:
        _, name, entry = self.pick_object(("document",), pick)
        self.attempt(
            applicable((entry is None, NOT_FOUND)), lambda: self.target.delete_document(name)
        )
        if entry is not None:
            del self.objects["document", name]
            self.announce("document_removed", name)

    # -- maps and lists -----------------------------------------------------------------

    @rule(kind=st.sampled_from(COLLECTIONS), name=names, ttl=ttls)
    def create_collection(self, kind: CollectionKind, name: str, ttl: int | None) -> None:
        ttl = self.ttl(ttl)
        refusals = applicable((ttl == -1, BAD_TTL), ((kind, name) in self.objects, NAME_TAKEN))
        result = self.attempt(refusals, lambda: self.target.create_collection(kind, name, ttl))
        if result is None:
            return
        entry = Entry(kind, expires=self.expiry(ttl or 0))
        self.objects[kind, name] = entry
        self.learn_origin(result)
        self.check_object(result, name, entry)
        self.announce(f"{kind}_created", name)

    @rule(pick=picks, ttl=new_ttls)
    def update_collection(self, pick: int, ttl: int) -> None:
        """A TTL update: one more revision, and no event."""
        ttl = self.ttl(ttl) or 0
        kind, name, entry = self.pick_collection(pick)
        refusals = applicable((entry is None, NOT_FOUND), (ttl == -1, BAD_TTL))
        result = self.attempt(refusals, lambda: self.target.update_collection(kind, name, ttl))
        if entry is None or result is None:
            return
        entry.revision += 1
        entry.expires = self.expiry(ttl)
        self.check_object(result, name, entry)

    @rule(pick=picks)
    def delete_collection(self, pick: int) -> None:
        """The container goes with its items: one ``*_removed``, no item events."""
        kind, name, entry = self.pick_collection(pick)
        self.attempt(
            applicable((entry is None, NOT_FOUND)),
            lambda: self.target.delete_collection(kind, name),
        )
        if entry is not None:
            del self.objects[kind, name]
            self.announce(f"{kind}_removed", name)

    # -- items --------------------------------------------------------------------------

    def announce_item(self, what: str, name: str, place: Place) -> None:
        if isinstance(place, str):
            self.announce(f"map_item_{what}", name, key=place)
        else:
            self.announce(f"list_item_{what}", name, index=place)

    @rule(pick=picks, key=keys, data=datas, ttl=ttls)
    def add_item(self, pick: int, key: str, data: Json, ttl: int | None) -> None:
        """Add a Map item at ``key`` (409/54208 if taken), or append a List item."""
        ttl = self.ttl(ttl)
        kind, name, entry = self.pick_collection(pick)
        refusals = applicable(
            (entry is None, NOT_FOUND),
            (ttl == -1, BAD_TTL),
            (json_size(data) > DATA_LIMIT, TOO_LARGE),
            (kind == "map" and entry is not None and key in entry.items, KEY_TAKEN),
        )
        sent_key = key if kind == "map" else None
        result = self.attempt(
            refusals, lambda: self.target.add_item(kind, name, sent_key, data, ttl)
        )
        if entry is None or result is None:
            return
        place: Place = key if kind == "map" else entry.next_index
        if kind == "list":
            entry.next_index += 1  # never given again, even after a removal
        item = Item(data, expires=self.expiry(ttl or 0))
        entry.items[place] = item
        entry.revision += 1
        self.check_item(result, kind, place, item)
        self.announce_item("added", name, place)

    @rule(pick=picks, spot=picks)
    def fetch_item(self, pick: int, spot: int) -> None:
        kind, name, entry = self.pick_collection(pick)
        place = self.pick_place(kind, entry, spot)
        item = None if entry is None else entry.items.get(place)
        result = self.attempt(
            applicable((item is None, NOT_FOUND)),
            lambda: self.target.fetch_item(kind, name, place),
        )
        if item is not None and result is not None:
            self.check_item(result, kind, place, item)

    @rule(pick=picks, spot=picks, data=new_datas, ttl=ttls, choice=if_matches)
    def update_item(
        self, pick: int, spot: int, data: Json | None, ttl: int | None, choice: IfMatch
    ) -> None:
        """Data and/or item TTL; the item's and its container's revisions go up by one."""
        ttl = self.ttl(ttl)
        kind, name, entry = self.pick_collection(pick)
        place = self.pick_place(kind, entry, spot)
        item = None if entry is None else entry.items.get(place)
        if_match = "0" if item is None else self.if_match(choice, item.revision)
        refusals = applicable(
            (item is None, NOT_FOUND),
            (data is None and ttl is None, NOTHING_TO_UPDATE),
            (ttl == -1, BAD_TTL),
            (data is not None and json_size(data) > DATA_LIMIT, TOO_LARGE),
            (item is not None and choice == "stale", STALE),
        )
        result = self.attempt(
            refusals,
            lambda: self.target.update_item(
                kind, name, place, data=data, ttl=ttl, if_match=if_match
            ),
        )
        if entry is None or item is None or result is None:
            return
        item.revision += 1
        entry.revision += 1
        if data is not None:
            item.data = data
        if ttl is not None:
            item.expires = self.expiry(ttl)
        self.check_item(result, kind, place, item)
        self.announce_item("updated", name, place)

    @rule(pick=picks, spot=picks, choice=if_matches)
    def delete_item(self, pick: int, spot: int, choice: IfMatch) -> None:
        if choice == "stale" and not self.target.conditional_item_deletes:
            choice = "none"
        kind, name, entry = self.pick_collection(pick)
        place = self.pick_place(kind, entry, spot)
        item = None if entry is None else entry.items.get(place)
        if_match = "0" if item is None else self.if_match(choice, item.revision)
        refusals = applicable(
            (item is None, NOT_FOUND), (item is not None and choice == "stale", STALE)
        )
        self.attempt(
            refusals, lambda: self.target.delete_item(kind, name, place, if_match=if_match)
        )
        if entry is None or item is None or refusals:
            return
        del entry.items[place]
        entry.revision += 1
        self.announce_item("removed", name, place)

    @rule(
        pick=picks,
        order=st.sampled_from((None, "asc", "desc")),
        start=st.none() | picks,
        bounds=st.sampled_from((None, "inclusive", "exclusive")),
        page_size=st.sampled_from((None, 1, 2, 3, 100)),
    )
    def list_items(
        self,
        pick: int,
        order: Order | None,
        start: int | None,
        bounds: Bounds | None,
        page_size: int | None,
    ) -> None:
        """A listing equals the model's slice: from ``from_`` (the upper end in desc)."""
        kind, name, entry = self.pick_collection(pick)
        from_ = None if start is None else self.pick_place(kind, entry, start)
        result = self.attempt(
            applicable((entry is None, NOT_FOUND)),
            lambda: self.target.list_items(
                kind, name, order=order, from_=from_, bounds=bounds, page_size=page_size
            ),
        )
        if entry is None or result is None:
            return
        descending = order == "desc"
        inclusive = bounds != "exclusive"
        places = sorted(entry.items, reverse=descending)
        if from_ is not None:
            places = [
                p
                for p in places
                if (p == from_ and inclusive)
                or (p != from_ and (p < from_ if descending else p > from_))  # type: ignore[operator]
            ]
        got = [row["key" if kind == "map" else "index"] for row in result]
        assert got == places, f"listed {got}, model {places} ({order}, {from_!r}, {bounds})"
        for row, place in zip(result, places, strict=True):
            self.check_item(row, kind, place, entry.items[place])

    # -- permissions --------------------------------------------------------------------

    @rule(
        action=st.sampled_from(("set", "fetch", "delete", "list")),
        pick=picks,
        identity=st.sampled_from(IDENTITIES),
        flags=st.tuples(st.booleans(), st.booleans(), st.booleans()),
    )
    def permission(
        self, action: str, pick: int, identity: str, flags: tuple[bool, bool, bool]
    ) -> None:
        """Set, fetch, delete or list permissions: no revision, no event, 404 when absent."""
        kind, name, entry = self.pick_object(KINDS, pick)
        has = entry is not None and identity in entry.permissions
        target = self.target
        if action == "set":
            result = self.attempt(
                applicable((entry is None, NOT_FOUND)),
                lambda: target.set_permission(kind, name, identity, *flags),
            )
            if entry is not None and result is not None:
                entry.permissions[identity] = flags
                self.check_permission(result, identity, flags)
        elif action == "fetch":
            result = self.attempt(
                applicable((not has, NOT_FOUND)),
                lambda: target.fetch_permission(kind, name, identity),
            )
            if entry is not None and result is not None:
                self.check_permission(result, identity, entry.permissions[identity])
        elif action == "delete":
            self.attempt(
                applicable((not has, NOT_FOUND)),
                lambda: target.delete_permission(kind, name, identity),
            )
            if entry is not None and has:
                del entry.permissions[identity]
        else:  # every permission, in identity order (code points)
            rows = self.attempt(
                applicable((entry is None, NOT_FOUND)),
                lambda: target.list_permissions(kind, name),
            )
            if entry is not None and rows is not None:
                assert [row["identity"] for row in rows] == sorted(entry.permissions), rows
                for row in rows:
                    self.check_permission(row, row["identity"], entry.permissions[row["identity"]])

    # -- time ---------------------------------------------------------------------------

    @precondition(lambda self: self.target.can_travel_in_time)
    @rule(seconds=st.sampled_from(ADVANCES))
    def advance(self, seconds: int) -> None:
        """Move the clock; whatever expired by then is gone and announced.

        Expiries are applied in time order; at one instant a container goes before its
        items, so an item expiring with (or after) its container has no event, while
        one that expired strictly earlier was removed (and announced) first.
        """
        self.now += seconds
        due: list[tuple[int, int, ObjectKind, str, Place | None]] = []
        for (kind, name), entry in self.objects.items():
            if entry.expires is not None and entry.expires <= self.now:
                due.append((entry.expires, 0, kind, name, None))
            for place, item in entry.items.items():
                if item.expires is not None and item.expires <= self.now:
                    due.append((item.expires, 1, kind, name, place))
        for _, _, kind, name, where in sorted(due, key=lambda d: d[:2]):
            owner = self.objects.get((kind, name))
            if owner is None:  # its container expired first, taking it along
                continue
            if where is None:
                del self.objects[kind, name]
                self.announce(f"{kind}_removed", name)
            else:
                del owner.items[where]
                owner.revision += 1
                self.announce_item("removed", name, where)
        self.ordered = False
        self.target.advance(seconds)

    # -- after every step ---------------------------------------------------------------

    @invariant()
    def agrees_with_the_model(self) -> None:
        """The step's events are the model's; every object and item equals the model."""
        self.check_events()
        for (kind, name), entry in self.objects.items():
            if kind == "document":
                self.check_object(self.target.fetch_document(name), name, entry)
                continue
            self.check_object(self.target.fetch_collection(kind, name), name, entry)
            rows = self.target.list_items(kind, name, page_size=100)
            places = sorted(entry.items)
            got = [row["key" if kind == "map" else "index"] for row in rows]
            assert got == places, f"{kind} {name!r} holds {got}, model {places}"
            for row, place in zip(rows, places, strict=True):
                self.check_item(row, kind, place, entry.items[place])

    def check_events(self) -> None:
        events = self.target.events()
        expected, ordered = self.expected, self.ordered
        self.expected, self.ordered = [], True
        if events is None:
            return
        new = events[self.events_seen :]
        self.events_seen = len(events)
        got: list[EventKey] = [
            (e["type"], e["object_unique_name"], e.get("item_key"), e.get("item_index"))
            for e in new
        ]
        if ordered:
            assert got == expected, f"events {got}, model {expected}"
        else:
            assert Counter(got) == Counter(expected), f"events {got}, model {expected}"


def semantics_machine(
    make_target: Callable[[], SyncTarget], *, settings: Settings | None = None
) -> type[SemanticsMachine]:
    """A new state machine class checking the targets ``make_target()`` builds.

    Run it with pytest (``TestX = semantics_machine(MyTarget).TestCase``) or with
    ``hypothesis.stateful.run_state_machine_as_test``. Each run calls ``make_target()``
    once and ``close()`` on the target at its end.

    Args:
        make_target: builds a fresh target, owning an empty service, per run.
        settings: the Hypothesis settings of its ``TestCase``; by default the current
            profile's, with ``stateful_step_count`` :data:`DEFAULT_STEPS` and no
            deadline.

    Returns:
        A subclass of :class:`SemanticsMachine`.
    """
    name = getattr(make_target, "__name__", "Target") + "SemanticsMachine"
    machine = cast(
        type[SemanticsMachine],
        type(name, (SemanticsMachine,), {"make_target": staticmethod(make_target)}),
    )
    machine.TestCase.settings = (
        settings
        if settings is not None
        else Settings(stateful_step_count=DEFAULT_STEPS, deadline=None)
    )
    return machine
