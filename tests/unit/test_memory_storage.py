"""MemoryStorage keeps the Storage protocol: ordered scans, point access, atomic blocks."""

from __future__ import annotations

import contextlib
import sys
import threading
from typing import Any

import pytest

from sync_core import MemoryStorage, Storage, Sync
from sync_core.storage import Key


@pytest.fixture
def storage() -> MemoryStorage:
    store = MemoryStorage()
    for a in ("a", "b", "c"):
        for n in (1, 2, 3):
            store.put("t", (a, n), f"{a}{n}")
    return store


def values(entries: object) -> list[object]:
    return [value for _, value in entries]  # type: ignore[attr-defined]


def test_it_is_a_storage() -> None:
    assert isinstance(MemoryStorage(), Storage)


def test_get_put_delete(storage: MemoryStorage) -> None:
    assert storage.get("t", ("a", 1)) == "a1"
    assert storage.get("t", ("z", 1)) is None
    assert storage.get("nowhere", ("a",)) is None
    storage.put("t", ("a", 1), "new")
    assert storage.get("t", ("a", 1)) == "new"
    assert storage.delete("t", ("a", 1)) is True
    assert storage.delete("t", ("a", 1)) is False
    assert storage.delete("nowhere", ("a",)) is False
    assert storage.get("t", ("a", 1)) is None
    storage._check()


def test_scan_under_a_prefix_in_both_directions(storage: MemoryStorage) -> None:
    assert values(storage.scan("t", ("b",))) == ["b1", "b2", "b3"]
    assert values(storage.scan("t", ("b",), reverse=True)) == ["b3", "b2", "b1"]
    assert values(storage.scan("t", ())) == [f"{a}{n}" for a in "abc" for n in (1, 2, 3)]
    assert values(storage.scan("t", ("z",))) == []
    assert values(storage.scan("nowhere", ())) == []


def test_scan_from_a_start_inclusive_or_not(storage: MemoryStorage) -> None:
    assert values(storage.scan("t", ("b",), start=("b", 2))) == ["b2", "b3"]
    assert values(storage.scan("t", ("b",), start=("b", 2), inclusive=False)) == ["b3"]
    assert values(storage.scan("t", ("b",), start=("b", 2), reverse=True)) == ["b2", "b1"]
    assert values(storage.scan("t", ("b",), start=("b", 2), reverse=True, inclusive=False)) == [
        "b1"
    ]
    # A start that is not a key.
    assert values(storage.scan("t", ("b",), start=("b", 0))) == ["b1", "b2", "b3"]
    assert values(storage.scan("t", ("b",), start=("b", 9), reverse=True)) == ["b3", "b2", "b1"]


def test_scan_limit(storage: MemoryStorage) -> None:
    assert values(storage.scan("t", (), limit=2)) == ["a1", "a2"]
    assert values(storage.scan("t", ("c",), reverse=True, limit=1)) == ["c3"]
    assert values(storage.scan("t", (), limit=0)) == []


def writes_then_fails(storage: MemoryStorage, *writes: tuple[str, Key, object]) -> None:
    """In one atomic block: each write (a put, or a delete when the value is DELETE), then raise."""
    with storage.atomic():
        for table, key, value in writes:
            if value is DELETE:
                storage.delete(table, key)
            else:
                storage.put(table, key, value)
        raise RuntimeError("half-way")


DELETE = object()


def test_an_atomic_block_that_raises_is_undone_whole(storage: MemoryStorage) -> None:
    before = list(storage.scan("t", ()))

    def nested() -> None:
        with storage.atomic():
            storage.put("t", ("a", 1), "changed")
            with storage.atomic():  # re-entrant: the inner block belongs to the outer one
                storage.delete("t", ("c", 3))
            writes_then_fails(
                storage,
                ("t", ("d", 1), "added"),
                ("t", ("b", 2), DELETE),
                ("u", ("x",), 1),
            )

    with pytest.raises(RuntimeError, match="half-way"):
        nested()
    assert list(storage.scan("t", ())) == before
    assert storage.get("u", ("x",)) is None
    storage._check()


