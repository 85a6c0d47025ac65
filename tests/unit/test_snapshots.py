"""``sync.reset()``, ``sync.snapshot()`` and ``sync.restore()``: exact, on every storage.

The ``sync`` fixture runs on memory and (the sqlite tier) on a SQLite file; a storage
without the optional ``Snapshots`` methods is checked too.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any, cast

import pytest
from support import Delegating

from sync_core import (
    ManualClock,
    MemoryStorage,
    NotFoundError,
    PostgresStorage,
    RateLimitedError,
    RateLimits,
    SeededSids,
    SqliteStorage,
    Storage,
    Sync,
    SyncError,
)
from sync_core.storage import Key
from sync_core.storage.base import Snapshots


class PlainStorage:
    """A storage with the five required methods only (no snapshot, restore, clear)."""

    def __init__(self) -> None:
        self._inner = MemoryStorage()

    def get(self, table: str, key: Key) -> object | None:
        return self._inner.get(table, key)

    def put(self, table: str, key: Key, value: object) -> None:
        self._inner.put(table, key, value)

    def delete(self, table: str, key: Key) -> bool:
        return self._inner.delete(table, key)

    def scan(self, table: str, prefix: Key, **options: Any) -> Iterator[tuple[Key, object]]:
        return self._inner.scan(table, prefix, **options)

    def atomic(self) -> AbstractContextManager[None]:
        return self._inner.atomic()

    def close(self) -> None:
        self._inner.close()


def churn(sync: Sync, clock: ManualClock, steps: int, seed: int) -> None:
    """``steps`` random changes of every kind: creates, updates, deletes, permissions,
    TTLs that expire as the clock moves, refusals."""
    rng = random.Random(seed)
    home = sync.services("default")
    docs, maps, lists = home.documents, home.sync_maps, home.sync_lists
    for name in ("m1", "m2"):
        if not any(m.unique_name == name for m in maps.list()):
            maps.create(unique_name=name)
    if not any(li.unique_name == "l1" for li in lists.list()):
        lists.create(unique_name="l1")
    for step in range(steps):
        choice = rng.randrange(10)
        try:
            if choice == 0:
                docs.create(
                    unique_name=f"d{rng.randrange(30)}",
                    data={"step": step},
                    ttl=rng.choice([0, 0, 5, 50]),
                )
            elif choice == 1:
                docs(f"d{rng.randrange(30)}").update(data={"step": step, "x": [1.5, None]})
            elif choice == 2:
                docs(f"d{rng.randrange(30)}").delete()
            elif choice == 3:
                maps(f"m{rng.randrange(1, 3)}").sync_map_items.create(
                    key=f"k{rng.randrange(40)}", data={"s": step}, item_ttl=rng.choice([0, 7])
                )
            elif choice == 4:
                maps(f"m{rng.randrange(1, 3)}").sync_map_items(f"k{rng.randrange(40)}").update(
                    data={"u": step}, if_match=str(rng.randrange(3))
                )
            elif choice == 5:
                lists("l1").sync_list_items.create(data={"s": step}, item_ttl=rng.choice([0, 9]))
            elif choice == 6:
                lists("l1").sync_list_items(rng.randrange(step + 1)).delete()
            elif choice == 7:
                target = docs(f"d{rng.randrange(30)}")
                target.document_permissions(f"user{rng.randrange(5)}").update(
                    read=True, write=rng.random() < 0.5, manage=False
                )
            elif choice == 8:
                home.sync_streams.create(
                    unique_name=f"s{rng.randrange(10)}", ttl=rng.choice([0, 3])
                )
            else:
                clock.advance(rng.choice([0.25, 1, 4]))
        except SyncError:
            pass  # refusals are part of the churn: they change nothing


def same_kind(storage: object) -> Storage:
    """A new, empty storage of the class of ``storage`` (for PostgreSQL, a new schema of
    the same database, dropped with the test's own schema's server at the session end)."""
    if isinstance(storage, MemoryStorage):
        return MemoryStorage()
    if isinstance(storage, PostgresStorage):
        return PostgresStorage(storage.dsn, schema=f"{storage.schema}_{next(_twins)}")
    return SqliteStorage(":memory:")


_twins = itertools.count()


def test_restore_after_a_thousand_changes_equals_the_snapshot_exactly(
    sync: Sync, clock: ManualClock
) -> None:
    churn(sync, clock, 300, seed=1)
    before = sync.export_state()
    saved = sync.snapshot()
    first_sid_after = sync.services.create().sid
    changes: list[str] = []
    with sync.subscribe(lambda event: changes.append(event.type)):
        churn(sync, clock, 2500, seed=2)
    assert len(changes) >= 1000
    assert sync.export_state() != before

    sync.restore(saved)
    sync._check()
    # The SID generator is back where it was: the same SID comes next.
    assert sync.services.create().sid == first_sid_after
    # Seen at the instant it was taken (this clock has moved on, and what expired since
    # is gone), the restored state is the snapshot's exactly.
    twin = Sync(clock=ManualClock(saved.taken_at), storage=same_kind(sync.storage))
    twin.restore(saved)
    assert twin.export_state() == before
    twin._check()


def test_restore_is_exact_including_counters_at_the_same_instant(sync: Sync) -> None:
    clock = sync.clock
    assert isinstance(clock, ManualClock)
    churn(sync, clock, 300, seed=3)
    saved = sync.snapshot()
    before = sync.export_state()
    sequences: list[int] = []
    with sync.subscribe(lambda event: sequences.append(event.sequence)):
        lst = sync.services("default").sync_lists("l1").sync_list_items
        first = lst.create(data={})
        made = (first.index, sequences[-1])
        for _ in range(1000 // 4):
            lst.create(data={"more": True})
            sync.services("default").documents.create(data={"x": 1})
            sync.services("default").sync_maps("m1").sync_map_items.create(
                key=f"new{len(sequences)}", data={}
            )
            sync.services("default").sync_streams.create()
        sync.restore(saved)
        assert sync.export_state() == before  # the clock has not moved: exactly equal
        # List index counters and event sequence numbers come back too.
        again = lst.create(data={})
        assert (again.index, sequences[-1]) == made
    sync._check()


def test_restoring_twice_and_into_another_sync_of_the_same_kind(sync: Sync) -> None:
    docs = sync.services("default").documents
    docs.create(unique_name="kept", data={"v": 1})
    saved = sync.snapshot()
    state = sync.export_state()
    for round_ in range(2):
        docs.create(unique_name=f"gone{round_}")
        docs("kept").update(data={"v": 2 + round_})
        sync.restore(saved)
        assert sync.export_state() == state
    if isinstance(sync.storage, MemoryStorage):
        other = Sync(clock=ManualClock(saved.taken_at), storage=MemoryStorage())
        other.restore(saved)
        assert other.export_state() == state
        other.services("default").documents("kept").update(data={"other": True})
        assert sync.export_state() == state  # copy-on-write: the two share nothing writable
        other._check()


def test_a_snapshot_is_not_changed_by_later_writes_of_either_side() -> None:
    sync = Sync(clock=ManualClock(), seed=4)
    sync.services("default").sync_maps.create(unique_name="m")
    keyed = sync.services("default").sync_maps("m").sync_map_items
    for n in range(50):
        keyed.create(key=f"k{n:02}", data={"n": n})
    saved = sync.snapshot()
    state = sync.export_state()
    keyed("k01").delete()
    keyed.create(key="zz", data={})
    sync.restore(saved)
    keyed("k02").update(data={"changed": True})
    sync.restore(saved)
    assert sync.export_state() == state


def test_restore_refuses_what_is_not_a_snapshot_of_its_kind_and_changes_nothing(
    sync: Sync,
) -> None:
    sync.services("default").documents.create(unique_name="d")
    state = sync.export_state()
    with pytest.raises(TypeError, match="Snapshot"):
        sync.restore("a snapshot")  # type: ignore[arg-type]
    stranger = Sync(account_sid="AC" + "1" * 32, storage=same_kind(sync.storage))
    with pytest.raises(ValueError, match="account"):
        sync.restore(stranger.snapshot())
    other_kind = Sync(
        storage=MemoryStorage() if isinstance(sync.storage, SqliteStorage) else PlainStorage()
    )
    with pytest.raises(ValueError, match=r"taken from a (MemoryStorage|PlainStorage)"):
        sync.restore(other_kind.snapshot())
    assert sync.export_state() == state


def test_reset_empties_everything_and_keeps_clock_sids_subscribers_and_settings() -> None:
    clock = ManualClock()
    seen: list[str] = []
    hooks: list[str] = []
    sync = Sync(clock=clock, seed=9, webhook_sink=lambda url, params: hooks.append(url))
    sync.subscribe(lambda event: seen.append(event.type))
    home = sync.services.create(
        webhook_url="https://app.test/hook", webhooks_from_rest_enabled=True
    )
    sync.services(home.sid).documents.create(unique_name="d", ttl=10)
    sync.services("default").sync_lists.create(unique_name="l")
    clock.advance(3)

    sync.reset()

    assert sync.export_state()["services"] == []
    assert list(sync.services.list()) == []
    assert sync.clock is clock
    assert clock.now().second == 3
    sids = SeededSids(9)
    made = [sids("IS"), sids("ET"), sids("IS"), sids("ES"), sids("IS")]
    default = sync.services("default").fetch()  # made again, on first use
    assert default.sid == made[4]  # the generator went on: no SID comes twice
    seen.clear()
    sync.services("default").documents.create(unique_name="d")
    assert seen == ["document_created"]  # the subscriber is still there
    assert hooks == ["https://app.test/hook"]  # only before the reset: that service is gone
    sync._check()


def test_reset_and_restore_forget_the_request_journal(sync: Sync) -> None:
    from sync_core.adapters.rest import RestApi

    api = RestApi(sync)
    saved = sync.snapshot()
    api.handle("GET", "/v1/Services")
    assert len(sync.requests) == 1
    sync.restore(saved)
    assert sync.requests == []
    api.handle("GET", "/v1/Services")
    sync.reset()
    assert sync.requests == []


def test_a_request_under_way_when_the_state_is_replaced_is_not_written_down(
    sync: Sync,
) -> None:
    """A subscriber restores the state while it hears of a REST request's change: the
    journal, forgotten by the restore, does not then list that request, whose effect the
    restore undid (nor one under way during a reset or an import)."""
    from sync_core.adapters.rest import RestApi

    api = RestApi(sync)
    base = sync.snapshot()
    state = sync.export_state()
    replace = [sync.restore, lambda _: sync.reset(), lambda _: sync.import_state(state)]
    for how in replace:
        handle = sync.subscribe(lambda event, how=how: how(base))  # type: ignore[misc]
        answer = api.handle("POST", "/v1/Services/default/Documents", data={"UniqueName": "x"})
        assert answer.status == 201
        handle.unsubscribe()
        assert sync.requests == []
        assert [d.unique_name for d in sync.services("default").documents.list()] == []
    api.handle("GET", "/v1/Services")
    assert [entry.status for entry in sync.requests] == [200]


def test_a_request_begun_before_a_reset_and_answered_after_it_is_written_down(
    sync: Sync, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request whose thread is held before its operation while another thread resets
    the state is answered from the new state, whose journal lists it (its effect
    stays); a nested request (a subscriber's own) keeps the outer one's judgement."""
    import sync_core.adapters.rest as rest

    api = rest.RestApi(sync)
    target, arrived, go = rest._kept_target, threading.Event(), threading.Event()

    def held(*args: Any) -> Any:
        if threading.current_thread().name == "held":
            arrived.set()
            go.wait(10)
        return target(*args)

    monkeypatch.setattr(rest, "_kept_target", held)
    answers: list[Any] = []
    post = {"data": {"FriendlyName": "after"}}
    thread = threading.Thread(
        target=lambda: answers.append(api.handle("POST", "/v1/Services", **post)), name="held"
    )
    thread.start()
    assert arrived.wait(10)
    sync.reset()
    go.set()
    thread.join(10)
    assert [a.status for a in answers] == [201]
    assert [s.friendly_name for s in sync.services.list()] == ["after"]
    assert [(e.method, e.status) for e in sync.requests] == [("POST", 201)]
    sync.journal.clear()
    handle = sync.subscribe(lambda event: api.handle("GET", "/v1/Services"))
    api.handle("POST", "/v1/Services/default/Documents", data={"UniqueName": "d"})
    handle.unsubscribe()
    assert [(e.method, e.status) for e in sync.requests] == [("GET", 200), ("POST", 201)]


