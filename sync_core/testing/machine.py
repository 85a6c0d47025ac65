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

- **Documents, Maps, Lists**, by unique name or by SID (a few names, so names are
  taken and reused; some objects have none): a new object is at revision 0, every
  change adds one; a SID is never given twice (``ET``, ``MP``, ``ES``); a name is
  unique per kind (409/54301); deleting or expiring an object frees its name and takes
  its items and permissions with it (what was deleted is 404 at once); a Document
  created without data holds ``{}``.
- **Items**: Map items by key (a few keys, non-ASCII, a space, an emoji among them;
  a taken key is 409/54208, one of 321 characters 400/54209), List items by an index
  the List gives, 0, 1, 2, ..., never reused (given as text too; ``-1``, ``x`` or
  ``1.5`` is 400/54458). Every item added, updated or removed (or expired) adds one to
  its container's revision; a container's TTL update adds one too. No data is
  400/54206 (Map) or 400/54156 (List).
- **Conditional writes**: ``if_match`` with the current revision applies, a stale one
  is 412/20412 and changes nothing, a malformed one is 400/54003 (document update,
  item update and delete).
- **TTL** with time travel: expiry is exact, an object or item is gone from the
  instant ``now >= expires``; updating only data keeps the expiry, TTL 0 clears it, a
  TTL of -1 is 400/54011. ``ttl`` is an alias of ``collection_ttl`` and ``item_ttl``,
  ignored when they are given; ``collection_ttl`` on an item's write sets its
  container's expiry (alone on an update it is 400/20001). Targets that cannot travel
  in time get no positive TTL.
- **Dates** (on targets that travel in time): ``date_created``, ``date_updated``
  (the container's too when an item changes) and ``date_expires`` of every object and
  item; ``created_by`` is ``system``; every record of the service has the same
  ``account_sid`` and ``service_sid``; an item names its Map or List.
- **Limits**: data of exactly 16,384 UTF-8 bytes is accepted, one byte more is
  413/54006; an update with nothing to change is 400/54010.
- **Paging**: item listings with random ``order``, ``from_``, ``bounds`` and
  ``page_size`` (any size from 1: a size above 100 is clamped) equal the model's sorted
  slice (keys in code-point order); a bad order or bounds is 400/54451 or 54452.
- **Permissions**: set, fetched, listed in identity order, deleted (404 when absent).
- **Events** (when the target observes them): after each step the new events equal
  the model's, in order, field by field (type, object SID, unique name and revision,
  revision, item key or index, identity ``system``, date, ``expired``, data and
  previous data): ``*_created``, ``document_updated``, ``*_item_added``,
  ``*_item_updated``, ``*_item_removed``, ``*_removed`` on delete or expiry; none for
  a Map's or List's TTL update, for the items removed with their container, for a
  permission, or for a refusal.
  Expiries are announced earliest first; at one instant an object comes before its
  items (and takes them with it), while the order of other removals at one instant is
  left open (their container revisions too).

A refused call must be refused with one of the (status, code) pairs the model allows
(when a call breaks several rules, any of them), and must change nothing. After every
step every object, and every item of every Map and List, is compared with the model.

A subclass may add rules and invariants over the same model (``objects``, by SID, in
creation order; ``now``; ``expected``), and refine :meth:`SemanticsMachine.attempt`,
:meth:`SemanticsMachine.check_events` and :meth:`SemanticsMachine.expiry_order` (with
``ordered_ties``): sync_core's own tests do, with white-box checks.

A **strict** machine (``semantics_machine(make_target, strict=True)``) also holds the
target to sync_core's own decisions where Twilio is silent (docs/model.md): the first
failing check is the error (the object, then the parameters, then the item, then
``If-Match``, then uniqueness); an item's expiry dates its container's
``date_updated`` and its event at the instant it expired; events are numbered 1, 2,
3, ... (``sequence``); an empty ``from_`` counts as not given.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal, TypeAlias, TypeVar, cast

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
IfMatch: TypeAlias = Literal["none", "current", "stale", "malformed"]

#: Steps per run unless the settings given say otherwise.
DEFAULT_STEPS = 50

NOT_FOUND: Error = (404, 20404)
NAME_TAKEN: Error = (409, 54301)
KEY_TAKEN: Error = (409, 54208)
STALE: Error = (412, 20412)
BAD_TTL: Error = (400, 54011)
TOO_LARGE: Error = (413, 54006)
NOTHING_TO_UPDATE: Error = (400, 54010)
BAD_IF_MATCH: Error = (400, 54003)
LONE_COLLECTION_TTL: Error = (400, 20001)
BAD_ORDER: Error = (400, 54451)
BAD_BOUNDS: Error = (400, 54452)
BAD_PAGE_SIZE: Error = (400, 54454)
BAD_PLACE: dict[CollectionKind, Error] = {"map": (400, 54209), "list": (400, 54458)}
NULL_DATA: dict[CollectionKind, Error] = {"map": (400, 54206), "list": (400, 54156)}

# -- what the rules draw from -----------------------------------------------------------