def test_an_atomic_block_that_ends_keeps_its_writes(storage: MemoryStorage) -> None:
    with storage.atomic():
        storage.put("t", ("d", 1), "added")
        storage.delete("t", ("a", 1))
    assert storage.get("t", ("d", 1)) == "added"
    assert storage.get("t", ("a", 1)) is None
    # A later failure does not undo an earlier, finished block.
    with pytest.raises(RuntimeError, match="half-way"):
        writes_then_fails(storage, ("t", ("e", 1), "e1"))
    assert storage.get("t", ("d", 1)) == "added"
    assert storage.get("t", ("e", 1)) is None


def test_put_and_delete_of_one_key_in_one_failed_block(storage: MemoryStorage) -> None:
    with pytest.raises(RuntimeError, match="half-way"):
        writes_then_fails(
            storage,
            ("t", ("q", 1), "1"),
            ("t", ("q", 1), DELETE),
            ("t", ("q", 1), "2"),
            ("t", ("a", 1), DELETE),
            ("t", ("a", 1), "again"),
        )
    assert storage.get("t", ("q", 1)) is None
    assert storage.get("t", ("a", 1)) == "a1"
    storage._check()


def test_close_drops_everything(storage: MemoryStorage) -> None:
    storage.close()
    assert storage.get("t", ("a", 1)) is None
    assert "MemoryStorage(" in repr(storage)


# -- the sorted index, brought up to date lazily -------------------------------------
#
# A put of a new key only appends it to its table's pending keys; what needs the order
# sorts them in first. These tests look at the pending keys (``pending``) to show that
# each case below is the one they mean to test; the answers are checked through the
# public methods, and ``_check()`` (which reads only) after each.


def pending(storage: MemoryStorage, table: str) -> list[Key]:
    return list(storage._tables[table].pending)


def keys(storage: MemoryStorage, table: str, **options: Any) -> list[Key]:
    return [key for key, _ in storage.scan(table, (), **options)]


def test_new_keys_wait_for_a_scan_which_returns_them_in_order() -> None:
    store = MemoryStorage()
    for n in (3, 1, 2):
        store.put("t", ("k", n), n)
    assert pending(store, "t") == [("k", 3), ("k", 1), ("k", 2)]
    assert store.get("t", ("k", 1)) == 1  # reads need no order
    store._check()
    assert keys(store, "t") == [("k", 1), ("k", 2), ("k", 3)]
    assert keys(store, "t", reverse=True, limit=2) == [("k", 3), ("k", 2)]
    assert pending(store, "t") == []
    store.put("t", ("k", 0), 0)
    assert keys(store, "t", start=("k", 1), reverse=True) == [("k", 1), ("k", 0)]
    store._check()


def test_a_put_that_replaces_a_pending_key_does_not_repeat_it() -> None:
    store = MemoryStorage()
    store.put("t", ("a",), 1)
    store.put("t", ("b",), 1)
    store.put("t", ("a",), 2)
    with store.atomic():
        store.put("t", ("b",), 3)
    assert pending(store, "t") == [("a",), ("b",)]
    store._check()
    assert list(store.scan("t", ())) == [(("a",), 2), (("b",), 3)]


def test_delete_of_the_last_pending_key_leaves_the_others_pending() -> None:
    store = MemoryStorage()
    for name in "cab":
        store.put("t", (name,), name)
    assert store.delete("t", ("b",)) is True
    assert pending(store, "t") == [("c",), ("a",)]
    store._check()
    assert keys(store, "t") == [("a",), ("c",)]


def test_delete_of_a_pending_key_before_the_last() -> None:
    store = MemoryStorage()
    store.put("t", ("old",), 0)
    assert keys(store, "t") == [("old",)]
    for name in "cab":
        store.put("t", (name,), name)
    assert store.delete("t", ("c",)) is True  # not the last one put: sorted in first
    store._check()
    assert store.get("t", ("c",)) is None
    assert keys(store, "t") == [("a",), ("b",), ("old",)]
    assert store.delete("t", ("old",)) is True  # a sorted key
    assert store.delete("t", ("old",)) is False
    store._check()
    assert keys(store, "t") == [("a",), ("b",)]


def test_a_failed_block_takes_its_new_keys_off_the_pending_end() -> None:
    store = MemoryStorage()
    store.put("t", ("kept",), 0)  # pending before the block, and still after it
    with pytest.raises(RuntimeError, match="half-way"):
        writes_then_fails(store, ("t", ("x",), 1), ("t", ("y",), 2), ("t", ("x",), 3))
    assert pending(store, "t") == [("kept",)]
    store._check()
    assert list(store.scan("t", ())) == [(("kept",), 0)]