def test_expiry_is_right_after_a_restore_or_reset(sync: Sync, clock: ManualClock) -> None:
    docs = sync.services("default").documents
    docs.create(unique_name="soon", ttl=10)
    saved = sync.snapshot()
    sync.reset()
    docs.create(unique_name="later", ttl=100)
    clock.advance(20)
    assert [d.unique_name for d in docs.list()] == ["later"]
    sync.restore(saved)  # "soon" expired 10 seconds ago by this clock
    assert list(docs.list()) == []
    sync._check()


def test_the_shipped_storages_offer_snapshots_and_any_storage_works() -> None:
    assert isinstance(MemoryStorage(), Snapshots)
    assert isinstance(SqliteStorage(":memory:"), Snapshots)
    assert not isinstance(PlainStorage(), Snapshots)
    clock = ManualClock()
    sync = Sync(storage=PlainStorage(), clock=clock, seed=5)
    churn(sync, clock, 200, seed=6)
    saved = sync.snapshot()
    state = sync.export_state()
    churn(sync, clock, 0, seed=7)
    sync.services("default").documents.create(unique_name="extra")
    sync.restore(saved)
    assert sync.export_state() == state
    sync.reset()
    assert sync.export_state()["services"] == []
    sync._check()


def test_subscriptions_to_what_a_restore_removes_are_ended() -> None:
    sync = Sync(clock=ManualClock(), seed=1)
    docs = sync.services("default").documents
    base = sync.snapshot()
    x = docs.create(unique_name="x")
    seen: list[str] = []
    watching = docs("x").subscribe(lambda event: seen.append(event.type))
    service_watch = sync.services(sync.services.create().sid).subscribe(lambda e: None)
    everything = sync.subscribe(lambda event: None)
    sync.restore(base)
    assert not watching.active
    assert not service_watch.active
    assert everything.active  # the account's subscriptions stay
    y = docs.create(unique_name="y")  # the rewound generator makes x's SID again
    docs("y").update(data={"v": 2})
    assert y.sid == x.sid
    assert seen == []


