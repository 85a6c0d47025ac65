"""The storage conformance suite: MemoryStorage passes it, broken storages do not."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from itertools import islice
from typing import Any, cast

import pytest
from support import Delegating

from sync_core import MemoryStorage
from sync_core.storage import Key
from sync_core.storage.base import RangeDeletes, Snapshots
from sync_core.testing.conformance import (
    CHECKS,
    CheckFunction,
    StorageFactory,
    run_storage_conformance,
)


def test_memory_storage_passes_thoroughly() -> None:
    run_storage_conformance(MemoryStorage, thorough=True)


@pytest.mark.parametrize(("name", "check"), CHECKS, ids=[name for name, _ in CHECKS])
def test_memory_storage_passes_each_check(name: str, check: CheckFunction) -> None:
    check(MemoryStorage)


def test_the_checks_have_distinct_names() -> None:
    names = [name for name, _ in CHECKS]
    assert len(set(names)) == len(names)
    assert {"randomized", "sync_end_to_end", "atomic_nested"} <= set(names)


# -- broken storages ----------------------------------------------------------------


class IgnoresReverse(MemoryStorage):
    def scan(self, table: str, prefix: Key, **options: Any) -> Iterator[tuple[Key, object]]:
        return super().scan(table, prefix, **{**options, "reverse": False})


class IgnoresLimit(MemoryStorage):
    def scan(self, table: str, prefix: Key, **options: Any) -> Iterator[tuple[Key, object]]:
        return super().scan(table, prefix, **{**options, "limit": None})


class NoRollback(Delegating):
    def atomic(self) -> AbstractContextManager[None]:
        return nullcontext()


class DeleteAlwaysTrue(MemoryStorage):
    def delete(self, table: str, key: Key) -> bool:
        super().delete(table, key)
        return True


class OrdersKeysAsStrings(MemoryStorage):
    """Compares keys by the text of their elements, as a naive text-keyed store would."""

    def scan(self, table: str, prefix: Key, **options: Any) -> Iterator[tuple[Key, object]]:
        def text(key: Key) -> tuple[str, ...]:
            return tuple(str(element) for element in key)

        start, inclusive = options.get("start"), options.get("inclusive", True)
        entries = sorted(super().scan(table, prefix), key=lambda entry: text(entry[0]))
        if start is not None:
            bound = text(start)
            if options.get("reverse"):
                entries = [
                    e for e in entries if text(e[0]) < bound or (inclusive and e[0] == start)
                ]
            else:
                entries = [
                    e for e in entries if text(e[0]) > bound or (inclusive and e[0] == start)
                ]
        if options.get("reverse"):
            entries.reverse()
        return islice(iter(entries), options.get("limit"))


class RollsBackInnerBlocks(Delegating):
    """Undoes an inner block that raises (savepoint-style): not what MemoryStorage does."""

    def __init__(self) -> None:
        self.memory = MemoryStorage()
        super().__init__(self.memory)

    @contextmanager
    def atomic(self) -> Iterator[None]:
        memory = self.memory
        if memory._depth == 0:
            with memory.atomic():
                yield
            return
        mark = len(memory._undo or [])
        memory._depth += 1
        try:
            yield
        except BaseException:
            undo: Any = memory._undo
            tail = undo[mark:]
            del undo[mark:]
            memory._undo = tail
            memory._rollback()
            memory._undo = undo
            raise
        finally:
            memory._depth -= 1


class ReturnsNaiveDatetimes(MemoryStorage):
    """Strips time zones from rows, as a careless SQLite encoding might."""

    def get(self, table: str, key: Key) -> object | None:
        import attrs

        value = super().get(table, key)
        if attrs.has(type(value)):
            changes = {
                field.name: getattr(value, field.name).replace(tzinfo=None)
                for field in attrs.fields(type(value))  # type: ignore[arg-type]
                if hasattr(getattr(value, field.name), "tzinfo")
            }
            return attrs.evolve(value, **changes)  # type: ignore[misc]
        return value


class RefusesHugeIntReads(MemoryStorage):
    """Raises on a read naming an int beyond 64 bits, as a naive 64-bit key codec would."""

    @staticmethod
    def _fits(key: Key | None) -> None:
        if any(isinstance(e, int) and not -(2**63) <= e < 2**63 for e in key or ()):
            raise ValueError(f"a key integer must fit in 64 bits: {key!r}")

    def get(self, table: str, key: Key) -> object | None:
        self._fits(key)
        return super().get(table, key)

    def scan(self, table: str, prefix: Key, **options: Any) -> Iterator[tuple[Key, object]]:
        self._fits(prefix)
        self._fits(options.get("start"))
        return super().scan(table, prefix, **options)


class RangeStopExcluded(MemoryStorage):
    """Removes the keys below ``stop``, not ``stop`` itself."""

    def delete_range(self, table: str, prefix: Key, stop: Key) -> int:
        keys = [key for key, _ in self.scan(table, prefix) if key < stop]
        return sum(self.delete(table, key) for key in keys)


class RangeIgnoresPrefixBoundary(MemoryStorage):
    """Removes every key from the prefix's first up to ``stop``: the keys of a
    neighbouring prefix (``("a\x00", 1)`` after ``("a", ...)``) too."""

    def delete_range(self, table: str, prefix: Key, stop: Key) -> int:
        keys = [key for key, _ in self.scan(table, (), start=prefix) if key <= stop]
        return sum(self.delete(table, key) for key in keys)


class RangeCountsAsBool(MemoryStorage):
    """Says whether it removed anything, not how many."""

    def delete_range(self, table: str, prefix: Key, stop: Key) -> int:
        return bool(super().delete_range(table, prefix, stop))


class RangeNotUndone(MemoryStorage):
    """Removes the range outside the block's undo log: a block that raises keeps it gone."""

    def delete_range(self, table: str, prefix: Key, stop: Key) -> int:
        undo, self._undo = self._undo, None
        try:
            return super().delete_range(table, prefix, stop)
        finally:
            self._undo = undo