def test_a_failed_block_that_scanned_removes_its_new_keys_from_the_index() -> None:
    store = MemoryStorage()
    store.put("t", ("a",), 0)

    def block() -> None:
        with store.atomic():
            store.put("t", ("b",), 1)
            assert keys(store, "t") == [("a",), ("b",)]  # sorted in, inside the block
            store.put("t", ("c",), 2)
            raise RuntimeError("half-way")

    with pytest.raises(RuntimeError, match="half-way"):
        block()
    store._check()
    assert list(store.scan("t", ())) == [(("a",), 0)]


def test_a_failed_block_whose_new_key_is_not_the_last_pending() -> None:
    store = MemoryStorage()
    store.put("t", ("a",), 0)
    store.put("t", ("b",), 1)
    with pytest.raises(RuntimeError, match="half-way"):
        writes_then_fails(
            store,
            ("t", ("new",), 2),
            ("t", ("a",), DELETE),  # not the last pending key: sorts in ("b",) and ("new",)
            ("t", ("c",), 3),
            ("t", ("b",), DELETE),
        )
    # Undone last first: ("b",) comes back, pending, so that neither ("c",) nor, once
    # ("a",) is back, ("new",) is the last pending key when its turn comes.
    store._check()
    assert list(store.scan("t", ())) == [(("a",), 0), (("b",), 1)]


def test_a_failed_block_that_put_deleted_and_put_one_new_key() -> None:
    store = MemoryStorage()
    with pytest.raises(RuntimeError, match="half-way"):
        writes_then_fails(
            store,
            ("t", ("q",), 1),
            ("t", ("q",), DELETE),
            ("t", ("q",), 2),
            ("t", ("r",), 3),
        )
    assert pending(store, "t") == []
    store._check()
    assert keys(store, "t") == []


def test_a_snapshot_sorts_every_table_in_and_a_scan_never_writes_a_shared_one() -> None:
    store = MemoryStorage()
    for n in range(50, 0, -1):
        store.put("t", ("k", n), n)
    saved = store.snapshot()
    shared = store._tables["t"]
    assert shared.shared
    assert shared.pending == []
    index = shared.keys
    before = list(index)
    other = MemoryStorage()
    other.restore(saved)
    for storage in (store, other):
        storage.put("t", ("k", 0), 0)  # copies the table: the copy gets the new key
        storage.put("u", ("x",), 1)
        assert keys(storage, "t", limit=2) == [("k", 0), ("k", 1)]
        storage._check()
    third = MemoryStorage()
    third.restore(saved)
    assert [key for key, _ in third.scan("t", (), reverse=True, limit=1)] == [("k", 50)]
    assert shared.keys is index
    assert list(index) == before
    assert shared.pending == []
    assert len(shared.rows) == 50
    store.restore(saved)
    assert keys(store, "t") == before


def test_a_shared_table_with_pending_keys_fails_the_check() -> None:
    store = MemoryStorage()
    store.put("t", ("a",), 1)
    store.snapshot()
    store._tables["t"].pending.append(("b",))  # what snapshot() must never leave
    store._tables["t"].rows[("b",)] = 2
    with pytest.raises(AssertionError, match="shared with keys pending"):
        store._check()


def test_a_key_both_sorted_and_pending_fails_the_check() -> None:
    store = MemoryStorage()
    store.put("t", ("a",), 1)
    store.put("t", ("b",), 1)
    assert keys(store, "t") == [("a",), ("b",)]
    store._tables["t"].pending.append(("a",))
    with pytest.raises(AssertionError):
        store._check()


def test_two_threads_scanning_copies_of_one_snapshot_agree() -> None:
    """Two storages restored from one snapshot, each scanned and written by a thread of
    its own (as two Syncs with a lock each would): the tables they share are only read."""
    source, rows = MemoryStorage(), {}
    for n in range(3_000):
        key = ("k", (n * 7919) % 3_000)  # in no order, and pending until the snapshot
        source.put("t", key, n)
        rows[key] = n
    saved = source.snapshot()  # nothing scans its tables before the threads do
    expected = sorted(rows.items())
    results: dict[int, list[bool]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def work(number: int) -> None:
        try:
            storage = MemoryStorage()
            storage.restore(saved)
            start.wait()
            seen = []
            for round_number in range(20):
                seen.append(list(storage.scan("t", ())) == expected)
                seen.append(
                    list(storage.scan("t", ("k",), start=("k", 1_500), limit=10))
                    == expected[1_500:1_510]
                )
                storage.put("mine", (round_number,), number)  # a table of its own
            storage._check()
            results[number] = seen
        except BaseException as error:  # reported below, with the assertion
            errors.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(n,)) for n in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert results == {1: [True] * 40, 2: [True] * 40}
    assert list(saved._tables["t"].keys) == [key for key, _ in expected]
    source.restore(saved)
    source._check()


