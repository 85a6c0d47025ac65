"""MemoryStorage keeps the Storage protocol: ordered scans, point access, atomic blocks."""

from __future__ import annotations

import pytest

from sync_core import MemoryStorage, Storage
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
