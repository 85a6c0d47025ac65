"""The change feed: ``sync.changes(service, after=, limit=, wait=)`` (sync_core.changes).

Every committed event is kept, numbered per service, in the storage: the feed gives
exactly what subscribers heard, in order, from any Sync on the same storage; what the
retention no longer keeps is reported (``ChangesGoneError``), never skipped. The
``sync`` fixture runs these on memory and (the sqlite tier) on a SQLite file.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import Delegating

from sync_core import (
    ChangeRetention,
    ChangesGoneError,
    LazyExpiry,
    ManualClock,
    MemoryStorage,
    NotFoundError,
    PreconditionFailedError,
    SqliteStorage,
    Storage,
    Sync,
    SyncError,
    SyncEvent,
)
from sync_core.adapters.control import Control
from sync_core.changes import _PRUNE_EVERY, _PRUNE_MOST
from sync_core.storage import Key
from sync_core.storage.base import RangeDeletes
from sync_core.storage.codec import decode_value, encode_value


def heard(sync: Sync) -> tuple[list[SyncEvent], Any]:
    """The events every subscriber of ``sync`` hears, and the subscription."""
    seen: list[SyncEvent] = []
    return seen, sync.subscribe(seen.append)


def activity(sync: Sync, clock: ManualClock, service: str) -> None:
    """Every kind of change: creates, updates, removals, expiry, a stream message."""
    home = sync.services(service)
    home.documents.create(unique_name="d", data={"n": 1})
    home.documents("d").update(data={"n": 2})
    home.sync_maps.create(unique_name="m")
    home.sync_maps("m").sync_map_items.create(key="k", data={"v": 1}, ttl=5)
    home.sync_maps("m").sync_map_items("k").update(data={"v": 2})
    home.sync_lists.create(unique_name="l")
    for n in range(3):
        home.sync_lists("l").sync_list_items.create(data={"n": n})
    home.sync_lists("l").sync_list_items(1).delete()
    home.sync_streams.create(unique_name="s")
    home.sync_streams("s").stream_messages.create(data={"hello": "world"})
    clock.advance(10)  # the map item expires
    home.documents("d").delete()


def test_the_feed_holds_exactly_what_subscribers_heard(sync: Sync, clock: ManualClock) -> None:
    sid = sync.services.create().sid
    seen, handle = heard(sync)
    activity(sync, clock, sid)
    sync.expire()
    handle.unsubscribe()
    feed = sync.changes(sid, limit=1000)
    assert [e.to_dict() for e in feed] == [e.to_dict() for e in seen]
    assert [e.sequence for e in feed] == list(range(1, len(seen) + 1))
    assert {e.type for e in feed} >= {
        "document_created",
        "document_updated",
        "document_removed",
        "map_item_added",
        "map_item_updated",
        "map_item_removed",
        "list_item_removed",
        "stream_message_published",
    }
    assert any(e.expired for e in feed)


def test_events_nobody_heard_are_kept_unbuilt_and_read_as_those_heard() -> None:
    """On a MemoryStorage, the event of a change nobody listens to is kept unbuilt (the
    change it comes from); read, it equals what a subscriber of a twin Sync heard."""
    clocks = [ManualClock(), ManualClock()]
    loud, quiet = (Sync(clock=clock, seed=4) for clock in clocks)
    seen, _ = heard(loud)
    for sync, clock in zip((loud, quiet), clocks, strict=True):
        sid = sync.services.create().sid
        activity(sync, clock, sid)
        sync.expire()
    kept = [value for _, value in quiet.storage.scan("changes", ())]
    assert kept
    assert all(type(value) is tuple for value in kept)
    assert all(isinstance(value, SyncEvent) for _, value in loud.storage.scan("changes", ()))
    assert quiet.changes(sid, limit=1000) == seen
    assert [quiet.changes(sid, after=n - 1, limit=1)[0] for n in (1, 5, len(seen))] == [
        seen[0],
        seen[4],
        seen[-1],
    ]
    quiet._check()


def test_paging_with_after_and_limit_reads_the_whole_feed(sync: Sync, clock: ManualClock) -> None:
    sid = sync.services.create().sid
    activity(sync, clock, sid)
    whole = sync.changes(sid, limit=1000)
    read: list[SyncEvent] = []
    after = 0
    while page := sync.changes(sid, after=after, limit=3):
        assert len(page) <= 3
        read += page
        after = page[-1].sequence
    assert read == whole
    assert sync.changes(sid, after=whole[-1].sequence) == []


def test_by_unique_name_and_the_default_service(sync: Sync, clock: ManualClock) -> None:
    sync.services("default").documents.create(data={})
    default_sid = sync.services("default").fetch().sid
    assert [e.type for e in sync.changes("default")] == ["document_created"]
    assert sync.changes(default_sid) == sync.changes("default")


def test_services_are_numbered_apart(sync: Sync) -> None:
    one, two = sync.services.create().sid, sync.services.create().sid
    sync.services(one).documents.create(data={})
    sync.services(two).documents.create(data={})
    sync.services(one).documents.create(data={})
    assert [(e.sequence, e.service_sid) for e in sync.changes(one)] == [(1, one), (2, one)]
    assert [(e.sequence, e.service_sid) for e in sync.changes(two)] == [(1, two)]


def test_a_refused_operation_records_nothing(sync: Sync) -> None:
    sid = sync.services.create().sid
    docs = sync.services(sid).documents
    docs.create(unique_name="d", data={"n": 1})
    before = sync.changes(sid)
    with pytest.raises(PreconditionFailedError):
        docs("d").update(data={"n": 2}, if_match="99")
    with pytest.raises(SyncError):
        docs.create(unique_name="d", data={})  # the name is taken
    sync.faults.inject(status=503, operation="update", times=1)
    with pytest.raises(SyncError):
        docs("d").update(data={"n": 3})
    assert sync.changes(sid) == before
    docs("d").update(data={"n": 4})
    assert [e.sequence for e in sync.changes(sid)] == [1, 2]  # no number was spent


def test_a_deleted_service_feed_is_read_by_its_sid(sync: Sync) -> None:
    sid = sync.services.create().sid
    sync.services(sid).sync_lists.create(unique_name="l")
    sync.services(sid).documents.create(unique_name="d", data={})
    sync.services(sid).delete()
    assert [e.type for e in sync.changes(sid)] == [
        "list_created",
        "document_created",
        "list_removed",
        "document_removed",
    ] or [e.type for e in sync.changes(sid)] == [
        "list_created",
        "document_created",
        "document_removed",
        "list_removed",
    ]


def test_a_seeded_process_started_again_gives_no_service_a_kept_feeds_sid(
    tmp_path: Path, clock: ManualClock
) -> None:
    """A process started again with the same seed over the same file replays its SIDs:
    a new Service (``default`` made again too) does not take the SID of a deleted one
    whose events the feed still keeps, so neither feed holds the other's events."""
    path = tmp_path / "again.db"
    first = Sync(storage=SqliteStorage(path), clock=clock, seed=1)
    old = first.services.create(friendly_name="old").sid
    first.services(old).documents.create(data={"v": "old"})
    first.services(old).delete()
    first.services("default").documents.create(data={"v": 1})
    default = first.services("default").fetch().sid
    handled = first.changes("default")[-1]
    first.services("default").delete()
    kept = [(e.sequence, e.type) for e in first.changes(old)]
    first.storage.close()
    again = Sync(storage=SqliteStorage(path), clock=clock, seed=1)
    new = again.services.create(friendly_name="new").sid
    again.services(new).documents.create(data={"v": "new"})
    again.services("default").documents.create(data={"v": 2})
    assert new != old
    assert again.services("default").fetch().sid not in (old, default)
    assert [(e.sequence, e.type) for e in again.changes(new)] == [(1, "document_created")]
    assert [(e.sequence, e.type) for e in again.changes(old)] == kept
    with pytest.raises(ChangesGoneError) as gone:
        again.changes("default", after=handled)
    assert gone.value.reason == "rewound"
    again._check()
    again.storage.close()