def test_a_scan_from_another_thread_while_operations_run_loses_no_key() -> None:
    """Reading ``sync.storage`` directly from a second thread while the Sync's thread
    creates (no storage's contract, but a test suite may do it) sorts pending keys in
    concurrently with the puts: every key still ends up indexed, none lost."""
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    sync = Sync(seed=1)
    documents = sync.services("default").documents
    storage = sync.storage
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            with contextlib.suppress(IndexError, ValueError):  # a read racing a write may fail
                list(storage.scan("object_order", ()))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for n in range(2000):
            documents.create(unique_name=f"d{n}")
    finally:
        done.set()
        reader.join()
        sys.setswitchinterval(switch)
    sync._check()
    assert len(documents.list()) == 2000


# -- runs of keys in order: the change feed's new events in, its oldest out ------------


def test_delete_range_removes_what_is_under_the_prefix_up_to_stop(storage: MemoryStorage) -> None:
    storage.put("t", ("ab", 1), "ab1")
    assert storage.delete_range("t", ("a",), ("a", 2)) == 2
    assert values(storage.scan("t", ())) == ["a3", "ab1", "b1", "b2", "b3", "c1", "c2", "c3"]
    assert storage.delete_range("t", ("b",), ("b",)) == 0  # stop before every key under it
    assert storage.delete_range("t", ("c",), ("c", 2**70)) == 3  # beyond 64 bits
    assert storage.delete_range("t", (), ("b", 2)) == 4
    assert values(storage.scan("t", ())) == ["b3"]
    assert storage.delete_range("missing", (), ("z",)) == 0
    storage._check()


def test_a_failed_block_restores_what_delete_range_removed(storage: MemoryStorage) -> None:
    before = list(storage.scan("t", ()))
    with contextlib.suppress(RuntimeError), storage.atomic():
        assert storage.delete_range("t", ("b",), ("b", 9)) == 3
        assert values(storage.scan("t", ("b",))) == []
        raise RuntimeError("half-way")
    assert list(storage.scan("t", ())) == before
    storage._check()


def test_a_snapshot_keeps_what_a_later_delete_range_removes(storage: MemoryStorage) -> None:
    before = list(storage.scan("t", ()))
    saved = storage.snapshot()
    assert storage.delete_range("t", (), ("c", 9)) == 9
    storage.restore(saved)
    assert list(storage.scan("t", ())) == before
    storage._check()


def test_runs_in_order_in_and_the_oldest_out_keep_the_index_whole() -> None:
    """A feed's pattern, long enough to cross the sorted index's sublists (1,000 keys
    each) many times: runs of new keys above the others (sorted in as one run), scans,
    and the oldest removed by ``delete_range``, sometimes inside a block that fails.
    Every answer is a plain list's, and the index keeps its invariants throughout."""
    import random

    rng = random.Random(7)
    store, model = MemoryStorage(), []
    next_key = 0
    for _ in range(300):
        for _ in range(rng.choice((1, 2, 64, 300, 900))):
            store.put("f", ("IS1", next_key), next_key)
            model.append(("IS1", next_key))
            next_key += 1
        if rng.random() < 0.5:
            assert [key for key, _ in store.scan("f", (), limit=3)] == model[:3]
        if model and rng.random() < 0.6:
            stop = model[min(len(model) - 1, rng.choice((0, 1, 63, 500, 1500)))]
            if rng.random() < 0.2:
                with contextlib.suppress(RuntimeError), store.atomic():
                    store.delete_range("f", ("IS1",), stop)
                    raise RuntimeError
            else:
                removed = store.delete_range("f", ("IS1",), stop)
                assert removed == model.index(stop) + 1
                del model[:removed]
        store._check()
        assert [key for key, _ in store.scan("f", ("IS1",), reverse=True, limit=2)] == (
            model[::-1][:2]
        )
    assert [key for key, _ in store.scan("f", ())] == model
    assert len(store._tables["f"].keys._lists) > 1  # the runs crossed sublists