#: Few names, so that names are taken (409) and reused after a delete or an expiry.
NAMES = ("a", "b", "ü")
#: Few keys, so that keys are taken; code-point order:
#: "K" < "a b" < "k" < "kk" < "é" < U+FF01 < "😀". U+FF01 (a full-width exclamation
#: mark) and "😀" are in the other order in UTF-16 code units (JavaScript's sort, Java's and .NET's ordinal compare): a
#: target that sorts so is caught.
KEYS = ("k", "a b", "é", "K", "kk", "\N{FULLWIDTH EXCLAMATION MARK}", "\N{GRINNING FACE}")
#: Keys that only a target with ``addresses_any_key`` can address.
ODD_KEYS = ("z/1",)
#: Places that are not a key or not an index.
MALFORMED: dict[CollectionKind, tuple[Place, ...]] = {"map": ("x" * 321,), "list": (-1, "x", "1.5")}
IDENTITIES = ("alice", "bob", "ç")
COLLECTIONS: tuple[CollectionKind, ...] = ("map", "list")
KINDS: tuple[ObjectKind, ...] = ("document", "map", "list")
PREFIXES: dict[ObjectKind, str] = {"document": "ET", "map": "MP", "list": "ES"}
SEGMENTS: dict[ObjectKind, str] = {"document": "Documents", "map": "Maps", "list": "Lists"}
#: TTLs in seconds: None (not given), 0 (never expires), short ones, and -1 (400/54011).
TTLS = (None, 0, 1, 2, 5, 30, -1)
#: Clock moves in seconds: short ones so TTLs run out one by one, and one past them all.
ADVANCES = (1, 2, 3, 31)
#: Exactly 16,384 bytes of compact UTF-8 JSON ("é" is two bytes): accepted.
AT_LIMIT: Json = {"x": "é" * 8188}
#: One byte more: 413/54006.
OVER_LIMIT: Json = {"x": "é" * 8188 + "a"}
DATA_LIMIT = MAX_DATA_BYTES
#: A malformed If-Match, by the revision it stands in for.
BAD_REVISIONS = ("abc", "-1", "1.0")
#: What an event has whatever the target: the rest is compared when the event has it.
EVENT_KEYS = ("type", "object_unique_name", "item_key", "item_index")
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

small_data = st.dictionaries(
    st.sampled_from(("x", "y", "é")), st.integers(0, 9) | st.text("pé ", max_size=3), max_size=2
)
#: Data for a create: mostly small, sometimes at the limit or just over it.
datas = st.integers(0, 15).flatmap(
    lambda n: st.just(OVER_LIMIT) if n == 15 else st.just(AT_LIMIT) if n == 14 else small_data
)
#: Data for an update, or a create that may go without: sometimes not given (None).
new_datas = st.integers(0, 7).flatmap(lambda n: st.none() if n < 2 else datas)
item_datas = st.integers(0, 9).flatmap(lambda n: st.none() if n == 0 else datas)
#: A unique name to create with, or none.
names = st.sampled_from((None, *NAMES))
#: Chooses a live or missing object, an existing or missing item (see ``pick_object``).
picks = st.integers(0, 99)
#: A TTL for a create or an update: half the time none (so that objects live a while).
ttls = st.sampled_from((None,) * 5 + TTLS[1:])
#: ``ttl``, the alias of ``collection_ttl`` and ``item_ttl``: mostly not given.
aliases = st.sampled_from((None,) * 6 + (0, 2, 30, -1))
#: ``collection_ttl`` on an item's create or update: mostly not given.
collection_ttls = st.sampled_from((None,) * 6 + (0, 2, 30))
#: An item write's ``item_ttl``, its alias ``ttl``, and ``collection_ttl``.
item_ttls = st.tuples(ttls, aliases, collection_ttls)
ItemTtls: TypeAlias = tuple[int | None, int | None, int | None]
#: No If-Match or the current revision four times in seven (so that updates apply).
if_matches = st.sampled_from(("none", "none", "current", "current", "stale", "stale", "malformed"))


def applicable(*checks: tuple[bool, Error]) -> list[Error]:
    """The errors whose condition holds: what a call may be refused with.

    The checks are listed in the order sync_core makes them, which a strict machine
    holds the target to.
    """
    return [error for broken, error in checks if broken]


def first_checks(refusals: list[Error]) -> list[Error]:
    """The refusals of the first failing check: the leading parameter errors
    (400, 413), whose order sync_core leaves open, or else the first refusal."""
    leading = 0
    while leading < len(refusals) and refusals[leading][0] in (400, 413):
        leading += 1
    return refusals[: leading or 1]


def either(value: int | None, alias: int | None) -> int | None:
    """The TTL a call uses: ``value``, else its alias ``ttl``; None when neither."""
    return value if value is not None else alias


def brief(event: Json) -> tuple[Any, ...]:
    return tuple(event.get(key) for key in EVENT_KEYS)


# -- the model --------------------------------------------------------------------------


@attrs.define
class Item:
    """A Map or List item as the model knows it (times are offsets from the start)."""

    data: Json
    created: timedelta
    updated: timedelta
    revision: int = 0
    expires: timedelta | None = None  # None: never


@attrs.define
class Entry:
    """A Document, Map or List as the model knows it."""

    kind: ObjectKind
    sid: str
    unique_name: str | None
    created: timedelta
    #: None when Twilio leaves it open (an item expired, and the machine is not strict).
    updated: timedelta | None
    data: Json | None = None  # Documents only
    revision: int = 0
    expires: timedelta | None = None
    items: dict[Place, Item] = attrs.Factory(dict)  # Maps and Lists only
    next_index: int = 0  # a List's next index: only grows
    permissions: dict[str, tuple[bool, bool, bool]] = attrs.Factory(dict)


@attrs.frozen
class Due:
    """Something whose expiry has come: an object (``place`` None) or an item."""

    at: timedelta
    entry: Entry
    place: Place | None = None