class RangeRefusesHugeStop(MemoryStorage):
    """Raises on a ``stop`` holding an int beyond 64 bits, as a naive key codec would."""

    def delete_range(self, table: str, prefix: Key, stop: Key) -> int:
        RefusesHugeIntReads._fits(stop)
        return super().delete_range(table, prefix, stop)


@pytest.mark.parametrize(
    ("storage", "failing"),
    [
        (IgnoresReverse, "scan_reverse"),
        (IgnoresLimit, "scan_limit"),
        (NoRollback, "atomic_rollback"),
        (DeleteAlwaysTrue, "get_put_delete"),
        (OrdersKeysAsStrings, "keys_ordered"),
        (RollsBackInnerBlocks, "atomic_nested"),
        (ReturnsNaiveDatetimes, "values_round_trip"),
        (RefusesHugeIntReads, "reads_beyond_64_bits"),
    ],
    ids=lambda value: value if isinstance(value, str) else value.__name__,
)
def test_a_broken_storage_is_caught(storage: StorageFactory, failing: str) -> None:
    with pytest.raises(AssertionError, match=rf"checks failed:[\s\S]*- {failing}: "):
        run_storage_conformance(storage)


@pytest.mark.parametrize(
    ("storage", "failing"),
    [
        (RangeStopExcluded, "delete_range"),
        (RangeIgnoresPrefixBoundary, "delete_range"),
        (RangeCountsAsBool, "delete_range"),
        (RangeRefusesHugeStop, "delete_range"),
        (RangeNotUndone, "delete_range_atomic"),
        (RangeStopExcluded, "delete_range_atomic"),
        (RangeNotUndone, "randomized"),
        (RangeIgnoresPrefixBoundary, "randomized"),
        (RangeRefusesHugeStop, "randomized"),
    ],
    ids=lambda value: value if isinstance(value, str) else value.__name__,
)
def test_a_broken_range_delete_is_caught(storage: StorageFactory, failing: str) -> None:
    # The check alone (the whole suite on each of these takes a tenth of a second).
    with pytest.raises(AssertionError, match=rf"^{failing}: "):
        dict(CHECKS)[failing](storage)