def test_a_refused_read_of_the_default_service_does_not_make_it(clock: ManualClock) -> None:
    """Asked for changes after 5 of a ``default`` not made yet (410, ``"ahead"``), or
    given another Service's event: refused, nothing is made and no seeded SID is spent,
    as for any refused request; a read that is answered makes it, as a REST read does."""
    sync = Sync(clock=clock, seed=1)
    other = Sync(clock=ManualClock(), seed=3)
    stranger = other.services("default").documents.create()
    handled = other.changes("default")[-1]
    assert stranger.service_sid == handled.service_sid
    with pytest.raises(ChangesGoneError) as gone:
        sync.changes("default", after=5)
    assert gone.value.reason == "ahead"
    with pytest.raises(ChangesGoneError) as rewound:
        sync.changes("default", after=handled)
    assert rewound.value.reason == "rewound"
    control = Control(sync, "/_c")
    assert control.handle("GET", "/_c/changes/default", {"after": "3"}, b"").status == 410
    assert sync.export_state()["services"] == []
    assert sync.services.create().sid == Sync(clock=ManualClock(), seed=1).services.create().sid
    fresh = Sync(clock=clock, seed=1)
    assert fresh.changes("default") == []
    assert [s.unique_name for s in fresh.services.list()] == ["default"]


def test_an_unknown_service_is_a_404(sync: Sync) -> None:
    with pytest.raises(NotFoundError):
        sync.changes("IS" + "0" * 32)
    with pytest.raises(NotFoundError):
        sync.changes("no-such-name")


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"after": -1}, ValueError),
        ({"after": True}, ValueError),
        ({"after": "3"}, ValueError),
        ({"limit": 0}, ValueError),
        ({"limit": 1001}, ValueError),
        ({"wait": -1}, ValueError),
        ({"wait": float("nan")}, ValueError),
        ({"wait": float("inf")}, ValueError),
        ({"wait": 10**400}, ValueError),
    ],
)
def test_bad_arguments_are_refused_and_change_nothing(
    sync: Sync, options: dict[str, Any], error: type[Exception]
) -> None:
    sid = sync.services.create().sid
    sync.services(sid).documents.create(data={})
    state = sync.export_state()
    with pytest.raises(error):
        sync.changes(sid, **options)
    with pytest.raises(TypeError):
        sync.changes(3)  # type: ignore[arg-type]
    assert sync.export_state() == state
    assert len(sync.changes(sid)) == 1


def test_the_retention_age_is_exact(clock: ManualClock) -> None:
    sync = Sync(clock=clock, seed=1, change_retention=ChangeRetention(age=timedelta(seconds=60)))
    sid = sync.services.create().sid
    docs = sync.services(sid).documents
    docs.create(unique_name="d", data={"n": 0})  # 1, at t0
    clock.advance(30)
    docs("d").update(data={"n": 1})  # 2, at t0 + 30 s
    clock.advance(timedelta(seconds=30) - timedelta(microseconds=1))
    assert [e.sequence for e in sync.changes(sid)] == [1, 2]  # 1 is 59.999999 s old
    clock.advance(timedelta(microseconds=1))
    with pytest.raises(ChangesGoneError) as gone:
        sync.changes(sid)  # 1 is 60 s old: gone
    assert (gone.value.oldest, gone.value.latest, gone.value.after) == (2, 2, 0)
    assert "the oldest kept is 2" in str(gone.value)
    assert [e.sequence for e in sync.changes(sid, after=1)] == [2]
    clock.advance(30)
    with pytest.raises(ChangesGoneError) as gone:
        sync.changes(sid, after=1)
    assert (gone.value.oldest, gone.value.latest) == (3, 2)
    assert sync.changes(sid, after=2) == []  # up to date: nothing is missing