@attrs.frozen
class Expected:
    """An event the model expects, and the instant of the removals it may be reordered
    with (None: its place in the order is exact)."""

    fields: Json
    tie: timedelta | None = None


class SemanticsMachine(RuleBasedStateMachine):
    """Random operations on one target, each checked against the model.

    Use :func:`semantics_machine` to get a subclass bound to your target factory.
    """

    make_target: ClassVar[Callable[[], SyncTarget]]
    #: Hold the target to sync_core's decisions where Twilio is silent too.
    strict: ClassVar[bool] = False
    #: The removals due at one instant come in the order of :meth:`expiry_order`.
    ordered_ties: ClassVar[bool] = False

    def __init__(self) -> None:
        super().__init__()
        self.target = type(self).make_target()
        #: Live objects by SID, in creation order.
        self.objects: dict[str, Entry] = {}
        #: Every SID the target ever gave.
        self.sids: set[str] = set()
        #: Time since the start, by the target's clock.
        self.now = timedelta(0)
        #: The target's instant at ``now == 0``, learnt from the first write's date.
        self.origin: datetime | None = None
        #: Instants as the target writes them, by offset.
        self.dates: dict[timedelta, str] = {}
        #: The account and service SIDs every record carries, learnt from the first.
        self.owners: dict[str, str] = {}
        #: Events the current step should have caused.
        self.expected: list[Expected] = []
        self.events_seen = 0
        #: Whether dates are checked: the target's clock stands still between moves.
        self.dated = self.target.can_travel_in_time
        self.keys = KEYS + (ODD_KEYS if self.target.addresses_any_key else ())

    def teardown(self) -> None:
        self.target.close()

    # -- helpers ------------------------------------------------------------------------

    def attempt(self, refusals: list[Error], call: Callable[[], T], path: str = "") -> T | None:
        """Run ``call`` on ``path`` (below the service, as in a 404's message): refused
        with one of ``refusals`` if any (in a strict machine: of the first failing
        check), else it must succeed."""
        try:
            result = call()
        except TargetError as error:
            refused: TargetError | None = error
        else:
            refused = None
        if refused is not None:
            got = (refused.status, refused.code)
            wanted = first_checks(refusals) if self.strict else refusals
            assert got in wanted, (
                f"{path}: refused with {got} ({refused.message}), expected {wanted or 'success'}"
            )
            return None
        assert not refusals, f"{path}: succeeded, expected a refusal with one of {refusals}"
        return result

    def ttl(self, ttl: int | None) -> int | None:
        """The TTL to send: no positive TTL to a target that cannot travel in time."""
        if ttl is not None and ttl > 0 and not self.target.can_travel_in_time:
            return None
        return ttl

    def expiry(self, ttl: int | None) -> timedelta | None:
        """When something given ``ttl`` now expires (None: never)."""
        return None if not ttl else self.now + timedelta(seconds=ttl)

    def if_match(self, choice: IfMatch, revision: int) -> str | None:
        """No If-Match, the current revision, a stale one, or one that is no revision."""
        if choice == "malformed":
            return BAD_REVISIONS[revision % len(BAD_REVISIONS)]
        return {"none": None, "current": str(revision), "stale": str(revision + 1)}[choice]

    def date(self, offset: timedelta | None) -> str | None:
        """An instant as Twilio's JSON writes it (whole seconds)."""
        if offset is None or self.origin is None:
            return None
        shown = self.dates.get(offset)
        if shown is None:
            shown = self.dates[offset] = (self.origin + offset).strftime(DATE_FORMAT)
        return shown

    def learn(self, result: Json) -> None:
        """Fix the target's start instant from a write's ``date_created`` (once), and
        the SIDs of the account and service (once each)."""
        if self.dated and self.origin is None and result.get("date_created"):
            written = datetime.strptime(result["date_created"], DATE_FORMAT)
            self.origin = written.replace(tzinfo=UTC) - self.now
        for field in ("account_sid", "service_sid"):
            if result.get(field) is not None:
                self.owners.setdefault(field, result[field])

    def check_record(
        self,
        result: Json,
        what: str,
        created: timedelta,
        updated: timedelta | None,
        expires: timedelta | None,
    ) -> None:
        """What every object and item has: its dates, its creator and its owners."""
        got = result.get("date_expires")
        if expires is None:
            assert got is None, f"{what}: date_expires {got}, expected none"
        else:
            assert got is not None, f"{what}: no date_expires, expected one at +{expires}"
        if self.dated and self.origin is not None:
            dates = {"date_created": created, "date_updated": updated, "date_expires": expires}
            for field, offset in dates.items():
                if offset is not None or field == "date_expires":  # None: left open
                    wanted = self.date(offset)
                    assert result[field] == wanted, f"{what}: {field} {result[field]}, {wanted}"
        assert result.get("created_by", "system") == "system", f"{what}: {result['created_by']}"
        for field, sid in self.owners.items():
            assert result.get(field, sid) == sid, f"{what}: {field} {result[field]}, not {sid}"

    def check_object(self, result: Json, entry: Entry) -> None:
        """A Document's, Map's or List's JSON against the model."""
        what = f"{entry.kind} {entry.unique_name or entry.sid}"
        assert result["sid"] == entry.sid, f"{what}: sid {result['sid']}"
        assert result["unique_name"] == entry.unique_name, f"{what}: {result['unique_name']}"
        assert result["revision"] == str(entry.revision), (
            f"{what}: revision {result['revision']}, model {entry.revision}"
        )
        if entry.kind == "document":
            assert result["data"] == entry.data, f"{what}: data {reprlib.repr(result['data'])}"
        self.check_record(result, what, entry.created, entry.updated, entry.expires)

    def check_item(self, result: Json, entry: Entry, place: Place, item: Item) -> None:
        """An item's JSON against the model."""
        what = f"{entry.kind} {entry.unique_name or entry.sid} item {place!r}"
        assert result["key" if entry.kind == "map" else "index"] == place, f"{what}: {result}"
        container = result.get(f"{entry.kind}_sid", entry.sid)
        assert container == entry.sid, f"{what}: in {container}"
        assert result["revision"] == str(item.revision), (
            f"{what}: revision {result['revision']}, model {item.revision}"
        )
        assert result["data"] == item.data, f"{what}: data {reprlib.repr(result['data'])}"
        self.check_record(result, what, item.created, item.updated, item.expires)

    def check_permission(self, result: Json, identity: str, flags: tuple[bool, ...]) -> None:
        got = (result["identity"], result["read"], result["write"], result["manage"])
        assert got == (identity, *flags), f"permission {got}, model {flags}"

    def check_gone(self, call: Callable[[], object], path: str) -> None:
        """What was just deleted is 404."""
        self.attempt([NOT_FOUND], call, path)

    # -- choosing what a rule addresses -------------------------------------------------

    def named(self, kind: ObjectKind, name: str) -> Entry | None:
        """The live object of ``kind`` with unique name ``name``."""
        for entry in self.objects.values():
            if entry.kind == kind and entry.unique_name == name:
                return entry
        return None

    def pick_object(
        self, kinds: tuple[ObjectKind, ...], pick: int
    ) -> tuple[ObjectKind, str, Entry | None]:
        """An object for a rule to address, by unique name or SID: nine times in ten a
        live one of ``kinds`` (when there is one), else one the model does not have
        (a free name, a SID of a deleted object or of another kind: 404).

        Drawing a kind and a name at random would hit a live object too rarely.
        """
        live = [entry for entry in self.objects.values() if entry.kind in kinds]
        missing = []
        if not live or pick % 10 == 0:
            missing = [(k, n) for k in kinds for n in NAMES if self.named(k, n) is None]
            missing += [
                (k, sid)
                for k in kinds
                for sid in sorted(self.sids)
                if sid not in self.objects or self.objects[sid].kind != k
            ]
        if missing:
            kind, address = missing[pick % len(missing)]
            return kind, address, None
        entry = live[pick % len(live)]
        by_sid = entry.unique_name is None or pick // 5 % 3 == 0
        return entry.kind, entry.sid if by_sid else cast(str, entry.unique_name), entry

    def pick_collection(self, pick: int) -> tuple[CollectionKind, str, Entry | None]:
        """A Map or List, as :meth:`pick_object`."""
        kind, address, entry = self.pick_object(COLLECTIONS, pick)
        return cast(CollectionKind, kind), address, entry

    def pick_place(
        self, kind: CollectionKind, entry: Entry | None, pick: int, *, new: bool = False
    ) -> tuple[Place, Place | None]:
        """An item's key or index to send, and the model's (None: malformed): mostly
        one that exists (unless ``new``), sometimes one that does not, now and then one
        that is no key or no index; a List's index is sometimes sent as text."""
        if pick % 20 == 19:
            malformed = MALFORMED[kind]
            return malformed[pick // 20 % len(malformed)], None
        existing = sorted(entry.items) if entry is not None else []
        place: Place
        if existing and pick % 4 and not new:
            place = existing[pick % len(existing)]
        elif kind == "map":
            place = self.keys[pick % len(self.keys)]
        else:
            place = pick % ((entry.next_index if entry is not None else 0) + 2)
        if kind == "list" and pick % 10 == 1:
            return str(place), place
        return place, place

    def path(self, kind: ObjectKind, address: str, *rest: Place) -> str:
        """Where a call goes, below the service: ``Maps/<name>/Items/<key>``."""
        return "/".join([SEGMENTS[kind], address, *map(str, rest)])

    # -- what the steps cause -----------------------------------------------------------

    def announce(
        self,
        what: str,
        entry: Entry,
        place: Place | None = None,
        *,
        revision: int | None = None,
        data: Json | None = None,
        previous: Json | None = None,
        expired: timedelta | None = None,
    ) -> None:
        """Expect an event: ``what`` happened to ``entry`` (as it now is), or to its item
        at ``place`` (of ``revision``); an expiry is dated when it ``expired``."""
        fields: Json = {
            "type": f"{entry.kind}_{what}",
            "object_sid": entry.sid,
            "object_unique_name": entry.unique_name,
            "object_revision": str(entry.revision),
            "revision": str(entry.revision if revision is None else revision),
            "item_key": place if isinstance(place, str) else None,
            "item_index": place if isinstance(place, int) else None,
            "identity": "system",
            "message_sid": None,
            "expired": expired is not None,
            "data": data,
            "previous_data": previous,
            **self.owners,
        }
        if self.dated and self.origin is not None and (expired is None or self.strict):
            fields["date"] = self.date(self.now if expired is None else expired)
        tie = None if expired is None or self.ordered_ties else expired
        self.expected.append(Expected(fields, tie))

    def rewrite(self, record: Entry | Item, data: Json | None, ttl: int | None) -> Json | None:
        """A Document's or an item's update: one revision more, updated now, the data
        and the TTL given (an expiry kept when none is). The data it had."""
        previous = record.data
        record.revision += 1
        record.updated = self.now
        if data is not None:
            record.data = data
        if ttl is not None:
            record.expires = self.expiry(ttl)
        return previous

    def touch(self, entry: Entry, collection_ttl: int | None = None) -> None:
        """An item of ``entry`` changed now: one revision more, maybe a new expiry."""
        entry.revision += 1
        entry.updated = self.now
        if collection_ttl is not None:
            entry.expires = self.expiry(collection_ttl)

    def expiry_order(self, due: Due) -> tuple[Any, ...]:
        """Where a removal comes in a sweep: by instant, and at one instant an object
        before items (it takes its own with it)."""
        return (due.at, due.place is not None)

    def pass_time(self, delta: timedelta) -> None:
        """The target's clock moved by ``delta``: whatever expired by then is gone, and
        announced, earliest first.

        An item expiring with (or after) its container has no event, while one that
        expired strictly earlier was removed (and announced) first.
        """
        self.now += delta
        due: list[Due] = []
        for entry in self.objects.values():
            if entry.expires is not None and entry.expires <= self.now:
                due.append(Due(entry.expires, entry))
            for place, item in entry.items.items():
                if item.expires is not None and item.expires <= self.now:
                    due.append(Due(item.expires, entry, place))
        for removal in sorted(due, key=self.expiry_order):
            entry = removal.entry
            if entry.sid not in self.objects:  # its container expired first, taking it
                continue
            if removal.place is None:
                del self.objects[entry.sid]
                self.announce("removed", entry, previous=entry.data, expired=removal.at)
                continue
            item = entry.items.pop(removal.place)
            entry.revision += 1
            updated = entry.updated
            strict = self.strict and updated is not None
            entry.updated = max(cast(timedelta, updated), removal.at) if strict else None
            self.announce(
                "item_removed",
                entry,
                removal.place,
                revision=item.revision,
                previous=item.data,
                expired=removal.at,
            )

    # -- the rules ----------------------------------------------------------------------

    @initialize(
        kinds=st.lists(st.sampled_from(COLLECTIONS), min_size=1, max_size=3),
        lifetime=st.sampled_from((None, None, 5)),
        item_ttls=st.lists(st.sampled_from((None, None, 0, 1, 2, 5, 30)), min_size=3, max_size=8),
    )
    def start(
        self, kinds: list[CollectionKind], lifetime: int | None, item_ttls: list[int | None]
    ) -> None:
        """Begin with a Document, Maps or Lists with a few items among them, a permission;
        the first container and the items maybe with a TTL (so that several expire at
        one instant, a container with its items, a Map's items with a List's).

        (Hypothesis enables a random subset of the rules in each run: without this, runs
        that cannot create objects would spend every step on 404s.)
        """
        self.create_document(NAMES[0], {}, None)
        for n, (kind, name) in enumerate(zip(kinds, NAMES, strict=False)):
            self.create_collection(kind, name, None if n else lifetime, None)
        for n, ttl in enumerate(item_ttls):  # in each container in turn
            self.add_item(n % len(kinds) or len(kinds), n + 1, {"n": n}, (ttl, None, None))
        self.permission("set", 1, IDENTITIES[0], (True, False, True))

    @rule(pick=picks)
    def fetch_object(self, pick: int) -> None:
        """Fetch a Document, Map or List (404 when the model has none)."""
        kind, address, entry = self.pick_object(KINDS, pick)
        result = self.attempt(
            applicable((entry is None, NOT_FOUND)),
            lambda: (
                self.target.fetch_document(address)
                if kind == "document"
                else self.target.fetch_collection(kind, address)
            ),
            self.path(kind, address),
        )
        if entry is not None and result is not None:
            self.check_object(result, entry)

    def created(self, kind: ObjectKind, name: str | None, result: Json, **values: Any) -> Entry:
        """A new object, as its create answered: a SID never seen, revision 0."""
        sid = result["sid"]
        assert sid not in self.sids, f"{kind} {name}: a SID given before, {sid}"
        assert sid.startswith(PREFIXES[kind]), f"{kind} {name}: SID {sid}"
        self.sids.add(sid)
        self.learn(result)
        entry = Entry(kind, sid, name, created=self.now, updated=self.now, **values)
        self.objects[sid] = entry
        self.check_object(result, entry)
        return entry

    # -- documents ----------------------------------------------------------------------

    @rule(name=names, data=new_datas, ttl=ttls)
    def create_document(self, name: str | None, data: Json | None, ttl: int | None) -> None:
        ttl = self.ttl(ttl)
        refusals = applicable(
            (ttl == -1, BAD_TTL),
            (data is not None and json_size(data) > DATA_LIMIT, TOO_LARGE),
            (name is not None and self.named("document", name) is not None, NAME_TAKEN),
        )
        result = self.attempt(
            refusals, lambda: self.target.create_document(name, data, ttl), "Documents"
        )
        if result is None:
            return
        stored = {} if data is None else data
        entry = self.created("document", name, result, data=stored, expires=self.expiry(ttl))
        self.announce("created", entry, data=stored)

    @rule(pick=picks, data=new_datas, ttl=ttls, choice=if_matches)
    def update_document(
        self, pick: int, data: Json | None, ttl: int | None, choice: IfMatch
    ) -> None:
        """Data and/or TTL, with no, the current, a stale or a malformed ``if_match``."""
        ttl = self.ttl(ttl)
        _, address, entry = self.pick_object(("document",), pick)
        if_match = self.if_match(choice, entry.revision if entry is not None else 0)
        refusals = applicable(
            (entry is None, NOT_FOUND),
            (data is None and ttl is None, NOTHING_TO_UPDATE),
            (ttl == -1, BAD_TTL),
            (data is not None and json_size(data) > DATA_LIMIT, TOO_LARGE),
            (choice == "malformed", BAD_IF_MATCH),
            (choice == "stale", STALE),
        )
        result = self.attempt(
            refusals,
            lambda: self.target.update_document(address, data=data, ttl=ttl, if_match=if_match),
            self.path("document", address),
        )
        if entry is None or result is None:
            return
        previous = self.rewrite(entry, data, ttl)
        self.check_object(result, entry)
        self.announce("updated", entry, data=entry.data, previous=previous)

    @rule(pick=picks)
    def delete_document(self, pick: int) -> None:
        _, address, entry = self.pick_object(("document",), pick)
        path = self.path("document", address)
        delete = self.target.delete_document
        self.attempt(applicable((entry is None, NOT_FOUND)), lambda: delete(address), path)
        if entry is not None:
            del self.objects[entry.sid]
            self.announce("removed", entry, previous=entry.data)
            self.check_gone(lambda: self.target.fetch_document(address), path)

    # -- maps and lists -----------------------------------------------------------------

    @rule(kind=st.sampled_from(COLLECTIONS), name=names, ttl=ttls, alias=aliases)
    def create_collection(
        self, kind: CollectionKind, name: str | None, ttl: int | None, alias: int | None
    ) -> None:
        ttl, alias = self.ttl(ttl), self.ttl(alias)
        seconds = either(ttl, alias)
        refusals = applicable(
            (seconds == -1, BAD_TTL),
            (name is not None and self.named(kind, name) is not None, NAME_TAKEN),
        )
        result = self.attempt(
            refusals,
            lambda: self.target.create_collection(kind, name, ttl, ttl_alias=alias),
            SEGMENTS[kind],
        )
        if result is not None:
            entry = self.created(kind, name, result, expires=self.expiry(seconds))
            self.announce("created", entry)

    @rule(pick=picks, ttl=ttls, alias=aliases)
    def update_collection(self, pick: int, ttl: int | None, alias: int | None) -> None:
        """A TTL update: one more revision, and no event."""
        ttl, alias = self.ttl(ttl), self.ttl(alias)
        seconds = either(ttl, alias)
        kind, address, entry = self.pick_collection(pick)
        refusals = applicable(
            (entry is None, NOT_FOUND),
            (seconds is None, NOTHING_TO_UPDATE),
            (seconds == -1, BAD_TTL),
        )
        result = self.attempt(
            refusals,
            lambda: self.target.update_collection(kind, address, ttl, ttl_alias=alias),
            self.path(kind, address),
        )
        if entry is None or result is None:
            return
        entry.revision += 1
        entry.updated = self.now
        entry.expires = self.expiry(seconds)
        self.check_object(result, entry)

    @precondition(lambda self: sum(e.kind != "document" for e in self.objects.values()) > 1)
    @rule(pick=picks)
    def delete_collection(self, pick: int) -> None:
        """The container goes with its items: one ``*_removed``, no item events.

        (Only while there are others: a run whose Maps and Lists are gone tests little.)
        """
        kind, address, entry = self.pick_collection(pick)
        path = self.path(kind, address)
        delete = self.target.delete_collection
        self.attempt(applicable((entry is None, NOT_FOUND)), lambda: delete(kind, address), path)
        if entry is not None:
            del self.objects[entry.sid]
            self.announce("removed", entry)
            self.check_gone(lambda: self.target.fetch_collection(kind, address), path)
            listing = self.target.list_items
            self.check_gone(lambda: listing(kind, address), self.path(kind, address, "Items"))

    # -- items --------------------------------------------------------------------------

    @rule(pick=picks, spot=picks, data=item_datas, ttls=item_ttls)
    def add_item(self, pick: int, spot: int, data: Json | None, ttls: ItemTtls) -> None:
        """Add a Map item at a key (409/54208 if taken), or append a List item."""
        ttl, alias, collection_ttl = (self.ttl(seconds) for seconds in ttls)
        seconds = either(ttl, alias)
        kind, address, entry = self.pick_collection(pick)
        key: Place | None = None
        place: Place | None = None
        if kind == "map":
            key, place = self.pick_place(kind, entry, spot, new=True)
        elif entry is not None:
            place = entry.next_index
        refusals = applicable(
            (entry is None, NOT_FOUND),
            (kind == "map" and place is None, BAD_PLACE[kind]),
            (data is None, NULL_DATA[kind]),
            (seconds == -1, BAD_TTL),
            (data is not None and json_size(data) > DATA_LIMIT, TOO_LARGE),
            (entry is not None and place in entry.items, KEY_TAKEN),
        )
        result = self.attempt(
            refusals,
            lambda: self.target.add_item(
                kind,
                address,
                cast(str | None, key),
                data,
                ttl,
                ttl_alias=alias,
                collection_ttl=collection_ttl,
            ),
            self.path(kind, address, "Items"),
        )
        if entry is None or result is None or data is None or place is None:
            return
        if kind == "list":
            entry.next_index += 1  # never given again, even after a removal
        item = Item(data, created=self.now, updated=self.now, expires=self.expiry(seconds))
        entry.items[place] = item
        self.touch(entry, collection_ttl)
        self.check_item(result, entry, place, item)
        self.announce("item_added", entry, place, revision=0, data=data)

    @rule(pick=picks, spot=picks)
    def fetch_item(self, pick: int, spot: int) -> None:
        kind, address, entry = self.pick_collection(pick)
        sent, place = self.pick_place(kind, entry, spot)
        item = None if entry is None or place is None else entry.items.get(place)
        result = self.attempt(
            applicable(
                (entry is None, NOT_FOUND),
                (place is None, BAD_PLACE[kind]),
                (place is not None and item is None, NOT_FOUND),
            ),
            lambda: self.target.fetch_item(kind, address, sent),
            self.path(kind, address, "Items", sent),
        )
        if entry is not None and place is not None and item is not None and result is not None:
            self.check_item(result, entry, place, item)

    @rule(pick=picks, spot=picks, data=new_datas, ttls=item_ttls, choice=if_matches)
    def update_item(
        self, pick: int, spot: int, data: Json | None, ttls: ItemTtls, choice: IfMatch
    ) -> None:
        """Data and/or item TTL; the item's and its container's revisions go up by one."""
        ttl, alias, collection_ttl = (self.ttl(seconds) for seconds in ttls)
        seconds = either(ttl, alias)
        kind, address, entry = self.pick_collection(pick)
        sent, place = self.pick_place(kind, entry, spot)
        item = None if entry is None or place is None else entry.items.get(place)
        if_match = self.if_match(choice, item.revision if item is not None else 0)
        nothing = data is None and seconds is None
        refusals = applicable(
            (entry is None, NOT_FOUND),
            (place is None, BAD_PLACE[kind]),
            (nothing and collection_ttl is None, NOTHING_TO_UPDATE),
            (nothing and collection_ttl is not None, LONE_COLLECTION_TTL),
            (seconds == -1, BAD_TTL),
            (data is not None and json_size(data) > DATA_LIMIT, TOO_LARGE),
            (choice == "malformed", BAD_IF_MATCH),
            (place is not None and item is None, NOT_FOUND),
            (choice == "stale", STALE),
        )
        result = self.attempt(
            refusals,
            lambda: self.target.update_item(
                kind,
                address,
                sent,
                data=data,
                ttl=ttl,
                if_match=if_match,
                ttl_alias=alias,
                collection_ttl=collection_ttl,
            ),
            self.path(kind, address, "Items", sent),
        )
        if entry is None or item is None or place is None or result is None:
            return
        previous = self.rewrite(item, data, seconds)
        self.touch(entry, collection_ttl)
        self.check_item(result, entry, place, item)
        self.announce(
            "item_updated", entry, place, revision=item.revision, data=item.data, previous=previous
        )

    @rule(pick=picks, spot=picks, choice=if_matches)
    def delete_item(self, pick: int, spot: int, choice: IfMatch) -> None:
        if choice != "current" and not self.target.conditional_item_deletes:
            choice = "none"
        kind, address, entry = self.pick_collection(pick)
        sent, place = self.pick_place(kind, entry, spot)
        item = None if entry is None or place is None else entry.items.get(place)
        if_match = self.if_match(choice, item.revision if item is not None else 0)
        refusals = applicable(
            (entry is None, NOT_FOUND),
            (place is None, BAD_PLACE[kind]),
            (choice == "malformed", BAD_IF_MATCH),
            (place is not None and item is None, NOT_FOUND),
            (choice == "stale", STALE),
        )
        path = self.path(kind, address, "Items", sent)
        self.attempt(
            refusals,
            lambda: self.target.delete_item(kind, address, sent, if_match=if_match),
            path,
        )
        if entry is None or item is None or place is None or refusals:
            return
        del entry.items[place]
        self.touch(entry)
        self.announce("item_removed", entry, place, revision=item.revision, previous=item.data)
        self.check_gone(lambda: self.target.fetch_item(kind, address, sent), path)

    @rule(
        pick=picks,
        order=st.sampled_from((None, "asc", "desc", "sideways")),
        start=st.none() | picks,
        bounds=st.sampled_from((None, "inclusive", "exclusive", "both")),
        # Any size from 1 is accepted, a larger one than a page holds is clamped
        # (SEMANTICS.md: the official SDKs send PageSize=limit uncapped).
        page_size=st.sampled_from((None, 1, 2, 3, 100, 101, 1000, 5000)),
    )
    def list_items(
        self,
        pick: int,
        order: str | None,
        start: int | None,
        bounds: str | None,
        page_size: int | None,
    ) -> None:
        """A listing equals the model's slice: from ``from_`` (the upper end in desc)."""
        kind, address, entry = self.pick_collection(pick)
        sent: Place | None = None
        from_: Place | None = None
        if start is not None and start % 20 == 9 and self.strict:
            sent = ""  # counts as not given
        elif start is not None:
            sent, from_ = self.pick_place(kind, entry, start)
        result = self.attempt(
            applicable(
                (entry is None, NOT_FOUND),
                (order not in (None, "asc", "desc"), BAD_ORDER),
                (bounds not in (None, "inclusive", "exclusive"), BAD_BOUNDS),
                (sent not in (None, "") and from_ is None, BAD_PLACE[kind]),
            ),
            lambda: self.target.list_items(
                kind,
                address,
                order=cast(Order | None, order),
                from_=sent,
                bounds=cast(Bounds | None, bounds),
                page_size=page_size,
            ),
            self.path(kind, address, "Items"),
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
        self.check_listing(result, entry, places, f"({order}, {sent!r}, {bounds})")

    def check_listing(self, rows: list[Json], entry: Entry, places: list[Place], how: str) -> None:
        got = [row["key" if entry.kind == "map" else "index"] for row in rows]
        what = f"{entry.kind} {entry.unique_name or entry.sid}"
        assert got == places, f"{what}: listed {got}, model {places} {how}"
        for row, place in zip(rows, places, strict=True):
            self.check_item(row, entry, place, entry.items[place])

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
        kind, address, entry = self.pick_object(KINDS, pick)
        has = entry is not None and identity in entry.permissions
        target = self.target
        path = self.path(kind, address, "Permissions", identity)
        if action == "set":
            result = self.attempt(
                applicable((entry is None, NOT_FOUND)),
                lambda: target.set_permission(kind, address, identity, *flags),
                path,
            )
            if entry is not None and result is not None:
                entry.permissions[identity] = flags
                self.check_permission(result, identity, flags)
        elif action == "fetch":
            result = self.attempt(
                applicable((not has, NOT_FOUND)),
                lambda: target.fetch_permission(kind, address, identity),
                path,
            )
            if entry is not None and result is not None:
                self.check_permission(result, identity, entry.permissions[identity])
        elif action == "delete":
            self.attempt(
                applicable((not has, NOT_FOUND)),
                lambda: target.delete_permission(kind, address, identity),
                path,
            )
            if entry is not None and has:
                del entry.permissions[identity]
        else:  # every permission, in identity order (code points)
            rows = self.attempt(
                applicable((entry is None, NOT_FOUND)),
                lambda: target.list_permissions(kind, address),
                self.path(kind, address, "Permissions"),
            )
            if entry is not None and rows is not None:
                assert [row["identity"] for row in rows] == sorted(entry.permissions), rows
                for row in rows:
                    self.check_permission(row, row["identity"], entry.permissions[row["identity"]])

    # -- time ---------------------------------------------------------------------------

    @precondition(lambda self: self.target.can_travel_in_time)
    @rule(seconds=st.sampled_from(ADVANCES))
    def advance(self, seconds: int) -> None:
        """Move the clock; whatever expired by then is gone and announced."""
        self.pass_time(timedelta(seconds=seconds))
        self.target.advance(seconds)

    # -- after every step ---------------------------------------------------------------

    @invariant()
    def agrees_with_the_model(self) -> None:
        """The step's events are the model's; every object and item equals the model."""
        self.check_events()
        for entry in self.objects.values():
            if entry.kind == "document":
                self.check_object(self.target.fetch_document(entry.sid), entry)
                continue
            self.check_object(self.target.fetch_collection(entry.kind, entry.sid), entry)
            rows = self.target.list_items(entry.kind, entry.sid, page_size=100)
            self.check_listing(rows, entry, sorted(entry.items), "(all)")

    def check_events(self) -> None:
        """The events since the last check are the model's: in order, but for removals
        due at one instant (unless :attr:`ordered_ties`), compared without their
        container's revision."""
        events = self.target.events()
        expected, self.expected = self.expected, []
        if events is None:
            return
        new = events[self.events_seen :]
        first = self.events_seen + 1
        self.events_seen = len(events)
        summary = f"events {[brief(e) for e in new]}, model {[brief(e.fields) for e in expected]}"
        assert len(new) == len(expected), summary
        if self.strict:
            numbers = [event.get("sequence") for event in new]
            counted = list(range(first, first + len(new)))
            assert numbers in ([None] * len(new), counted), f"sequence {numbers}, not {counted}"
        start = 0
        while start < len(expected):
            tie = expected[start].tie
            end = start + 1
            while tie is not None and end < len(expected) and expected[end].tie == tie:
                end += 1
            got, want = new[start:end], [e.fields for e in expected[start:end]]
            if tie is None:
                for event, fields in zip(got, want, strict=True):
                    differences = differ(event, fields)
                    assert not differences, f"{summary}: {brief(fields)} differs, {differences}"
            else:
                loose = [{**fields, "object_revision": None} for fields in want]
                for event in got:
                    match = [n for n, fields in enumerate(loose) if not differ(event, fields)]
                    assert match, f"{summary}: {brief(event)} is not one of the removals due"
                    del loose[match[0]]
            start = end


def differ(event: Json, fields: Json) -> dict[str, tuple[Any, Any]]:
    """The fields the model knows that ``event`` has otherwise (got, model); the model's
    ``object_revision`` None matches any."""
    differences = {}
    for field, wanted in fields.items():
        if field not in event and field not in EVENT_KEYS:
            continue
        got = event.get(field)
        if got != wanted and not (field == "object_revision" and wanted is None):
            differences[field] = (reprlib.repr(got), reprlib.repr(wanted))
    return differences


def semantics_machine(
    make_target: Callable[[], SyncTarget],
    *,
    settings: Settings | None = None,
    strict: bool = False,
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
        strict: also hold the target to sync_core's own decisions where Twilio is
            silent (see the module's documentation).

    Returns:
        A subclass of :class:`SemanticsMachine`.
    """
    name = getattr(make_target, "__name__", "Target") + "SemanticsMachine"
    machine = cast(
        type[SemanticsMachine],
        type(
            name,
            (SemanticsMachine,),
            {"make_target": staticmethod(make_target), "strict": strict},
        ),
    )
    machine.TestCase.settings = (
        settings
        if settings is not None
        else Settings(stateful_step_count=DEFAULT_STEPS, deadline=None)
    )
    return machine