def test_restore_and_reset_announce_no_removal_of_the_state_they_replace() -> None:
    clock = ManualClock()
    sync = Sync(clock=clock, seed=2)
    docs = sync.services("default").documents
    saved = sync.snapshot()
    docs.create(unique_name="soon", ttl=5)
    clock.advance(10)
    removals: list[str] = []
    sync.subscribe(lambda event: removals.append(event.type))
    sync.restore(saved)
    sync.reset()
    assert removals == []


class _LockedAfterRestore(MemoryStorage):
    """A storage whose next transaction after a restore fails, as a SQLite file another
    process holds past the busy timeout does."""

    armed = False

    def restore(self, snapshot: object) -> None:
        super().restore(snapshot)
        self.armed = True

    def atomic(self) -> Any:
        if self.armed:
            self.armed = False
            raise RuntimeError("database is locked")
        return super().atomic()


def test_a_restore_whose_account_write_fails_still_forgets_what_it_knew() -> None:
    clock = ManualClock()
    sync = Sync(clock=clock, storage=_LockedAfterRestore(), seed=3)
    docs = sync.services("default").documents
    docs.create(unique_name="brief", ttl=10)
    saved = sync.snapshot()
    docs("brief").delete()
    clock.advance(60)
    assert docs.list() == []  # nothing left to expire: the expiry floor is "never"
    with pytest.raises(RuntimeError, match="database is locked"):
        sync.restore(saved)  # the state is replaced; writing its account down failed
    # What was known of the old state was forgotten all the same: the restored
    # Document, expired 50 s ago, is removed at the next call.
    with pytest.raises(NotFoundError):
        docs("brief").fetch()