def test_the_retention_count_keeps_the_last_n(clock: ManualClock) -> None:
    sync = Sync(clock=clock, seed=1, change_retention=ChangeRetention(age=None, count=5))
    sid = sync.services.create().sid
    items = sync.services(sid).sync_lists.create().sid
    for n in range(200):
        sync.services(sid).sync_lists(items).sync_list_items.create(data={"n": n})
    assert [e.sequence for e in sync.changes(sid, after=196)] == [197, 198, 199, 200, 201]
    with pytest.raises(ChangesGoneError) as gone:
        sync.changes(sid, after=195)
    assert gone.value.oldest == 197
    kept = [key for key, _ in sync.storage.scan("changes", ())]
    assert len(kept) == 5  # physically removed, not only hidden


class WithoutRangeDeletes(Delegating):
    """A storage of the Storage protocol's six methods alone (no ``delete_range``), over a
    MemoryStorage, counting the deletes of change feed events by their answer."""

    def __init__(self) -> None:
        super().__init__(MemoryStorage())
        self.deletes = {True: 0, False: 0}

    def delete(self, table: str, key: Key) -> bool:
        was = super().delete(table, key)
        if table == "changes":
            self.deletes[was] += 1
        return was


def prune_across_a_hole(storage: Storage, clock: ManualClock) -> None:
    """Events 1 to 100 by a Sync keeping the last 5, numbers 101 to 170 spent by one
    whose feed is off (nothing kept: a hole), then events 171 on: the first Sync's feed
    keeps the last 5 numbers' events, and says what is gone, hole or not."""
    counted = storage if isinstance(storage, WithoutRangeDeletes) else None
    sync = Sync(
        storage=storage, clock=clock, seed=1, change_retention=ChangeRetention(age=None, count=5)
    )
    sid = sync.services.create().sid
    documents = sync.services(sid).documents
    for n in range(100):
        documents.create(data={"n": n})  # events 1 to 100
    off = Sync(storage=storage, clock=clock, seed=2, change_retention=ChangeRetention(count=0))
    for _ in range(70):
        off.services(sid).documents.create(data={})  # numbers 101 to 170: nothing kept
    for n in range(3):
        documents.create(data={"n": n})  # events 171 to 173
    # The last 5 numbers are 169 to 173: the hole's end, and the three kept after it.
    assert [e.sequence for e in sync.changes(sid, after=170)] == [171, 172, 173]
    for after in (0, 99, 100, 150, 168):
        with pytest.raises(ChangesGoneError) as gone:
            sync.changes(sid, after=after)
        assert (gone.value.oldest, gone.value.latest) == (171, 173)
    assert [key for key, _ in storage.scan("changes", ())] == [(sid, n) for n in (171, 172, 173)]
    if counted is not None:
        assert counted.deletes[True] == 100  # every event of 1 to 100, once
        assert counted.deletes[False] == 1  # the hole: one delete missed 101, a read went on
    sync._check()
    for n in range(200):
        documents.create(data={"n": n})  # events 174 to 373
    assert [e.sequence for e in sync.changes(sid, after=368)] == [369, 370, 371, 372, 373]
    with pytest.raises(ChangesGoneError) as gone:
        sync.changes(sid, after=367)
    assert (gone.value.oldest, gone.value.latest) == (369, 373)
    assert [key for key, _ in storage.scan("changes", ())] == [(sid, n) for n in range(369, 374)]
    if counted is not None:
        assert counted.deletes == {True: 100 + 3 + 195, False: 1}
    sync._check()
    off._check()


def test_the_retention_count_prunes_a_storage_without_delete_range(clock: ManualClock) -> None:
    """Without ``delete_range`` the pruning removes one event at a time, and steps over
    the numbers no event was kept under with one read rather than a delete each."""
    storage = WithoutRangeDeletes()
    assert not isinstance(storage, RangeDeletes)
    prune_across_a_hole(storage, clock)


def test_the_retention_count_prunes_by_range_across_a_hole(
    sync_storage: Storage, clock: ManualClock
) -> None:
    """With ``delete_range`` (memory; SQLite and PostgreSQL in their tiers), a run at once."""
    assert isinstance(sync_storage, RangeDeletes)
    prune_across_a_hole(sync_storage, clock)
    sync_storage.close()


class CountingDeletes(MemoryStorage):
    """A MemoryStorage whose ``delete`` counts the change feed's deletes; it does not
    override ``delete_range``."""

    def __init__(self) -> None:
        super().__init__()
        self.deletes = 0

    def delete(self, table: str, key: Key) -> bool:
        if table == "changes":
            self.deletes += 1
        return super().delete(table, key)


class Encoding(MemoryStorage):
    """A MemoryStorage that keeps values encoded, as a durable storage does."""

    def put(self, table: str, key: Key, value: object) -> None:
        super().put(table, key, encode_value(value))

    def get(self, table: str, key: Key) -> object | None:
        value = super().get(table, key)
        return None if value is None else decode_value(str(value))

    def scan(self, table: str, prefix: Key, **options: Any) -> Any:
        entries = super().scan(table, prefix, **options)
        return ((key, decode_value(str(value))) for key, value in entries)


