"""Threads: every operation is atomic, so racing writers lose nothing.

Conditional updates (``if_match``) in a fetch -> update -> retry-on-412 loop are the
optimistic concurrency Twilio documents: each increment lands exactly once. Racing
creates of one unique name: exactly one wins, the others get 409/54301.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from sync_core import (
    ConflictError,
    ManualClock,
    PreconditionFailedError,
    Sync,
    SyncError,
    SyncEvent,
)

THREADS = 8
INCREMENTS = 50


@pytest.fixture(autouse=True)
def eager_thread_switches() -> Iterator[None]:
    """Switch threads every 0.1 ms, not 5 ms, so that operations really interleave."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    yield
    sys.setswitchinterval(before)


def run_together(count: int, work: Callable[[int], None]) -> None:
    """Run ``work(0..count-1)`` on ``count`` threads started at once; re-raise failures."""
    barrier = threading.Barrier(count)
    failures: list[BaseException] = []

    def body(n: int) -> None:
        try:
            barrier.wait()
            work(n)
        except BaseException as exc:  # reported below, on the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=body, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    if failures:
        raise failures[0]


def test_conditional_increments_lose_no_update() -> None:
    sync = Sync(clock=ManualClock(), seed=11)
    docs = sync.services("default").documents
    sid = docs.create(unique_name="counter", data={"count": 0}).sid
    refusals: list[tuple[int, int]] = []

    def increment(n: int) -> None:
        for _ in range(INCREMENTS):
            while True:
                current = docs(sid).fetch()
                try:
                    docs(sid).update(
                        data={"count": current.data["count"] + 1, "by": n},
                        if_match=current.revision,
                    )
                    break
                except PreconditionFailedError as err:
                    refusals.append((err.status, err.code))

    run_together(THREADS, increment)
    final = docs("counter").fetch()
    assert final.data["count"] == THREADS * INCREMENTS
    assert final.revision == str(THREADS * INCREMENTS)
    assert set(refusals) <= {(412, 20412)}
    sync._check()


def test_unconditional_updates_each_add_one_revision() -> None:
    sync = Sync(clock=ManualClock(), seed=12)
    docs = sync.services("default").documents
    sid = docs.create(data={}).sid

    def update(n: int) -> None:
        for k in range(INCREMENTS):
            docs(sid).update(data={"by": n, "k": k})

    run_together(THREADS, update)
    assert docs(sid).fetch().revision == str(THREADS * INCREMENTS)
    sync._check()


@pytest.mark.parametrize("seed", range(20))
def test_racing_creates_of_one_unique_name_have_one_winner(seed: int) -> None:
    sync = Sync(clock=ManualClock(), seed=seed)
    docs = sync.services("default").documents
    winners: list[str] = []
    errors: list[SyncError] = []

    def create(n: int) -> None:
        try:
            winners.append(docs.create(unique_name="only", data={"by": n}).sid)
        except ConflictError as err:
            errors.append(err)

    run_together(THREADS, create)
    assert len(winners) == 1
    assert [(err.status, err.code) for err in errors] == [(409, 54301)] * (THREADS - 1)
    assert [d.sid for d in docs.list()] == winners
    assert docs("only").fetch().sid == winners[0]
    sync._check()


def test_racing_creates_of_distinct_documents_all_land() -> None:
    sync = Sync(clock=ManualClock(), seed=13)
    docs = sync.services("default").documents
    per_thread = 25
    made: list[list[str]] = [[] for _ in range(THREADS)]

    def create(n: int) -> None:
        for k in range(per_thread):
            made[n].append(docs.create(unique_name=f"t{n}-{k}", data={"n": n, "k": k}).sid)

    run_together(THREADS, create)
    listed = docs.list()
    assert len(listed) == THREADS * per_thread
    assert len({d.sid for d in listed}) == THREADS * per_thread
    assert {d.sid for d in listed} == {sid for sids in made for sid in sids}
    for record in listed:
        assert record.unique_name == f"t{record.data['n']}-{record.data['k']}"
        assert record.revision == "0"
    # Each thread's documents are listed in the order that thread made them.
    order = [d.sid for d in listed]
    for sids in made:
        assert sorted(sids, key=order.index) == sids
    sync._check()


def test_racing_deletes_of_one_document_have_one_winner() -> None:
    sync = Sync(clock=ManualClock(), seed=14)
    docs = sync.services("default").documents
    docs.create(unique_name="victim")
    deleted: list[bool] = []
    missing: list[SyncError] = []

    def delete(_: int) -> None:
        try:
            deleted.append(docs("victim").delete())
        except SyncError as err:
            missing.append(err)

    run_together(THREADS, delete)
    assert deleted == [True]
    assert [(err.status, err.code) for err in missing] == [(404, 20404)] * (THREADS - 1)
    assert docs.list() == []
    sync._check()