def test_a_subscriber_resetting_then_writing_does_not_journal_the_request_it_undid(
    sync: Sync,
) -> None:
    """The request's own operation decides (its state was replaced since): operations
    a callback runs after its reset do not make it the new state's."""
    from sync_core.adapters.rest import RestApi

    api = RestApi(sync)
    done: list[int] = []

    def reset_and_seed(event: Any) -> None:
        if not done:
            done.append(1)
            sync.reset()
            sync.services("default").documents.create(unique_name="seed")

    handle = sync.subscribe(reset_and_seed)
    answer = api.handle("POST", "/v1/Services/default/Documents", data={"UniqueName": "mine"})
    handle.unsubscribe()
    assert answer.status == 201
    assert [d.unique_name for d in sync.services("default").documents.list()] == ["seed"]
    assert sync.requests == []


class Failing(Delegating):
    """A storage with snapshots whose ``restore`` fails while ``refuse_restore`` is set,
    and whose reads of the ``services`` table fail while ``refuse_reads`` is set."""

    refuse_restore = False
    refuse_reads = False
    refusal: type[BaseException] = OSError
    #: The one thread whose reads are refused (None: every thread's).
    refused_thread: int | None = None

    def refuses_here(self) -> bool:
        return self.refused_thread in (None, threading.get_ident())

    def snapshot(self) -> object:
        return cast(Snapshots, self.inner).snapshot()

    def restore(self, snapshot: object) -> None:
        if self.refuse_restore:
            raise OSError("the disk is gone")
        cast(Snapshots, self.inner).restore(snapshot)

    def clear(self) -> None:
        cast(Snapshots, self.inner).clear()

    def get(self, table: str, key: Key) -> object | None:
        if self.refuse_reads and table == "services" and self.refuses_here():
            raise self.refusal("the disk is gone")
        return self.inner.get(table, key)