class PassingThrough:
    """A wrapper with its own ``delete``, passing every other attribute through."""

    def __init__(self) -> None:
        self.inner = MemoryStorage()
        self.deletes = 0

    def delete(self, table: str, key: Key) -> bool:
        if table == "changes":
            self.deletes += 1
        return self.inner.delete(table, key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.mark.parametrize("make", [CountingDeletes, PassingThrough], ids=lambda m: m.__name__)
def test_a_storage_that_changes_delete_alone_is_pruned_through_its_delete(
    make: Any, clock: ManualClock
) -> None:
    """A subclass or wrapper whose ``delete`` is its own, and whose ``delete_range`` is
    not, sees every removal of the feed."""
    storage: Any = make()
    offered: object = storage
    assert isinstance(offered, RangeDeletes)  # it has one, inherited or passed through
    sync = Sync(
        storage=storage, clock=clock, seed=1, change_retention=ChangeRetention(age=None, count=5)
    )
    sid = sync.services.create().sid
    for n in range(300):
        sync.services(sid).documents.create(data={"n": n})
    assert [e.sequence for e in sync.changes(sid, after=295)] == [296, 297, 298, 299, 300]
    assert storage.deletes == 295


def test_a_storage_subclass_that_encodes_is_given_built_events(clock: ManualClock) -> None:
    """Only a MemoryStorage itself keeps events unbuilt: a subclass may encode what it
    is given, which a tuple of values would not survive."""
    sync = Sync(storage=Encoding(), clock=clock, seed=1)
    sid = sync.services.create().sid
    sync.services(sid).documents.create(unique_name="d", data={"a": 1})
    sync.services(sid).documents("d").update(data={"a": 2})
    assert [(e.type, e.data) for e in sync.changes(sid)] == [
        ("document_created", {"a": 1}),
        ("document_updated", {"a": 2}),
    ]
    sync._check()


class CountingScans(MemoryStorage):
    """A MemoryStorage counting the scans of the change feed's table."""

    scans = 0

    def scan(self, table: str, prefix: Key, **options: Any) -> Any:
        if table == "changes":
            self.scans += 1
        return super().scan(table, prefix, **options)


def test_a_read_of_the_feed_reads_its_head_once(clock: ManualClock) -> None:
    """With the default retention (an age and a count), a read trims its Service (the
    head, read once, and nothing to remove), then reads what it returns: two scans."""
    storage = CountingScans()
    sync = Sync(storage=storage, clock=clock, seed=1)
    sid = sync.services.create().sid
    for n in range(10):
        sync.services(sid).documents.create(data={"n": n})
    before = storage.scans
    assert len(sync.changes(sid, after=3)) == 7
    assert storage.scans - before == 2


def test_old_events_of_an_idle_service_are_removed_as_others_write(clock: ManualClock) -> None:
    sync = Sync(clock=clock, seed=1, change_retention=ChangeRetention(age=timedelta(hours=1)))
    idle, busy = sync.services.create().sid, sync.services.create().sid
    sync.services(idle).documents.create(data={})
    clock.advance(timedelta(hours=2))
    for _ in range(2 * _PRUNE_EVERY + 2):  # two pruning steps: one reaches the idle service
        sync.services(busy).documents.create(data={})
    assert all(key[0] == busy for key, _ in sync.storage.scan("changes", ()))
    with pytest.raises(ChangesGoneError):
        sync.changes(idle)
    sync._check()


def test_the_feeds_of_many_deleted_services_stay_within_the_window(clock: ManualClock) -> None:
    # A Service per test, made and deleted (a handful of events each): the walk keeps
    # up with them, where one service a step left most of their events behind for good.
    sync = Sync(clock=clock, seed=1, change_retention=ChangeRetention(age=timedelta(minutes=5)))
    made = []
    for _ in range(600):
        svc = sync.services(sync.services.create().sid)
        svc.documents.create(unique_name="d", data={})
        svc.documents("d").update(data={"n": 1})
        svc.sync_lists.create(unique_name="l")
        svc.delete()
        made.append(svc)
        clock.advance(10)  # a window holds 30 Services' events
    kept = sum(1 for _ in sync.storage.scan("changes", ()))
    assert kept <= 4 * 30 * 2 + _PRUNE_MOST  # about twice a window, at most
    gone = [s for s in made[:500] if sync.storage.get("counters", (f"events:{s.sid}",))]
    assert len(gone) < 60  # the counters of most deleted Services are forgotten too
    with pytest.raises(NotFoundError):
        sync.changes(made[0].sid)  # nothing kept under that SID any more: a 404
    sync._check()


def test_deleting_a_service_forgets_its_counters(sync: Sync) -> None:
    sid = sync.services.create().sid
    for kind in (sync.services(sid).documents, sync.services(sid).sync_maps):
        kind.create()
    sync.services(sid).sync_lists.create()
    sync.services(sid).sync_streams.create()
    counters = {str(key[0]) for key, _ in sync.storage.scan("counters", ())}
    assert {f"{k}:{sid}" for k in ("document", "map", "list", "stream")} <= counters
    sync.services(sid).delete()
    counters = {str(key[0]) for key, _ in sync.storage.scan("counters", ())}
    assert not {c for c in counters if c.endswith(sid) and not c.startswith("events:")}
    assert len(sync.changes(sid)) == 8  # the feed is still read by the SID


def test_a_deleted_service_without_a_feed_keeps_no_counter(clock: ManualClock) -> None:
    sync = Sync(clock=clock, seed=1, change_retention=ChangeRetention(count=0))
    sid = sync.services.create().sid
    sync.services(sid).documents.create(data={})
    sync.services(sid).delete()
    assert not [key for key, _ in sync.storage.scan("counters", ()) if sid in str(key[0])]
    with pytest.raises(NotFoundError):
        sync.changes(sid)


def test_a_feed_that_keeps_nothing(clock: ManualClock) -> None:
    sync = Sync(clock=clock, seed=1, change_retention=ChangeRetention(count=0))
    assert sync.change_retention.off
    sid = sync.services.create().sid
    assert sync.changes(sid) == []
    sync.services(sid).documents.create(data={})
    with pytest.raises(ChangesGoneError) as gone:
        sync.changes(sid)
    assert (gone.value.oldest, gone.value.latest) == (2, 1)
    assert sync.changes(sid, after=1) == []
    assert list(sync.storage.scan("changes", ())) == []


def test_a_position_beyond_the_feed_after_a_restore_is_reported(sync: Sync) -> None:
    sid = sync.services.create().sid
    docs = sync.services(sid).documents
    docs.create(unique_name="d", data={})
    saved = sync.snapshot()
    docs("d").update(data={"n": 1})
    docs("d").update(data={"n": 2})
    follower_at = sync.changes(sid)[-1].sequence
    sync.restore(saved)
    assert [e.sequence for e in sync.changes(sid)] == [1]  # the feed went back too
    with pytest.raises(ChangesGoneError) as gone:
        sync.changes(sid, after=follower_at)
    assert (gone.value.after, gone.value.latest, gone.value.reason) == (3, 1, "ahead")
    assert "reset, restored or imported" in str(gone.value)


def test_a_follower_passing_its_last_event_hears_of_a_rewound_feed(sync: Sync) -> None:
    """A restore, then new events that take the numbers again: a follower that passes
    the last event it handled is told, where a bare number could not tell."""
    sid = sync.services.create().sid
    docs = sync.services(sid).documents
    docs.create(unique_name="d", data={"n": 1})
    saved = sync.snapshot()
    docs("d").update(data={"n": 2})
    docs("d").update(data={"n": 3})
    handled = sync.changes(sid)[-1]  # the follower handled up to 3
    assert sync.changes(sid, after=handled) == []
    sync.restore(saved)
    for n in (20, 30, 40):
        docs("d").update(data={"n": n})  # numbered 2, 3, 4 again
    with pytest.raises(ChangesGoneError) as gone:
        sync.changes(sid, after=handled)
    assert (gone.value.reason, gone.value.after, gone.value.latest) == ("rewound", 3, 4)
    assert [e.data for e in sync.changes(sid, after=3)] == [{"n": 40}]  # a bare number
    with pytest.raises(ValueError, match="not of"):
        sync.changes(sync.services.create().sid, after=handled)


def test_a_restore_wakes_a_waiting_follower(sync: Sync) -> None:
    sid = sync.services.create().sid
    docs = sync.services(sid).documents
    docs.create(unique_name="d", data={})
    saved = sync.snapshot()
    docs("d").update(data={"n": 1})
    errors: list[BaseException] = []
    waiting = threading.Event()

    def follow() -> None:
        waiting.set()
        try:
            sync.changes(sid, after=2, wait=60)
        except ChangesGoneError as gone:
            errors.append(gone)

    thread = threading.Thread(target=follow)
    thread.start()
    waiting.wait(5)
    while sync._engine.followers == 0:
        pass
    sync.restore(saved)
    thread.join(60)
    assert not thread.is_alive()
    assert [type(e) for e in errors] == [ChangesGoneError]


def test_events_dated_out_of_order_are_judged_by_their_own_date(tmp_path: Path) -> None:
    """Two processes whose clocks differ write one service: an event older than the
    window is not returned even when a younger one before it keeps the head."""
    path = tmp_path / "skew.db"
    ahead = ManualClock()
    behind = ManualClock(ahead.now() - timedelta(minutes=30))
    retention = ChangeRetention(age=timedelta(hours=1))
    one = Sync(storage=SqliteStorage(path), clock=ahead, seed=1, change_retention=retention)
    two = Sync(storage=SqliteStorage(path), clock=behind, seed=2, change_retention=retention)
    sid = one.services.create().sid
    one.services(sid).documents.create(data={"n": 1})  # 1, dated t0
    two.services(sid).documents.create(data={"n": 2})  # 2, dated t0 - 30 min
    one.services(sid).documents.create(data={"n": 3})  # 3, dated t0
    ahead.advance(timedelta(minutes=45))  # 1 and 3 are 45 min old, 2 is 75 min old
    assert [e.sequence for e in one.changes(sid)] == [1]
    with pytest.raises(ChangesGoneError) as gone:
        one.changes(sid, after=1)
    assert (gone.value.oldest, gone.value.latest) == (3, 3)
    assert [e.sequence for e in one.changes(sid, after=2)] == [3]
    one.storage.close()
    two.storage.close()


def test_an_expiry_removed_days_after_its_instant_is_new_to_a_follower(
    sync: Sync, clock: ManualClock
) -> None:
    """A removal by expiry is dated at the instant of expiry, and committed when the next
    operation comes, two days later here: a follower that handled everything before it
    reads it (it is not gone the moment it is made), and it is kept for the retention's
    day from its commit, then pruned with what is noted of it."""
    home = sync.services("default")
    start = clock.now()
    home.documents.create(unique_name="session", ttl=3600)
    home.sync_maps.create(unique_name="m")
    home.sync_maps("m").sync_map_items.create(key="k", data={}, ttl=60)
    last = sync.changes("default")[-1]
    seen, _ = heard(sync)
    clock.advance(timedelta(days=2))
    sync.expire()
    read = sync.changes("default", after=last)
    assert [(e.type, e.expired, e.date - start) for e in read] == [
        ("map_item_removed", True, timedelta(seconds=60)),
        ("document_removed", True, timedelta(hours=1)),
    ]
    assert read == seen
    with pytest.raises(ChangesGoneError) as behind:  # its creations are out of the window
        sync.changes("default", after=0)
    assert (behind.value.oldest, behind.value.latest) == (last.sequence + 1, last.sequence + 2)
    clock.advance(timedelta(days=1) - timedelta(microseconds=1))
    assert sync.changes("default", after=last) == read
    clock.advance(timedelta(microseconds=1))
    with pytest.raises(ChangesGoneError) as gone:
        sync.changes("default", after=last)
    assert gone.value.reason == "pruned"
    assert list(sync.storage.scan("change_times", ())) == []


@pytest.mark.parametrize("storage", [MemoryStorage, WithoutRangeDeletes])
def test_expiries_imported_past_or_lazy_are_kept_from_their_commit(
    storage: type[Storage], clock: ManualClock
) -> None:
    """An imported Document that expired a month before now, and an item removed late by
    lazy expiry: each removal is read by a follower at 0, and what is noted of their
    commits goes with them when the count prunes them (with or without ``delete_range``)."""
    sync = Sync(
        storage=storage(),
        clock=clock,
        seed=1,
        change_retention=ChangeRetention(age=timedelta(days=1), count=3),
        lazy_expiry=LazyExpiry(max_lag=timedelta(days=3), seed=5),
    )
    sync.import_state(
        {
            "version": 1,
            "services": [
                {
                    "unique_name": "default",
                    "documents": [{"unique_name": "old", "date_expires": "2024-12-01T00:00:00Z"}],
                }
            ],
        }
    )
    sync.expire()
    assert [(e.sequence, e.type, e.expired) for e in sync.changes("default")] == [
        (1, "document_removed", True)
    ]
    items = sync.services("default").sync_maps.create(unique_name="m").sync_map_items
    items.create(key="k", data={}, ttl=1)
    clock.advance(timedelta(days=5))  # past any lag: removed now, days after its instant
    sync.expire()
    assert [(e.sequence, e.type, e.expired) for e in sync.changes("default", after=3)] == [
        (4, "map_item_removed", True)
    ]
    # The first removal, the Map and its item aged out: what was noted of 1 went with it.
    assert [key[1] for key, _ in sync.storage.scan("change_times", ())] == [4]
    for n in range(3):
        sync.services("default").documents.create(data={"n": n})
    assert [e.sequence for e in sync.changes("default", after=4)] == [5, 6, 7]  # a read trims
    assert list(sync.storage.scan("change_times", ())) == []
    sync._check()


def test_an_age_beyond_the_calendar_keeps_everything(clock: ManualClock) -> None:
    sync = Sync(clock=clock, seed=1, change_retention=ChangeRetention(age=timedelta(days=999_999)))
    sid = sync.services.create().sid
    for _ in range(130):
        sync.services(sid).documents.create(data={})
    assert len(sync.changes(sid, limit=1000)) == 130


def test_the_retention_given_is_the_retention_kept() -> None:
    off = ChangeRetention(age=timedelta(hours=1), count=0)
    assert Sync(change_retention=off).change_retention == off
    assert Sync().change_retention == ChangeRetention(age=timedelta(days=1), count=10_000)


def test_the_error_pickles() -> None:
    import pickle

    error = ChangesGoneError("IS1", 3, 5, 9, "pruned")
    again = pickle.loads(pickle.dumps(error))
    assert (again.service_sid, again.after, again.oldest, again.latest, again.reason) == (
        "IS1",
        3,
        5,
        9,
        "pruned",
    )
    assert str(again) == str(error)


def test_pruning_on_a_write_is_bounded(clock: ManualClock) -> None:
    """After an idle day, a write removes at most a batch of old events; a read of that
    service still answers exactly."""
    sync = Sync(clock=clock, seed=1, change_retention=ChangeRetention(count=None))
    sid = sync.services.create().sid
    idle = 3 * _PRUNE_MOST
    for _ in range(idle):
        sync.services(sid).documents.create(data={})
    clock.advance(timedelta(days=2))
    other = sync.services.create().sid
    left = idle
    for _ in range(2):  # two pruning steps: each removes a batch, not all at once
        for _ in range(_PRUNE_EVERY):
            sync.services(other).documents.create(data={})
        now = sum(1 for key, _ in sync.storage.scan("changes", ()) if key[0] == sid)
        assert left - _PRUNE_MOST <= now < left
        left = now
    with pytest.raises(ChangesGoneError) as gone:
        sync.changes(sid)
    assert (gone.value.oldest, gone.value.latest) == (idle + 1, idle)
    assert not any(key[0] == sid for key, _ in sync.storage.scan("changes", ()))


def test_an_imported_state_keeps_its_numbers_but_no_history(sync: Sync) -> None:
    sid = sync.services.create().sid
    sync.services(sid).documents.create(unique_name="d", data={})
    state = sync.export_state()
    sync.import_state(state)
    with pytest.raises(ChangesGoneError) as gone:
        sync.changes(sid)
    assert (gone.value.oldest, gone.value.latest) == (2, 1)
    sync.services(sid).documents("d").update(data={"n": 1})
    assert [e.sequence for e in sync.changes(sid, after=1)] == [2]


def test_a_follower_holding_its_last_event_is_told_an_import_dropped_its_history(
    sync: Sync,
) -> None:
    sid = sync.services.create().sid
    docs = sync.services(sid).documents
    docs.create(unique_name="d", data={"n": 0})
    (last,) = sync.changes(sid)  # the follower is at the latest event
    state = sync.export_state()
    state["services"][0]["documents"][0]["data"] = {"n": "imported"}
    sync.import_state(state)
    # Its event is of a history the import did not bring: its mirror may be stale.
    with pytest.raises(ChangesGoneError) as gone:
        sync.changes(sid, after=last)
    assert (gone.value.reason, gone.value.latest) == ("rewound", 1)
    assert sync.changes(sid, after=1) == []  # a bare number cannot tell (as documented)
    # A follower that starts after the import goes on as usual.
    docs("d").update(data={"n": 1})
    (following,) = sync.changes(sid, after=1)
    assert following.sequence == 2
    assert sync.changes(sid, after=following) == []
    assert sync.export_state()["services"][0]["last_event"] == 2
    # Exported and imported again: the same state, the same rule.
    again = sync.export_state()
    sync.import_state(again)
    assert sync.export_state() == again
    with pytest.raises(ChangesGoneError):
        sync.changes(sid, after=following)


def test_reset_empties_the_feed(sync: Sync) -> None:
    sync.services("default").documents.create(data={})
    sync.reset()
    assert list(sync.storage.scan("changes", ())) == []
    assert sync.changes("default") == []


def test_a_waiting_follower_is_woken_by_a_commit(sync: Sync) -> None:
    sid = sync.services.create().sid
    got: list[list[SyncEvent]] = []
    started = threading.Event()

    def follow() -> None:
        started.set()
        got.append(sync.changes(sid, wait=30))

    thread = threading.Thread(target=follow)
    thread.start()
    started.wait(5)
    sync.services(sid).documents.create(unique_name="d", data={"n": 1})
    thread.join(30)
    assert not thread.is_alive()
    assert [(e.sequence, e.type) for e in got[0]] == [(1, "document_created")]


def test_a_wait_with_nothing_new_returns_empty(sync: Sync) -> None:
    sid = sync.services.create().sid
    assert sync.changes(sid, wait=0.02) == []
    assert sync._engine.followers == 0


def test_a_feed_that_keeps_nothing_still_wakes_its_followers(clock: ManualClock) -> None:
    sync = Sync(clock=clock, seed=1, change_retention=ChangeRetention(count=0))
    sid = sync.services.create().sid
    errors: list[BaseException] = []

    def follow() -> None:
        try:
            sync.changes(sid, wait=60)
        except ChangesGoneError as gone:
            errors.append(gone)

    thread = threading.Thread(target=follow)
    thread.start()
    while sync._engine.followers == 0:
        pass
    sync.services(sid).documents.create(data={})
    thread.join(60)
    assert not thread.is_alive()
    assert [type(e) for e in errors] == [ChangesGoneError]


def test_a_wait_longer_than_a_lock_can_wait_is_taken_in_slices(sync: Sync) -> None:
    sid = sync.services.create().sid
    got: list[list[SyncEvent]] = []
    thread = threading.Thread(target=lambda: got.append(sync.changes(sid, wait=1e10)))
    thread.start()
    while sync._engine.followers == 0:
        pass
    sync.services(sid).documents.create(data={})
    thread.join(60)
    assert [e.type for e in got[0]] == ["document_created"]


def test_followers_in_another_process_see_every_change(tmp_path: Path) -> None:
    """Two Syncs on one SQLite file (as two processes would be): the follower's
    ``wait`` polls the file, and sees the writer's changes."""
    path = tmp_path / "shared.db"
    writer = Sync(storage=SqliteStorage(path, synchronous="OFF"), seed=1)
    follower = Sync(storage=SqliteStorage(path, synchronous="OFF"), seed=2)
    sid = writer.services.create().sid
    got: list[list[SyncEvent]] = []
    thread = threading.Thread(target=lambda: got.append(follower.changes(sid, wait=30)))
    thread.start()
    writer.services(sid).documents.create(data={"n": 1})
    thread.join(30)
    assert [e.data for e in got[0]] == [{"n": 1}]
    assert follower.changes(sid) == writer.changes(sid)
    writer.storage.close()
    follower.storage.close()


def test_the_control_route(clock: ManualClock) -> None:
    sync = Sync(clock=clock, seed=1, change_retention=ChangeRetention(count=2, age=None))
    control = Control(sync, "/_c")
    sid = sync.services.create().sid
    for n in range(3):
        sync.services(sid).documents.create(data={"n": n})
    answer = control.handle("GET", f"/_c/changes/{sid}", {"after": "1"}, b"").json()
    assert [c["sequence"] for c in answer["changes"]] == [2, 3]
    assert answer["last"] == 3
    assert answer["changes"][0]["data"] == {"n": 1}
    gone = control.handle("GET", f"/_c/changes/{sid}", {"after": "0"}, b"")
    assert gone.status == 410
    assert gone.json()["oldest"] == 2
    assert gone.json()["reason"] == "pruned"
    assert control.handle("GET", "/_c/changes/\ud800", {}, b"").status == 404
    assert control.handle("GET", "/_c/changes/nope", {}, b"").status == 404
    for query in ({"after": "-1"}, {"limit": "0"}, {"wait": "61"}, {"wait": "x"}):
        assert control.handle("GET", f"/_c/changes/{sid}", query, b"").status == 400
    empty = control.handle("GET", f"/_c/changes/{sid}", {"after": "3", "wait": "0.01"}, b"")
    assert empty.json() == {"changes": [], "last": 3}


def test_the_retention_is_checked() -> None:
    with pytest.raises(ValueError, match="age"):
        ChangeRetention(age=timedelta(0))
    with pytest.raises(ValueError, match="count"):
        ChangeRetention(count=True)
    with pytest.raises(TypeError, match="change_retention"):
        Sync(change_retention=5)  # type: ignore[arg-type]


@settings(max_examples=25)
@given(
    steps=st.lists(st.tuples(st.sampled_from("cudx"), st.integers(0, 4)), max_size=40),
    count=st.none() | st.integers(1, 8),
    after=st.integers(0, 50),
)
def test_the_feed_is_the_heard_events_within_the_retention(
    steps: list[tuple[str, int]], count: int | None, after: int
) -> None:
    """For any sequence of operations, the feed read from any position is the events
    subscribers heard after it, or, if some of those are no longer kept, an error
    naming exactly the oldest kept."""
    retention = ChangeRetention(age=None, count=count)
    clocks = [ManualClock(), ManualClock()]
    # One Sync with a subscriber (its events built at once), one without (kept unbuilt).
    loud, quiet = (
        Sync(clock=clock, seed=3, storage=MemoryStorage(), change_retention=retention)
        for clock in clocks
    )
    seen, _ = heard(loud)
    for sync, clock in zip((loud, quiet), clocks, strict=True):
        sid = sync.services.create().sid
        sync.services(sid).sync_maps.create(unique_name="m")
        items = sync.services(sid).sync_maps("m").sync_map_items
        for op, n in steps:
            key = f"k{n}"
            try:
                if op == "c":
                    items.create(key=key, data={"n": n})
                elif op == "u":
                    items(key).update(data={"n": n + 1})
                elif op == "d":
                    items(key).delete()
                else:
                    items.create(key=key, data={"n": n}, ttl=1)
                    clock.advance(2)
            except SyncError:
                pass
        sync.expire()
    latest = len(seen)
    kept = seen if count is None else seen[max(0, latest - count) :]
    oldest = kept[0].sequence if kept else latest + 1
    for sync in (loud, quiet):
        if after > latest:
            with pytest.raises(ChangesGoneError):
                sync.changes(sid, after=after)
        elif after + 1 < oldest and after < latest:
            with pytest.raises(ChangesGoneError) as gone:
                sync.changes(sid, after=after)
            assert gone.value.oldest == oldest
        else:
            expected = [e for e in kept if e.sequence > after]
            assert sync.changes(sid, after=after, limit=1000) == expected
        sync._check()


def test_an_asgi_long_poll_does_not_stop_the_loop() -> None:
    """The ASGI app answers control routes in a thread: a write made while a long poll
    waits is answered, and ends the poll with its event."""
    import asyncio
    import json

    from sync_core.adapters.asgi import make_app

    sync = Sync(seed=1)
    sid = sync.services.create().sid
    app = make_app(sync, control_prefix="/_c")

    async def call(method: str, path: str, query: bytes = b"", body: bytes = b"") -> Any:
        sent: list[dict[str, Any]] = []
        scope = {
            "type": "http",
            "method": method,
            "path": path,
            "raw_path": path.encode(),
            "query_string": query,
            "headers": [(b"content-type", b"application/x-www-form-urlencoded")],
        }

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await app(scope, receive, send)  # type: ignore[arg-type]
        return json.loads(b"".join(m.get("body", b"") for m in sent[1:]))

    async def write_soon() -> Any:
        for _ in range(1000):  # until the poll waits (a blocked loop never lets this run)
            if sync._engine.followers:
                break
            await asyncio.sleep(0.005)
        return await call("POST", f"/v1/Services/{sid}/Documents", body=b"UniqueName=d")

    async def both() -> tuple[Any, Any]:
        poll = call("GET", f"/_c/changes/{sid}", b"after=0&wait=10")
        polled, written = await asyncio.gather(poll, write_soon())
        return polled, written

    polled, written = asyncio.run(both())
    assert written["unique_name"] == "d"
    assert [c["type"] for c in polled["changes"]] == ["document_created"]


def test_a_follower_of_default_by_name_is_told_when_the_name_is_another_services(
    sync: Sync,
) -> None:
    # After a reset, "default" is made again: another Service, another feed. A follower
    # passing its last event is told its feed was rewound (it resyncs), where it got a
    # ValueError; asked by SID, another Service's event is still a ValueError.
    sync.services("default").documents.create(unique_name="d")
    [last] = sync.changes("default")
    old_sid = last.service_sid
    sync.reset()
    sync.services("default").documents.create(unique_name="e")
    with pytest.raises(ChangesGoneError) as gone:
        sync.changes("default", after=last)
    assert gone.value.reason == "rewound"
    assert gone.value.service_sid != old_sid
    assert [e.type for e in sync.changes("default")] == ["document_created"]
    new_sid = sync.services("default").fetch().sid
    with pytest.raises(ValueError, match="is an event of"):
        sync.changes(new_sid, after=last)


def minute_feed_with_a_document(clock: ManualClock) -> tuple[Sync, str]:
    """A Sync keeping a minute of events, and a Service of it holding a Document "d"."""
    sync = Sync(clock=clock, seed=1, change_retention=ChangeRetention(age=timedelta(minutes=1)))
    sid = sync.services.create().sid
    sync.services(sid).documents.create(unique_name="d")
    return sync, sid


def forgotten(sync: Sync, sid: str, after: int) -> None:
    """Nothing is kept of the deleted Service ``sid``: no counter, and its feed a 404."""
    assert not [key for key, _ in sync.storage.scan("counters", ()) if sid in str(key[0])]
    with pytest.raises(NotFoundError):
        sync.changes(sid, after=after)
    sync._check()


def test_a_read_that_empties_a_deleted_services_feed_forgets_it_as_the_walk_does(
    clock: ManualClock,
) -> None:
    # Whether its counters were forgotten depended on whether someone read its feed.
    sync, sid = minute_feed_with_a_document(clock)
    sync.services(sid).delete()
    assert [e.sequence for e in sync.changes(sid)] == [1, 2]
    clock.advance(120)
    with pytest.raises(NotFoundError):
        sync.changes(sid, after=2)  # its last events out of the window: nothing under it
    forgotten(sync, sid, 0)


def test_a_service_deleted_with_nothing_left_to_announce_is_forgotten_at_once(
    clock: ManualClock,
) -> None:
    # Its events pruned already, and no object left: the delete records no event, and
    # neither the walk nor a read would ever meet its counter again.
    sync, sid = minute_feed_with_a_document(clock)
    sync.services(sid).documents("d").delete()
    clock.advance(120)
    assert sync.changes(sid, after=2) == []  # alive: nothing new
    sync.services(sid).delete()
    forgotten(sync, sid, 2)