def test_a_run_in_order_is_sorted_in_at_once_and_one_out_of_order_is_not() -> None:
    store = MemoryStorage()
    for n in range(5000):
        store.put("f", ("k", n), n)
    assert len(keys(store, "f")) == 5000
    table = store._tables["f"]
    calls: list[int] = []
    original = table.keys.update

    def update(batch: Any) -> None:
        calls.append(len(batch))
        original(batch)

    table.keys.update = update
    for n in range(5000, 5300):
        store.put("f", ("k", n), n)
    assert keys(store, "f")[-1] == ("k", 5299)
    assert calls == []  # the run went in at the end, in one step
    store.put("f", ("k", 5301), 0)
    store.put("f", ("k", 5300), 0)  # not in order: sorted in as usual
    assert keys(store, "f")[-2:] == [("k", 5300), ("k", 5301)]
    assert calls == [2]
    store.put("f", ("k", -1), 0)  # below the others
    assert keys(store, "f")[0] == ("k", -1)
    assert calls == [2, 1]
    store._check()


def test_a_head_run_that_leaves_a_short_sublist_joins_it_to_the_next() -> None:
    """``delete_range`` of the first keys leaving fewer than half a sublist joins the
    rest to the next sublist, and cuts the join again when it is too long: sublists of
    up to 2,000 keys come from keys put in no order."""
    import random

    rng = random.Random(3)
    store = MemoryStorage()
    for at, n in enumerate(rng.sample(range(10**6), 30_000)):
        store.put("f", (n,), n)
        if at % 50 == 0:  # a few at a time: sorted in one by one, sublists grow and split
            store._tables["f"].sorted_keys()
    index = store._tables["f"].sorted_keys()
    model = list(index)
    cut_again = 0
    while len(index._lists) > 1:
        first, second = index._lists[0], index._lists[1]
        left = max(1, min(499, 2001 - len(second)))  # a join too long, when it can be
        count = max(1, len(first) - left)
        cut_again += len(first) - count + len(second) > 2000
        assert store.delete_range("f", (), model[count - 1]) == count
        del model[:count]
        store._check()
        assert [key for key, _ in store.scan("f", (), limit=5)] == model[:5]
    assert [key for key, _ in store.scan("f", ())] == model
    assert cut_again > 0


@pytest.mark.parametrize("load", [4, 8, 1000])
def test_runs_of_many_services_in_and_out_at_any_load_factor(load: int) -> None:
    """Several Services' feeds in one table: each one's oldest removed as a run that may
    lie inside a sublist, span several, or empty one (small load factors make sublists
    of a few keys, so every join and cut happens often); the index keeps its
    invariants and answers as a sorted list of the keys."""
    import random

    rng = random.Random(load)
    store = MemoryStorage()
    store.put("f", ("IS0", 0), 0)
    store._tables["f"].sorted_keys()._reset(load)  # sortedcontainers' own load factor
    services = ["IS0", "IS1", "IS10", "IS1\x00", "IS2"]
    kept: dict[str, list[int]] = {"IS0": [0]}
    last = dict.fromkeys(services, 0)
    for _ in range(400):
        service = rng.choice(services)
        for _ in range(rng.choice((1, 3, 10, 40))):
            last[service] += 1
            store.put("f", (service, last[service]), last[service])
            kept.setdefault(service, []).append(last[service])
        if rng.random() < 0.5:
            assert [key for key, _ in store.scan("f", (service,), limit=2)] == [
                (service, n) for n in kept[service][:2]
            ]
        victim = rng.choice(services)
        numbers = kept.get(victim, [])
        if numbers and rng.random() < 0.7:
            upto = numbers[min(len(numbers) - 1, rng.choice((0, 1, 5, 30, 200)))]
            assert store.delete_range("f", (victim,), (victim, upto)) == numbers.index(upto) + 1
            kept[victim] = [n for n in numbers if n > upto]
        store._check()
    expected = sorted((service, n) for service, numbers in kept.items() for n in numbers)
    assert [key for key, _ in store.scan("f", ())] == expected