def test_racing_writers_deliver_every_event_once_in_sequence_order() -> None:
    sync = Sync(clock=ManualClock(), seed=12)
    svc = sync.services("default")
    svc.sync_maps.create(unique_name="board")
    items = svc.sync_maps("board").sync_map_items
    delivered: list[tuple[int, str | None, str | None]] = []
    inside = threading.Lock()
    overlaps: list[int] = []
    seen_pairs: set[tuple[str | None, str | None]] = set()

    def record(event: SyncEvent) -> None:
        if not inside.acquire(blocking=False):
            overlaps.append(event.sequence)  # two callbacks ran at once
            return
        try:
            delivered.append((event.sequence, event.item_key, event.revision))
            seen_pairs.add((event.item_key, event.revision))
        finally:
            inside.release()

    svc.subscribe(record)
    not_yet_delivered: list[tuple[str, str]] = []

    def write(n: int) -> None:
        key = f"writer-{n}"
        item = items.create(key=key, data={"n": 0})
        for step in range(1, INCREMENTS):
            item = items(key).update(data={"n": step})
            if (key, item.revision) not in seen_pairs:  # a call returns once delivered
                not_yet_delivered.append((key, item.revision))

    run_together(THREADS, write)
    assert overlaps == []
    assert not_yet_delivered == []
    sequences = [sequence for sequence, _, _ in delivered]
    assert sequences == list(range(2, 2 + THREADS * INCREMENTS))  # 1 was map_created
    for n in range(THREADS):
        revisions = [r for _, k, r in delivered if k == f"writer-{n}"]
        assert revisions == [str(step) for step in range(INCREMENTS)]
    sync._check()


def test_a_callback_on_one_thread_never_blocks_writers_on_others() -> None:
    # A subscriber that writes back while other threads write: nothing deadlocks, and
    # every write-back lands exactly once.
    sync = Sync(clock=ManualClock(), seed=13)
    svc = sync.services("default")
    svc.sync_lists.create(unique_name="in")
    svc.sync_lists.create(unique_name="out")

    def echo(event: SyncEvent) -> None:
        if event.type == "list_item_added":
            svc.sync_lists("out").sync_list_items.create(data={"echo": event.data})

    svc.sync_lists("in").subscribe(echo)

    def write(n: int) -> None:
        for step in range(10):
            svc.sync_lists("in").sync_list_items.create(data={"n": n, "step": step})

    run_together(THREADS, write)
    echoed = [item.data["echo"] for item in svc.sync_lists("out").sync_list_items.list()]
    assert sorted((d["n"], d["step"]) for d in echoed) == [
        (n, step) for n in range(THREADS) for step in range(10)
    ]
    sync._check()


@pytest.mark.parametrize("replace", ["reset", "restore", "import_state"])
def test_a_replacement_waits_for_a_callback_that_calls_back_from_its_thread(
    replace: str,
) -> None:
    # Thread A's subscriber runs (after A's write committed); meanwhile thread B resets
    # (restores, imports); then the subscriber calls back into the Sync. B waits for
    # A's delivery to end, and A's call back waits for B's replacement: both finish.
    sync = Sync(clock=ManualClock(), seed=21)
    docs = sync.services("default").documents
    docs.create(unique_name="d", data={"n": 0})
    snapshot, state = sync.snapshot(), sync.export_state()
    in_callback, replacing = threading.Event(), threading.Event()
    read_back: list[object] = []

    def mirror(event: SyncEvent) -> None:
        if event.type != "document_updated":
            return
        in_callback.set()
        replacing.wait(5)
        time.sleep(0.1)  # B inside its replacement by now
        try:
            read_back.append(docs("d").fetch().data)
        except SyncError as error:
            read_back.append(error.status)

    sync.subscribe(mirror)
    writer = threading.Thread(target=lambda: docs("d").update(data={"n": 1}), daemon=True)
    writer.start()
    assert in_callback.wait(5)

    def replacement() -> None:
        replacing.set()
        if replace == "reset":
            sync.reset()
        elif replace == "restore":
            sync.restore(snapshot)
        else:
            sync.import_state(state)

    replacer = threading.Thread(target=replacement, daemon=True)
    replacer.start()
    replacer.join(10)
    writer.join(10)
    assert not replacer.is_alive(), "the replacement never ended"
    assert not writer.is_alive(), "the callback never ended"
    # The call back ran after the replacement: the state it read is the new one.
    assert read_back == ([404] if replace == "reset" else [{"n": 0}])
    assert sync.requests == []
    sync._check()