def test_the_report_names_every_failed_check() -> None:
    with pytest.raises(AssertionError) as raised:
        run_storage_conformance(IgnoresReverse)
    report = str(raised.value)
    failed = [line[2:].split(":")[0] for line in report.splitlines()[1:] if line.startswith("- ")]
    assert report.startswith(f"storage conformance: {len(failed)} of {len(CHECKS)} checks failed")
    assert {"scan_reverse", "keys_ordered", "randomized", "sync_end_to_end"} <= set(failed)
    assert "get_put_delete" not in failed


def test_a_check_names_itself_and_what_went_wrong() -> None:
    check = dict(CHECKS)["scan_limit"]
    with pytest.raises(AssertionError, match=r"^scan_limit: .*limit=0.*expected 0 keys"):
        check(IgnoresLimit)


class SnapshotIsLive(Delegating):
    """Its "snapshot" is the storage itself, and restoring it changes nothing."""

    def snapshot(self) -> object:
        return self.inner

    def restore(self, snapshot: object) -> None:
        pass

    def clear(self) -> None:
        cast(Any, self.inner).clear()


class ClearLeavesATable(Delegating):
    """``clear`` forgets one table."""

    def snapshot(self) -> object:
        return cast(Any, self.inner).snapshot()

    def restore(self, snapshot: object) -> None:
        cast(Any, self.inner).restore(snapshot)

    def clear(self) -> None:
        inner = cast(Any, self.inner)
        for table in [name for name in inner._tables if name != "two"]:
            for key in [key for key, _ in inner.scan(table, ())]:
                inner.delete(table, key)


@pytest.mark.parametrize(
    "storage", [SnapshotIsLive, ClearLeavesATable], ids=lambda value: value.__name__
)
def test_broken_snapshots_are_caught(storage: StorageFactory) -> None:
    # sync.snapshot(), restore() and reset() use them when a storage offers them: the
    # suite passed such storages, and restore() gave the wrong state.
    with pytest.raises(AssertionError, match=r"^snapshots: "):
        dict(CHECKS)["snapshots"](storage)
    assert isinstance(storage(), Snapshots)


def test_a_close_that_raises_is_a_failure_reported_with_the_others() -> None:
    class CloseRaises(IgnoresReverse):
        def close(self) -> None:
            raise RuntimeError("close failed")

    with pytest.raises(AssertionError) as raised:
        run_storage_conformance(CloseRaises)
    report = str(raised.value)
    assert "- scan_reverse: " in report  # the check's own failure, not hidden by close()
    assert "- get_put_delete: close() raised RuntimeError: close failed" in report
    assert f"{len(CHECKS)} of {len(CHECKS)} checks failed" in report  # every check ran


def test_a_storage_that_raises_fails_the_check() -> None:
    class Unwritable(MemoryStorage):
        def put(self, table: str, key: Key, value: object) -> None:
            raise TypeError("cannot encode")

    with pytest.raises(AssertionError, match="get_put_delete: raised TypeError: cannot encode"):
        dict(CHECKS)["get_put_delete"](Unwritable)


def test_each_check_gets_a_fresh_storage_and_closes_it() -> None:
    made: list[Tracked] = []

    class Tracked(MemoryStorage):
        def __init__(self) -> None:
            super().__init__()
            self.closed = False
            made.append(self)

        def close(self) -> None:
            self.closed = True
            super().close()

    run_storage_conformance(Tracked)
    assert len(made) == len(CHECKS)
    assert all(storage.closed for storage in made)


def test_a_storage_without_range_deletes_passes_the_range_checks() -> None:
    """delete_range is optional: a storage without it (only the Storage protocol's six
    methods) is asked nothing by those checks, and passes the whole suite."""
    storage = Delegating()
    assert not isinstance(storage, RangeDeletes)
    assert isinstance(MemoryStorage(), RangeDeletes)
    for name in ("delete_range", "delete_range_atomic"):
        dict(CHECKS)[name](Delegating)
    run_storage_conformance(Delegating)
