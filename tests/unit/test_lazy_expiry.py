"""Lazy expiry (``Sync(lazy_expiry=LazyExpiry(...))``): an expired object or item stays,
readable, listed and writable, until ``date_expires`` plus a seeded lag in
``[0, max_lag]``, and is gone from that instant on, to the microsecond.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import Delegating, refused
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from sync_core import (
    LazyExpiry,
    ManualClock,
    NotFoundError,
    ServiceContext,
    SqliteStorage,
    Storage,
    Sync,
    SyncEvent,
)
from sync_core.adapters.twilio import SyncHttpClient
from sync_core.storage import Key

US = timedelta(microseconds=1)
START = datetime(2025, 1, 1, tzinfo=UTC)
SERVICE = "IS" + "0" * 32


def lazy_sync(
    max_lag: timedelta | float = 60, seed: int = 7, storage: Storage | None = None
) -> tuple[Sync, ManualClock, LazyExpiry]:
    clock = ManualClock()
    lazy = LazyExpiry(max_lag=max_lag, seed=seed)
    return Sync(clock=clock, seed=1, storage=storage, lazy_expiry=lazy), clock, lazy


def expiry(record: Any) -> datetime:
    """``record.date_expires``, which it must have."""
    assert isinstance(record.date_expires, datetime)
    return record.date_expires


def removal(lazy: LazyExpiry, record: Any) -> datetime:
    """When ``record`` is removed, which it must be."""
    at = lazy.removed_at(record)
    assert at is not None
    return at


def events_of(sync: Sync) -> list[SyncEvent]:
    seen: list[SyncEvent] = []
    sync.subscribe(seen.append)
    return seen


# -- each kind of thing that expires -------------------------------------------------

#: What an expiring thing gives a test: its record, a fetch of it, its listing, and how
#: it shows in that listing.
Made = tuple[Any, Callable[[], Any], Callable[[], list[Any]], object]


def an_object(collection: str) -> Callable[[ServiceContext], Made]:
    """What makes a Document, Map, List or Stream (``collection`` of the Service)."""

    def make(svc: ServiceContext) -> Made:
        objects = getattr(svc, collection)
        record = objects.create(unique_name="o", ttl=10)
        return record, objects("o").fetch, lambda: [o.sid for o in objects.list()], record.sid

    make.__name__ = collection
    return make


def a_map_item(svc: ServiceContext) -> Made:
    svc.sync_maps.create(unique_name="m")
    items = svc.sync_maps("m").sync_map_items
    items.create(key="before", data={})
    record = items.create(key="k", data={"a": 1}, ttl=10)
    return record, items("k").fetch, lambda: [i.key for i in items.list()], "k"


def a_list_item(svc: ServiceContext) -> Made:
    svc.sync_lists.create(unique_name="l")
    items = svc.sync_lists("l").sync_list_items
    items.create(data={"first": True})
    record = items.create(data={"a": 1}, ttl=10)
    return record, items(record.index).fetch, lambda: [i.index for i in items.list()], 1


KINDS = [
    *map(an_object, ["documents", "sync_maps", "sync_lists", "sync_streams"]),
    a_map_item,
    a_list_item,
]


def gone(fetch: Callable[[], Any]) -> None:
    with pytest.raises(NotFoundError) as caught:
        fetch()
    assert (caught.value.status, caught.value.code) == (404, 20404)


@pytest.mark.parametrize("make", KINDS, ids=lambda make: make.__name__)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_expired_thing_stays_for_exactly_its_lag(make: Callable[..., Made], seed: int) -> None:
    sync, clock, lazy = lazy_sync(max_lag=60, seed=seed)
    record, fetch, listed, name = make(sync.services("default"))
    others = [other for other in listed() if other != name]
    gone_at = removal(lazy, record)
    assert record.date_expires < gone_at <= record.date_expires + timedelta(seconds=60)

    for now in (record.date_expires, gone_at - US):  # expired, and not yet removed
        clock.set(now)
        assert fetch().to_dict() == record.to_dict()
        assert name in listed()
        sync._check()

    clock.set(gone_at)
    gone(fetch)
    assert listed() == others
    sync._check()


def test_a_lagging_item_is_listed_with_the_others() -> None:
    sync, clock, lazy = lazy_sync(max_lag=30, seed=4)
    svc = sync.services("default")
    svc.sync_maps.create(unique_name="m")
    items = svc.sync_maps("m").sync_map_items
    for key in "abc":
        items.create(key=key, data={}, ttl=5 if key == "b" else 0)
    b = items("b").fetch()
    gone_at = removal(lazy, b)
    clock.set(gone_at - US)
    assert [i.key for i in items.list()] == ["a", "b", "c"]
    assert [i.key for i in items.list(order="desc")] == ["c", "b", "a"]
    assert svc.sync_maps("m").fetch().revision == "3"  # three items added, none removed
    clock.set(gone_at)
    assert [i.key for i in items.list()] == ["a", "c"]
    assert svc.sync_maps("m").fetch().revision == "4"


# -- the lags: bounded, reproducible, seeded -------------------------------------------


def removal_instants(seed: int, max_lag: float = 60, count: int = 40) -> list[datetime]:
    sync, _, lazy = lazy_sync(max_lag=max_lag, seed=seed)
    docs = sync.services("default").documents
    made = [docs.create(ttl=1 + n % 7) for n in range(count)]
    return [removal(lazy, doc) for doc in made]


def test_lags_are_within_max_lag_and_spread_over_it() -> None:
    sync, _, lazy = lazy_sync(max_lag=60, seed=11)
    docs = sync.services("default").documents
    made = [docs.create(ttl=10) for _ in range(200)]
    lags = [lazy.lag(doc.service_sid, doc.sid, expiry(doc)) for doc in made]
    assert all(timedelta(0) <= lag <= timedelta(seconds=60) for lag in lags)
    assert len(set(lags)) == 200  # to the microsecond, no two alike
    assert min(lags) < timedelta(seconds=10)
    assert max(lags) > timedelta(seconds=50)


def test_the_same_seed_gives_the_same_lags_and_another_seed_others() -> None:
    assert removal_instants(5) == removal_instants(5)
    assert removal_instants(5) != removal_instants(6)


def test_a_lag_is_the_same_in_every_process() -> None:
    # BLAKE2b of the values, not Python's salted hash(): these never change.
    lazy = LazyExpiry(max_lag=60, seed=1)
    at = datetime(2025, 1, 1, tzinfo=UTC)
    assert lazy.lag(SERVICE, "ET" + "0" * 32, at) == timedelta(seconds=26, microseconds=964940)
    assert lazy.lag(SERVICE, "MP" + "0" * 32, at, "k") == timedelta(seconds=33, microseconds=786264)
    assert lazy.lag(SERVICE, "ES" + "0" * 32, at, 3) == timedelta(seconds=2, microseconds=60732)


def test_a_lag_depends_on_the_expiry_and_on_what_expires() -> None:
    lazy = LazyExpiry(max_lag=3600, seed=1)
    at = datetime(2025, 1, 1, tzinfo=UTC)
    lags = {
        lazy.lag(SERVICE, "ET1", at),
        lazy.lag(SERVICE, "ET1", at + US),
        lazy.lag(SERVICE, "ET2", at),
        lazy.lag("IS1", "ET1", at),
        lazy.lag(SERVICE, "MP1", at, "1"),
        lazy.lag(SERVICE, "MP1", at, 1),
    }
    assert len(lags) == 6


def test_the_removal_instant_does_not_depend_on_the_order_of_operations() -> None:
    sids = [f"ET{n:032x}" for n in range(1, 7)]
    expires = [START + timedelta(seconds=5 * n, microseconds=n) for n in range(1, 7)]
    documents = [
        {"sid": sid, "date_expires": at.isoformat()} for sid, at in zip(sids, expires, strict=True)
    ]

    def removals(order: list[int], steps: list[int]) -> dict[str, datetime]:
        clock = ManualClock()
        lazy = LazyExpiry(max_lag=20, seed=9)
        state = {
            "version": 1,
            "services": [{"sid": SERVICE, "documents": [documents[n] for n in order]}],
        }
        sync = Sync.import_state(state, clock=clock, lazy_expiry=lazy)
        seen = events_of(sync)
        for step in steps:  # the sweeps run at other instants, removing other batches
            clock.advance(step)
            sync.expire()
        clock.advance(60)
        sync.expire()
        return {event.object_sid: event.date for event in seen}

    one = removals([0, 1, 2, 3, 4, 5], [7, 7, 7, 7])
    other = removals([5, 3, 1, 0, 2, 4], [1, 29, 2])
    assert one == other
    lazy = LazyExpiry(max_lag=20, seed=9)
    assert one == {
        sid: at + lazy.lag(SERVICE, sid, at) for sid, at in zip(sids, expires, strict=True)
    }


# -- max_lag=0 is exact expiry ------------------------------------------------------


def scenario(sync: Sync, clock: ManualClock) -> list[Any]:
    """Objects and items expiring together, before and after each other; what is seen."""
    seen = events_of(sync)
    svc = sync.services("default")
    svc.documents.create(unique_name="d1", ttl=10)
    svc.documents.create(unique_name="d2", ttl=5)
    svc.sync_maps.create(unique_name="m", ttl=10)
    items = svc.sync_maps("m").sync_map_items
    items.create(key="same", data={}, ttl=10)  # goes with its map, no event of its own
    items.create(key="early", data={}, ttl=3)
    items.create(key="later", data={}, ttl=20)
    svc.sync_lists.create(unique_name="l")
    list_items = svc.sync_lists("l").sync_list_items
    for ttl in (4, 4, 0, 6):
        list_items.create(data={"ttl": ttl}, ttl=ttl)
    clock.advance(2)
    svc.documents("d1").update(data={"moved": True}, ttl=3)  # now due at +5, with d2
    list_items(3).update(data={"moved": True}, ttl=1)  # due at +3, with "early"
    views: list[Any] = []
    for step in (1, 1, 1, 1, 3, 10):
        clock.advance(step)
        sync.expire()
        views.append(sync.export_state())
    views.append([event.to_dict() for event in seen])
    return views


def test_max_lag_zero_is_exact_expiry() -> None:
    exact_clock, lazy_clock = ManualClock(), ManualClock()
    exact = Sync(clock=exact_clock, seed=3)
    lazy = Sync(clock=lazy_clock, seed=3, lazy_expiry=LazyExpiry(max_lag=0, seed=123))
    seen = scenario(lazy, lazy_clock)
    assert seen == scenario(exact, exact_clock)
    removals = [e["type"] for e in seen[-1] if e["expired"]]
    assert removals == [  # at +3, +4, +5 and +10; "same" and "later" go with their Map
        "map_item_removed",
        "list_item_removed",
        "list_item_removed",
        "list_item_removed",
        "document_removed",
        "document_removed",
        "map_removed",
    ]
    lazy._check()


def test_max_lag_zero_removes_at_date_expires_exactly() -> None:
    sync, clock, lazy = lazy_sync(max_lag=0)
    doc = sync.services("default").documents.create(unique_name="d", ttl=10)
    assert removal(lazy, doc) == expiry(doc)
    clock.set(expiry(doc) - US)
    assert [d.sid for d in sync.services("default").documents.list()] == [doc.sid]
    clock.set(expiry(doc))
    assert sync.services("default").documents.list() == []


# -- events: in removal order, dated at removal ---------------------------------------


def test_removals_come_in_order_of_their_removal_instants() -> None:
    sync, clock, lazy = lazy_sync(max_lag=120, seed=21)
    seen = events_of(sync)
    svc = sync.services("default")
    docs = [svc.documents.create(unique_name=f"d{n}", ttl=5 + n) for n in range(8)]
    svc.sync_lists.create(unique_name="l")
    items = svc.sync_lists("l").sync_list_items
    made = [items.create(data={"n": n}, ttl=5 + n) for n in range(8)]
    seen.clear()
    expected = sorted(
        [(removal(lazy, doc), "document_removed", doc.sid) for doc in docs]
        + [(removal(lazy, item), "list_item_removed", item.index) for item in made],
        key=lambda entry: entry[0],  # stable: Documents first at one instant
    )
    by_expiry = [doc.sid for doc in docs]
    assert [sid for _, kind, sid in expected if kind == "document_removed"] != by_expiry

    clock.advance(200)  # everything is due at once: one sweep, in order
    sync.expire()
    got = [
        (e.date, e.type, e.object_sid if e.type == "document_removed" else e.item_index)
        for e in seen
    ]
    assert got == expected
    assert all(event.expired for event in seen)
    assert [e.sequence for e in seen] == sorted(e.sequence for e in seen)
    last_item = max(removal(lazy, item) for item in made)
    listed = svc.sync_lists("l").fetch()
    assert listed.date_updated == last_item  # dated at the last item's removal
    assert listed.revision == str(8 + 8)
    sync._check()


def test_a_container_date_updated_is_the_removal_instant_of_its_item() -> None:
    sync, clock, lazy = lazy_sync(max_lag=60, seed=2)
    svc = sync.services("default")
    svc.sync_maps.create(unique_name="m")
    item = svc.sync_maps("m").sync_map_items.create(key="k", data={}, ttl=10)
    gone_at = removal(lazy, item)
    assert gone_at > expiry(item)
    clock.set(gone_at + timedelta(seconds=30))
    after = svc.sync_maps("m").fetch()
    assert after.date_updated == gone_at
    assert after.revision == "2"


def test_a_map_takes_its_later_items_with_it_and_its_earlier_items_go_first() -> None:
    outcomes = set()
    for seed in range(20):
        sync, clock, lazy = lazy_sync(max_lag=60, seed=seed)
        seen = events_of(sync)
        svc = sync.services("default")
        game = svc.sync_maps.create(unique_name="m", ttl=10)
        item = svc.sync_maps("m").sync_map_items.create(key="k", data={}, ttl=10)
        map_at, item_at = removal(lazy, game), removal(lazy, item)
        seen.clear()
        clock.advance(100)
        sync.expire()
        got = [(event.type, event.date) for event in seen]
        if item_at < map_at:
            assert got == [("map_item_removed", item_at), ("map_removed", map_at)]
        else:
            assert got == [("map_removed", map_at)]
        outcomes.add(item_at < map_at)
        sync._check()
    assert outcomes == {True, False}


# -- writable while lagging -----------------------------------------------------------


def test_a_lagging_document_is_writable_and_keeps_its_name() -> None:
    sync, clock, lazy = lazy_sync(max_lag=60, seed=8)
    docs = sync.services("default").documents
    doc = docs.create(unique_name="d", data={"v": 1}, ttl=10)
    gone_at = removal(lazy, doc)
    clock.set(expiry(doc) + (gone_at - expiry(doc)) / 2)
    refused(lambda: docs.create(unique_name="d"), 409, 54301, "Unique name already exists")
    updated = docs("d").update(data={"v": 2})  # data only: the same expiry, the same removal
    assert (updated.revision, updated.date_expires) == ("1", doc.date_expires)
    assert removal(lazy, updated) == gone_at
    clock.set(gone_at)
    assert docs.list() == []
    sync._check()


def test_a_new_ttl_on_a_lagging_item_moves_its_expiry_and_its_lag() -> None:
    sync, clock, lazy = lazy_sync(max_lag=60, seed=8)
    svc = sync.services("default")
    svc.sync_maps.create(unique_name="m")
    items = svc.sync_maps("m").sync_map_items
    item = items.create(key="k", data={}, ttl=10)
    gone_at = removal(lazy, item)
    clock.set(gone_at - US)
    refused(
        lambda: items.create(key="k", data={}),
        409,
        54208,
        "An Item with given key already exists in the Map",
    )
    moved = items("k").update(ttl=100)
    assert moved.date_expires == clock.now() + timedelta(seconds=100)
    later = removal(lazy, moved)
    assert later >= expiry(moved)
    clock.set(gone_at)
    assert items("k").fetch().date_expires == moved.date_expires
    clock.set(later - US)
    assert [i.key for i in items.list()] == ["k"]
    clock.set(later)
    assert items.list() == []
    sync._check()


# -- the floor: nothing swept late, nothing read when nothing is due -------------------


class WatchedStorage(Delegating):
    """A storage that counts the scans of the expiry indexes."""

    def __init__(self, inner: Storage | None = None) -> None:
        super().__init__(inner)
        self.expiry_scans = 0

    def scan(self, table: str, prefix: Key, **options: Any) -> Iterator[tuple[Key, object]]:
        if "expiry" in table:
            self.expiry_scans += 1
        return super().scan(table, prefix, **options)


def test_an_operation_reads_no_expiry_index_while_nothing_is_due() -> None:
    storage = WatchedStorage()
    sync, clock, lazy = lazy_sync(max_lag=60, seed=8, storage=storage)
    docs = sync.services("default").documents
    made = [docs.create(ttl=10) for _ in range(50)]
    instants = sorted(removal(lazy, doc) for doc in made)
    clock.set(expiry(made[0]) + US)  # every one expired, none due yet
    storage.expiry_scans = 0
    assert len(docs.list()) == 50
    assert storage.expiry_scans == 0
    for now in instants[:10]:
        clock.set(now - US)
        docs.list()
        assert storage.expiry_scans == 0, "looked when nothing was due"
        clock.set(now)
        assert len(docs.list()) == 50 - instants.index(now) - 1
        assert storage.expiry_scans > 0, "did not look when something was due"
        storage.expiry_scans = 0
    sync._check()


def test_the_floor_passes_over_an_item_that_went_with_its_map() -> None:
    for seed in range(100):  # the first seed whose Map goes first, then its item, then "d"
        storage = WatchedStorage()
        sync, clock, lazy = lazy_sync(max_lag=60, seed=seed, storage=storage)
        svc = sync.services("default")
        game = svc.sync_maps.create(unique_name="m", ttl=10)
        item = svc.sync_maps("m").sync_map_items.create(key="k", data={}, ttl=10)
        doc = svc.documents.create(unique_name="d", ttl=10)
        map_at, item_at, doc_at = (removal(lazy, x) for x in (game, item, doc))
        if map_at < item_at < doc_at:
            break
    else:
        pytest.fail("no seed of 100 orders the removals so")
    clock.set(map_at)
    assert svc.sync_maps.list() == []  # the Map went, and its item with it
    storage.expiry_scans = 0
    for now in (item_at, doc_at - US):  # nothing is due at the item's own instant
        clock.set(now)
        assert [d.unique_name for d in svc.documents.list()] == ["d"]
        assert storage.expiry_scans == 0
    clock.set(doc_at)
    assert svc.documents.list() == []
    sync._check()


def test_a_later_write_of_an_earlier_removal_lowers_the_floor() -> None:
    sync, clock, lazy = lazy_sync(max_lag=60, seed=3)
    docs = sync.services("default").documents
    docs.create(unique_name="late", ttl=1000)
    clock.advance(1)
    docs.list()  # the floor is settled on "late"
    early = docs.create(unique_name="early", ttl=5)
    gone_at = removal(lazy, early)
    clock.set(gone_at - US)
    assert [d.unique_name for d in docs.list()] == ["late", "early"]
    clock.set(gone_at)
    assert [d.unique_name for d in docs.list()] == ["late"]


def test_after_a_restore_the_floor_is_found_again() -> None:
    sync, clock, lazy = lazy_sync(max_lag=60, seed=5)
    docs = sync.services("default").documents
    early = docs.create(unique_name="early", ttl=10)
    snapshot = sync.snapshot()
    docs("early").delete()
    docs.create(unique_name="late", ttl=10_000)
    docs.list()  # the floor is now "late"'s
    sync.restore(snapshot)  # "early" is back, due long before "late" was
    gone_at = removal(lazy, early)
    clock.set(gone_at - US)
    assert [d.unique_name for d in docs.list()] == ["early"]
    clock.set(gone_at)
    assert docs.list() == []
    sync._check()


def test_a_restored_lagging_object_goes_at_its_own_removal_instant() -> None:
    sync, clock, lazy = lazy_sync(max_lag=60, seed=5)
    seen = events_of(sync)
    docs = sync.services("default").documents
    doc = docs.create(unique_name="d", ttl=10)
    gone_at = removal(lazy, doc)
    clock.set(gone_at - US)
    snapshot = sync.snapshot()
    clock.set(gone_at + timedelta(seconds=5))
    assert docs.list() == []
    sync.restore(snapshot)
    seen.clear()
    assert docs.list() == []  # it was due: the first operation after the restore removes it
    assert [(e.type, e.date, e.expired) for e in seen] == [("document_removed", gone_at, True)]


def test_lazy_expiry_on_sqlite(tmp_path: Any) -> None:
    storage = SqliteStorage(tmp_path / "lazy.db", synchronous="OFF")
    sync, clock, lazy = lazy_sync(max_lag=60, seed=4, storage=storage)
    docs = sync.services("default").documents
    made = [docs.create(ttl=10 + n) for n in range(5)]
    instants = sorted(removal(lazy, doc) for doc in made)
    for count, now in enumerate(instants):
        clock.set(now - US)
        assert len(docs.list()) == 5 - count
        clock.set(now)
        assert len(docs.list()) == 4 - count
    sync._check()
    storage.close()


# -- any TTLs, any clock ---------------------------------------------------------------


@given(
    ttls=st.lists(st.integers(1, 30), min_size=1, max_size=6),
    item_ttls=st.lists(st.integers(1, 30), max_size=6),
    steps=st.lists(st.integers(0, 20_000_000), min_size=1, max_size=12),
    max_lag=st.integers(0, 10_000_000),
    seed=st.integers(-(2**64), 2**64),
)
def test_nothing_goes_before_it_expires_nor_stays_past_max_lag(
    ttls: list[int], item_ttls: list[int], steps: list[int], max_lag: int, seed: int
) -> None:
    sync, clock, lazy = lazy_sync(max_lag=timedelta(microseconds=max_lag), seed=seed)
    seen = events_of(sync)
    svc = sync.services("default")
    docs = [svc.documents.create(ttl=ttl) for ttl in ttls]
    svc.sync_maps.create(unique_name="m")
    items = svc.sync_maps("m").sync_map_items
    made = [items.create(key=f"k{n}", data={}, ttl=ttl) for n, ttl in enumerate(item_ttls)]
    for step in steps:
        clock.advance(timedelta(microseconds=step))
        now = clock.now()
        present = {d.sid for d in svc.documents.list()} | {i.key for i in items.list()}
        for thing, name in [(d, d.sid) for d in docs] + [(i, i.key) for i in made]:
            expires, gone_at = expiry(thing), removal(lazy, thing)
            assert expires <= gone_at <= expires + lazy.max_lag
            if now < expires:
                assert name in present, "removed before it expired"
            if now >= expires + lazy.max_lag:
                assert name not in present, "still there past max_lag"
            assert (name in present) == (now < gone_at)
        sync._check()
    removals = [event for event in seen if event.type.endswith("_removed")]
    assert all(event.expired for event in removals)
    assert [event.date for event in removals] == sorted(event.date for event in removals)


# -- through the twilio SDK -------------------------------------------------------------


@pytest.mark.usefixtures("no_network")
def test_the_twilio_sdk_fetches_a_lagging_document() -> None:
    sync, clock, lazy = lazy_sync(max_lag=60, seed=12)
    client = Client(
        sync.account_sid,
        "token",
        http_client=SyncHttpClient(sync),
        environment={"TWILIO_REGION": ""},
    )
    service = client.sync.v1.services("default")
    created = service.documents.create(unique_name="session", data={"user": "ada"}, ttl=10)
    record = sync.services("default").documents("session").fetch()
    gone_at = removal(lazy, record)
    clock.set(gone_at - US)
    fetched = service.documents("session").fetch()  # 200, though past date_expires
    assert fetched.sid == created.sid
    assert fetched.data == {"user": "ada"}
    assert fetched.date_expires < clock.now()
    assert [d.sid for d in service.documents.list()] == [created.sid]
    clock.set(gone_at)
    with pytest.raises(TwilioRestException) as caught:
        service.documents("session").fetch()
    assert (caught.value.status, caught.value.code) == (404, 20404)
    assert service.documents.list() == []


# -- what is refused --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("max_lag", "error", "message"),
    [
        (-1, ValueError, "max_lag must be zero or more, got -1$"),
        (-0.5, ValueError, "max_lag must be zero or more, got -0.5$"),
        (timedelta(microseconds=-1), ValueError, "max_lag must be zero or more, got datetime"),
        (float("nan"), ValueError, "max_lag must be a finite number of seconds"),
        (float("inf"), ValueError, "max_lag must be a finite number of seconds"),
        (1e20, ValueError, "max_lag is too large"),
        (True, TypeError, "max_lag must be a timedelta or seconds"),
        ("60", TypeError, "max_lag must be a timedelta or seconds"),
        (None, TypeError, "max_lag must be a timedelta or seconds"),
    ],
)
def test_a_bad_max_lag_is_refused(max_lag: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        LazyExpiry(max_lag=max_lag)


@pytest.mark.parametrize("seed", [True, 1.5, "7", None])
def test_a_seed_that_is_not_an_int_is_refused(seed: Any) -> None:
    with pytest.raises(TypeError, match="seed must be an int"):
        LazyExpiry(max_lag=1, seed=seed)


def test_lazy_expiry_is_a_frozen_value() -> None:
    lazy = LazyExpiry(max_lag=1.5, seed=2)
    assert lazy == LazyExpiry(max_lag=timedelta(seconds=1, microseconds=500_000), seed=2)
    assert LazyExpiry(max_lag=1).seed == 0
    with pytest.raises(AttributeError):
        lazy.seed = 3  # type: ignore[misc]
    assert lazy.seed == 2


def test_a_sync_refuses_a_lazy_expiry_that_is_not_one() -> None:
    with pytest.raises(TypeError, match="lazy_expiry must be a LazyExpiry or None, got 60"):
        Sync(lazy_expiry=60)  # type: ignore[arg-type]


def test_removed_at_refuses_what_does_not_expire_and_answers_none_for_no_expiry() -> None:
    sync, _, lazy = lazy_sync()
    svc = sync.services("default")
    service = svc.fetch()
    with pytest.raises(TypeError, match="removed_at\\(\\) takes an object's or an item's record"):
        lazy.removed_at(service)  # type: ignore[arg-type]
    assert lazy.removed_at(svc.documents.create(unique_name="forever")) is None
    with pytest.raises(TypeError, match="date_expires must be an aware datetime"):
        lazy.lag(SERVICE, "ET1", datetime(2025, 1, 1))
    assert [d.unique_name for d in svc.documents.list()] == ["forever"]


def test_removed_at_past_the_calendars_end_is_never() -> None:
    # A clock near year 9999 and a long lag: the removal would come past datetime.max,
    # which the sweep takes as never; removed_at says so, rather than overflow.
    lazy = LazyExpiry(max_lag=timedelta(days=3650), seed=1)
    clock = ManualClock(start=datetime(9999, 12, 31, 23, 0, tzinfo=UTC))
    sync = Sync(clock=clock, lazy_expiry=lazy)
    docs = sync.services("default").documents
    made = docs.create(unique_name="late", ttl=60)
    assert made.date_expires is not None
    assert lazy.lag(made.service_sid, made.sid, made.date_expires) > timedelta(minutes=59)
    assert lazy.removed_at(made) is None
    clock.advance(timedelta(minutes=59))
    assert [d.unique_name for d in docs.list()] == ["late"]  # lingering, as the sweep has it