def test_a_restore_that_fails_replaces_nothing_and_forgets_nothing() -> None:
    """The storage's restore raises (atomic: nothing replaced): the journal keeps the
    request whose callback tried it, and the rate limits' windows stay."""
    from sync_core.adapters.rest import RestApi

    storage = Failing()
    sync = Sync(
        storage=storage, clock=ManualClock(), seed=1, rate_limits=RateLimits(writes=2, window=1)
    )
    docs = sync.services("default").documents
    docs.create(unique_name="d", data={"n": 0})  # write 1
    saved = sync.snapshot()

    def restore_failing(event: Any) -> None:
        storage.refuse_restore = True
        with pytest.raises(OSError, match="disk"):
            sync.restore(saved)
        storage.refuse_restore = False

    handle = sync.subscribe(restore_failing)
    answer = RestApi(sync).handle(
        "POST", "/v1/Services/default/Documents/d", data={"Data": '{"n": 1}'}
    )
    handle.unsubscribe()
    assert answer.status == 200  # write 2: the window is full
    assert [(e.method, e.status) for e in sync.requests] == [("POST", 200)]
    assert sync._engine.replacements == 0
    with pytest.raises(RateLimitedError):
        docs("d").update(data={"n": 2})
    sync._check()


def test_a_restore_whose_last_reads_fail_still_forgets_what_the_old_state_held() -> None:
    """The storage restores, then fails the reads ``replaced()`` makes (which
    subscriptions end): the error is raised, and the rest is done still: the journal
    forgotten, the seeded SIDs put back, and the subscription whose check failed
    ended (its SID, made again, must not reach it)."""
    from sync_core.adapters.rest import RestApi

    storage = Failing()
    sync = Sync(storage=storage, clock=ManualClock(), seed=1)
    saved = sync.snapshot()
    RestApi(sync).handle("POST", "/v1/Services", data={"FriendlyName": "later"})
    later = [s.sid for s in sync.services.list()]
    watching = sync.services(later[0]).subscribe(lambda event: None)
    storage.refuse_reads = True
    with pytest.raises(OSError, match="disk"):
        sync.restore(saved)
    storage.refuse_reads = False
    assert sync.requests == []
    assert [s.sid for s in sync.services.list()] == []
    made = sync.services.create(friendly_name="again").sid
    assert [made] == later  # the generator put back where the snapshot had it
    assert not watching.active


def test_a_reset_whose_last_reads_fail_still_claims_the_storage_for_its_account() -> None:
    storage = Failing()
    sync = Sync(storage=storage, clock=ManualClock(), seed=1)
    sid = sync.services.create().sid
    sync.services(sid).subscribe(lambda event: None)
    storage.refuse_reads = True
    with pytest.raises(OSError, match="disk"):
        sync.reset()
    storage.refuse_reads = False
    with pytest.raises(ValueError, match="account"):
        Sync(storage=storage, clock=ManualClock(), account_sid="AC" + "f" * 32)


def test_a_reset_interrupted_in_its_last_reads_still_wakes_its_followers() -> None:
    """A KeyboardInterrupt in a read ``replaced()`` makes: it is raised, the
    subscription it could not check is ended (a SID made again must not reach it), and
    a follower waiting on the reset Service is woken still (it is told it is gone)."""
    storage = Failing()
    storage.refusal = KeyboardInterrupt
    sync = Sync(storage=storage, clock=ManualClock(), seed=1)
    sid = sync.services.create().sid
    watching = sync.services(sid).subscribe(lambda event: None)
    told: list[BaseException] = []

    def follow() -> None:
        try:
            sync.changes(sid, after=0, wait=60)
        except BaseException as error:  # NotFoundError: the Service is gone
            told.append(error)

    follower = threading.Thread(target=follow, daemon=True)
    follower.start()
    for _ in range(10_000):
        if sync._engine.followers or not follower.is_alive():
            break
        time.sleep(0.001)
    assert sync._engine.followers == 1
    storage.refused_thread = threading.get_ident()  # the reset's reads; the follower's go
    storage.refuse_reads = True
    with pytest.raises(KeyboardInterrupt):
        sync.reset()
    storage.refuse_reads = False
    follower.join(30)  # woken at once (else it waits its 60 s)
    assert not follower.is_alive()
    assert [type(error).__name__ for error in told] == ["NotFoundError"]
    assert not watching.active
